/**
 * The App's environment (docs/operations.md, Environment), parsed once with zod. Errors name the variable; there is no default
 * secret.
 */
import { z } from 'zod';
import { DEFAULT_CODECLOUD_API_URL } from '../src/codecloud/client.js';
import { parseSecretList } from '../src/codecloud/webhook-signature.js';
import type { Limits } from '../src/limits/limits.js';
import { definedProps } from '../src/objects.js';
import { DEFAULT_ACTIONS_OIDC_ISSUER } from '../src/server/oidc-token.js';
import { describeZodIssues } from '../src/validation-error.js';

const Port = z
  .string()
  .regex(/^\d+$/, 'must be a port number')
  .transform(Number)
  .refine((n) => n >= 0 && n <= 65_535, 'must be between 0 and 65535');

const Url = z.url({ error: 'must be a URL' });

/** A `LIMIT_*` ceiling: a positive whole number (unset: no ceiling). */
const Ceiling = z
  .string()
  .regex(/^\d+$/, 'must be a positive integer')
  .transform(Number)
  .refine((n) => Number.isSafeInteger(n) && n > 0, 'must be a positive integer')
  .optional();

export const AppEnv = z.object({
  APP_ID: z.string().regex(/^\d+$/, 'must be the numeric app id').optional(),
  PRIVATE_KEY: z.string().optional(),
  PRIVATE_KEY_PATH: z.string().optional(),
  WEBHOOK_SECRET: z.string().optional(),
  WEBHOOK_PATH: z.string().startsWith('/', 'must start with /').default('/api/github/webhooks'),
  WEBHOOK_PROXY_URL: Url.optional(),
  PORT: Port.default(3000),
  HOST: z.string().min(1).default('localhost'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
  /** Unset: `json` with NODE_ENV=production, else `pretty` (Probot's defaults). */
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  NODE_ENV: z.string().optional(),
  /** When set, `GET /metrics` asks for `Authorization: Bearer <METRICS_TOKEN>`. */
  METRICS_TOKEN: z.string().optional(),
  GHE_HOST: z.string().min(1).optional(),
  GHE_PROTOCOL: z.enum(['http', 'https']).default('https'),
  CODECLOUD_API_KEY: z.string().optional(),
  CODECLOUD_API_URL: Url.default(DEFAULT_CODECLOUD_API_URL),
  CODECLOUD_WEBHOOK_SECRET: z.string().optional(),
  PUBLIC_URL: Url.optional(),
  DATABASE_URL: z.string().optional(),
  DATA_DIR: z.string().min(1).default('./.data'),
  RECONCILE_INTERVAL_SECONDS: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a number of seconds')
    .transform(Number)
    .refine((n) => n > 0, 'must be more than 0')
    .default(60),
  CLOUDCODING_API_KEY: z.string().optional(),
  CLOUDCODING_API_URL: Url.default('https://api.cloudcoding.ai'),
  ACTIONS_OIDC_ISSUER: Url.default(DEFAULT_ACTIONS_OIDC_ISSUER),
  LIMIT_RUNS_PER_DAY: Ceiling,
  LIMIT_RUNS_PER_USER_PER_DAY: Ceiling,
  LIMIT_TOKENS_PER_MONTH: Ceiling,
  LIMIT_TOKENS_PER_RUN: Ceiling,
});
export type AppEnv = z.output<typeof AppEnv>;

export interface AppSettings {
  env: AppEnv;
  /** GitHub's REST base for GHE / the fake GitHub; undefined for github.com. */
  githubBaseUrl: string | undefined;
  codecloudWebhookSecrets: string[];
  /** `PUBLIC_URL + "/codecloud/webhook"`, or undefined (completion by polling). */
  codecloudWebhookUrl: string | undefined;
  logFormat: 'json' | 'pretty';
  /** The app's own secrets: never posted nor logged (the redactor ignores values too short to be secrets). */
  knownSecrets: string[];
  /** The operator's ceilings for the repositories' `limits` (`LIMIT_*`). */
  limitCeilings: Limits;
}

/** Empty strings count as unset, as in a `.env` file with `NAME=`. */
function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  );
}

/** Parses the environment; throws an Error whose message names every bad variable. */
export function parseAppEnv(source: NodeJS.ProcessEnv): AppSettings {
  const parsed = AppEnv.safeParse(withoutEmpty(source));
  if (!parsed.success) throw new Error(`Invalid environment: ${describeZodIssues(parsed.error)}`);
  const env = parsed.data;
  return {
    env,
    githubBaseUrl: env.GHE_HOST ? `${env.GHE_PROTOCOL}://${env.GHE_HOST}/api/v3` : undefined,
    codecloudWebhookSecrets: parseSecretList(env.CODECLOUD_WEBHOOK_SECRET),
    codecloudWebhookUrl: env.PUBLIC_URL
      ? `${env.PUBLIC_URL.replace(/\/+$/, '')}/codecloud/webhook`
      : undefined,
    logFormat: env.LOG_FORMAT ?? (env.NODE_ENV === 'production' ? 'json' : 'pretty'),
    knownSecrets: [env.CODECLOUD_API_KEY, env.CLOUDCODING_API_KEY, env.WEBHOOK_SECRET, env.METRICS_TOKEN]
      .concat(parseSecretList(env.CODECLOUD_WEBHOOK_SECRET))
      .filter((secret): secret is string => secret !== undefined),
    limitCeilings: definedProps({
      runs_per_day: env.LIMIT_RUNS_PER_DAY,
      runs_per_user_per_day: env.LIMIT_RUNS_PER_USER_PER_DAY,
      tokens_per_month: env.LIMIT_TOKENS_PER_MONTH,
      tokens_per_run: env.LIMIT_TOKENS_PER_RUN,
    }),
  };
}

/** With an APP_ID the app serves for real, and refuses to start without what that needs. */
export function requireServingEnv(settings: AppSettings): void {
  const { env } = settings;
  if (!env.WEBHOOK_SECRET) {
    throw new Error(
      'WEBHOOK_SECRET is required when APP_ID is set (the secret of the GitHub App webhook); refusing to start',
    );
  }
  if (!env.PRIVATE_KEY && !env.PRIVATE_KEY_PATH) {
    throw new Error('PRIVATE_KEY or PRIVATE_KEY_PATH is required when APP_ID is set; refusing to start');
  }
  // codecloud is the backend of every run that does not ask for another (`backend:` in the config, `--backend=`),
  // so CLOUDCODING_API_KEY alone is not enough: those runs would all fail.
  if (!env.CODECLOUD_API_KEY) {
    throw new Error(
      `CODECLOUD_API_KEY is required to serve (codecloud is the default backend${env.CLOUDCODING_API_KEY ? '; CLOUDCODING_API_KEY alone only serves runs that ask for cloudcoding' : ''}); refusing to start`,
    );
  }
}
