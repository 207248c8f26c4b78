/**
 * `/dashboard` and the pages under it: sign-in with GitHub (`dashboard-sign-in.ts`), then the runs list, a run's
 * page with its Stop button, and the usage view, all rendered here by `src/dashboard/`. A signed-out visitor sees the
 * sign-in page and nothing else; a run of a repository the viewer cannot read answers 404 as if it did not exist.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DASHBOARD_SCRIPT, DASHBOARD_STYLES } from '../dashboard/assets.js';
import { messagePage, signInPage, type Viewer } from '../dashboard/layout.js';
import { runPage } from '../dashboard/run-page.js';
import { type RunsFilter, runsPage } from '../dashboard/runs-page.js';
import { type UsageLimits, usagePage } from '../dashboard/usage-page.js';
import { messageOf } from '../error-messages.js';
import { gitHubUserApi, UserTokenRejected } from '../github/github-user-api.js';
import { utcDay, utcMonth } from '../limits/periods.js';
import type { Logger } from '../runs/run-deps.js';
import type { DashboardStopOutcome } from '../runs/stop-run.js';
import type { RepoUsage, Run, Store } from '../store/store.js';
import { LocalRunStatus } from '../vocabulary.js';
import { dashboardAccess, repoKey, type UserAccess } from './dashboard-access.js';
import { readForm, redirect, safeReturnTo, sameOrigin, sendAsset, sendPage } from './dashboard-http.js';
import { clearedCookie, type DashboardSession, SESSION_COOKIE, sameToken } from './dashboard-session.js';
import { dashboardSignIn } from './dashboard-sign-in.js';

export interface DashboardRouteOptions {
  /** The App's OAuth client (`GITHUB_CLIENT_ID`, `GITHUB_CLIENT_SECRET`). */
  clientId: string;
  clientSecret: string;
  /** GitHub's web address (`https://github.com` or the GHE host) and REST base. */
  webUrl: string;
  apiUrl: string;
  /** `PUBLIC_URL`: the callback URL's base and whether cookies are `Secure`; else taken from the request. */
  publicUrl: string | undefined;
  store: Store;
  /** The Stop button: checks the user's permission now and stops the run as `/codecloud stop` does. */
  stop(run: Run, login: string): Promise<DashboardStopOutcome>;
  /** The operator's limits, shown in the usage view. */
  limits: UsageLimits;
  log: Logger;
  now?: () => number;
  fetch?: typeof fetch;
  /** How long the user's repositories are trusted before GitHub is asked again (at most 10 minutes). */
  recheckAccessMs?: number;
}

const PAGE_SIZE = 50;
/** How long one replica reuses the usage figures (they are a month's sums; a few seconds late is fine). */
const USAGE_TTL_MS = 30_000;
const RUN_PATH = /^\/dashboard\/runs\/([0-9a-f-]{36})(\/stop)?$/;

function filterOf(url: URL): RunsFilter {
  const status = LocalRunStatus.safeParse(url.searchParams.get('status'));
  const repo = url.searchParams.get('repo')?.trim();
  const person = url.searchParams.get('person')?.trim();
  return {
    ...(repo ? { repo: repo.slice(0, 200) } : {}),
    ...(status.success ? { status: status.data } : {}),
    ...(person ? { person: person.slice(0, 100) } : {}),
  };
}

export function dashboardRoute(options: DashboardRouteOptions) {
  const now = options.now ?? Date.now;
  const api = gitHubUserApi({
    webUrl: options.webUrl,
    apiUrl: options.apiUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const access = dashboardAccess({
    api,
    now,
    ...(options.recheckAccessMs !== undefined ? { recheckMs: options.recheckAccessMs } : {}),
  });
  const signIn = dashboardSignIn({ ...options, api, now });
  const { store } = options;
  // Usage is the limits' own counters (what `/codecloud usage` and the metrics say), one row per repository and
  // period, shared by every viewer of this replica for `USAGE_TTL_MS`.
  let usage: { at: number; day: string; rows: Promise<RepoUsage[]> } | undefined;
  function usageNow(at: number): Promise<RepoUsage[]> {
    const day = utcDay(at);
    if (usage && usage.day === day && at - usage.at < USAGE_TTL_MS) return usage.rows;
    const rows = store.usage.repositoryUsage({ day, month: utcMonth(at) });
    usage = { at, day, rows };
    rows.catch(() => {
      if (usage?.rows === rows) usage = undefined;
    });
    return rows;
  }

  async function runsList(res: ServerResponse, url: URL, viewer: Viewer, mine: UserAccess): Promise<void> {
    const filter = filterOf(url);
    const chosen = filter.repo ? mine.byName.get(filter.repo.toLowerCase()) : undefined;
    const repos = filter.repo ? (chosen ? [{ owner: chosen.owner, repo: chosen.repo }] : []) : mine.repos;
    const before = url.searchParams.get('before') ?? undefined;
    const runs = await store.listDashboardRuns({
      repos,
      ...(filter.status ? { statuses: [filter.status] } : {}),
      ...(filter.person ? { requestedBy: filter.person } : {}),
      ...(before ? { beforeId: before } : {}),
      limit: PAGE_SIZE + 1,
    });
    const shown = runs.slice(0, PAGE_SIZE);
    sendPage(
      res,
      200,
      runsPage({
        viewer,
        repos: mine.repos.map((r) => `${r.owner}/${r.repo}`).sort(),
        filter,
        runs: shown,
        olderCursor: runs.length > PAGE_SIZE ? shown.at(-1)?.id : undefined,
        paged: before !== undefined,
      }),
    );
  }

  /** The run, when it exists and the viewer can read its repository. */
  async function visibleRun(id: string, mine: UserAccess): Promise<Run | undefined> {
    const run = await store.getRun(id);
    return run && mine.byName.has(repoKey(run.owner, run.repo)) ? run : undefined;
  }

  async function runRoute(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    match: RegExpExecArray,
    viewer: Viewer,
    session: DashboardSession,
    mine: UserAccess,
  ): Promise<void> {
    const run = await visibleRun(match[1] ?? '', mine);
    if (!run) {
      const body = messagePage({ title: 'Not found', message: 'No such run, or you cannot see it.', viewer });
      sendPage(res, 404, body);
      return;
    }
    if (match[2] === undefined) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendPage(res, 405, 'Method Not Allowed');
      const stopped = url.searchParams.get('stop');
      const notice =
        stopped === 'stopped'
          ? 'Stopped.'
          : stopped === 'not-active'
            ? 'The run had already ended.'
            : undefined;
      sendPage(
        res,
        200,
        runPage({ viewer, run, events: await store.listRunEvents(run.id), ...(notice ? { notice } : {}) }),
      );
      return;
    }
    if (req.method !== 'POST') return sendPage(res, 405, 'Method Not Allowed');
    const form = await readForm(req);
    if (!form || !sameOrigin(req) || !sameToken(form.get('csrf') ?? '', session.csrf)) {
      sendPage(
        res,
        403,
        messagePage({
          title: 'Refused',
          message: 'The form is stale; reload the page and try again.',
          viewer,
        }),
      );
      return;
    }
    const outcome = await options.stop(run, session.login);
    if (outcome === 'not-allowed') {
      const message = `You (${session.login}) do not have the permission this repository asks for to stop runs.`;
      sendPage(res, 403, messagePage({ title: 'Not allowed', message, viewer }));
      return;
    }
    redirect(res, `/dashboard/runs/${run.id}?stop=${outcome}`, { status: 303 });
  }

  async function signedIn(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    session: DashboardSession,
  ): Promise<void> {
    const secure = signIn.secure(req);
    if (url.pathname === '/dashboard/logout') {
      const form = req.method === 'POST' ? await readForm(req) : undefined;
      if (!form || !sameOrigin(req) || !sameToken(form.get('csrf') ?? '', session.csrf)) {
        sendPage(
          res,
          403,
          messagePage({ title: 'Refused', message: 'Sign out with the button on the page.' }),
        );
        return;
      }
      access.forget(session.token);
      redirect(res, '/dashboard', { status: 303, cookies: [clearedCookie(SESSION_COOKIE, secure)] });
      return;
    }
    let mine: UserAccess;
    try {
      mine = await access.of(session.token);
    } catch (error) {
      if (error instanceof UserTokenRejected) {
        const page = signInPage({
          returnTo: safeReturnTo(url.pathname + url.search),
          message: 'Your GitHub sign-in has ended.',
        });
        sendPage(res, 401, page, { 'set-cookie': [clearedCookie(SESSION_COOKIE, secure)] });
        return;
      }
      options.log.warn(`dashboard: reading ${session.login}'s repositories failed: ${messageOf(error)}`);
      sendPage(res, 502, messagePage({ title: 'GitHub did not answer', message: 'Try again in a moment.' }));
      return;
    }
    const viewer: Viewer = { login: session.login, csrf: session.csrf, webUrl: options.webUrl, now: now() };
    const run = RUN_PATH.exec(url.pathname);
    if (run) return runRoute(req, res, url, run, viewer, session, mine);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendPage(res, 405, 'Method Not Allowed');
    if (url.pathname === '/dashboard' || url.pathname === '/dashboard/')
      return runsList(res, url, viewer, mine);
    if (url.pathname === '/dashboard/usage') {
      // The counters' names are lower case: shown as the viewer's repositories spell them.
      const usage = (await usageNow(viewer.now)).flatMap((u) => {
        const named = mine.byName.get(repoKey(u.owner, u.repo));
        return named ? [{ ...u, owner: named.owner, repo: named.repo }] : [];
      });
      sendPage(res, 200, usagePage({ viewer, usage, limits: options.limits }));
      return;
    }
    sendPage(res, 404, messagePage({ title: 'Not found', message: 'There is no such page.', viewer }));
  }

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/dashboard' && !url.pathname.startsWith('/dashboard/')) return false;
    if (url.pathname === '/dashboard/assets/dashboard.js') {
      sendAsset(res, 'text/javascript', DASHBOARD_SCRIPT);
      return true;
    }
    if (url.pathname === '/dashboard/assets/dashboard.css') {
      sendAsset(res, 'text/css', DASHBOARD_STYLES);
      return true;
    }
    if (url.pathname === '/dashboard/login' || url.pathname === '/dashboard/callback') {
      await signIn.handle(req, res, url);
      return true;
    }
    const session = await signIn.cookies.session(req);
    if (!session) {
      const returnTo = safeReturnTo(url.pathname + url.search);
      const status = req.method === 'GET' || req.method === 'HEAD' ? 200 : 401;
      sendPage(res, status, signInPage({ returnTo }));
      return true;
    }
    await signedIn(req, res, url, session);
    return true;
  };
}

/** Without `GITHUB_CLIENT_ID` every dashboard path answers a bare 404. */
export function dashboardDisabledRoute() {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path !== '/dashboard' && !path.startsWith('/dashboard/')) return false;
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Not Found');
    return true;
  };
}
