/** "Did you mean …?" for misspelt option names and config keys. */

/** Edit distance (insertions, deletions, substitutions) between two strings. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(
        Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidate closest to `input`, compared case-insensitively with `-`/`_` treated alike, when it is at most
 * `maxDistance` edits away; `undefined` otherwise.
 */
export function closestName(
  input: string,
  candidates: readonly string[],
  maxDistance = 2,
): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/-/g, '_');
  let best: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    // Further apart in length than `maxDistance`: too far, whatever the letters (and a long input costs nothing).
    if (Math.abs(input.length - candidate.length) > maxDistance) continue;
    const distance = editDistance(norm(input), norm(candidate));
    if (distance <= maxDistance && (best === undefined || distance < best.distance)) {
      best = { name: candidate, distance };
    }
  }
  return best?.name;
}
