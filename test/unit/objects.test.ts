import { describe, expect, expectTypeOf, it } from 'vitest';
import { definedProps } from '../../src/objects.js';

describe('definedProps', () => {
  it('leaves out undefined properties instead of setting them to undefined', () => {
    const got = definedProps({ a: 1, b: undefined as string | undefined, c: 'x' });
    expect(got).toStrictEqual({ a: 1, c: 'x' });
    expect('b' in got).toBe(false);
    expect(Object.keys(got)).toEqual(['a', 'c']);
    expect(JSON.stringify(got)).toBe('{"a":1,"c":"x"}');
  });

  it('keeps the other falsy values and the key order', () => {
    expect(Object.entries(definedProps({ z: null, y: '', x: 0, w: false }))).toEqual([
      ['z', null],
      ['y', ''],
      ['x', 0],
      ['w', false],
    ]);
  });

  it('types properties that may be undefined as optional, and the others as they are', () => {
    const id: string = 'r1';
    const got = definedProps({
      id,
      status: 'failed',
      title: undefined as string | undefined,
      line: null as number | null,
    });
    expectTypeOf(got.id).toEqualTypeOf<string>();
    expectTypeOf(got.status).toEqualTypeOf<'failed'>();
    expectTypeOf(got.line).toEqualTypeOf<number | null>();
    expectTypeOf(got.title).toEqualTypeOf<string | undefined>();
    const target: { id: string; status: 'failed' | 'stopped'; title?: string; line: number | null } = got;
    expect(target).toStrictEqual({ id: 'r1', status: 'failed', line: null });
  });
});
