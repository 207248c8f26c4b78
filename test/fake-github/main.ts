// Runs the fake GitHub as a process: `npm run fake-github -- --port 0 --app-id 1 --webhook-url URL --webhook-secret S`.
import { parseArgs } from 'node:util';
import { startFakeGitHub } from './fake-github.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'app-id': { type: 'string', default: '1' },
    'app-slug': { type: 'string', default: 'codecloud' },
    'webhook-url': { type: 'string' },
    'webhook-secret': { type: 'string' },
    'app-public-key-file': { type: 'string' },
  },
});

const { readFileSync } = await import('node:fs');
const fake = await startFakeGitHub({
  port: Number(values.port),
  appId: Number(values['app-id']),
  appSlug: values['app-slug'],
  ...(values['webhook-url'] ? { webhookUrl: values['webhook-url'] } : {}),
  ...(values['webhook-secret'] ? { webhookSecret: values['webhook-secret'] } : {}),
  ...(values['app-public-key-file']
    ? { appPublicKey: readFileSync(values['app-public-key-file'], 'utf8') }
    : {}),
});
process.stdout.write(`fake GitHub listening on ${fake.url}\n`);

const stop = (): void => {
  void fake.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
