// Schedule events end to end: the schedules the app keeps from `.github/codecloud.yml` are skipped (plan limit) and
// deleted (plan downgrade) by the simulator, and the app relays each real event once as repository_dispatch.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signCodecloudPayload } from '../../../src/codecloud/webhook-signature.js';
import { signWebhook } from '../../fake-github/fake-github.js';
import { CODECLOUD_SECRET, freshRepo, type Harness, startHarness, WEBHOOK_SECRET } from './app-harness.js';

describe('schedule events relayed as repository_dispatch (real process)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });
  afterEach(async () => {
    expect((await h.gh.state()).violations).toEqual([]);
  });

  const waitUntil = async <T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (ok(value)) return value;
      if (Date.now() > deadline) throw new Error(`timed out; last: ${JSON.stringify(value)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  /** A push to the default branch: the app syncs the repository's schedules. */
  async function pushMain(repo: string, installationId: number): Promise<void> {
    const [owner, name] = repo.split('/');
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      before: '0'.repeat(40),
      after: '1'.repeat(40),
      repository: {
        id: 1,
        name,
        full_name: repo,
        owner: { login: owner, name: owner },
        default_branch: 'main',
      },
      installation: { id: installationId },
      sender: { login: 'alice', type: 'User' },
      commits: [],
    });
    const response = await fetch(`${h.app.url}/api/github/webhooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': `push-${Math.random()}`,
        'x-hub-signature-256': signWebhook(WEBHOOK_SECRET, body).sha256,
      },
      body,
    });
    expect(response.status).toBe(200);
  }

  /** Delivers a codecloud event body to the app, signed as codecloud signs (a replay or a forgery with the secret). */
  async function deliver(body: Record<string, unknown>): Promise<void> {
    const raw = JSON.stringify(body);
    const response = await fetch(`${h.app.url}/codecloud/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-codecloud-event': String(body.event),
        'x-codecloud-delivery': `replay-${Math.random()}`,
        'x-codecloud-signature': await signCodecloudPayload(CODECLOUD_SECRET, raw),
      },
      body: raw,
    });
    expect(response.status).toBeLessThan(300);
  }

  const dispatchesOf = async (repo: string, type: string) =>
    (await h.gh.state()).dispatches.filter((d) => d.repo === repo && d.event_type === type);

  /** Lets the app work off what it was sent (a second relay would have been sent by then). */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 2_500));

  it('relays a skipped run once, with the config name; repeated, forged and unknown-schedule events relay nothing', async () => {
    const { repo, installationId } = await freshRepo(h.gh, {
      '.github/codecloud.yml':
        'schedules:\n  - name: nightly-tests\n    cron: "*/15 * * * *"\n    prompt: Run the tests\n',
    });
    await pushMain(repo, installationId);
    const [schedule] = await waitUntil(
      async () => (await h.sim.control.schedules()).filter((s) => s.repo === repo && s.status === 'active'),
      (list) => list.length === 1,
    );
    expect(schedule?.webhook_url).toBe(`${h.app.url}/codecloud/webhook`);
    // The plan's one slot is taken when the schedule fires: codecloud skips the run.
    await h.sim.control.setPlan('test-key', 'starter');
    try {
      await h.sim.control.queueScripts({ runningMs: 10 * 60 * 60 * 1000 });
      const busy = await fetch(`${h.sim.url}/api/v1/agents`, {
        method: 'POST',
        headers: { authorization: 'Bearer test-key', 'content-type': 'application/json' },
        body: JSON.stringify({ repo: 'acme/elsewhere', prompt: 'hold the slot' }),
      });
      expect(busy.status).toBe(201);
      await h.sim.control.advance(16 * 60 * 1000);
    } finally {
      await h.sim.control.setPlan('test-key', 'pro');
    }
    const [skipped] = await waitUntil(
      () => dispatchesOf(repo, 'codecloud-schedule-skipped'),
      (list) => list.length > 0,
    );
    const fresh = (await h.sim.control.schedules()).find((s) => s.id === schedule?.id);
    expect(skipped?.client_payload).toEqual({
      schedule_id: schedule?.id,
      name: 'nightly-tests',
      reason: 'concurrent_limit',
      next_run_at: fresh?.next_run_at,
      total_skips: 1,
    });

    const event = {
      event: 'schedule.run.skipped',
      schedule_id: schedule?.id,
      reason: 'concurrent_limit',
      next_run_at: fresh?.next_run_at,
      total_skips: 1,
      created_at: new Date().toISOString(),
    };
    await deliver(event); // repeated
    await deliver({ ...event, total_skips: 7 }); // forged: codecloud counts one skip
    await deliver({ ...event, schedule_id: 'no-such-schedule' }); // unknown
    await settle();
    expect(await dispatchesOf(repo, 'codecloud-schedule-skipped')).toHaveLength(1);
    expect(
      (await h.gh.state()).dispatches.filter((d) => d.event_type.startsWith('codecloud-schedule')),
    ).toHaveLength(1);
  });

  it('relays a deletion once, only when the API confirms it', async () => {
    const { repo, installationId } = await freshRepo(h.gh, {
      '.github/codecloud.yml':
        'schedules:\n  - name: weekly-deps\n    cron: "0 4 * * 1"\n    prompt: Update deps\n',
    });
    await pushMain(repo, installationId);
    const [schedule] = await waitUntil(
      async () => (await h.sim.control.schedules()).filter((s) => s.repo === repo && s.status === 'active'),
      (list) => list.length === 1,
    );
    // Forged: the schedule is still active at codecloud.
    const event = {
      event: 'schedule.deleted',
      schedule_id: schedule?.id,
      created_at: new Date().toISOString(),
    };
    await deliver(event);
    await settle();
    expect(await dispatchesOf(repo, 'codecloud-schedule-deleted')).toHaveLength(0);

    await h.sim.control.setPlan('test-key', 'free'); // a downgrade deletes every active schedule
    await h.sim.control.setPlan('test-key', 'pro');
    const [deleted] = await waitUntil(
      () => dispatchesOf(repo, 'codecloud-schedule-deleted'),
      (list) => list.length > 0,
    );
    expect(deleted?.client_payload).toEqual({ schedule_id: schedule?.id, name: 'weekly-deps' });
    await deliver(event); // repeated
    await settle();
    expect(await dispatchesOf(repo, 'codecloud-schedule-deleted')).toHaveLength(1);
  });
});
