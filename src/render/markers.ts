/**
 * Hidden markers that identify the app's comments (never the bot's login, which differs per installation and
 * GitHub host). They render as nothing on GitHub.
 */

/** The status comment of run `id`: `<!-- codecloud:run=<id> -->`. */
export function runMarker(id: string): string {
  return `<!-- codecloud:run=${safeId(id)} -->`;
}

/** A status comment posted before the run has an id (the app's own local id): `<!-- codecloud:pending=<id> -->`. */
export function pendingMarker(localId: string): string {
  return `<!-- codecloud:pending=${safeId(localId)} -->`;
}

/** Any other comment the app posts (replies, help): `<!-- codecloud:reply=<kind> -->`. */
export function replyMarker(kind: string): string {
  return `<!-- codecloud:reply=${safeId(kind)} -->`;
}

/** Ids are ours, but a marker must never be closable from inside: keep only id-like characters. */
const safeId = (id: string): string => id.replace(/[^A-Za-z0-9._:-]/g, '');

export interface CommentMarkers {
  runId?: string;
  pendingId?: string;
  reply?: string;
}

/** The markers in a comment body; empty for a comment the app did not write. */
export function readMarkers(body: string): CommentMarkers {
  const found: CommentMarkers = {};
  for (const m of body.matchAll(/<!-- codecloud:(run|pending|reply)=([A-Za-z0-9._:-]+) -->/g)) {
    const [, kind, id] = m;
    if (id === undefined) continue;
    if (kind === 'run') found.runId ??= id;
    else if (kind === 'pending') found.pendingId ??= id;
    else found.reply ??= id;
  }
  return found;
}

/** True when the body carries any codecloud marker, i.e. the app wrote it: such comments never trigger anything. */
export function isCodecloudComment(body: string): boolean {
  return /<!-- codecloud:(?:run|pending|reply)=/.test(body);
}
