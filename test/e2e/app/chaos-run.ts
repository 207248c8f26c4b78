// The fault run: commands on many installations while the simulator drops and repeats completion webhooks and
// fails creates, the fake GitHub refuses writes, and app processes are killed and started again. Then it counts,
// per command, what a user would see: runs created, status comments, final edits, 🚀/😕. Used by
// `bench/chaos.bench.ts` (the full run) and the fault tests (a smaller one).
import type { FakeComment, RecordedRequest } from '../../fake-github/state.js';
import type { SimRun } from '../../sim/types.js';
import { freshRepo } from './app-harness.js';
import type { Cluster } from './chaos-cluster.js';

const BOT = 'codecloud[bot]';
const STATUS_MARKER = /<!-- codecloud:(run|pending)=/;
const HEADLINES = {
  completed: '**Completed**',
  failed: '**Failed**',
  stopped: '**Stopped**',
  timed_out: '**Timed out**',
} as const;
type FinalState = keyof typeof HEADLINES;

export interface ChaosKill {
  /** Real ms after the first command. */
  atMs: number;
  signal: 'SIGKILL' | 'SIGTERM';
  replica: number;
}

export interface ChaosPlan {
  commands: number;
  installations: number;
  /** Commands are sent evenly over this many real ms. */
  sendOverMs: number;
  kills: ChaosKill[];
  /** Give up waiting for everything to settle this long after the last kill. */
  settleTimeoutMs: number;
  /** Agent run length in real ms (the simulator runs at time factor 1), and every `slowEvery`-th is `slowMs`. */
  runningMs: number;
  slowEvery: number;
  slowMs: number;
  /** Every `failEvery`-th command's run fails at codecloud (😕 expected). */
  failEvery: number;
  /** Creates that get no answer: `reset` (connection cut after the run was made) or also `hang` (30 s time-out). */
  noAnswer: 'reset' | 'reset-and-hang';
  seed?: number;
  log?: (line: string) => void;
}

export interface CommandFigures {
  token: string;
  repo: string;
  issue: number;
  scriptedToFail: boolean;
  runsCreated: number;
  statusComments: number;
  /** Accepted writes (POST or PATCH) of a status comment body in a final state. */
  finalEdits: number;
  /** Accepted edits of status comments in all. */
  edits: number;
  rockets: number;
  confused: number;
  commentState: FinalState | 'not final' | 'none';
  runStates: string[];
  otherReplies: number;
  /** The status comment's headline now (first line). */
  headline: string;
  /** Refused writes (status ≥ 400) on the trigger's reactions and on the status comment, e.g. `502 POST reaction`. */
  refused: string[];
  settled: boolean;
  doubled: boolean;
  /** The comment's final state does not match the run at codecloud. */
  mismatch: boolean;
  /** ms from the first command until codecloud's run finished (its `completed_at`; the latest if several). */
  finishedAtCodecloudMs?: number | undefined;
  /** ms from the first command until it was first seen settled (set by `runChaos`). */
  settledAtMs?: number | undefined;
}

export interface ChaosReport {
  commands: CommandFigures[];
  lost: number;
  doubled: number;
  mismatched: number;
  unsettled: number;
  /** ms from the last kill's signal until everything settled (undefined: never within the time-out). */
  settledAfterLastKillMs: number | undefined;
  /** ms from the last kill until the last command that did settle settled (±1 s). */
  lastSettledAfterLastKillMs: number;
  /** ms from the first command until everything settled. */
  totalMs: number;
  redeliveries: number;
  faults: {
    githubWritesRefused: number;
    github502: number;
    github403: number;
    createsFailed: number;
    completionWebhooksDropped: number;
    completionWebhooksRepeated: number;
  };
  kills: Array<ChaosKill & { downMs: number }>;
  /** Things no counting above covers: app crashes, OpenAPI violations. */
  notes: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export interface ChaosCommand {
  token: string;
  repo: string;
  issue: number;
  triggerId: number | undefined;
  fails: boolean;
}

/** Sets the faults of the fault run (docs/development.md, Benchmarks) on the simulator and the fake GitHub. */
export async function injectFaults(cluster: Cluster, plan: ChaosPlan): Promise<void> {
  const { sim, gh } = cluster;
  for (const event of ['agent.completed', 'agent.failed'] as const) {
    await sim.control.addWebhookFault({ event, action: 'drop', rate: 0.5 });
    // 20% of all completions are repeated: 40% of the half that is not dropped.
    await sim.control.addWebhookFault({ event, action: 'duplicate', rate: 0.4 });
  }
  const route = 'POST /api/v1/agents' as const;
  // 5% of creates get a 5xx: half refused before anything happens, half after the run was made.
  await sim.control.addFault({ route, status: 503, rate: 0.025 });
  await sim.control.addFault({ route, status: 500, phase: 'after', rate: 0.025 });
  // 2% get no answer at all, after the run was made.
  if (plan.noAnswer === 'reset') {
    await sim.control.addFault({ route, reset: true, phase: 'after', rate: 0.02 });
  } else {
    await sim.control.addFault({ route, reset: true, phase: 'after', rate: 0.01 });
    await sim.control.addFault({ route, hang: true, phase: 'after', rate: 0.01 });
  }
  const writes = ['POST', 'PATCH', 'PUT', 'DELETE'];
  await gh.randomFault({ methods: writes, path: '^/repos/', rate: 0.03, status: 502, seed: plan.seed ?? 9 });
  await gh.randomFault({
    methods: writes,
    path: '^/repos/',
    rate: 0.02,
    status: 403,
    headers: { 'retry-after': '3' },
    message:
      'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:1111:2222.',
  });
}

export async function runChaos(cluster: Cluster, plan: ChaosPlan): Promise<ChaosReport> {
  const log = plan.log ?? (() => undefined);
  const { sim, gh } = cluster;
  await sim.control.setDefaultScript({
    queuedMs: 500,
    runningMs: plan.runningMs,
    progress: [{ thinking: 'Reading the code' }, { thinking: 'Writing the fix' }],
  });
  await sim.control.addPromptScript({ match: '(slow)', script: { queuedMs: 500, runningMs: plan.slowMs } });
  await sim.control.addPromptScript({
    match: '(fails)',
    script: { queuedMs: 500, runningMs: plan.runningMs, outcome: 'failed', error: 'The tests still fail' },
  });

  const repos: Array<{ repo: string }> = [];
  for (let i = 0; i < plan.installations; i += 1) repos.push(await freshRepo(gh));
  const sent: ChaosCommand[] = [];
  for (let i = 0; i < plan.commands; i += 1) {
    const { repo } = repos[i % repos.length] as { repo: string };
    const fails = plan.failEvery > 0 && i % plan.failEvery === plan.failEvery - 1;
    const slow = plan.slowEvery > 0 && i % plan.slowEvery === 0;
    const token = `[task-${String(i).padStart(4, '0')}]`;
    const issue = await gh.openIssue({
      repo,
      title: `Bug ${token}`,
      body: 'It breaks',
      user: 'alice',
      async: true,
    });
    sent.push({
      token: `${token}${fails ? ' (fails)' : ''}${slow ? ' (slow)' : ''}`,
      repo,
      issue: issue.number,
      triggerId: undefined,
      fails,
    });
  }
  await injectFaults(cluster, plan);
  log(
    `${plan.commands} commands over ${plan.installations} installations, ${cluster.replicas.length} replica(s)`,
  );

  const t0 = Date.now();
  const sending = (async () => {
    const gap = plan.commands > 1 ? plan.sendOverMs / (plan.commands - 1) : 0;
    const inFlight: Promise<void>[] = [];
    for (const [i, command] of sent.entries()) {
      await sleep(t0 + i * gap - Date.now());
      inFlight.push(
        gh
          .comment({
            repo: command.repo,
            number: command.issue,
            user: 'alice',
            body: `/codecloud fix ${command.token}`,
            async: true,
          })
          .then((c) => {
            command.triggerId = c.id;
          }),
      );
    }
    await Promise.all(inFlight);
  })();

  const kills: Array<ChaosKill & { downMs: number }> = [];
  let lastKillAt = t0;
  let redeliveries = 0;
  const killing = (async () => {
    for (const kill of [...plan.kills].sort((a, b) => a.atMs - b.atMs)) {
      await sleep(t0 + kill.atMs - Date.now());
      lastKillAt = Date.now();
      log(
        `${((lastKillAt - t0) / 1000).toFixed(1)} s: ${kill.signal} replica ${cluster.replicas[kill.replica]?.name}`,
      );
      await cluster.stop(kill.replica, kill.signal);
      await cluster.start(kill.replica);
      const downMs = Date.now() - lastKillAt;
      kills.push({ ...kill, downMs });
      log(
        `${((Date.now() - t0) / 1000).toFixed(1)} s: replica ${cluster.replicas[kill.replica]?.name} is back (down ${downMs} ms)`,
      );
      // What an operator does after an outage: redeliver the GitHub deliveries nobody accepted.
      redeliveries += await cluster.redeliverFailed();
    }
  })();
  await Promise.all([sending, killing]);
  log(`${((Date.now() - t0) / 1000).toFixed(1)} s: all commands sent, all kills done`);

  let figures: CommandFigures[] = [];
  let settledAt: number | undefined;
  const deadline = lastKillAt + plan.settleTimeoutMs;
  let lastReport = 0;
  let fewestOpen = Number.POSITIVE_INFINITY;
  let lastSettledAt = lastKillAt;
  const firstSettledAt = new Map<string, number>();
  const measureNow = async (): Promise<CommandFigures[]> => {
    const measured = await measure(cluster, sent, t0);
    const at = Date.now() - t0;
    for (const f of measured) {
      if (f.settled && !firstSettledAt.has(f.token)) firstSettledAt.set(f.token, at);
      f.settledAtMs = firstSettledAt.get(f.token);
    }
    return measured;
  };
  for (;;) {
    figures = await measureNow();
    const open = figures.filter((f) => !f.settled).length;
    if (open < fewestOpen) {
      fewestOpen = open;
      lastSettledAt = Date.now();
    }
    if (open === 0) {
      settledAt = Date.now();
      break;
    }
    if (Date.now() > deadline) break;
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      log(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${open} of ${figures.length} not settled yet`);
    }
    redeliveries += await cluster.redeliverFailed(3_000);
    await sleep(1_000);
  }
  // Anything that happens after settling (a late second final edit, a second run) is a double too.
  await sleep(2_000);
  figures = await measureNow();
  // Everything settled only in the grace measurement after the time-out: then that is when it settled (otherwise the
  // report would say "NOT everything settled" with nothing unfinished).
  if (settledAt === undefined && figures.every((f) => f.settled)) settledAt = Date.now();

  return {
    commands: figures,
    lost: figures.filter((f) => !f.settled).length,
    doubled: figures.filter((f) => f.doubled).length,
    mismatched: figures.filter((f) => f.mismatch).length,
    unsettled: figures.filter((f) => !f.settled).length,
    settledAfterLastKillMs: settledAt === undefined ? undefined : settledAt - lastKillAt,
    lastSettledAfterLastKillMs: lastSettledAt - lastKillAt,
    totalMs: (settledAt ?? Date.now()) - t0,
    redeliveries,
    faults: await faultCounts(cluster),
    kills,
    notes: [
      ...notesOf(cluster),
      ...(figures.some((f) => !f.settled)
        ? (await cluster.unfinishedJobs()).map((line) => `store: ${line}`)
        : []),
    ],
  };
}

function finalStateOf(body: string): FinalState | undefined {
  for (const [state, headline] of Object.entries(HEADLINES))
    if (body.includes(headline)) return state as FinalState;
  return undefined;
}

function requestBody(request: RecordedRequest): string {
  const body = (request.body as { body?: unknown } | undefined)?.body;
  return typeof body === 'string' ? body : '';
}

export async function measure(
  cluster: Cluster,
  sent: readonly ChaosCommand[],
  t0?: number,
): Promise<CommandFigures[]> {
  const state = cluster.github.state();
  const runs: SimRun[] = await cluster.sim.control.runs();
  const comments = [...state.comments.values()];
  return sent.map((command) => {
    const mine = runs.filter((r) => r.prompt.includes(command.token.slice(0, 11)));
    const onIssue = comments.filter(
      (c: FakeComment) => c.repo === command.repo && c.number === command.issue && c.user === BOT,
    );
    const status = onIssue.filter((c) => STATUS_MARKER.test(c.body));
    const ids = new Set(status.map((c) => `/repos/${command.repo}/issues/comments/${c.id}`));
    const accepted = state.requests.filter((r) => r.status >= 200 && r.status < 300);
    const edits = accepted.filter((r) => r.method === 'PATCH' && ids.has(r.path));
    const posts = accepted.filter(
      (r) =>
        r.method === 'POST' &&
        r.path === `/repos/${command.repo}/issues/${command.issue}/comments` &&
        STATUS_MARKER.test(requestBody(r)),
    );
    const triggerReactions = `/repos/${command.repo}/issues/comments/${command.triggerId}/reactions`;
    const refused = state.requests
      .filter((r) => r.status >= 400 && (r.path === triggerReactions || ids.has(r.path)))
      .map((r) => `${r.status} ${r.method} ${r.path === triggerReactions ? 'reaction' : 'status comment'}`);
    const finalEdits = [...edits, ...posts].filter((r) => finalStateOf(requestBody(r)) !== undefined).length;
    const reactions = state.reactions.filter(
      (r) => r.subject === 'comment' && r.subjectId === command.triggerId && r.user === BOT,
    );
    const rockets = reactions.filter((r) => r.content === 'rocket').length;
    const confused = reactions.filter((r) => r.content === 'confused').length;
    const commentState =
      status.length === 0 ? 'none' : (finalStateOf(status[status.length - 1]?.body ?? '') ?? 'not final');
    const runStates = mine.map((r) => r.status);
    const runsFinal = runStates.every((s) => s === 'completed' || s === 'failed');
    const settled =
      status.length > 0 &&
      status.every((c) => finalStateOf(c.body) !== undefined) &&
      rockets + confused > 0 &&
      runsFinal;
    const doubled = mine.length > 1 || status.length > 1 || finalEdits > 1 || rockets + confused > 1;
    const expected = mine.length === 1 ? mine[0]?.status : 'failed';
    const finishedAt = Math.max(...mine.map((r) => (r.completed_at ? Date.parse(r.completed_at) : 0)));
    const mismatch = settled && commentState !== expected;
    return {
      token: command.token,
      repo: command.repo,
      issue: command.issue,
      scriptedToFail: command.fails,
      runsCreated: mine.length,
      statusComments: status.length,
      finalEdits,
      edits: edits.length,
      rockets,
      confused,
      commentState,
      runStates,
      otherReplies: onIssue.length - status.length,
      headline: (status[status.length - 1]?.body ?? '')
        .split('\n')
        .filter((l) => l.trim() !== '' && !l.startsWith('<!--'))
        .slice(0, 2)
        .join(' / '),
      refused,
      settled,
      doubled,
      mismatch,
      finishedAtCodecloudMs: t0 !== undefined && finishedAt > 0 ? finishedAt - t0 : undefined,
    };
  });
}

async function faultCounts(cluster: Cluster): Promise<ChaosReport['faults']> {
  const state = cluster.github.state();
  const refused = state.randomFaults.reduce((sum, f) => sum + f.hits, 0);
  const simState = await cluster.sim.control.state();
  const hits = (pred: (f: (typeof simState.faults)[number]) => boolean): number =>
    simState.faults.filter(pred).reduce((sum, f) => sum + f.hits, 0);
  const webhookFaults = simState.webhook_faults;
  return {
    githubWritesRefused: refused,
    github502: state.randomFaults.filter((f) => f.status === 502).reduce((s, f) => s + f.hits, 0),
    github403: state.randomFaults.filter((f) => f.status === 403).reduce((s, f) => s + f.hits, 0),
    createsFailed: hits((f) => f.route === 'POST /api/v1/agents'),
    completionWebhooksDropped: webhookFaults
      .filter((f) => f.action === 'drop')
      .reduce((s, f) => s + f.hits, 0),
    completionWebhooksRepeated: webhookFaults
      .filter((f) => f.action === 'duplicate')
      .reduce((s, f) => s + f.hits, 0),
  };
}

function notesOf(cluster: Cluster): string[] {
  const notes: string[] = [];
  const violations = cluster.github.state().violations;
  if (violations.length > 0)
    notes.push(`${violations.length} OpenAPI violations, first: ${JSON.stringify(violations[0])}`);
  const output = cluster.output();
  const crashes = output.match(/Unhandled|uncaught|TypeError|ReferenceError/gi);
  if (crashes) notes.push(`${crashes.length} crash-like lines in the app output`);
  const lostReactions = output.split('\n').filter((line) => /reaction (rocket|confused) .*failed/.test(line));
  for (const line of lostReactions.slice(0, 10)) notes.push(`app: ${line.slice(0, 300)}`);
  return notes;
}

/** `1×198 · 0×2`: how often each value occurs, most common first. */
export function histogram(values: readonly (number | string)[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([value, n]) => `${value}×${n}`)
    .join(' · ');
}

/** The report as lines of text (the bench prints them; a failing test shows them). */
export function describeReport(report: ChaosReport): string[] {
  const c = report.commands;
  const lines = [
    `runs created per command:     ${histogram(c.map((f) => f.runsCreated))}`,
    `status comments per run:      ${histogram(c.map((f) => f.statusComments))}`,
    `final edits per run:          ${histogram(c.map((f) => f.finalEdits))}`,
    `🚀/😕 per trigger:            ${histogram(c.map((f) => `${f.rockets}/${f.confused}`))}`,
    `final comment states:         ${histogram(c.map((f) => f.commentState))}`,
    `status comment edits per run: ${histogram(c.map((f) => f.edits))}`,
    `lost ${report.lost} · doubled ${report.doubled} · comment ≠ codecloud ${report.mismatched} · unfinished at the end ${report.unsettled}`,
    report.settledAfterLastKillMs === undefined
      ? `NOT everything settled; the last that did, ${(report.lastSettledAfterLastKillMs / 1000).toFixed(0)} s after the last kill`
      : `settled ${(report.settledAfterLastKillMs / 1000).toFixed(1)} s after the last kill; ${(report.totalMs / 1000).toFixed(1)} s from the first command`,
    `faults: GitHub writes refused ${report.faults.githubWritesRefused} (502 ×${report.faults.github502}, 403 secondary rate limit ×${report.faults.github403}) · creates failed ${report.faults.createsFailed} · completion webhooks dropped ${report.faults.completionWebhooksDropped}, repeated ${report.faults.completionWebhooksRepeated}`,
    `kills: ${report.kills.map((k) => `${k.signal} ${k.replica} at ${(k.atMs / 1000).toFixed(0)} s (down ${(k.downMs / 1000).toFixed(1)} s)`).join(', ')} · GitHub redeliveries ${report.redeliveries}`,
    ...report.notes,
  ];
  const odd = c.filter((f) => !f.settled || f.doubled || f.mismatch);
  for (const f of odd.slice(0, 20)) {
    lines.push(
      `  ${f.token} ${f.repo}#${f.issue}: runs ${f.runsCreated} [${f.runStates.join(',')}], status comments ${f.statusComments} (${f.commentState}), final edits ${f.finalEdits}, 🚀 ${f.rockets} 😕 ${f.confused}, replies ${f.otherReplies}${f.refused.length > 0 ? `, refused: ${f.refused.join(', ')}` : ''}${f.commentState === 'not final' || f.mismatch ? `, shows "${f.headline.slice(0, 160)}"` : ''}${f.settled ? '' : ' UNSETTLED'}${f.doubled ? ' DOUBLED' : ''}${f.mismatch ? ' MISMATCH' : ''}`,
    );
  }
  if (odd.length > 20) lines.push(`  … and ${odd.length - 20} more`);
  const seconds = (ms: number | undefined): string =>
    ms === undefined ? '–' : `${(ms / 1000).toFixed(0)} s`;
  const latest = c
    .filter((f) => f.settledAtMs !== undefined)
    .sort((a, b) => (b.settledAtMs ?? 0) - (a.settledAtMs ?? 0))
    .slice(0, 5);
  if (latest.length > 0) lines.push('the last to settle (from the first command):');
  for (const f of latest) {
    lines.push(
      `  ${f.token}: finished at codecloud ${seconds(f.finishedAtCodecloudMs)}, settled ${seconds(f.settledAtMs)} (${f.commentState}, runs ${f.runsCreated})`,
    );
  }
  return lines;
}
