// Hostile and broken input, end to end against the real app process: each case gets a clear answer, the app stays
// up (/healthz), and nothing changes: no run at the simulator, no comment but the documented refusal.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  botComments,
  CODECLOUD_SECRET,
  freshRepo,
  type Harness,
  startHarness,
  WEBHOOK_SECRET,
} from './app-harness.js';

describe('hostile input (real process)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });
  afterEach(async () => {
    expect((await h.gh.state()).violations).toEqual([]);
    const health = await fetch(`${h.app.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
  });

  const runsOf = async (repo: string) => (await h.sim.control.runs()).filter((r) => r.repo === repo);
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** The one reply the app posts in `repo` (a refusal), waited for. */
  const reply = (repo: string, word: string) =>
    h.gh.waitFor((s) => botComments(s, repo).find((c) => c.body.includes(word)), { timeoutMs: 15_000 });

  /**
   * Nothing happened in `repo`: after a `/codecloud help` sent last has been answered (the worker took the earlier
   * jobs first), there is no run, and no bot comment but the help and `allowed` ones.
   */
  async function expectNothingChanged(repo: string, number: number, allowed = 0, runs = 0): Promise<void> {
    await h.gh.comment({ repo, number, user: 'alice', body: '/codecloud help' });
    await reply(repo, 'min_permission');
    await sleep(300);
    const state = await h.gh.state();
    expect(botComments(state, repo)).toHaveLength(allowed + 1);
    expect(await runsOf(repo)).toHaveLength(runs);
  }

  /** A genuine webhook the fake GitHub would send for `act`, captured instead of delivered. */
  async function capture(act: () => Promise<unknown>): Promise<{ event: string; body: string }> {
    let got: { event: string; body: string } | undefined;
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got = { event: String(req.headers['x-github-event']), body: Buffer.concat(chunks).toString('utf8') };
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      await h.gh.setWebhook({ url: `http://127.0.0.1:${port}/`, secret: WEBHOOK_SECRET });
      await act();
    } finally {
      await h.gh.setWebhook({ url: `${h.app.url}/api/github/webhooks`, secret: WEBHOOK_SECRET });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (!got) throw new Error('no webhook captured');
    return got;
  }

  const sendGitHub = (event: string, body: string | Buffer, signature?: string | null) =>
    fetch(`${h.app.url}/api/github/webhooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': event,
        'x-github-delivery': crypto.randomUUID(),
        ...(signature === null
          ? {}
          : {
              'x-hub-signature-256':
                signature ?? `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`,
            }),
      },
      body,
    });

  const codecloudSignature = (body: string | Buffer) =>
    createHmac('sha256', CODECLOUD_SECRET).update(body).digest('hex');
  const sendCodecloud = (body: string | Buffer, signature?: string) =>
    fetch(`${h.app.url}/codecloud/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-codecloud-signature': signature ?? codecloudSignature(body),
        'x-codecloud-delivery': crypto.randomUUID(),
      },
      body,
    });

  /** An issue in a fresh repository and a captured (undelivered) `/codecloud fix it` comment webhook on it. */
  async function commandWebhook() {
    const { repo } = await freshRepo(h.gh);
    const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
    const hook = await capture(() =>
      h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix it' }),
    );
    return { repo, number: issue.number, hook };
  }

  describe('GitHub webhooks', () => {
    it('a missing signature gets 400 and starts nothing', async () => {
      const { repo, number, hook } = await commandWebhook();
      const answer = await sendGitHub(hook.event, hook.body, null);
      expect(answer.status).toBe(400);
      expect(await answer.text()).toMatch(/x-hub-signature-256/);
      await expectNothingChanged(repo, number);
    });

    it('a wrong signature is refused (Probot answers 400) and starts nothing', async () => {
      const { repo, number, hook } = await commandWebhook();
      const forged = `sha256=${createHmac('sha256', 'not-the-secret').update(hook.body).digest('hex')}`;
      const answer = await sendGitHub(hook.event, hook.body, forged);
      expect(answer.status).toBe(400);
      expect(await answer.text()).toMatch(/signature does not match/);
      await expectNothingChanged(repo, number);
    });

    it('invalid UTF-8 in a signed body is refused and starts nothing', async () => {
      const { repo, number, hook } = await commandWebhook();
      const raw = Buffer.from(hook.body, 'utf8');
      const at = raw.indexOf(Buffer.from('fix it'));
      const broken = Buffer.concat([raw.subarray(0, at), Buffer.from([0xff, 0xfe, 0xc3]), raw.subarray(at)]);
      const answer = await sendGitHub(hook.event, broken);
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      await expectNothingChanged(repo, number);
    });

    it('deeply nested JSON where a comment body belongs is answered and ignored', async () => {
      const { repo, number, hook } = await commandWebhook();
      const payload = JSON.parse(hook.body) as { comment: { body: unknown } };
      const deep = `${'['.repeat(50_000)}"/codecloud fix it"${']'.repeat(50_000)}`;
      const body = JSON.stringify(payload).replace(JSON.stringify(payload.comment.body), deep);
      const answer = await sendGitHub(hook.event, body);
      expect(answer.status).toBe(200);
      await expectNothingChanged(repo, number);
    });
  });

  describe('replayed deliveries (a signed body sent again under a new delivery id)', () => {
    const completed = async (repo: string, count: number) =>
      h.gh.waitFor(
        (s) => {
          const done = botComments(s, repo).filter((c) => c.body.includes('Completed'));
          return done.length >= count ? done : undefined;
        },
        { timeoutMs: 30_000 },
      );

    it('an old comment replayed after a newer run in the thread starts nothing', async () => {
      await h.sim.control.addPromptScript({ match: 'REPLAY-fix', script: { queuedMs: 0, runningMs: 300 } });
      const { repo } = await freshRepo(h.gh);
      const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
      const a = await capture(() =>
        h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud REPLAY-fix A' }),
      );
      expect((await sendGitHub(a.event, a.body)).status).toBe(200);
      await completed(repo, 1);
      await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud REPLAY-fix B' });
      await completed(repo, 2);
      expect((await sendGitHub(a.event, a.body)).status).toBe(200);
      await expectNothingChanged(repo, issue.number, 2, 2);
    }, 60_000);

    /** The job records that dedupe a trigger by its id are gone, as after the hourly prune (the app restarts). */
    async function pruneAllJobs(): Promise<void> {
      await h.app.stop();
      const { DatabaseSync } = await import('node:sqlite');
      const db = new DatabaseSync(join(h.dataDir, 'codecloud.sqlite'));
      db.exec('DELETE FROM jobs');
      db.close();
      await h.restart();
      await h.gh.setWebhook({ url: `${h.app.url}/api/github/webhooks`, secret: WEBHOOK_SECRET });
    }

    it('an old approval replayed after a newer plan, with its job pruned, approves nothing', async () => {
      await h.sim.control.addPromptScript({
        match: 'PLAN-replay',
        script: { queuedMs: 0, runningMs: 300, plan: '1. Do it' },
      });
      const saying = (repo: string, word: string, count: number) =>
        h.gh.waitFor(
          (s) =>
            botComments(s, repo).filter((c) => c.body.includes(word)).length >= count ? true : undefined,
          { timeoutMs: 30_000 },
        );
      const { repo } = await freshRepo(h.gh);
      const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
      await h.gh.comment({
        repo,
        number: issue.number,
        user: 'alice',
        body: '/codecloud plan PLAN-replay one',
      });
      await saying(repo, 'Plan ready', 1);
      const approval = await capture(() =>
        h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud approve' }),
      );
      expect((await sendGitHub(approval.event, approval.body)).status).toBe(200);
      await saying(repo, 'Completed', 1);
      await h.gh.comment({
        repo,
        number: issue.number,
        user: 'alice',
        body: '/codecloud plan PLAN-replay two',
      });
      await saying(repo, 'Plan ready', 2);
      await pruneAllJobs();
      const before = botComments(await h.gh.state(), repo).length;
      expect((await sendGitHub(approval.event, approval.body)).status).toBe(200);
      await expectNothingChanged(repo, issue.number, before, 2);
      // The replay's job may run beside the help's: give it time to send an approval.
      await sleep(3_000);
      expect(botComments(await h.gh.state(), repo)).toHaveLength(before + 1);
      expect((await runsOf(repo)).map((run) => run.messages.length).sort()).toEqual([0, 1]);
    }, 90_000);

    it("an old comment on the agent's PR, replayed after a newer follow-up, sends no follow-up, even with its job pruned", async () => {
      const { repo } = await freshRepo(h.gh);
      const pr = await h.gh.openPull({ repo, title: 'Fix', head: 'codecloud/fix', user: 'alice' });
      await h.sim.control.queueScripts({ prs: [{ number: pr.number, branch: 'codecloud/fix' }] });
      const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
      await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix it' });
      await completed(repo, 1);
      const messages = async () => (await runsOf(repo))[0]?.messages.map((m) => m.prompt) ?? [];
      const a = await capture(() =>
        h.gh.comment({ repo, number: pr.number, user: 'alice', body: '/codecloud FOLLOW-A' }),
      );
      expect((await sendGitHub(a.event, a.body)).status).toBe(200);
      await completed(repo, 2);
      await h.gh.comment({ repo, number: pr.number, user: 'alice', body: '/codecloud FOLLOW-B' });
      await completed(repo, 3);
      expect((await messages()).map((p) => /FOLLOW-[AB]/.exec(p)?.[0])).toEqual(['FOLLOW-A', 'FOLLOW-B']);
      await pruneAllJobs();
      const before = botComments(await h.gh.state(), repo).length;
      expect((await sendGitHub(a.event, a.body)).status).toBe(200);
      await expectNothingChanged(repo, issue.number, before, 1);
      // The replay's job may run beside the help's: give it time to post a follow-up's status comment.
      await sleep(3_000);
      expect(botComments(await h.gh.state(), repo)).toHaveLength(before + 1);
      expect(await messages()).toHaveLength(2);
    }, 90_000);

    it('a label trigger replayed three times after its run finished starts nothing', async () => {
      await h.sim.control.addPromptScript({ match: 'LABEL-replay', script: { queuedMs: 0, runningMs: 300 } });
      const { repo } = await freshRepo(h.gh);
      const issue = await h.gh.openIssue({ repo, title: 'LABEL-replay', body: 'b', user: 'alice' });
      const labeled = await capture(() =>
        h.gh.label({ repo, number: issue.number, label: 'codecloud', user: 'alice' }),
      );
      expect((await sendGitHub(labeled.event, labeled.body)).status).toBe(200);
      await completed(repo, 1);
      for (let i = 0; i < 3; i++) expect((await sendGitHub(labeled.event, labeled.body)).status).toBe(200);
      await expectNothingChanged(repo, issue.number, 1, 1);
    }, 60_000);

    it('a new-issue body replayed after its run finished starts nothing', async () => {
      await h.sim.control.addPromptScript({ match: 'BODY-replay', script: { queuedMs: 0, runningMs: 300 } });
      const { repo } = await freshRepo(h.gh);
      let number = 0;
      const opened = await capture(async () => {
        number = (await h.gh.openIssue({ repo, title: 't', body: '/codecloud BODY-replay', user: 'alice' }))
          .number;
      });
      expect((await sendGitHub(opened.event, opened.body)).status).toBe(200);
      await completed(repo, 1);
      expect((await sendGitHub(opened.event, opened.body)).status).toBe(200);
      await expectNothingChanged(repo, number, 1, 1);
    }, 60_000);
  });

  describe('bounded intake', () => {
    const rssMiB = (): number => {
      const status = readFileSync(`/proc/${h.app.child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    };

    /**
     * A bad-signature webhook whose body is streamed (no Content-Length) up to `bytes` and never finished; resolves
     * with the answer, if any, once `bytes` are written or the app answered.
     */
    function heldBody(bytes: number) {
      const url = new URL(`${h.app.url}/api/github/webhooks`);
      let answered: { status: number; retryAfter: string | undefined } | undefined;
      const req = httpRequest({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'transfer-encoding': 'chunked',
          'x-github-event': 'issue_comment',
          'x-github-delivery': crypto.randomUUID(),
          'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
        },
      });
      req.on('response', (res) => {
        answered = {
          status: res.statusCode ?? 0,
          retryAfter: res.headers['retry-after'] as string | undefined,
        };
        res.resume();
      });
      req.on('error', () => undefined);
      const chunk = Buffer.alloc(1024 * 1024, 'x');
      const written = (async () => {
        for (let sent = 0; sent < bytes && answered === undefined && !req.destroyed; sent += chunk.length) {
          if (!req.write(chunk))
            await new Promise((resolve) => req.once('drain', resolve).once('close', resolve));
        }
      })();
      return { written, answer: () => answered, destroy: () => req.destroy() };
    }

    it('twelve senders holding 24 MiB bodies cost at most the 32 MiB budget; the rest get 503 + Retry-After', async () => {
      const before = rssMiB();
      const senders = Array.from({ length: 12 }, () => heldBody(24 * 1024 * 1024));
      try {
        await Promise.race([Promise.all(senders.map((s) => s.written)), sleep(8_000)]);
        const health = await fetch(`${h.app.url}/healthz`, { signal: AbortSignal.timeout(2_000) });
        expect(health.status).toBe(200);
        const grown = rssMiB() - before;
        const refused = senders.map((s) => s.answer()).filter((a) => a?.status === 503);
        // Before the budget: eight such senders grew the app by about 200 MiB.
        process.stdout.write(
          `held bodies: RSS grew ${grown.toFixed(0)} MiB, ${refused.length} of 12 refused\n`,
        );
        // Each sender still unanswered holds part of the budget; the others were refused.
        expect(refused.length).toBeGreaterThanOrEqual(6);
        expect(refused[0]?.retryAfter).toMatch(/^\d+$/);
        expect(grown).toBeLessThan(32 + 64);
      } finally {
        for (const s of senders) s.destroy();
      }
    }, 30_000);

    it('a sender that stops half-way through a body is cut off within seconds (408)', async () => {
      const sender = heldBody(64 * 1024);
      await sender.written;
      const started = performance.now();
      while (sender.answer() === undefined && performance.now() - started < 20_000) await sleep(200);
      sender.destroy();
      expect(sender.answer()?.status).toBe(408);
      expect(performance.now() - started).toBeLessThan(15_000);
    }, 30_000);
  });

  describe('codecloud webhooks', () => {
    const completed = (runId: string) =>
      JSON.stringify({
        event: 'agent.completed',
        run_id: runId,
        status: 'completed',
        created_at: new Date().toISOString(),
        completed_at: new Date().toISOString(),
      });

    it('a bad signature gets 401', async () => {
      const answer = await sendCodecloud(completed('run-x'), 'ab'.repeat(32));
      expect(answer.status).toBe(401);
      expect(((await answer.json()) as { message: string }).message).toMatch(/X-Codecloud-Signature/);
    });

    it('a body that is not JSON gets 400', async () => {
      const answer = await sendCodecloud('{"event": "agent.completed", oops');
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as { message: string }).message).toBe('body is not JSON');
    });

    it('an unknown event gets 400 naming the field', async () => {
      const answer = await sendCodecloud(JSON.stringify({ event: 'agent.exploded', run_id: 'r' }));
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as { message: string }).message).toMatch(
        /not a codecloud event: .*event/,
      );
    });

    it('invalid UTF-8 gets 400 saying so', async () => {
      const body = Buffer.concat([
        Buffer.from('{"event":"agent.completed","run_id":"'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('"}'),
      ]);
      const answer = await sendCodecloud(body);
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as { message: string }).message).toBe('body is not valid UTF-8');
    });

    it('deeply nested JSON gets 400 before it is stored', async () => {
      const body = `{"event":"agent.progress","run_id":"r","status":"running","tool_call":{"name":"x","status":"running","arguments":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}}}`;
      const answer = await sendCodecloud(body);
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as { message: string }).message).toMatch(/deeper than 64 levels/);
    });

    it('an event for a run nobody knows is accepted as a hint and changes nothing', async () => {
      const before = await h.gh.state();
      const answer = await sendCodecloud(completed('00000000-0000-4000-8000-000000000000'));
      expect(answer.status).toBe(202);
      await sleep(1_500);
      const after = await h.gh.state();
      expect(after.comments).toHaveLength(before.comments.length);
      expect(after.dispatches).toHaveLength(before.dispatches.length);
    });

    it('over 1 MiB with Content-Length gets 413', async () => {
      const body = JSON.stringify({
        event: 'agent.progress',
        run_id: 'r',
        status: 'running',
        thinking: 'x'.repeat(1_100_000),
      });
      const answer = await sendCodecloud(body);
      expect(answer.status).toBe(413);
      expect(((await answer.json()) as { message: string }).message).toMatch(/1 MiB/);
    });

    /** Sends headers and `first` bytes, then waits for an answer without sending the rest. */
    function partialPost(headers: Record<string, string>, first: number, total: number) {
      return new Promise<{ status: number; sent: number }>((resolve, reject) => {
        const url = new URL(`${h.app.url}/codecloud/webhook`);
        const req = httpRequest(
          { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers },
          (res) => {
            res.resume();
            resolve({ status: res.statusCode ?? 0, sent });
          },
        );
        let sent = 0;
        req.on('error', reject);
        req.flushHeaders();
        const chunk = Buffer.alloc(64 * 1024, 'x');
        while (sent < first) {
          req.write(chunk);
          sent += chunk.length;
        }
        // The rest is never sent: an app that reads the body whole would wait for ever.
        setTimeout(() => {
          req.destroy();
          reject(new Error(`no answer after ${sent} of ${total} bytes`));
        }, 10_000).unref();
      });
    }

    it('30 MB announced by Content-Length gets 413 before the body is sent', async () => {
      const total = 30 * 1024 * 1024;
      const answer = await partialPost(
        {
          'content-type': 'application/json',
          'content-length': String(total),
          'x-codecloud-signature': 'ab'.repeat(32),
        },
        0,
        total,
      );
      expect(answer.status).toBe(413);
    });

    it('30 MB streamed without Content-Length gets 413 once past 1 MiB, not after reading it whole', async () => {
      const total = 30 * 1024 * 1024;
      const answer = await partialPost(
        {
          'content-type': 'application/json',
          'transfer-encoding': 'chunked',
          'x-codecloud-signature': 'ab'.repeat(32),
        },
        2 * 1024 * 1024,
        total,
      );
      expect(answer.status).toBe(413);
      expect(answer.sent).toBeLessThan(total);
    });
  });

  describe('commands', () => {
    it('a 1 MB comment is refused, saying how long the instruction is; no paid run starts', async () => {
      const { repo } = await freshRepo(h.gh);
      const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
      const body = `/codecloud fix this\n${'lorem ipsum dolor sit amet '.repeat(40_000)}`;
      await h.gh.comment({ repo, number: issue.number, user: 'alice', body });
      const refusal = await reply(repo, 'nothing was started');
      expect(refusal.body).toMatch(
        /the instruction is 1,0\d\d,\d\d\d characters long; at most 20,000 are accepted/,
      );
      expect(refusal.body.length).toBeLessThan(65_536);
      await expectNothingChanged(repo, issue.number, 1);
    });

    it('a 65,535-character `![![![…` comment never blocks the app: /healthz answers throughout', async () => {
      const { repo } = await freshRepo(h.gh);
      const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
      const body = `/codecloud ${'!['.repeat(32_762)}`;
      const slowest = { ms: 0 };
      let watching = true;
      const watch = (async () => {
        while (watching) {
          const started = performance.now();
          await fetch(`${h.app.url}/healthz`);
          slowest.ms = Math.max(slowest.ms, performance.now() - started);
          await sleep(50);
        }
      })();
      try {
        await h.gh.comment({ repo, number: issue.number, user: 'alice', body });
        const refusal = await reply(repo, 'nothing was started');
        expect(refusal.body).toMatch(/the instruction is 65,5\d\d characters long/);
      } finally {
        watching = false;
        await watch;
      }
      // Before: the sanitizer's image-alt pattern held the event loop for seconds on this comment.
      expect(slowest.ms).toBeLessThan(1_000);
      await expectNothingChanged(repo, issue.number, 1);
    });

    it('10,000 unknown options get one short reply that GitHub accepts', async () => {
      const { repo } = await freshRepo(h.gh);
      const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
      const body = `/codecloud ${Array.from({ length: 10_000 }, () => '--x').join(' ')} fix it`;
      await h.gh.comment({ repo, number: issue.number, user: 'alice', body });
      const refusal = await reply(repo, 'nothing was started');
      expect(refusal.body).toContain('`--x`: unknown option (and 9,999 more)');
      expect(refusal.body.length).toBeLessThan(4_000);
      const state = await h.gh.state();
      // Posted once, accepted the first time.
      const posts = state.requests.filter(
        (r) => r.method === 'POST' && r.path === `/repos/${repo}/issues/${issue.number}/comments`,
      );
      expect(posts.map((r) => r.status)).toEqual([201]);
      await expectNothingChanged(repo, issue.number, 1);
    });

    it('a huge result (400,000 characters) ends in a final comment GitHub accepts, cut with a note', async () => {
      const { repo } = await freshRepo(h.gh);
      await h.sim.control.addPromptScript({
        match: 'HUGE-result-run',
        script: { queuedMs: 0, runningMs: 1_000, result: 'All done.\n'.repeat(40_000) },
      });
      const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
      await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud HUGE-result-run' });
      const done = await reply(repo, 'Completed');
      expect(done.body.length).toBeLessThanOrEqual(65_536);
      expect(done.body).toMatch(/cut to fit in a comment: [\d,]+ more characters not shown/);
      const state = await h.gh.state();
      const writes = state.requests.filter(
        (r) => r.method !== 'GET' && r.path.startsWith(`/repos/${repo}/issues/`),
      );
      expect(writes.filter((r) => r.status === 422)).toEqual([]);
    });

    it.each([
      ["--branch='$(rm -rf)'", '$(rm -rf)', 'contains a space'],
      ['--branch=$(rm)', '$(rm)', 'which a shell would interpret'],
      ['--branch=a..b', 'a..b', '`..`'],
      ['--branch=a~^:b', 'a~^:b', 'which git does not allow'],
      ['--branch="has space"', 'has space', 'contains a space'],
      ['--branch=-rf', '-rf', 'starts with `-`'],
      ['--branch=x.lock/y', 'x.lock/y', '`.lock`'],
    ])('a branch like %s is refused naming the option and value', async (option, value, why) => {
      const { repo } = await freshRepo(h.gh);
      const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
      await h.gh.comment({ repo, number: issue.number, user: 'alice', body: `/codecloud ${option} fix it` });
      const refusal = await reply(repo, 'nothing was started');
      expect(refusal.body).toContain(`--branch=${value}`);
      expect(refusal.body).toContain('is not a valid branch name');
      expect(refusal.body).toContain(why);
      await expectNothingChanged(repo, issue.number, 1);
    });

    it.each([
      ['a full-width slash', '／codecloud fix it'],
      ['a Cyrillic е', '/cod\u0435cloud fix it'],
      ['a zero-width space', '/code\u200Bcloud fix it'],
      ['full-width letters', '/ｃｏｄｅｃｌｏｕｄ fix it'],
    ])('a look-alike trigger with %s is not a command: no reply, no reaction', async (_what, body) => {
      const { repo } = await freshRepo(h.gh);
      const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
      const c = await h.gh.comment({ repo, number: issue.number, user: 'alice', body });
      await expectNothingChanged(repo, issue.number);
      const state = await h.gh.state();
      expect(state.reactions.filter((r) => r.repo === repo && r.id === c.id)).toEqual([]);
    });
  });

  describe('.github/codecloud.yml', () => {
    const SECRET_VALUE = 'TOP-SECRET-deploy-values-4711';

    /** A repository of the same installation (the org-wide case) that alice cannot read, holding values. */
    async function privateNeighbour(installationId: number): Promise<string> {
      const name = `secret-infra-${Math.random().toString(36).slice(2, 7)}`;
      const created = await h.gh.createRepo({ owner: 'acme', name, installationId, private: true });
      await h.gh.putFile({
        repo: created.full_name,
        path: 'deploy/values.yml',
        content: `instructions: "${SECRET_VALUE}"\n`,
      });
      return name;
    }

    it('`_extends` naming another repository (a private one) is refused naming the key; nothing of it shows', async () => {
      const { repo, installationId } = await freshRepo(h.gh);
      const neighbour = await privateNeighbour(installationId);
      await h.gh.putFile({
        repo,
        path: '.github/codecloud.yml',
        content: `_extends: ${neighbour}:deploy/values.yml\n`,
      });
      const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
      await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud help' });
      const refusal = await reply(repo, 'is not valid');
      expect(refusal.body).toContain('`_extends` may name only this repository or acme/.github');
      await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix it' });
      await sleep(1_500);
      const state = await h.gh.state();
      expect(JSON.stringify(botComments(state, repo))).not.toContain(SECRET_VALUE);
      expect(await runsOf(repo)).toEqual([]);
      // Not even read: no request for the neighbour's file.
      expect(state.requests.filter((r) => r.path.includes(`/${neighbour}/contents/`))).toEqual([]);
    });

    /** A repository of its own organisation (not `acme`: its `.github` would be every test's fallback). */
    async function orgRepoExtendingDotGithub(dotGithubReader: boolean) {
      const org = `org-${Math.random().toString(36).slice(2, 7)}`;
      const { installationId } = await freshRepo(h.gh);
      const dotGithub = await h.gh.createRepo({ owner: org, name: '.github', installationId, private: true });
      await h.gh.putFile({
        repo: dotGithub.full_name,
        path: '.github/codecloud.yml',
        content: `min_permission: admin\ninstructions: "${SECRET_VALUE}"\n`,
      });
      const created = await h.gh.createRepo({ owner: org, name: 'app', installationId, private: false });
      await h.gh.setPermission({ repo: created.full_name, user: 'alice', permission: 'write' });
      if (dotGithubReader)
        await h.gh.setPermission({ repo: dotGithub.full_name, user: 'alice', permission: 'read' });
      await h.gh.putFile({
        repo: created.full_name,
        path: '.github/codecloud.yml',
        content: '_extends: .github\n',
      });
      return { repo: created.full_name, org };
    }

    it("`_extends: .github` naming the organisation's private `.github` the commenter cannot read is refused; nothing of it shows", async () => {
      const { repo, org } = await orgRepoExtendingDotGithub(false);
      const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
      await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud help' });
      const refusal = await reply(repo, 'is not valid');
      expect(refusal.body).toContain(
        `\`_extends\` names ${org}/.github, a private repository alice cannot read`,
      );
      await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix it' });
      await sleep(1_500);
      const state = await h.gh.state();
      expect(JSON.stringify(botComments(state, repo))).not.toContain(SECRET_VALUE);
      expect(JSON.stringify(botComments(state, repo))).not.toMatch(/min_permission[^\n]*admin/);
      expect(await runsOf(repo)).toEqual([]);
    });

    it("`_extends: .github` works for a commenter who can read the organisation's private `.github`", async () => {
      const { repo } = await orgRepoExtendingDotGithub(true);
      const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
      await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud help' });
      expect((await reply(repo, 'min_permission')).body).toMatch(/admin/);
    });

    it('`_extends` within the repository works, one level; a second level is refused', async () => {
      const put = async (repo: string, files: Record<string, string>) => {
        for (const [path, content] of Object.entries(files)) await h.gh.putFile({ repo, path, content });
      };
      const { repo, name } = await freshRepo(h.gh);
      await put(repo, {
        '.github/codecloud.yml': `_extends: ${name}:.github/base.yml\n`,
        '.github/base.yml': 'min_permission: admin\n',
      });
      const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
      await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud help' });
      expect((await reply(repo, 'min_permission')).body).toMatch(/admin/);

      const chained = await freshRepo(h.gh);
      await put(chained.repo, {
        '.github/codecloud.yml': `_extends: ${chained.name}:.github/base.yml\n`,
        '.github/base.yml': `_extends: ${chained.name}:.github/deeper.yml\n`,
        '.github/deeper.yml': 'min_permission: admin\n',
      });
      const other = await h.gh.openIssue({ repo: chained.repo, title: 't', body: 'b', user: 'alice' });
      await h.gh.comment({
        repo: chained.repo,
        number: other.number,
        user: 'alice',
        body: '/codecloud help',
      });
      expect((await reply(chained.repo, 'is not valid')).body).toContain(
        '`_extends` is followed one level only',
      );
    });

    it('a YAML alias bomb (billion laughs) gets one invalid-config comment; nothing runs', async () => {
      const names = 'abcdefghi';
      const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      for (let i = 1; i < names.length; i++) {
        lines.push(
          `${names[i]}: &${names[i]} [${Array(9)
            .fill(`*${names[i - 1]}`)
            .join(',')}]`,
        );
      }
      const { repo } = await freshRepo(h.gh, { '.github/codecloud.yml': `${lines.join('\n')}\n` });
      const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
      await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix it' });
      const refusal = await reply(repo, 'is not valid');
      expect(refusal.body).toMatch(/alias/i);
      await sleep(500);
      expect(botComments(await h.gh.state(), repo)).toHaveLength(1);
      expect(await runsOf(repo)).toEqual([]);
    });

    it('a 1 MB config file is refused by size before it is parsed; nothing runs', async () => {
      const big = `instructions: "${'x'.repeat(1_000_000)}"\n`;
      const { repo } = await freshRepo(h.gh, { '.github/codecloud.yml': big });
      const issue = await h.gh.openIssue({ repo, title: 't', body: 'b', user: 'alice' });
      await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix it' });
      const refusal = await reply(repo, 'is not valid');
      expect(refusal.body).toContain('1,000,017 bytes; at most 262,144 bytes (256 KiB) are read');
      await sleep(500);
      expect(botComments(await h.gh.state(), repo)).toHaveLength(1);
      expect(await runsOf(repo)).toEqual([]);
    });
  });
});
