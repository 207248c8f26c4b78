/** The Cloud Coding API: its client, events and run recorder, as the App and the Action import them. */

export {
  CloudCodingClient,
  type CloudCodingClientOptions,
  type CloudCodingInvocation,
  type CloudCodingOutcome,
  type CloudCodingStatus,
  DEFAULT_CLOUDCODING_API_URL,
  type InvokeOptions,
} from './client.js';
export { CloudCodingError, type CloudCodingFailureKind } from './errors.js';
export { type CloudCodingEvent, type CloudCodingEventKind, interpretSseMessage } from './events.js';
export {
  type ExcerptOptions,
  latestExcerpts,
  latestOutputExcerpt,
  type TaskExcerpt,
} from './output-excerpt.js';
export {
  buildCloudCodingRequest,
  CloudCodingRequest,
  type CloudCodingTaskInput,
  repoUrl,
} from './request-schema.js';
export {
  type CloudCodingRecorderView,
  type RunCloudCodingOptions,
  runCloudCoding,
} from './run-cloud-coding.js';
export {
  CloudCodingRunRecorder,
  type CloudCodingRunState,
  type CloudCodingTaskState,
  type CloudCodingTaskStatus,
  combinedOutput,
  DEFAULT_MAX_OUTPUT_CHARS,
} from './run-recorder.js';
export { type CloudCodingTaskResult, taskResults } from './task-results.js';
