/**
 * The peers of the sink benchmark: the same rows written with ioredis and node-redis by hand, each
 * batch one pipeline. Every peer JSON-encodes its rows itself with `JSON.stringify(row)` (the rows
 * are flat, so that text equals what the sink writes for its declared schema) and builds its
 * commands in its library's idiomatic way: encoding and building are part of the measured cost.
 *
 *   per row (what a straightforward user writes):
 *     string  SET key json EX 3600            one per row
 *     list    RPUSH key json                  one per row, then LTRIM key -1000 -1 per key of the batch
 *     hash    HSET key field json             one per row
 *   grouped per key (the sink's own grouping, for lists and hashes):
 *     list    RPUSH key json json …           one per key of the batch, then one LTRIM per key
 *     hash    HSET key field json field json … one per key of the batch
 *
 * Libraries are imported lazily, so a child process loads only the client it measures.
 */
import { describeReply } from '../common/failures.js';
import { connectIoredis, connectNodeRedis } from '../common/peer-connections.js';
import {
  type ClientId,
  type EventRow,
  HASH_PREFIX,
  keyOf,
  LIST_MAX_LENGTH,
  LIST_PREFIX,
  STRING_PREFIX,
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
  writeBatch(rows: readonly EventRow[]): Promise<BatchOutcome>;
  close(): Promise<void>;
}

export type PeerId = Exclude<ClientId, 'laminar-redis'>;

export async function openPeer(id: PeerId, type: TableType, host: string, port: number): Promise<PeerWriter> {
  switch (id) {
    case 'ioredis':
    case 'ioredis-grouped':
      return openIoredis(type, id === 'ioredis-grouped', host, port);
    case 'node-redis':
    case 'node-redis-grouped':
      return openNodeRedis(type, id === 'node-redis-grouped', host, port);
  }
}

/** Rows of a batch grouped by key, keys in order of first appearance, each key's rows in order. */
function groupByKey(type: TableType, rows: readonly EventRow[]): Map<string, EventRow[]> {
  const groups = new Map<string, EventRow[]>();
  for (const row of rows) {
    const key = keyOf(type, row);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [row]);
    else group.push(row);
  }
  return groups;
}

type IoCommand = (string | number)[];

/** ioredis commands of one batch, as arrays for `redis.pipeline(commands)`. */
function ioredisCommands(type: TableType, grouped: boolean, rows: readonly EventRow[]): IoCommand[] {
  const commands: IoCommand[] = [];
  if (type === 'string') {
    for (const row of rows)
      commands.push(['set', STRING_PREFIX + row.id, JSON.stringify(row), 'EX', TTL_SECS]);
  } else if (!grouped && type === 'list') {
    const touched = new Set<string>();
    for (const row of rows) {
      const key = LIST_PREFIX + row.user;
      commands.push(['rpush', key, JSON.stringify(row)]);
      touched.add(key);
    }
    for (const key of touched) commands.push(['ltrim', key, -LIST_MAX_LENGTH, -1]);
  } else if (!grouped) {
    for (const row of rows)
      commands.push(['hset', HASH_PREFIX + row.user, String(row.id), JSON.stringify(row)]);
  } else {
    const groups = groupByKey(type, rows);
    for (const [key, group] of groups) {
      const command: IoCommand = [type === 'list' ? 'rpush' : 'hset', key];
      for (const row of group) {
        if (type === 'hash') command.push(String(row.id));
        command.push(JSON.stringify(row));
      }
      commands.push(command);
    }
    if (type === 'list') for (const key of groups.keys()) commands.push(['ltrim', key, -LIST_MAX_LENGTH, -1]);
  }
  return commands;
}

async function openIoredis(
  type: TableType,
  grouped: boolean,
  host: string,
  port: number,
): Promise<PeerWriter> {
  const redis = await connectIoredis(host, port);
  return {
    async writeBatch(rows) {
      const commands = ioredisCommands(type, grouped, rows);
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
  grouped: boolean,
  host: string,
  port: number,
): Promise<PeerWriter> {
  const client = await connectNodeRedis(host, port);
  const ex = { expiration: { type: 'EX', value: TTL_SECS } } as const;
  return {
    async writeBatch(rows) {
      const multi = client.multi();
      let commands = 0;
      if (type === 'string') {
        for (const row of rows) multi.set(STRING_PREFIX + row.id, JSON.stringify(row), ex);
        commands = rows.length;
      } else if (!grouped && type === 'list') {
        const touched = new Set<string>();
        for (const row of rows) {
          const key = LIST_PREFIX + row.user;
          multi.rPush(key, JSON.stringify(row));
          touched.add(key);
        }
        for (const key of touched) multi.lTrim(key, -LIST_MAX_LENGTH, -1);
        commands = rows.length + touched.size;
      } else if (!grouped) {
        for (const row of rows) multi.hSet(HASH_PREFIX + row.user, String(row.id), JSON.stringify(row));
        commands = rows.length;
      } else {
        const groups = groupByKey(type, rows);
        for (const [key, group] of groups) {
          if (type === 'list') {
            multi.rPush(
              key,
              group.map((row) => JSON.stringify(row)),
            );
          } else {
            const fieldsAndValues: string[] = [];
            for (const row of group) fieldsAndValues.push(String(row.id), JSON.stringify(row));
            multi.hSet(key, fieldsAndValues);
          }
        }
        if (type === 'list') for (const key of groups.keys()) multi.lTrim(key, -LIST_MAX_LENGTH, -1);
        commands = groups.size * (type === 'list' ? 2 : 1);
      }
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
