// `comment` with `backend: cloudcoding`: the bundled Action posts and finishes one status comment on the issue,
// through the fake GitHub (every request checked against GitHub's OpenAPI description).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, fakeGitHubControl, startFakeGitHub } from '../../fake-github/fake-github.js';
import { type CloudCodingSimulator, startCloudCodingSimulator } from '../../sim/cloudcoding/standalone.js';
import { runStep, WORKFLOW_TOKEN } from './action-runner.js';

let sim: CloudCodingSimulator;
let github: FakeGitHub;
let dir: string;

beforeAll(async () => {
  sim = await startCloudCodingSimulator();
  github = await startFakeGitHub();
  dir = await mkdtemp(join(tmpdir(), 'codecloud-cc-comment-'));
});
afterAll(async () => {
  await sim?.close();
  await github?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('comment with backend: cloudcoding', () => {
  it('keeps one status comment on the issue and ends it with the result', async () => {
    const gh = fakeGitHubControl(github.url);
    await gh.createRepo({ owner: 'octo', name: 'widgets', installationId: 7 });
    await gh.createUser({ login: 'alice' });
    await gh.workflowToken({ repo: 'octo/widgets', token: WORKFLOW_TOKEN });
    const issue = await gh.openIssue({ repo: 'octo/widgets', title: 'Flaky', user: 'alice' });
    const eventPath = join(dir, 'event.json');
    await writeFile(eventPath, JSON.stringify({ action: 'labeled', issue: { number: issue.number } }));
    await sim.control.queue({
      delayMs: 50,
      stdout: { '': ['$ npm test\n', 'done\n'] },
      result: { '': 'Fixed the flaky test.' },
    });
    const step = await runStep({
      inputs: {
        'api-key': 'cc-test-key',
        backend: 'cloudcoding',
        'api-url': sim.url,
        prompt: 'Fix the flaky test',
        comment: 'true',
      },
      env: {
        GITHUB_REPOSITORY: 'octo/widgets',
        GITHUB_EVENT_NAME: 'issues',
        GITHUB_EVENT_PATH: eventPath,
        GITHUB_API_URL: `${github.url}/api/v3`,
      },
    });
    expect(step.exitCode, step.stdout).toBe(0);
    const state = await gh.state();
    const comments = state.comments.filter((c) => c.number === issue.number);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain('✅ **Completed**');
    expect(comments[0]?.body).toContain('done');
    expect(step.outputs['comment-url']).toContain(`#issuecomment-${comments[0]?.id}`);
    expect(state.violations).toEqual([]);
  });
});
