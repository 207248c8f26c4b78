/**
 * Replaces anything that looks like a credential with `[redacted]` before text is posted to GitHub or written to a
 * log or job summary (SPEC §3.6). Agents print environment variables, config files and error messages; a token in
 * a public issue is a leaked token. False positives cost little here, so the patterns lean towards redacting.
 */

export const REDACTED = '[redacted]';

interface SecretPattern {
  name: string;
  pattern: RegExp;
  /** The replacement; `$1` keeps a prefix such as `Bearer `. */
  replacement: string;
}

const SECRET_PATTERNS: readonly SecretPattern[] = [
  {
    name: 'PEM private key block',
    // A block cut off before its END line (a truncated log) is redacted to the end of the text.
    pattern:
      /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g,
    replacement: REDACTED,
  },
  {
    name: 'JSON Web Token',
    pattern: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
    replacement: REDACTED,
  },
  { name: 'GitHub fine-grained token', pattern: /\bgithub_pat_[A-Za-z0-9_]{20,}/g, replacement: REDACTED },
  { name: 'GitHub token', pattern: /\bgh[pousr]_[A-Za-z0-9]{20,}/g, replacement: REDACTED },
  { name: 'OpenAI/Anthropic-style key', pattern: /\bsk-[A-Za-z0-9_-]{16,}/g, replacement: REDACTED },
  { name: 'Slack token', pattern: /\bxox[a-z]-[A-Za-z0-9-]{8,}/g, replacement: REDACTED },
  { name: 'AWS access key id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, replacement: REDACTED },
  {
    name: 'Authorization header value',
    pattern: /\b(Authorization["']?\s*[:=]\s*["']?(?:Bearer|token|Basic)\s+)[^\s"',;]+/gi,
    replacement: `$1${REDACTED}`,
  },
  { name: 'Bearer token', pattern: /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g, replacement: `$1${REDACTED}` },
  {
    name: 'credentials in a URL',
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/:@]+:[^\s/@]+@/gi,
    replacement: `$1${REDACTED}@`,
  },
  {
    name: 'secret-looking assignment',
    // `OPENAI_API_KEY=abc…`, `DB_PASSWORD: "hunter22"`: upper-case names only, to leave prose alone.
    pattern:
      /\b([A-Z][A-Z0-9_]*(?:API_KEY|SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE_KEY)["']?\s*[:=]\s*["']?)(?![$[])[^\s"']{8,}/g,
    replacement: `$1${REDACTED}`,
  },
];

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `text` with every credential replaced by `[redacted]`: GitHub tokens (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`,
 * `github_pat_`), `sk-…` keys (OpenAI, Anthropic `sk-ant-…`), Slack `xox?-` tokens, JWTs, PEM private key blocks,
 * AWS key ids, `Bearer …` and `Authorization: …` values, passwords in URLs and `…_TOKEN=`-style assignments.
 * `knownSecrets` (the app's own API keys, for instance) are replaced wherever they appear; ones shorter than 8
 * characters are ignored, since they would match ordinary words.
 */
export function redactSecrets(text: string, knownSecrets: readonly string[] = []): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (secret.length >= 8) out = out.replace(new RegExp(escapeRegExp(secret), 'g'), REDACTED);
  }
  for (const { pattern, replacement } of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
