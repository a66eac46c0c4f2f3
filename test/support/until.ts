/**
 * Polls `get` until `ok` accepts what it returns, and returns that value; fails naming `what` (and
 * the last value) after `timeoutMs`.
 */
export async function until<T>(
  what: string,
  get: () => T | Promise<T>,
  ok: (v: T) => boolean = Boolean,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
