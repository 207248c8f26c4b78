/**
 * The line of an autofix follow-up's status comment that says why it runs: which checks failed on which commit
 * (short SHA, linked), or whose review requested changes, and the attempt ("attempt 2 of 3").
 */
import { inertText, inlineCode } from '../render/markdown.js';
import type { AutofixOrigin } from '../store/run-options.js';

/** Check names listed at most; more are counted. */
const MAX_NAMED_CHECKS = 5;

/** A link target that is an http(s) URL, or undefined. */
function safeUrl(url: string | undefined): string | undefined {
  return url && /^https?:\/\/[^\s()<>]+$/.test(url) ? url : undefined;
}

export function autofixContextLine(origin: AutofixOrigin): string {
  const attempt = `attempt ${origin.attempt} of ${origin.maxAttempts}`;
  if (origin.kind === 'review') {
    const who = origin.reviewer ? inertText(origin.reviewer) : 'a reviewer';
    const review = safeUrl(origin.reviewUrl);
    const what = review ? `[requested changes](${review})` : 'requested changes';
    return `🔁 **Autofix**: ${who} ${what}; sending them to the agent (${attempt}).`;
  }
  const checks = origin.checks ?? [];
  const named = checks.slice(0, MAX_NAMED_CHECKS).map((name) => inlineCode(name.slice(0, 100)));
  const more = checks.length > MAX_NAMED_CHECKS ? ` and ${checks.length - MAX_NAMED_CHECKS} more` : '';
  const short = inlineCode((origin.sha ?? '').slice(0, 7));
  const link = safeUrl(origin.commitUrl);
  const commit = link ? `[${short}](${link})` : short;
  const list = named.length > 0 ? `${named.join(', ')}${more}` : 'checks';
  return `🔁 **Autofix**: ${list} failed on ${commit}; sending the failures to the agent (${attempt}).`;
}
