/** The Cloud Coding backend: what the App imports. */

export { CloudCodingClient } from './client.js';
export {
  type CloudCodingAgentBackend,
  type CloudCodingAgentBackendOptions,
  cloudCodingAgentBackend,
} from './cloudcoding-agent-backend.js';
