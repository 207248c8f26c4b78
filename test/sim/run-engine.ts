// Run lifecycle on the simulated clock: queued → running → completed/failed per script, progress events,
// PRs and commits, follow-ups (back to running, then completed/failed) and stop.
import type { CreateAgentRunRequest, ResumeAgentRunRequest } from '../../src/codecloud/schemas.js';
import type { RunMode } from '../../src/vocabulary.js';
import { DEFAULT_AGENT_PROVIDER, DEFAULT_MODEL, DEFAULT_PROVIDER } from './catalog.js';
import { newId, type SimState } from './sim-state.js';
import type { ProgressStep, RunScript, ScriptPr, SimPullRequest, SimRun, SimStop } from './types.js';

export const DEFAULT_QUEUED_MS = 1_000;
export const DEFAULT_RUNNING_MS = 5_000;
export const CANCELLED_MESSAGE = 'Run cancelled by user';

type Phase = { kind: 'run' } | { kind: 'follow-up'; index: number };

export function createRun(
  state: SimState,
  apiKey: string,
  request: CreateAgentRunRequest,
  raw: unknown,
  scheduleId?: string,
): SimRun {
  const script = state.pickRunScript(request.prompt);
  const blank = request.blank_workspace;
  const run: SimRun = {
    id: newId(),
    api_key: apiKey,
    status: 'queued',
    mode: request.mode,
    prompt: request.prompt,
    title: script.title ?? defaultTitle(request.prompt),
    ...(!blank && request.repo !== undefined ? { repo: request.repo } : {}),
    ...(!blank && request.branch !== undefined ? { branch: request.branch } : {}),
    model: request.model ?? DEFAULT_MODEL,
    provider: request.provider ?? DEFAULT_PROVIDER,
    agent_provider: request.agent_provider ?? DEFAULT_AGENT_PROVIDER,
    ...(request.webhook_url !== undefined ? { webhook_url: request.webhook_url } : {}),
    auto_create_pr: !blank && request.auto_create_pr,
    blank_workspace: blank,
    ...(scheduleId !== undefined ? { schedule_id: scheduleId } : {}),
    request: raw,
    prs: [],
    input_tokens: 0,
    output_tokens: 0,
    created_at: state.clock.iso(),
    messages: [],
    stops: [],
  };
  state.runs.set(run.id, run);
  state.runInternals.set(run.id, {
    script,
    followUps: [...(script.followUps ?? [])],
    generation: 0,
    cancels: [],
  });
  startPhase(state, run, script, { kind: 'run' });
  return run;
}

/** Starts a follow-up on a `completed` run (the caller checked status, limit and idempotency). */
export function startFollowUp(state: SimState, run: SimRun, request: ResumeAgentRunRequest): void {
  const mode: RunMode = request.mode ?? run.mode;
  const script = state.pickFollowUpScript(run.id, request.prompt);
  run.messages.push({
    at: state.clock.iso(),
    prompt: request.prompt,
    mode,
    update_pr: request.update_pr ?? false,
    ...(request.idempotency_key !== undefined ? { idempotency_key: request.idempotency_key } : {}),
    ...(request.tools !== undefined ? { tools: request.tools } : {}),
  });
  run.mode = mode;
  startPhase(state, run, script, { kind: 'follow-up', index: run.messages.length - 1 });
}

/** Stops a queued or running run (→ failed, `agent.failed`); a finished run keeps its status. */
export function stopRun(state: SimState, run: SimRun): SimStop {
  const before = run.status;
  if (before === 'queued' || before === 'running') {
    const internal = state.runInternals.get(run.id);
    if (internal) {
      internal.generation++;
      for (const cancel of internal.cancels) cancel();
      internal.cancels = [];
    }
    run.status = 'failed';
    run.error = CANCELLED_MESSAGE;
    delete run.result;
    delete run.plan;
    run.completed_at = state.clock.iso();
    const message = run.messages.at(-1);
    if (message && message.outcome === undefined) message.outcome = 'failed';
    void notifyFinished(state, run, undefined);
  }
  const stop: SimStop = { at: state.clock.iso(), status_before: before, status_after: run.status };
  run.stops.push(stop);
  return stop;
}

function startPhase(state: SimState, run: SimRun, script: RunScript, phase: Phase): void {
  const internal = state.runInternals.get(run.id);
  if (!internal) return;
  internal.generation++;
  internal.cancels = [];
  const generation = internal.generation;
  const live = () => state.runInternals.get(run.id)?.generation === generation;
  const queuedMs = script.queuedMs ?? DEFAULT_QUEUED_MS;
  const runningMs = script.runningMs ?? DEFAULT_RUNNING_MS;

  if (phase.kind === 'follow-up') {
    run.status = 'running';
    delete run.result;
    delete run.plan;
    delete run.error;
    delete run.completed_at;
  }

  const begin = (): void => {
    if (!live()) return;
    const startedAt = state.clock.now();
    if (phase.kind === 'run') {
      run.status = 'running';
      run.started_at = new Date(startedAt).toISOString();
    }
    const steps = script.progress ?? [];
    steps.forEach((step, index) => {
      const offset = step.atMs ?? Math.floor((runningMs * (index + 1)) / (steps.length + 1));
      internal.cancels.push(
        state.clock.at(startedAt + offset, async () => {
          if (!live() || run.status !== 'running') return;
          run.input_tokens += step.inputTokens ?? 0;
          run.output_tokens += step.outputTokens ?? 0;
          await sendProgress(state, run, step);
        }),
      );
    });
    internal.cancels.push(
      state.clock.at(startedAt + runningMs, async () => {
        if (live()) await finish(state, run, script, phase);
      }),
    );
  };
  internal.cancels.push(state.clock.after(queuedMs, begin));
}

async function finish(state: SimState, run: SimRun, script: RunScript, phase: Phase): Promise<void> {
  const internal = state.runInternals.get(run.id);
  if (internal) internal.generation++;
  run.input_tokens += script.inputTokens ?? 1_000;
  run.output_tokens += script.outputTokens ?? 200;
  const message = phase.kind === 'follow-up' ? run.messages[phase.index] : undefined;
  const prompt = message?.prompt ?? run.prompt;
  let touched: SimPullRequest | undefined;
  const hooks: Array<Parameters<NonNullable<SimState['onPullRequest']>>[0]> = [];

  if ((script.outcome ?? 'completed') === 'completed') {
    if (run.mode === 'plan') run.plan = script.plan ?? `Plan:\n1. ${prompt}`;
    else run.result = script.result ?? `Done: ${prompt}`;
    if (run.mode === 'execute' && !run.blank_workspace && run.repo !== undefined) {
      const at = state.clock.iso();
      const existing = run.prs[0];
      let toOpen: ScriptPr[] = [];
      if (phase.kind === 'run') {
        if (run.auto_create_pr) toOpen = script.prs ?? [{}];
      } else if (message?.update_pr && existing) {
        existing.commits.push({ at, message: commitMessage(prompt), message_index: phase.index });
        touched = existing;
        hooks.push({ kind: 'commit', run_id: run.id, pr: existing });
      } else if (message?.update_pr) {
        toOpen = script.prs ?? [{}];
      } else {
        toOpen = script.prs ?? [];
      }
      for (const spec of toOpen) {
        const pr = openPr(state, run, spec, at, phase);
        run.prs.push(pr);
        touched ??= pr;
        hooks.push({ kind: 'opened', run_id: run.id, pr });
      }
    }
    run.status = 'completed';
  } else {
    run.error = script.error ?? `Agent failed: ${prompt}`;
    run.status = 'failed';
  }
  run.completed_at = state.clock.iso();
  if (message) message.outcome = run.status === 'completed' ? 'completed' : 'failed';
  for (const event of hooks) await state.onPullRequest?.(structuredClone(event));
  await notifyFinished(state, run, touched);
}

function openPr(state: SimState, run: SimRun, spec: ScriptPr, at: string, phase: Phase): SimPullRequest {
  const repo = spec.repo ?? run.repo ?? 'owner/repo';
  const number = spec.number ?? state.nextPrNumber(repo);
  if (spec.number !== undefined) state.claimPrNumber(repo, spec.number);
  const messageIndex = phase.kind === 'follow-up' ? phase.index : -1;
  return {
    url: spec.url ?? `${state.githubUrl}/${repo}/pull/${number}`,
    number,
    branch: spec.branch ?? `codecloud/${run.id}${run.prs.length > 0 ? `-${run.prs.length + 1}` : ''}`,
    repo,
    title: spec.title ?? run.title,
    commits: [
      {
        at,
        message: commitMessage(
          phase.kind === 'run' ? run.prompt : (run.messages[phase.index]?.prompt ?? run.prompt),
        ),
        message_index: messageIndex,
      },
    ],
  };
}

/** The documented `agent.completed` / `agent.failed` payload. */
export function finishedPayload(run: SimRun, pr: SimPullRequest | undefined): Record<string, unknown> {
  const shown = pr ?? run.prs[0];
  return {
    event: run.status === 'completed' ? 'agent.completed' : 'agent.failed',
    run_id: run.id,
    status: run.status,
    mode: run.mode,
    ...(run.repo !== undefined ? { repo: run.repo } : {}),
    ...(run.status === 'completed' && run.result !== undefined ? { result: run.result } : {}),
    ...(run.status === 'completed' && run.plan !== undefined ? { plan: run.plan } : {}),
    ...(run.status === 'failed' && run.error !== undefined ? { error: run.error } : {}),
    ...(shown ? { pr: { url: shown.url, number: shown.number, branch: shown.branch } } : {}),
    usage: { input_tokens: run.input_tokens, output_tokens: run.output_tokens },
    created_at: run.created_at,
    ...(run.completed_at !== undefined ? { completed_at: run.completed_at } : {}),
  };
}

async function notifyFinished(state: SimState, run: SimRun, pr: SimPullRequest | undefined): Promise<void> {
  if (run.webhook_url === undefined) return;
  const payload = finishedPayload(run, pr);
  await state.webhooks.send(
    run.webhook_url,
    run.status === 'completed' ? 'agent.completed' : 'agent.failed',
    payload,
    true,
  );
}

async function sendProgress(state: SimState, run: SimRun, step: ProgressStep): Promise<void> {
  if (!state.progress || run.webhook_url === undefined) return;
  const payload = {
    event: 'agent.progress',
    run_id: run.id,
    status: 'running',
    ...(step.thinking !== undefined ? { thinking: step.thinking } : {}),
    ...(step.tool_call !== undefined ? { tool_call: step.tool_call } : {}),
  };
  await state.webhooks.send(run.webhook_url, 'agent.progress', payload, false);
}

/** `codecloud: <the prompt's first line, at most 72 characters>`. */
function commitMessage(prompt: string): string {
  const line = prompt.split('\n')[0]?.trim() ?? '';
  return `codecloud: ${line.length > 72 ? `${line.slice(0, 69)}...` : line}`;
}

function defaultTitle(prompt: string): string {
  const line = prompt.split('\n')[0]?.trim() ?? '';
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}
