/**
 * The last step before a comment body goes to GitHub: every credential redacted (on the final text, after
 * rendering and escaping) and the body cut to fit GitHub's 65,536-character limit with a visible note.
 */
import { redactSecrets } from '../redact.js';
import { GITHUB_COMMENT_LIMIT, truncateMarkdown } from './markdown.js';

/** What a posted body may be at most: under GitHub's limit, with room for the note a cut adds. */
export const POSTABLE_BODY_MAX = GITHUB_COMMENT_LIMIT - 512;

/** `body` redacted and, when too long for GitHub, cut with a note saying how much was left out. */
export function postableBody(body: string, knownSecrets: ReadonlyArray<string | undefined> = []): string {
  const redacted = redactSecrets(body, knownSecrets);
  if (redacted.length <= POSTABLE_BODY_MAX) return redacted;
  return truncateMarkdown(redacted, POSTABLE_BODY_MAX - 200, 'cut to fit in a comment');
}
