// Typed client of the simulator's HTTP control API (`POST /_sim/<operation>` with a JSON array of arguments,
// answered with `{ result }` or `{ error }`), implementing the same `SimulatorControl` as the in-process control.
import type { SimulatorControl } from './types.js';

export type ControlOperation = keyof SimulatorControl;

export const CONTROL_OPERATIONS: readonly ControlOperation[] = [
  'state',
  'runs',
  'run',
  'schedules',
  'webhooks',
  'requests',
  'setApiKey',
  'removeApiKey',
  'setPlan',
  'setWebhookSecret',
  'setProgressWebhooks',
  'now',
  'setTimeFactor',
  'advance',
  'setDefaultScript',
  'setDefaultFollowUpScript',
  'queueScripts',
  'queueFollowUpScripts',
  'addPromptScript',
  'clearScripts',
  'addFault',
  'addWebhookFault',
  'removeFault',
  'clearFaults',
  'reset',
];

/** Calls one control operation over HTTP. */
export async function callControl(
  baseUrl: string,
  op: string,
  args: unknown[],
  fetchImpl: typeof fetch = fetch,
): Promise<unknown> {
  const response = await fetchImpl(`${baseUrl.replace(/\/+$/, '')}/_sim/${op}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(args),
  });
  const text = await response.text();
  let parsed: { result?: unknown; error?: string } = {};
  try {
    parsed = text ? (JSON.parse(text) as typeof parsed) : {};
  } catch {
    throw new Error(`simulator control ${op}: answered ${response.status} with a non-JSON body: ${text}`);
  }
  if (!response.ok) throw new Error(`simulator control ${op}: ${parsed.error ?? `HTTP ${response.status}`}`);
  return parsed.result === null ? undefined : parsed.result;
}

/** The control of a simulator reached over HTTP, e.g. one started with `npm run sim`. */
export function simulatorControl(baseUrl: string, fetchImpl: typeof fetch = fetch): SimulatorControl {
  const control = {} as Record<ControlOperation, (...args: unknown[]) => Promise<unknown>>;
  for (const op of CONTROL_OPERATIONS) {
    control[op] = (...args: unknown[]) => callControl(baseUrl, op, args, fetchImpl);
  }
  return control as unknown as SimulatorControl;
}
