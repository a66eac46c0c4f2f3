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
  if (typeof reply === 'string') return reply;
  return Buffer.isBuffer(reply) ? reply.toString('utf8') : String(reply);
}

/**
 * The entries of one stream in an `XREADGROUP` / `XREAD` reply (`[[stream, entries]]`, or a RESP3
 * map `{stream: entries}`), each as the reply gave it: `[id, fields]`, `fields` an array
 * `[f1, v1, ...]`, or null when the entry was deleted (pending list reads). Empty when the reply
 * is null (no entries). The entries are not copied into objects of their own: a read of a thousand
 * entries would make a thousand of them only to take them apart again.
 */
export function streamEntries(reply: Reply): readonly Reply[] {
  if (reply === null) return NO_ENTRIES;
  let entries: Reply = null;
  if (reply instanceof Map) {
    for (const v of reply.values()) entries = v;
  } else if (Array.isArray(reply) && reply.length > 0) {
    entries = (reply[0] as Reply[])[1];
  }
  return Array.isArray(entries) ? entries : NO_ENTRIES;
}

const NO_ENTRIES: readonly Reply[] = Object.freeze([]);

/** ID of an entry of {@link streamEntries}. */
export function entryId(entry: Reply): string {
  return text((entry as Reply[])[0]);
}

/** Fields of an entry of {@link streamEntries} (`[f1, v1, ...]`), null when it was deleted. */
export function entryFields(entry: Reply): Reply[] | null {
  const fields = (entry as Reply[])[1];
  return Array.isArray(fields) ? fields : null;
}
