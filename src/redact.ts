/**
 * The one credential redactor: everything the App or the Action posts, outputs or logs goes through it, as the last
 * step before the text leaves (after rendering and markdown escaping). Agents print environment variables, config
 * files and error messages; a token in a public issue is a leaked token. False positives cost little here, so the
 * patterns lean towards redacting.
 *
 * Because it runs on final text, it sees through what rendering does to a token: markdown escapes (`ghp\_A1b2…`),
 * invisible joiners put into URLs and mentions, and HTML entities for `_`, `-` and `.`. The patterns are matched on
 * a view of the text without those, and the matching stretch of the original text is replaced.
 */

export const REDACTED = '[redacted]';

/** Known secrets shorter than this are ignored: they would match ordinary words. */
export const MIN_KNOWN_SECRET_LENGTH = 8;

type Range = [start: number, end: number];

interface SecretPattern {
  name: string;
  /** Global; a named group `keep` at the start is left in place (`Bearer `, `API_KEY=`). */
  pattern: RegExp;
}

/** Not preceded by a letter or digit (an underscore may precede: `TOKEN_ghp_…`). */
const START = '(?<![A-Za-z0-9])';
const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/g;
const PEM_END = /-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/g;
const BLANK_LINE = /\n[ \t]*\n/g;

/**
 * PEM private key blocks, BEGIN to END; a block cut off before its END line (a truncated log) up to the next blank
 * line or the end of the text. One pass over the BEGIN and END lines (no backtracking over the rest of the text).
 */
function pemRanges(text: string): Range[] {
  if (!text.includes('-----BEGIN ')) return [];
  const ends = [...text.matchAll(PEM_END)].map((m) => m.index + m[0].length);
  const ranges: Range[] = [];
  let next = 0;
  let covered = -1;
  for (const begin of text.matchAll(PEM_BEGIN)) {
    if (begin.index < covered) continue;
    while (next < ends.length && (ends[next] as number) <= begin.index) next++;
    let end = ends[next];
    if (end === undefined) {
      BLANK_LINE.lastIndex = begin.index;
      end = BLANK_LINE.exec(text)?.index ?? text.length;
    }
    ranges.push([begin.index, end]);
    covered = end;
  }
  return ranges;
}

const SECRET_PATTERNS: readonly SecretPattern[] = [
  {
    name: 'JSON Web Token',
    pattern: new RegExp(`${START}eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*`, 'g'),
  },
  { name: 'GitHub fine-grained token', pattern: new RegExp(`${START}github_pat_[A-Za-z0-9_]{20,}`, 'g') },
  // ghp_ (classic PAT), gho_ (OAuth), ghu_ (user-to-server), ghs_ (installation tokens the App mints), ghr_ (refresh).
  { name: 'GitHub token', pattern: new RegExp(`${START}gh[pousr]_[A-Za-z0-9]{16,}`, 'g') },
  // OpenAI `sk-…`, `sk-proj-…`, Anthropic `sk-ant-…`.
  { name: 'OpenAI/Anthropic-style key', pattern: new RegExp(`${START}sk-[A-Za-z0-9_-]{16,}`, 'g') },
  { name: 'Slack token', pattern: new RegExp(`${START}xox[a-z]-[A-Za-z0-9-]{8,}`, 'g') },
  { name: 'AWS access key id', pattern: new RegExp(`${START}(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Za-z])`, 'g') },
  {
    name: 'AWS secret access key',
    pattern:
      /(?<keep>aws_?secret_?(?:access_?)?key["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/gi,
  },
  {
    name: 'Authorization header value',
    pattern: /(?<keep>\bAuthorization["']?\s*[:=]\s*["']?(?:Bearer|token|Basic)\s+)[^\s"',;]+/gi,
  },
  { name: 'Bearer token', pattern: /(?<keep>\bBearer\s+)[A-Za-z0-9._~+/=-]{8,}/g },
  {
    name: 'credentials in a URL',
    pattern: /(?<keep>\b[a-z][a-z0-9+.-]*:\/\/)[^\s/:@]+:[^\s/@]+(?=@)/gi,
  },
  {
    name: 'secret-looking assignment',
    // `OPENAI_API_KEY=abc…`, `DB_PASSWORD: "hunter22"`: upper-case names only, to leave prose alone.
    pattern:
      /(?<keep>\b[A-Z][A-Z0-9_]*(?:API_KEY|SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE_KEY)["']?\s*[:=]\s*["']?)(?![$[])[^\s"']{8,}/g,
  },
];

/** Characters rendering adds that GitHub does not show: zero-width space, joiners, word joiner, BOM. */
const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF]/;
/** ASCII punctuation, which markdown lets a backslash escape. */
const ESCAPABLE = /[!-/:-@[-`{-~]/;
/** HTML entities for the characters tokens are made of besides letters and digits. */
const ENTITIES: Readonly<Record<string, string>> = {
  '&#95;': '_',
  '&#x5f;': '_',
  '&lowbar;': '_',
  '&#45;': '-',
  '&#x2d;': '-',
  '&#46;': '.',
  '&#x2e;': '.',
  '&period;': '.',
};

/** The text as GitHub shows it, for matching, with each of its characters' index in the original. */
function visibleView(text: string): { view: string; origin: number[] } {
  let view = '';
  const origin: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (INVISIBLE.test(char)) continue;
    if (char === '\\' && i + 1 < text.length && ESCAPABLE.test(text[i + 1] as string)) continue;
    if (char === '&') {
      const end = text.indexOf(';', i);
      const entity = end > i && end - i <= 9 ? ENTITIES[text.slice(i, end + 1).toLowerCase()] : undefined;
      if (entity !== undefined) {
        view += entity;
        origin.push(i);
        // The entity's other characters map to nothing: a match covering the entity covers all of it.
        i = end;
        continue;
      }
    }
    view += char;
    origin.push(i);
  }
  return { view, origin };
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function rangesOf(text: string, secrets: readonly string[]): Range[] {
  const ranges: Range[] = pemRanges(text);
  for (const secret of secrets) {
    for (const m of text.matchAll(new RegExp(escapeRegExp(secret), 'g'))) {
      ranges.push([m.index, m.index + m[0].length]);
    }
  }
  for (const { pattern } of SECRET_PATTERNS) {
    for (const m of text.matchAll(pattern)) {
      const start = m.index + (m.groups?.keep?.length ?? 0);
      const end = m.index + m[0].length;
      if (end > start) ranges.push([start, end]);
    }
  }
  return ranges;
}

/** The end (exclusive) in the original text of a view range ending at `viewEnd`: through a trailing entity. */
function originalEnd(text: string, origin: readonly number[], viewEnd: number): number {
  const last = origin[viewEnd - 1] as number;
  if (text[last] === '&') {
    const semi = text.indexOf(';', last);
    if (semi > last) return semi + 1;
  }
  return last + 1;
}

/**
 * `text` with every credential replaced by `[redacted]`: GitHub tokens (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`,
 * `github_pat_`), `sk-…` keys (OpenAI, Anthropic `sk-ant-…`), Slack `xox?-` tokens, JWTs, PEM private key blocks,
 * AWS access key ids and `aws_secret_access_key = …` values, `Bearer …` and `Authorization: …` values, passwords
 * in URLs and `…_TOKEN=`-style assignments. `knownSecrets` (the app's API keys and webhook secrets, the Action's
 * key and token) are replaced wherever they appear; values shorter than 8 characters are ignored.
 */
export function redactSecrets(text: string, knownSecrets: ReadonlyArray<string | undefined> = []): string {
  const secrets = knownSecrets.filter(
    (secret): secret is string => typeof secret === 'string' && secret.length >= MIN_KNOWN_SECRET_LENGTH,
  );
  const ranges: Range[] = rangesOf(text, secrets);
  // Text with no escape, entity or invisible character looks as it is: no second view to search.
  if (/[\\&\u200B-\u200D\u2060\uFEFF]/.test(text)) {
    const { view, origin } = visibleView(text);
    for (const [start, end] of rangesOf(view, secrets)) {
      ranges.push([origin[start] as number, originalEnd(text, origin, end)]);
    }
  }
  if (ranges.length === 0) return text;
  ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let out = '';
  let at = 0;
  for (const [start, end] of ranges) {
    if (end <= at) continue;
    if (start >= at) {
      out += text.slice(at, start) + REDACTED;
    }
    at = end;
  }
  return out + text.slice(at);
}
