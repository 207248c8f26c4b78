/**
 * The app's one logger (pino), handed to Probot so that its lines, Octokit's and the app's all go the same way:
 * one JSON object per line at `LOG_LEVEL`, or readable lines with `LOG_FORMAT=pretty`. Every line passes through the
 * one redactor (`src/redact.ts`) on its way to the output, as JSON: each string in it (messages, bindings, error
 * stacks, request headers) is redacted, so nothing a caller logs can bypass it. Each line carries the correlation
 * fields of the work it was logged from (`src/log-context.ts`).
 */
import pino, { type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { currentLogFields } from '../log-context.js';
import { redactSecrets } from '../redact.js';

export type LogFormat = 'json' | 'pretty';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface AppLoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** The app's own secrets, redacted by value; read at each line (the list may be filled in later). */
  knownSecrets?: () => readonly string[];
  /** Where the lines go (default: standard output). */
  write?: (text: string) => void;
}

/** Header values never worth a log line, removed before the redactor even looks. */
const HIDDEN_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-codecloud-signature"]',
  'res.headers["set-cookie"]',
];

export function appLogger(options: AppLoggerOptions): Logger {
  const knownSecrets = options.knownSecrets ?? (() => []);
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  const pretty =
    options.format === 'pretty'
      ? prettyFactory({ colorize: false, ignore: 'pid,hostname,req,res,responseTime' })
      : undefined;
  const destination = {
    write(line: string): void {
      const clean = redactLogLine(line, knownSecrets());
      write(pretty ? pretty(clean) : clean);
    },
  };
  return pino(
    {
      level: options.level,
      timestamp: pino.stdTimeFunctions.isoTime,
      // A copy: pino merges the line's own fields into the object the mixin returns.
      mixin: () => ({ ...currentLogFields() }),
      redact: { paths: HIDDEN_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}

/**
 * One log line with every string in it (keys too) redacted: parsed as JSON, so a credential inside an escaped string
 * (`\"`, `\n` in a stack) is seen as it is. A line that is not JSON is redacted as text.
 */
export function redactLogLine(line: string, knownSecrets: readonly string[]): string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return redactSecrets(line, knownSecrets);
  }
  let changed = false;
  const clean = (item: unknown): unknown => {
    if (typeof item === 'string') {
      const redacted = redactSecrets(item, knownSecrets);
      if (redacted !== item) changed = true;
      return redacted;
    }
    if (Array.isArray(item)) return item.map(clean);
    if (item !== null && typeof item === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(item)) out[clean(key) as string] = clean(inner);
      return out;
    }
    return item;
  };
  const cleaned = clean(value);
  return changed ? `${JSON.stringify(cleaned)}\n` : line;
}
