import { describe, expect, it } from 'vitest';
import { parseActiveRuns, parseCleanupInputs } from '../../../src/action/cleanup-inputs.js';
import { ACTION_INPUT_NAMES, type RawInputs } from '../../../src/action/input-names.js';
import { parseTasksInput } from '../../../src/action/tasks-input.js';

describe('parseTasksInput', () => {
  it('accepts bare prompt strings and fills names', () => {
    expect(parseTasksInput('- Fix lint\n- Write docs')).toEqual({
      ok: true,
      tasks: [
        { name: 'task-1', prompt: 'Fix lint', overrides: {} },
        { name: 'task-2', prompt: 'Write docs', overrides: {} },
      ],
    });
  });

  it('keeps YAML booleans as the strings the input checks expect', () => {
    const parsed = parseTasksInput('- name: a\n  prompt: p\n  auto-create-pr: false\n  blank-workspace: yes');
    expect(parsed.ok && parsed.tasks[0]?.overrides).toEqual({
      'auto-create-pr': 'false',
      'blank-workspace': 'yes',
    });
  });

  it.each([
    ['name: a', ["Input 'tasks' must be a list of {name, prompt}, got a mapping"]],
    ['[]', ["Input 'tasks' must list at least one task"]],
    ['- [a, b]', ["Input 'tasks' item 1 must be a mapping with 'name' and 'prompt', got a list"]],
    ['- name: a', ["Input 'tasks' item 1 ('a'): 'prompt' is required"]],
    [
      '- {name: a, prompt: p}\n- {name: a, prompt: q}',
      ["Input 'tasks' item 2 ('a'): the name 'a' is used twice; task names must be unique"],
    ],
    [
      '- {name: a, prompt: p, agent_provider: claude-code}',
      [
        "Input 'tasks' item 1: unknown key 'agent_provider' (allowed: name, prompt, repo, branch, mode, model, provider, agent-provider, auto-create-pr, blank-workspace, webhook-url, tools)",
      ],
    ],
    [
      '- {name: a, prompt: p, model: [x]}',
      ["Input 'tasks' item 1: 'model' must be a single value, got a list"],
    ],
  ])('refuses %j, naming the item', (text, problems) => {
    expect(parseTasksInput(text)).toEqual({ ok: false, problems });
  });

  it('says when the text is not YAML at all', () => {
    const parsed = parseTasksInput('- {name: a, prompt: [unclosed');
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problems[0]).toMatch(/^Input 'tasks' is not valid YAML or JSON: /);
  });
});

describe('post step state and inputs', () => {
  it('reads the active runs the main step saved, and treats anything else as none', () => {
    expect(parseActiveRuns('[{"id":"r1","name":"lint"}]')).toEqual([{ id: 'r1', name: 'lint' }]);
    expect(parseActiveRuns('')).toEqual([]);
    expect(parseActiveRuns('not json')).toEqual([]);
    expect(parseActiveRuns('[{"name":"no id"}]')).toEqual([]);
  });

  it('needs only the key, URL, backend and stop-on-cancel', () => {
    const raw = Object.fromEntries(ACTION_INPUT_NAMES.map((name) => [name, ''])) as RawInputs;
    expect(parseCleanupInputs({ ...raw, 'api-key': 'k', 'stop-on-cancel': 'false' })).toEqual({
      backend: 'codecloud',
      apiKey: 'k',
      apiUrl: 'https://codecloud.dev',
      stopOnCancel: false,
    });
    expect(parseCleanupInputs({ ...raw, backend: 'bogus', 'api-url': 'http://127.0.0.1:1/' })).toMatchObject({
      backend: 'codecloud',
      apiUrl: 'http://127.0.0.1:1',
      stopOnCancel: true,
    });
  });
});
