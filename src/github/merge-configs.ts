/**
 * How Probot's `context.config` merges the files it found (the `_extends` chain, org `.github` fallback): deepmerge's
 * defaults, i.e. plain objects merged key by key, arrays concatenated, anything else replaced by the later value.
 */
type Plain = Record<string, unknown>;

const isPlain = (value: unknown): value is Plain =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);

export function mergeConfigs(configs: readonly unknown[]): Plain {
  return configs.reduce<Plain>((acc, next) => (isPlain(next) ? mergeTwo(acc, next) : acc), {});
}

function mergeTwo(target: Plain, source: Plain): Plain {
  const out: Plain = { ...target };
  for (const [key, value] of Object.entries(source)) {
    if (key === '__proto__' || key === 'constructor') continue;
    const current = out[key];
    if (Array.isArray(current) && Array.isArray(value)) out[key] = [...current, ...value];
    else if (isPlain(current) && isPlain(value)) out[key] = mergeTwo(current, value);
    else out[key] = value;
  }
  return out;
}
