import type { Command, Reply } from '../../resp/reply.js';
import { type KeySample, replyText } from './writer.js';

/** HSCAN's COUNT per sample entry: a hint, HSCAN may return fewer or more. */
const SCAN_PER_ENTRY = 4;

/** Commands reading a sample of a hash: its length and a scan of some fields. */
export function hashSampleCommands(key: string, entries: number): Command[] {
  return [
    ['HLEN', key],
    ['HSCAN', key, 0, 'COUNT', entries * SCAN_PER_ENTRY],
  ];
}

/** A hash's sample from the replies to {@link hashSampleCommands}: fields in order, at most `entries`. */
export function hashSample([length, scan]: readonly Reply[], entries: number): KeySample {
  const flat = ((scan as Reply[])[1] as Reply[]).map(replyText);
  const pairs: { field: string; value: string }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push({ field: flat[i], value: flat[i + 1] });
  pairs.sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
  return { length: Number(length), entries: pairs.slice(0, entries) };
}
