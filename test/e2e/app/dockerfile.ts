/**
 * Reads the Dockerfile and `.dockerignore` the way `docker build` does, as far as the image check needs: stages
 * (FROM … AS name), and in each its instructions in order, with continuation lines joined, ENV pairs and COPY's
 * sources, destination and flags parsed. The image check (`image.test.ts`) replays them, so it cannot drift from
 * the Dockerfile.
 */

export type Instruction =
  | { kind: 'WORKDIR'; path: string }
  | { kind: 'COPY'; sources: string[]; dest: string; from?: string | undefined }
  | { kind: 'RUN'; command: string }
  | { kind: 'ENV'; pairs: Record<string, string> }
  | { kind: 'CMD'; argv: string[] }
  | { kind: 'OTHER'; name: string; args: string };

export interface Stage {
  name: string;
  image: string;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const line of logicalLines(text)) {
    const match = /^(\w+)\s+([\s\S]*)$/.exec(line);
    if (!match?.[1] || match[2] === undefined) throw new Error(`Dockerfile: cannot read the line ${line}`);
    const name = match[1].toUpperCase();
    const args = match[2].trim();
    if (name === 'FROM') {
      const [image = '', , alias] = args.split(/\s+/);
      stages.push({ name: alias ?? String(stages.length), image, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`Dockerfile: ${name} before the first FROM`);
    stage.instructions.push(instruction(name, args));
  }
  return stages;
}

function instruction(name: string, args: string): Instruction {
  switch (name) {
    case 'WORKDIR':
      return { kind: 'WORKDIR', path: args };
    case 'RUN':
      return { kind: 'RUN', command: args };
    case 'ENV':
      return { kind: 'ENV', pairs: envPairs(args) };
    case 'CMD':
      return { kind: 'CMD', argv: JSON.parse(args) as string[] };
    case 'COPY': {
      const words = args.split(/\s+/);
      const flags = words.filter((word) => word.startsWith('--'));
      const paths = words.filter((word) => !word.startsWith('--'));
      const dest = paths.pop();
      if (dest === undefined || paths.length === 0)
        throw new Error(`Dockerfile: COPY ${args} names no source`);
      const from = flags.find((flag) => flag.startsWith('--from='))?.slice('--from='.length);
      return { kind: 'COPY', sources: paths, dest, from };
    }
    default:
      return { kind: 'OTHER', name, args };
  }
}

/** `KEY=value KEY2="value 2"` (the form this Dockerfile uses). */
function envPairs(args: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const [, key, quoted, bare] of args.matchAll(/(\w+)=(?:"([^"]*)"|(\S*))/g)) {
    if (key) pairs[key] = quoted ?? bare ?? '';
  }
  return pairs;
}

/** Instructions one per line: comments and blank lines dropped, `\` continuations joined. */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    lines.push(`${pending}${line}`.trim());
    pending = '';
  }
  if (pending.trim() !== '') lines.push(pending.trim());
  return lines.filter(Boolean);
}

/**
 * Whether `.dockerignore` leaves `path` (relative to the build context, `/`-separated) out: a pattern matches the
 * path or one of its parent directories; `*` and `?` stay within one path segment, `**` spans any; a later `!pattern`
 * brings a path back.
 */
export function dockerIgnores(patterns: readonly string[], path: string): boolean {
  let ignored = false;
  const prefixes = path.split('/').map((_, index, parts) => parts.slice(0, index + 1).join('/'));
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const regex = globRegex(negated ? pattern.slice(1) : pattern);
    if (prefixes.some((prefix) => regex.test(prefix))) ignored = !negated;
  }
  return ignored;
}

export function readDockerignore(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.replace(/^\/+/, '').replace(/\/+$/, ''));
}

function globRegex(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i += 1) {
    const char = glob[i] ?? '';
    if (char === '*' && glob[i + 1] === '*') {
      source += '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
