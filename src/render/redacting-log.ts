/** A logger whose every message goes through the one redactor first (the App's logs may quote agent text). */
import { redactSecrets } from '../redact.js';

export interface TextLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** `log` with each message redacted; `knownSecrets` is read at each call (it may be filled in later). */
export function redactingLog(log: TextLogger, knownSecrets: () => readonly string[] = () => []): TextLogger {
  const clean = (message: unknown): string =>
    redactSecrets(typeof message === 'string' ? message : String(message), knownSecrets());
  return {
    debug: (message) => log.debug(clean(message)),
    info: (message) => log.info(clean(message)),
    warn: (message) => log.warn(clean(message)),
    error: (message) => log.error(clean(message)),
  };
}
