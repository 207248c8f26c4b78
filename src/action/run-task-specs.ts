/**
 * The runs command `run` starts: the single `prompt`, or each item of `tasks` with its overrides checked like the
 * inputs they override. Every problem is an issue on the input, or on the `tasks` item and key, it is about.
 */
import type { CreateAgentRunInput, ToolDefinition } from '../codecloud/schemas.js';
import type { Backend } from '../vocabulary.js';
import {
  checkInput,
  type GivenInputs,
  type InputIssue,
  type InputValues,
  type ShowValue,
} from './input-fields.js';
import type { TaskSpec } from './settings.js';
import { parseTasksInput, type RawTask, type TaskOverride } from './tasks-input.js';
import { checkTools } from './tools-input.js';

/** Where runs work unless a task says otherwise. */
export interface Workspace {
  /** The `repo` input, else `$GITHUB_REPOSITORY` when `repo` is empty (not when it is refused). */
  repo: string | undefined;
  /** The `repo` input was given (and, if refused, already reported). */
  repoGiven: boolean;
  /** The `branch` input, else the default branch; `undefined`: the repository's default branch. */
  branch: string | undefined;
  /** Why no branch can be chosen without the `branch` input (a pull request from a fork). */
  branchProblem: string | undefined;
}

export interface RunTasksInputs {
  backend: Backend;
  values: InputValues;
  given: GivenInputs;
  workspace: Workspace;
  show: ShowValue;
}

/** The run requests, and every problem found while building them. */
export function runTaskSpecs(inputs: RunTasksInputs): { tasks: TaskSpec[]; issues: InputIssue[] } {
  const { given } = inputs;
  const issues: InputIssue[] = [];
  const tasksText = given.tasks;
  const prompt = given.prompt;
  if (tasksText !== undefined && prompt !== undefined) {
    issues.push({
      path: ['tasks'],
      message: `Input 'prompt' and input 'tasks' cannot both be set: give one prompt, or a list of tasks`,
    });
  } else if (tasksText === undefined && prompt === undefined) {
    issues.push({
      path: ['prompt'],
      message: `Input 'prompt' is required for command 'run' (or give 'tasks', a list of {name, prompt})`,
    });
  }
  const builder = new TaskSpecBuilder(inputs, issues);
  let tasks: TaskSpec[] = [];
  if (tasksText !== undefined) {
    const parsed = parseTasksInput(tasksText);
    if (!parsed.ok) issues.push(...parsed.problems.map((message) => ({ path: ['tasks'], message })));
    else tasks = parsed.tasks.map((task, index) => builder.taskSpec(task, index));
  } else if (prompt !== undefined) {
    tasks = [builder.taskSpec({ name: 'run', prompt, overrides: {} }, undefined)];
  }
  return { tasks, issues };
}

class TaskSpecBuilder {
  #branchProblemReported = false;

  constructor(
    private readonly inputs: RunTasksInputs,
    private readonly issues: InputIssue[],
  ) {}

  /** A run request from the shared inputs and a task's overrides; `index` is the `tasks` item's, if any. */
  taskSpec(task: RawTask, index: number | undefined): TaskSpec {
    const { values: v, workspace } = this.inputs;
    const label = index === undefined ? undefined : `Input 'tasks' item ${index + 1} ('${task.name}')`;
    const report = (key: string, message: string) =>
      this.issues.push({ path: index === undefined ? [key] : ['tasks', index, key], message });
    const override = <K extends TaskOverride>(key: K): InputValues[K] | undefined => {
      const text = task.overrides[key];
      if (text === undefined || label === undefined) return undefined;
      const checked = checkInput(key, text);
      if (checked.ok) return checked.value;
      report(key, `${label}: '${key}' ${checked.reason}, got ${this.inputs.show(key, text)}`);
      return undefined;
    };
    const blankWorkspace = override('blank-workspace') ?? v['blank-workspace'];
    const repo = override('repo') ?? workspace.repo;
    if (!blankWorkspace && repo === undefined && task.overrides.repo === undefined && !workspace.repoGiven) {
      report(
        'repo',
        label === undefined
          ? `Input 'repo' is required (GITHUB_REPOSITORY is not set), unless 'blank-workspace' is 'true'`
          : `${label}: 'repo' is required (no 'repo' input and GITHUB_REPOSITORY is not set)`,
      );
    }
    const request: CreateAgentRunInput = {
      prompt: task.prompt,
      mode: override('mode') ?? v.mode ?? 'execute',
      auto_create_pr: override('auto-create-pr') ?? v['auto-create-pr'],
      blank_workspace: blankWorkspace,
    };
    if (!blankWorkspace) {
      request.repo = repo;
      const branchOverride = override('branch');
      if (branchOverride === undefined && task.overrides.branch === undefined) this.#defaultBranchUsed();
      const branch = branchOverride ?? workspace.branch;
      if (branch !== undefined) request.branch = branch;
    }
    const model = override('model') ?? v.model;
    if (model !== undefined) request.model = model;
    const provider = override('provider') ?? v.provider;
    if (provider !== undefined) request.provider = provider;
    const agent = override('agent-provider') ?? v['agent-provider'];
    if (agent !== undefined) request.agent_provider = agent;
    const tools = this.#tools(task, index, label, report);
    if (tools !== undefined) request.tools = tools;
    const webhookOverride = override('webhook-url');
    const appUrl = v['app-url'];
    if (webhookOverride !== undefined && appUrl !== undefined)
      report(
        'webhook-url',
        `${label}: 'webhook-url' cannot be set with 'app-url': the runs' webhook goes to the App`,
      );
    const webhook =
      appUrl !== undefined ? `${appUrl}/codecloud/webhook` : (webhookOverride ?? v['webhook-url']);
    if (webhook !== undefined) request.webhook_url = webhook;
    return { name: task.name, request };
  }

  /** The task's own tools, else the `tools` input's (whose problems its own rule reports). */
  #tools(
    task: RawTask,
    index: number | undefined,
    label: string | undefined,
    report: (key: string, message: string) => void,
  ): ToolDefinition[] | undefined {
    if (task.tools === undefined || label === undefined || index === undefined)
      return inputTools(this.inputs.given.tools);
    if (this.inputs.backend === 'cloudcoding') {
      report('tools', `${label}: 'tools' is only used with backend 'codecloud'`);
      return undefined;
    }
    const checked = checkTools(task.tools, `${label}: 'tools'`);
    if (checked.ok) return checked.tools;
    for (const problem of checked.problems) report('tools', problem);
    return undefined;
  }

  /** A run needs the default branch: reported once when there is none to use (a fork's pull request). */
  #defaultBranchUsed(): void {
    const problem = this.inputs.workspace.branchProblem;
    if (problem === undefined || this.#branchProblemReported) return;
    this.#branchProblemReported = true;
    this.issues.push({ path: ['branch'], message: problem });
  }
}

/** The `tools` input's definitions; `undefined` when it is not given or is refused (reported by its rule). */
export function inputTools(text: string | undefined): ToolDefinition[] | undefined {
  if (text === undefined) return undefined;
  const checked = checkTools(text, `Input 'tools'`);
  return checked.ok ? checked.tools : undefined;
}
