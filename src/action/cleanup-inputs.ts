/** The post step's view of the inputs and state: only what it takes to stop runs the main step left running. */
import { z } from 'zod';
import { Backend } from '../vocabulary.js';
import type { ActiveRun, CleanupSettings, PendingCreate } from './action-context.js';
import type { RawInputs } from './input-names.js';
import { DEFAULT_API_URLS } from './settings.js';

const ActiveRuns = z.array(z.object({ id: z.string().min(1), name: z.string() }));

const PendingCreates = z.array(
  z.object({
    name: z.string(),
    prompt: z.string(),
    repo: z.string().optional(),
    mode: z.string().optional(),
    model: z.string().optional(),
    provider: z.string().optional(),
    sentAt: z.number(),
  }),
);

const LeftComment = z.object({
  id: z.number().int().positive(),
  owner: z.string().min(1),
  repo: z.string().min(1),
  number: z.number().int().positive(),
  identity: z.object({ workflow: z.string(), job: z.string(), runs: z.array(z.string()) }),
});
/** The status comment the main step posted and did not end (it was killed). */
export type LeftComment = z.infer<typeof LeftComment>;

/** The `status-comment` state saved by the main step; empty or unreadable: none. */
export function parseLeftComment(state: string): LeftComment | undefined {
  if (state.trim() === '') return undefined;
  try {
    const parsed = LeftComment.safeParse(JSON.parse(state));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The `active-runs` state saved by the main step; anything unreadable counts as none. */
export function parseActiveRuns(state: string): ActiveRun[] {
  return parseState(ActiveRuns, state);
}

/** The `pending-creates` state saved by the main step; anything unreadable counts as none. */
export function parsePendingCreates(state: string): PendingCreate[] {
  return parseState(PendingCreates, state);
}

function parseState<T>(schema: z.ZodType<T[]>, state: string): T[] {
  if (state.trim() === '') return [];
  try {
    const parsed = schema.safeParse(JSON.parse(state));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

/** Lenient: the main step already validated the inputs; here a missing key is reported by the caller as a warning. */
export function parseCleanupInputs(raw: RawInputs): CleanupSettings {
  const backend = Backend.catch('codecloud').parse(raw.backend.trim() || 'codecloud');
  const stop = raw['stop-on-cancel'].trim().toLowerCase();
  return {
    backend,
    apiKey: raw['api-key'].trim(),
    apiUrl: (raw['api-url'].trim() || DEFAULT_API_URLS[backend]).replace(/\/+$/, ''),
    stopOnCancel: stop !== 'false',
  };
}
