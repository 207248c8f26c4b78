/**
 * The `tools` input (and a task's `tools`): a YAML or JSON list (JSON is YAML) of codecloud tool definitions, the
 * HTTP endpoints the agent may call. Each is checked against the API's `ToolDefinition` schema before any call, and
 * a key the schema does not know is refused rather than dropped (`header` for `headers` would lose the credential).
 * `parameters` is JSON Schema and is sent as given. Header values are credentials: never quoted in a message, and
 * collected ({@link toolHeaderValues}) so that the step masks and redacts them.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ToolDefinition } from '../codecloud/schemas.js';
import { messageOf } from '../error-messages.js';

const MAX_TOOLS = 100;

const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}, 'must be an http(s) URL');

/** The API's schema, with unknown keys refused (but `parameters`, JSON Schema, kept whole) and the URL checked. */
const CheckedTool = ToolDefinition.extend({
  endpoint: ToolDefinition.shape.endpoint.extend({ url: httpUrl }).strict(),
}).strict();

export type ToolsCheck = { ok: true; tools: ToolDefinition[] } | { ok: false; problems: string[] };

/**
 * Checks a `tools` value: the input's text, or what a `tasks` item holds (a list, or text). `where` starts each
 * problem: `Input 'tools'` gives `Input 'tools': tools[1].endpoint.method must be one of GET, POST, PUT, PATCH,
 * DELETE, got 'FETCH'`.
 */
export function checkTools(value: unknown, where: string): ToolsCheck {
  let data = value;
  if (typeof value === 'string') {
    try {
      data = parseYaml(value);
    } catch (error) {
      const detail = messageOf(error).split('\n')[0];
      return { ok: false, problems: [`${where} is not valid YAML or JSON: ${detail}`] };
    }
  }
  if (!Array.isArray(data)) {
    return {
      ok: false,
      problems: [
        `${where} must be a list of tool definitions ({name, description, parameters, endpoint}), got ${describe(data)}`,
      ],
    };
  }
  if (data.length > MAX_TOOLS)
    return { ok: false, problems: [`${where} lists ${data.length} tools; at most ${MAX_TOOLS} are allowed`] };
  const parsed = z.array(CheckedTool).safeParse(data, { reportInput: true });
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((issue) => `${where}: ${problemOf(issue)}`) };
  }
  const names = new Set<string>();
  const problems: string[] = [];
  parsed.data.forEach((tool, index) => {
    if (names.has(tool.name))
      problems.push(`${where}: tools[${index}].name '${tool.name}' is used twice; tool names must be unique`);
    names.add(tool.name);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, tools: parsed.data };
}

/** `tools[1].endpoint.method must be one of GET, POST, PUT, PATCH, DELETE, got 'FETCH'` */
function problemOf(issue: z.core.$ZodIssue): string {
  const path = pathOf(issue.path);
  const secret = issue.path.includes('headers');
  const got = secret || issue.input === undefined ? '' : `, got ${describe(issue.input)}`;
  switch (issue.code) {
    case 'invalid_value':
      return `${path} must be one of ${issue.values.map(String).join(', ')}${got}`;
    case 'invalid_type':
      if (issue.input === undefined) return `${path} is required`;
      return `${path} must be ${article(issue.expected)}${got}`;
    case 'unrecognized_keys':
      return `${path} has unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `'${key}'`).join(', ')}`;
    default:
      return `${path} ${issue.message}${got}`;
  }
}

function pathOf(path: ReadonlyArray<PropertyKey>): string {
  let text = 'tools';
  for (const key of path) text += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  return text;
}

function article(expected: string): string {
  if (expected === 'array') return 'a list';
  if (expected === 'object') return 'a mapping';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `'${value.split(/\r?\n/, 1)[0]?.slice(0, 60) ?? ''}'`;
  return `${typeof value} ${String(value).slice(0, 60)}`;
}

/**
 * Every header value in a text of tool definitions, however malformed the rest: what the step masks before it logs
 * anything (an input's error messages included). Looks at every `headers` mapping, at any depth, so the `tasks`
 * input's text can be given too.
 */
export function toolHeaderValues(text: string | undefined): string[] {
  if (text === undefined || text.trim() === '') return [];
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch {
    return [];
  }
  const values: string[] = [];
  const visit = (node: unknown, depth: number): void => {
    if (depth > 20 || node === null || typeof node !== 'object') return;
    for (const [key, item] of Object.entries(node)) {
      if (key === 'headers' && item !== null && typeof item === 'object' && !Array.isArray(item)) {
        for (const header of Object.values(item)) {
          if (typeof header === 'string' || typeof header === 'number') values.push(String(header));
        }
      }
      visit(item, depth + 1);
    }
  };
  visit(data, 0);
  return values.filter((value) => value.trim() !== '');
}
