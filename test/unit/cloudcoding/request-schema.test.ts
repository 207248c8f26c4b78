import { describe, expect, it } from 'vitest';
import { CloudCodingClient } from '../../../src/cloudcoding/client.js';
import {
  buildCloudCodingRequest,
  CloudCodingRequest,
  repoUrl,
} from '../../../src/cloudcoding/request-schema.js';

const TOKEN = 'ghs_secretTokenValue00000000000000000000';
const base = { repo_url: 'https://github.com/acme/widgets', github_token: TOKEN };

/** A client whose fetch fails the test if it is ever called. */
const client = new CloudCodingClient({
  apiKey: 'key-123456',
  fetch: async () => {
    throw new Error('must not send');
  },
});

function invalid(body: unknown): string {
  try {
    client.invoke(body as never);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('expected the request to be refused');
}

describe('CloudCodingRequest', () => {
  it('accepts a single task with every optional field', () => {
    const body = {
      ...base,
      messages: [{ type: 'human', content: 'fix it' }],
      branch: 'dev',
      haiku: true,
      thread_id: 'thread_1',
    };
    expect(CloudCodingRequest.parse(body)).toEqual(body);
  });

  it('accepts parallel tasks', () => {
    const body = { ...base, parallel_tasks: [{ prompt: 'a', task_name: 'one' }] };
    expect(CloudCodingRequest.safeParse(body).success).toBe(true);
  });

  it('wants exactly one of messages and parallel_tasks', () => {
    expect(invalid(base)).toBe(
      'Invalid Cloud Coding request: messages: one of messages or parallel_tasks is required',
    );
    expect(
      invalid({
        ...base,
        messages: [{ type: 'human', content: 'x' }],
        parallel_tasks: [{ prompt: 'y', task_name: 'z' }],
      }),
    ).toBe('Invalid Cloud Coding request: parallel_tasks: give either messages or parallel_tasks, not both');
  });

  it('names the field and the value, and never echoes the token', () => {
    expect(invalid({ ...base, repo_url: 'acme/widgets', messages: [{ type: 'human', content: 'x' }] })).toBe(
      "Invalid Cloud Coding request: repo_url: repo_url must look like https://github.com/owner/repo (got 'acme/widgets')",
    );
    expect(invalid({ ...base, messages: [{ type: 'ai', content: 'x' }] })).toMatch(
      /^Invalid Cloud Coding request: messages\.0\.type: /,
    );
    expect(invalid({ ...base, haiku: 'yes', messages: [{ type: 'human', content: 'x' }] })).toMatch(
      /haiku: .*\(got 'yes'\)/,
    );
    const tokenError = invalid({ ...base, github_token: 42, messages: [{ type: 'human', content: 'x' }] });
    expect(tokenError).toMatch(/^Invalid Cloud Coding request: github_token: /);
    const leaky = invalid({ ...base, extra: TOKEN, messages: [{ type: 'human', content: 'x' }] });
    expect(leaky).not.toContain(TOKEN);
  });

  it('refuses duplicate and multi-line task names', () => {
    expect(
      invalid({
        ...base,
        parallel_tasks: [
          { prompt: 'a', task_name: 'tests' },
          { prompt: 'b', task_name: 'tests' },
        ],
      }),
    ).toBe(
      "Invalid Cloud Coding request: parallel_tasks.1.task_name: task_name 'tests' is used twice; task names must be unique",
    );
    expect(invalid({ ...base, parallel_tasks: [{ prompt: 'a', task_name: 'x\ny' }] })).toMatch(
      /must be one line/,
    );
  });

  it('refuses empty prompts and unknown fields', () => {
    expect(invalid({ ...base, messages: [{ type: 'human', content: '  ' }] })).toMatch(
      /messages\.0\.content: content must not be empty/,
    );
    expect(invalid({ ...base, messages: [{ type: 'human', content: 'x' }], model: 'gpt' })).toMatch(/model/);
  });
});

describe('buildCloudCodingRequest', () => {
  it('builds a single-task body', () => {
    expect(
      buildCloudCodingRequest({
        repo: 'acme/widgets',
        githubToken: TOKEN,
        prompt: 'fix',
        branch: 'b',
        threadId: 't',
      }),
    ).toEqual({
      ...base,
      messages: [{ type: 'human', content: 'fix' }],
      branch: 'b',
      thread_id: 't',
    });
  });

  it('builds a parallel body on a GHES server', () => {
    const body = buildCloudCodingRequest({
      repo: 'acme/widgets',
      githubToken: TOKEN,
      tasks: [{ name: 'docs', prompt: 'write docs' }],
      haiku: false,
      serverUrl: 'https://ghe.example.com/',
    });
    expect(body).toEqual({
      repo_url: 'https://ghe.example.com/acme/widgets',
      github_token: TOKEN,
      parallel_tasks: [{ prompt: 'write docs', task_name: 'docs' }],
      haiku: false,
    });
    expect(CloudCodingRequest.safeParse(body).success).toBe(true);
    expect(repoUrl('a/b')).toBe('https://github.com/a/b');
  });
});
