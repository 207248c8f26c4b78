// The HTTP control API: `POST /_sim/<operation>` with a JSON array of arguments → `{ result }` (200) or
// `{ error }` (400/404); `GET /_sim/state` as a convenience; `POST /_sim/ext/<name>/<op>` for extensions.
import { CONTROL_OPERATIONS, type ControlOperation } from './control-client.js';
import type { SimExtension, SimulatorControl } from './types.js';

export interface ControlAnswer {
  status: number;
  body: { result?: unknown; error?: string };
}

export async function handleControl(
  control: SimulatorControl,
  extensions: readonly SimExtension[],
  method: string,
  path: string,
  rawBody: string,
): Promise<ControlAnswer> {
  const rest = path.slice('/_sim/'.length);
  if (method === 'GET' && rest === 'state') return { status: 200, body: { result: await control.state() } };
  if (method !== 'POST')
    return { status: 405, body: { error: 'control operations are POST /_sim/<operation>' } };
  let args: unknown;
  try {
    args = rawBody.trim() === '' ? [] : JSON.parse(rawBody);
  } catch {
    return { status: 400, body: { error: 'the body must be a JSON array of arguments' } };
  }
  if (!Array.isArray(args))
    return { status: 400, body: { error: 'the body must be a JSON array of arguments' } };

  try {
    if (rest.startsWith('ext/')) {
      const [name, op] = rest.slice('ext/'.length).split('/');
      const extension = extensions.find((e) => e.name === name);
      if (!extension?.control || !op) return { status: 404, body: { error: `no extension control ${rest}` } };
      return { status: 200, body: { result: (await extension.control(op, args)) ?? null } };
    }
    if (!(CONTROL_OPERATIONS as readonly string[]).includes(rest)) {
      return { status: 404, body: { error: `unknown control operation: ${rest}` } };
    }
    const fn = control[rest as ControlOperation] as (...a: unknown[]) => Promise<unknown>;
    const result = await fn(...args);
    return { status: 200, body: { result: result ?? null } };
  } catch (error) {
    return { status: 400, body: { error: error instanceof Error ? error.message : String(error) } };
  }
}
