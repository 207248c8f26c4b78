// The fake GitHub's webhooks against GitHub's own example payloads (@octokit/webhooks-examples), for the events the
// app subscribes to (app/index.ts): every field the fake sends is one GitHub sends, with the same JSON type, and the
// app's payload readers (app/webhook-triggers.ts) read GitHub's examples and the fake's deliveries alike.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import examples from '@octokit/webhooks-examples' with { type: 'json' };
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromPermissionsAccepted } from '../../../app/autofix-triggers.js';
import {
  type DeliveryLog,
  fromIssueComment,
  fromIssueLabeled,
  fromIssueOpened,
  fromPush,
  fromReview,
  fromReviewComment,
} from '../../../app/webhook-triggers.js';
import type { GitHubDelivery } from '../../../src/server/github-webhook-route.js';
import {
  type FakeGitHub,
  fakeGitHubControl,
  generateAppKey,
  startFakeGitHub,
} from '../../fake-github/fake-github.js';

type JsonObject = { [key: string]: unknown };

interface WebhookDefinition {
  name: string;
  examples: JsonObject[];
}

// The package's own typing describes an ES module; imported as JSON it is the array itself.
const definitions = examples as unknown as WebhookDefinition[];

/** GitHub's examples of `event` (with `action`, when given). */
function realExamples(event: string, action?: string): JsonObject[] {
  const examples = definitions.find((definition) => definition.name === event)?.examples ?? [];
  return examples.filter((example) => action === undefined || example.action === action);
}

/**
 * Fields GitHub sends that no example has: the examples are repository-webhook deliveries (an App's delivery also
 * names its `installation`), recorded before pull requests in review webhooks carried `draft` and before comments
 * carried `performed_via_github_app`.
 */
const NEWER_THAN_THE_EXAMPLES = new Set([
  'installation',
  'pull_request.draft',
  'comment.performed_via_github_app',
]);

const jsonType = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;

/** Every object the real examples hold at `path`, so a field is judged against all of them. */
function valuesAt(examples: unknown[], key: string): unknown[] {
  const values: unknown[] = [];
  for (const example of examples) {
    if (Array.isArray(example)) values.push(...example.flatMap((item) => valuesAt([item], key)));
    else if (example !== null && typeof example === 'object' && key in example)
      values.push((example as JsonObject)[key]);
  }
  return values;
}

/** The fields of `fake` (recursively) that no real example has, or has with another JSON type. */
function strangeFields(fake: unknown, real: unknown[], path = ''): string[] {
  if (Array.isArray(fake)) return fake.flatMap((item) => strangeFields(item, real, path));
  if (fake === null || typeof fake !== 'object') return [];
  const strange: string[] = [];
  for (const [key, value] of Object.entries(fake)) {
    const at = path === '' ? key : `${path}.${key}`;
    if (NEWER_THAN_THE_EXAMPLES.has(at)) continue;
    const realValues = valuesAt(real, key);
    if (realValues.length === 0) {
      strange.push(`${at}: not sent by GitHub`);
      continue;
    }
    const realTypes = new Set(realValues.map(jsonType));
    if (value !== null && !realTypes.has(jsonType(value)) && !realTypes.has('null'))
      strange.push(`${at}: ${jsonType(value)}, GitHub sends ${[...realTypes].join(' or ')}`);
    strange.push(...strangeFields(value, realValues, at));
  }
  return strange;
}

/** What one of the app's readers makes of `payload` delivered as `event`, and the warnings it logged. */
function readWith(
  reader: (delivery: GitHubDelivery, log: DeliveryLog) => unknown,
  event: string,
  payload: JsonObject,
) {
  const warnings: string[] = [];
  // A delivery as the app's webhook route hands it over: the event name, the delivery id and the payload.
  const delivery: GitHubDelivery = { name: event, id: 'delivery-1', payload };
  return { trigger: reader(delivery, { warn: (message: string) => warnings.push(message) }), warnings };
}

/** The real examples are repository-webhook deliveries: an App's delivery names its installation too. */
const asAppDelivery = (payload: JsonObject): JsonObject => ({ installation: { id: 7 }, ...payload });

let fake: FakeGitHub;
let receiver: Server;
const delivered: Array<{ event: string; payload: JsonObject }> = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as JsonObject;
      delivered.push({ event: String(req.headers['x-github-event']), payload });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as AddressInfo;
  const key = generateAppKey();
  fake = await startFakeGitHub({
    appId: 4242,
    appPublicKey: key.publicKey,
    webhookUrl: `http://127.0.0.1:${port}/api/github/webhooks`,
    webhookSecret: 'fake-secret',
  });
  const control = fakeGitHubControl(fake.url);
  const repo = 'acme/widgets';
  await control.createRepo({ owner: 'acme', name: 'widgets', installationId: 77 });
  const issue = await control.openIssue({ repo, title: 'Bug', body: '/codecloud fix it', user: 'alice' });
  await control.comment({ repo, number: issue.number, user: 'alice', body: '/codecloud fix it' });
  await control.label({ repo, number: issue.number, user: 'alice', label: 'codecloud' });
  const pull = await control.openPull({ repo, title: 'Feature', head: 'feature', user: 'alice' });
  await control.submitReview({ repo, number: pull.number, user: 'alice', body: '/codecloud review' });
  await control.reviewComment({
    repo,
    number: pull.number,
    user: 'alice',
    body: '/codecloud rename this',
    path: 'src/a.ts',
    line: 3,
  });
  await control.acceptPermissions({ installationId: 77, user: 'alice' });
});

afterAll(async () => {
  await fake?.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

function deliveryOf(name: HandledEvent): JsonObject {
  const [event, action] = eventAndAction(name);
  const found = delivered.find((delivery) => delivery.event === event && delivery.payload.action === action);
  if (!found) throw new Error(`the fake sent no ${name}`);
  return found.payload;
}

const READERS = {
  'issue_comment.created': (payload: JsonObject) => readWith(fromIssueComment, 'issue_comment', payload),
  'issues.opened': (payload: JsonObject) => readWith(fromIssueOpened, 'issues', payload),
  'issues.labeled': (payload: JsonObject) => readWith(fromIssueLabeled, 'issues', payload),
  'pull_request_review.submitted': (payload: JsonObject) =>
    readWith(fromReview, 'pull_request_review', payload),
  'pull_request_review_comment.created': (payload: JsonObject) =>
    readWith(fromReviewComment, 'pull_request_review_comment', payload),
  // A push is read into the trigger the job records and what the config cache needs: the trigger is checked here.
  push: (payload: JsonObject) =>
    readWith((delivery, log) => fromPush(delivery, log)?.trigger, 'push', payload),
};
type HandledEvent = keyof typeof READERS;

/** The events the app handles that the fake GitHub sends (it sends no `push`: tests post those themselves). */
const SENT_BY_THE_FAKE: HandledEvent[] = [
  'issue_comment.created',
  'issues.opened',
  'issues.labeled',
  'pull_request_review.submitted',
  'pull_request_review_comment.created',
];

/** `event.action` split in two (`push` has no action). */
const eventAndAction = (name: HandledEvent): [string, string | undefined] => {
  const [event, action] = name.split('.');
  return [event ?? name, action];
};

describe("the fake GitHub's webhook payloads", () => {
  it.each(SENT_BY_THE_FAKE)('%s: only fields GitHub sends, with the types GitHub sends', (name) => {
    const real = realExamples(...eventAndAction(name));
    expect(real.length).toBeGreaterThan(0);
    expect(strangeFields(deliveryOf(name), real)).toEqual([]);
  });
});

describe("the app's payload readers on GitHub's examples and the fake's deliveries", () => {
  it.each(Object.keys(READERS) as HandledEvent[])('%s: every GitHub example is read', (name) => {
    const examples = realExamples(...eventAndAction(name));
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) {
      const { trigger, warnings } = READERS[name](asAppDelivery(example));
      expect(warnings).toEqual([]);
      expect(trigger).toMatchObject({ installationId: expect.any(Number), deliveryId: 'delivery-1' });
    }
  });

  it.each(SENT_BY_THE_FAKE)('%s: the fake delivery is read the same way', (name) => {
    const { trigger, warnings } = READERS[name](deliveryOf(name));
    expect(warnings).toEqual([]);
    expect(trigger).toMatchObject({ owner: 'acme', repo: 'widgets', sender: { login: 'alice' } });
  });
});

describe('installation new_permissions_accepted', () => {
  const sent = () => {
    const found = delivered.find(
      (d) => d.event === 'installation' && d.payload.action === 'new_permissions_accepted',
    );
    if (!found) throw new Error('the fake sent no installation.new_permissions_accepted');
    return found.payload;
  };

  it("the fake's delivery has only fields GitHub sends (the installation object aside), with GitHub's types", () => {
    const real = realExamples('installation', 'new_permissions_accepted');
    expect(real.length).toBeGreaterThan(0);
    expect(strangeFields(sent(), real)).toEqual([]);
    const installation = sent().installation as JsonObject;
    const realKeys = Object.keys(real[0]?.installation as JsonObject);
    expect(Object.keys(installation).filter((key) => !realKeys.includes(key))).toEqual([]);
  });

  it("GitHub's example and the fake's delivery are read as the installation's id", () => {
    for (const payload of [...realExamples('installation', 'new_permissions_accepted'), sent()]) {
      const { trigger, warnings } = readWith(fromPermissionsAccepted, 'installation', payload);
      expect(warnings).toEqual([]);
      expect(trigger).toEqual((payload.installation as JsonObject).id);
    }
    expect(readWith(fromPermissionsAccepted, 'installation', sent()).trigger).toBe(77);
  });
});
