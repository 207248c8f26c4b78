/**
 * The options both API clients (codecloud's REST API and the Cloud Coding streaming API) take alike, and their
 * defaults: where the API is, the key, the transport, and the retry budget with its clock and random source.
 */
import {
  type BackoffPolicy,
  DEFAULT_BACKOFF,
  DEFAULT_MAX_RETRY_AFTER_MS,
  type RetryBudget,
} from './backoff.js';
import { sleep } from './sleep.js';

export interface ApiClientOptions {
  apiKey: string;
  baseUrl?: string | undefined;
  fetch?: typeof fetch;
  /** Tries after the first, for the calls the client may repeat (each client says which, and its default). */
  retries?: number;
  backoff?: BackoffPolicy;
  /** A `Retry-After` longer than this is not waited for: the error goes to the caller (default 60 s). */
  maxRetryAfterMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
  /** Default `codecloud-github`. */
  userAgent?: string;
}

/** {@link ApiClientOptions} with every default filled in. */
export interface ApiClientSettings {
  apiKey: string;
  /** Without a trailing slash. */
  baseUrl: string;
  fetch: typeof fetch;
  retry: RetryBudget;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
  userAgent: string;
}

export interface ApiClientDefaults {
  baseUrl: string;
  retries: number;
  /** Thrown when `apiKey` is empty: `codecloud client: an API key is required`. */
  missingKeyMessage: string;
}

/** The settings a client runs with; throws when the API key is missing. An empty `baseUrl` means the default. */
export function apiClientSettings(options: ApiClientOptions, defaults: ApiClientDefaults): ApiClientSettings {
  if (!options.apiKey) throw new Error(defaults.missingKeyMessage);
  return {
    apiKey: options.apiKey,
    baseUrl: (options.baseUrl || defaults.baseUrl).replace(/\/+$/, ''),
    fetch: options.fetch ?? globalThis.fetch,
    retry: {
      retries: options.retries ?? defaults.retries,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS,
      random: options.random ?? Math.random,
    },
    sleep: options.sleep ?? sleep,
    now: options.now ?? Date.now,
    userAgent: options.userAgent ?? 'codecloud-github',
  };
}
