/**
 * The `tasks` input: a YAML or JSON list (JSON is YAML) of `{name, prompt}` plus per-task overrides of some inputs,
 * or of bare prompt strings. Values are returned as strings so the overrides go through the same checks as inputs.
 */
import { parse as parseYaml } from 'yaml';
import { messageOf } from '../error-messages.js';
import type { InputName } from './input-names.js';

/** Inputs a task may override. */
export const TASK_OVERRIDES = [
  'repo',
  'branch',
  'mode',
  'model',
  'provider',
  'agent-provider',
  'auto-create-pr',
  'blank-workspace',
  'webhook-url',
] as const satisfies readonly InputName[];
export type TaskOverride = (typeof TASK_OVERRIDES)[number];

export interface RawTask {
  name: string;
  prompt: string;
  overrides: Partial<Record<TaskOverride, string>>;
  /** The task's own `tools` as given (a list, or its text), checked by `tools-input.ts`; replaces the input's. */
  tools?: unknown;
}

export type TasksParseResult = { ok: true; tasks: RawTask[] } | { ok: false; problems: string[] };

const MAX_TASKS = 100;
const MAX_NAME = 100;
const ALLOWED_KEYS = new Set<string>(['name', 'prompt', ...TASK_OVERRIDES, 'tools']);

/** Parses the text of the `tasks` input; every problem names the item (1-based) and the key. */
export function parseTasksInput(text: string): TasksParseResult {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    const detail = messageOf(error).split('\n')[0];
    return { ok: false, problems: [`Input 'tasks' is not valid YAML or JSON: ${detail}`] };
  }
  if (!Array.isArray(data)) {
    return {
      ok: false,
      problems: [`Input 'tasks' must be a list of {name, prompt}, got ${describeType(data)}`],
    };
  }
  if (data.length === 0) return { ok: false, problems: [`Input 'tasks' must list at least one task`] };
  if (data.length > MAX_TASKS) {
    return {
      ok: false,
      problems: [`Input 'tasks' lists ${data.length} tasks; at most ${MAX_TASKS} are allowed`],
    };
  }

  const problems: string[] = [];
  const tasks: RawTask[] = [];
  const seen = new Set<string>();
  data.forEach((item: unknown, index) => {
    const where = `Input 'tasks' item ${index + 1}`;
    if (typeof item === 'string') {
      if (item.trim() === '') problems.push(`${where}: 'prompt' is required`);
      else tasks.push({ name: `task-${index + 1}`, prompt: item.trim(), overrides: {} });
      return;
    }
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      problems.push(`${where} must be a mapping with 'name' and 'prompt', got ${describeType(item)}`);
      return;
    }
    const entries = Object.entries(item as Record<string, unknown>);
    const fields = new Map<string, string>();
    let tools: unknown;
    for (const [key, value] of entries) {
      if (!ALLOWED_KEYS.has(key)) {
        problems.push(`${where}: unknown key '${key}' (allowed: ${[...ALLOWED_KEYS].join(', ')})`);
        continue;
      }
      if (value === null || value === undefined) continue;
      if (key === 'tools') {
        tools = value;
        continue;
      }
      if (typeof value !== 'string' && typeof value !== 'boolean' && typeof value !== 'number') {
        problems.push(`${where}: '${key}' must be a single value, got ${describeType(value)}`);
        continue;
      }
      fields.set(key, String(value).trim());
    }
    const name = fields.get('name') || `task-${index + 1}`;
    const label = `${where} ('${name}')`;
    const prompt = fields.get('prompt') ?? '';
    if (prompt === '') problems.push(`${label}: 'prompt' is required`);
    if (name.length > MAX_NAME) problems.push(`${label}: 'name' is longer than ${MAX_NAME} characters`);
    if (seen.has(name))
      problems.push(`${label}: the name '${name}' is used twice; task names must be unique`);
    seen.add(name);
    const overrides: Partial<Record<TaskOverride, string>> = {};
    for (const key of TASK_OVERRIDES) {
      const value = fields.get(key);
      if (value !== undefined && value !== '') overrides[key] = value;
    }
    tasks.push({ name, prompt, overrides, ...(tools !== undefined ? { tools } : {}) });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, tasks };
}

function describeType(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} '${String(value).slice(0, 60)}'`;
}
