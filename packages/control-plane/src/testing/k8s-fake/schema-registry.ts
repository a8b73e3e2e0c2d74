import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { OpenApiSchema, RefResolver } from './schema-validator.js';

/** One kind the fake serves: where (apiVersion + plural), and the official schema it validates against. */
export interface FakeResourceType {
  readonly apiVersion: string;
  readonly kind: string;
  readonly plural: string;
  readonly schema: OpenApiSchema;
  readonly resolve: RefResolver;
}

/** Which HTTPRoute CRD the fake installs: standard, or experimental (adds rules[].sessionPersistence). */
export type GatewayChannel = 'standard' | 'experimental';

/** /work/shared/external/k8s-schemas, found from the repository root ($SLUICE_K8S_SCHEMAS overrides). */
export function defaultSchemaRoot(): string {
  const fromEnv = process.env['SLUICE_K8S_SCHEMAS'];
  if (fromEnv !== undefined && fromEnv.length > 0) return fromEnv;
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..');
  return resolve(repoRoot, '../shared/external/k8s-schemas');
}

interface CrdDocument {
  readonly spec: {
    readonly group: string;
    readonly names: { readonly kind: string; readonly plural: string };
    readonly versions: readonly { readonly name: string; readonly served: boolean; readonly schema: { readonly openAPIV3Schema: OpenApiSchema } }[];
  };
}

const noRefs: RefResolver = (ref) => {
  throw new Error(`a CRD schema has no $ref (${ref})`);
};

/** The API server always accepts apiVersion, kind and metadata at a custom resource's root, declared or not. */
function withObjectRoot(schema: OpenApiSchema): OpenApiSchema {
  const implicit: Record<string, OpenApiSchema> = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' } };
  return { ...schema, properties: { ...implicit, ...schema.properties } };
}

/** Every served version of a CustomResourceDefinition file. */
function crdTypes(file: string): FakeResourceType[] {
  const crd = parse(readFileSync(file, 'utf8')) as CrdDocument;
  const { group, names, versions } = crd.spec;
  return versions
    .filter((v) => v.served)
    .map((v) => ({ apiVersion: `${group}/${v.name}`, kind: names.kind, plural: names.plural, schema: withObjectRoot(v.schema.openAPIV3Schema), resolve: noRefs }));
}

/** A built-in kind from an OpenAPI v3 document (apps/v1, core v1); refs resolve inside that document. */
function builtinType(file: string, apiVersion: string, kind: string, plural: string, component: string): FakeResourceType {
  const document = JSON.parse(readFileSync(file, 'utf8')) as { components: { schemas: Record<string, OpenApiSchema> } };
  const schemas = document.components.schemas;
  const resolveRef: RefResolver = (ref) => {
    const found = schemas[ref.replace('#/components/schemas/', '')];
    if (found === undefined) throw new Error(`unresolvable $ref ${ref} in ${file}`);
    return found;
  };
  return { apiVersion, kind, plural, schema: resolveRef(`#/components/schemas/${component}`), resolve: resolveRef };
}

/**
 * The kinds the Kubernetes adapters use, each with its official schema: Deployment (apps/v1), Service (v1),
 * HTTPRoute (Gateway API v1.6.1, standard or experimental channel), VirtualService and DestinationRule (Istio 1.30.3).
 */
export function loadResourceTypes(root = defaultSchemaRoot(), channel: GatewayChannel = 'standard'): FakeResourceType[] {
  if (!existsSync(root)) throw new Error(`k8s schemas not found at ${root}; set SLUICE_K8S_SCHEMAS`);
  const httpRoutes =
    channel === 'standard'
      ? join(root, 'gateway-api/standard/gateway.networking.k8s.io_httproutes.yaml')
      : join(root, 'gateway-api/experimental/gateway.networking.k8s.io_httproutes.experimental.yaml');
  return [
    builtinType(join(root, 'kubernetes/apis__apps__v1_openapi.json'), 'apps/v1', 'Deployment', 'deployments', 'io.k8s.api.apps.v1.Deployment'),
    builtinType(join(root, 'kubernetes/api__v1_openapi.json'), 'v1', 'Service', 'services', 'io.k8s.api.core.v1.Service'),
    ...crdTypes(httpRoutes),
    ...crdTypes(join(root, 'istio/virtualservices.networking.istio.io.yaml')),
    ...crdTypes(join(root, 'istio/destinationrules.networking.istio.io.yaml')),
  ];
}
