/** The Cloud Coding backend: what the App imports. */

export {
  CloudCodingClient,
  type CloudCodingClientOptions,
  type CloudCodingOutcome,
} from './client.js';
export {
  type CloudCodingAgentBackend,
  type CloudCodingAgentBackendOptions,
  cloudCodingAgentBackend,
} from './cloudcoding-agent-backend.js';
export type { CloudCodingEvent } from './events.js';
export { runCloudCoding } from './run-cloud-coding.js';
export { combinedOutput } from './run-recorder.js';
