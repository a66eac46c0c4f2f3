/** Reading a node's keyspace back through the client under test, for checks on what a sink wrote. */
import type { RedisClient, Reply } from '../../src/index.js';

/** Every key on `c`'s node matching `pattern`, by SCAN with `COUNT count` until the cursor is back at 0. */
export async function scanKeys(c: RedisClient, pattern: string, count: number): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = (await c.send(['SCAN', cursor, 'MATCH', pattern, 'COUNT', count])) as [
      string,
      string[],
    ];
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/** HGETALL is a Map on RESP3 and a flat array on RESP2. */
export function asMap(reply: Reply): Map<string, string> {
  if (reply instanceof Map) return reply as Map<string, string>;
  const flat = reply as string[];
  const m = new Map<string, string>();
  for (let i = 0; i < flat.length; i += 2) m.set(flat[i], flat[i + 1]);
  return m;
}
