/**
 * The peers of the sink benchmark: the same rows written with ioredis and node-redis by hand, each
 * batch one pipeline. Every peer JSON-encodes its rows itself with `JSON.stringify(row)` (the
 * object's keys are in schema order and a Date becomes its ISO text, so that text equals what the
 * sink writes for its declared schema, flat or nested) and builds its commands in its library's
 * idiomatic way: encoding and building are part of the measured cost.
 *
 *   per row (what a straightforward user writes):
 *     string          SET key json EX 3600      one per row
 *     list            RPUSH key json            one per row, then LTRIM key -1000 -1 per key of the batch
 *     hash            HSET key field json       one per row
 *     set             SADD key member           one per row
 *     sorted_set      ZADD key score member     one per row
 *     sorted_set_incr ZINCRBY key score member  one per row
 *     counter         INCRBY key n              one per row
 *     hash_counter    HINCRBY key field n       one per row
 *     stream          XADD key * row json       one per row (no variadic form: no grouped peer)
 *     pubsub          PUBLISH channel json      one per row (no variadic form: no grouped peer)
 *   grouped per key (the sink's own grouping):
 *     list            RPUSH key json json …     one per key of the batch, then one LTRIM per key
 *     hash            HSET key f json f json …  one per key of the batch
 *     set             SADD key m m …            one per key, members of the batch deduplicated
 *     sorted_set      ZADD key s m s m …        one per key, the last score of each member
 *     sorted_set_incr ZINCRBY key Σs member     one per member of the batch, its scores summed
 *     counter         INCRBY key Σn             one per key of the batch, its increments summed
 *     hash_counter    HINCRBY key field Σn      one per field of the batch, its increments summed
 *
 * Libraries are imported lazily, so a child process loads only the client it measures.
 */
import { describeReply } from '../common/failures.js';
import { connectIoredis, connectNodeRedis } from '../common/peer-connections.js';
import {
  accessorsOf,
  type ClientId,
  LIST_MAX_LENGTH,
  type Row,
  type Shape,
  STREAM_FIELD,
  type TableType,
  TTL_SECS,
} from './sink-workload.js';

/** Outcome of one batch: commands sent, and replies that were errors (with the first one). */
export interface BatchOutcome {
  commands: number;
  failed: number;
  firstFailure?: string;
}

export interface PeerWriter {
  /** Writes one batch of rows as one pipeline; resolves when every reply is in. */
  writeBatch(rows: readonly Row[]): Promise<BatchOutcome>;
  close(): Promise<void>;
}

export type PeerId = Exclude<ClientId, 'laminar-redis' | 'laminar-redis-eo'>;

export async function openPeer(
  id: PeerId,
  type: TableType,
  shape: Shape,
  host: string,
  port: number,
): Promise<PeerWriter> {
  switch (id) {
    case 'ioredis':
    case 'ioredis-grouped':
      return openIoredis(type, shape, id === 'ioredis-grouped', host, port);
    case 'node-redis':
    case 'node-redis-grouped':
      return openNodeRedis(type, shape, id === 'node-redis-grouped', host, port);
  }
}

/**
 * How one library sends each command: the batch plan below calls these, and each library maps
 * them straight onto its own idiom (ioredis: an array per command for `pipeline()`; node-redis:
 * its typed `multi()` methods), with no intermediate object per row.
 */
interface Emit {
  set(key: string, value: string): void;
  rpush(key: string, values: string | string[]): void;
  ltrim(key: string): void;
  hset(key: string, field: string, value: string): void;
  hsetMany(key: string, pairs: string[]): void;
  sadd(key: string, members: string | string[]): void;
  zadd(key: string, members: { score: number; value: string }[]): void;
  zincrby(key: string, by: number, member: string): void;
  incrby(key: string, by: number): void;
  hincrby(key: string, field: string, by: number): void;
  xadd(key: string, value: string): void;
  publish(channel: string, value: string): void;
}

/** Sums per key and field (insertion-ordered), for the grouped counters. */
function sums(
  rows: readonly Row[],
  key: (r: Row) => string,
  field: ((r: Row) => string) | undefined,
  by: (r: Row) => number,
): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const row of rows) {
    const k = key(row);
    let m = out.get(k);
    if (m === undefined) {
      m = new Map();
      out.set(k, m);
    }
    const f = field === undefined ? '' : field(row);
    m.set(f, (m.get(f) ?? 0) + by(row));
  }
  return out;
}

/** Sends the commands of one batch through `e`, per row or grouped per key; returns their number. */
function plan(type: TableType, shape: Shape, grouped: boolean, rows: readonly Row[], e: Emit): number {
  const a = accessorsOf(type, shape);
  const { key } = a;
  const field = a.field!;
  const num = a.number!;
  let n = 0;
  if (!grouped) {
    n = rows.length;
    switch (type) {
      case 'string':
        for (const r of rows) e.set(key(r), JSON.stringify(r));
        return n;
      case 'list': {
        const touched = new Set<string>();
        for (const r of rows) {
          const k = key(r);
          e.rpush(k, JSON.stringify(r));
          touched.add(k);
        }
        for (const k of touched) e.ltrim(k);
        return n + touched.size;
      }
      case 'hash':
        for (const r of rows) e.hset(key(r), field(r), JSON.stringify(r));
        return n;
      case 'set':
        for (const r of rows) e.sadd(key(r), field(r));
        return n;
      case 'sorted_set':
        for (const r of rows) e.zadd(key(r), [{ score: num(r), value: field(r) }]);
        return n;
      case 'sorted_set_incr':
        for (const r of rows) e.zincrby(key(r), num(r), field(r));
        return n;
      case 'counter':
        for (const r of rows) e.incrby(key(r), num(r));
        return n;
      case 'hash_counter':
        for (const r of rows) e.hincrby(key(r), field(r), num(r));
        return n;
      case 'stream':
        for (const r of rows) e.xadd(key(r), JSON.stringify(r));
        return n;
      case 'pubsub':
        for (const r of rows) e.publish(key(r), JSON.stringify(r));
        return n;
    }
  }
  switch (type) {
    case 'sorted_set_incr':
      for (const [k, m] of sums(rows, key, field, num))
        for (const [member, by] of m) {
          e.zincrby(k, by, member);
          n++;
        }
      return n;
    case 'counter':
      for (const [k, m] of sums(rows, key, undefined, num)) {
        e.incrby(k, m.get('')!);
        n++;
      }
      return n;
    case 'hash_counter':
      for (const [k, m] of sums(rows, key, field, num))
        for (const [f, by] of m) {
          e.hincrby(k, f, by);
          n++;
        }
      return n;
    default:
      break;
  }
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const k = key(r);
    const g = groups.get(k);
    if (g === undefined) groups.set(k, [r]);
    else g.push(r);
  }
  for (const [k, group] of groups) {
    switch (type) {
      case 'list':
        e.rpush(
          k,
          group.map((r) => JSON.stringify(r)),
        );
        break;
      case 'hash': {
        const pairs: string[] = [];
        for (const r of group) pairs.push(field(r), JSON.stringify(r));
        e.hsetMany(k, pairs);
        break;
      }
      case 'set':
        e.sadd(k, [...new Set(group.map(field))]);
        break;
      case 'sorted_set': {
        const last = new Map<string, number>();
        for (const r of group) last.set(field(r), num(r));
        e.zadd(
          k,
          [...last].map(([value, score]) => ({ score, value })),
        );
        break;
      }
      default:
        throw new Error(`no grouped peer for ${type}`);
    }
  }
  if (type === 'list') for (const k of groups.keys()) e.ltrim(k);
  return groups.size * (type === 'list' ? 2 : 1);
}

type IoCommand = (string | number)[];

/** Collects ioredis commands as arrays for `redis.pipeline(commands)`. */
function ioredisEmit(commands: IoCommand[]): Emit {
  return {
    set: (k, v) => commands.push(['set', k, v, 'EX', TTL_SECS]),
    rpush: (k, v) => commands.push(typeof v === 'string' ? ['rpush', k, v] : ['rpush', k, ...v]),
    ltrim: (k) => commands.push(['ltrim', k, -LIST_MAX_LENGTH, -1]),
    hset: (k, f, v) => commands.push(['hset', k, f, v]),
    hsetMany: (k, pairs) => commands.push(['hset', k, ...pairs]),
    sadd: (k, m) => commands.push(typeof m === 'string' ? ['sadd', k, m] : ['sadd', k, ...m]),
    zadd: (k, members) => {
      const cmd: IoCommand = ['zadd', k];
      for (const m of members) cmd.push(m.score, m.value);
      commands.push(cmd);
    },
    zincrby: (k, by, m) => commands.push(['zincrby', k, by, m]),
    incrby: (k, by) => commands.push(['incrby', k, by]),
    hincrby: (k, f, by) => commands.push(['hincrby', k, f, by]),
    xadd: (k, v) => commands.push(['xadd', k, '*', STREAM_FIELD, v]),
    publish: (k, v) => commands.push(['publish', k, v]),
  };
}

async function openIoredis(
  type: TableType,
  shape: Shape,
  grouped: boolean,
  host: string,
  port: number,
): Promise<PeerWriter> {
  const redis = await connectIoredis(host, port);
  return {
    async writeBatch(rows) {
      const commands: IoCommand[] = [];
      plan(type, shape, grouped, rows, ioredisEmit(commands));
      const results = (await redis.pipeline(commands).exec()) ?? [];
      const outcome: BatchOutcome = { commands: commands.length, failed: 0 };
      // ioredis answers [error, reply] per command.
      for (const [err] of results) {
        if (err !== null) {
          outcome.failed++;
          outcome.firstFailure ??= describeReply(err);
        }
      }
      if (results.length !== commands.length) {
        outcome.failed++;
        outcome.firstFailure ??= `${results.length} replies to ${commands.length} commands`;
      }
      return outcome;
    },
    async close() {
      await redis.quit();
    },
  };
}

async function openNodeRedis(
  type: TableType,
  shape: Shape,
  grouped: boolean,
  host: string,
  port: number,
): Promise<PeerWriter> {
  const client = await connectNodeRedis(host, port);
  const ex = { expiration: { type: 'EX', value: TTL_SECS } } as const;
  return {
    async writeBatch(rows) {
      const multi = client.multi();
      const commands = plan(type, shape, grouped, rows, {
        set: (k, v) => multi.set(k, v, ex),
        rpush: (k, v) => multi.rPush(k, v),
        ltrim: (k) => multi.lTrim(k, -LIST_MAX_LENGTH, -1),
        hset: (k, f, v) => multi.hSet(k, f, v),
        hsetMany: (k, pairs) => multi.hSet(k, pairs),
        sadd: (k, m) => multi.sAdd(k, m),
        zadd: (k, members) => multi.zAdd(k, members),
        zincrby: (k, by, m) => multi.zIncrBy(k, by, m),
        incrby: (k, by) => multi.incrBy(k, by),
        hincrby: (k, f, by) => multi.hIncrBy(k, f, by),
        xadd: (k, v) => multi.xAdd(k, '*', { [STREAM_FIELD]: v }),
        publish: (k, v) => multi.publish(k, v),
      });
      const outcome: BatchOutcome = { commands, failed: 0 };
      let replies: unknown[];
      try {
        replies = await multi.execAsPipeline();
      } catch (err) {
        return { commands, failed: commands, firstFailure: describeReply(err) };
      }
      for (const reply of replies) {
        if (reply instanceof Error) {
          outcome.failed++;
          outcome.firstFailure ??= describeReply(reply);
        }
      }
      if (replies.length !== commands) {
        outcome.failed++;
        outcome.firstFailure ??= `${replies.length} replies to ${commands} commands`;
      }
      return outcome;
    },
    async close() {
      await client.close();
    },
  };
}
