/**
 * `.github/codecloud.yml` (docs/app.md, Configuration), validated with zod. The app reads the YAML with Probot's config
 * loader (org-wide defaults, `_extends`) and hands the parsed value to {@link parseRepoConfig}.
 *
 * Decisions:
 * - Wrong types and values are errors that quote the key and the value
 *   (`min_permission: must be one of read, triage, write, maintain, admin (got 'owner')`); with an error nothing runs.
 * - Unknown keys are tolerated (an org-wide file may be shared with newer versions, and Probot's loader leaves
 *   `_extends` in place) but reported as warnings, with the key meant when it looks like a typo.
 * - A key written with no value (`model:` in YAML, i.e. `null`) counts as not set, so it takes its default.
 * - A schedule has `cron` (5 fields, runs at least 15 minutes apart) or `run_at` (ISO 8601 with a time zone), not
 *   both. Whether a `run_at` is still in the future is for the schedule sync to decide, with its clock: a one-off
 *   schedule that already ran stays valid config.
 */
import { z } from 'zod';
import type { CommandOptions } from '../commands/command.js';
import { LimitsConfig } from '../limits/limits-config.js';
import { DEFAULT_MAX_CONCURRENT_RUNS, DEFAULT_TIMEOUT_MINUTES } from '../run-defaults.js';
import { checkCron, parseIsoDateTime } from '../schedules/cron-check.js';
import { isValidBranchName } from '../text/branch-name.js';
import { closestName } from '../text/closest-name.js';
import { AgentProvider, Backend, PermissionLevel, RunMode } from '../vocabulary.js';

/** Where the config lives, relative to the repository root. */
export const REPO_CONFIG_PATH = '.github/codecloud.yml';

const MAX_INSTRUCTIONS_CHARS = 8_000;
const MAX_PROMPT_CHARS = 20_000;

const NonEmpty = z.string().trim().min(1, 'must not be empty');
const NameLike = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}$/, 'must be a name of letters, digits and . _ : / @ + -');
const BranchName = z.string().trim().refine(isValidBranchName, 'is not a valid branch name');
/**
 * A `run_at`: ISO 8601 with a time zone, normalised to `2026-12-01T03:00:00.000Z`. YAML loaders (js-yaml, used by
 * Probot) turn an unquoted `2026-12-01T03:00:00Z` into a Date: that is taken back.
 */
const RunAt = z.preprocess(
  (value) => (value instanceof Date ? value.toISOString() : value),
  z.string().transform((text, ctx) => {
    const at = parseIsoDateTime(text);
    if (at !== undefined) return at.toISOString();
    ctx.addIssue({
      code: 'custom',
      message: 'must be an ISO 8601 date-time with a time zone, e.g. 2026-12-01T03:00:00Z',
      input: text,
    });
    return z.NEVER;
  }),
);

const Cron = z.string().superRefine((expr, ctx) => {
  const result = checkCron(expr);
  // The reason already quotes the expression: `params.quotesInput` keeps `(got …)` from repeating it.
  if (!result.ok)
    ctx.addIssue({ code: 'custom', message: result.reason, input: expr, params: { quotesInput: true } });
});

export const ScheduleConfig = z
  .object({
    name: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._ -]{0,99}$/, 'must be letters, digits, spaces and . _ - (at most 100)'),
    cron: Cron.optional(),
    run_at: RunAt.optional(),
    prompt: NonEmpty.max(MAX_PROMPT_CHARS, `must be at most ${MAX_PROMPT_CHARS} characters`),
    mode: RunMode.optional(),
    model: NameLike.optional(),
    provider: NameLike.optional(),
    agent_provider: AgentProvider.optional(),
    branch: BranchName.optional(),
    auto_create_pr: z.boolean().optional(),
  })
  .superRefine((schedule, ctx) => {
    if ((schedule.cron === undefined) === (schedule.run_at === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'needs exactly one of cron (recurring) or run_at (once)',
        input: schedule,
      });
    }
  });
export type ScheduleConfig = z.output<typeof ScheduleConfig>;

/** `autofix:` — what of the agent's own pull requests goes back to its session (see `src/autofix`). */
export const AutofixConfig = z
  .object({
    ci: z.boolean().default(false),
    reviews: z.boolean().default(false),
    max_attempts: z.number().int().min(1).max(20).default(3),
  })
  .default({ ci: false, reviews: false, max_attempts: 3 });
export type AutofixConfig = z.output<typeof AutofixConfig>;
const AUTOFIX_KEYS = ['ci', 'reviews', 'max_attempts'] as const;

export const RepoConfigSchema = z
  .object({
    trigger: z
      .string()
      .trim()
      .regex(/^\S{1,50}$/, 'must be one word (no spaces), at most 50 characters')
      .default('/codecloud'),
    label: NonEmpty.max(50, 'must be at most 50 characters (GitHub label limit)').default('codecloud'),
    backend: Backend.default('codecloud'),
    mode: RunMode.default('execute'),
    model: NameLike.optional(),
    provider: NameLike.optional(),
    agent_provider: AgentProvider.optional(),
    branch: BranchName.optional(),
    auto_create_pr: z.boolean().default(true),
    min_permission: PermissionLevel.default('write'),
    allowed_bots: z.array(NonEmpty).default([]),
    max_concurrent_runs: z.number().int().min(1).max(100).default(DEFAULT_MAX_CONCURRENT_RUNS),
    timeout_minutes: z.number().int().min(1).max(1440).default(DEFAULT_TIMEOUT_MINUTES),
    progress: z.boolean().default(true),
    instructions: z.string().max(MAX_INSTRUCTIONS_CHARS).default(''),
    schedules: z.array(ScheduleConfig).default([]),
    autofix: AutofixConfig,
    limits: LimitsConfig.default({}),
  })
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    config.schedules.forEach((schedule, index) => {
      const key = schedule.name.toLowerCase();
      const first = seen.get(key);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['schedules', index, 'name'],
          message: `duplicates schedules[${first}].name; schedule names must be unique`,
          input: schedule.name,
        });
      } else {
        seen.set(key, index);
      }
    });
  });

/** The repository's configuration with every default filled in. */
export type RepoConfig = z.output<typeof RepoConfigSchema>;

/** The config keys, in the order docs/app.md's Configuration table lists them (help lists them so too). */
export const REPO_CONFIG_KEYS = [
  'trigger',
  'label',
  'backend',
  'mode',
  'model',
  'provider',
  'agent_provider',
  'branch',
  'auto_create_pr',
  'min_permission',
  'allowed_bots',
  'max_concurrent_runs',
  'timeout_minutes',
  'progress',
  'instructions',
  'schedules',
  'autofix',
  'limits',
] as const;
const SCHEDULE_KEYS: readonly string[] = Object.keys(ScheduleConfig.shape);
const LIMITS_KEYS: readonly string[] = Object.keys(LimitsConfig.shape);

/** Keys the loaders themselves use; never warned about. */
const LOADER_KEYS = new Set(['_extends']);

export type RepoConfigResult =
  | { ok: true; config: RepoConfig; warnings: string[] }
  | { ok: false; message: string; issues: string[] };

/** `'owner'`, `3`, `null`, `a list`, … for error messages. */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 80 ? `${value.slice(0, 80)}…` : value}'`;
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (value instanceof Date) return `'${value.toISOString()}'`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

function describePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};

/** One zod issue as `key: what is wrong (got value)`. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const where = describePath(issue.path);
  const got = issue.input === undefined ? '' : ` (got ${describeValue(issue.input)})`;
  let what: string;
  switch (issue.code) {
    case 'invalid_type':
      what =
        issue.input === undefined ? 'is required' : `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
      break;
    case 'invalid_value':
      what = `must be one of ${issue.values.map(String).join(', ')}`;
      break;
    case 'too_small':
      what =
        issue.origin === 'array'
          ? `must have at least ${issue.minimum} entries`
          : issue.origin === 'string'
            ? 'must not be empty'
            : `must be at least ${issue.minimum}`;
      break;
    case 'too_big':
      what =
        issue.origin === 'string'
          ? `must be at most ${issue.maximum} characters`
          : issue.origin === 'array'
            ? `must have at most ${issue.maximum} entries`
            : `must be at most ${issue.maximum}`;
      break;
    default:
      what = issue.message;
  }
  // A reason that already quotes the value (a cron check's) is not followed by it; a mapping or the whole file is
  // not worth quoting.
  const quoted = issue.code === 'custom' && issue.params?.quotesInput === true ? '' : got;
  const suffix = issue.input !== null && typeof issue.input === 'object' ? '' : quoted;
  return where === '' ? `${what}${suffix}` : `${where}: ${what}${suffix}`;
}

/** YAML's empty values (`key:`) are `null`: treat them as not set, at the top level and in each schedule. */
function dropNulls(raw: unknown): unknown {
  const config = dropNullKeys(raw);
  if (!isMapping(config)) return config;
  return {
    ...config,
    ...(Array.isArray(config.schedules) ? { schedules: config.schedules.map(dropNullKeys) } : {}),
    ...(isMapping(config.autofix) ? { autofix: dropNullKeys(config.autofix) } : {}),
  };
}
function dropNullKeys(raw: unknown): unknown {
  if (!isMapping(raw)) return raw;
  return Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== null));
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function unknownKeyWarnings(raw: Record<string, unknown>): string[] {
  const warnings: string[] = [];
  const warn = (path: string, key: string, known: readonly string[]) => {
    const meant = closestName(key, known);
    warnings.push(
      `${path}${key}: unknown key, ignored${meant === undefined ? '' : ` (did you mean '${meant}'?)`}`,
    );
  };
  for (const key of Object.keys(raw)) {
    if (LOADER_KEYS.has(key)) continue;
    if (!(REPO_CONFIG_KEYS as readonly string[]).includes(key)) warn('', key, REPO_CONFIG_KEYS);
  }
  if (isMapping(raw.autofix)) {
    for (const key of Object.keys(raw.autofix)) {
      if (!(AUTOFIX_KEYS as readonly string[]).includes(key)) warn('autofix.', key, AUTOFIX_KEYS);
    }
  }
  if (isMapping(raw.limits)) {
    for (const key of Object.keys(raw.limits)) {
      if (!LIMITS_KEYS.includes(key)) warn('limits.', key, LIMITS_KEYS);
    }
  }
  const schedules = raw.schedules;
  if (Array.isArray(schedules)) {
    schedules.forEach((entry: unknown, index) => {
      if (!isMapping(entry)) return;
      for (const key of Object.keys(entry)) {
        if (!SCHEDULE_KEYS.includes(key)) warn(`schedules[${index}].`, key, SCHEDULE_KEYS);
      }
    });
  }
  return warnings;
}

/**
 * Validates the parsed contents of `.github/codecloud.yml`. `null`/`undefined` (no file, or an empty one) gives the
 * defaults. On failure `message` lists every problem as `key: what is wrong (got value)`, separated by `; `.
 */
export function parseRepoConfig(raw: unknown): RepoConfigResult {
  const input = dropNulls(raw ?? {});
  const parsed = RepoConfigSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    const issues = parsed.error.issues.map(describeIssue);
    return { ok: false, message: issues.join('; '), issues };
  }
  const warnings = isMapping(input) ? unknownKeyWarnings(input) : [];
  return { ok: true, config: parsed.data, warnings };
}

/** What one run is started with, after the command's options are laid over the config. */
export interface RunSettings {
  backend: Backend;
  mode: RunMode;
  model?: string;
  provider?: string;
  agentProvider?: AgentProvider;
  /**
   * The base branch asked for (`--branch`, else config `branch`); absent means the repository's default branch.
   * A run on a pull request always starts from the PR's head branch (it pushes to that PR), whatever this says.
   */
  branch?: string;
  autoCreatePr: boolean;
  timeoutMinutes: number;
  /** Config `instructions`, appended to the prompt ('' when none). */
  instructions: string;
}

/**
 * The settings of a run: the command's options (`--model`, `--provider`, `--agent`, `--branch`, `--no-pr`,
 * `--backend`) over the repository config. `kind` is the command: `plan` always plans; `execute` takes config
 * `mode` (a repository may make plans the default).
 */
export function effectiveRunSettings(
  config: RepoConfig,
  options: CommandOptions,
  kind: 'execute' | 'plan' = 'execute',
): RunSettings {
  const model = options.model ?? config.model;
  const provider = options.provider ?? config.provider;
  const agentProvider = options.agentProvider ?? config.agent_provider;
  const branch = options.branch ?? config.branch;
  return {
    backend: options.backend ?? config.backend,
    mode: kind === 'plan' ? 'plan' : config.mode,
    ...(model === undefined ? {} : { model }),
    ...(provider === undefined ? {} : { provider }),
    ...(agentProvider === undefined ? {} : { agentProvider }),
    ...(branch === undefined ? {} : { branch }),
    autoCreatePr: options.noPr === true ? false : config.auto_create_pr,
    timeoutMinutes: config.timeout_minutes,
    instructions: config.instructions,
  };
}

/** The settings of a run started by a `schedules:` entry: its own overrides over the repository config. */
export function scheduleRunSettings(config: RepoConfig, schedule: ScheduleConfig): RunSettings {
  const base = effectiveRunSettings(config, {
    ...(schedule.model === undefined ? {} : { model: schedule.model }),
    ...(schedule.provider === undefined ? {} : { provider: schedule.provider }),
    ...(schedule.agent_provider === undefined ? {} : { agentProvider: schedule.agent_provider }),
    ...(schedule.branch === undefined ? {} : { branch: schedule.branch }),
  });
  return {
    ...base,
    mode: schedule.mode ?? config.mode,
    autoCreatePr: schedule.auto_create_pr ?? config.auto_create_pr,
  };
}
