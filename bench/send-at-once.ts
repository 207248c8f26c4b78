// Sends requests all at once from a worker thread and returns each one's time to its answer (ms). The thread has
// its own event loop, so the fake GitHub and simulator serving the app in the bench's main thread do not delay the
// timing. Before the burst, the thread sends the same number of requests to a server of its own, so what is timed
// is the server under test, not the first run of Node's HTTP client code in a fresh thread.
import { Worker } from 'node:worker_threads';

export interface BurstRequest {
  headers: Record<string, string>;
  body: string;
}

const SENDER = `
const { parentPort, workerData } = require('node:worker_threads');
const { Agent, createServer, request } = require('node:http');
const { url, requests } = workerData;
const send = (agent, target, req) => new Promise((resolve, reject) => {
  const sentAt = performance.now();
  const r = request(target, { method: 'POST', agent, headers: { ...req.headers, 'content-length': Buffer.byteLength(req.body) } }, (res) => {
    res.resume();
    res.on('end', () => (res.statusCode >= 200 && res.statusCode < 300
      ? resolve(performance.now() - sentAt)
      : reject(new Error('answered ' + res.statusCode))));
  });
  r.on('error', reject);
  r.end(req.body);
});
const burst = async (target) => {
  const agent = new Agent({ keepAlive: true, maxSockets: requests.length });
  try { return await Promise.all(requests.map((req) => send(agent, target, req))); } finally { agent.destroy(); }
};
const warmUp = async () => {
  const server = createServer((req, res) => { req.resume(); req.on('end', () => res.end('ok')); });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const target = 'http://127.0.0.1:' + server.address().port + '/';
  for (let round = 0; round < 3; round++) await burst(target);
  await new Promise((resolve) => server.close(resolve));
};
warmUp().then(() => burst(url)).then((times) => parentPort.postMessage({ times }),
  (error) => parentPort.postMessage({ error: String(error) }));
`;

export function sendAtOnce(url: string, requests: BurstRequest[]): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(SENDER, { eval: true, workerData: { url, requests } });
    worker.once('message', (message: { times?: number[]; error?: string }) => {
      void worker.terminate();
      if (message.times) resolve(message.times);
      else reject(new Error(`burst: ${message.error}`));
    });
    worker.once('error', reject);
  });
}
