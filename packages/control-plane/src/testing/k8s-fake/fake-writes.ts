// Writes of the fake API server: server-side apply (one field manager owns what it applies), JSON
// merge patch, status updates, with the API server's validation (schema + object rules → 422).
import type { FakeStore, Json } from './fake-store.js';
import { deploymentCauses, metadataCauses } from './object-rules.js';
import type { FakeResourceType } from './schema-registry.js';
import { validateSchema } from './schema-validator.js';
import type { ValidationCause } from './schema-validator.js';

/** What the HTTP layer sends back: a status code and a JSON body. */
export interface FakeAnswer {
  readonly code: number;
  readonly body: Json;
}

/** Where a write goes. */
export interface WriteTarget {
  readonly type: FakeResourceType;
  readonly namespace: string;
  readonly name: string;
  readonly collection: string;
  readonly subresource: string | undefined;
}

function group(apiVersion: string): string {
  return apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
}

/** A Status answer, as the API server sends for errors. */
export function statusAnswer(code: number, reason: string, message: string, extra: Json = {}): FakeAnswer {
  return { code, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code, ...extra } };
}

function invalid(target: WriteTarget, causes: readonly ValidationCause[]): FakeAnswer {
  const g = group(target.type.apiVersion);
  const qualified = g === '' ? target.type.kind : `${target.type.kind}.${g}`;
  const message = `${qualified} "${target.name}" is invalid: [${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}]`;
  return statusAnswer(422, 'Invalid', message, { details: { name: target.name, group: g, kind: target.type.kind, causes } });
}

/** The body of a write as an object. Apply patches may be YAML on a real server; Sluice sends JSON (valid YAML), the fake reads JSON only. */
export function parseBody(text: string): Json | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Json = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Json) } : {};
  for (const [key, value] of Object.entries(patch as Json)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

function sameContent(a: Json, b: Json): boolean {
  const strip = (o: Json): string => {
    const { metadata, ...rest } = o;
    const { resourceVersion: _rv, uid: _uid, creationTimestamp: _ct, generation: _g, managedFields: _mf, ...meta } = (metadata ?? {}) as Json;
    return JSON.stringify({ ...rest, metadata: meta });
  };
  return strip(a) === strip(b);
}

/** Validates `next` and stores it (generation +1 on a spec change); an unchanged object is not written again. */
function commit(store: FakeStore, target: WriteTarget, next: Json, previous: Json | undefined): FakeAnswer {
  const causes = [...validateSchema(target.type.schema, next, '', target.type.resolve), ...metadataCauses(target.type.kind, next)];
  if (target.type.kind === 'Deployment') causes.push(...deploymentCauses(next, previous));
  if (causes.length > 0) return invalid(target, causes);
  if (previous !== undefined && sameContent(previous, next)) return { code: 200, body: previous };
  const specChanged = previous === undefined || JSON.stringify(previous['spec']) !== JSON.stringify(next['spec']);
  const before = Number((previous?.['metadata'] as Json | undefined)?.['generation'] ?? 0);
  const withGeneration = { ...next, metadata: { ...(next['metadata'] as Json), generation: specChanged ? before + 1 : before } };
  return { code: previous === undefined ? 201 : 200, body: store.put(target.collection, target.name, withGeneration, previous) };
}

/**
 * Server-side apply for a single manager: the applied object replaces everything that manager applied
 * before (fields it leaves out are removed); status is kept unless the status subresource is applied.
 */
export function applyPatch(store: FakeStore, target: WriteTarget, body: Json, query: URLSearchParams): FakeAnswer {
  if (!query.get('fieldManager')) return statusAnswer(400, 'BadRequest', 'PATCH, application/apply-patch+yaml: fieldManager is required for apply requests');
  if (body['apiVersion'] !== target.type.apiVersion || body['kind'] !== target.type.kind) {
    return statusAnswer(400, 'BadRequest', `the API version and kind in the body (${String(body['apiVersion'])}, ${String(body['kind'])}) do not match the URL (${target.type.apiVersion}, ${target.type.kind})`);
  }
  const metadata = (body['metadata'] ?? {}) as Json;
  if (metadata['name'] !== target.name) return statusAnswer(400, 'BadRequest', `the name of the object (${String(metadata['name'])}) does not match the name on the URL (${target.name})`);
  if (metadata['namespace'] !== undefined && metadata['namespace'] !== target.namespace) {
    return statusAnswer(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
  }
  const previous = store.get(target.collection, target.name);
  const prevMeta = (previous?.['metadata'] ?? {}) as Json;
  if (target.subresource === 'status') {
    if (previous === undefined) return statusAnswer(404, 'NotFound', `${target.type.plural} "${target.name}" not found`);
    return commit(store, target, { ...previous, status: body['status'] }, previous);
  }
  const { status: _ignored, ...applied } = body;
  const next: Json = {
    ...applied,
    metadata: { ...metadata, namespace: target.namespace, ...(prevMeta['generation'] === undefined ? {} : { generation: prevMeta['generation'] }) },
    ...(previous?.['status'] === undefined ? {} : { status: previous['status'] }),
  };
  return commit(store, target, next, previous);
}

/** application/merge-patch+json on the object or its status subresource. */
export function mergePatchObject(store: FakeStore, target: WriteTarget, body: Json): FakeAnswer {
  const previous = store.get(target.collection, target.name);
  if (previous === undefined) return statusAnswer(404, 'NotFound', `${target.type.plural} "${target.name}" not found`);
  if (target.subresource === 'status') return commit(store, target, { ...previous, status: mergePatch(previous['status'], body['status']) }, previous);
  const { status: _ignored, ...patch } = body;
  return commit(store, target, mergePatch(previous, patch) as Json, previous);
}
