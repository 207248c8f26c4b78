// The client's outcome rules with an injected fetch (the simulator tests cover the HTTP side).
import { describe, expect, it } from 'vitest';
import { CloudCodingClient, type CloudCodingOutcome } from '../../../src/cloudcoding/client.js';

const TOKEN = 'ghs_unitTokenValue0000000000000000000000';
const body = {
  repo_url: 'https://github.com/acme/widgets',
  github_token: TOKEN,
  messages: [{ type: 'human' as const, content: 'x' }],
};

function streamOf(parts: Array<string | Error>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      const part = parts[i++];
      if (part === undefined) controller.close();
      else if (part instanceof Error) controller.error(part);
      else controller.enqueue(encoder.encode(part));
    },
  });
}

function clientAnswering(make: () => Response): CloudCodingClient {
  return new CloudCodingClient({ apiKey: 'unit-api-key', fetch: async () => make() });
}

async function outcomeOf(client: CloudCodingClient): Promise<CloudCodingOutcome> {
  return client.invoke(body).done();
}

const sse = (parts: Array<string | Error>, headers: Record<string, string> = {}) =>
  new Response(streamOf(parts), {
    status: 200,
    headers: { 'content-type': 'text/event-stream', ...headers },
  });

describe('CloudCodingClient outcomes', () => {
  it('a task-tagged end event is not the end of the stream', async () => {
    const outcome = await outcomeOf(
      clientAnswering(() => sse(['event: end\ndata: {"task_name":"a"}\n\n', new TypeError('terminated')])),
    );
    expect(outcome.status).toBe('disconnected');
  });

  it('an untagged end event completes the run even if the connection then drops', async () => {
    const outcome = await outcomeOf(
      clientAnswering(() => sse(['event: end\ndata: {}\n\n', new TypeError('terminated')])),
    );
    expect(outcome).toMatchObject({ status: 'completed', endEvent: true });
  });

  it('reads the thread id from an x-thread-id header', async () => {
    const outcome = await outcomeOf(
      clientAnswering(() => sse(['data: {"stdout":"x"}\n\n'], { 'x-thread-id': 'thread_hdr' })),
    );
    expect(outcome).toMatchObject({ status: 'completed', threadId: 'thread_hdr', endEvent: false });
  });

  it('a 200 with JSON instead of a stream is a failure naming it', async () => {
    const outcome = await outcomeOf(
      clientAnswering(() => Response.json({ detail: 'queued elsewhere' }, { status: 200 })),
    );
    expect(outcome).toMatchObject({
      status: 'failed',
      reason: 'Cloud Coding API 200 answered JSON instead of an event stream: queued elsewhere',
    });
  });

  it('a stream without a single event is a failure', async () => {
    const outcome = await outcomeOf(clientAnswering(() => sse([': just a comment\n\n'])));
    expect(outcome).toMatchObject({
      status: 'failed',
      reason: 'Cloud Coding API closed the stream without sending any event',
    });
  });

  it('an error from fetch never carries the key or token', async () => {
    const client = new CloudCodingClient({
      apiKey: 'unit-api-key',
      fetch: async () => {
        throw new TypeError(`fetch failed for unit-api-key and ${TOKEN}`);
      },
    });
    const outcome = await outcomeOf(client);
    expect(outcome.status).toBe('failed');
    expect(JSON.stringify(outcome)).not.toMatch(/unit-api-key|ghs_unit/);
    expect(outcome.status !== 'completed' && outcome.reason).toBe(
      'Cloud Coding API unreachable: fetch failed for [redacted] and [redacted]',
    );
  });

  it('sends x-api-key, JSON and asks for an event stream', async () => {
    let seen: Request | undefined;
    const client = new CloudCodingClient({
      apiKey: 'unit-api-key',
      baseUrl: 'https://cc.example.com/',
      fetch: async (input, init) => {
        seen = new Request(input, init);
        return sse(['data: {"stdout":"x"}\n\n']);
      },
    });
    await client.invoke(body).done();
    expect(seen?.url).toBe('https://cc.example.com/invoke/stdout');
    expect(seen?.headers.get('x-api-key')).toBe('unit-api-key');
    expect(seen?.headers.get('accept')).toBe('text/event-stream');
    expect(await seen?.json()).toEqual(body);
    expect(new CloudCodingClient({ apiKey: 'k' }).baseUrl).toBe('https://api.cloudcoding.ai');
  });

  it('the events can be read once', async () => {
    const invocation = clientAnswering(() => sse(['data: {"stdout":"x"}\n\n'])).invoke(body);
    await invocation.done();
    expect(() => invocation[Symbol.asyncIterator]()).toThrow(/only once/);
  });
});
