import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ErrorCode, SluiceError } from '@sluice/domain';
import type { Problem } from '@sluice/domain';

/** Where the API server is and how to authenticate (what a kubeconfig context or a service account gives). */
export interface KubeConnection {
  /** e.g. "https://10.0.0.1:6443", or "http://127.0.0.1:PORT" for the test fake. */
  readonly server: string;
  /** Extra headers, e.g. { authorization: "Bearer …" }. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly ca?: string | Buffer;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** false only for insecure-skip-tls-verify clusters. */
  readonly rejectUnauthorized?: boolean;
  /** The context's namespace (or the service account's), where Sluice works unless told otherwise. */
  readonly namespace?: string;
}

/** A Kubernetes object as sent and received (only the fields Sluice reads are typed). */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: KubeMetadata;
  readonly spec?: unknown;
  readonly status?: unknown;
}

export interface KubeMetadata {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly generation?: number;
  readonly resourceVersion?: string;
  readonly uid?: string;
}

/** One collection of a namespace: apiVersion "apps/v1" + plural "deployments" + namespace. */
export interface KubeCollection {
  readonly apiVersion: string;
  readonly plural: string;
  readonly namespace: string;
}

/** One object of a collection. */
export interface KubeRef extends KubeCollection {
  readonly name: string;
}

export interface KubeWatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  readonly object: KubeObject;
}

/** The watch's resourceVersion is older than the server keeps (HTTP 410 Gone): list again, then watch. */
export class KubeWatchExpiredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeWatchExpiredError';
  }
}

/** Path of a collection or object, e.g. /apis/apps/v1/namespaces/ns/deployments/name/status. */
export function kubePath(target: KubeCollection & { readonly name?: string }, subresource?: string): string {
  const base = target.apiVersion.includes('/') ? `/apis/${target.apiVersion}` : `/api/${target.apiVersion}`;
  const name = target.name === undefined ? '' : `/${encodeURIComponent(target.name)}`;
  return `${base}/namespaces/${encodeURIComponent(target.namespace)}/${target.plural}${name}${subresource === undefined ? '' : `/${subresource}`}`;
}

interface KubeResponse {
  readonly status: number;
  readonly body: unknown;
}

/** The Status causes of a 422 as Problems (field path + message), like the API server reports them. */
function problemsOf(body: unknown): Problem[] {
  const causes = (body as { details?: { causes?: { field?: string; message?: string }[] } } | undefined)?.details?.causes ?? [];
  return causes.map((c) => ({ message: c.message ?? 'invalid', ...(c.field === undefined ? {} : { path: c.field }) }));
}

function errorFor(method: string, path: string, response: KubeResponse): SluiceError {
  const message = (response.body as { message?: string } | undefined)?.message ?? JSON.stringify(response.body);
  const text = `Kubernetes API ${method} ${path}: ${response.status} ${message}`;
  const details = { status: response.status, path };
  if (response.status === 422 || response.status === 400) {
    return new SluiceError(ErrorCode.INVALID_REQUEST, text, { problems: problemsOf(response.body), details });
  }
  if (response.status === 401 || response.status === 403) return new SluiceError(ErrorCode.FORBIDDEN, text, { details });
  if (response.status === 409) return new SluiceError(ErrorCode.CONFLICT, text, { details });
  return new SluiceError(ErrorCode.ADAPTER_FAILED, text, { details });
}

/**
 * A small Kubernetes REST client over node:http(s): get, server-side apply, delete, list and watch.
 * No dependency; the kubeconfig is read by kube-config.ts (lazy @kubernetes/client-node).
 */
export class KubeClient {
  readonly #connection: KubeConnection;
  readonly #fieldManager: string;

  constructor(connection: KubeConnection, options: { readonly fieldManager?: string } = {}) {
    this.#connection = connection;
    this.#fieldManager = options.fieldManager ?? 'sluice';
  }

  /** The object, or undefined when it does not exist. */
  async get(ref: KubeRef, signal?: AbortSignal): Promise<KubeObject | undefined> {
    const response = await this.#request('GET', kubePath(ref), { signal });
    if (response.status === 404) return undefined;
    if (response.status >= 300) throw errorFor('GET', kubePath(ref), response);
    return response.body as KubeObject;
  }

  /** Server-side apply (application/apply-patch+yaml; JSON is YAML) with this client's field manager, forced. */
  async apply(ref: KubeRef, object: KubeObject, signal?: AbortSignal, subresource?: string): Promise<KubeObject> {
    const path = `${kubePath(ref, subresource)}?fieldManager=${encodeURIComponent(this.#fieldManager)}&force=true`;
    const response = await this.#request('PATCH', path, { body: JSON.stringify(object), contentType: 'application/apply-patch+yaml', signal });
    if (response.status >= 300) throw errorFor('PATCH', path, response);
    return response.body as KubeObject;
  }

  /** Deletes the object; false when it did not exist. */
  async remove(ref: KubeRef, signal?: AbortSignal): Promise<boolean> {
    const path = `${kubePath(ref)}?propagationPolicy=Background`;
    const response = await this.#request('DELETE', path, { signal });
    if (response.status === 404) return false;
    if (response.status >= 300) throw errorFor('DELETE', path, response);
    return true;
  }

  /** The items of a collection and the list's resourceVersion (where a watch starts). */
  async list(collection: KubeCollection, labelSelector?: string, signal?: AbortSignal): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    const query = labelSelector === undefined ? '' : `?labelSelector=${encodeURIComponent(labelSelector)}`;
    const path = `${kubePath(collection)}${query}`;
    const response = await this.#request('GET', path, { signal });
    if (response.status >= 300) throw errorFor('GET', path, response);
    const body = response.body as { items?: KubeObject[]; metadata?: { resourceVersion?: string } };
    return { items: body.items ?? [], resourceVersion: body.metadata?.resourceVersion ?? '0' };
  }

  /**
   * Streams changes after `resourceVersion` to `onEvent` until the server ends the stream (resolves) or
   * `signal` aborts (resolves). Rejects with KubeWatchExpiredError on 410 Gone.
   */
  async watch(collection: KubeCollection, from: { resourceVersion: string; labelSelector?: string }, onEvent: (event: KubeWatchEvent) => void, signal: AbortSignal): Promise<void> {
    const selector = from.labelSelector === undefined ? '' : `&labelSelector=${encodeURIComponent(from.labelSelector)}`;
    const path = `${kubePath(collection)}?watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(from.resourceVersion)}${selector}`;
    let message: IncomingMessage;
    try {
      message = await this.#open('GET', path, {}, signal);
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    }
    if (message.statusCode === 410) throw new KubeWatchExpiredError(`watch ${path}: 410 Gone`);
    if ((message.statusCode ?? 500) >= 300) throw errorFor('GET', path, await readBody(message));
    await readWatchLines(message, path, onEvent, signal);
  }

  async #request(method: string, path: string, options: { body?: string; contentType?: string; signal?: AbortSignal | undefined }): Promise<KubeResponse> {
    options.signal?.throwIfAborted();
    return readBody(await this.#open(method, path, options, options.signal));
  }

  #open(method: string, path: string, options: { body?: string; contentType?: string }, signal?: AbortSignal): Promise<IncomingMessage> {
    const url = new URL(path, this.#connection.server);
    const { ca, cert, key, rejectUnauthorized } = this.#connection;
    const headers: Record<string, string> = { accept: 'application/json', ...this.#connection.headers };
    if (options.contentType !== undefined) headers['content-type'] = options.contentType;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const tls = url.protocol === 'https:' ? { ca, cert, key, rejectUnauthorized: rejectUnauthorized ?? true } : {};
    return new Promise((resolve, reject) => {
      const req = send(url, { method, headers, signal, ...tls }, resolve);
      req.on('error', (error) =>
        reject(signal?.aborted ? error : new SluiceError(ErrorCode.UNREACHABLE, `Kubernetes API ${method} ${url.pathname}: ${error.message}`, { cause: error })),
      );
      req.end(options.body);
    });
  }
}

async function readBody(message: IncomingMessage): Promise<KubeResponse> {
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  let body: unknown = text;
  try {
    body = text.length === 0 ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text for the error message
  }
  return { status: message.statusCode ?? 500, body };
}

/** Newline-delimited watch events; an ERROR event with code 410 becomes KubeWatchExpiredError. */
async function readWatchLines(message: IncomingMessage, path: string, onEvent: (event: KubeWatchEvent) => void, signal: AbortSignal): Promise<void> {
  let pending = '';
  try {
    for await (const chunk of message) {
      pending += (chunk as Buffer).toString('utf8');
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line.length > 0) dispatch(JSON.parse(line) as { type: string; object: KubeObject & { code?: number; message?: string } }, path, onEvent);
        newline = pending.indexOf('\n');
      }
    }
  } catch (error) {
    if (signal.aborted) return;
    throw error;
  }
}

function dispatch(event: { type: string; object: KubeObject & { code?: number; message?: string } }, path: string, onEvent: (event: KubeWatchEvent) => void): void {
  if (event.type === 'ERROR') {
    if (event.object.code === 410) throw new KubeWatchExpiredError(`watch ${path}: ${event.object.message ?? '410 Gone'}`);
    throw new SluiceError(ErrorCode.ADAPTER_FAILED, `watch ${path}: ${event.object.message ?? JSON.stringify(event.object)}`);
  }
  onEvent(event as KubeWatchEvent);
}
