// An in-process Kubernetes API server for tests (node:http on 127.0.0.1, port 0). It serves the verbs
// the Sluice adapters use — server-side apply, merge patch, get, list, delete, watch, status — for
// Deployments, Services, HTTPRoutes, VirtualServices and DestinationRules, and validates every object
// it receives against the official schemas (../shared/external/k8s-schemas), answering 422 like a real
// API server. No real cluster runs in these tests: this fake is what they use.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeStore, parseSelector } from './fake-store.js';
import type { FakeChange, Json } from './fake-store.js';
import { applyPatch, mergePatchObject, parseBody, statusAnswer } from './fake-writes.js';
import type { FakeAnswer, WriteTarget } from './fake-writes.js';
import { loadResourceTypes } from './schema-registry.js';
import type { FakeResourceType, GatewayChannel } from './schema-registry.js';

/** One request the fake answered (tests count them, e.g. to prove an adapter watches instead of polling). */
export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly watch: boolean;
  readonly code: number;
}

export interface FakeKubeApiOptions {
  /** The HTTPRoute CRD installed: "standard" (default) or "experimental" (sessionPersistence). */
  readonly gatewayChannel?: GatewayChannel;
  /** Folder of the schemas; default ../shared/external/k8s-schemas from the repository root. */
  readonly schemaRoot?: string;
}

const PATH = /^\/(?:api\/(v1)|apis\/([^/]+\/[^/]+))\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?(?:\/(status))?$/;

export class FakeKubeApiServer {
  readonly store = new FakeStore();
  readonly requests: FakeRequest[] = [];
  readonly #types: FakeResourceType[];
  readonly #server: Server;
  #url = '';

  private constructor(types: FakeResourceType[]) {
    this.#types = types;
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  /** Loads the schemas and listens on 127.0.0.1 at a free port. */
  static async start(options: FakeKubeApiOptions = {}): Promise<FakeKubeApiServer> {
    const fake = new FakeKubeApiServer(loadResourceTypes(options.schemaRoot, options.gatewayChannel));
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.#url = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`;
    return fake;
  }

  /** e.g. "http://127.0.0.1:41234": the `server` of a KubeConnection. */
  get url(): string {
    return this.#url;
  }

  /** An object as stored, or undefined. */
  object(apiVersion: string, plural: string, namespace: string, name: string): Json | undefined {
    return this.store.get(`${apiVersion}|${plural}|${namespace}`, name);
  }

  /**
   * Merges `status` into an object's status through the status subresource (validated like any write):
   * the test plays the controller (Deployment readyReplicas, HTTPRoute parents). Not counted in `requests`.
   */
  setStatus(apiVersion: string, plural: string, namespace: string, name: string, status: Json): FakeAnswer {
    const type = this.#types.find((t) => t.apiVersion === apiVersion && t.plural === plural);
    if (type === undefined) throw new Error(`the fake serves no ${apiVersion} ${plural}`);
    const target: WriteTarget = { type, namespace, name, collection: `${apiVersion}|${plural}|${namespace}`, subresource: 'status' };
    const answer = mergePatchObject(this.store, target, { status });
    if (answer.code >= 300) throw new Error(`setStatus ${plural}/${name}: ${answer.code} ${String(answer.body['message'])}`);
    return answer;
  }

  /** Requests so far matching `method` and a path fragment. */
  count(method: string, pathIncludes: string, watch = false): number {
    return this.requests.filter((r) => r.method === method && r.path.includes(pathIncludes) && r.watch === watch).length;
  }

  async close(): Promise<void> {
    this.store.endWatches();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const watch = url.searchParams.get('watch') === '1' || url.searchParams.get('watch') === 'true';
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const answer = this.#route(method, url, req.headers['content-type'] ?? '', body, res, watch);
    this.requests.push({ method, path: url.pathname, watch, code: answer?.code ?? 200 });
    if (answer === undefined) return; // a watch stream owns the response
    res.writeHead(answer.code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  }

  #route(method: string, url: URL, contentType: string, body: string, res: ServerResponse, watch: boolean): FakeAnswer | undefined {
    const m = PATH.exec(url.pathname);
    const apiVersion = m?.[1] ?? m?.[2];
    const type = this.#types.find((t) => t.apiVersion === apiVersion && t.plural === m?.[4]);
    if (m === null || type === undefined) return statusAnswer(404, 'NotFound', `the server could not find the requested resource (${method} ${url.pathname})`);
    const namespace = m[3] ?? '';
    const collection = `${type.apiVersion}|${type.plural}|${namespace}`;
    const name = m[5] === undefined ? undefined : decodeURIComponent(m[5]);
    if (name === undefined) {
      if (method !== 'GET') return statusAnswer(405, 'MethodNotAllowed', `${method} is not supported on a collection here`);
      if (watch) return this.#watch(collection, url.searchParams, res);
      const items = this.store.list(collection, parseSelector(url.searchParams.get('labelSelector')));
      return { code: 200, body: { apiVersion: type.apiVersion, kind: `${type.kind}List`, metadata: { resourceVersion: String(this.store.revision) }, items } };
    }
    const target: WriteTarget = { type, namespace, name, collection, subresource: m[6] };
    return this.#item(method, target, contentType, body, url.searchParams);
  }

  #item(method: string, target: WriteTarget, contentType: string, text: string, query: URLSearchParams): FakeAnswer {
    const notFound = statusAnswer(404, 'NotFound', `${target.type.plural} "${target.name}" not found`, { details: { name: target.name, kind: target.type.plural } });
    if (method === 'GET') return { code: this.store.get(target.collection, target.name) === undefined ? 404 : 200, body: this.store.get(target.collection, target.name) ?? notFound.body };
    if (method === 'DELETE') {
      const gone = this.store.delete(target.collection, target.name);
      return gone === undefined ? notFound : { code: 200, body: gone };
    }
    const body = parseBody(text);
    if (body === undefined) return statusAnswer(400, 'BadRequest', 'the request body is not a JSON object (the fake reads JSON bodies only)');
    if (method === 'PATCH' && contentType.startsWith('application/apply-patch+yaml')) return applyPatch(this.store, target, body, query);
    if (method === 'PATCH' && contentType.startsWith('application/merge-patch+json')) return mergePatchObject(this.store, target, body);
    if (method === 'PUT' && target.subresource === 'status') return mergePatchObject(this.store, target, { status: body['status'] ?? {} });
    return statusAnswer(415, 'UnsupportedMediaType', `${method} with content type "${contentType}" is not supported by the fake`);
  }

  /** A watch: 410 (as an ERROR event) for a compacted resourceVersion, else history after it, then live changes. */
  #watch(collection: string, query: URLSearchParams, res: ServerResponse): FakeAnswer | undefined {
    const selector = parseSelector(query.get('labelSelector'));
    const from = query.get('resourceVersion');
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const line = (type: string, object: Json): void => void res.write(`${JSON.stringify({ type, object })}\n`);
    let backlog: readonly FakeChange[] | undefined;
    if (from === null || from === '' || from === '0') {
      backlog = this.store.list(collection, selector).map((object) => ({ type: 'ADDED', collection, object, resourceVersion: 0 }));
    } else {
      backlog = this.store.since(collection, Number(from))?.filter((c) => [...selector].every(([k, v]) => ((c.object['metadata'] as Json)['labels'] as Record<string, string> | undefined)?.[k] === v));
    }
    if (backlog === undefined) {
      line('ERROR', statusAnswer(410, 'Expired', `too old resource version: ${from} (${this.store.compactedThrough})`).body);
      res.end();
      return undefined;
    }
    for (const change of backlog) line(change.type, change.object);
    const remove = this.store.addWatcher({ collection, selector, send: (change) => line(change.type, change.object), end: () => res.end() });
    res.on('close', remove);
    return undefined;
  }
}
