import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PubsubSource } from '../../src/dataflow/sources/pubsub.js';
import type { SourceReader } from '../../src/dataflow/sources/source.js';
import { createClient, type RedisClient } from '../../src/index.js';
import { metricsRegistry } from '../../src/metrics/registry.js';
import type { RedisPubsubOptions } from '../../src/plan/pubsub-options.js';
import { cli, type RedisServer, startRedis } from '../support/redis.js';
import { until } from '../support/until.js';

let server: RedisServer;
let pub: RedisClient;
beforeAll(async () => {
  server = await startRedis();
  pub = await createClient(server.url);
});
afterAll(async () => {
  await pub?.close();
  await server?.stop();
});

function options(name: string, o: Partial<RedisPubsubOptions>): RedisPubsubOptions {
  return { name, profile: { name, connection: { kind: 'standalone', address: server.url } }, ...o };
}

const never = new AbortController().signal;

async function readAll(reader: SourceReader, n: number) {
  const rows: unknown[] = [];
  const offsets: number[] = [];
  while (rows.length < n) {
    const b = await reader.read(1000, never);
    if (b === null) break;
    rows.push(...b.rows);
    offsets.push(...b.offsets);
  }
  return { rows, offsets };
}

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const m = (await metricsRegistry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l));
  return v?.value ?? 0;
}

describe('pub/sub source', () => {
  it('pub/sub source — JSON rows from a channel and a pattern, offsets going on from a restore', async () => {
    const source = new PubsubSource(options('ps_json', { channels: ['clicks'], patterns: ['views.*'] }));
    const [reader] = await source.open({ ps_json: 7 });
    expect(reader.channel).toBe('ps_json');
    await pub.send(['PUBLISH', 'clicks', JSON.stringify({ user: 'a', n: 1 })]);
    await pub.send(['PUBLISH', 'views.home', JSON.stringify({ user: 'b', n: 2 })]);
    const { rows, offsets } = await readAll(reader, 2);
    expect(rows).toEqual([
      { user: 'a', n: 1 },
      { user: 'b', n: 2 },
    ]);
    expect(offsets).toEqual([7, 8]);
    expect(reader.position()).toBe(9);
    await reader.close();
  });

  it('pub/sub source — text rows carry channel, pattern and payload', async () => {
    const source = new PubsubSource(options('ps_text', { patterns: ['t.*'], format: 'text' }));
    const [reader] = await source.open({});
    await pub.send(['PUBLISH', 't.x', 'hello']);
    const { rows, offsets } = await readAll(reader, 1);
    expect(rows).toEqual([{ channel: 't.x', pattern: 't.*', payload: 'hello' }]);
    expect(offsets).toEqual([0]);
    await reader.close();
  });

  it('pub/sub source — a full buffer drops new messages and counts them; malformed ones too', async () => {
    const source = new PubsubSource(options('ps_full', { channels: ['full'], bufferRows: 3 }));
    const [reader] = await source.open({});
    const before = await metric('laminar_pubsub_dropped_total', { source: 'ps_full', reason: 'buffer_full' });
    await pub.send(['PUBLISH', 'full', 'not json']);
    for (let i = 0; i < 10; i++) await pub.send(['PUBLISH', 'full', JSON.stringify({ i })]);
    await until(
      'every message seen',
      () => source.counts()!.received,
      (n) => n === 11,
    );
    expect(source.counts()).toMatchObject({ received: 11, dropped: 7, malformed: 1 });
    expect(await metric('laminar_pubsub_dropped_total', { source: 'ps_full', reason: 'buffer_full' })).toBe(
      before + 7,
    );
    const { rows } = await readAll(reader, 3);
    expect(rows).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    // Room again: the next message is kept.
    await pub.send(['PUBLISH', 'full', JSON.stringify({ i: 'next' })]);
    expect((await readAll(reader, 1)).rows).toEqual([{ i: 'next' }]);
    await reader.close();
  });

  it('pub/sub source — an aborted wait returns an empty batch', async () => {
    const source = new PubsubSource(options('ps_abort', { channels: ['quiet'] }));
    const [reader] = await source.open({});
    const ac = new AbortController();
    const pending = reader.read(10, ac.signal);
    ac.abort();
    expect((await pending)?.rows).toEqual([]);
    await reader.close();
  });

  it('pub/sub source — a dropped connection is counted, and rows published after the resubscription land', async () => {
    const source = new PubsubSource(options('ps_kill', { channels: ['k'] }));
    const [reader] = await source.open({});
    const before = await metric('laminar_pubsub_disconnects_total', { source: 'ps_kill' });
    await cli(server, 'client', 'kill', 'type', 'pubsub');
    await until(
      'the disconnect',
      () => source.counts()!.disconnects,
      (n) => n === 1,
    );
    expect(await metric('laminar_pubsub_disconnects_total', { source: 'ps_kill' })).toBe(before + 1);
    await until(
      'resubscribed',
      async () => Number((await cli(server, 'pubsub', 'numsub', 'k')).split('\n')[1]),
      (n) => n === 1,
    );
    await pub.send(['PUBLISH', 'k', JSON.stringify({ after: true })]);
    expect((await readAll(reader, 1)).rows).toEqual([{ after: true }]);
    await reader.close();
  });
});
