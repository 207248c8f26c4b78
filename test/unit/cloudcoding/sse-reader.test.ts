import { describe, expect, it } from 'vitest';
import {
  readSse,
  SseDecoder,
  type SseMessage,
  type SseStreamEnd,
} from '../../../src/cloudcoding/sse-reader.js';

const encoder = new TextEncoder();

/** Every way of cutting `bytes` into chunks that matters: whole, byte by byte, and at every single position. */
function chunkings(bytes: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [[bytes], Array.from(bytes, (b) => Uint8Array.of(b))];
  for (let cut = 1; cut < bytes.length; cut++) out.push([bytes.slice(0, cut), bytes.slice(cut)]);
  return out;
}

function decodeAll(chunks: Uint8Array[]): { messages: SseMessage[]; incomplete: SseMessage | undefined } {
  const decoder = new SseDecoder();
  const messages: SseMessage[] = [];
  for (const chunk of chunks) messages.push(...decoder.push(chunk));
  const end = decoder.end();
  return { messages: [...messages, ...end.messages], incomplete: end.incomplete };
}

/** Asserts the same result for every chunking of `text`. */
function expectStream(text: string, expected: SseMessage[], incomplete?: SseMessage) {
  const bytes = encoder.encode(text);
  for (const chunks of chunkings(bytes)) {
    const result = decodeAll(chunks);
    expect(result.messages, `chunks: ${chunks.map((c) => c.length).join(',')}`).toEqual(expected);
    expect(result.incomplete).toEqual(incomplete);
  }
}

const msg = (data: string, event?: string, id?: string): SseMessage => ({ data, event, id });

describe('SseDecoder', () => {
  it('reads named events with JSON data whatever the chunking', () => {
    expectStream('event: custom\ndata: {"stdout":"hi\\n"}\n\nevent: updates\ndata: {"a":1}\n\n', [
      msg('{"stdout":"hi\\n"}', 'custom'),
      msg('{"a":1}', 'updates'),
    ]);
  });

  it('keeps a multi-byte UTF-8 character split across chunks intact', () => {
    const text = 'data: {"stdout":"✓ café 🚀 done"}\n\n';
    expectStream(text, [msg('{"stdout":"✓ café 🚀 done"}')]);
    // Explicitly: split inside the 4-byte rocket.
    const bytes = encoder.encode(text);
    const rocket = bytes.indexOf(0xf0);
    const result = decodeAll([bytes.slice(0, rocket + 2), bytes.slice(rocket + 2)]);
    expect(result.messages[0]?.data).toContain('🚀');
    expect(result.messages[0]?.data).not.toContain('\ufffd');
  });

  it('joins multi-line data with newlines', () => {
    expectStream('data: line one\ndata: line two\ndata:\ndata: four\n\n', [
      msg('line one\nline two\n\nfour'),
    ]);
  });

  it('ignores comments and counts them', () => {
    expectStream(': keep-alive\n\n: another\ndata: x\n\n', [msg('x')]);
    const decoder = new SseDecoder();
    decoder.push(': ping\n\n: ping\n\n');
    expect(decoder.comments).toBe(2);
  });

  it('accepts CRLF and lone CR line ends', () => {
    expectStream('event: custom\r\ndata: a\r\n\r\ndata: b\r\rdata: c\n\n', [
      msg('a', 'custom'),
      msg('b'),
      msg('c'),
    ]);
  });

  it('reads id: and retry: lines, and ignores unknown fields', () => {
    const decoder = new SseDecoder();
    const out = decoder.push('id: 7\nretry: 1500\nfoo: bar\nevent: updates\ndata: {}\n\n');
    expect(out).toEqual([msg('{}', 'updates', '7')]);
    expect(decoder.retryMs).toBe(1500);
  });

  it('does not dispatch an event without data, and strips only one leading space', () => {
    expectStream('event: end\n\ndata:  two spaces\n\n', [msg(' two spaces')]);
  });

  it('strips a UTF-8 byte-order mark at the start', () => {
    expectStream('\ufeffdata: x\n\n', [msg('x')]);
  });

  it('reports an event cut off before its blank line as incomplete, not as an event', () => {
    expectStream('data: a\n\ndata: {"stdout":"par', [msg('a')], msg('{"stdout":"par'));
    expectStream('data: a\n\nevent: custom\ndata: whole line\n', [msg('a')], msg('whole line', 'custom'));
  });

  it('a stream that ends cleanly has nothing incomplete', () => {
    expectStream('data: a\n\n', [msg('a')], undefined);
    expectStream('data: a\r\n\r\n', [msg('a')], undefined);
    expectStream(': bye\n', [], undefined);
    // A lone CR at the very end is a line end, so this event is complete.
    expectStream('data: a\r\r', [msg('a')], undefined);
    expectStream('data: a\r\n\r', [msg('a')], undefined);
  });

  it('refuses to buffer an endless event', () => {
    const decoder = new SseDecoder({ maxEventChars: 100 });
    expect(() => decoder.push(`data: ${'x'.repeat(200)}`)).toThrow(/max buffer size/);
  });
});

function bodyOf(parts: Array<string | Error>, options: { hold?: boolean } = {}): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const part = parts[i++];
      if (part === undefined) {
        if (!options.hold) controller.close();
        return options.hold ? new Promise(() => {}) : undefined;
      }
      if (part instanceof Error) controller.error(part);
      else controller.enqueue(encoder.encode(part));
      return undefined;
    },
  });
}

async function readAll(
  body: ReadableStream<Uint8Array>,
  options: Parameters<typeof readSse>[1] = {},
): Promise<{ messages: SseMessage[]; end: SseStreamEnd }> {
  const messages: SseMessage[] = [];
  const stream = readSse(body, options);
  for (;;) {
    const next = await stream.next();
    if (next.done) return { messages, end: next.value };
    messages.push(next.value);
  }
}

describe('readSse', () => {
  it('yields events and ends cleanly', async () => {
    const { messages, end } = await readAll(bodyOf(['data: a\n', '\ndata: b\n\n']));
    expect(messages.map((m) => m.data)).toEqual(['a', 'b']);
    expect(end).toEqual({ kind: 'ended', incomplete: undefined });
  });

  it('returns the cut-off event when the body ends mid-event', async () => {
    const { end } = await readAll(bodyOf(['data: a\n\n', 'data: {"std']));
    expect(end).toEqual({ kind: 'ended', incomplete: msg('{"std') });
  });

  it('reports a dropped connection as dropped, after the events that did arrive', async () => {
    const cause = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    const { messages, end } = await readAll(bodyOf(['data: a\n\n', new TypeError('terminated', { cause })]));
    expect(messages).toHaveLength(1);
    expect(end).toEqual({ kind: 'dropped', detail: 'terminated: other side closed (UND_ERR_SOCKET)' });
  });

  it('ends with idle-timeout when nothing arrives for too long', async () => {
    const { messages, end } = await readAll(bodyOf(['data: a\n\n'], { hold: true }), { idleTimeoutMs: 50 });
    expect(messages).toHaveLength(1);
    expect(end).toEqual({ kind: 'idle-timeout', idleMs: 50 });
  });

  it('ends with aborted when the signal fires, and at once when it already had', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user stopped it')), 20);
    const { end } = await readAll(bodyOf(['data: a\n\n'], { hold: true }), { signal: controller.signal });
    expect(end).toEqual({ kind: 'aborted', reason: 'user stopped it' });
    const already = await readAll(bodyOf(['data: a\n\n']), { signal: AbortSignal.abort('gone') });
    expect(already).toEqual({ messages: [], end: { kind: 'aborted', reason: 'gone' } });
  });

  it('reports an oversized event as a protocol error', async () => {
    const { end } = await readAll(bodyOf([`data: ${'x'.repeat(500)}`]), { maxEventChars: 100 });
    expect(end.kind).toBe('protocol-error');
  });
});
