/**
 * The Action's settings as one Cloud Coding invocation (`POST /invoke/stdout`). Pure. A `prompt` becomes `messages`,
 * `tasks` become `parallel_tasks` (all in one invocation, one stream), a `follow-up` continues `thread-id`. What the
 * Cloud Coding API cannot honour is refused before anything is sent, naming the input and the value (a plan that
 * would make changes, a task on another repository); inputs it simply has no use for are named in a warning.
 */
import { buildCloudCodingRequest, type CloudCodingRequest } from '../cloudcoding/request-schema.js';
import type { CreateAgentRunInput } from '../codecloud/schemas.js';
import type { ActionSettings } from './settings.js';

export interface CloudCodingPlan {
  request: CloudCodingRequest;
  /** One name per task in request order: the `task_name`s, or `run` / `follow-up` for a single task. */
  names: string[];
  /** True for `parallel_tasks` (live lines are prefixed per task, one log group per task at the end). */
  parallel: boolean;
  command: 'run' | 'follow-up';
  repo: string;
  branch: string | undefined;
  warnings: string[];
}

export type CloudCodingPlanResult = { ok: true; plan: CloudCodingPlan } | { ok: false; problems: string[] };

const IGNORED: ReadonlyArray<[keyof CreateAgentRunInput, string]> = [
  ['model', 'model'],
  ['provider', 'provider'],
  ['agent_provider', 'agent-provider'],
  ['webhook_url', 'webhook-url'],
];

/** `serverUrl`: where the repository lives (`$GITHUB_SERVER_URL`; default `https://github.com`). */
export function planCloudCoding(settings: ActionSettings, serverUrl?: string): CloudCodingPlanResult {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (settings.command !== 'run' && settings.command !== 'follow-up') {
    return {
      ok: false,
      problems: [
        `Input 'command' must be 'run' or 'follow-up' with backend 'cloudcoding', got '${settings.command}'`,
      ],
    };
  }
  if (!settings.githubToken) {
    problems.push(
      "Input 'github-token' is required with backend 'cloudcoding' (it defaults to the workflow's GITHUB_TOKEN)",
    );
  }
  if (!settings.wait) {
    problems.push(
      "Input 'wait' must be 'true' with backend 'cloudcoding' (the open stream is the run: closing it cancels the agent), got 'false'",
    );
  }

  let repo: string | undefined;
  let branch: string | undefined;
  let names: string[];
  let prompt: string | undefined;
  let tasks: Array<{ name: string; prompt: string }> | undefined;
  /** A blank workspace was refused: then the missing repository is not worth a second problem. */
  let blankWorkspaceRefused = false;
  const ignoredInputs = new Set<string>();

  if (settings.command === 'run') {
    const label = (name: string) => (settings.fromTasksInput ? `Input 'tasks' item '${name}':` : `Input`);
    for (const task of settings.tasks) {
      const request = task.request;
      const where = label(task.name);
      if (request.mode === 'plan') {
        problems.push(
          `${where} 'mode' must be 'execute' with backend 'cloudcoding' (it has no plan mode and would make changes), got 'plan'`,
        );
      }
      if (request.blank_workspace === true) {
        blankWorkspaceRefused = true;
        problems.push(
          `${where} 'blank-workspace' must be 'false' with backend 'cloudcoding' (it always works on a repository), got 'true'`,
        );
      }
      if (request.auto_create_pr === false) {
        problems.push(
          `${where} 'auto-create-pr' must be 'true' with backend 'cloudcoding' (the API has no such switch), got 'false'`,
        );
      }
      for (const [field, input] of IGNORED) {
        if (request[field] !== undefined && !ignoredInputs.has(input)) {
          ignoredInputs.add(input);
          warnings.push(`Input '${input}' is not used with backend 'cloudcoding'; ignored`);
        }
      }
    }
    const first = settings.tasks[0]?.request;
    repo = first?.repo;
    branch = first?.branch;
    for (const task of settings.tasks.slice(1)) {
      const where = label(task.name);
      if (task.request.repo !== repo) {
        problems.push(
          `${where} 'repo' must be the same for every task with backend 'cloudcoding' (one invocation runs them all), got '${task.request.repo ?? ''}' and '${repo ?? ''}'`,
        );
      }
      if (task.request.branch !== branch) {
        problems.push(
          `${where} 'branch' must be the same for every task with backend 'cloudcoding' (one invocation runs them all), got '${task.request.branch ?? ''}' and '${branch ?? ''}'`,
        );
      }
    }
    if (settings.fromTasksInput) {
      tasks = settings.tasks.map((task) => ({ name: task.name, prompt: task.request.prompt }));
      names = tasks.map((task) => task.name);
      if (settings.tasks.length > settings.maxParallel) {
        warnings.push(
          `Input 'max-parallel' (${settings.maxParallel}) is not used with backend 'cloudcoding': all ${settings.tasks.length} tasks run in one invocation`,
        );
      }
    } else {
      prompt = first?.prompt;
      names = ['run'];
    }
  } else {
    if (settings.mode === 'plan') {
      problems.push(
        "Input 'mode' must be 'execute' with backend 'cloudcoding' (it has no plan mode and would make changes), got 'plan'",
      );
    }
    if (!settings.threadId) {
      problems.push(
        "Input 'thread-id' is required for command 'follow-up' with backend 'cloudcoding' (the thread to continue)",
      );
    }
    repo = settings.repo;
    branch = settings.branch;
    prompt = settings.prompt;
    names = ['follow-up'];
  }
  if (repo === undefined && !blankWorkspaceRefused) {
    problems.push(
      "Input 'repo' is required with backend 'cloudcoding' (GITHUB_REPOSITORY is not set either)",
    );
  }
  if (problems.length > 0 || repo === undefined) return { ok: false, problems };

  const request = buildCloudCodingRequest({
    repo,
    githubToken: settings.githubToken ?? '',
    ...(tasks !== undefined ? { tasks } : { prompt: prompt ?? '' }),
    branch,
    haiku: settings.haiku,
    threadId: settings.threadId,
    serverUrl: serverUrl || undefined,
  });
  return {
    ok: true,
    plan: {
      request,
      names,
      parallel: tasks !== undefined,
      command: settings.command,
      repo,
      branch,
      warnings,
    },
  };
}
