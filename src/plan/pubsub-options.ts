/**
 * What a Redis pub/sub source subscribes to, and how its messages become rows (see
 * dataflow/sources/pubsub.ts, docs/pubsub-source.md).
 */

import type { ConnectionProfile } from '../schema/connection-profile.js';
import { checkProfile, type ProfileDraft, type ProfileField } from '../schema/profile-check.js';
import type { Reporter } from '../schema/reporter.js';
import type { Column } from '../schema/sql-type.js';

/** Messages a pub/sub source holds between Redis and the job before it drops new ones. */
export const DEFAULT_PUBSUB_BUFFER_ROWS = 10_000;

/** The formats of a pub/sub message. */
export const PUBSUB_FORMATS = ['json', 'text'] as const;

/** A Redis pub/sub source: channels, patterns and shard channels, read at most once. */
export interface RedisPubsubOptions {
  name: string;
  /** Where to subscribe: a standalone server or a cluster. */
  profile: ConnectionProfile;
  /** `SUBSCRIBE` channels. At least one of channels, patterns and shardChannels. */
  channels?: string[];
  /** `PSUBSCRIBE` glob patterns. */
  patterns?: string[];
  /** `SSUBSCRIBE` shard channels (Redis 7+; on a cluster, each on the master of its slot). */
  shardChannels?: string[];
  /**
   * `'json'` (default): the payload is the row as a JSON object. `'text'`: the row is
   * `{ channel, pattern, payload }` with the payload as text.
   */
  format?: (typeof PUBSUB_FORMATS)[number];
  /**
   * Messages held for the job; when it is full, new messages are dropped and counted
   * (`laminar_pubsub_dropped_total{reason="buffer_full"}`). Default {@link DEFAULT_PUBSUB_BUFFER_ROWS}.
   */
  bufferRows?: number;
  /** Declared columns: JSON values of numeric, boolean and timestamp columns are checked by queries. */
  columns?: Column[];
}

/** Fields of {@link RedisPubsubOptions} a front door reports on, besides the profile's. */
export type PubsubField = ProfileField | 'channels' | 'patterns' | 'shardChannels' | 'format' | 'bufferRows';

/** The pub/sub fields as a front door read them, before validation. */
export interface PubsubDraft extends ProfileDraft {
  channels?: unknown;
  patterns?: unknown;
  shardChannels?: unknown;
  format?: unknown;
  bufferRows?: unknown;
}

/**
 * Validates a pub/sub source in any front door's spelling (the reporter's): the connection, then
 * the subscriptions. Lists come as arrays (JSON) or comma-separated text (SQL).
 *
 * @throws SinkConfigError naming the option, in the door's spelling.
 */
export function checkPubsubSource(
  r: Reporter<PubsubField>,
  draft: PubsubDraft,
  columns?: Column[],
): RedisPubsubOptions {
  const profile = checkProfile(r as Reporter<ProfileField>, draft);
  if (profile.connection.kind === 'sentinel') {
    r.fail('sentinels', 'is not supported by a pub/sub source: give the address of a server or a cluster');
  }
  const list = (field: 'channels' | 'patterns' | 'shardChannels'): string[] | undefined => {
    const v = draft[field];
    if (v === undefined) return undefined;
    const items = typeof v === 'string' ? v.split(',').map((s) => s.trim()) : v;
    if (!Array.isArray(items) || items.length === 0 || items.some((s) => typeof s !== 'string' || s === ''))
      r.fail(field, `must be a non-empty list of names (${r.got(field, v)})`);
    if (new Set(items).size !== items.length) r.fail(field, 'names one twice');
    return items as string[];
  };
  const channels = list('channels');
  const patterns = list('patterns');
  const shardChannels = list('shardChannels');
  if (channels === undefined && patterns === undefined && shardChannels === undefined) {
    r.fail(
      'channels',
      `is required: give '${r.door.option('channels')}', '${r.door.option('patterns')}' or '${r.door.option('shardChannels')}'`,
    );
  }
  const out: RedisPubsubOptions = { name: profile.name, profile };
  if (channels !== undefined) out.channels = channels;
  if (patterns !== undefined) out.patterns = patterns;
  if (shardChannels !== undefined) out.shardChannels = shardChannels;
  const format = r.oneOf('format', draft.format, PUBSUB_FORMATS);
  if (format !== undefined) out.format = format;
  const buffer = r.positiveInteger('bufferRows', draft.bufferRows);
  if (buffer !== undefined) out.bufferRows = buffer;
  if (columns !== undefined && columns.length > 0) out.columns = columns;
  return out;
}
