// The floor for the webhook acks: a bare `node:http` server in its own process that does only what any webhook
// receiver must (read the body, check the HMAC, parse the JSON, answer 200), hit with the same burst by the same
// sender. What the app takes beyond it is the app's own work; what it takes itself is Node's HTTP and the machine.
import { spawn } from 'node:child_process';

const SERVER = `
const { createServer } = require('node:http');
const { createHmac } = require('node:crypto');
const secret = process.env.WEBHOOK_SECRET;
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const signature = 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
    if (signature !== req.headers['x-hub-signature-256']) return res.writeHead(400).end();
    JSON.parse(body.toString('utf8'));
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\\n');
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write('listening ' + server.address().port + '\\n'));
`;

export interface BareWebhookServer {
  url: string;
  pid: number | undefined;
  close(): void;
}

export function startBareWebhookServer(secret: string): Promise<BareWebhookServer> {
  const child = spawn(process.execPath, ['-e', SERVER], {
    env: { ...process.env, WEBHOOK_SECRET: secret },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the bare webhook server exited with ${code}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      const port = /listening (\d+)/.exec(String(chunk))?.[1];
      if (port) resolve({ url: `http://127.0.0.1:${port}/`, pid: child.pid, close: () => void child.kill() });
    });
  });
}
