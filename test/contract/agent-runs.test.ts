// The real CodecloudClient against the simulator: every agent-run endpoint and its documented answers.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CodecloudError } from '../../src/codecloud/errors.js';
import { RunDetail } from '../../src/codecloud/schemas.js';
import { caught, type Harness, startHarness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ apiKeys: [{ key: 'test-key', plan: 'pro' }] });
});
afterAll(async () => {
  await h.sim.close();
});
afterEach(async () => {
  await h.sim.control.reset();
  h.sleeps.length = 0;
});

describe('POST /api/v1/agents and GET /api/v1/agents/run/{id}', () => {
  it('creates a queued run that goes running, then completed with a PR, as the script says', async () => {
    await h.sim.control.queueScripts({
      queuedMs: 2_000,
      runningMs: 10_000,
      result: 'Fixed the bug',
      title: 'Fix the bug',
      prs: [{ number: 42, branch: 'codecloud/fix-bug', title: 'Fix the bug' }],
      inputTokens: 12_500,
      outputTokens: 3_200,
    });
    const created = await h.client.createRun({ repo: 'octo/app', prompt: 'fix the bug' });
    expect(created).toMatchObject({ title: 'Fix the bug', recovered: false });
    expect(created.id).toMatch(/^[a-z0-9]{16}$/);

    expect((await h.client.getRun(created.id)).status).toBe('queued');
    await h.sim.control.advance(2_000);
    const running = await h.client.getRun(created.id);
    expect(running.status).toBe('running');
    expect(running.startedAt).toBeDefined();
    expect(running.result).toBeUndefined();

    await h.sim.control.advance(10_000);
    const done = await h.client.getRun(created.id);
    expect(done).toMatchObject({
      status: 'completed',
      mode: 'execute',
      repo: 'octo/app',
      prompt: 'fix the bug',
      result: 'Fixed the bug',
      pr_url: 'https://github.com/octo/app/pull/42',
      pr_number: 42,
      prs: [{ number: 42, branch: 'codecloud/fix-bug', repo: 'octo/app', title: 'Fix the bug' }],
      input_tokens: 12_500,
      output_tokens: 3_200,
    });
    expect(Date.parse(done.completedAt ?? '') - Date.parse(done.createdAt)).toBe(12_000);
    // The simulator's answer is exactly the documented schema (strict: nothing undocumented).
    expect(() => RunDetail.strict().parse(done)).not.toThrow();
  });

  it('sends the documented defaults and the request as given', async () => {
    await h.client.createRun({ repo: 'octo/app', prompt: 'defaults' });
    const [request] = await h.sim.control.requests({ route: 'POST /api/v1/agents' });
    expect(request?.headers.authorization).toBe('Bearer test-key');
    expect(request?.body).toMatchObject({ mode: 'execute', auto_create_pr: true, blank_workspace: false });
  });

  it('passes every documented request field through: model, provider, branch, agent, tools, subagents', async () => {
    const tool = {
      name: 'search_inventory',
      description: 'Search product inventory',
      parameters: {
        properties: { query: { type: 'string', description: 'Search query' } },
        required: ['query'],
      },
      endpoint: {
        url: 'https://api.example.com/search',
        method: 'POST' as const,
        headers: { Authorization: 'Bearer token-abc' },
      },
    };
    const agent = {
      name: 'reviewer',
      description: 'Reviews diffs',
      mode: 'subagent' as const,
      prompt: 'Review the diff',
      tools: { bash: true },
      max_turns: 5,
    };
    const { id } = await h.client.createRun({
      repo: 'octo/app',
      prompt: 'with everything',
      model: 'claude-opus-4.5',
      provider: 'anthropic',
      branch: 'develop',
      agent_provider: 'claude-code',
      tools: [tool],
      agents: [agent],
    });
    const run = await h.sim.control.run(id);
    expect(run).toMatchObject({ model: 'claude-opus-4.5', branch: 'develop', agent_provider: 'claude-code' });
    expect(run?.request).toMatchObject({ tools: [tool], agents: [agent] });
    expect(await h.client.getRun(id)).toMatchObject({ model: 'claude-opus-4.5', provider: 'anthropic' });
  });

  it('plan mode completes with a plan and opens no PR', async () => {
    await h.sim.control.queueScripts({ plan: '1. read\n2. write' });
    const { id } = await h.client.createRun({ repo: 'octo/app', prompt: 'plan it', mode: 'plan' });
    await h.sim.control.advance(60_000);
    const run = await h.client.getRun(id);
    expect(run).toMatchObject({ status: 'completed', mode: 'plan', plan: '1. read\n2. write', prs: [] });
    expect(run.result).toBeUndefined();
  });

  it('a failing script ends failed with its error', async () => {
    await h.sim.control.queueScripts({ outcome: 'failed', error: 'Sandbox crashed' });
    const { id } = await h.client.createRun({ repo: 'octo/app', prompt: 'break' });
    await h.sim.control.advance(60_000);
    const run = await h.client.getRun(id);
    expect(run).toMatchObject({ status: 'failed', error: 'Sandbox crashed', prs: [] });
    expect(run.result).toBeUndefined();
  });

  it('a blank workspace run has no repo and no PR', async () => {
    const { id } = await h.client.createRun({
      prompt: 'answer a question',
      blank_workspace: true,
      repo: 'o/r',
    });
    await h.sim.control.advance(60_000);
    const run = await h.client.getRun(id);
    expect(run.repo).toBeUndefined();
    expect(run.prs).toEqual([]);
  });

  it('prompt-matched scripts and the default script apply when no script is queued', async () => {
    await h.sim.control.addPromptScript({ match: 'flaky', script: { outcome: 'failed', error: 'flaky' } });
    await h.sim.control.setDefaultScript({ result: 'default result' });
    const a = await h.client.createRun({ repo: 'octo/app', prompt: 'fix the flaky test' });
    const b = await h.client.createRun({ repo: 'octo/app', prompt: 'something else' });
    await h.sim.control.advance(60_000);
    expect((await h.client.getRun(a.id)).error).toBe('flaky');
    expect((await h.client.getRun(b.id)).result).toBe('default result');
    await h.sim.control.setDefaultScript({});
  });
});

describe('GET /api/v1/agents', () => {
  it('lists newest first, filtered by status and limited', async () => {
    await h.sim.control.queueScripts(
      { runningMs: 1_000 },
      { runningMs: 1_000_000 },
      { runningMs: 1_000_000 },
    );
    const first = await h.client.createRun({ repo: 'octo/app', prompt: 'one' });
    await h.sim.control.advance(100);
    const second = await h.client.createRun({ repo: 'octo/app', prompt: 'two' });
    await h.sim.control.advance(100);
    const third = await h.client.createRun({ repo: 'octo/app', prompt: 'three' });
    await h.sim.control.advance(5_000);

    const all = await h.client.listRuns();
    expect(all.runs.map((r) => r.id)).toEqual([third.id, second.id, first.id]);
    expect((await h.client.listRuns({ status: 'completed' })).runs.map((r) => r.id)).toEqual([first.id]);
    expect((await h.client.listRuns({ status: 'running', limit: 1 })).runs.map((r) => r.id)).toEqual([
      third.id,
    ]);
    const [summary] = (await h.client.listRuns({ status: 'completed' })).runs;
    expect(summary).toMatchObject({ repo: 'octo/app', model: 'claude-sonnet-4-5', provider: 'anthropic' });
    expect(summary?.completedAt).toBeDefined();
  });

  it('answers 400 for a limit out of range', async () => {
    const response = await fetch(`${h.sim.url}/api/v1/agents?limit=500`, {
      headers: { authorization: 'Bearer test-key' },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'Validation Error',
      message: 'limit: limit must be an integer between 1 and 100, got 500',
    });
  });
});

describe('POST /api/v1/agents/run/{id}/message', () => {
  it('a follow-up with update_pr adds a commit to the run PR and goes running → completed', async () => {
    await h.sim.control.queueScripts({
      prs: [{ number: 7 }],
      followUps: [{ queuedMs: 0, runningMs: 3_000, result: 'Added tests' }],
    });
    const { id } = await h.client.createRun({ repo: 'octo/app', prompt: 'add auth' });
    await h.sim.control.advance(60_000);
    const answer = await h.client.sendMessage(id, {
      prompt: 'now add tests',
      update_pr: true,
      idempotency_key: 'msg-1',
    });
    expect(answer).toEqual({ id, status: 'running', message: 'Follow-up scheduled' });
    const running = await h.client.getRun(id);
    expect(running.status).toBe('running');
    expect(running.result).toBeUndefined();

    await h.sim.control.advance(3_000);
    const run = await h.client.getRun(id);
    expect(run).toMatchObject({ status: 'completed', result: 'Added tests', prs: [{ number: 7 }] });
    const sim = await h.sim.control.run(id);
    expect(sim?.prs[0]?.commits.map((c) => c.message)).toEqual([
      'codecloud: add auth',
      'codecloud: now add tests',
    ]);
    expect(sim?.messages).toMatchObject([{ prompt: 'now add tests', update_pr: true, outcome: 'completed' }]);
  });

  it('a follow-up with update_pr on a run without a PR creates one', async () => {
    await h.sim.control.queueScripts({ prs: [] });
    const { id } = await h.client.createRun({ repo: 'octo/app', prompt: 'look around' });
    await h.sim.control.advance(60_000);
    expect((await h.client.getRun(id)).prs).toEqual([]);
    await h.client.sendMessage(id, { prompt: 'now change it', update_pr: true, idempotency_key: 'k-create' });
    await h.sim.control.advance(60_000);
    const run = await h.client.getRun(id);
    expect(run.prs).toHaveLength(1);
    expect(run.pr_number).toBe(run.prs[0]?.number);
  });

  it('sends the idempotency key in the body and as Idempotency-Key, and a repeat is not re-processed', async () => {
    const { id } = await h.client.createRun({ repo: 'octo/app', prompt: 'base' });
    await h.sim.control.advance(60_000);
    await h.sim.control.queueFollowUpScripts({ runningMs: 1_000_000 });
    const first = await h.client.sendMessage(id, { prompt: 'again', idempotency_key: 'same-key' });
    const repeat = await h.client.sendMessage(id, { prompt: 'again', idempotency_key: 'same-key' });
    expect(repeat).toEqual(first);
    expect((await h.sim.control.run(id))?.messages).toHaveLength(1);
    const requests = await h.sim.control.requests({ route: 'POST /api/v1/agents/run/{id}/message' });
    expect(requests).toHaveLength(2);
    for (const request of requests) {
      expect(request.headers['idempotency-key']).toBe('same-key');
      expect(request.body).toMatchObject({ idempotency_key: 'same-key' });
    }
  });

  it('idempotency keys expire after 24 hours of simulated time', async () => {
    const { id } = await h.client.createRun({ repo: 'octo/app', prompt: 'base' });
    await h.sim.control.advance(60_000);
    await h.client.sendMessage(id, { prompt: 'once', idempotency_key: 'day-key' });
    await h.sim.control.advance(23 * 3_600_000);
    await h.client.sendMessage(id, { prompt: 'once', idempotency_key: 'day-key' });
    expect((await h.sim.control.run(id))?.messages).toHaveLength(1);
    await h.sim.control.advance(3_600_000);
    await h.client.sendMessage(id, { prompt: 'once', idempotency_key: 'day-key' });
    expect((await h.sim.control.run(id))?.messages).toHaveLength(2);
  });

  it('answers 400 on a run that is not completed, and the client does not retry it', async () => {
    await h.sim.control.queueScripts({ runningMs: 1_000_000 });
    const { id } = await h.client.createRun({ repo: 'octo/app', prompt: 'long' });
    const error = await caught(() => h.client.sendMessage(id, { prompt: 'more', idempotency_key: 'k' }));
    expect(error).toBeInstanceOf(CodecloudError);
    expect(error).toMatchObject({
      kind: 'http',
      status: 400,
      retryable: false,
      limitReached: false,
      apiMessage: 'Run must be completed to send a follow-up (current status: queued)',
    });
    expect(await h.sim.control.requests({ route: 'POST /api/v1/agents/run/{id}/message' })).toHaveLength(1);
  });

  it('a follow-up without an idempotency key is sent once, even on a 503', async () => {
    const { id } = await h.client.createRun({ repo: 'octo/app', prompt: 'base' });
    await h.sim.control.advance(60_000);
    await h.sim.control.addFault({ route: 'POST /api/v1/agents/run/{id}/message', status: 503, times: 1 });
    const error = await caught(() => h.client.sendMessage(id, { prompt: 'no key' }));
    expect(error).toMatchObject({ status: 503, retryable: true });
    expect(await h.sim.control.requests({ route: 'POST /api/v1/agents/run/{id}/message' })).toHaveLength(1);
  });

  it('a follow-up with a key whose answer is lost is retried and processed exactly once', async () => {
    const { id } = await h.client.createRun({ repo: 'octo/app', prompt: 'base' });
    await h.sim.control.advance(60_000);
    await h.sim.control.addFault({
      route: 'POST /api/v1/agents/run/{id}/message',
      status: 502,
      phase: 'after',
      times: 1,
    });
    const answer = await h.client.sendMessage(id, { prompt: 'exactly once', idempotency_key: 'lost-key' });
    expect(answer.status).toBe('running');
    expect(await h.sim.control.requests({ route: 'POST /api/v1/agents/run/{id}/message' })).toHaveLength(2);
    expect((await h.sim.control.run(id))?.messages).toHaveLength(1);
  });
});

describe('POST /api/v1/agents/run/{id}/stop', () => {
  it('stops a running run: failed with a cancellation message', async () => {
    await h.sim.control.queueScripts({ queuedMs: 0, runningMs: 1_000_000 });
    const { id } = await h.client.createRun({ repo: 'octo/app', prompt: 'long' });
    await h.sim.control.advance(10);
    const answer = await h.client.stopRun(id);
    expect(answer).toEqual({ id, status: 'failed', message: 'Run stopped' });
    const run = await h.client.getRun(id);
    expect(run).toMatchObject({ status: 'failed', error: 'Run cancelled by user' });
    await h.sim.control.advance(2_000_000);
    expect((await h.client.getRun(id)).status).toBe('failed');
    expect((await h.sim.control.run(id))?.stops).toMatchObject([
      { status_before: 'running', status_after: 'failed' },
    ]);
  });

  it('on a completed run answers success with the existing status', async () => {
    const { id } = await h.client.createRun({ repo: 'octo/app', prompt: 'quick' });
    await h.sim.control.advance(60_000);
    expect(await h.client.stopRun(id)).toEqual({ id, status: 'completed', message: 'Run already completed' });
    expect((await h.client.getRun(id)).status).toBe('completed');
  });

  it('is retried after a lost answer (stopping twice is harmless)', async () => {
    await h.sim.control.queueScripts({ runningMs: 1_000_000 });
    const { id } = await h.client.createRun({ repo: 'octo/app', prompt: 'long' });
    await h.sim.control.addFault({
      route: 'POST /api/v1/agents/run/{id}/stop',
      reset: true,
      phase: 'after',
      times: 1,
    });
    expect((await h.client.stopRun(id)).status).toBe('failed');
    expect((await h.sim.control.run(id))?.stops).toHaveLength(2);
  });
});

describe('documented errors', () => {
  it('401 without a key and with a wrong key; the key never appears in the error', async () => {
    const none = await fetch(`${h.sim.url}/api/v1/agents`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: 'Unauthorized', message: 'Invalid or missing API key' });

    const wrong = h.clientFor({ apiKey: 'cc-live-secret-123' });
    const error = await caught(() => wrong.getRun('abc'));
    expect(error).toMatchObject({ status: 401, apiMessage: 'Invalid or missing API key', retryable: false });
    expect(String(error)).toBe(
      'CodecloudError: codecloud API 401: Invalid or missing API key (GET /api/v1/agents/run/abc)',
    );
    expect(JSON.stringify(error)).not.toContain('cc-live-secret-123');
    expect((error as Error).stack).not.toContain('cc-live-secret-123');
  });

  it.each([
    ['POST', '/api/v1/agents'],
    ['GET', '/api/v1/agents'],
    ['GET', '/api/v1/agents/run/abc'],
    ['POST', '/api/v1/agents/run/abc/message'],
    ['POST', '/api/v1/agents/run/abc/stop'],
    ['POST', '/api/v1/schedules'],
    ['GET', '/api/v1/schedules'],
    ['GET', '/api/v1/schedules/abc'],
    ['DELETE', '/api/v1/schedules/abc'],
  ])(
    '%s %s answers 401 without a key, with a wrong key and with a non-Bearer scheme',
    async (method, path) => {
      for (const authorization of [undefined, 'Bearer wrong-key', 'Basic dGVzdC1rZXk6', 'test-key']) {
        const response = await fetch(`${h.sim.url}${path}`, {
          method,
          headers: authorization ? { authorization } : {},
          ...(method === 'POST' ? { body: '{}' } : {}),
        });
        expect(response.status).toBe(401);
        expect(await response.json()).toEqual({
          error: 'Unauthorized',
          message: 'Invalid or missing API key',
        });
      }
      expect(await h.sim.control.runs()).toEqual([]);
    },
  );

  it('the key is redacted even when the API echoes it back', async () => {
    await h.sim.control.addFault({
      route: 'GET /api/v1/agents',
      status: 400,
      body: { error: 'Bad Request', message: 'key test-key is not allowed here' },
      times: 1,
    });
    const error = await caught(() => h.client.listRuns());
    expect((error as Error).message).toContain('key [redacted] is not allowed');
    expect((error as Error).message).not.toContain('test-key');
  });

  it('400 with the documented shape names the field', async () => {
    const raw = await fetch(`${h.sim.url}/api/v1/agents`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-key', 'content-type': 'application/json' },
      body: JSON.stringify({ repo: 'not-a-repo', prompt: 'x' }),
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toEqual({
      error: 'Validation Error',
      message: 'repo: repo must be in format: owner/repo',
    });
    const error = await caught(() => h.client.createRun({ prompt: 'no repo' }));
    expect(error).toMatchObject({
      status: 400,
      error: 'Validation Error',
      apiMessage: 'repo: repo is required unless blank_workspace is true',
      limitReached: false,
    });
    expect(await h.sim.control.runs()).toEqual([]);
  });

  it('the client refuses a bad request before sending it, naming the field', async () => {
    await expect(h.client.createRun({ repo: 'nope', prompt: 'x' })).rejects.toThrow(
      'Invalid request for POST /api/v1/agents: repo: repo must be in format: owner/repo',
    );
    expect(await h.sim.control.requests()).toEqual([]);
  });

  it('404 for an unknown run; 400 for a malformed run id', async () => {
    expect(await caught(() => h.client.getRun('doesnotexist0000'))).toMatchObject({
      status: 404,
      error: 'Not Found',
      apiMessage: 'Run not found',
      retryable: false,
    });
    expect(await caught(() => h.client.stopRun('doesnotexist0000'))).toMatchObject({ status: 404 });
    expect(await caught(() => h.client.sendMessage('doesnotexist0000', { prompt: 'x' }))).toMatchObject({
      status: 404,
    });
    expect(await caught(() => h.client.getRun('bad.id'))).toMatchObject({
      status: 400,
      apiMessage: 'Invalid run ID format',
    });
  });

  it("another key's runs are not visible (404)", async () => {
    await h.sim.control.setApiKey('other-key', 'pro');
    const { id } = await h.client.createRun({ repo: 'octo/app', prompt: 'mine' });
    const other = h.clientFor({ apiKey: 'other-key' });
    expect(await caught(() => other.getRun(id))).toMatchObject({ status: 404 });
    expect((await other.listRuns()).runs).toEqual([]);
    await h.sim.control.removeApiKey('other-key');
  });
});
