// In-process controls and HTTP edges of the simulator that the client never exercises.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator } from './simulator.js';
import type { PullRequestEvent, Simulator } from './types.js';

let sim: Simulator;
const prEvents: PullRequestEvent[] = [];

beforeEach(async () => {
  prEvents.length = 0;
  sim = await startSimulator({
    timeFactor: 0,
    startTime: '2026-04-01T00:00:00Z',
    githubUrl: 'http://127.0.0.1:9/',
    onPullRequest: (event) => {
      prEvents.push(event);
    },
  });
});
afterEach(async () => {
  await sim.close();
});

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${sim.url}${path}`, {
    ...init,
    headers: { authorization: 'Bearer test-key', 'content-type': 'application/json', ...init.headers },
  });

describe('HTTP edges', () => {
  it('answers 400 for a body that is not JSON or not an object', async () => {
    for (const body of ['{oops', '[1,2]', '"text"']) {
      const response = await api('/api/v1/agents', { method: 'POST', body });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBe('Validation Error');
    }
  });

  it('answers 404 for an unknown path and 405 for a known path with another method', async () => {
    const unknown = await api('/api/v2/agents');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'Not Found', message: 'No route for GET /api/v2/agents' });
    const wrongMethod = await api('/api/v1/agents', { method: 'PUT', body: '{}' });
    expect(wrongMethod.status).toBe(405);
  });

  it('records every request with its route, headers, body and status', async () => {
    await api('/api/v1/agents', { method: 'POST', body: JSON.stringify({ repo: 'o/r', prompt: 'x' }) });
    await api('/api/v1/agents?limit=5');
    const requests = await sim.control.requests();
    expect(requests.map((r) => [r.method, r.route, r.query, r.status])).toEqual([
      ['POST', 'POST /api/v1/agents', '', 201],
      ['GET', 'GET /api/v1/agents', 'limit=5', 200],
    ]);
    expect(requests[0]?.body).toEqual({ repo: 'o/r', prompt: 'x' });
    expect(requests[0]?.headers['content-type']).toBe('application/json');
    expect(requests[0]?.at).toBe('2026-04-01T00:00:00.000Z');
  });
});

describe('controls', () => {
  it('onPullRequest tells of opened PRs and of commits added by follow-ups', async () => {
    await sim.control.queueScripts({ prs: [{ title: 'Fix' }], followUps: [{}] });
    const created = await api('/api/v1/agents', {
      method: 'POST',
      body: JSON.stringify({ repo: 'o/r', prompt: 'first line\nsecond line' }),
    });
    const { id } = (await created.json()) as { id: string };
    await sim.control.advance(10_000);
    await api(`/api/v1/agents/run/${id}/message`, {
      method: 'POST',
      body: JSON.stringify({ prompt: 'more', update_pr: true }),
    });
    await sim.control.advance(10_000);
    expect(prEvents.map((e) => [e.kind, e.run_id, e.pr.number, e.pr.url, e.pr.commits.length])).toEqual([
      ['opened', id, 100, 'http://127.0.0.1:9/o/r/pull/100', 1],
      ['commit', id, 100, 'http://127.0.0.1:9/o/r/pull/100', 2],
    ]);
    expect(prEvents[1]?.pr.commits.map((c) => c.message)).toEqual([
      'codecloud: first line',
      'codecloud: more',
    ]);
  });

  it('progress steps honour atMs; follow-up scripts come from the queue, then prompt matches, then the default', async () => {
    await sim.control.setDefaultFollowUpScript({ result: 'default follow-up' });
    await sim.control.addPromptScript({
      match: 'special',
      scope: 'follow-up',
      script: { result: 'matched' },
    });
    await sim.control.queueFollowUpScripts({ result: 'queued' });
    const { id } = (await (
      await api('/api/v1/agents', {
        method: 'POST',
        body: JSON.stringify({ repo: 'o/r', prompt: 'special run' }),
      })
    ).json()) as { id: string };
    await sim.control.advance(10_000);
    // the prompt match is scoped to follow-ups, so the run itself used the default script
    expect((await sim.control.run(id))?.result).toBe('Done: special run');
    const results: Array<string | undefined> = [];
    for (const prompt of ['one', 'special two', 'three']) {
      await api(`/api/v1/agents/run/${id}/message`, { method: 'POST', body: JSON.stringify({ prompt }) });
      await sim.control.advance(10_000);
      results.push((await sim.control.run(id))?.result);
    }
    expect(results).toEqual(['queued', 'matched', 'default follow-up']);
  });

  it('the time factor can change while running', async () => {
    await sim.control.setTimeFactor(10_000);
    const before = Date.parse(await sim.control.now());
    await new Promise((r) => setTimeout(r, 50));
    expect(Date.parse(await sim.control.now()) - before).toBeGreaterThanOrEqual(400_000);
    await sim.control.setTimeFactor(0);
    const frozen = await sim.control.now();
    await new Promise((r) => setTimeout(r, 20));
    expect(await sim.control.now()).toBe(frozen);
    expect((await sim.control.state()).time_factor).toBe(0);
  });

  it('reset forgets runs, requests and queued scripts, but keeps keys and the clock', async () => {
    await sim.control.setApiKey('extra', 'starter');
    await sim.control.queueScripts({ result: 'never used' });
    await api('/api/v1/agents', { method: 'POST', body: JSON.stringify({ repo: 'o/r', prompt: 'a' }) });
    await sim.control.advance(1_000);
    await sim.control.reset();
    const state = await sim.control.state();
    expect(state.runs).toEqual([]);
    expect(state.requests).toEqual([]);
    expect(state.api_keys).toEqual([
      { key: 'test-key', plan: 'pro' },
      { key: 'extra', plan: 'starter' },
    ]);
    expect(state.now).toBe('2026-04-01T00:00:01.000Z');
    await api('/api/v1/agents', { method: 'POST', body: JSON.stringify({ repo: 'o/r', prompt: 'b' }) });
    await sim.control.advance(10_000);
    expect((await sim.control.runs())[0]?.result).toBe('Done: b');
  });

  it('refuses bad control input with the field named', async () => {
    await expect(sim.control.setApiKey('k', 'gold' as 'pro')).rejects.toThrow(
      'plan must be one of free, starter, pro, got gold',
    );
    await expect(sim.control.advance(-1)).rejects.toThrow('advance takes a number of ms >= 0, got -1');
    await expect(sim.control.addPromptScript({ match: '', script: {} })).rejects.toThrow(
      /^addPromptScript: match: /,
    );
    await expect(sim.control.addWebhookFault({ action: 'explode' as 'drop' })).rejects.toThrow(
      /^webhook fault: action: /,
    );
  });
});
