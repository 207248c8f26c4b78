// Checks a request against GitHub's published OpenAPI description (api.github.com.json from @octokit/openapi).
// The 13 MB file is read once per process, on first use; validators are compiled per operation on first use.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export type OpenApiCheck =
  | { ok: true; operationId: string; template: string; params: Record<string, string>; violations: string[] }
  | { ok: false; status: 404 | 422; reason: string; template?: string };

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonObject;
}

interface Operation {
  operationId: string;
  parameters: Parameter[];
  body?: { required: boolean; schema: JsonObject | undefined };
}

interface Route {
  template: string;
  segments: string[];
  literalCount: number;
  methods: Map<string, JsonObject>;
}

interface Loaded {
  spec: JsonObject;
  routes: Route[];
  ajvParams: Ajv;
  ajvBody: Ajv;
  operations: Map<string, Operation>;
  validators: Map<string, ValidateFunction>;
}

const SPEC_ID = 'github-openapi';
const require = createRequire(import.meta.url);
// ajv-formats is CommonJS with a default export; under NodeNext its type is the module namespace.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

let loaded: Loaded | undefined;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function load(): Loaded {
  if (loaded) return loaded;
  const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
  const spec = JSON.parse(readFileSync(file, 'utf8')) as JsonObject;
  const paths = spec.paths;
  if (!isObject(paths)) throw new Error('fake GitHub: OpenAPI description has no paths');
  const routes: Route[] = [];
  for (const [template, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    const segments = template.split('/').slice(1);
    const methods = new Map<string, JsonObject>();
    for (const [method, op] of Object.entries(item)) {
      if (isObject(op) && typeof op.operationId === 'string') methods.set(method.toUpperCase(), op);
    }
    routes.push({
      template,
      segments,
      literalCount: segments.filter((s) => !s.startsWith('{')).length,
      methods,
    });
  }
  // Most literal segments first, so /issues/comments wins over /issues/{issue_number}.
  routes.sort((a, b) => b.literalCount - a.literalCount);
  const options = { strict: false, allErrors: true, logger: false } as const;
  const ajvParams = new Ajv({ ...options, coerceTypes: true });
  const ajvBody = new Ajv(options);
  for (const ajv of [ajvParams, ajvBody]) {
    addFormats(ajv);
    ajv.addSchema({ $id: SPEC_ID, components: prepareSchema(spec.components ?? {}, false) });
  }
  loaded = { spec, routes, ajvParams, ajvBody, operations: new Map(), validators: new Map() };
  return loaded;
}

/**
 * Makes an OpenAPI 3.0 schema acceptable to Ajv: local `#/components/...` refs are rewritten to resolve against
 * the registered spec document (when `rebase`), and `nullable` without `type` (which Ajv rejects) is dropped.
 */
function prepareSchema(value: Json, rebase: boolean): Json {
  if (Array.isArray(value)) return value.map((v) => prepareSchema(v, rebase));
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'nullable' && !('type' in value)) continue;
    out[key] =
      rebase && key === '$ref' && typeof inner === 'string' && inner.startsWith('#/')
        ? `${SPEC_ID}${inner}`
        : prepareSchema(inner, rebase);
  }
  return out;
}

function resolveRef(spec: JsonObject, value: Json): Json {
  if (!isObject(value) || typeof value.$ref !== 'string') return value;
  let node: Json = spec;
  for (const part of value.$ref.replace(/^#\//, '').split('/')) {
    node = isObject(node) ? (node[part] ?? null) : null;
  }
  return resolveRef(spec, node);
}

function operationOf(l: Loaded, method: string, route: Route, op: JsonObject): Operation {
  const key = `${method} ${route.template}`;
  const cached = l.operations.get(key);
  if (cached) return cached;
  const parameters: Parameter[] = [];
  const rawParams = Array.isArray(op.parameters) ? op.parameters : [];
  for (const raw of rawParams) {
    const p = resolveRef(l.spec, raw);
    if (isObject(p) && typeof p.name === 'string' && typeof p.in === 'string') {
      parameters.push({
        name: p.name,
        in: p.in as Parameter['in'],
        required: p.required === true,
        ...(isObject(p.schema) ? { schema: p.schema } : {}),
      });
    }
  }
  const operation: Operation = { operationId: String(op.operationId), parameters };
  const body = resolveRef(l.spec, op.requestBody ?? null);
  if (isObject(body)) {
    const content = isObject(body.content) ? body.content : {};
    const json = content['application/json'];
    const schema = isObject(json) && isObject(json.schema) ? json.schema : undefined;
    operation.body = { required: body.required === true, schema };
  }
  l.operations.set(key, operation);
  return operation;
}

function validator(l: Loaded, ajv: Ajv, key: string, schema: Json): ValidateFunction {
  const cached = l.validators.get(key);
  if (cached) return cached;
  const compiled = ajv.compile(prepareSchema(schema, true) as JsonObject);
  l.validators.set(key, compiled);
  return compiled;
}

function describeErrors(validate: ValidateFunction): string {
  return (validate.errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`)
    .join('; ');
}

function matchRoute(l: Loaded, pathname: string): Array<{ route: Route; params: Record<string, string> }> {
  const parts = pathname.split('/').slice(1);
  const found: Array<{ route: Route; params: Record<string, string> }> = [];
  for (const route of l.routes) {
    const params = matchSegments(route.segments, parts);
    if (params) found.push({ route, params });
  }
  return found;
}

function matchSegments(template: string[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  const last = template[template.length - 1] ?? '';
  // `{path}` (contents) may span several segments, as Octokit may or may not encode its slashes.
  const greedy = last === '{path}';
  if (greedy ? parts.length < template.length : parts.length !== template.length) return undefined;
  for (let i = 0; i < template.length; i++) {
    const t = template[i] ?? '';
    const isLast = i === template.length - 1;
    const raw = greedy && isLast ? parts.slice(i).join('/') : (parts[i] ?? '');
    let value: string;
    try {
      value = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (t.startsWith('{') && t.endsWith('}')) {
      if (value === '') return undefined;
      params[t.slice(1, -1)] = value;
    } else if (t !== value) {
      return undefined;
    }
  }
  return params;
}

/**
 * Checks method, path, path/query parameters and JSON body. `pathname` is the path below `/api/v3`.
 * Unknown query parameters and unknown top-level body properties do not fail the request (GitHub ignores
 * them) but are reported in `violations`.
 */
export function checkAgainstOpenApi(
  method: string,
  pathname: string,
  query: URLSearchParams,
  body: { present: false } | { present: true; json: unknown } | { present: true; invalidJson: true },
): OpenApiCheck {
  const l = load();
  const matches = matchRoute(l, pathname);
  if (matches.length === 0) return { ok: false, status: 404, reason: `undocumented path ${pathname}` };
  const match = matches.find((m) => m.route.methods.has(method));
  if (!match) {
    return {
      ok: false,
      status: 404,
      reason: `undocumented method ${method} for ${matches[0]?.route.template ?? pathname}`,
    };
  }
  const { route, params } = match;
  const template = route.template;
  const op = operationOf(l, method, route, route.methods.get(method) ?? {});
  const violations: string[] = [];

  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  for (const [kind, list, values] of [
    ['path', pathParams, params],
    ['query', queryParams, Object.fromEntries(query.entries())],
  ] as const) {
    const properties: JsonObject = {};
    const required: string[] = [];
    for (const p of list) {
      properties[p.name] = p.schema ?? {};
      if (p.required) required.push(p.name);
    }
    const validate = validator(l, l.ajvParams, `${method} ${template} ${kind}`, {
      type: 'object',
      properties,
      required,
    });
    const copy: Record<string, unknown> = { ...values };
    if (!validate(copy)) {
      return {
        ok: false,
        status: kind === 'path' ? 404 : 422,
        reason: `invalid ${kind} parameter for ${method} ${template}: ${describeErrors(validate)}`,
        template,
      };
    }
    if (kind === 'query') {
      for (const name of Object.keys(values)) {
        if (!(name in properties))
          violations.push(`undocumented query parameter "${name}" for ${method} ${template}`);
      }
    }
  }

  if ('invalidJson' in body) {
    return { ok: false, status: 422, reason: `body is not valid JSON for ${method} ${template}`, template };
  }
  if (!op.body) {
    if (body.present && !(isObject(body.json) && Object.keys(body.json).length === 0)) {
      violations.push(`${method} ${template} takes no request body`);
    }
  } else if (!body.present) {
    if (op.body.required) {
      return { ok: false, status: 422, reason: `${method} ${template} requires a JSON body`, template };
    }
  } else if (op.body.schema) {
    const validate = validator(l, l.ajvBody, `${method} ${template} body`, op.body.schema);
    if (!validate(body.json)) {
      return {
        ok: false,
        status: 422,
        reason: `invalid body for ${method} ${template}: ${describeErrors(validate)}`,
        template,
      };
    }
    const schema = resolveRef(l.spec, op.body.schema);
    if (isObject(schema) && isObject(schema.properties) && isObject(body.json)) {
      for (const name of Object.keys(body.json)) {
        if (!(name in schema.properties)) {
          violations.push(`undocumented body property "${name}" for ${method} ${template}`);
        }
      }
    }
  }
  return { ok: true, operationId: op.operationId, template, params, violations };
}
