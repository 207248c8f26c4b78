/**
 * Keeps the Action's one status comment: finds the comment a re-run of the same job left (by its marker) or posts
 * one, then edits it in place, at most once per 10 s while the runs go on, and always once at the end with the
 * final state. A GitHub refusal (a missing permission) becomes one warning naming the permissions, and the runs go
 * on without the comment.
 */
import { messageOf } from '../error-messages.js';
import type { ActionLog } from './action-context.js';
import type { Clock } from './clock.js';

export interface PostedComment {
  id: number;
  url: string;
}

/** The comment's GitHub side (`action/github-comment.ts`), on one issue or pull request. */
export interface CommentApi {
  /** Where the comment goes, for messages: `owner/repo#12`. */
  readonly where: string;
  /** The comment holding `marker`, if one exists. */
  find(marker: string): Promise<PostedComment | undefined>;
  create(body: string): Promise<PostedComment>;
  update(id: number, body: string): Promise<PostedComment>;
}

export interface CommentKeeperOptions {
  api: CommentApi;
  marker: string;
  /** The body now; `final` at the end. */
  render(): string;
  clock: Clock;
  log: ActionLog;
  /** Shortest time between two edits while the runs go on (ms). */
  minIntervalMs: number;
}

export interface CommentKeeper {
  /** Finds or posts the comment with the current body. */
  start(): Promise<void>;
  /** Something changed: edit now, or at the end of the 10 s window. */
  changed(): void;
  /** The final edit (never throttled). Resolves with the comment's URL, if there is one. */
  finish(): Promise<string | undefined>;
  /** The comment, once posted (and GitHub did not refuse). */
  posted(): PostedComment | undefined;
}

export const COMMENT_EDIT_INTERVAL_MS = 10_000;

export function commentKeeper(options: CommentKeeperOptions): CommentKeeper {
  const { api, clock, log } = options;
  let comment: PostedComment | undefined;
  let disabled = false;
  let lastBody = '';
  let lastEditAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<void> = Promise.resolve();
  let timer: AbortController | undefined;
  let finished = false;

  const refuse = (error: unknown): void => {
    disabled = true;
    const status = (error as { status?: unknown }).status;
    const what = messageOf(error);
    log.warning(
      status === 403 || status === 404 || status === 401
        ? `Cannot write the status comment on ${api.where}: GitHub answered ${status} (${what}). ` +
            'Give the job `permissions: issues: write` and `pull-requests: write` (or pass a github-token that has them); the run goes on without the comment.'
        : `Cannot write the status comment on ${api.where}: ${what}; the run goes on without it.`,
    );
  };

  const write = (): Promise<void> => {
    inFlight = inFlight.then(async () => {
      if (disabled) return;
      const body = options.render();
      if (comment && body === lastBody) return;
      lastEditAt = clock.now();
      try {
        comment = comment ? await api.update(comment.id, body) : await api.create(body);
        lastBody = body;
      } catch (error) {
        refuse(error);
      }
    });
    return inFlight;
  };

  return {
    async start() {
      try {
        comment = await api.find(options.marker);
        if (comment) log.info(`Status comment: editing ${comment.url} (left by an earlier run of this job)`);
      } catch (error) {
        refuse(error);
        return;
      }
      await write();
      if (comment && !disabled) log.info(`Status comment: ${comment.url}`);
    },
    changed() {
      if (disabled || finished || timer) return;
      const wait = lastEditAt + options.minIntervalMs - clock.now();
      if (wait <= 0) {
        void write();
        return;
      }
      const pending = new AbortController();
      timer = pending;
      void clock.sleep(wait, pending.signal).then(() => {
        if (timer === pending) timer = undefined;
        if (!pending.signal.aborted && !finished) void write();
      });
    },
    posted: () => (disabled ? undefined : comment),
    async finish() {
      finished = true;
      timer?.abort();
      timer = undefined;
      await write();
      return disabled ? undefined : comment?.url;
    },
  };
}
