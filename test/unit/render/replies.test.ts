import { describe, expect, it } from 'vitest';
import { parseRepoConfig, type RepoConfig } from '../../../src/config/repo-config.js';
import { isCodecloudComment } from '../../../src/render/markers.js';
import {
  renderBackendUnavailableReply,
  renderBusyReply,
  renderForkRefusal,
  renderHelpReply,
  renderInvalidConfigComment,
  renderInvalidOptionsReply,
  renderNoActiveRunReply,
  renderNothingToApproveReply,
} from '../../../src/render/replies.js';

function config(raw: unknown): RepoConfig {
  const result = parseRepoConfig(raw);
  if (!result.ok) throw new Error(result.message);
  return result.config;
}

describe('renderHelpReply', () => {
  it('lists commands, options, config keys with values, and the caller permission', () => {
    expect(
      renderHelpReply({
        login: 'alice',
        permission: 'triage',
        config: config({ model: 'claude-sonnet-4-5', allowed_bots: ['renovate[bot]'], instructions: 'x' }),
      }),
    ).toMatchInlineSnapshot(`
      "<!-- codecloud:reply=help -->

      ### codecloud

      Write a line starting with \`/codecloud\` in an issue, a pull request or a review to hand work to a codecloud agent. The instruction may go on over the following lines.

      | command | what it does |
      | --- | --- |
      | \`/codecloud <instruction>\` | start an agent run; on a pull request the agent opened, send it a follow-up that pushes to the same PR |
      | \`/codecloud plan <instruction>\` | ask for a plan first; the final comment shows it |
      | \`/codecloud approve\` | carry out the last plan on this thread |
      | \`/codecloud stop\` | stop the active run on this thread |
      | \`/codecloud status\` | refresh the status comment |
      | \`/codecloud help\` | this help |

      **Options**, before the instruction (e.g. \`/codecloud --no-pr fix the typo\`):

      - \`--model=<model>\`: model to use, e.g. \`claude-sonnet-4-5\`
      - \`--provider=<provider>\`: model provider, e.g. \`anthropic\`
      - \`--agent=opencode|claude-code\`: agent that does the work
      - \`--branch=<branch>\`: base branch for a new run
      - \`--no-pr\`: push a branch but do not open a pull request
      - \`--backend=codecloud|cloudcoding\`: API that runs the agent
      - \`--new\`: Cloud Coding: start a fresh conversation instead of continuing the thread's

      **Cloud Coding conversations** (\`--backend=cloudcoding\` or \`backend: cloudcoding\`): a command in a thread (an issue, a pull request's conversation, a review thread) whose latest run is a completed Cloud Coding run continues that conversation, with its own status comment marked as a follow-up. \`/codecloud --new <instruction>\` starts a fresh one; after a run that failed, was stopped or timed out, the next command starts afresh.

      <details><summary><b>Configuration</b> (\`.github/codecloud.yml\`)</summary>

      | key | value here | meaning |
      | --- | --- | --- |
      | \`trigger\` | \`/codecloud\` | command word |
      | \`label\` | \`codecloud\` | label that starts a run on an issue |
      | \`backend\` | \`codecloud\` | \`codecloud\` or \`cloudcoding\` |
      | \`mode\` | \`execute\` | default mode: \`execute\` or \`plan\` |
      | \`model\` | \`claude-sonnet-4-5\` | model passed to the agent |
      | \`provider\` | _(not set)_ | model provider |
      | \`agent_provider\` | _(not set)_ | \`opencode\` or \`claude-code\` |
      | \`branch\` | _(not set)_ | base branch for runs from issues (default: the default branch) |
      | \`auto_create_pr\` | \`true\` | open a pull request when done |
      | \`min_permission\` | \`write\` | least permission that may trigger: \`read\`, \`triage\`, \`write\`, \`maintain\`, \`admin\` |
      | \`allowed_bots\` | \`renovate[bot]\` | bot logins that may trigger |
      | \`max_concurrent_runs\` | \`5\` | runs at once for this installation; more wait in line |
      | \`timeout_minutes\` | \`60\` | runs still going after this are stopped |
      | \`progress\` | \`true\` | show the agent’s progress in the status comment |
      | \`instructions\` | _(set)_ | text appended to every prompt |
      | \`schedules\` | 0 schedules | recurring (\`cron\`) or one-off (\`run_at\`) runs |
      | \`autofix\` | \`ci: false, reviews: false, max_attempts: 3\` | send failed checks (\`ci\`) and requested changes (\`reviews\`) on the agent’s PRs back to it, up to \`max_attempts\` per PR |
      | \`limits\` | _(none)_ | \`runs_per_day\`, \`runs_per_user_per_day\`, \`tokens_per_month\`, \`tokens_per_run\`; may only lower the app’s ceilings |

      </details>

      @alice, your permission here is **triage**; commands need **write** or more, so you cannot start runs."
    `);
  });

  it('uses the configured trigger and says when the caller may start runs', () => {
    const body = renderHelpReply({ login: 'bob', permission: 'admin', config: config({ trigger: '@cc' }) });
    expect(body).toContain('`@cc plan <instruction>`');
    expect(body).toContain(
      'your permission here is **admin**; commands need **write** or more, so you can start runs.',
    );
  });

  it('lists what the installation cannot do without its updated permissions, one line each; nothing when none', () => {
    const body = renderHelpReply({
      login: 'bob',
      permission: 'write',
      config: config({}),
      cannot: ['show runs as check runs (needs checks: write)', 'read job logs (needs actions: read)'],
    });
    expect(body).toContain(
      "This installation has not accepted the app's updated permissions yet, so the app cannot:\n" +
        '- show runs as check runs (needs checks: write)\n- read job logs (needs actions: read)\n\n' +
        "An owner can accept them in the installation's settings; this note goes away once they do.",
    );
    expect(
      renderHelpReply({ login: 'bob', permission: 'write', config: config({}), cannot: [] }),
    ).not.toContain('updated permissions');
  });

  it('speaks plainly to someone without access', () => {
    expect(renderHelpReply({ login: 'eve', permission: 'none', config: config({}) })).toContain(
      '@eve, you have no access to this repository',
    );
  });
});

describe('replies', () => {
  it('busy: offers stop, links the active run', () => {
    expect(
      renderBusyReply({
        login: 'alice',
        trigger: '/codecloud',
        statusCommentUrl: 'https://github.com/a/b/issues/1#issuecomment-9',
      }),
    ).toMatchInlineSnapshot(`
      "<!-- codecloud:reply=busy -->

      @alice [An agent run](https://github.com/a/b/issues/1#issuecomment-9) is still working on this thread, so nothing new was started. Comment again when it has finished, or stop it with \`/codecloud stop\`."
    `);
  });

  it('fork refusal explains why and what to do', () => {
    expect(renderForkRefusal({ login: 'alice', headRepo: 'mallory/widgets' })).toMatchInlineSnapshot(`
      "<!-- codecloud:reply=fork -->

      @alice I can't work on this pull request: its branch lives in the fork \`mallory/widgets\`, and the agent can only push to branches of this repository (and won't run a fork's code with this repository's access). Push the branch to this repository and open a pull request from there, or describe the task in an issue."
    `);
  });

  it('invalid options: each by name and value, with suggestions', () => {
    expect(
      renderInvalidOptionsReply({
        login: 'alice',
        line: '/codecloud --modle=opus --agent=gpt fix it',
        trigger: '/codecloud',
        problems: [
          { option: '--modle', value: 'opus', message: 'unknown option', suggestion: '--model' },
          { option: '--agent', value: 'gpt', message: 'must be one of opencode, claude-code' },
        ],
      }),
    ).toMatchInlineSnapshot(`
      "<!-- codecloud:reply=invalid-options -->

      @alice nothing was started: I could not read the options of

      \`\`\`
      /codecloud --modle=opus --agent=gpt fix it
      \`\`\`

      - \`--modle=opus\`: unknown option (did you mean \`--model\`?)
      - \`--agent=gpt\`: must be one of opencode, claude-code

      Options: \`--model=<model>\`, \`--provider=<provider>\`, \`--agent=opencode|claude-code\`, \`--branch=<branch>\`, \`--no-pr\`, \`--backend=codecloud|cloudcoding\`, \`--new\`. See \`/codecloud help\`."
    `);
  });

  it('invalid config quotes the error', () => {
    const result = parseRepoConfig({ min_permission: 'owner', timeout_minutes: 0 });
    if (result.ok) throw new Error('expected invalid');
    expect(renderInvalidConfigComment({ issues: result.issues, login: 'alice' })).toMatchInlineSnapshot(`
      "<!-- codecloud:reply=invalid-config -->

      @alice nothing was started: \`.github/codecloud.yml\` is not valid.

      \`\`\`
      min_permission: must be one of read, triage, write, maintain, admin (got 'owner')
      timeout_minutes: must be at least 1 (got 0)
      \`\`\`

      Fix the file on the default branch and comment again."
    `);
  });

  it('invalid config cannot break out of its code block', () => {
    const body = renderInvalidConfigComment({ issues: ["trigger: bad (got '```')"] });
    expect(body).toContain("````\ntrigger: bad (got '```')\n````");
  });

  it('small answers', () => {
    expect(renderNoActiveRunReply('alice', '/codecloud')).toContain(
      'there is no active codecloud run on this thread',
    );
    expect(renderNothingToApproveReply('alice', '/codecloud')).toContain('`/codecloud plan <instruction>`');
    expect(renderBackendUnavailableReply('alice', 'cloudcoding')).toContain(
      'the `cloudcoding` backend is not configured',
    );
  });

  it('every reply carries a marker, so the app never reacts to its own replies', () => {
    const bodies = [
      renderHelpReply({ login: 'a', permission: 'write', config: config({}) }),
      renderBusyReply({ login: 'a', trigger: '/codecloud' }),
      renderForkRefusal({ login: 'a' }),
      renderInvalidOptionsReply({ login: 'a', line: 'x', trigger: '/codecloud', problems: [] }),
      renderInvalidConfigComment({ issues: ['x'] }),
      renderNoActiveRunReply('a', '/codecloud'),
      renderNothingToApproveReply('a', '/codecloud'),
      renderBackendUnavailableReply('a', 'x'),
    ];
    for (const body of bodies) expect(isCodecloudComment(body)).toBe(true);
  });

  it('redacts what it quotes', () => {
    const token = `ghp_${'a1B2'.repeat(9)}`;
    expect(renderInvalidConfigComment({ issues: [`model: bad (got '${token}')`] })).not.toContain(token);
  });
});

describe('renderHelpReply tables', () => {
  it('escapes | in cells', () => {
    const body = renderHelpReply({ login: 'a', permission: 'write', config: config({ trigger: '/a|b' }) });
    expect(body).toContain('| `/a\\|b stop` |');
    expect(body).toContain('| `trigger` | `/a\\|b` |');
  });
});

describe('renderInvalidOptionsReply: hostile input', () => {
  it('10,000 copies of one unknown option become one line with a count; the reply stays short', () => {
    const line = `/codecloud ${Array.from({ length: 10_000 }, () => '--x').join(' ')} fix`;
    const body = renderInvalidOptionsReply({
      login: 'alice',
      line,
      trigger: '/codecloud',
      problems: Array.from({ length: 10_000 }, () => ({ option: '--x', message: 'unknown option' })),
    });
    expect(body).toContain('- `--x`: unknown option (and 9,999 more)');
    expect(body.length).toBeLessThan(2_000);
  });

  it('lists at most 10 distinct problems and counts the rest', () => {
    const body = renderInvalidOptionsReply({
      login: 'alice',
      line: '/codecloud …',
      trigger: '/codecloud',
      problems: Array.from({ length: 25 }, (_, i) => ({ option: `--x${i}`, message: 'unknown option' })),
    });
    expect(body).toContain('`--x9`');
    expect(body).not.toContain('`--x10`');
    expect(body).toContain('- … and 15 more options with problems');
  });

  it('an over-long instruction gets its own refusal, with the numbers', () => {
    const body = renderInvalidOptionsReply({
      login: 'alice',
      line: '/codecloud fix',
      trigger: '/codecloud',
      problems: [
        {
          option: 'instruction',
          subject: 'instruction',
          message: 'is 1,000,004 characters long; at most 20,000 are accepted',
        },
      ],
    });
    expect(body).toContain(
      '@alice nothing was started: the instruction is 1,000,004 characters long; at most 20,000 are accepted. Shorten it and comment again.',
    );
  });

  it('every reply fits in a GitHub comment, whatever it quotes', () => {
    const body = renderInvalidConfigComment({ issues: ['x'.repeat(200_000)] });
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body).toContain('cut to fit in a comment');
  });
});
