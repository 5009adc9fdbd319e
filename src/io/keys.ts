/**
 * Unknown keys in input files: a did-you-mean from the known ones, so that a typo ("endpoi?t-delay") is an error
 * that names the key meant, not a default silently used.
 */

/** Edit distance (insertions, deletions, substitutions), case-insensitive. */
function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The known key closest to `key`, if it is close enough to be a typo (at most a third of its letters, ≥ 2). */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(key, k);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** `; did you mean "endpoint-delay"?`, or '' when nothing is close. */
export function didYouMean(key: string, known: readonly string[]): string {
  const k = closestKey(key, known);
  return k !== undefined ? `; did you mean "${k}"?` : '';
}
