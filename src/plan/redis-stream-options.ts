/** What a Redis stream source reads, and how (see dataflow/sources/redis-stream.ts, docs/sources.md). */

import type { ConnectionProfile } from '../schema/connection-profile.js';
import { checkProfile, type ProfileDraft, type ProfileField } from '../schema/profile-check.js';
import type { Reporter } from '../schema/reporter.js';
import type { Column } from '../schema/sql-type.js';

/** Defaults of {@link RedisStreamOptions}. */
export const DEFAULT_STREAM_START = '$';
export const DEFAULT_STREAM_CLAIM_IDLE_MS = 60_000;
export const DEFAULT_STREAM_POLL_MS = 50;

/** A Redis stream source: streams read through a consumer group. */
export interface RedisStreamOptions {
  name: string;
  /** Where the streams are: a standalone server, a cluster or a Sentinel-managed primary. */
  profile: ConnectionProfile;
  /** Stream keys, each a channel of its own. At least one of `streams` and `pattern`. */
  streams?: string[];
  /** A key pattern (`SCAN MATCH`, streams only), scanned when each attempt starts. */
  pattern?: string;
  /** The consumer group; created (with the stream, if missing) at `start` when it does not exist. */
  group: string;
  /**
   * This job's consumer name in the group; keep it when the job restarts (its pending entries are
   * found by it). Jobs sharing a group need different names. Default: the source's name.
   */
  consumer?: string;
  /** Where a new group starts: `'$'` (new entries only, default), `'0'` (everything) or an entry ID. */
  start?: string;
  /** `'json'` (default): one field holds the row as a JSON object; `'fields'`: one column per field. */
  format?: 'json' | 'fields';
  /** The field holding the row with the `json` format. Default `row`. */
  jsonField?: string;
  /**
   * Entries pending this long (ms) for another consumer of the group are claimed by this job; 0
   * never claims. Default {@link DEFAULT_STREAM_CLAIM_IDLE_MS}. Keep it well above the checkpoint
   * interval: a live job's entries stay pending until a checkpoint covers them.
   */
  claimIdleMs?: number;
  /** Most entries one `XREADGROUP` asks for (`COUNT`); the job's read batch when smaller. */
  batch?: number;
  /** Longest pause between two reads that found nothing, ms. Default {@link DEFAULT_STREAM_POLL_MS}. */
  pollMs?: number;
  /** Declared columns: with `fields`, values of numeric, boolean and JSON columns are converted. */
  columns?: Column[];
}

/** Fields of {@link RedisStreamOptions} a front door reports on, besides the profile's. */
export type StreamField =
  | ProfileField
  | 'streams'
  | 'pattern'
  | 'group'
  | 'consumer'
  | 'start'
  | 'format'
  | 'jsonField'
  | 'claimIdleMs'
  | 'batch'
  | 'pollMs';

/** The stream fields as a front door read them, before validation. */
export interface StreamDraft extends ProfileDraft {
  streams?: unknown;
  pattern?: unknown;
  group?: unknown;
  consumer?: unknown;
  start?: unknown;
  format?: unknown;
  jsonField?: unknown;
  claimIdleMs?: unknown;
  batch?: unknown;
  pollMs?: unknown;
}

const START = /^(\$|0|(0|[1-9]\d{0,19})(-(0|[1-9]\d{0,19}))?)$/;

/**
 * Validates a stream source in any front door's spelling (the reporter's): the connection, then
 * the stream options. Streams come as a list (JSON) or comma-separated text (SQL).
 *
 * @throws SinkConfigError naming the option, in the door's spelling.
 */
export function checkStreamSource(
  r: Reporter<StreamField>,
  draft: StreamDraft,
  columns?: Column[],
): RedisStreamOptions {
  const profile = checkProfile(r as Reporter<ProfileField>, draft);
  let streams: string[] | undefined;
  if (draft.streams !== undefined) {
    const list =
      typeof draft.streams === 'string' ? draft.streams.split(',').map((s) => s.trim()) : draft.streams;
    if (!Array.isArray(list) || list.length === 0 || list.some((s) => typeof s !== 'string' || s === ''))
      r.fail('streams', `must be a non-empty list of stream keys (${r.got('streams', draft.streams)})`);
    if (new Set(list).size !== list.length) r.fail('streams', 'names a stream twice');
    streams = list as string[];
  }
  const pattern = r.string('pattern', draft.pattern);
  if (streams === undefined && pattern === undefined)
    r.fail('streams', `is required: give '${r.door.option('streams')}' or '${r.door.option('pattern')}'`);
  const group = r.string('group', draft.group, { required: true })!;
  const consumer = r.string('consumer', draft.consumer);
  if (consumer?.includes('~'))
    r.fail('consumer', "must not contain '~' (claim rounds use '<consumer>~<n>' consumers)");
  const start = r.string('start', draft.start);
  if (start !== undefined && !START.test(start))
    r.fail('start', `must be '$', '0' or an entry ID like '1700000000000-0' (${r.got('start', start)})`);
  const format = r.oneOf('format', draft.format, ['json', 'fields'] as const);
  const jsonField = r.string('jsonField', draft.jsonField);
  if (jsonField !== undefined && format === 'fields')
    r.fail('jsonField', `applies to the 'json' format only`);
  const out: RedisStreamOptions = { name: profile.name, profile, group };
  if (streams !== undefined) out.streams = streams;
  if (pattern !== undefined) out.pattern = pattern;
  if (consumer !== undefined) out.consumer = consumer;
  if (start !== undefined) out.start = start;
  if (format !== undefined) out.format = format;
  if (jsonField !== undefined) out.jsonField = jsonField;
  const claim = nonNegative(r, 'claimIdleMs', draft.claimIdleMs);
  if (claim !== undefined) out.claimIdleMs = claim;
  const batch = r.positiveInteger('batch', draft.batch);
  if (batch !== undefined) out.batch = batch;
  const poll = r.positiveInteger('pollMs', draft.pollMs);
  if (poll !== undefined) out.pollMs = poll;
  if (columns !== undefined && columns.length > 0) out.columns = columns;
  return out;
}

function nonNegative(r: Reporter<StreamField>, field: StreamField, value: unknown): number | undefined {
  if (value === 0 || value === '0') return 0;
  return r.positiveInteger(field, value);
}
