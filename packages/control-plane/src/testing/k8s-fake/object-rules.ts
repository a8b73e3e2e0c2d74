// The checks a real API server makes beyond the OpenAPI schema, for the kinds the fake serves:
// object names, label values, and a Deployment's selector (matches its template, immutable).
import type { ValidationCause } from './schema-validator.js';

type Json = Record<string, unknown>;

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function labelCauses(labels: unknown, field: string): ValidationCause[] {
  if (labels === undefined) return [];
  return Object.entries(labels as Record<string, unknown>).flatMap(([key, value]) =>
    typeof value === 'string' && value.length <= 63 && LABEL_VALUE.test(value)
      ? []
      : [{ reason: 'FieldValueInvalid' as const, field: `${field}`, message: `Invalid value: ${JSON.stringify(value)}: a valid label must be 63 characters or less (label ${key})` }],
  );
}

/** metadata.name (a DNS-1123 subdomain; a DNS-1035 label for Services) and label values. */
export function metadataCauses(kind: string, object: Json): ValidationCause[] {
  const metadata = (object['metadata'] ?? {}) as Json;
  const name = metadata['name'];
  const causes: ValidationCause[] = [];
  const pattern = kind === 'Service' ? DNS_1035_LABEL : DNS_SUBDOMAIN;
  const max = kind === 'Service' ? 63 : 253;
  if (typeof name !== 'string' || name.length === 0) causes.push({ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' });
  else if (name.length > max || !pattern.test(name)) causes.push({ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: ${JSON.stringify(name)}: must match ${pattern.source} (at most ${max} characters)` });
  causes.push(...labelCauses(metadata['labels'], 'metadata.labels'));
  const annotations = JSON.stringify(metadata['annotations'] ?? {});
  if (annotations.length > 262_144) causes.push({ reason: 'FieldValueTooLong', field: 'metadata.annotations', message: 'Too long: must have at most 262144 bytes' });
  return causes;
}

/** apps/v1 Deployment: spec.selector must select spec.template's labels and may not change after creation. */
export function deploymentCauses(object: Json, previous: Json | undefined): ValidationCause[] {
  const spec = (object['spec'] ?? {}) as Json;
  const selector = ((spec['selector'] ?? {}) as Json)['matchLabels'] as Record<string, string> | undefined;
  const templateLabels = (((spec['template'] ?? {}) as Json)['metadata'] as Json | undefined)?.['labels'] as Record<string, string> | undefined;
  const causes: ValidationCause[] = [...labelCauses(templateLabels, 'spec.template.metadata.labels')];
  if (selector === undefined || Object.keys(selector).length === 0) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.selector', message: 'Invalid value: empty selector is invalid for deployment' });
  } else if (!Object.entries(selector).every(([k, v]) => templateLabels?.[k] === v)) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.template.metadata.labels', message: `Invalid value: ${JSON.stringify(templateLabels ?? {})}: \`selector\` does not match template \`labels\`` });
  }
  const before = (previous?.['spec'] as Json | undefined)?.['selector'];
  if (before !== undefined && JSON.stringify(before) !== JSON.stringify(spec['selector'])) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.selector', message: `Invalid value: ${JSON.stringify(spec['selector'])}: field is immutable` });
  }
  return causes;
}
