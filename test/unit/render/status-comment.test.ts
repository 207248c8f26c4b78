import { describe, expect, it } from 'vitest';
import { GITHUB_COMMENT_LIMIT } from '../../../src/render/markdown.js';
import { readMarkers } from '../../../src/render/markers.js';
import {
  renderStatusComment,
  STATUS_COMMENT_MAX,
  type StatusCommentInput,
  type StatusState,
} from '../../../src/render/status-comment.js';

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const base = { runId: 'r-123', remoteRunId: 'run_abc', requestedBy: 'alice', mode: 'execute' } as const;
const render = (state: StatusState, extra: Partial<StatusCommentInput> = {}, now = T0 + 192_000): string =>
  renderStatusComment({ ...base, ...extra, state }, now);

describe('renderStatusComment: states', () => {
  it('waiting for a slot', () => {
    expect(
      renderStatusComment(
        { runId: 'r-123', requestedBy: 'alice', mode: 'execute', state: { status: 'waiting', ahead: 2 } },
        T0,
      ),
    ).toMatchInlineSnapshot(`
      "<!-- codecloud:run=r-123 -->

      ⏳ **Waiting for a free slot** (2 ahead)
      <sub>codecloud run requested by @alice</sub>

      <sub>Comment \`/codecloud stop\` to cancel.</sub>"
    `);
  });

  it('starting, before any run id exists (pending marker)', () => {
    const body = renderStatusComment(
      { pendingId: 'local-7', requestedBy: 'alice', mode: 'execute', state: { status: 'starting' } },
      T0,
    );
    expect(body).toMatchInlineSnapshot(`
      "<!-- codecloud:pending=local-7 -->

      ⏳ **Starting** the agent…
      <sub>codecloud run requested by @alice</sub>

      <sub>Comment \`/codecloud stop\` to cancel.</sub>"
    `);
    expect(readMarkers(body)).toEqual({ pendingId: 'local-7' });
  });

  it('queued at the backend', () => {
    expect(render({ status: 'queued' })).toContain('⏳ **Queued**: the agent will start shortly');
  });

  it('running, with elapsed time, tool calls and a thinking excerpt', () => {
    expect(
      render({
        status: 'running',
        startedAt: T0,
        progress: {
          toolCalls: [
            { name: 'read', status: 'completed', arguments: { file_path: 'src/a.ts' } },
            { name: 'bash', status: 'completed', arguments: { command: 'npm test' } },
            { name: 'edit', status: 'completed', arguments: { path: 'src/parser.ts' } },
            { name: 'grep', status: 'error', arguments: { pattern: 'TODO' } },
            { name: 'write', status: 'completed' },
            { name: 'bash', status: 'running', arguments: { command: 'npm test -- --run `x`' } },
          ],
          thinking:
            'The failing test expects an empty array when the input is empty. I will add a guard in parse() ' +
            'and ask @bob whether the behaviour is documented anywhere else in the code base, then run the suite again ' +
            'to make sure nothing else depends on the exception being thrown for empty input.',
        },
      }),
    ).toMatchInlineSnapshot(`
      "<!-- codecloud:run=r-123 -->

      🏃 **Running** for 3m 12s
      <sub>codecloud run requested by @alice · run \`run_abc\`</sub>

      - ✔️ \`bash\` \`npm test\`
      - ✔️ \`edit\` \`src/parser.ts\`
      - ⚠️ \`grep\` \`TODO\`
      - ✔️ \`write\`
      - ▶️ \`bash\` \`\` npm test -- --run \`x\` \`\`

      > The failing test expects an empty array when the input is empty. I will add a guard in parse() and ask @​bob whether the behaviour is documented anywhere else in the code base, then run the suite again to make sure nothing else depends on the exception being thrown for empty…

      <sub>Comment \`/codecloud stop\` to stop it.</sub>"
    `);
  });

  it('completed, with result, PRs, branch, tokens and duration', () => {
    expect(
      render({
        status: 'completed',
        startedAt: T0,
        finishedAt: T0 + 252_000,
        outcome: {
          title: 'Return [] for empty input',
          result: 'Added a guard in `parse()` and a regression test.',
          prs: [
            {
              url: 'https://github.com/acme/widgets/pull/13',
              number: 13,
              branch: 'codecloud/fix-empty-input',
            },
          ],
          inputTokens: 12345,
          outputTokens: 2345,
        },
      }),
    ).toMatchInlineSnapshot(`
      "<!-- codecloud:run=r-123 -->

      ✅ **Completed**: Return [] for empty input
      <sub>codecloud run requested by @alice · run \`run_abc\`</sub>

      **Result**

      Added a guard in \`parse()\` and a regression test.

      🔀 **Pull request:** https://github.com/acme/widgets/pull/13

      <sub>branch \`codecloud/fix-empty-input\` · 12,345 tokens in / 2,345 out · took 4m 12s</sub>"
    `);
  });

  it('completed plan: shows the plan open and how to approve', () => {
    const body = render(
      { status: 'completed', outcome: { plan: '1. Add a guard\n2. Add a test' } },
      { mode: 'plan', trigger: '/cc' },
    );
    expect(body).toMatchInlineSnapshot(`
      "<!-- codecloud:run=r-123 -->

      📋 **Plan ready**
      <sub>codecloud plan requested by @alice · run \`run_abc\`</sub>

      **Plan**

      1. Add a guard
      2. Add a test

      Comment \`/cc approve\` to carry out this plan, or \`/cc plan <changes>\` for a different one."
    `);
  });

  it('failed, with the error and what to do', () => {
    expect(
      render({ status: 'failed', error: 'codecloud API 401: Invalid or missing API key' }),
    ).toMatchInlineSnapshot(`
      "<!-- codecloud:run=r-123 -->

      ❌ **Failed**
      <sub>codecloud run requested by @alice · run \`run_abc\`</sub>

      \`\`\`
      codecloud API 401: Invalid or missing API key
      \`\`\`

      Comment \`/codecloud <instruction>\` to try again, or \`/codecloud help\` for the options."
    `);
  });

  it('failed with a caller hint and no message', () => {
    const body = render({ status: 'failed', hint: 'The follow-up could not be delivered; comment again.' });
    expect(body).toContain('The run failed without an error message.');
    expect(body).toContain('The follow-up could not be delivered; comment again.');
    expect(body).not.toContain('to try again');
  });

  it('stopped, saying who stopped it', () => {
    expect(
      render({ status: 'stopped', stoppedBy: 'bob', startedAt: T0, finishedAt: T0 + 60_000 }),
    ).toMatchInlineSnapshot(`
      "<!-- codecloud:run=r-123 -->

      ⏹️ **Stopped** by @bob
      <sub>codecloud run requested by @alice · run \`run_abc\`</sub>

      The agent was stopped before it finished. Comment \`/codecloud <instruction>\` to start again.

      <sub>took 1m 0s</sub>"
    `);
  });

  it('timed out', () => {
    const body = render({ status: 'timed_out', timeoutMinutes: 60, outcome: { result: 'partial work' } });
    expect(body).toContain('⌛ **Timed out** after 60 minutes');
    expect(body).toContain('`timeout_minutes`');
    expect(body).toContain('partial work');
  });

  it('labels a follow-up', () => {
    expect(render({ status: 'queued' }, { kind: 'follow-up' })).toContain(
      '<sub>codecloud follow-up requested by @alice · run `run_abc`</sub>',
    );
  });
});

describe('renderStatusComment: safety', () => {
  it('carries the run marker', () => {
    expect(readMarkers(render({ status: 'queued' }))).toEqual({ runId: 'r-123' });
  });

  it('redacts credentials everywhere, including known secrets', () => {
    const token = `ghs_${'a1B2'.repeat(9)}`;
    const body = render(
      {
        status: 'failed',
        error: `git push https://x-access-token:${token}@github.com failed`,
        outcome: { result: `export OPENAI_API_KEY=sk-${'x'.repeat(40)} and cc-key-1234567890` },
      },
      { knownSecrets: ['cc-key-1234567890'] },
    );
    expect(body).not.toContain(token);
    expect(body).not.toContain('sk-xxxx');
    expect(body).not.toContain('cc-key-1234567890');
    expect(body).toContain('[redacted]');
  });

  it('does not let agent text mention people', () => {
    const body = render({
      status: 'completed',
      outcome: { result: 'Thanks @bob and @acme/core! mail me@x.org' },
    });
    expect(body).toContain('@\u200Bbob');
    expect(body).toContain('@\u200Bacme/core');
    expect(body).toContain('me@x.org');
    expect(body).toContain('requested by @alice');
  });

  it('folds a long result into details and keeps the footer', () => {
    const body = render({ status: 'completed', outcome: { result: 'line\n'.repeat(100), branch: 'b' } });
    expect(body).toContain('<details><summary><b>Result</b></summary>');
    expect(body.trimEnd().endsWith('<sub>branch `b`</sub>')).toBe(true);
  });

  it('stays under 65,536 characters by cutting the result with a note, closing an open fence', () => {
    const huge = `\`\`\`\n${'0123456789 '.repeat(20_000)}`;
    const body = render({
      status: 'completed',
      outcome: { result: huge, prs: [{ url: 'https://github.com/a/b/pull/1' }] },
    });
    expect(body.length).toBeLessThanOrEqual(STATUS_COMMENT_MAX);
    expect(body.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
    expect(body).toMatch(/_… cut to fit in a comment: [\d,]+ more characters not shown\._/);
    expect(body).toContain('\n```\n\n_… cut');
    expect(body).toContain('🔀 **Pull request:** https://github.com/a/b/pull/1');
  });

  it('also fits when both plan and result are huge', () => {
    const body = render({
      status: 'completed',
      outcome: { plan: 'p'.repeat(100_000), result: 'r'.repeat(100_000) },
    });
    expect(body.length).toBeLessThanOrEqual(STATUS_COMMENT_MAX);
    expect(body).toContain('<b>Plan</b>');
    expect(body).toContain('<b>Result</b>');
  });

  it('is deterministic for the same input and now', () => {
    const state: StatusState = { status: 'running', startedAt: T0 };
    expect(render(state)).toBe(render(state));
    expect(render(state, {}, T0 + 5_000)).toContain('🏃 **Running** for 5s');
  });
});
