// The Cloud Coding simulator's control over HTTP (`POST /_sim/ext/cloudcoding/<op>` with a JSON array of arguments,
// answered `{ result }` or `{ error }`), the same interface as the in-process `simControl`.
import { CLOUDCODING_EXTENSION_NAME } from './cloudcoding-extension.js';
import { CLOUDCODING_CONTROL_OPERATIONS, type CloudCodingSimControl } from './types.js';

export function cloudCodingSimControl(
  baseUrl: string,
  fetchImpl: typeof fetch = fetch,
): CloudCodingSimControl {
  const call = async (op: string, args: unknown[]): Promise<unknown> => {
    const url = `${baseUrl.replace(/\/+$/, '')}/_sim/ext/${CLOUDCODING_EXTENSION_NAME}/${op}`;
    const response = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(args),
    });
    const text = await response.text();
    let parsed: { result?: unknown; error?: string };
    try {
      parsed = text ? (JSON.parse(text) as typeof parsed) : {};
    } catch {
      throw new Error(
        `cloudcoding simulator control ${op}: answered ${response.status} with ${text.slice(0, 200)}`,
      );
    }
    if (!response.ok)
      throw new Error(`cloudcoding simulator control ${op}: ${parsed.error ?? response.status}`);
    return parsed.result;
  };
  const control: Partial<Record<keyof CloudCodingSimControl, (...args: unknown[]) => Promise<unknown>>> = {};
  for (const op of CLOUDCODING_CONTROL_OPERATIONS) control[op] = (...args: unknown[]) => call(op, args);
  return control as CloudCodingSimControl;
}
