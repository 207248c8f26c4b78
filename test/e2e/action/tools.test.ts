// The `tools` input end to end: the bundled Action against the simulator, which records what codecloud received.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../sim/simulator.js';
import { runStep } from './action-runner.js';

let sim: Simulator;
const base = () => ({ 'api-key': 'test-key', 'api-url': sim.url });

/** What a workflow passes as `${{ secrets.INVENTORY_TOKEN }}`. */
const SECRET = 'inv-secret-7f3a9c2e51d04b8a';

const TOOLS_YAML = `
- name: search_inventory
  description: Search product inventory
  parameters:
    type: object
    properties:
      query: { type: string, description: Search query }
    required: [query]
  endpoint:
    url: https://inventory.example.com/search
    method: POST
    headers:
      Authorization: Bearer ${SECRET}
`;

const SEARCH_TOOL = {
  name: 'search_inventory',
  description: 'Search product inventory',
  parameters: {
    type: 'object',
    properties: { query: { type: 'string', description: 'Search query' } },
    required: ['query'],
  },
  endpoint: {
    url: 'https://inventory.example.com/search',
    method: 'POST',
    headers: { Authorization: `Bearer ${SECRET}` },
  },
};

beforeAll(async () => {
  sim = await startSimulator({ timeFactor: 200 });
});
afterAll(async () => {
  await sim?.close();
});
beforeEach(async () => {
  await sim.control.reset();
});

describe('tools', () => {
  it('sends the tools with the run; the header value is masked first and redacted from outputs and summary', async () => {
    // The agent prints the header it was given: outputs and summary must not carry it.
    await sim.control.setDefaultScript({ result: `Called the tool with Bearer ${SECRET}` });
    const step = await runStep({ inputs: { ...base(), prompt: 'Restock the widgets', tools: TOOLS_YAML } });
    expect(step.exitCode, step.stdout).toBe(0);

    const [run] = await sim.control.runs();
    expect((run?.request as { tools?: unknown } | undefined)?.tools).toEqual([SEARCH_TOOL]);

    const firstLine = step.stdout.split('\n').find((line) => line.trim() !== '');
    expect(step.stdout.indexOf(`::add-mask::Bearer ${SECRET}`)).toBeGreaterThanOrEqual(0);
    expect(firstLine?.startsWith('::add-mask::')).toBe(true);
    expect(step.outputs.result).toContain('[redacted]');
    expect(JSON.stringify(step.outputs)).not.toContain(SECRET);
    expect(step.summary).not.toContain(SECRET);
  });

  it('sends each task its own tools when it gives them, else the input', async () => {
    const tasks = `
- name: with-input-tools
  prompt: Use the inventory
- name: own-tools
  prompt: Ping only
  tools:
    - name: ping
      description: Ping the service
      parameters: { properties: {} }
      endpoint: { url: 'https://ping.example.com/', method: GET }
`;
    const step = await runStep({ inputs: { ...base(), tasks, tools: TOOLS_YAML } });
    expect(step.exitCode, step.stdout).toBe(0);
    const runs = await sim.control.runs();
    const byPrompt = new Map(runs.map((run) => [run.prompt, run.request as { tools?: unknown }]));
    expect(byPrompt.get('Use the inventory')?.tools).toEqual([SEARCH_TOOL]);
    expect(byPrompt.get('Ping only')?.tools).toEqual([
      {
        name: 'ping',
        description: 'Ping the service',
        parameters: { properties: {} },
        endpoint: { url: 'https://ping.example.com/', method: 'GET' },
      },
    ]);
  });

  it('sends the tools with a follow-up and with a schedule', async () => {
    const first = await runStep({ inputs: { ...base(), prompt: 'Add the endpoint' } });
    const runId = first.outputs['run-id'] ?? '';
    const followUp = await runStep({
      inputs: { ...base(), command: 'follow-up', 'run-id': runId, prompt: 'Check stock', tools: TOOLS_YAML },
    });
    expect(followUp.exitCode, followUp.stdout).toBe(0);
    const run = await sim.control.run(runId);
    expect(run?.messages[0]?.tools).toMatchObject([
      { name: 'search_inventory', endpoint: SEARCH_TOOL.endpoint },
    ]);

    const schedule = await runStep({
      inputs: {
        ...base(),
        command: 'schedule',
        cron: '0 4 * * *',
        prompt: 'Nightly restock',
        tools: TOOLS_YAML,
      },
    });
    expect(schedule.exitCode, schedule.stdout).toBe(0);
    const [created] = await sim.control.schedules();
    expect((created?.request as { tools?: unknown } | undefined)?.tools).toEqual([SEARCH_TOOL]);
  });

  it('refuses a bad tool before any call, naming the tool and the field', async () => {
    const bad = `[{"name":"a","description":"d","parameters":{"properties":{}},"endpoint":{"url":"https://a.example.com","method":"GET"}},
      {"name":"b","description":"d","parameters":{"properties":{}},"endpoint":{"url":"https://b.example.com","method":"FETCH","headers":{"X-Key":"${SECRET}"}}}]`;
    const step = await runStep({ inputs: { ...base(), prompt: 'p', tools: bad } });
    expect(step.exitCode).not.toBe(0);
    expect(step.stdout).toContain(
      `Input 'tools': tools[1].endpoint.method must be one of GET, POST, PUT, PATCH, DELETE, got 'FETCH'`,
    );
    expect(await sim.control.requests()).toEqual([]);
    // Masked even though the step failed on its input.
    expect(step.stdout).toContain(`::add-mask::${SECRET}`);
  });
});
