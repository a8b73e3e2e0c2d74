// A validator for the OpenAPI v3 structural schemas Kubernetes uses (CRD openAPIV3Schema and the
// built-in apps/v1 and core/v1 OpenAPI documents): the keywords those files contain. CEL rules
// (x-kubernetes-validations) are not evaluated; that needs a real API server.

/** The subset of OpenAPI v3 schema keywords the Kubernetes schemas use. */
export interface OpenApiSchema {
  readonly type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  readonly properties?: Readonly<Record<string, OpenApiSchema>>;
  readonly required?: readonly string[];
  readonly items?: OpenApiSchema;
  readonly additionalProperties?: OpenApiSchema | boolean;
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: boolean;
  readonly exclusiveMaximum?: boolean;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minProperties?: number;
  readonly maxProperties?: number;
  readonly nullable?: boolean;
  readonly allOf?: readonly OpenApiSchema[];
  readonly oneOf?: readonly OpenApiSchema[];
  readonly anyOf?: readonly OpenApiSchema[];
  readonly not?: OpenApiSchema;
  readonly $ref?: string;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
  readonly 'x-kubernetes-int-or-string'?: boolean;
  readonly 'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  readonly 'x-kubernetes-list-map-keys'?: readonly string[];
}

/** One problem, shaped like a StatusCause of the API server's 422 answer. */
export interface ValidationCause {
  readonly reason: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueNotSupported' | 'FieldValueDuplicate' | 'FieldValueTypeInvalid' | 'FieldValueUnknown' | 'FieldValueTooLong' | 'FieldValueTooMany';
  readonly field: string;
  readonly message: string;
}

/** Resolves "#/components/schemas/…" references of the document a schema came from. */
export type RefResolver = (ref: string) => OpenApiSchema;

const NO_REFS: RefResolver = (ref) => {
  throw new Error(`unresolvable $ref ${ref}`);
};

/** Every way `value` breaks `schema`, with field paths like "spec.rules[0].backendRefs[1].weight". */
export function validateSchema(schema: OpenApiSchema, value: unknown, path = '', resolve: RefResolver = NO_REFS): ValidationCause[] {
  const causes: ValidationCause[] = [];
  check(schema, value, path, resolve, causes);
  return causes;
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function check(schema: OpenApiSchema, value: unknown, path: string, resolve: RefResolver, out: ValidationCause[]): void {
  if (schema.$ref !== undefined) {
    check(resolve(schema.$ref), value, path, resolve, out);
    return;
  }
  if (value === null) {
    if (schema.nullable !== true && schema.type !== undefined) out.push({ reason: 'FieldValueTypeInvalid', field: path, message: `Invalid value: "null": ${path} in body must be of type ${schema.type}` });
    return;
  }
  for (const part of schema.allOf ?? []) check(part, value, path, resolve, out);
  checkCombinators(schema, value, path, resolve, out);
  if (schema.enum !== undefined && !schema.enum.some((allowed) => allowed === value)) {
    out.push({ reason: 'FieldValueNotSupported', field: path, message: `Unsupported value: ${shown(value)}: supported values: ${schema.enum.map((e) => shown(e)).join(', ')}` });
  }
  if (schema['x-kubernetes-int-or-string'] === true) {
    if (!(typeof value === 'string' || Number.isInteger(value))) out.push({ reason: 'FieldValueTypeInvalid', field: path, message: `Invalid value: ${shown(value)}: ${path} in body must be of type int-or-string` });
    return;
  }
  if (!typeMatches(schema.type, value)) {
    out.push({ reason: 'FieldValueTypeInvalid', field: path, message: `Invalid value: ${shown(value)}: ${path} in body must be of type ${schema.type}` });
    return;
  }
  if (typeof value === 'number') checkNumber(schema, value, path, out);
  else if (typeof value === 'string') checkString(schema, value, path, out);
  else if (Array.isArray(value)) checkArray(schema, value, path, resolve, out);
  else if (typeof value === 'object') checkObject(schema, value as Record<string, unknown>, path, resolve, out);
}

function typeMatches(type: OpenApiSchema['type'], value: unknown): boolean {
  switch (type) {
    case undefined:
      return true;
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    default:
      return typeof value === type;
  }
}

function checkCombinators(schema: OpenApiSchema, value: unknown, path: string, resolve: RefResolver, out: ValidationCause[]): void {
  const passes = (s: OpenApiSchema): boolean => validateSchema(s, value, path, resolve).length === 0;
  if (schema.oneOf !== undefined) {
    const count = schema.oneOf.filter(passes).length;
    if (count !== 1) out.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${shown(value)}: ${path} in body must validate one and only one schema (oneOf), ${count} matched` });
  }
  if (schema.anyOf !== undefined && !schema.anyOf.some(passes)) {
    out.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${shown(value)}: ${path} in body must validate at least one schema (anyOf)` });
  }
  if (schema.not !== undefined && passes(schema.not)) {
    out.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${shown(value)}: ${path} in body must not validate the schema (not)` });
  }
}

function checkNumber(schema: OpenApiSchema, value: number, path: string, out: ValidationCause[]): void {
  const { minimum, maximum } = schema;
  if (minimum !== undefined && (schema.exclusiveMinimum === true ? value <= minimum : value < minimum)) {
    out.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${value}: ${path} in body should be greater than or equal to ${minimum}` });
  }
  if (maximum !== undefined && (schema.exclusiveMaximum === true ? value >= maximum : value > maximum)) {
    out.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${value}: ${path} in body should be less than or equal to ${maximum}` });
  }
}

function checkString(schema: OpenApiSchema, value: string, path: string, out: ValidationCause[]): void {
  const length = [...value].length;
  if (schema.maxLength !== undefined && length > schema.maxLength) out.push({ reason: 'FieldValueTooLong', field: path, message: `Too long: may not be more than ${schema.maxLength} bytes` });
  if (schema.minLength !== undefined && length < schema.minLength) out.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${shown(value)}: ${path} in body should be at least ${schema.minLength} chars long` });
  if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
    out.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${shown(value)}: ${path} in body should match '${schema.pattern}'` });
  }
}

function checkArray(schema: OpenApiSchema, value: readonly unknown[], path: string, resolve: RefResolver, out: ValidationCause[]): void {
  if (schema.maxItems !== undefined && value.length > schema.maxItems) out.push({ reason: 'FieldValueTooMany', field: path, message: `Too many: ${value.length}: must have at most ${schema.maxItems} items` });
  if (schema.minItems !== undefined && value.length < schema.minItems) out.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${value.length}: ${path} in body should have at least ${schema.minItems} items` });
  if (schema.items !== undefined) value.forEach((item, i) => check(schema.items as OpenApiSchema, item, `${path}[${i}]`, resolve, out));
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'set' || listType === 'map') {
    const keys = schema['x-kubernetes-list-map-keys'] ?? [];
    const seen = new Set<string>();
    value.forEach((item, i) => {
      const key = listType === 'map' ? JSON.stringify(keys.map((k) => (item as Record<string, unknown> | null)?.[k])) : JSON.stringify(item);
      if (seen.has(key)) out.push({ reason: 'FieldValueDuplicate', field: `${path}[${i}]`, message: `Duplicate value: ${key}` });
      seen.add(key);
    });
  }
}

function checkObject(schema: OpenApiSchema, value: Record<string, unknown>, path: string, resolve: RefResolver, out: ValidationCause[]): void {
  const at = (name: string): string => (path === '' ? name : `${path}.${name}`);
  for (const name of schema.required ?? []) {
    if (value[name] === undefined) out.push({ reason: 'FieldValueRequired', field: at(name), message: 'Required value' });
  }
  const count = Object.keys(value).length;
  if (schema.maxProperties !== undefined && count > schema.maxProperties) out.push({ reason: 'FieldValueTooMany', field: path, message: `Too many: ${count}: must have at most ${schema.maxProperties} items` });
  if (schema.minProperties !== undefined && count < schema.minProperties) out.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${count}: ${path} in body should have at least ${schema.minProperties} properties` });
  const open = schema['x-kubernetes-preserve-unknown-fields'] === true;
  for (const [name, field] of Object.entries(value)) {
    const declared = schema.properties?.[name];
    if (declared !== undefined) check(declared, field, at(name), resolve, out);
    else if (typeof schema.additionalProperties === 'object') check(schema.additionalProperties, field, at(name), resolve, out);
    else if (schema.properties !== undefined && !open && schema.additionalProperties !== true) {
      out.push({ reason: 'FieldValueUnknown', field: at(name), message: `unknown field "${at(name)}"` });
    }
  }
}
