import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { ActorParent, ActorRef } from '../../src/actors/actor.js';
import { settle } from '../../src/actors/clock.js';
import { type ShardAck, ShardActor } from '../../src/actors/shard-actor.js';
import type { RedisSink } from '../../src/sink/sink.js';
import { recordingLogger, table } from '../support/sink.js';

/** A sink that records calls; `flush` resolves when the test says so. */
class FakeSink extends EventEmitter {
  log: string[] = [];
  stats = { rowsIn: 0, rowsWritten: 0, rowsDuplicate: 0, rowsSkipped: 0 };
  release: (() => void) | null = null;
  fail: Error | null = null;
  async write(rows: { v: string }[], pos: { partition: string; offsets: number[] }) {
    if (this.fail) throw this.fail;
    this.stats.rowsIn += rows.length;
    this.log.push(`write ${pos.partition} ${rows.map((r) => r.v).join(',')}`);
  }
  flush() {
    this.log.push('flush');
    return new Promise<void>((resolve) => (this.release = resolve));
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
      target: { pipeline: async () => [], close: async () => {} },
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
  it('shard — aligns barrier N over its inputs, flushes, acks only after the flush, then lets held inputs go on', async () => {
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
    await settle();
    expect(sink.log).toEqual(['write a a1', 'write b b1', 'flush']); // no ack before the flush is done
    sink.release!();
    await a2;
    await settle();
    expect(sink.log).toEqual(['write a a1', 'write b b1', 'flush', 'ack 7', 'write a a2']);
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
});
