/**
 * Parses a comment (issue comment, PR comment, review body, inline review comment, new issue body) into a command.
 *
 * Grammar of the command line (case-insensitive trigger and keywords):
 *
 *     /codecloud [--option…] [plan [--option…]] [instruction…]
 *     /codecloud approve | stop | status | help
 *
 * Decisions, so that users get what they expect:
 * - Only the first command line counts (a command line starts with the trigger, outside code fences,
 *   `>` quotes and HTML comments). A second command line in the same comment is ignored, and ends the first one's
 *   instruction.
 * - The instruction is the rest of the command line plus the following lines of the comment, so a long task can be
 *   written as a normal paragraph (or a list, or with code blocks) under `/codecloud`.
 * - `approve`, `stop`, `status` and `help` are commands only when they stand alone on the command line (trailing
 *   `.`/`!` allowed): `/codecloud stop the retry loop from spinning` is an instruction, not a stop. Text on the
 *   lines below `approve` is passed along with the approval as a note; below `stop`/`status`/`help` it is ignored.
 * - `plan` always starts a plan: `/codecloud plan the database migration` plans "the database migration".
 * - `/codecloud` alone is an `execute` with an empty instruction: the thread itself is the task (on an issue, its
 *   title and body), as when the trigger label is added. Callers decide what an empty instruction means elsewhere.
 * - Options go before the instruction (`--model=x`, value options need `=`). `--` ends the options, for an
 *   instruction that starts with dashes. Anything else starting with `--` is an option; an unknown or invalid one
 *   makes the whole comment `invalid`, and nothing runs. Options given to `approve`/`stop`/`status`/`help` are
 *   refused too, since they would be silently ignored.
 */
import { PROMPT_LIMITS } from '../prompt/build-prompt.js';
import { sanitizeGitHubText } from '../prompt/sanitize.js';
import { branchNameProblem } from '../text/branch-name.js';
import { closestName } from '../text/closest-name.js';
import { AgentProvider, Backend } from '../vocabulary.js';
import type { Command, CommandOptions, OptionProblem, ParsedComment } from './command.js';
import { DEFAULT_TRIGGER, findCommandLine } from './find-command-line.js';

type OptionName = 'model' | 'provider' | 'agent' | 'branch' | 'no-pr' | 'backend' | 'new';

/** The options, in the order help (and docs/app.md's Commands section) shows them. */
export const COMMAND_OPTIONS: readonly { name: OptionName; usage: string; description: string }[] = [
  { name: 'model', usage: '--model=<model>', description: 'model to use, e.g. `claude-sonnet-4-5`' },
  { name: 'provider', usage: '--provider=<provider>', description: 'model provider, e.g. `anthropic`' },
  { name: 'agent', usage: '--agent=opencode|claude-code', description: 'agent that does the work' },
  { name: 'branch', usage: '--branch=<branch>', description: 'base branch for a new run' },
  { name: 'no-pr', usage: '--no-pr', description: 'push a branch but do not open a pull request' },
  { name: 'backend', usage: '--backend=codecloud|cloudcoding', description: 'API that runs the agent' },
  {
    name: 'new',
    usage: '--new',
    description: "Cloud Coding: start a fresh conversation instead of continuing the thread's",
  },
];

/** Other spellings users reach for; they mean the option named on the right. */
const ALIASES: Readonly<Record<string, OptionName>> = { 'agent-provider': 'agent' };

/** Unknown options with a better answer than "unknown". */
const HINTS: Readonly<Record<string, string>> = {
  mode: 'unknown option; for a plan, write `plan` before the instruction instead',
  plan: 'unknown option; for a plan, write `plan` before the instruction instead',
  pr: 'unknown option; pull requests are opened by default, `--no-pr` turns that off',
};

const SIMPLE_WORDS = new Set(['approve', 'stop', 'status', 'help', 'usage']);
const NAME_LIKE = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}$/;

function suggestOption(name: string): string | undefined {
  const meant = closestName(name, [...COMMAND_OPTIONS.map((o) => o.name), ...Object.keys(ALIASES)]);
  return meant === undefined ? undefined : `--${meant}`;
}

const unquote = (value: string): string => {
  const m = /^(["'`])(.*)\1$/.exec(value);
  return m?.[2] ?? value;
};

/** Applies one `--name[=value]` token to `options`, or describes what is wrong with it. */
function applyOption(
  token: string,
  options: CommandOptions,
  seen: Set<OptionName>,
): OptionProblem | undefined {
  const eq = token.indexOf('=');
  const written = eq === -1 ? token : token.slice(0, eq);
  const rawName = written.slice(2).toLowerCase();
  const value = eq === -1 ? undefined : unquote(token.slice(eq + 1));
  const withValue = (problem: OptionProblem): OptionProblem =>
    value === undefined ? problem : { ...problem, value };

  const name: OptionName | undefined =
    ALIASES[rawName] ?? COMMAND_OPTIONS.find((o) => o.name === rawName)?.name ?? undefined;
  if (name === undefined) {
    const hint = HINTS[rawName];
    if (hint !== undefined) return withValue({ option: written, message: hint });
    const suggestion = suggestOption(rawName);
    return withValue({
      option: written,
      message: 'unknown option',
      ...(suggestion === undefined ? {} : { suggestion }),
    });
  }
  if (seen.has(name)) return withValue({ option: written, message: 'given more than once' });
  seen.add(name);

  if (name === 'no-pr' || name === 'new') {
    if (value !== undefined) return { option: written, value, message: 'takes no value' };
    if (name === 'no-pr') options.noPr = true;
    else options.fresh = true;
    return undefined;
  }
  const usage = COMMAND_OPTIONS.find((o) => o.name === name)?.usage ?? written;
  if (value === undefined || value === '') {
    return withValue({ option: written, message: `needs a value: ${usage}` });
  }
  switch (name) {
    case 'agent': {
      const parsed = AgentProvider.safeParse(value);
      if (!parsed.success)
        return { option: written, value, message: `must be one of ${AgentProvider.options.join(', ')}` };
      options.agentProvider = parsed.data;
      return undefined;
    }
    case 'backend': {
      const parsed = Backend.safeParse(value);
      if (!parsed.success)
        return { option: written, value, message: `must be one of ${Backend.options.join(', ')}` };
      options.backend = parsed.data;
      return undefined;
    }
    case 'branch': {
      const problem = branchNameProblem(value);
      if (problem !== undefined)
        return { option: written, value, message: `is not a valid branch name: it ${problem}` };
      options.branch = value;
      return undefined;
    }
    case 'model':
    case 'provider':
      if (!NAME_LIKE.test(value)) {
        return { option: written, value, message: 'must be a name of letters, digits and . _ : / @ + -' };
      }
      options[name] = value;
      return undefined;
  }
}

/** Splits the first whitespace-delimited word off `text`. */
function nextWord(text: string): { word: string; rest: string } | undefined {
  const m = /^\s*(\S+)/.exec(text);
  return m?.[1] === undefined ? undefined : { word: m[1], rest: text.slice(m[0].length) };
}

const WORD = /\s*(\S+)/y;

/**
 * The option token at `from`: one word, or, when its value opens a quote (`--branch='a b'`), up to the closing
 * quote, spaces included, so a quoted value is judged whole. Undefined at the end of the text.
 */
function optionToken(text: string, from: number): { word: string; end: number } | undefined {
  WORD.lastIndex = from;
  const m = WORD.exec(text);
  if (m?.[1] === undefined) return undefined;
  const word = m[1];
  const end = from + m[0].length;
  const quoted = /^--[^=\s]*=(["'`])/.exec(word);
  const quote = quoted?.[1];
  if (quoted === null || quote === undefined) return { word, end };
  if (word.length > quoted[0].length && word.endsWith(quote)) return { word, end };
  const close = text.indexOf(quote, end);
  if (close === -1 || /\n/.test(text.slice(end, close))) return { word, end };
  return { word: text.slice(end - word.length, close + 1), end: close + 1 };
}

/**
 * Consumes leading `--options` from `text`; stops at the first other word or after a bare `--`. Walks the text
 * once (a line with thousands of options costs no more than reading it).
 */
function takeOptions(
  text: string,
  options: CommandOptions,
  seen: Set<OptionName>,
  problems: OptionProblem[],
  written: string[],
): string {
  let at = 0;
  for (let next = optionToken(text, at); next?.word.startsWith('--'); next = optionToken(text, at)) {
    at = next.end;
    if (next.word === '--') break;
    written.push(next.word);
    const problem = applyOption(next.word, options, seen);
    if (problem !== undefined) problems.push(problem);
  }
  return text.slice(at);
}

const joinInstruction = (lineRest: string, continuation: string): string =>
  `${lineRest.trim()}\n${continuation}`.trim();

/**
 * Parses `body` for the command word `trigger` (default `/codecloud`). See the module comment for the rules.
 *
 * `parseCommand('/codecloud --no-pr fix the flaky test')` →
 * `{ kind: 'command', command: { kind: 'execute', instruction: 'fix the flaky test', options: { noPr: true } }, … }`
 */
export function parseCommand(body: string, trigger: string = DEFAULT_TRIGGER): ParsedComment {
  const found = findCommandLine(body, trigger);
  if (found === undefined) return { kind: 'none' };
  const { line, continuation } = found;

  const options: CommandOptions = {};
  const seen = new Set<OptionName>();
  const problems: OptionProblem[] = [];
  const written: string[] = [];
  let rest = takeOptions(found.rest, options, seen, problems, written);

  let command: Command;
  const keyword = nextWord(rest);
  const word = keyword?.word.toLowerCase().replace(/[.!:]+$/, '');
  if (keyword !== undefined && word !== undefined && SIMPLE_WORDS.has(word) && keyword.rest.trim() === '') {
    for (const token of written) {
      const option = token.split('=')[0] ?? token;
      if (!problems.some((p) => p.option === option)) {
        problems.push({ option, message: `does not apply to \`${word}\`` });
      }
    }
    command =
      word === 'approve'
        ? { kind: 'approve', note: continuation.trim() }
        : {
            kind:
              word === 'stop' ? 'stop' : word === 'status' ? 'status' : word === 'usage' ? 'usage' : 'help',
          };
  } else if (keyword !== undefined && word === 'plan') {
    rest = takeOptions(keyword.rest, options, seen, problems, written);
    command = { kind: 'plan', instruction: joinInstruction(rest, continuation), options };
  } else {
    command = { kind: 'execute', instruction: joinInstruction(rest, continuation), options };
  }

  const tooLong = instructionTooLong(command);
  if (tooLong !== undefined) problems.push(tooLong);
  if (problems.length > 0) return { kind: 'invalid', problems, line };
  return { kind: 'command', command, line };
}

/**
 * An instruction (or approval note) longer than the prompt takes is refused rather than cut where nobody sees it:
 * measured as the agent would get it, without hidden HTML comments and invisible characters.
 */
function instructionTooLong(command: Command): OptionProblem | undefined {
  const text =
    command.kind === 'approve' ? command.note : 'instruction' in command ? command.instruction : '';
  if (text.length <= PROMPT_LIMITS.instruction) return undefined;
  const length = sanitizeGitHubText(text).length;
  if (length <= PROMPT_LIMITS.instruction) return undefined;
  return {
    option: 'instruction',
    subject: 'instruction',
    message: `is ${length.toLocaleString('en-US')} characters long; at most ${PROMPT_LIMITS.instruction.toLocaleString('en-US')} are accepted`,
  };
}
