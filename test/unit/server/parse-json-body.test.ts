import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, parseJsonBody } from '../../../src/server/parse-json-body.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('parseJsonBody', () => {
  it('parses UTF-8 JSON', () => {
    expect(parseJsonBody(bytes('{"a":["ü",{"b":1}]}'))).toEqual({
      kind: 'ok',
      value: { a: ['ü', { b: 1 }] },
    });
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(parseJsonBody(new Uint8Array([0x7b, 0xc3, 0x28, 0x7d]))).toEqual({
      kind: 'invalid',
      message: 'body is not valid UTF-8',
    });
  });

  it('refuses nesting deeper than the limit without recursing, and allows it up to the limit', () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    expect(parseJsonBody(bytes(deep(MAX_JSON_DEPTH))).kind).toBe('ok');
    expect(parseJsonBody(bytes(deep(MAX_JSON_DEPTH + 1)))).toEqual({
      kind: 'invalid',
      message: 'body nests objects or arrays deeper than 64 levels',
    });
    expect(parseJsonBody(bytes(deep(1_000_000))).kind).toBe('invalid');
  });

  it('brackets inside strings do not count', () => {
    expect(parseJsonBody(bytes(JSON.stringify({ text: `${'['.repeat(500)}\\"` }))).kind).toBe('ok');
  });

  it('refuses text that is not JSON', () => {
    expect(parseJsonBody(bytes('{oops'))).toEqual({ kind: 'invalid', message: 'body is not JSON' });
  });
});
