// Control routes for checks: CI finishing a check suite on a commit (with its check runs and Actions job logs), a
// push to a pull request's branch, a click on a check run's button, and an installation's granted permissions.
import { createHash } from 'node:crypto';
import { ACTIONS_APP, checkRunJson, checkSuiteJson, pullsAt } from './check-routes.js';
import {
  type Body,
  ControlError,
  type ControlHandler,
  deliver,
  int,
  issueFrom,
  ok,
  payloadBase,
  repoFrom,
  str,
} from './control-routes.js';
import { installationJson, userJson } from './payloads.js';
import type { FakeCheckRun, FakeCheckSuite, FakeJobLog } from './state.js';

function logOf(value: unknown): FakeJobLog | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const lines = (x: unknown): string[] => (Array.isArray(x) ? x.map(String) : []);
  const filler = v.filler as { lines?: unknown; text?: unknown } | undefined;
  return {
    head: lines(v.head),
    tail: lines(v.tail),
    ...(filler && typeof filler.lines === 'number'
      ? { filler: { lines: filler.lines, text: String(filler.text ?? 'log line') } }
      : {}),
  };
}

function shaOf(ctx: Parameters<ControlHandler>[0], body: Body): string {
  if (typeof body.sha === 'string') return body.sha;
  const repo = repoFrom(ctx, body);
  const pull = issueFrom(ctx, repo, body).pull;
  if (!pull) throw new ControlError(400, 'give "sha", or "number" of a pull request');
  return pull.headSha;
}

export const CHECK_CONTROL_ROUTES: Record<string, ControlHandler> = {
  /**
   * CI ran on a commit: `{repo, number | sha, app?: 'github-actions' | slug, status?: 'completed' | 'in_progress',
   * runs: [{name, conclusion?, output?: {title, summary, text}, log?: {head, filler?: {lines, text}, tail}}],
   * send?: true}`. A completed suite sends `check_suite` `completed` (as GitHub does to every app with checks).
   */
  'POST /_fake/check-suites': async (ctx, body) => {
    const repo = repoFrom(ctx, body);
    const sha = shaOf(ctx, body);
    const slug = str(body, 'app', ACTIONS_APP.slug);
    const app = slug === ACTIONS_APP.slug ? ACTIONS_APP : { id: 20_000 + slug.length, slug };
    const status = body.status === 'in_progress' ? 'in_progress' : 'completed';
    const pull = [...ctx.state.issues.values()].find(
      (i) => i.repo === repo.fullName && i.pull?.headSha === sha,
    )?.pull;
    const suite: FakeCheckSuite = {
      id: ctx.state.id(),
      repo: repo.fullName,
      headSha: sha,
      headBranch: pull?.head ?? null,
      app,
      status,
      conclusion: null,
    };
    ctx.state.checkSuites.push(suite);
    const runs = Array.isArray(body.runs) ? (body.runs as Body[]) : [];
    const at = new Date(ctx.nowMs()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    for (const spec of runs) {
      const output = (spec.output ?? {}) as Record<string, unknown>;
      const log = logOf(spec.log);
      const run: FakeCheckRun = {
        id: ctx.state.id(),
        suiteId: suite.id,
        repo: repo.fullName,
        headSha: sha,
        name: str(spec, 'name'),
        status: status === 'completed' ? 'completed' : 'in_progress',
        conclusion: status === 'completed' ? str(spec, 'conclusion', 'success') : null,
        externalId: null,
        detailsUrl: null,
        output: {
          title: typeof output.title === 'string' ? output.title : null,
          summary: typeof output.summary === 'string' ? output.summary : null,
          text: typeof output.text === 'string' ? output.text : null,
        },
        actions: [],
        startedAt: at,
        completedAt: status === 'completed' ? at : null,
        updates: 0,
        ...(log ? { log } : {}),
      };
      if (app.slug === ACTIONS_APP.slug)
        run.detailsUrl = `${ctx.urls.web}/${repo.fullName}/actions/runs/1/job/${run.id}`;
      ctx.state.checkRuns.push(run);
    }
    const suiteRuns = ctx.state.checkRuns.filter((r) => r.suiteId === suite.id);
    if (status === 'completed') {
      suite.conclusion = suiteRuns.some((r) => r.conclusion === 'failure' || r.conclusion === 'timed_out')
        ? 'failure'
        : 'success';
    }
    let deliveryId: string | undefined;
    if (status === 'completed' && body.send !== false) {
      deliveryId = await deliver(ctx, body, 'check_suite', {
        ...payloadBase(ctx.urls, ctx.state, repo, 'completed', str(body, 'sender', 'github-actions[bot]')),
        check_suite: checkSuiteJson(ctx, repo, suite),
      });
    }
    return ok(
      { id: suite.id, sha, runs: suiteRuns.map((r) => r.id), ...(deliveryId ? { deliveryId } : {}) },
      201,
    );
  },
  /** A push to a pull request's head branch: `{repo, number, user, sha?}`; the PR's head moves, `push` is sent. */
  'POST /_fake/pushes': async (ctx, body) => {
    const repo = repoFrom(ctx, body);
    const issue = issueFrom(ctx, repo, body);
    if (!issue.pull) throw new ControlError(400, `${repo.fullName}#${issue.number} is not a pull request`);
    const user = ctx.state.user(str(body, 'user'));
    const before = issue.pull.headSha;
    const after =
      typeof body.sha === 'string'
        ? body.sha
        : createHash('sha1').update(`${before}:${ctx.state.id()}`).digest('hex');
    issue.pull.headSha = after;
    const commit = {
      id: after,
      tree_id: after,
      distinct: true,
      message: str(body, 'message', 'Update'),
      timestamp: new Date(ctx.nowMs()).toISOString(),
      url: `${ctx.urls.web}/${repo.fullName}/commit/${after}`,
      author: { name: user.login, email: `${user.login}@example.com`, username: user.login },
      committer: { name: user.login, email: `${user.login}@example.com`, username: user.login },
      added: [],
      removed: [],
      modified: ['src/index.ts'],
    };
    const base = payloadBase(ctx.urls, ctx.state, repo, 'push', user.login);
    delete base.action;
    const deliveryId = await deliver(ctx, body, 'push', {
      ...base,
      ref: `refs/heads/${issue.pull.head}`,
      before,
      after,
      created: false,
      deleted: false,
      forced: false,
      base_ref: null,
      compare: `${ctx.urls.web}/${repo.fullName}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`,
      commits: [commit],
      head_commit: commit,
      pusher: { name: user.login, email: `${user.login}@example.com` },
    });
    return ok({ sha: after, deliveryId }, 201);
  },
  /** A click on a check run's button: `{repo, checkRunId, user, identifier}` sends `check_run` `requested_action`. */
  'POST /_fake/check-run-actions': async (ctx, body) => {
    const repo = repoFrom(ctx, body);
    const run = ctx.state.checkRuns.find((r) => r.id === int(body, 'checkRunId') && r.repo === repo.fullName);
    if (!run) throw new ControlError(404, 'unknown check run');
    const user = ctx.state.user(str(body, 'user'));
    const deliveryId = await deliver(ctx, body, 'check_run', {
      ...payloadBase(ctx.urls, ctx.state, repo, 'requested_action', user.login),
      check_run: { ...checkRunJson(ctx, repo, run), pull_requests: pullsAt(ctx, repo, run.headSha) },
      requested_action: { identifier: str(body, 'identifier') },
      sender: userJson(ctx.urls, user),
    });
    return ok({ deliveryId }, 201);
  },
  /** What an installation has accepted: `{installationId, permissions}` (tokens get at most these). */
  'PUT /_fake/installation-permissions': (ctx, body) => {
    const permissions = body.permissions;
    if (typeof permissions !== 'object' || permissions === null)
      throw new ControlError(400, '"permissions" (object) is required');
    ctx.state.installationPermissions.set(int(body, 'installationId'), permissions as Record<string, string>);
    return ok({ set: true });
  },
  /**
   * An owner accepts the app's updated permissions: `{installationId, user?}`. The installation gets all of them (new
   * tokens do; tokens made before keep theirs) and `installation` `new_permissions_accepted` is sent, as GitHub does.
   */
  'POST /_fake/installation-permissions/accept': async (ctx, body) => {
    const installationId = int(body, 'installationId');
    ctx.state.installationPermissions.delete(installationId);
    const sender = ctx.state.user(str(body, 'user', 'codecloud-test'));
    const repositories = [...ctx.state.repos.values()]
      .filter((r) => r.installationId === installationId && !r.isFork)
      .map((r) => ({
        id: r.id,
        node_id: Buffer.from(`010:Repository${r.id}`).toString('base64'),
        name: r.name,
        full_name: r.fullName,
        private: r.private,
      }));
    const deliveryId = await deliver(ctx, body, 'installation', {
      action: 'new_permissions_accepted',
      installation: installationJson(ctx.urls, ctx.app, ctx.state, installationId),
      repositories,
      sender: userJson(ctx.urls, sender),
    });
    return ok({ deliveryId }, 201);
  },
};
