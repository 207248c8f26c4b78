import { describe, expect, it } from 'vitest';
import { ACTION_INPUT_NAMES, type RawInputs } from '../../../src/action/input-names.js';
import { parseActionInputs } from '../../../src/action/inputs.js';
import { checkTools, toolHeaderValues } from '../../../src/action/tools-input.js';

const tool = (endpoint: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  name: 'search',
  description: 'Search',
  parameters: { type: 'object', properties: { q: { type: 'string' } } },
  endpoint: { url: 'https://api.example.com/search', method: 'GET', ...endpoint },
  ...extra,
});

describe('checkTools', () => {
  it('accepts YAML or JSON and keeps the JSON Schema of parameters whole', () => {
    const json = JSON.stringify([tool({ headers: { 'X-Key': 'k' } })]);
    expect(checkTools(json, `Input 'tools'`)).toEqual({
      ok: true,
      tools: [tool({ headers: { 'X-Key': 'k' } })],
    });
    const yaml =
      '- name: search\n  description: Search\n  parameters: {properties: {}}\n  endpoint: {url: "http://x.example", method: PUT}';
    expect(checkTools(yaml, `Input 'tools'`).ok).toBe(true);
  });

  it('names the tool and the field, and the value when it is no header', () => {
    const result = checkTools([tool({}), tool({ method: 'FETCH' }, { name: 'b' })], `Input 'tools'`);
    expect(result).toEqual({
      ok: false,
      problems: [
        `Input 'tools': tools[1].endpoint.method must be one of GET, POST, PUT, PATCH, DELETE, got 'FETCH'`,
      ],
    });
    const problems = (value: unknown) => {
      const checked = checkTools(value, 'T');
      return checked.ok ? [] : checked.problems;
    };
    expect(problems([{ ...tool({}), description: undefined }])).toEqual([
      'T: tools[0].description is required',
    ]);
    expect(problems([tool({ url: 'ftp://x' })])).toEqual([
      `T: tools[0].endpoint.url must be an http(s) URL, got 'ftp://x'`,
    ]);
    expect(problems([tool({ header: { a: 'b' } })])).toEqual([
      `T: tools[0].endpoint has unknown key 'header'`,
    ]);
    expect(problems([tool({ headers: { 'X-Key': 12345678 } })])).toEqual([
      'T: tools[0].endpoint.headers.X-Key must be a string',
    ]);
    expect(problems([tool({}), tool({})])).toEqual([
      `T: tools[1].name 'search' is used twice; tool names must be unique`,
    ]);
    expect(problems('{name: a}')).toEqual([
      'T must be a list of tool definitions ({name, description, parameters, endpoint}), got a mapping',
    ]);
    expect(problems('[unclosed')[0]).toMatch(/^T is not valid YAML or JSON: /);
  });
});

describe('toolHeaderValues', () => {
  it('finds every header value, however malformed the rest, in tools and in tasks', () => {
    const text =
      '- name: x\n  endpoint: {method: FETCH, headers: {Authorization: Bearer abc12345, X-N: 123456789}}';
    expect(toolHeaderValues(text)).toEqual(['Bearer abc12345', '123456789']);
    const tasks = '- name: t\n  prompt: p\n  tools:\n    - endpoint: {headers: {K: secret-value-1}}';
    expect(toolHeaderValues(tasks)).toEqual(['secret-value-1']);
    expect(toolHeaderValues('[unclosed')).toEqual([]);
  });
});

describe('the tools input among the others', () => {
  const raw = (inputs: Partial<RawInputs>): RawInputs =>
    ({ ...Object.fromEntries(ACTION_INPUT_NAMES.map((name) => [name, ''])), ...inputs }) as RawInputs;
  const env = { GITHUB_REPOSITORY: 'octo/widgets', GITHUB_REF_NAME: 'main' };
  const tools = JSON.stringify([tool({ headers: { Authorization: 'Bearer tool-secret-1' } })]);

  it('goes with the run, the follow-up and the schedule; its header values are step secrets', () => {
    const run = parseActionInputs(raw({ 'api-key': 'k', prompt: 'p', tools }), env, new Date()).settings;
    expect(run.command === 'run' && run.tasks[0]?.request.tools?.[0]?.name).toBe('search');
    expect(run.toolSecrets).toEqual(['Bearer tool-secret-1']);
    const followUp = parseActionInputs(
      raw({
        'api-key': 'k',
        command: 'follow-up',
        'run-id': 'r1',
        prompt: 'p',
        tools,
        'idempotency-key': 'x',
      }),
      env,
      new Date(),
    ).settings;
    expect(followUp.command === 'follow-up' && followUp.tools?.length).toBe(1);
    const schedule = parseActionInputs(
      raw({ 'api-key': 'k', command: 'schedule', cron: '0 4 * * *', prompt: 'p', tools }),
      env,
      new Date(),
    ).settings;
    expect(schedule.command === 'schedule' && schedule.schedule.tools?.length).toBe(1);
  });

  it('is refused with the Cloud Coding backend and with commands that create nothing', () => {
    expect(() =>
      parseActionInputs(
        raw({ 'api-key': 'k', backend: 'cloudcoding', 'github-token': 't', prompt: 'p', tools }),
        env,
        new Date(),
      ),
    ).toThrow(`Input 'tools' is only used with backend 'codecloud'`);
    expect(() =>
      parseActionInputs(raw({ 'api-key': 'k', command: 'stop', 'run-id': 'r', tools }), env, new Date()),
    ).toThrow(`Input 'tools' is only used with command 'run', 'follow-up' or 'schedule'`);
  });

  it("reports a task's bad tools on that task", () => {
    const tasks = '- name: a\n  prompt: p\n  tools: [{name: x}]';
    expect(() => parseActionInputs(raw({ 'api-key': 'k', tasks }), env, new Date())).toThrow(
      `Input 'tasks' item 1 ('a'): 'tools': tools[0].description is required`,
    );
  });
});
