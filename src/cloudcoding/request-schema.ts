/**
 * The body of `POST /invoke/stdout` (docs/cloud-coding.md): `repo_url`, `github_token`, exactly one of
 * `messages` (`[{type: "human", content}]`) and `parallel_tasks` (`[{prompt, task_name}]`, names unique), and the
 * optional `branch`, `haiku`, `thread_id`. Messages never echo `github_token`'s value.
 */
import { z } from 'zod';
import { definedProps } from '../objects.js';

export const HumanMessage = z.object({
  type: z.literal('human'),
  content: z.string().trim().min(1, 'content must not be empty'),
});
export type HumanMessage = z.infer<typeof HumanMessage>;

/** `task_name` tags the task's events in the stream, so it must be unique and printable on one line. */
export const TaskName = z
  .string()
  .min(1, 'task_name must not be empty')
  .max(100, 'task_name must be at most 100 characters')
  .regex(/^[^\r\n\t]+$/, 'task_name must be one line');

export const ParallelTask = z.object({
  prompt: z.string().trim().min(1, 'prompt must not be empty'),
  task_name: TaskName,
});
export type ParallelTask = z.infer<typeof ParallelTask>;

export const CloudCodingRequest = z
  .object({
    repo_url: z
      .string()
      .regex(
        /^https?:\/\/[^\s/]+\/[^\s/]+\/[^\s/]+?(\.git)?\/?$/,
        'repo_url must look like https://github.com/owner/repo',
      ),
    github_token: z.string().min(1, 'github_token is required'),
    messages: z.array(HumanMessage).min(1, 'messages must hold at least one message').optional(),
    parallel_tasks: z.array(ParallelTask).min(1, 'parallel_tasks must hold at least one task').optional(),
    branch: z.string().min(1, 'branch must not be empty').optional(),
    haiku: z.boolean().optional(),
    thread_id: z.string().min(1, 'thread_id must not be empty').optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    const hasMessages = body.messages !== undefined;
    const hasTasks = body.parallel_tasks !== undefined;
    if (hasMessages === hasTasks) {
      ctx.addIssue({
        code: 'custom',
        path: [hasMessages ? 'parallel_tasks' : 'messages'],
        message: hasMessages
          ? 'give either messages or parallel_tasks, not both'
          : 'one of messages or parallel_tasks is required',
      });
    }
    const seen = new Set<string>();
    body.parallel_tasks?.forEach((task, index) => {
      if (seen.has(task.task_name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['parallel_tasks', index, 'task_name'],
          message: `task_name '${task.task_name}' is used twice; task names must be unique`,
        });
      }
      seen.add(task.task_name);
    });
  });
export type CloudCodingRequest = z.infer<typeof CloudCodingRequest>;

/** What the integrations know, in their own words; `buildCloudCodingRequest` turns it into the API body. */
export interface CloudCodingTaskInput {
  /** `owner/repo`. */
  repo: string;
  githubToken: string;
  /** A single task… */
  prompt?: string | undefined;
  /** …or several in parallel (`name` becomes `task_name`). */
  tasks?: ReadonlyArray<{ name: string; prompt: string }> | undefined;
  branch?: string | undefined;
  haiku?: boolean | undefined;
  threadId?: string | undefined;
  /** Where the repository lives (default `https://github.com`; GHES: its web URL). */
  serverUrl?: string | undefined;
}

/** `owner/repo` on `serverUrl` as the `repo_url` the API wants. */
export function repoUrl(repo: string, serverUrl = 'https://github.com'): string {
  return `${serverUrl.replace(/\/+$/, '')}/${repo}`;
}

/** The request body for plain inputs (not validated here: `CloudCodingClient.invoke` validates every body). */
export function buildCloudCodingRequest(input: CloudCodingTaskInput): CloudCodingRequest {
  return {
    repo_url: repoUrl(input.repo, input.serverUrl),
    github_token: input.githubToken,
    ...(input.tasks !== undefined
      ? { parallel_tasks: input.tasks.map((task) => ({ prompt: task.prompt, task_name: task.name })) }
      : { messages: [{ type: 'human' as const, content: input.prompt ?? '' }] }),
    ...definedProps({ branch: input.branch, haiku: input.haiku, thread_id: input.threadId }),
  };
}
