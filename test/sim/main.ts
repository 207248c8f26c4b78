// Runs the codecloud simulator as a process: `npm run sim -- --time-factor 10 --key test-key:pro`.
// Prints its URL and API keys, and serves until SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { startSimulator } from './simulator.js';
import type { SimApiKey, SimPlan } from './types.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'time-factor': { type: 'string', default: '1' },
    'webhook-secret': { type: 'string' },
    key: { type: 'string', multiple: true },
    'start-time': { type: 'string' },
    'no-progress': { type: 'boolean', default: false },
  },
});

function parseKey(text: string): SimApiKey {
  const at = text.lastIndexOf(':');
  const key = at > 0 ? text.slice(0, at) : text;
  const plan = at > 0 ? text.slice(at + 1) : 'pro';
  if (plan !== 'free' && plan !== 'starter' && plan !== 'pro') {
    throw new Error(`--key ${text}: the plan must be free, starter or pro, got ${plan}`);
  }
  return { key, plan: plan as SimPlan };
}

function fail(message: string): never {
  process.stderr.write(`codecloud simulator: ${message}\n`);
  process.exit(2);
}

const timeFactor = Number(values['time-factor']);
if (!(timeFactor >= 0)) fail(`--time-factor must be a number >= 0, got ${values['time-factor']}`);
let apiKeys: SimApiKey[] = [];
try {
  apiKeys = (values.key ?? ['test-key:pro']).map(parseKey);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

const sim = await startSimulator({
  port: Number(values.port),
  timeFactor,
  apiKeys,
  ...(values['webhook-secret'] ? { webhookSecret: values['webhook-secret'] } : {}),
  ...(values['start-time'] ? { startTime: values['start-time'] } : {}),
  progressWebhooks: !values['no-progress'],
});
process.stdout.write(`codecloud simulator listening on ${sim.url}\n`);
for (const { key, plan } of apiKeys) process.stdout.write(`api key ${key} (${plan})\n`);

const stop = (): void => {
  void sim.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
