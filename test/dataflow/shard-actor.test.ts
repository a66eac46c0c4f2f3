import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { ActorParent, ActorRef } from '../../src/actors/actor.js';
import { settle } from '../../src/actors/clock.js';
import { type ShardAck, ShardActor } from '../../src/dataflow/shard-actor.js';
import type { RedisTransport } from '../../src/resp/target.js';
import type { RedisSink } from '../../src/sink/sink.js';
import { recordingLogger, table } from '../support/sink.js';

/** A sink that records calls; `settled` (a barrier's flush) resolves when the test says so. */
class FakeSink extends EventEmitter {
  log: string[] = [];
  stats = { rowsIn: 0, rowsWritten: 0, rowsDuplicate: 0, rowsSkipped: 0 };
  release: (() => void) | null = null;
  reject: ((e: Error) => void) | null = null;
  fail: Error | null = null;
  async write(rows: { v: string }[], pos: { partition: string; offsets: number[] }) {
    if (this.fail) throw this.fail;
    this.stats.rowsIn += rows.length;
    this.log.push(`write ${pos.partition} ${rows.map((r) => r.v).join(',')}`);
  }
  settled() {
    this.log.push('flush');
    return new Promise<void>((resolve, reject) => {
      this.release = resolve;
      this.reject = reject;
    });
  }
  async close() {
    this.log.push('close');
  }
}

function shardWith(sink: FakeSink, acks: ShardAck[], failures: unknown[] = []) {
  const parent: ActorParent = { onChildFailed: (_c: ActorRef, e: unknown) => failures.push(e) };
  const s = new ShardActor({
    name: 't#0',
    table: table({ type: 'list', listPrefix: 'l:', operation: 'Append' }),
    range: [0, 16383],
    inputs: ['a', 'b'],
    connect: async () => ({
      sink: sink as unknown as RedisSink,
      target: { pipeline: async () => [], close: async () => {} } as unknown as RedisTransport,
    }),
    onAck: (a) => {
      sink.log.push(`ack ${a.barrier}`);
      acks.push(a);
    },
    waitTimeoutMs: 100,
    parent,
    logger: recordingLogger().logger,
  });
  s.start();
  return s;
}

const rows = (input: string, ...v: string[]) => ({
  type: 'rows' as const,
  input,
  rows: v.map((x) => ({ v: x })),
  partition: input,
  offsets: v.map((_, i) => i),
});

describe('shard actor', () => {
  it('shard — aligns barrier N over its inputs, flushes, lets held inputs go on at once, acks only after the flush', async () => {
    const sink = new FakeSink();
    const acks: ShardAck[] = [];
    const shard = shardWith(sink, acks);
    await shard.deliver(rows('a', 'a1'));
    await shard.deliver({ type: 'barrier', input: 'a', id: 7 });
    let a2Sent = false;
    const a2 = shard.deliver(rows('a', 'a2')).then(() => (a2Sent = true)); // held: a already sent barrier 7
    await shard.deliver(rows('b', 'b1'));
    await settle();
    expect(a2Sent).toBe(false);
    expect(shard.held).toEqual(new Set(['a']));
    await shard.deliver({ type: 'barrier', input: 'b', id: 7 });
    await a2;
    await settle();
    // Rows after the barrier are written while its flush is in flight; no ack before it is done.
    expect(sink.log).toEqual(['write a a1', 'write b b1', 'flush', 'write a a2']);
    expect(acks).toEqual([]);
    sink.release!();
    await settle();
    expect(sink.log).toEqual(['write a a1', 'write b b1', 'flush', 'write a a2', 'ack 7']);
    // The state is the barrier's: a2 came after it.
    expect(acks[0]).toMatchObject({ shard: 't#0', barrier: 7, declined: undefined, state: { rowsIn: 2 } });
    await shard.stop();
    expect(sink.log.at(-1)).toBe('close');
  });

  it('shard — a failing sink fails the actor, reported to its parent as state, and releases held senders', async () => {
    const sink = new FakeSink();
    const failures: unknown[] = [];
    const shard = shardWith(sink, [], failures);
    await shard.deliver({ type: 'barrier', input: 'a', id: 1 });
    const held = shard.deliver(rows('a', 'x')).catch((e: unknown) => e);
    sink.fail = Object.assign(new Error('boom'), { code: 'ERR_SINK_FAILED' });
    await shard.deliver(rows('b', 'y'));
    await shard.done;
    expect(shard.status).toBe('failed');
    expect(failures).toEqual([sink.fail]);
    expect(await held).toMatchObject({ code: 'ERR_MAILBOX_CLOSED' });
  });

  it('shard — acks barriers in order, and a barrier whose flush fails fails the actor and is never acked', async () => {
    const sink = new FakeSink();
    const acks: ShardAck[] = [];
    const failures: unknown[] = [];
    const shard = shardWith(sink, acks, failures);
    const flushes: Array<{ release: () => void; reject: (e: Error) => void }> = [];
    const next = () => flushes.push({ release: sink.release!, reject: sink.reject! });
    for (const id of [1, 2]) {
      await shard.deliver({ type: 'barrier', input: 'a', id });
      await shard.deliver({ type: 'barrier', input: 'b', id });
      await settle();
      next();
    }
    flushes[1].release(); // barrier 2's rows are durable first: it still waits for barrier 1
    await settle();
    expect(acks).toEqual([]);
    flushes[0].release();
    await settle();
    expect(acks.map((a) => a.barrier)).toEqual([1, 2]);
    await shard.deliver({ type: 'barrier', input: 'a', id: 3 });
    await shard.deliver({ type: 'barrier', input: 'b', id: 3 });
    await settle();
    const boom = Object.assign(new Error('boom'), { code: 'ERR_SINK_FAILED' });
    sink.reject!(boom);
    await shard.done;
    expect(shard.status).toBe('failed');
    expect(failures).toEqual([boom]);
    expect(acks.map((a) => a.barrier)).toEqual([1, 2]);
  });
});
