/**
 * Building objects for optional properties. With `exactOptionalPropertyTypes` (see `tsconfig.json`) an optional
 * property may be absent but not `undefined`; {@link definedProps} leaves out the properties whose value is
 * `undefined`, so `{ a, b }` can be written once instead of one conditional spread per optional property.
 * Imports nothing else from the repository.
 */

/** The keys of `T` whose value may be `undefined`. */
type MaybeUndefinedKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? K : never }[keyof T];

/**
 * `T` with every property that may be `undefined` made optional and without `undefined`; the other properties are
 * kept as they are.
 */
export type DefinedProps<T> = {
  -readonly [K in keyof T as K extends MaybeUndefinedKeys<T> ? never : K]: T[K];
} & {
  -readonly [K in keyof T as K extends MaybeUndefinedKeys<T> ? K : never]?: Exclude<T[K], undefined>;
};

/**
 * A copy of `props` without the properties whose value is `undefined` (left out, not set to `undefined`: what
 * `'key' in object`, `Object.keys` and a JSON body see is the same as with a conditional spread). Other falsy values
 * (`null`, `''`, `0`, `false`) are kept. Key order is kept. String literals keep their literal types (`status: 'failed'`), as in an object literal
 * written where its type is expected.
 */
export function definedProps<const T extends object>(props: T): DefinedProps<T> {
  const defined: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(props)) {
    if (value !== undefined) defined[key] = value;
  }
  return defined as DefinedProps<T>;
}
