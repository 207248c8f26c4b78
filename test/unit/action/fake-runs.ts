/** An in-memory stand-in for the codecloud client, scripted per run, for the Action's waiting and pool tests. */
import { CodecloudError } from '../../../src/codecloud/errors.js';
import type { RunDetail, RunStatus } from '../../../src/codecloud/schemas.js';
import type { VirtualClock } from './virtual-clock.js';

export interface FakeScript {
  /** ms after creation when it starts running / ends. */
  runningAt?: number;
  endsAt: number;
  outcome?: 'completed' | 'failed';
}

export class FakeRuns {
  readonly runs = new Map<
    string,
    { created: number; script: FakeScript; prompt: string; stopped: boolean }
  >();
  gets = 0;
  creates = 0;
  stops: string[] = [];
  /** Concurrent-run limit of the plan; creates beyond it are refused with 429. */
  limit = Number.POSITIVE_INFINITY;
  /** Errors the next GETs throw, in order. */
  getErrors: CodecloudError[] = [];
  maxActive = 0;
  #seq = 0;

  constructor(
    readonly clock: VirtualClock,
    readonly scriptFor: (prompt: string) => FakeScript = () => ({ endsAt: 60_000 }),
  ) {}

  status(id: string): RunStatus {
    const run = this.runs.get(id);
    if (!run) throw new Error(`no run ${id}`);
    const age = this.clock.now() - run.created;
    if (run.stopped) return 'failed';
    if (age >= run.script.endsAt) return run.script.outcome ?? 'completed';
    return age >= (run.script.runningAt ?? 1_000) ? 'running' : 'queued';
  }

  active(): number {
    return [...this.runs.keys()].filter((id) => ['queued', 'running'].includes(this.status(id))).length;
  }

  async createRun(input: { prompt: string }) {
    this.creates++;
    if (this.active() >= this.limit) {
      throw new CodecloudError({
        kind: 'http',
        method: 'POST',
        path: '/api/v1/agents',
        status: 429,
        apiMessage: 'Concurrent agent limit reached',
        retryable: true,
        limitReached: true,
        retryAfterMs: 30_000,
      });
    }
    const id = `run_${++this.#seq}`;
    this.runs.set(id, {
      created: this.clock.now(),
      script: this.scriptFor(input.prompt),
      prompt: input.prompt,
      stopped: false,
    });
    this.maxActive = Math.max(this.maxActive, this.active());
    return { id, title: input.prompt, message: 'created', recovered: false };
  }

  async getRun(id: string): Promise<RunDetail> {
    this.gets++;
    const error = this.getErrors.shift();
    if (error) throw error;
    const run = this.runs.get(id)!;
    const status = this.status(id);
    const final = status === 'completed' || status === 'failed';
    return {
      id,
      title: run.prompt,
      status,
      prompt: run.prompt,
      repo: 'octo/widgets',
      prs:
        status === 'completed'
          ? [
              {
                url: `https://github.com/octo/widgets/pull/${id.slice(4)}`,
                number: Number(id.slice(4)),
                branch: `codecloud/${id}`,
                repo: 'octo/widgets',
              },
            ]
          : [],
      ...(status === 'completed'
        ? { result: `Done: ${run.prompt}`, input_tokens: 1000, output_tokens: 200 }
        : {}),
      ...(status === 'failed'
        ? { error: run.stopped ? 'Run cancelled by user' : `Agent failed: ${run.prompt}` }
        : {}),
      createdAt: new Date(run.created).toISOString(),
      ...(final ? { completedAt: new Date(this.clock.now()).toISOString() } : {}),
    };
  }

  async stopRun(id: string) {
    this.stops.push(id);
    const run = this.runs.get(id)!;
    const before = this.status(id);
    if (before === 'queued' || before === 'running') run.stopped = true;
    return { id, status: this.status(id) as 'failed' | 'completed', message: 'Run stopped' };
  }

  sendMessage(): Promise<never> {
    return Promise.reject(new Error('FakeRuns: follow-ups are not scripted'));
  }

  createSchedule(): Promise<never> {
    return Promise.reject(new Error('FakeRuns: schedules are not scripted'));
  }

  async listSchedules() {
    return { schedules: [] };
  }

  deleteSchedule(): Promise<never> {
    return Promise.reject(new Error('FakeRuns: schedules are not scripted'));
  }
}
