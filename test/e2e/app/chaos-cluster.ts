// The real app as one process (embedded SQLite store) or as several replicas sharing a PostgreSQL database, behind
// a small load balancer, with the fake GitHub and the codecloud simulator, all on 127.0.0.1. Replicas can be
// SIGKILLed or SIGTERMed and started again (same port, same DATA_DIR) while the others keep serving.
import { mkdtemp, rm } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingHttpHeaders,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  type FakeGitHub,
  type FakeGitHubControl,
  fakeGitHubControl,
  generateAppKey,
  startFakeGitHub,
} from '../../fake-github/fake-github.js';
import { startThreadPoster } from '../../fake-github/thread-poster.js';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../sim/simulator.js';
import {
  type AppProcess,
  appEnv,
  CODECLOUD_SECRET,
  freePort,
  startApp,
  WEBHOOK_SECRET,
} from './app-harness.js';

export interface Replica {
  name: string;
  port: number;
  dataDir: string;
  /** The running process, or undefined while it is down. */
  app: AppProcess | undefined;
  /** Output of every process this replica ran, oldest first. */
  pastOutput: string[];
}

export interface LoadBalancer {
  url: string;
  /** The next `count` GitHub deliveries go to every live replica at once (the first answer is returned). */
  fanOutNext(count: number): void;
  /** Requests forwarded, per replica name and route (`github`, `codecloud`, other). */
  forwarded: Map<string, { github: number; codecloud: number; other: number }>;
  close(): Promise<void>;
}

export interface Cluster {
  github: FakeGitHub;
  gh: FakeGitHubControl;
  sim: Simulator;
  lb: LoadBalancer;
  replicas: Replica[];
  /** Stops replica `index` with `signal` and waits for the process to end. */
  stop(index: number, signal: NodeJS.Signals): Promise<void>;
  /** Starts replica `index` again (same port, same DATA_DIR, same database). */
  start(index: number): Promise<void>;
  /** Redelivers every GitHub delivery that no replica accepted (what an operator does after an outage). */
  redeliverFailed(olderThanMs?: number): Promise<number>;
  /** Output of every process of every replica. */
  output(): string;
  /** On PostgreSQL: the store's jobs that are not done and its runs not final or without final comment, for diagnosis. */
  unfinishedJobs(): Promise<string[]>;
  close(): Promise<void>;
}

export interface ClusterOptions {
  /** Replicas (default 1). More than one needs `databaseUrl`. */
  replicas?: number;
  /** `postgres://…` shared by the replicas; unset: the embedded SQLite store, one DATA_DIR per replica. */
  databaseUrl?: string;
  sim?: SimulatorOptions;
  env?: Record<string, string>;
  /** Node arguments that start the app (default: app/main.ts through tsx; the benches run the compiled app). */
  appArgs?: readonly string[];
  /**
   * GitHub's webhooks are sent from a thread of their own, straight to the running replicas in turn (as a proxy in
   * a process of its own would spread them), and timed there: a bench's busy main thread, which serves the fakes and
   * the load balancer, then adds nothing to the ack times it reports. The load balancer's `fanOutNext` does not
   * apply to them.
   */
  webhooksFromThread?: boolean;
}

/** A round-robin load balancer that tries the next replica when one refuses the connection (it is down). */
async function startLoadBalancer(replicas: Replica[]): Promise<LoadBalancer> {
  let next = 0;
  let fanOut = 0;
  const forwarded = new Map<string, { github: number; codecloud: number; other: number }>();
  const count = (replica: Replica, path: string): void => {
    const entry = forwarded.get(replica.name) ?? { github: 0, codecloud: 0, other: 0 };
    if (path.startsWith('/api/github/webhooks')) entry.github += 1;
    else if (path.startsWith('/codecloud/webhook')) entry.codecloud += 1;
    else entry.other += 1;
    forwarded.set(replica.name, entry);
  };
  const forward = (
    replica: Replica,
    method: string,
    path: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        { host: '127.0.0.1', port: replica.port, method, path, headers, timeout: 30_000 },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 502,
              headers: response.headers,
              body: Buffer.concat(chunks),
            }),
          );
          response.on('error', reject);
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error('replica did not answer in 30 s')));
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  const server = createHttpServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      const headers = { ...req.headers };
      delete headers.host;
      if (path.startsWith('/api/github/webhooks') && fanOut > 0) {
        fanOut -= 1;
        const live = replicas.filter((r) => r.app);
        for (const replica of live) count(replica, path);
        const answers = await Promise.allSettled(live.map((r) => forward(r, method, path, headers, body)));
        const first = answers.find((a) => a.status === 'fulfilled');
        if (first?.status === 'fulfilled') {
          res.writeHead(first.value.status, {
            'content-type': first.value.headers['content-type'] ?? 'text/plain',
          });
          res.end(first.value.body);
        } else {
          res.writeHead(502).end('no replica answered');
        }
        return;
      }
      for (let tried = 0; tried < replicas.length; tried += 1) {
        const replica = replicas[next % replicas.length] as Replica;
        next += 1;
        try {
          // Like a real proxy, the browser's Host reaches the replica and the answer's headers (Location,
          // Set-Cookie, …) reach the browser.
          const answer = await forward(replica, method, path, { ...headers, host: req.headers.host }, body);
          count(replica, path);
          const { 'transfer-encoding': _chunked, connection: _connection, ...passed } = answer.headers;
          res.writeHead(answer.status, { 'content-type': 'text/plain', ...passed });
          res.end(answer.body);
          return;
        } catch (error) {
          // Refused: that replica is down, try the next one. Anything else (cut off mid-answer) is a 502, as a load
          // balancer does not resend a POST that may have been processed.
          if ((error as NodeJS.ErrnoException).code !== 'ECONNREFUSED') {
            res.writeHead(502).end(`replica ${replica.name}: ${String(error)}`);
            return;
          }
        }
      }
      res.writeHead(502).end('no replica is up');
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    fanOutNext(n) {
      fanOut += n;
    },
    forwarded,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const count = options.replicas ?? 1;
  if (count > 1 && !options.databaseUrl) throw new Error('several replicas need a shared databaseUrl');
  const key = generateAppKey();
  const replicas: Replica[] = [];
  let nextReplica = 0;
  const poster = options.webhooksFromThread
    ? startThreadPoster((url) => {
        const live = replicas.filter((replica) => replica.app);
        const replica = live[nextReplica++ % Math.max(1, live.length)];
        return replica ? url.replace(/^https?:\/\/[^/]+/, `http://127.0.0.1:${replica.port}`) : url;
      })
    : undefined;
  const github = await startFakeGitHub({
    appId: 1,
    appPublicKey: key.publicKey,
    webhookSecret: WEBHOOK_SECRET,
    ...(poster ? { webhookPoster: poster } : {}),
  });
  const sim = await startSimulator({
    webhookSecret: CODECLOUD_SECRET,
    githubUrl: github.url,
    ...options.sim,
  });
  for (let i = 0; i < count; i += 1) {
    replicas.push({
      name: String.fromCharCode(65 + i),
      port: await freePort(),
      dataDir: await mkdtemp(join(tmpdir(), 'codecloud-chaos-')),
      app: undefined,
      pastOutput: [],
    });
  }
  const lb = await startLoadBalancer(replicas);
  const envOf = (replica: Replica): Record<string, string> => ({
    ...appEnv({
      privateKey: key.privateKey,
      githubUrl: github.url,
      simUrl: sim.url,
      port: replica.port,
      dataDir: replica.dataDir,
      publicUrl: lb.url,
    }),
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...options.env,
  });
  const start = async (index: number): Promise<void> => {
    const replica = replicas[index];
    if (!replica) throw new Error(`no replica ${index}`);
    if (replica.app) throw new Error(`replica ${replica.name} is running`);
    replica.app = await startApp(envOf(replica), 60_000, options.appArgs);
  };
  // The first replica migrates the shared database alone; the others start together after it.
  await start(0);
  await Promise.all(replicas.slice(1).map((_, i) => start(i + 1)));
  const gh = fakeGitHubControl(github.url);
  await gh.setWebhook({ url: `${lb.url}/api/github/webhooks`, secret: WEBHOOK_SECRET });

  return {
    github,
    gh,
    sim,
    lb,
    replicas,
    start,
    async stop(index, signal) {
      const replica = replicas[index];
      if (!replica?.app) return;
      const app = replica.app;
      replica.app = undefined;
      await app.stop(signal);
      replica.pastOutput.push(app.output());
    },
    async redeliverFailed(olderThanMs = 1_000) {
      const deliveries = github.state().deliveries;
      const byId = new Map<string, { ok: boolean; failed: boolean; at: number }>();
      for (const d of deliveries) {
        const entry = byId.get(d.id) ?? { ok: false, failed: false, at: Date.parse(d.at) };
        if (d.status !== undefined && d.status >= 200 && d.status < 300) entry.ok = true;
        else if (d.error !== undefined || (d.status !== undefined && d.status >= 300)) entry.failed = true;
        entry.at = Math.max(entry.at, Date.parse(d.at));
        byId.set(d.id, entry);
      }
      let sent = 0;
      for (const [id, entry] of byId) {
        if (entry.ok || !entry.failed || Date.now() - entry.at < olderThanMs) continue;
        await gh.redeliver(id).catch(() => undefined);
        sent += 1;
      }
      return sent;
    },
    async unfinishedJobs() {
      if (!options.databaseUrl) return [];
      const client = new pg.Client({ connectionString: options.databaseUrl });
      try {
        await client.connect();
        const { rows } = await client.query<{ line: string }>(
          `SELECT concat_ws(' ', kind, state, 'attempts=' || attempts, 'created=' || created_at::text,
             'lease_until=' || lease_until::text, left(last_error, 200)) AS line
           FROM jobs WHERE state <> 'done' ORDER BY id LIMIT 50`,
        );
        const runs = await client.query<{ line: string }>(
          `SELECT concat_ws(' ', 'run', status, 'remote=' || coalesce(remote_run_id, 'none'),
             'comment=' || coalesce(status_comment_id::text, 'none'), 'final_comment_posted=' || final_comment_posted,
             'updated=' || updated_at::text, left(prompt, 60)) AS line
           FROM runs WHERE status IN ('waiting', 'starting', 'queued', 'running') OR NOT final_comment_posted
           ORDER BY seq LIMIT 50`,
        );
        return [...rows.map((r) => `job ${r.line}`), ...runs.rows.map((r) => r.line)];
      } catch (error) {
        return [`could not read jobs: ${String(error)}`];
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    output() {
      return replicas
        .flatMap((r) => [...r.pastOutput, r.app?.output() ?? ''].map((o) => `--- replica ${r.name}\n${o}`))
        .join('\n');
    },
    async close() {
      for (const replica of replicas) await replica.app?.stop().catch(() => undefined);
      await lb.close().catch(() => undefined);
      await sim.close().catch(() => undefined);
      await github.close().catch(() => undefined);
      await poster?.close();
      for (const replica of replicas)
        await rm(replica.dataDir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}
