/**
 * One Cloud Coding run from start to end, for the App and the Action: invokes the API, folds every event into a
 * `CloudCodingRunRecorder`, tells the caller of each event (to stream it to a log or refresh a status comment) and
 * returns the final state. Never throws for API or stream problems: the state's `status` and `reason` say what
 * happened. An invalid request throws `CloudCodingError` (kind `invalid-request`) before anything is sent.
 */
import type { z } from 'zod';
import type { CloudCodingClient } from './client.js';
import type { CloudCodingEvent } from './events.js';
import type { CloudCodingRequest } from './request-schema.js';
import { CloudCodingRunRecorder, type CloudCodingRunState } from './run-recorder.js';

export interface RunCloudCodingOptions {
  signal?: AbortSignal | undefined;
  /** Called after each event is recorded, with the state so far. Exceptions it throws are not caught. */
  onEvent?: ((event: CloudCodingEvent, state: CloudCodingRecorderView) => void | Promise<void>) | undefined;
  /** Cap of each task's kept output (default 60 000 characters). */
  maxOutputChars?: number | undefined;
}

/** Cheap access to the state while the run goes on (`snapshot()` copies the outputs, so call it when needed). */
export interface CloudCodingRecorderView {
  snapshot(): CloudCodingRunState;
}

export async function runCloudCoding(
  client: CloudCodingClient,
  request: z.input<typeof CloudCodingRequest>,
  options: RunCloudCodingOptions = {},
): Promise<CloudCodingRunState> {
  const invocation = client.invoke(request, { signal: options.signal });
  const recorder = new CloudCodingRunRecorder({
    taskNames: request.parallel_tasks?.map((task) => task.task_name) ?? [],
    maxOutputChars: options.maxOutputChars,
  });
  for await (const event of invocation) {
    recorder.apply(event);
    await options.onEvent?.(event, recorder);
  }
  return recorder.finish(await invocation.outcome);
}
