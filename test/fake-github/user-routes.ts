// The REST routes a user-to-server token (`ghu_…`, from the OAuth flow) reaches: who the user is, and the App's
// installations and repositories the user has explicit permission on (what `GET /user/installations` lists).
import { installationJson, repoJson, userJson } from './payloads.js';
import type { RestContext, RestRequest, RestResponse } from './rest-routes.js';
import type { FakeRepo } from './state.js';

type UserHandler = (ctx: RestContext, req: RestRequest, login: string) => RestResponse;

/** Installed repositories `login` has explicit permission on (or owns). */
function reposOf(ctx: RestContext, login: string): FakeRepo[] {
  const user = login.toLowerCase();
  return [...ctx.state.repos.values()].filter((repo) => {
    if (repo.isFork) return false;
    if (repo.owner.toLowerCase() === user) return true;
    const explicit = ctx.state.permissions.get(`${repo.fullName.toLowerCase()}#${user}`);
    return explicit !== undefined && explicit !== 'none';
  });
}

function page<T>(req: RestRequest, items: T[]): T[] {
  const perPage = Math.min(100, Math.max(1, Number(req.query.get('per_page') ?? 30) || 30));
  const pageNumber = Math.max(1, Number(req.query.get('page') ?? 1) || 1);
  return items.slice((pageNumber - 1) * perPage, pageNumber * perPage);
}

const getUser: UserHandler = (ctx, _req, login) => ({
  status: 200,
  body: userJson(ctx.urls, ctx.state.user(login)),
});

const listInstallations: UserHandler = (ctx, req, login) => {
  const ids = [...new Set(reposOf(ctx, login).map((repo) => repo.installationId))].sort((a, b) => a - b);
  return {
    status: 200,
    body: {
      total_count: ids.length,
      installations: page(req, ids).map((id) => installationJson(ctx.urls, ctx.app, ctx.state, id)),
    },
  };
};

const listInstallationRepos: UserHandler = (ctx, req, login) => {
  const id = Number(req.params.installation_id);
  const repos = reposOf(ctx, login).filter((repo) => repo.installationId === id);
  if (repos.length === 0) return { status: 404, body: { message: 'Not Found' } };
  return {
    status: 200,
    body: {
      total_count: repos.length,
      repositories: page(req, repos).map((repo) => repoJson(ctx.urls, ctx.state, repo)),
    },
  };
};

export const USER_ROUTES: Record<string, UserHandler> = {
  'GET /user': getUser,
  'GET /user/installations': listInstallations,
  'GET /user/installations/{installation_id}/repositories': listInstallationRepos,
};
