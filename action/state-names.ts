/** Saved by the main step at start: the post step (same bundle) recognises itself by it, like actions/checkout. */
export const IS_POST_STATE = 'isPost';
/** JSON list of `{id, name}`: the runs the main step is waiting on. Empty after a normal finish. */
export const ACTIVE_RUNS_STATE = 'active-runs';
/** JSON list of creates sent whose answer the main step has not seen (saved before sending). Empty after a finish. */
export const PENDING_CREATES_STATE = 'pending-creates';
/** JSON `{id, owner, repo, number}` of the status comment while it is not final; empty once the main step ended it. */
export const STATUS_COMMENT_STATE = 'status-comment';
