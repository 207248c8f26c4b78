// Sends requests all at once from a worker thread and returns each one's time to its answer (ms). The thread has
// its own event loop, so the fake GitHub and simulator serving the app in the bench's main thread do not delay the
// timing.
import { Worker } from 'node:worker_threads';

export interface BurstRequest {
  headers: Record<string, string>;
  body: string;
}

const SENDER = `
const { parentPort, workerData } = require('node:worker_threads');
const { Agent, request } = require('node:http');
const { url, requests } = workerData;
const agent = new Agent({ keepAlive: true, maxSockets: requests.length });
const send = (req) => new Promise((resolve, reject) => {
  const sentAt = performance.now();
  const r = request(url, { method: 'POST', agent, headers: { ...req.headers, 'content-length': Buffer.byteLength(req.body) } }, (res) => {
    res.resume();
    res.on('end', () => (res.statusCode >= 200 && res.statusCode < 300
      ? resolve(performance.now() - sentAt)
      : reject(new Error('answered ' + res.statusCode))));
  });
  r.on('error', reject);
  r.end(req.body);
});
Promise.all(requests.map(send)).then((times) => { agent.destroy(); parentPort.postMessage({ times }); },
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
