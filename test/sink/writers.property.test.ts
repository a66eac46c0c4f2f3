import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Arg, Command } from '../../src/resp/reply.js';
import { Batch } from '../../src/sink/batch.js';
import { SQL_OPTIONS } from '../../src/sink/config/sql-ddl.js';
import type { HashTarget, ListTarget, StringTarget } from '../../src/sink/model.js';
import { RowEncoder } from '../../src/sink/row-encoder.js';
import { ownFields, TARGET_FIELDS, TARGET_TYPES, writerFor, writerOf } from '../../src/sink/writers/index.js';
import { table } from '../support/sink.js';

/** The three targets that existed before writers. */
type OldTarget = StringTarget | ListTarget | HashTarget;

/**
 * The writers must make exactly the commands the sink made before they existed, when each
 * target type was a branch of one function. That function, kept here as the reference:
 */
function referenceCommands(
  t: OldTarget,
  keys: readonly (string | Buffer)[],
  fields: readonly (string | Buffer)[],
  values: readonly (string | Buffer)[],
): { commands: Command[]; rowsPerCommand: number[] } {
  const commands: Command[] = [];
  const rowsPerCommand: number[] = [];
  const n = keys.length;
  if (t.type === 'string') {
    const ttl = t.ttlSecs === undefined ? undefined : String(t.ttlSecs);
    for (let i = 0; i < n; i++) {
      commands.push(ttl === undefined ? ['SET', keys[i], values[i]] : ['SET', keys[i], values[i], 'EX', ttl]);
      rowsPerCommand.push(1);
    }
    return { commands, rowsPerCommand };
  }
  const groups: { key: string | Buffer; id: string; rows: number[] }[] = [];
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    const text = typeof k === 'string' ? k : k.toString('utf8');
    const id =
      typeof k === 'string' || Buffer.from(text, 'utf8').equals(k) ? `t${text}` : `b${k.toString('latin1')}`;
    let g = groups.find((x) => x.id === id);
    if (g === undefined) {
      g = { key: k, id, rows: [] };
      groups.push(g);
    }
    g.rows.push(i);
  }
  const verb = t.type === 'hash' ? 'HSET' : t.operation === 'Append' ? 'RPUSH' : 'LPUSH';
  for (const g of groups) {
    for (let from = 0; from < g.rows.length; from += 1024) {
      const chunk = g.rows.slice(from, from + 1024);
      const cmd: Arg[] = [verb, g.key];
      for (const r of chunk) {
        if (t.type === 'hash') cmd.push(fields[r]);
        cmd.push(values[r]);
      }
      commands.push(cmd);
      rowsPerCommand.push(chunk.length);
    }
  }
  if (t.type === 'list' && t.maxLength !== undefined) {
    const max = t.maxLength;
    for (const g of groups) {
      commands.push(t.operation === 'Append' ? ['LTRIM', g.key, -max, -1] : ['LTRIM', g.key, 0, max - 1]);
      rowsPerCommand.push(0);
    }
  }
  return { commands, rowsPerCommand };
}

/** The fence script's op and flags, as the reference chose them (a list's trim runs after the rows). */
function referenceFenced(t: OldTarget): { op: string; flags: string[] } {
  const op =
    t.type === 'string' ? 'SET' : t.type === 'hash' ? 'HSET' : t.operation === 'Append' ? 'RPUSH' : 'LPUSH';
  const flags = t.type === 'string' && t.ttlSecs !== undefined ? ['EX', t.ttlSecs.toString()] : [];
  return { op, flags };
}

const keyColumn = fc.option(fc.constant('k'), { nil: undefined });
const targetArb: fc.Arbitrary<OldTarget> = fc.oneof(
  fc.record({
    type: fc.constant('string' as const),
    keyPrefix: fc.constantFrom('', 's:'),
    keyColumn,
    ttlSecs: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
  }),
  fc.record({
    type: fc.constant('list' as const),
    listPrefix: fc.constantFrom('', 'l:'),
    listKeyColumn: keyColumn,
    maxLength: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
    operation: fc.constantFrom('Append' as const, 'Prepend' as const),
  }),
  fc.record({
    type: fc.constant('hash' as const),
    hashKeyPrefix: fc.constantFrom('', 'h:'),
    hashKeyColumn: keyColumn,
    hashFieldColumn: fc.constant('f'),
  }),
);
/** Key parts that repeat, including bytes that are UTF-8 text and bytes that are not. */
const part = fc.oneof(
  fc.constantFrom('a', 'b', 'é', '{x}'),
  fc.integer({ min: 0, max: 3 }),
  fc.constantFrom(Buffer.from('a'), Buffer.from([0xff, 0x01]), Buffer.from([0xc3, 0xa9])),
);
const text = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.uint8Array({ maxLength: 6 }).map((a) => Buffer.from(a)),
);
const rowsArb = fc.array(fc.record({ k: part, f: part, v: text }), { maxLength: 60 });

describe('target writers', () => {
  it('writers — property: a flush makes the same commands as before writers existed', () => {
    fc.assert(
      fc.property(targetArb, rowsArb, (target, rows) => {
        const enc = new RowEncoder(table(target, { format: 'raw', valueColumn: 'v' }));
        const batch = new Batch(target);
        for (const row of rows) {
          expect(enc.encode(row)).toBeNull();
          batch.add(enc);
        }
        expect(batch.commands(undefined)).toEqual(
          referenceCommands(target, batch.keys, batch.fields, batch.values),
        );
        expect(writerOf(target).fenced(target)).toEqual(referenceFenced(target));
      }),
    );
  });

  it('writers — long runs of one key split at 1024 values, as before', () => {
    for (const target of [
      { type: 'list', listPrefix: 'l', operation: 'Prepend', maxLength: 3 },
      { type: 'hash', hashKeyPrefix: 'h', hashFieldColumn: 'f' },
    ] as OldTarget[]) {
      const enc = new RowEncoder(table(target, { format: 'raw', valueColumn: 'v' }));
      const batch = new Batch(target);
      for (let i = 0; i < 2500; i++) {
        enc.encode({ f: i % 7, v: `v${i}` });
        batch.add(enc);
      }
      const out = batch.commands(undefined);
      expect(out).toEqual(referenceCommands(target, batch.keys, batch.fields, batch.values));
      expect(out.rowsPerCommand.slice(0, 3)).toEqual([1024, 1024, 452]);
    }
  });

  it("writers — a type's own fields are unique across types (a JSON body is typed by them)", () => {
    const own = TARGET_TYPES.flatMap((t) => ownFields(t));
    expect(new Set(own).size).toBe(own.length);
    expect(new Set(TARGET_FIELDS).size).toBe(TARGET_FIELDS.length);
    expect(TARGET_TYPES).toEqual([
      'string',
      'list',
      'hash',
      'set',
      'sorted_set',
      'counter',
      'hash_counter',
      'stream',
      'pubsub',
    ]);
    for (const type of TARGET_TYPES) {
      expect(writerFor(type).type).toBe(type);
      // The first option is the type's prefix, its own.
      expect(ownFields(type)[0]).toBe(writerFor(type).options[0].field);
    }
  });

  it('writers — a shared field has one SQL spelling whichever type lists it', () => {
    const sql = new Map<string, string>();
    for (const type of TARGET_TYPES) {
      for (const o of writerFor(type).options) {
        if (sql.has(o.field)) expect(o.sql).toBe(sql.get(o.field));
        sql.set(o.field, o.sql);
      }
    }
  });

  it('writers — SQL options keep their spellings and order', () => {
    expect(SQL_OPTIONS).toEqual([
      'connector',
      'address',
      'cluster.addresses',
      'username',
      'password',
      'sentinel.addresses',
      'sentinel.master',
      'sentinel.username',
      'sentinel.password',
      'tls.ca',
      'tls.cert',
      'tls.key',
      'tls.server_name',
      'tls.min_version',
      'tls.insecure',
      'sink.type',
      'sink.key_prefix',
      'sink.key_column',
      'sink.key_template',
      'sink.ttl_secs',
      'sink.ttl_column',
      'sink.ttl_kind',
      'sink.ttl_refresh',
      'sink.write_mode',
      'sink.list_prefix',
      'sink.list_key_column',
      'sink.max_length',
      'sink.operation',
      'sink.hash_key_prefix',
      'sink.hash_key_column',
      'sink.hash_field_column',
      'sink.hash_layout',
      'sink.hash_nulls',
      'sink.set_prefix',
      'sink.set_key_column',
      'sink.member_column',
      'sink.sorted_set_prefix',
      'sink.sorted_set_key_column',
      'sink.score_column',
      'sink.score_mode',
      'sink.max_members',
      'sink.keep_members',
      'sink.counter_prefix',
      'sink.counter_key_column',
      'sink.increment_column',
      'sink.counter_kind',
      'sink.hash_counter_prefix',
      'sink.hash_counter_key_column',
      'sink.hash_counter_field_column',
      'sink.stream_prefix',
      'sink.stream_key_column',
      'sink.stream_layout',
      'sink.stream_row_field',
      'sink.stream_max_length',
      'sink.stream_trim',
      'sink.channel_prefix',
      'sink.channel_column',
      'sink.message_id_field',
      'format',
      'sink.on_error',
      'sink.mode',
      'sink.delete_events',
      'sink.dead_letter_key',
      'sink.batch_size',
      'sink.flush_interval_ms',
      'sink.delivery',
      'sink.wait_replicas',
      'sink.connections_per_node',
      'sink.max_pipelines_in_flight',
      'type',
      'connection_profile',
    ]);
  });
});
