// Just enough Markdown for the docs test: links, headings as GitHub slugs them, tables, and the keys of a zod schema.
import type { z } from 'zod';

/** The text with fenced code blocks blanked (line numbers kept): links and headings in them are not real. */
function withoutFences(text: string): string {
  let fence: string | undefined;
  return text
    .split('\n')
    .map((line) => {
      const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
      if (fence === undefined) {
        if (marker === undefined) return line;
        fence = marker;
        return '';
      }
      if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      return '';
    })
    .join('\n');
}

/** Inline code spans (which may wrap lines) blanked, newlines kept. */
function withoutCodeSpans(text: string): string {
  return text.replace(/(`+)(?!`)[\s\S]*?[^`]\1(?!`)/g, (span) => span.replace(/[^\n]/g, ' '));
}

/** Every inline link or image target outside code, with its 1-based line. */
export function extractLinks(markdown: string): { target: string; line: number }[] {
  const text = withoutCodeSpans(withoutFences(markdown));
  const links: { target: string; line: number }[] = [];
  for (const match of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const line = text.slice(0, match.index).split('\n').length;
    links.push({ target: match[1] as string, line });
  }
  return links;
}

/** A heading's anchor as GitHub makes it: the text as shown, lowercased, punctuation but `-` and `_` dropped. */
function slug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a file offers: its headings' slugs (repeats get `-1`, `-2`, …) and explicit `id`/`name` anchors. */
export function headingSlugs(markdown: string): Set<string> {
  const text = withoutFences(markdown);
  const slugs = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of text.split('\n')) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    slugs.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const match of text.matchAll(/<a\s[^>]*\b(?:id|name)="([^"]+)"/g)) slugs.add(match[1] as string);
  return slugs;
}

/** A table row's cells: `|` inside a code span or escaped does not split. */
function cells(line: string): string[] {
  const out: string[] = [];
  let cell = '';
  let inCode = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i] as string;
    if (char === '\\' && line[i + 1] === '|') {
      cell += '|';
      i++;
    } else if (char === '`') {
      inCode = !inCode;
      cell += char;
    } else if (char === '|' && !inCode) {
      out.push(cell.trim());
      cell = '';
    } else cell += char;
  }
  out.push(cell.trim());
  return out.slice(line.trimStart().startsWith('|') ? 1 : 0);
}

/**
 * The code-span names in the first column of every table whose header's first cell `prefixFor` accepts (it gives
 * the prefix for those names, or undefined to skip the table). `` | `a`, `b` | … `` names `a` and `b`.
 */
export function namedTableCells(
  markdown: string,
  prefixFor: (headerFirstCell: string) => string | undefined,
): { prefix: string; name: string }[] {
  const lines = withoutFences(markdown).split('\n');
  const names: { prefix: string; name: string }[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    const header = lines[i] as string;
    if (!header.trimStart().startsWith('|') || !/^\s*\|?\s*:?-{3,}/.test(lines[i + 1] as string)) continue;
    const prefix = prefixFor((cells(header)[0] ?? '').toLowerCase());
    let row = i + 2;
    for (; row < lines.length && (lines[row] as string).trimStart().startsWith('|'); row++) {
      if (prefix === undefined) continue;
      for (const match of (cells(lines[row] as string)[0] ?? '').matchAll(/`([^`]+)`/g))
        names.push({ prefix, name: match[1] as string });
    }
    i = row - 1;
  }
  return names;
}

interface ZodDefLike {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
}
const defOf = (schema: z.ZodType): ZodDefLike =>
  (schema as unknown as { _zod: { def: ZodDefLike } })._zod.def;

/** The object schema inside wrappers (optional, default, array, preprocess, transform), if there is one. */
function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const def = defOf(schema);
  if (def.type === 'object') return def.shape;
  const inner = def.innerType ?? def.element;
  if (inner) return objectShape(inner);
  if (def.type === 'pipe') return (def.out && objectShape(def.out)) ?? (def.in && objectShape(def.in));
  return undefined;
}

/** Every key of an object schema, nested keys (inside objects or lists of objects) as `parent.key`. */
export function configKeyPaths(schema: z.ZodType, prefix = ''): string[] {
  const shape = objectShape(schema);
  if (!shape) return [];
  return Object.entries(shape).flatMap(([key, child]) => [
    prefix + key,
    ...configKeyPaths(child, `${prefix}${key}.`),
  ]);
}
