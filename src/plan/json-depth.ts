/**
 * Nesting depth of parsed JSON, measured without recursion: deeply nested input must become a
 * validation error naming where, not a stack overflow in whatever walks it next (cloning,
 * serialising, redacting).
 */

/**
 * Where `value` first nests deeper than `limit` arrays and objects: the path below `value`
 * (`[0].a[2]`, cut to its first 8 steps), or undefined when it does not.
 */
export function nestedTooDeep(value: unknown, limit: number): string | undefined {
  const stack: Array<{ v: unknown; depth: number; path: string[] }> = [{ v: value, depth: 0, path: [] }];
  while (stack.length > 0) {
    const { v, depth, path } = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= limit) return showPath(path);
    const entries: Array<[string, unknown]> = Array.isArray(v)
      ? v.map((x, i) => [`[${i}]`, x])
      : Object.entries(v).map(([k, x]) => [
          /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k.slice(0, 40))}]`,
          x,
        ]);
    for (const [step, x] of entries) {
      if (typeof x === 'object' && x !== null) {
        stack.push({ v: x, depth: depth + 1, path: path.length < 9 ? [...path, step] : path });
      }
    }
  }
  return undefined;
}

function showPath(path: string[]): string {
  return path.length > 8 ? `${path.slice(0, 8).join('')}…` : path.join('');
}
