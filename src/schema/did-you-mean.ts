/**
 * Suggestions for misspelt option names. Names are compared after folding case and dropping
 * `_`, `-` and `.`, so `'sink.keyPrefix'` finds `'sink.key_prefix'` and `key_prefix` finds
 * `keyPrefix`: the usual mistake is mixing the JSON and SQL spellings, not a typo.
 */

/**
 * Largest edit distance (on folded names) still offered as a suggestion; short names allow less
 * (a third of their length), so `b` never suggests `a`.
 */
export const MAX_SUGGESTION_DISTANCE = 2;

/** The known name closest to `input`, or undefined when none is close enough. */
export function didYouMean(input: string, known: readonly string[]): string | undefined {
  const folded = fold(input);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const c = fold(candidate);
    // `key_prefix` for `sink.key_prefix`: the prefix was forgotten, the rest is right.
    const d = folded.length >= 4 && c.endsWith(folded) ? 1 : editDistance(folded, c);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const limit = Math.min(MAX_SUGGESTION_DISTANCE, Math.floor(folded.length / 3));
  return bestDistance <= limit ? best : undefined;
}

/** ` (did you mean 'x'?)` or the empty string: ready to append to a message. */
export function suggestionSuffix(input: string, known: readonly string[]): string {
  const s = didYouMean(input, known);
  return s === undefined ? '' : ` (did you mean '${s}'?)`;
}

function fold(name: string): string {
  return name.toLowerCase().replace(/[._-]/g, '');
}

/**
 * Edit distance where swapping two adjacent characters is one edit, like an insertion, deletion
 * or substitution (optimal string alignment): `nmae` is one edit from `name`, not two, so short
 * names with a transposition still get their suggestion. Option names are short.
 */
export function editDistance(a: string, b: string): number {
  let before = new Array<number>(b.length + 1).fill(0);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        cur[j] = Math.min(cur[j], before[j - 2] + 1);
      }
    }
    [before, prev, cur] = [prev, cur, before];
  }
  return prev[b.length];
}
