/** Reading stream replies the same way whether the connection speaks RESP2 or RESP3. */

import type { Reply } from '../../resp/reply.js';

/** A flat `[k1, v1, k2, v2]` array or a RESP3 map as a Map with text keys. */
export function replyMap(reply: Reply): Map<string, Reply> {
  const out = new Map<string, Reply>();
  if (reply instanceof Map) {
    for (const [k, v] of reply) out.set(text(k), v);
  } else if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) out.set(text(reply[i]), reply[i + 1]);
  }
  return out;
}

/** A reply as text (bulk strings may come as Buffers). */
export function text(reply: Reply): string {
  return Buffer.isBuffer(reply) ? reply.toString('utf8') : String(reply);
}

/** One stream entry: its ID and fields; `fields` null when the entry was deleted (pending list reads). */
export interface RawEntry {
  id: string;
  fields: Reply[] | null;
}

/**
 * The entries of one stream in an `XREADGROUP` / `XREAD` reply (`[[stream, entries]]`, or a RESP3
 * map `{stream: entries}`); null when the reply is null (no entries).
 */
export function streamEntries(reply: Reply): RawEntry[] {
  if (reply === null) return [];
  let entries: Reply = null;
  if (reply instanceof Map) {
    for (const v of reply.values()) entries = v;
  } else if (Array.isArray(reply) && reply.length > 0) {
    entries = (reply[0] as Reply[])[1];
  }
  if (!Array.isArray(entries)) return [];
  const out: RawEntry[] = new Array(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as Reply[];
    out[i] = { id: text(e[0]), fields: Array.isArray(e[1]) ? e[1] : null };
  }
  return out;
}
