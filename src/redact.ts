/**
 * The one credential redactor: everything the App or the Action posts, outputs or logs goes through it, as the last
 * step before the text leaves (after rendering and markdown escaping). Agents print environment variables, config
 * files and error messages; a token in a public issue is a leaked token. False positives cost little here, so the
 * patterns lean towards redacting.
 *
 * Because it runs on final text, it sees through what rendering does to a token, and what a writer can do to one that
 * GitHub undoes when it shows the page: markdown escapes (`ghp\_A1b2…`), HTML entities (`gh&#112;_…`, `&lowbar;`),
 * tags and comments that render as nothing (`ghp_A1<b></b>b2`, `<!---->`), soft hyphens and other invisible
 * characters. The patterns (and the known secrets) are matched on a view of the text as GitHub shows it, and the
 * matching stretch of the original text is replaced. Every pattern runs in linear time: no nested or overlapping
 * repetition, and a token's start must not follow a character the token itself may hold.
 */

/** Code points that render as nothing (or reorder what is shown), as inclusive ranges. */
const INVISIBLE_RANGES: readonly (readonly [number, number])[] = [
  // C0 controls except tab (09) and newline (0A); DEL and the C1 controls.
  [0x00, 0x08],
  [0x0b, 0x1f],
  [0x7f, 0x9f],
  // Soft hyphen, combining grapheme joiner, Arabic letter mark, Hangul fillers, Khmer and Mongolian invisibles.
  [0xad, 0xad],
  [0x34f, 0x34f],
  [0x61c, 0x61c],
  [0x115f, 0x1160],
  [0x17b4, 0x17b5],
  [0x180e, 0x180e],
  // Zero-width space, non-joiner, joiner, left-to-right and right-to-left marks.
  [0x200b, 0x200f],
  // Bidirectional embeddings and overrides (the "Trojan Source" characters).
  [0x202a, 0x202e],
  // Word joiner, invisible operators, bidirectional isolates, deprecated format characters.
  [0x2060, 0x206f],
  [0x3164, 0x3164],
  // Byte order mark / zero-width no-break space, half-width Hangul filler.
  [0xfeff, 0xfeff],
  [0xffa0, 0xffa0],
  // Tag characters (invisible copies of ASCII) and the supplementary variation selectors.
  [0xe0000, 0xe007f],
  [0xe0100, 0xe01ef],
];

/** Whether GitHub shows the character at all (it does not for these). */
export const isInvisible = (codePoint: number): boolean =>
  INVISIBLE_RANGES.some(([from, to]) => codePoint >= from && codePoint <= to);

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
/** For tokens whose body holds `_` and `-`: only at the start of a run of such characters (one try per run). */
const RUN_START = '(?<![A-Za-z0-9_-])';
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
    pattern: new RegExp(`${RUN_START}eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*`, 'g'),
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
    pattern: /(?<keep>(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*:\/\/)[^\s/:@]+:[^\s/@]+(?=@)/gi,
  },
  {
    name: 'secret-looking assignment',
    // `OPENAI_API_KEY=abc…`, `DB_PASSWORD: "hunter22"`: upper-case names only, to leave prose alone.
    pattern:
      /(?<keep>\b[A-Z][A-Z0-9_]*(?:API_KEY|SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE_KEY)["']?\s*[:=]\s*["']?)(?![$[])[^\s"']{8,}/g,
  },
];

/** ASCII punctuation, which markdown lets a backslash escape. */
const ESCAPABLE = /[!-/:-@[-`{-~]/;
/** Named HTML entities for the characters tokens are made of besides letters and digits, and for invisible ones. */
const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  lowbar: '_',
  underbar: '_',
  period: '.',
  hyphen: '-',
  dash: '-',
  plus: '+',
  sol: '/',
  equals: '=',
  colon: ':',
  commat: '@',
  shy: '\u00AD',
  zerowidthspace: '\u200B',
  zwnj: '\u200C',
  zwj: '\u200D',
  nobreak: '\u2060',
  nbsp: ' ',
};
const ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z]{2,31}));/y;
/** A tag GitHub renders as nothing around text: `<b>`, `</b>`, `<span title="x">` (up to 200 characters). */
const TAG = /<\/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]{0,200})?>/y;

/** The character an entity at `at` stands for and where it ends, or undefined when there is none. */
function entityAt(text: string, at: number): { char: string; end: number } | undefined {
  ENTITY.lastIndex = at;
  const m = ENTITY.exec(text);
  if (m === null) return undefined;
  const end = at + m[0].length;
  if (m[3] !== undefined) {
    const char = NAMED_ENTITIES[m[3].toLowerCase()];
    return char === undefined ? undefined : { char, end };
  }
  const code = m[1] !== undefined ? Number(m[1]) : Number.parseInt(m[2] ?? '', 16);
  if (code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
  return { char: String.fromCodePoint(code), end };
}

/** Where the markup at `at` (an HTML comment or a tag) that GitHub shows as nothing ends, or -1. */
function hiddenMarkupEnd(text: string, at: number): number {
  if (text.startsWith('<!--', at)) {
    const close = text.indexOf('-->', at + 4);
    return close === -1 ? text.length : close + 3;
  }
  TAG.lastIndex = at;
  const m = TAG.exec(text);
  return m === null ? -1 : at + m[0].length;
}

const isHidden = (char: string): boolean => isInvisible(char.codePointAt(0) ?? 0) && char !== '\n';

/**
 * The text as GitHub shows it, for matching: each view character with the stretch of the original it came from
 * (`origin` its start, `originEnd` its end). Hidden characters, tags and comments map to nothing; a match covering
 * the characters around them covers them too. One pass.
 */
function visibleView(text: string): { view: string; origin: number[]; originEnd: number[] } {
  let view = '';
  const origin: number[] = [];
  const originEnd: number[] = [];
  const push = (char: string, from: number, to: number): void => {
    if (isHidden(char)) return;
    view += char;
    origin.push(from);
    originEnd.push(to);
  };
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    if (char === '\\' && i + 1 < text.length && ESCAPABLE.test(text[i + 1] as string)) {
      push(text[i + 1] as string, i, i + 2);
      i += 2;
      continue;
    }
    if (char === '&') {
      const entity = entityAt(text, i);
      if (entity !== undefined) {
        push(entity.char, i, entity.end);
        i = entity.end;
        continue;
      }
    }
    if (char === '<') {
      const end = hiddenMarkupEnd(text, i);
      if (end !== -1) {
        i = end;
        continue;
      }
    }
    push(char, i, i + 1);
    i++;
  }
  return { view, origin, originEnd };
}

/** Whether the text may show differently from how it is written (an escape, entity, tag or invisible character). */
function renderedDifferently(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // `\`, `&`, `<`, or a character that may be invisible (surrogates: the pair is checked as one).
    if (code === 0x5c || code === 0x26 || code === 0x3c) return true;
    if (code >= 0xd800 && code <= 0xdbff) {
      if (isInvisible(text.codePointAt(i) ?? 0)) return true;
      i++;
    } else if (isInvisible(code)) return true;
  }
  return false;
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
  // Text with no escape, entity, tag or invisible character looks as it is: no second view to search.
  if (renderedDifferently(text)) {
    const { view, origin, originEnd } = visibleView(text);
    for (const [start, end] of rangesOf(view, secrets)) {
      ranges.push([origin[start] as number, originEnd[end - 1] as number]);
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
