// The bundled Action under Node 24 with `app-url` and `comment`, against the real App process, the simulator, the
// fake GitHub (every request checked against GitHub's OpenAPI description) and the fake OIDC issuer.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOidc, startFakeOidc } from '../../fake-oidc/fake-oidc.js';
import { freshRepo, type Harness, startHarness } from '../app/app-harness.js';
import { annotations, runPost, runStep, type StepResult, WORKFLOW_TOKEN } from './action-runner.js';

const TIME_FACTOR = 20;
let h: Harness;
let oidc: FakeOidc;
let dir: string;

beforeAll(async () => {
  oidc = await startFakeOidc();
  h = await startHarness({ sim: { timeFactor: TIME_FACTOR }, env: { ACTIONS_OIDC_ISSUER: oidc.url } });
  dir = await mkdtemp(join(tmpdir(), 'codecloud-app-url-'));
}, 60_000);
afterAll(async () => {
  await h?.close();
  await oidc?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Workflow {
  repo: string;
  pr: number;
  env: Record<string, string>;
}

/** A repository with an open pull request, and the environment of a workflow run on `pull_request` there. */
async function pullRequestWorkflow(oidcEnv?: Record<string, string>): Promise<Workflow> {
  const { repo } = await freshRepo(h.gh);
  await h.gh.workflowToken({ repo, token: WORKFLOW_TOKEN });
  const pull = await h.gh.openPull({ repo, title: 'Fix it', head: 'feature', user: 'alice' });
  const eventPath = join(dir, `${repo.replace('/', '-')}.json`);
  await writeFile(
    eventPath,
    JSON.stringify({
      action: 'opened',
      number: pull.number,
      pull_request: {
        number: pull.number,
        head: { ref: 'feature', repo: { full_name: repo } },
        base: { ref: 'main', repo: { full_name: repo } },
      },
    }),
  );
  return {
    repo,
    pr: pull.number,
    env: {
      GITHUB_REPOSITORY: repo,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_API_URL: `${h.github.url}/api/v3`,
      GITHUB_ACTOR: 'alice',
      ...(oidcEnv ?? oidc.runnerEnv(repo)),
    },
  };
}

const inputs = (extra: Record<string, string> = {}) => ({
  'api-key': 'test-key',
  'api-url': h.sim.url,
  'app-url': h.app.url,
  ...extra,
});

/** The Action's own codecloud API calls (the App reads runs with the same key, under its own user agent). */
async function actionCalls(route?: 'GET /api/v1/agents/run/{id}') {
  const all = await h.sim.control.requests(route ? { route } : {});
  return all.filter((r) => r.headers['user-agent']?.includes('codecloud-github-action'));
}

/** Real ms between the completion webhook reaching the app and now (from the simulator's clock). */
async function msSinceCompletionWebhook(runId: string): Promise<number> {
  const now = Date.parse(await h.sim.control.now());
  const attempts = await h.sim.control.webhooks({ run_id: runId });
  const done = attempts.find(
    (a) => (a.event === 'agent.completed' || a.event === 'agent.failed') && a.status === 202,
  );
  expect(done, 'the completion webhook reached the app').toBeDefined();
  return (now - Date.parse(done?.at ?? '')) / TIME_FACTOR;
}

async function commentsOn(repo: string, number: number) {
  const state = await h.gh.state();
  return state.comments.filter(
    (c) => c.repo === repo && c.number === number && c.body.includes('codecloud:action='),
  );
}

async function untilRunning(prompt: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if ((await h.sim.control.runs()).some((r) => r.prompt === prompt && r.status === 'running')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run '${prompt}' never ran`);
}

function expectPolled(step: StepResult, reason: RegExp): void {
  const notices = annotations(step.stdout, 'notice');
  expect(
    notices.some((n) => /by polling the codecloud API/.test(n) && reason.test(n)),
    notices.join('\n'),
  ).toBe(true);
}

describe('app-url: waiting through the App', () => {
  it('waits on the completion webhook, reads the run once, and keeps one status comment on the PR', async () => {
    const wf = await pullRequestWorkflow();
    await h.sim.control.queueScripts({ queuedMs: 1_000, runningMs: 60_000, result: 'Done.' });
    const before = (await actionCalls()).length;
    const step = await runStep({ inputs: inputs({ prompt: 'Fix the bug', comment: 'true' }), env: wf.env });
    const latency = await msSinceCompletionWebhook(step.outputs['run-id'] ?? '');
    expect(step.exitCode, step.stdout).toBe(0);
    expect(step.outputs.status).toBe('completed');
    expect(latency).toBeLessThan(2_000);
    // Create, then the one read at the end: nothing else while waiting.
    const calls = (await actionCalls()).slice(before);
    expect(calls.map((c) => c.route)).toEqual(['POST /api/v1/agents', 'GET /api/v1/agents/run/{id}']);
    expect(calls[0]?.body).toMatchObject({
      webhook_url: `${h.app.url}/codecloud/webhook`,
      branch: 'feature',
    });
    expect(oidc.tokenRequests().at(-1)?.audience).toBe(h.app.url);

    const [comment, ...others] = await commentsOn(wf.repo, wf.pr);
    expect(others).toHaveLength(0);
    expect(comment?.body).toContain('✅ **Completed**');
    expect(comment?.body).toContain('Done.');
    expect(comment?.body).not.toContain('/codecloud stop');
    expect(step.outputs['comment-url']).toMatch(
      new RegExp(`/${wf.repo}/pull/${wf.pr}#issuecomment-${comment?.id}$`),
    );
    expect((await h.gh.state()).violations).toEqual([]);

    // A re-run of the same job edits the same comment.
    await h.sim.control.queueScripts({ queuedMs: 500, runningMs: 10_000, result: 'Done again.' });
    const again = await runStep({ inputs: inputs({ prompt: 'Fix the bug', comment: 'true' }), env: wf.env });
    expect(again.exitCode, again.stdout).toBe(0);
    const after = await commentsOn(wf.repo, wf.pr);
    expect(after).toHaveLength(1);
    expect(after[0]?.body).toContain('Done again.');
  }, 60_000);

  it('with max-tokens, reads the run while waiting on the App and stops it once it passes', async () => {
    const wf = await pullRequestWorkflow();
    await h.sim.control.queueScripts({
      queuedMs: 500,
      runningMs: 900_000,
      progress: [{ thinking: 'big', atMs: 5_000, inputTokens: 6_000, outputTokens: 1_000 }],
    });
    const step = await runStep({
      inputs: inputs({ prompt: 'Burn tokens', 'max-tokens': '5000' }),
      env: wf.env,
    });
    expect(step.exitCode, step.stdout).not.toBe(0);
    expect(step.stdout).toContain('The run passed max-tokens (5,000): 7,000 tokens used; stopped it');
    expect(step.stdout).toContain('Waiting through the App');
    const stops = (await actionCalls()).filter((c) => c.route === 'POST /api/v1/agents/run/{id}/stop');
    expect(stops).toHaveLength(1);
    expect(step.summary).toContain('6,000 in / 1,000 out');
  }, 60_000);

  it('waits the same way for parallel tasks', async () => {
    const wf = await pullRequestWorkflow();
    await h.sim.control.queueScripts(
      { queuedMs: 500, runningMs: 20_000 },
      { queuedMs: 500, runningMs: 30_000, outcome: 'failed', error: 'tests fail' },
    );
    const before = (await actionCalls('GET /api/v1/agents/run/{id}')).length;
    const step = await runStep({
      inputs: inputs({
        tasks: '- name: lint\n  prompt: Fix lint\n- name: docs\n  prompt: Write docs\n',
        'fail-on-error': 'false',
        comment: 'true',
      }),
      env: wf.env,
    });
    expect(step.exitCode, step.stdout).toBe(0);
    const results = JSON.parse(step.outputs.results ?? '[]') as Array<{ name: string; status: string }>;
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ['lint', 'completed'],
      ['docs', 'failed'],
    ]);
    expect((await actionCalls('GET /api/v1/agents/run/{id}')).length - before).toBe(2);
    const [comment] = await commentsOn(wf.repo, wf.pr);
    expect(comment?.body).toMatch(/`lint`[\s\S]*Completed[\s\S]*`docs`[\s\S]*Failed[\s\S]*tests fail/);
  }, 60_000);

  it('falls back to polling with a notice: no id-token permission, expired token, wrong audience, other repository', async () => {
    const cases: Array<[string, (wf: Workflow) => Record<string, string>, RegExp, Record<string, string>?]> =
      [
        ['no permission', () => ({}), /permissions: id-token: write/],
        ['expired token', (wf) => oidc.runnerEnv(wf.repo, -120), /answered 401: the token has expired/],
        [
          'wrong audience',
          (wf) => oidc.runnerEnv(wf.repo),
          /answered 401: the token is for another audience/,
          { 'app-url': h.app.url.replace('127.0.0.1', 'localhost') },
        ],
        [
          'other repository',
          () => oidc.runnerEnv('acme/elsewhere'),
          /answered 403: run \S+ is not a run of acme\/elsewhere/,
        ],
      ];
    for (const [label, oidcEnv, reason, extra] of cases) {
      const wf = await pullRequestWorkflow({});
      await h.sim.control.queueScripts({ queuedMs: 500, runningMs: 5_000 });
      const step = await runStep({
        inputs: inputs({ prompt: `case ${label}`, ...extra }),
        env: { ...wf.env, ...oidcEnv(wf) },
      });
      expect(step.exitCode, `${label}\n${step.stdout}`).toBe(0);
      expect(step.outputs.status, label).toBe('completed');
      expectPolled(step, reason);
    }
  }, 90_000);

  it('warns naming issues: write / pull-requests: write when the comment is refused, and the run goes on', async () => {
    const wf = await pullRequestWorkflow();
    await h.gh.fault({ method: 'POST', path: `/repos/${wf.repo}/issues/\\d+/comments$`, status: 403 });
    await h.sim.control.queueScripts({ queuedMs: 500, runningMs: 5_000 });
    const step = await runStep({ inputs: inputs({ prompt: 'No permission', comment: 'true' }), env: wf.env });
    expect(step.exitCode, step.stdout).toBe(0);
    expect(step.outputs.status).toBe('completed');
    expect(step.outputs['comment-url']).toBeUndefined();
    const [warning] = annotations(step.stdout, 'warning');
    expect(warning).toMatch(/GitHub answered 403.*issues: write.*pull-requests: write/);
  }, 60_000);

  it('a cancelled step leaves the comment Stopped, and the post step does nothing more', async () => {
    const wf = await pullRequestWorkflow();
    await h.sim.control.queueScripts({ queuedMs: 200, runningMs: 600_000 });
    const step = await runStep({
      inputs: inputs({ prompt: 'Cancel me', comment: 'true' }),
      env: wf.env,
      cancelWhen: () => untilRunning('Cancel me'),
    });
    expect(step.outputs.status).toBe('stopped');
    const [comment] = await commentsOn(wf.repo, wf.pr);
    expect(comment?.body).toContain('⏹️ **Stopped**');
    expect(comment?.body).not.toContain('Running');
    const post = await runPost(step, {
      inputs: inputs({ prompt: 'Cancel me', comment: 'true' }),
      env: wf.env,
    });
    expect(post.stdout).toContain('nothing to clean up');
  }, 60_000);

  it('the post step ends the comment as Stopped when the main step was killed', async () => {
    const wf = await pullRequestWorkflow();
    await h.sim.control.queueScripts({ queuedMs: 200, runningMs: 600_000 });
    const stepInputs = inputs({ prompt: 'Killed mid-run', comment: 'true' });
    const main = await runStep({ inputs: stepInputs, env: wf.env, timeoutMs: 4_000 });
    expect(main.signal).toBe('SIGKILL');
    expect((await commentsOn(wf.repo, wf.pr))[0]?.body).not.toContain('Stopped');
    const post = await runPost(main, { inputs: stepInputs, env: wf.env });
    expect(post.exitCode, post.stdout).toBe(0);
    const [comment] = await commentsOn(wf.repo, wf.pr);
    expect(comment?.body).toContain('⏹️ **Stopped**');
    expect(comment?.body).not.toContain('Running');
    const run = (await h.sim.control.runs()).find((r) => r.prompt === 'Killed mid-run');
    expect(run?.stops.length).toBeGreaterThan(0);
  }, 60_000);

  it('goes on by polling when the App goes down mid-wait', async () => {
    const wf = await pullRequestWorkflow();
    await h.sim.control.queueScripts({ queuedMs: 500, runningMs: 120_000 });
    const stepDone = runStep({
      inputs: inputs({ prompt: 'Outlive the App' }),
      env: wf.env,
      timeoutMs: 40_000,
    });
    // Once the step waits on the App, the App goes away.
    await untilRunning('Outlive the App');
    await new Promise((r) => setTimeout(r, 300));
    await h.app.stop();
    const step = await stepDone;
    await h.restart();
    expect(step.exitCode, step.stdout).toBe(0);
    expect(step.outputs.status).toBe('completed');
    expectPolled(step, /the App cannot be reached/);
  }, 60_000);
});
