/**
 * The store's autofix state, per pull request (`owner/repo#12`, lower case): how many attempts were sent, the head
 * commit last handled (and by which job), and whether a human paused it. Plus one-time marks: a key recorded once,
 * whoever asks first (a comment that must be posted once, a review handled once). Each step is one statement.
 */
import type { SqlExecutor } from './sql-database.js';

/** What a claim of the next autofix attempt for a head commit found. */
export type AutofixClaim =
  /** This attempt is the caller's to send (also when the same claimant asks again after a crash). */
  | { kind: 'claimed'; attempt: number }
  /** Another claimant already took this head commit. */
  | { kind: 'handled' }
  /** A human pushed or said stop: nothing until the next command. */
  | { kind: 'paused' }
  /** `maxAttempts` were sent already. */
  | { kind: 'limit'; attempts: number };

export interface AutofixClaimInput {
  pullKey: string;
  sha: string;
  /** Who claims (a job's key): asking again with the same claimant and commit gives the same attempt. */
  claimant: string;
  maxAttempts: number;
}

export async function claimAutofixAttempt(db: SqlExecutor, input: AutofixClaimInput): Promise<AutofixClaim> {
  await db.query('INSERT INTO autofix_pulls (pull_key) VALUES ($1) ON CONFLICT (pull_key) DO NOTHING', [
    input.pullKey,
  ]);
  const { rows } = await db.query(
    `UPDATE autofix_pulls SET attempts = attempts + 1, handled_sha = $2, claimed_by = $3
     WHERE pull_key = $1 AND paused = 0 AND attempts < $4 AND (handled_sha IS NULL OR handled_sha <> $2)
     RETURNING attempts`,
    [input.pullKey, input.sha, input.claimant, input.maxAttempts],
  );
  if (rows[0]) return { kind: 'claimed', attempt: Number(rows[0].attempts) };
  const { rows: found } = await db.query(
    'SELECT attempts, handled_sha, claimed_by, paused FROM autofix_pulls WHERE pull_key = $1',
    [input.pullKey],
  );
  const row = found[0];
  const attempts = Number(row?.attempts ?? 0);
  if (row?.handled_sha === input.sha) {
    return row.claimed_by === input.claimant ? { kind: 'claimed', attempt: attempts } : { kind: 'handled' };
  }
  if (Number(row?.paused ?? 0) !== 0) return { kind: 'paused' };
  return { kind: 'limit', attempts };
}

/** Pauses autofix on a pull request (a human pushed or said stop), or lets it go on (a new command). */
export async function setAutofixPaused(db: SqlExecutor, pullKey: string, paused: boolean): Promise<boolean> {
  const { rows } = await db.query(
    `INSERT INTO autofix_pulls (pull_key, paused) VALUES ($1, $2)
     ON CONFLICT (pull_key) DO UPDATE SET paused = EXCLUDED.paused
     WHERE autofix_pulls.paused <> EXCLUDED.paused
     RETURNING pull_key`,
    [pullKey, paused ? 1 : 0],
  );
  return rows.length === 1;
}

/** Records `key` once: true for the first caller only. */
export async function markOnce(db: SqlExecutor, key: string, value?: string): Promise<boolean> {
  const { rows } = await db.query(
    'INSERT INTO once_marks (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING key',
    [key, value ?? null],
  );
  return rows.length === 1;
}

/** The value recorded with `key`, or undefined when the key was never marked. */
export async function readMark(db: SqlExecutor, key: string): Promise<string | null | undefined> {
  const { rows } = await db.query('SELECT value FROM once_marks WHERE key = $1', [key]);
  const row = rows[0];
  return row === undefined ? undefined : ((row.value as string | null) ?? null);
}

/** Removes a mark, so that `markOnce` is true again for the next caller: true when there was one to remove. */
export async function deleteMark(db: SqlExecutor, key: string): Promise<boolean> {
  const { rows } = await db.query('DELETE FROM once_marks WHERE key = $1 RETURNING key', [key]);
  return rows.length === 1;
}

/** Sets the value of a mark (made if missing). */
export async function writeMark(db: SqlExecutor, key: string, value: string): Promise<void> {
  await db.query(
    'INSERT INTO once_marks (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value',
    [key, value],
  );
}
