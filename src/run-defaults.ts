/**
 * What a run gets when nobody says otherwise: the defaults of `timeout_minutes` and `max_concurrent_runs` in
 * `.github/codecloud.yml`, what a stored run without them is held to, and the Action's `timeout-minutes` and
 * `max-parallel` defaults (which `action.yml` states too; a test keeps them equal).
 */

/** How long a run may take before it is stopped, in minutes. */
export const DEFAULT_TIMEOUT_MINUTES = 60;

/** How many runs of one installation may hold a slot (start or run at codecloud) at once. */
export const DEFAULT_MAX_CONCURRENT_RUNS = 5;

/** How many of the Action's `tasks` are in flight at once. */
export const DEFAULT_ACTION_MAX_PARALLEL = 5;
