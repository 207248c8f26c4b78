// Every credential pattern in every place the App or the Action shows text: the status comment (progress, result,
// plan, error), replies, any body at the GitHub API layer, the App's log, and the Action's outputs, summary,
// failure and log. Checked on the text as GitHub shows it (markdown escapes and invisible joiners removed).
import { describe, expect, it } from 'vitest';
import type { ActionLog } from '../../src/action/action-context.js';
import { redactingActionLog, redactOutcome } from '../../src/action/redact-outcome.js';
import { gitHubApi } from '../../src/github/github-api.js';
import { REDACTED, redactSecrets } from '../../src/redact.js';
import { inertText } from '../../src/render/markdown.js';
import { postableBody } from '../../src/render/postable.js';
import { redactingLog } from '../../src/render/redacting-log.js';
import { renderInvalidConfigComment, renderInvalidOptionsReply } from '../../src/render/replies.js';
import { renderStatusComment, type StatusState } from '../../src/render/status-comment.js';
import { KNOWN_SECRET_SAMPLE, SECRETS } from './secret-samples.js';

const KNOWN = KNOWN_SECRET_SAMPLE;
const alnum = (n: number) => 'A1b2C3d4E5f6G7h8J9k0L1m2N3p4Q5r6S7t8U9v0'.repeat(4).slice(0, n);

/** The text as GitHub renders it: backslash escapes and invisible characters gone. */
const visible = (text: string): string =>
  text.replace(/\\([!-/:-@[-`{-~])/g, '$1').replace(/[\u200B-\u200D\u2060\uFEFF]/g, '');

/** Pieces of `secret` that must not survive anywhere: its secret part's head and its tail. */
function fragments(name: string, secret: string): string[] {
  if (name === 'PEM block') return ['MIIEowIBAAKCAQEA1c7', 'jecsQ0bu3a'];
  if (name === 'AWS secret key') return ['wJalrXUtnFEMI', 'EXAMPLEKEY'];
  return [secret.slice(0, 14), secret.slice(-10)];
}

function expectClean(shown: string, name: string, secret: string): void {
  const text = visible(shown);
  for (const piece of fragments(name, secret))
    expect(text, `${name} leaked as ${piece}`).not.toContain(piece);
  expect(text).toContain('[redacted]');
}

const cases = Object.entries(SECRETS);
const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const status = (state: StatusState) =>
  renderStatusComment(
    { runId: 'r-1', requestedBy: 'alice', mode: 'execute', state, knownSecrets: [KNOWN] },
    T0 + 60_000,
  );

describe('every credential in every place', () => {
  it.each(cases)('%s: running status comment, progress text escaped for display', (name, secret) => {
    // What the app stores for `agent.progress` text: markdown-escaped and made inert before rendering.
    const thinking = inertText(`Pushing with ${secret} now`);
    expectClean(status({ status: 'running', startedAt: T0, progress: { thinking } }), name, secret);
  });

  it.each(cases)('%s: a tool call argument in the progress', (name, secret) => {
    const body = status({
      status: 'running',
      startedAt: T0,
      progress: {
        toolCalls: [{ name: 'bash', status: 'running', arguments: { command: `echo ${secret}` } }],
      },
    });
    expectClean(body, name, secret);
  });

  it.each(cases)('%s: result, plan and error of a final status comment', (name, secret) => {
    expectClean(status({ status: 'completed', outcome: { result: `Done.\n\n${secret}\n` } }), name, secret);
    expectClean(status({ status: 'completed', outcome: { plan: `1. use ${secret}` } }), name, secret);
    expectClean(status({ status: 'failed', error: `push failed: ${secret}` }), name, secret);
  });

  it.each(cases)('%s: replies quoting what the user wrote', (name, secret) => {
    const line = `/codecloud --model=${secret.replace(/\s+/g, ' ')} fix`;
    const options = renderInvalidOptionsReply({
      login: 'alice',
      line,
      trigger: '/codecloud',
      problems: [{ option: '--model', value: secret, message: 'must be a name' }],
    });
    expectClean(postableBody(options, [KNOWN]), name, secret);
    const config = renderInvalidConfigComment({ issues: [`instructions: ${secret}`] });
    expectClean(postableBody(config, [KNOWN]), name, secret);
  });

  it.each(cases)('%s: any body posted through the GitHub API layer', async (name, secret) => {
    const sent: unknown[] = [];
    const api = gitHubApi(
      {
        request: async (_route, parameters) => {
          sent.push(parameters?.body);
          return { status: 201, data: { id: 1 } };
        },
      },
      { knownSecrets: () => [KNOWN] },
    );
    const ref = { owner: 'a', repo: 'b' };
    await api.createComment(ref, 1, `x ${secret} y`);
    await api.updateComment(ref, 1, `x \\${secret} y`);
    await api.replyToReviewComment(ref, 1, 2, `x ${secret} y`);
    await api.updateReviewComment(ref, 1, `x ${secret} y`);
    expect(sent).toHaveLength(4);
    for (const body of sent) expectClean(String(body), name, secret);
  });

  it.each(cases)('%s: the App’s log', (name, secret) => {
    const lines: string[] = [];
    const sink = {
      debug: lines.push.bind(lines),
      info: lines.push.bind(lines),
      warn: lines.push.bind(lines),
      error: lines.push.bind(lines),
    };
    const log = redactingLog(sink, () => [KNOWN]);
    log.warn(`stop failed: ${secret}`);
    log.error(`job failed: ${secret}`);
    for (const line of lines) expectClean(line, name, secret);
  });

  it.each(cases)('%s: the Action’s outputs, summary, failure and log', (name, secret) => {
    const outcome = redactOutcome(
      {
        outputs: {
          result: `Done: ${secret}`,
          error: `failed: ${secret}`,
          results: JSON.stringify([{ name: 't', result: secret }]),
        },
        summary: `| t | ${secret} |`,
        failure: `Run failed: ${secret}`,
      },
      [KNOWN],
    );
    expectClean(outcome.outputs.result ?? '', name, secret);
    expectClean(outcome.outputs.error ?? '', name, secret);
    expectClean(JSON.parse(outcome.outputs.results ?? '[]')[0].result, name, secret);
    expectClean(outcome.summary, name, secret);
    expectClean(outcome.failure ?? '', name, secret);
    const lines: string[] = [];
    const sink: ActionLog = {
      info: (t) => lines.push(t),
      warning: (t) => lines.push(t),
      notice: (t) => lines.push(t),
      group: (title, group) => lines.push(title, ...group),
    };
    const log = redactingActionLog(sink, [KNOWN]);
    log.info(`status: ${secret}`);
    log.warning(secret);
    log.notice(`PR: ${secret}`);
    log.group(`task ${secret}`, [secret]);
    for (const line of lines) expectClean(line, name, secret);
  });
});

describe('the redactor on rendered text', () => {
  it('sees through markdown escapes: ghp\\_… and a JWT with escaped underscores go whole', () => {
    const token = `ghp_${alnum(36)}`;
    expect(redactSecrets(`token ghp\\_${alnum(36)} end`)).toBe(`token ${REDACTED} end`);
    const jwt = SECRETS.JWT as string;
    const escaped = jwt.replace(/_/g, '\\_');
    expect(redactSecrets(`jwt ${escaped} end`)).toBe(`jwt ${REDACTED} end`);
    expect(redactSecrets(`x \u2060${token}`)).toBe(`x \u2060${REDACTED}`);
  });

  it('sees through HTML entities for _ - and .', () => {
    expect(redactSecrets(`ghp&#95;${alnum(36)} done`)).toBe(`${REDACTED} done`);
  });

  // What a writer can do to a token that GitHub undoes when it shows the page: the reader sees the token whole.
  it.each([
    ['a decimal entity for a letter', (t: string) => t.replace('ghp_', 'gh&#112;_')],
    ['a hex entity for a letter', (t: string) => t.replace('ghp_', '&#x67;hp_')],
    ['a named entity for the underscore', (t: string) => t.replace('ghp_', 'ghp&lowbar;')],
    ['an empty tag', (t: string) => `${t.slice(0, 8)}<b></b>${t.slice(8)}`],
    ['a tag pair around part of it', (t: string) => `${t.slice(0, 8)}<i>${t.slice(8, 20)}</i>${t.slice(20)}`],
    ['an empty HTML comment', (t: string) => `${t.slice(0, 10)}<!---->${t.slice(10)}`],
    ['an HTML comment with text', (t: string) => `${t.slice(0, 10)}<!-- x -->${t.slice(10)}`],
    ['a soft hyphen', (t: string) => `${t.slice(0, 12)}\u00AD${t.slice(12)}`],
    ['a named soft hyphen', (t: string) => `${t.slice(0, 12)}&shy;${t.slice(12)}`],
    ['a zero-width space', (t: string) => `${t.slice(0, 6)}\u200B${t.slice(6)}`],
    ['a zero-width joiner', (t: string) => `${t.slice(0, 6)}\u200D${t.slice(6)}`],
    ['a word joiner', (t: string) => `${t.slice(0, 6)}\u2060${t.slice(6)}`],
    ['a byte order mark', (t: string) => `${t.slice(0, 6)}\uFEFF${t.slice(6)}`],
    ['a left-to-right mark', (t: string) => `${t.slice(0, 6)}\u200E${t.slice(6)}`],
    ['a numeric zero-width space', (t: string) => `${t.slice(0, 6)}&#8203;${t.slice(6)}`],
  ])('sees through %s inside a token', (_how, disguise) => {
    const token = `ghp_${alnum(36)}`;
    const out = redactSecrets(`token ${disguise(token)} end`);
    expect(out).toBe(`token ${REDACTED} end`);
  });

  it.each([
    ['an empty tag', (s: string) => `${s.slice(0, 5)}<b></b>${s.slice(5)}`],
    ['an entity', (s: string) => `${s.slice(0, 5)}&#${s.charCodeAt(5)};${s.slice(6)}`],
    ['a soft hyphen', (s: string) => `${s.slice(0, 5)}\u00AD${s.slice(5)}`],
    ['an HTML comment', (s: string) => `${s.slice(0, 5)}<!---->${s.slice(5)}`],
  ])('sees through %s inside a configured secret', (_how, disguise) => {
    const secret = 'correct-horse-battery';
    expect(redactSecrets(`it is ${disguise(secret)} ok`, [secret])).toBe(`it is ${REDACTED} ok`);
  });

  it('leaves tags, entities and comments around ordinary text as they were', () => {
    const text = 'use <b>bold</b> &amp; <!-- note --> a&#95;b, Vec<T> and x &lt; y';
    expect(redactSecrets(text)).toBe(text);
  });

  it('redacts a token glued to an underscore or a word boundary', () => {
    expect(redactSecrets(`GH_TOKEN_ghs_${alnum(36)}`)).toBe(`GH_TOKEN_${REDACTED}`);
  });

  it('a PEM block cut off mid-way is redacted to the next blank line, not the whole rest', () => {
    expect(redactSecrets('a\n-----BEGIN PRIVATE KEY-----\nMIIEvAAA\n\nnext paragraph')).toBe(
      `a\n${REDACTED}\n\nnext paragraph`,
    );
  });

  it('leaves markdown-escaped ordinary text as it was', () => {
    const text = 'the \\_private\\_ helper and sk\\-learn, ghp\\_ is a prefix';
    expect(redactSecrets(text)).toBe(text);
  });
});
