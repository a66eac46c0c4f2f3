/**
 * Which key row i writes: a pure function of i, so verify mode recomputes what each key should
 * hold without keeping the rows. Uniform over the keys, or Zipf-skewed (key k drawn with weight
 * 1/(k+1)^s, so key 0 is the hottest).
 */

/** A 32-bit hash of i (xorshift-multiply): consecutive rows land on unrelated keys. */
export function mix32(i: number): number {
  let x = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Maps a row number to a key index in 0..keys-1. */
export interface KeyChoice {
  readonly keys: number;
  keyOf(i: number): number;
  /** The key index of a row whose {@link mix32} hash is `h` (keyOf(i) is keyOfHash(mix32(i))). */
  keyOfHash(h: number): number;
}

/** Uniform when `skew` is 0, else Zipf with exponent `skew`. */
export function keyChoice(keys: number, skew: number): KeyChoice {
  if (skew === 0) {
    return { keys, keyOf: (i) => mix32(i) % keys, keyOfHash: (h) => h % keys };
  }
  // The cumulative weights, normalised; a row's uniform draw is found by bisection.
  const cdf = new Float64Array(keys);
  let total = 0;
  for (let k = 0; k < keys; k++) {
    total += 1 / (k + 1) ** skew;
    cdf[k] = total;
  }
  for (let k = 0; k < keys; k++) cdf[k] /= total;
  const keyOfHash = (h: number): number => {
    // 53 bits would be finer; 32 are plenty for a key index (and one hash per row).
    const u = h / 4294967296;
    let lo = 0;
    let hi = keys - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  return { keys, keyOf: (i) => keyOfHash(mix32(i)), keyOfHash };
}
