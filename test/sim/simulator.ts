// The codecloud simulator: a real HTTP server on 127.0.0.1 serving the documented codecloud API v1 (seeds 003/004),
// driven by per-run scripts on a controllable clock, with signed webhooks, schedules and fault injection.
import type { Simulator, SimulatorOptions } from './types.js';

export { simulatorControl } from './control-client.js';
export type * from './types.js';

export async function startSimulator(_options: SimulatorOptions = {}): Promise<Simulator> {
  throw new Error('codecloud simulator: not implemented yet');
}
