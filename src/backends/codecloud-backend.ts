/** The codecloud REST API as an `AgentBackend`. */
import { type CodecloudClient, lostCreateMatch } from '../codecloud/client.js';
import { answerMayBeLost, isCodecloudError } from '../codecloud/errors.js';
import type { RunDetail } from '../codecloud/schemas.js';
import { definedProps } from '../objects.js';
import type { AgentBackend, BackendRunView } from './agent-backend.js';

export interface CodecloudBackendOptions {
  client: CodecloudClient;
  /**
   * The client made with `retries: 0`, for creates and their look-ups (a create whose answer was lost is looked up
   * once and never sent again; the orchestration keeps looking it up for a while) and for `listRecent` (only a
   * shortcut: a 429 or an outage must not hold the reconciler for minutes of retries; the next sweep or pass reads
   * again). Default: `client`.
   */
  createClient?: Pick<CodecloudClient, 'createRun' | 'findRecentRun' | 'listRuns'> | undefined;
  /** `PUBLIC_URL + "/codecloud/webhook"`; unset: completion is found by polling. */
  webhookUrl?: string | undefined;
}

/** Runs `listRecent` asks for: the most `GET /api/v1/agents` returns (it has no paging). */
const LIST_RECENT_LIMIT = 100;

export function codecloudBackend(options: CodecloudBackendOptions): AgentBackend {
  const { client } = options;
  const creates = options.createClient ?? client;
  return {
    name: 'codecloud',
    async start(request) {
      try {
        const created = await creates.createRun(
          definedProps({
            repo: request.repo,
            prompt: request.prompt,
            mode: request.mode,
            auto_create_pr: request.autoCreatePr,
            branch: request.branch || undefined,
            model: request.model || undefined,
            provider: request.provider || undefined,
            agent_provider: request.agentProvider,
            webhook_url: options.webhookUrl || undefined,
          }),
        );
        return { kind: 'started', remoteRunId: created.id, title: created.title };
      } catch (error) {
        if (isCodecloudError(error) && error.limitReached) {
          return { kind: 'limit-reached', retryAfterMs: error.retryAfterMs, message: error.message };
        }
        if (answerMayBeLost(error)) return { kind: 'unknown', message: (error as Error).message };
        throw error;
      }
    },
    async followUp(remoteRunId, request) {
      try {
        await client.sendMessage(
          remoteRunId,
          definedProps({
            prompt: request.prompt,
            update_pr: request.updatePr,
            idempotency_key: request.idempotencyKey,
            mode: request.mode,
          }),
        );
        return { kind: 'sent' };
      } catch (error) {
        if (isCodecloudError(error) && error.limitReached)
          return { kind: 'limit-reached', message: error.message };
        throw error;
      }
    },
    async stop(remoteRunId) {
      await client.stopRun(remoteRunId);
    },
    async get(remoteRunId) {
      return toView(await client.getRun(remoteRunId));
    },
    async findStarted(request, since) {
      const found = await creates.findRecentRun({
        ...lostCreateMatch({
          prompt: request.prompt,
          repo: request.repo,
          mode: request.mode,
          model: request.model,
          provider: request.provider,
        }),
        since,
      });
      return found ? definedProps({ remoteRunId: found.id, title: found.title || undefined }) : undefined;
    },
    async listRecent() {
      const { runs } = await creates.listRuns({ limit: LIST_RECENT_LIMIT });
      return runs.map((run) => ({ remoteRunId: run.id, status: run.status }));
    },
  };
}

function toView(run: RunDetail): BackendRunView {
  const prs = run.prs.map((pr) =>
    definedProps({
      repo: pr.repo,
      number: pr.number,
      url: pr.url,
      branch: pr.branch,
      title: pr.title || undefined,
    }),
  );
  if (prs.length === 0 && run.pr_url && run.pr_number !== undefined && run.repo) {
    prs.push({ repo: run.repo, number: run.pr_number, url: run.pr_url, branch: '' });
  }
  return {
    status: run.status,
    repo: run.repo,
    title: run.title,
    result: run.result,
    plan: run.plan,
    error: run.error,
    prs,
    inputTokens: run.input_tokens,
    outputTokens: run.output_tokens,
    startedAt: run.startedAt,
    completedAt: run.completedAt,
  };
}
