/**
 * zod builds an object schema's parser the first time it parses a value (several milliseconds per payload kind on a
 * small machine), so the first GitHub delivery of each kind after a start would pay for it inside whatever burst it
 * came with. Here one sample delivery of each handled kind goes through the same dispatch at start-up, and its
 * trigger through its job's schema, as the worker parses it when the job is claimed; nothing is recorded.
 */
import { JOB_PAYLOADS } from '../src/runs/jobs.js';
import { JOB_COMMAND, JOB_PUSH } from '../src/runs/trigger.js';
import { githubWebhookDispatch } from './github-webhook-dispatch.js';

const user = { login: 'octocat', type: 'User' };
const at = '2026-01-01T00:00:00Z';
const url = 'https://github.com/octocat/hello/issues/1';

/** Every field any handled event is read for (each mapper reads only its own). */
const SAMPLE_PAYLOAD = {
  ref: 'refs/heads/main',
  repository: { name: 'hello', owner: { login: 'octocat', name: 'octocat' }, default_branch: 'main' },
  installation: { id: 1 },
  sender: user,
  issue: { number: 1, title: 't', body: 'b', user, html_url: url, created_at: at, updated_at: at },
  pull_request: { number: 1, title: 't', body: 'b', user },
  comment: {
    id: 1,
    body: '/codecloud',
    html_url: url,
    created_at: at,
    path: 'a',
    line: 1,
    diff_hunk: '@@',
    in_reply_to_id: 1,
  },
  review: { id: 1, body: '/codecloud', html_url: url, submitted_at: at },
  label: { name: 'codecloud' },
  commits: [{ added: ['a'], removed: [], modified: [] }],
};

const SAMPLE_EVENTS: ReadonlyArray<[name: string, action: string | undefined]> = [
  ['issue_comment', 'created'],
  ['issues', 'opened'],
  ['issues', 'labeled'],
  ['pull_request_review', 'submitted'],
  ['pull_request_review_comment', 'created'],
  ['push', undefined],
];

export async function warmUpDeliveryParsers(): Promise<void> {
  const dispatch = githubWebhookDispatch({
    recordCommand: async (trigger) => JOB_PAYLOADS[JOB_COMMAND].safeParse(trigger),
    recordPush: async (push) => JOB_PAYLOADS[JOB_PUSH].safeParse(push),
    configPushed: () => undefined,
    log: { warn: () => undefined },
  });
  for (const [name, action] of SAMPLE_EVENTS) {
    await dispatch({ id: 'warm-up', name, payload: { ...SAMPLE_PAYLOAD, action } });
  }
}
