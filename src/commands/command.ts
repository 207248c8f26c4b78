/** What a `/codecloud …` comment asks for, once parsed (docs/app.md, Commands). */
import type { AgentProvider, Backend } from '../vocabulary.js';

/** Per-command overrides, from `--model=…` and friends; absent when not given. */
export interface CommandOptions {
  /** `--model=…` */
  model?: string;
  /** `--provider=…` */
  provider?: string;
  /** `--agent=opencode|claude-code` */
  agentProvider?: AgentProvider;
  /** `--branch=…`: the base branch of a new run. */
  branch?: string;
  /** `--no-pr`: don't open a pull request (`auto_create_pr: false`). */
  noPr?: true;
  /** `--backend=codecloud|cloudcoding` */
  backend?: Backend;
  /** `--new`: Cloud Coding starts a fresh conversation instead of continuing the thread's. */
  fresh?: true;
}

export type Command =
  /**
   * `/codecloud <instruction>`. An empty instruction (`/codecloud` alone) means "the thread is the task": on an issue
   * the title and body are the work to do, as when the trigger label is added.
   */
  | { kind: 'execute'; instruction: string; options: CommandOptions }
  /** `/codecloud plan <instruction>`: a run in `mode: plan`; the final comment shows the plan. */
  | { kind: 'plan'; instruction: string; options: CommandOptions }
  /** `/codecloud approve`: carry out the thread's last completed plan; `note` is any text on the following lines. */
  | { kind: 'approve'; note: string }
  /** `/codecloud stop`: stop the thread's active run. */
  | { kind: 'stop' }
  /** `/codecloud status`: refresh the thread's status comment from the API. */
  | { kind: 'status' }
  /** `/codecloud help`: usage, config keys and the caller's permission. */
  | { kind: 'help' }
  /** `/codecloud usage`: the repository's and the caller's usage against the limits in force. */
  | { kind: 'usage' };

/** One thing wrong with a command line's options, named so the reply can quote it. */
export interface OptionProblem {
  /** What the problem is about: an option (the default) or the instruction itself (too long). */
  subject?: 'option' | 'instruction';
  /** The option as written, e.g. `--modle` (`instruction` for the instruction). */
  option: string;
  /** Its value as written, when it had one. */
  value?: string;
  /** What is wrong: `unknown option`, `must be one of opencode, claude-code`, … */
  message: string;
  /** The known option the user probably meant, e.g. `--model` for `--modle`. */
  suggestion?: string;
}

export type ParsedComment =
  /** The comment holds no command line: not for us. */
  | { kind: 'none' }
  | { kind: 'command'; command: Command; line: string }
  /** A command line whose options are wrong: reply with the problems; nothing runs. */
  | { kind: 'invalid'; problems: OptionProblem[]; line: string };
