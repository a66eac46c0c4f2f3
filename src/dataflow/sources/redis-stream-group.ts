/**
 * Consumer-group housekeeping of the stream source: creating or checking the group, finding
 * deleted entries the group had not read, listing pending IDs, and finding streams by pattern.
 */

import { ReplyError } from '../../resp/errors.js';
import type { Reply } from '../../resp/reply.js';
import type { RedisTransport } from '../../resp/target.js';
import { callOn } from './redis-stream-call.js';
import { StreamGroupMissingError, StreamTrimmedError } from './redis-stream-errors.js';
import { compareIds } from './redis-stream-id.js';
import { replyMap, text } from './redis-stream-replies.js';

/** True for the `NOGROUP` reply (also what Redis answers for a stream that does not exist). */
export function isNoGroup(e: unknown): boolean {
  return e instanceof ReplyError && e.prefix === 'NOGROUP';
}

/**
 * Makes sure the group exists. A new channel creates it at `start` (`MKSTREAM`: a stream that
 * does not exist yet is created empty and waited on), joining it when it exists already. A
 * channel resumed from a checkpoint (`resumeFrom` set) never creates it: a missing group then
 * means it was destroyed under the job.
 *
 * @throws StreamGroupMissingError when resuming and the group (or the stream) is gone.
 */
export async function ensureGroup(
  t: RedisTransport,
  stream: string,
  group: string,
  start: string,
  resumeFrom: string | undefined,
): Promise<void> {
  if (resumeFrom !== undefined) {
    if ((await groupInfo(t, stream, group)) === undefined)
      throw new StreamGroupMissingError(stream, group, resumeFrom);
    return;
  }
  try {
    await callOn(t, stream, ['XGROUP', 'CREATE', stream, group, start, 'MKSTREAM']);
  } catch (e) {
    if (!(e instanceof ReplyError && e.prefix === 'BUSYGROUP')) throw e;
  }
}

/** The group's `XINFO GROUPS` entry, or undefined when the stream or the group does not exist. */
async function groupInfo(
  t: RedisTransport,
  stream: string,
  group: string,
): Promise<Map<string, Reply> | undefined> {
  let groups: Reply;
  try {
    groups = await callOn(t, stream, ['XINFO', 'GROUPS', stream]);
  } catch (e) {
    if (e instanceof ReplyError && /no such key/i.test(e.message)) return undefined;
    throw e;
  }
  for (const g of Array.isArray(groups) ? groups : []) {
    const info = replyMap(g);
    if (text(info.get('name') ?? '') === group) return info;
  }
  return undefined;
}

/**
 * Fails when entries after `readFrom` that the group had not delivered yet are gone. Trimming
 * removes entries from the head, so that happened when the stream's first entry lies past where
 * the group reads next, and the group has more entries left to read (`entries-added` minus its
 * `entries-read`, Redis 7) than the stream still holds. When Redis cannot count what the group read
 * (`entries-read` unknown), a first entry past that point is taken as a loss. Entries deleted after
 * the group delivered them are no loss: their pending records are found when read
 * ({@link StreamEntryGoneError}).
 */
export async function checkNotTrimmed(
  t: RedisTransport,
  stream: string,
  group: string,
  readFrom: string,
): Promise<void> {
  const info = replyMap(await callOn(t, stream, ['XINFO', 'STREAM', stream]));
  const first = info.get('recorded-first-entry-id') ?? (info.get('first-entry') as Reply[] | null)?.[0];
  if (first === undefined || first === null) return; // empty stream
  const g = await groupInfo(t, stream, group);
  const delivered = g === undefined ? readFrom : text(g.get('last-delivered-id') ?? readFrom);
  const from = compareIds(delivered, readFrom) > 0 ? delivered : readFrom;
  const firstId = text(first);
  if (compareIds(firstId, from) <= 0 || firstId === '0-0') return;
  const added = Number(info.get('entries-added') ?? Number.NaN);
  const read = g?.get('entries-read');
  const length = Number(info.get('length') ?? 0);
  if (read !== undefined && read !== null && Number.isFinite(added) && added - Number(read) <= length) return;
  throw new StreamTrimmedError(stream, group, from, firstId);
}

/**
 * IDs pending for `consumer` between `from` and `to` (inclusive), oldest first, at most `count`;
 * `minIdleMs` keeps only entries idle that long.
 */
export async function pendingIds(
  t: RedisTransport,
  stream: string,
  group: string,
  range: { from: string; to: string; count: number; consumer?: string; minIdleMs?: number },
): Promise<{ id: string; consumer: string }[]> {
  const cmd: (string | number)[] = ['XPENDING', stream, group];
  if (range.minIdleMs !== undefined) cmd.push('IDLE', range.minIdleMs);
  cmd.push(range.from, range.to, range.count);
  if (range.consumer !== undefined) cmd.push(range.consumer);
  const reply = await callOn(t, stream, cmd);
  return (Array.isArray(reply) ? reply : []).map((r) => {
    const e = r as Reply[];
    return { id: text(e[0]), consumer: text(e[1]) };
  });
}

/** Consumers of the group with entries pending (the `XPENDING` summary form lists only those). */
export async function pendingConsumers(t: RedisTransport, stream: string, group: string): Promise<string[]> {
  const reply = await callOn(t, stream, ['XPENDING', stream, group]);
  const consumers = Array.isArray(reply) ? reply[3] : null;
  return (Array.isArray(consumers) ? consumers : []).map((r) => text((r as Reply[])[0]));
}

/** Acknowledges every entry pending for `consumer` up to `to` (inclusive); returns how many. */
export async function ackPendingUpTo(
  t: RedisTransport,
  stream: string,
  group: string,
  consumer: string,
  to: string,
): Promise<number> {
  let acked = 0;
  for (;;) {
    const ids = await pendingIds(t, stream, group, { from: '-', to, count: 1000, consumer });
    if (ids.length === 0) return acked;
    await callOn(t, stream, ['XACK', stream, group, ...ids.map((p) => p.id)]);
    acked += ids.length;
  }
}

/**
 * Stream keys matching `pattern` (`SCAN ... MATCH ... TYPE stream`), sorted; on a cluster, every
 * master is scanned (one slot of each of its ranges routes the command to it).
 */
export async function scanStreams(t: RedisTransport, pattern: string): Promise<string[]> {
  const found = new Set<string>();
  const slots = t.topology === 'cluster' ? await oneSlotPerMaster(t) : [0];
  for (const slot of slots) {
    let cursor = '0';
    do {
      const [reply] = await t.pipelineSlots(
        [['SCAN', cursor, 'MATCH', pattern, 'COUNT', 1000, 'TYPE', 'stream']],
        [slot],
      );
      if (reply instanceof Error) throw reply;
      const [next, keys] = reply as [Reply, Reply[]];
      cursor = text(next);
      for (const k of keys) found.add(text(k));
    } while (cursor !== '0');
  }
  return [...found].sort();
}

async function oneSlotPerMaster(t: RedisTransport): Promise<number[]> {
  const ranges = (await t.send(['CLUSTER', 'SLOTS'])) as Reply[][];
  const byMaster = new Map<string, number>();
  for (const r of ranges) {
    const master = r[2] as Reply[];
    const node = `${text(master[0])}:${text(master[1])}`;
    if (!byMaster.has(node)) byMaster.set(node, Number(r[0]));
  }
  return [...byMaster.values()];
}
