/**
 * The Action's status comment (`comment`) over one step: posted (or found, on a re-run) before anything starts,
 * told of every task's change, and ended with the final results. The adapter provides GitHub's side and the marker's
 * parts; the body is `status-comment-body.ts`, the pacing `comment-keeper.ts`.
 */

import type { RunMode } from '../vocabulary.js';
import type { ActionContext } from './action-context.js';
import { COMMENT_EDIT_INTERVAL_MS, type CommentApi, commentKeeper } from './comment-keeper.js';
import type { TaskResult } from './run-tasks.js';
import { type CommonSettings, stepSecrets, timeoutInMinutes } from './settings.js';
import {
  actionMarker,
  type CommentIdentity,
  type CommentTask,
  renderActionComment,
} from './status-comment-body.js';

export interface StatusCommentDeps {
  api: CommentApi;
  identity: CommentIdentity;
  /** `GITHUB_ACTOR` */
  requestedBy: string;
  /** Told the comment while it is not final, and `undefined` once it is (the post step ends a comment left running). */
  onPosted?(comment: { id: number } | undefined): void;
}

export interface CommentSession {
  update(task: string, result: Readonly<TaskResult>): void;
  finish(results: readonly TaskResult[]): Promise<string | undefined>;
}

export interface CommentPlan {
  /** The tasks' names, in order. */
  names: readonly string[];
  /** Tasks from the `tasks` input: each gets a heading. */
  named: boolean;
  mode: RunMode;
  kind: 'run' | 'follow-up';
  settings: CommonSettings;
}

/** Resolves once the comment is posted (or GitHub refused, with a warning); `undefined` without `comment`. */
export async function startComment(
  setup: StatusCommentDeps | { unavailable: string } | undefined,
  plan: CommentPlan,
  context: ActionContext,
): Promise<CommentSession | undefined> {
  if (setup === undefined) return undefined;
  if ('unavailable' in setup) {
    context.log.warning(`No status comment: ${setup.unavailable}`);
    return undefined;
  }
  const { clock } = context;
  const { settings } = plan;
  const tasks = new Map<string, CommentTask>(
    plan.names.map((name) => [
      name,
      {
        name,
        result: { name, runId: undefined, status: 'queued', run: undefined, error: undefined, lines: [] },
      },
    ]),
  );
  const render = () =>
    renderActionComment(
      {
        identity: setup.identity,
        tasks: [...tasks.values()],
        named: plan.named,
        mode: plan.mode,
        kind: plan.kind,
        requestedBy: setup.requestedBy,
        timeoutMinutes: timeoutInMinutes(settings),
        knownSecrets: stepSecrets(settings),
      },
      clock.now(),
    );
  const keeper = commentKeeper({
    api: setup.api,
    marker: actionMarker(setup.identity),
    render,
    clock,
    log: context.log,
    minIntervalMs: COMMENT_EDIT_INTERVAL_MS * context.pollScale,
  });
  await keeper.start();
  const posted = keeper.posted();
  if (posted) setup.onPosted?.(posted);
  return {
    update(task, result) {
      const before = tasks.get(task);
      const runningSince = before?.runningSince ?? (result.status === 'running' ? clock.now() : undefined);
      tasks.set(task, { name: task, result: { ...result }, runningSince });
      keeper.changed();
    },
    async finish(results) {
      for (const result of results) {
        const before = tasks.get(result.name);
        tasks.set(result.name, { name: result.name, result, runningSince: before?.runningSince });
      }
      const url = await keeper.finish();
      if (posted) setup.onPosted?.(undefined);
      return url;
    },
  };
}
