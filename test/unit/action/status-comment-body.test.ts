import { describe, expect, it } from 'vitest';
import type { TaskResult } from '../../../src/action/run-tasks.js';
import {
  actionMarker,
  commentIdentity,
  renderActionComment,
} from '../../../src/action/status-comment-body.js';
import { readMarkers } from '../../../src/render/markers.js';

const NOW = Date.parse('2026-06-01T12:10:00Z');
const identity = commentIdentity(
  { GITHUB_WORKFLOW_REF: 'octo/widgets/.github/workflows/agent.yml@refs/pull/7/merge', GITHUB_JOB: 'agent' },
  ['Fix the bug'],
);

const task = (result: Partial<TaskResult>): { name: string; result: TaskResult } => ({
  name: 'run',
  result: {
    name: 'run',
    runId: 'run_1',
    status: 'running',
    run: undefined,
    error: undefined,
    lines: [],
    ...result,
  },
});

const render = (tasks: Array<{ name: string; result: TaskResult }>, named = false) =>
  renderActionComment(
    {
      identity,
      tasks,
      named,
      mode: 'execute',
      kind: 'run',
      requestedBy: 'alice',
      timeoutMinutes: 60,
      knownSecrets: ['sk-live-secret'],
    },
    NOW,
  );

describe('the Action status comment', () => {
  it('carries a marker of the workflow, the job and the runs, never an App marker', () => {
    const marker = actionMarker(identity);
    expect(marker).toMatch(
      /^<!-- codecloud:action=octo\/widgets\/.github\/workflows\/agent.yml:agent:[0-9a-f]{12} -->$/,
    );
    expect(actionMarker({ ...identity, runs: ['Other prompt'] })).not.toBe(marker);
    const body = render([task({})]);
    expect(body.startsWith(marker)).toBe(true);
    expect(readMarkers(body)).toEqual({});
  });

  it('renders each state with the App renderer, without the App’s comment-command hints', () => {
    const running = render([
      task({
        run: {
          id: 'run_1',
          status: 'running',
          prompt: 'p',
          prs: [],
          createdAt: '',
          startedAt: '2026-06-01T12:05:00Z',
        },
      }),
    ]);
    expect(running).toContain('🏃 **Running** for 5m');
    expect(running).not.toContain('/codecloud');
    const done = render([
      task({
        status: 'completed',
        run: {
          id: 'run_1',
          status: 'completed',
          prompt: 'p',
          title: 'Fix the bug',
          result: 'Fixed it with sk-live-secret.',
          prs: [
            {
              url: 'https://github.com/octo/widgets/pull/8',
              number: 8,
              branch: 'codecloud/fix',
              repo: 'octo/widgets',
            },
          ],
          input_tokens: 1200,
          output_tokens: 300,
          createdAt: '2026-06-01T12:00:00Z',
          startedAt: '2026-06-01T12:01:00Z',
          completedAt: '2026-06-01T12:09:00Z',
        },
      }),
    ]);
    expect(done).toContain('✅ **Completed**: Fix the bug');
    expect(done).toContain('🔀 **Pull request:** https://github.com/octo/widgets/pull/8');
    expect(done).toContain('took 8m');
    expect(done).not.toContain('sk-live-secret');
    const stopped = render([task({ status: 'stopped' })]);
    expect(stopped).toContain('⏹️ **Stopped**');
    expect(stopped).not.toContain('Running');
    expect(render([task({ status: 'timed-out' })])).toContain("Raise the step's `timeout-minutes`");
    expect(render([task({ status: 'queued', runId: undefined })])).toContain('⏳ **Starting**');
  });

  it('shows each task under its name', () => {
    const body = render(
      [
        { ...task({ status: 'completed' }), name: 'lint' },
        { ...task({ status: 'failed', error: 'tests fail' }), name: 'docs' },
      ],
      true,
    );
    expect(body).toMatch(/### `lint`[\s\S]*Completed[\s\S]*### `docs`[\s\S]*Failed[\s\S]*tests fail/);
  });
});
