/** What the runtime adapter (`action/`) hands the Action's logic: logging, time, cancellation and state. */
import type { Clock } from './clock.js';
import type { ActionOutputs } from './input-names.js';
import type { ActionSettings } from './settings.js';

export interface ActionLog {
  info(text: string): void;
  warning(text: string): void;
  /** A notice annotation (e.g. the PR link). */
  notice(text: string, title?: string): void;
  /** A collapsed log group holding `lines`. */
  group(title: string, lines: readonly string[]): void;
}

/** A run the step is waiting on: the post step stops these when the main step could not. */
export interface ActiveRun {
  id: string;
  name: string;
}

/**
 * A create sent but not answered (yet): if the step is cancelled before the answer, the post step looks the run up
 * with these fields (as the codecloud client does for a lost answer) and stops it.
 */
export interface PendingCreate {
  name: string;
  prompt: string;
  repo?: string | undefined;
  mode?: string | undefined;
  model?: string | undefined;
  provider?: string | undefined;
  /** When the create was sent (ms since the epoch). */
  sentAt: number;
}

/** What the main step left for the post step: runs to stop, and creates whose answer it never saw. */
export interface Leftovers {
  runs: readonly ActiveRun[];
  pending: readonly PendingCreate[];
}

export interface ActionContext {
  log: ActionLog;
  clock: Clock;
  /** Aborted when the runner cancels the step (SIGINT, then SIGTERM). */
  signal: AbortSignal;
  /** Internal, tests only (`CODECLOUD_ACTION_POLL_SCALE`): multiplies poll and retry delays. */
  pollScale: number;
  random: () => number;
  /** Told every time the set of runs the step waits on changes (saved with `saveState`). */
  onActiveRuns(runs: readonly ActiveRun[]): void;
  /** Told every time the set of creates in flight changes (saved with `saveState`, before each create is sent). */
  onPendingCreates?(creates: readonly PendingCreate[]): void;
}

export interface ActionOutcome {
  outputs: ActionOutputs;
  /** Markdown for the job summary. */
  summary: string;
  /** Set when the step must fail; the message says why. */
  failure?: string | undefined;
}

/** What the post step needs: enough to stop the runs the main step left behind. */
export interface CleanupSettings {
  backend: ActionSettings['backend'];
  apiKey: string;
  apiUrl: string;
  stopOnCancel: boolean;
}

/** One backend of the Action (codecloud, Cloud Coding): `main` runs the command, `cleanup` serves the post step. */
export interface ActionBackend {
  main(settings: ActionSettings, context: ActionContext): Promise<ActionOutcome>;
  cleanup(settings: CleanupSettings, leftovers: Leftovers, context: ActionContext): Promise<void>;
}
