// `npm run demo`: the whole loop offline. Starts the codecloud simulator, a fake GitHub and the real app
// (a child process, as `npm start` runs it) on 127.0.0.1, plays `/codecloud fix this` on an issue, a follow-up on
// the pull request the agent opens, and a `/codecloud stop`, then prints the thread as GitHub would show it.

import { freshRepo, type Harness, startHarness } from '../e2e/app/app-harness.js';
import type { FakeGitHubState } from '../fake-github/fake-github.js';
import type { PullRequestEvent } from '../sim/simulator.js';

const BOT = 'codecloud[bot]';
const say = (text: string): void => void process.stdout.write(`${text}\n`);

function printThread(state: FakeGitHubState, repo: string, number: number, heading: string): void {
  const issue = state.issues.find((i) => i.repo === repo && i.number === number);
  const pull = state.pulls.find((p) => p.repo === repo && p.number === number);
  const opening = issue ?? pull;
  say('');
  say('═'.repeat(100));
  say(`${heading}  ${repo}#${number}: ${opening?.title ?? ''}`);
  say('═'.repeat(100));
  if (opening) {
    say(`@${opening.user} opened this${pull ? ` (${pull.head} → ${pull.base})` : ''}`);
    if (opening.body) say(indent(opening.body));
  }
  const comments = state.comments
    .filter((c) => c.repo === repo && c.number === number)
    .sort((a, b) => a.id - b.id);
  for (const comment of comments) {
    const reactions = state.reactions
      .filter((r) => r.repo === repo && r.id === comment.id && r.subject !== 'issue')
      .map((r) => EMOJI[r.content] ?? r.content);
    say('─'.repeat(100));
    say(
      `@${comment.user}${comment.edits > 0 ? ` (edited ${comment.edits}×)` : ''}${reactions.length ? `   ${reactions.join(' ')}` : ''}`,
    );
    say(indent(comment.body.replace(/<!--[\s\S]*?-->\n*/g, '').trim()));
  }
}

const EMOJI: Record<string, string> = { eyes: '👀', rocket: '🚀', confused: '😕', '+1': '👍', hooray: '🎉' };
const indent = (text: string): string =>
  text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');

async function main(): Promise<void> {
  let onPullRequest: ((event: PullRequestEvent) => Promise<void>) | undefined;
  say('Starting the codecloud simulator, a fake GitHub and the app (all on 127.0.0.1)…');
  const h: Harness = await startHarness({
    sim: { timeFactor: 10, onPullRequest: (event) => onPullRequest?.(event) },
  });
  try {
    say(`  app:       ${h.app.url}`);
    say(`  GitHub:    ${h.github.url} (fake)`);
    say(`  codecloud: ${h.sim.url} (simulator)`);
    const { repo } = await freshRepo(h.gh);
    // The agent's pull requests show up in the fake GitHub, as they would on github.com.
    await h.gh.createUser({ login: BOT, type: 'Bot' });
    onPullRequest = async (event) => {
      if (event.kind !== 'opened') return;
      await h.gh.openPull({
        repo,
        title: event.pr.title ?? 'codecloud: changes',
        body: 'Opened by a codecloud agent run.',
        head: event.pr.branch,
        user: BOT,
      });
    };

    const issue = await h.gh.openIssue({
      repo,
      title: 'Crash when the config file is empty',
      body: 'Starting the CLI with an empty `config.yml` throws `TypeError: Cannot read properties of null`.',
      user: 'alice',
    });
    const prNumber = issue.number + 1;
    await h.sim.control.queueScripts({
      title: 'Handle an empty config file',
      result: 'An empty `config.yml` now loads as the defaults; added a guard in `loadConfig()` and a test.',
      prs: [{ number: prNumber, branch: 'codecloud/empty-config', title: 'Handle an empty config file' }],
      progress: [
        { tool_call: { name: 'read_file', arguments: { path: 'src/config.ts' }, status: 'completed' } },
        { thinking: 'The loader passes null to Object.keys when the file is empty.' },
        { tool_call: { name: 'run_tests', arguments: { command: 'npm test' }, status: 'completed' } },
      ],
      followUps: [
        { result: 'Added a regression test for an empty and a whitespace-only config file.' },
        { runningMs: 600_000 },
      ],
    });

    say('\n1. @alice comments "/codecloud fix this" on the issue');
    await h.gh.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix this' });
    await h.gh.waitFor(
      (s) => s.comments.find((c) => c.repo === repo && c.user === BOT && c.body.includes('Completed')),
      {
        timeoutMs: 30_000,
      },
    );
    say(`   → the agent finished and opened ${repo}#${prNumber}`);

    say(`\n2. @alice asks for a follow-up on the pull request #${prNumber}`);
    await h.gh.comment({
      repo,
      number: prNumber,
      user: 'alice',
      body: '/codecloud also add a regression test',
    });
    await h.gh.waitFor(
      (s) =>
        s.comments.find(
          (c) => c.repo === repo && c.number === prNumber && c.user === BOT && c.body.includes('Completed'),
        ),
      { timeoutMs: 30_000 },
    );
    say('   → the same agent session pushed to the same pull request');

    say('\n3. @alice starts another follow-up, then stops it');
    await h.gh.comment({
      repo,
      number: prNumber,
      user: 'alice',
      body: '/codecloud refactor the whole config loader',
    });
    await h.gh.waitFor(
      (s) =>
        s.comments.filter(
          (c) => c.repo === repo && c.number === prNumber && c.user === BOT && /Queued|Running/.test(c.body),
        ).length > 0,
      { timeoutMs: 30_000 },
    );
    await h.gh.comment({ repo, number: prNumber, user: 'alice', body: '/codecloud stop' });
    await h.gh.waitFor(
      (s) =>
        s.comments.find(
          (c) => c.repo === repo && c.number === prNumber && c.user === BOT && c.body.includes('Stopped'),
        ),
      { timeoutMs: 30_000 },
    );
    // The stopped follow-up's comment gets its 😕 right after the status comment's final edit.
    await h.gh
      .waitFor((s) => s.reactions.some((r) => r.repo === repo && r.content === 'confused') || undefined, {
        timeoutMs: 5_000,
      })
      .catch(() => undefined);
    say('   → stopped');

    const state = await h.gh.state();
    printThread(state, repo, issue.number, 'ISSUE');
    printThread(state, repo, prNumber, 'PULL REQUEST');
    say('');
    say(
      `GitHub requests checked against GitHub's OpenAPI description: ${state.requests.length}, violations: ${state.violations.length}`,
    );
    if (state.violations.length > 0) {
      say(JSON.stringify(state.violations, null, 2));
      process.exitCode = 1;
    }
  } finally {
    await h.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
