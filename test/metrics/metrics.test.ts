import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/actors/clock.js';
import { CheckpointCoordinator } from '../../src/dataflow/checkpoint-coordinator.js';
import type { ShardAck } from '../../src/dataflow/shard-actor.js';
import { metricsText } from '../../src/metrics/index.js';
import { respTotals } from '../../src/resp/totals.js';
import { createSink } from '../../src/sink/create-sink.js';
import { SinkWriteError } from '../../src/sink/errors.js';
import type { CheckpointStore } from '../../src/storage/checkpoint-store.js';
import { useRedis } from '../support/fixtures.js';
import { scrapeValue } from '../support/metrics.js';

const redis = useRedis();
const silent = pino({ level: 'silent' });

/** The connector documentation's REST bodies for a table on the test server (a string table unless `target` says). */
function bodies(
  name: string,
  sink: object = {},
  target: object = { keyPrefix: `${name}:`, keyColumn: 'id' },
) {
  return {
    profile: { name: 'p', connector: 'redis', config: { connection: { address: redis.server.url } } },
    table: {
      name,
      connector: 'redis',
      config: { connectorType: { target }, sink },
    },
  };
}

describe('metrics', () => {
  it('metrics — the scrape is Prometheus text with laminar instruments and default process metrics', async () => {
    const { contentType, body } = await metricsText();
    expect(contentType).toMatch(/^text\/plain/);
    expect(body).toContain('# TYPE laminar_rows_in_total counter');
    expect(body).toContain('# TYPE laminar_flush_duration_seconds histogram');
    expect(body).toContain('# TYPE laminar_workers gauge');
    expect(body).toContain('process_cpu_user_seconds_total');
    expect(body).toContain('nodejs_eventloop_lag_seconds');
  });

  it('metrics — a sink counts rows in and out, bytes, flushes and commands per pipeline', async () => {
    const sink = await createSink(bodies('m_rows', { batchSize: 100 }), { logger: silent });
    const rows = Array.from({ length: 250 }, (_, i) => ({ id: i, v: 'x'.repeat(10) }));
    await sink.write(rows.slice(0, 120));
    await sink.write(rows.slice(120));
    await sink.flush();
    await sink.close();
    const t = { table: 'm_rows' };
    expect(await scrapeValue('laminar_rows_in_total', t)).toBe(250);
    expect(await scrapeValue('laminar_rows_out_total', t)).toBe(250);
    // 100 + 100 + 50 rows: three flushes, one SET per row.
    expect(await scrapeValue('laminar_flush_duration_seconds_count', t)).toBe(3);
    expect(await scrapeValue('laminar_flush_duration_seconds_sum', t)).toBeGreaterThan(0);
    expect(await scrapeValue('laminar_pipeline_commands_count', t)).toBe(3);
    expect(await scrapeValue('laminar_pipeline_commands_sum', t)).toBe(250);
    expect(await scrapeValue('laminar_pipeline_commands_bucket', { ...t, le: '100' })).toBe(3);
    const bytes = await scrapeValue('laminar_bytes_out_total', t);
    // Each row: key "m_rows:<id>" plus its JSON value {"id":<id>,"v":"xxxxxxxxxx"}.
    const expected = rows.reduce((n, r) => n + `m_rows:${r.id}`.length + JSON.stringify(r).length, 0);
    expect(bytes).toBe(expected);
    expect(await scrapeValue('laminar_errors_total', t)).toBeUndefined();
  });

  it('metrics — skipped and dead-lettered bad rows count by policy and as ERR_BAD_ROW errors', async () => {
    const skip = await createSink(bodies('m_skip', { onError: 'skip' }), { logger: silent });
    await skip.write([{ id: 1 }, { id: null }, { id: 2 }, { v: 'no id' }]);
    await skip.close();
    expect(await scrapeValue('laminar_rows_in_total', { table: 'm_skip' })).toBe(4);
    expect(await scrapeValue('laminar_rows_out_total', { table: 'm_skip' })).toBe(2);
    expect(await scrapeValue('laminar_rows_skipped_total', { table: 'm_skip' })).toBe(2);
    expect(await scrapeValue('laminar_errors_total', { table: 'm_skip', code: 'ERR_BAD_ROW' })).toBe(2);

    const dead = await createSink(bodies('m_dead', { onError: 'dead_letter' }), { logger: silent });
    await dead.write([{ id: null }, { id: 3 }]);
    await dead.close();
    expect(await scrapeValue('laminar_rows_dead_lettered_total', { table: 'm_dead' })).toBe(1);
    expect(await scrapeValue('laminar_errors_total', { table: 'm_dead', code: 'ERR_BAD_ROW' })).toBe(1);
    expect(await scrapeValue('laminar_rows_out_total', { table: 'm_dead' })).toBe(1);
  });

  it('metrics — a WRONGTYPE reply counts once under its code; the rows before it count as written', async () => {
    await redis.client.send(['SET', 'm_wrong:2', 'a string, not a list']);
    const list = { listPrefix: 'm_wrong:', listKeyColumn: 'id', operation: 'Append' };
    const sink = await createSink(bodies('m_wrong', {}, list), { logger: silent });
    await sink.write([{ id: 1 }, { id: 2 }, { id: 3 }]);
    await expect(sink.flush()).rejects.toBeInstanceOf(SinkWriteError);
    await sink.close().catch(() => {});
    const t = { table: 'm_wrong' };
    expect(await scrapeValue('laminar_errors_total', { ...t, code: 'WRONGTYPE' })).toBe(1);
    expect(await scrapeValue('laminar_rows_in_total', t)).toBe(3);
    expect(await scrapeValue('laminar_rows_out_total', t)).toBe(1);
    expect(await scrapeValue('laminar_flush_duration_seconds_count', t)).toBe(1);
    // A failed flush's payload is not counted as written.
    expect((await scrapeValue('laminar_bytes_out_total', t)) ?? 0).toBe(0);
  });

  it('metrics — write() time spent under backpressure is counted', async () => {
    const sink = await createSink(bodies('m_bp', { batchSize: 10 }), { logger: silent, maxInFlightRows: 10 });
    for (let i = 0; i < 5; i++) await sink.write(Array.from({ length: 20 }, (_, j) => ({ id: i * 20 + j })));
    await sink.close();
    expect(sink.stats.backpressureWaits).toBeGreaterThan(0);
    expect(await scrapeValue('laminar_backpressure_seconds_total', { table: 'm_bp' })).toBeGreaterThan(0);
  });

  it('metrics — redirections and retries are read from the RESP totals at scrape time', async () => {
    const moved = (await scrapeValue('laminar_redirections_total', { kind: 'moved' })) ?? 0;
    const tryagain = (await scrapeValue('laminar_retries_total', { reason: 'TRYAGAIN' })) ?? 0;
    respTotals.moved += 2;
    respTotals.transient.TRYAGAIN = (respTotals.transient.TRYAGAIN ?? 0) + 1;
    expect(await scrapeValue('laminar_redirections_total', { kind: 'moved' })).toBe(moved + 2);
    expect(await scrapeValue('laminar_redirections_total', { kind: 'ask' })).toBe(respTotals.ask);
    expect(await scrapeValue('laminar_retries_total', { reason: 'TRYAGAIN' })).toBe(tryagain + 1);
    expect(await scrapeValue('laminar_retries_total', { reason: 'reconnect' })).toBe(respTotals.reconnects);
  });

  it('metrics — checkpoints count by outcome with their duration, labelled by job', async () => {
    const clock = new ManualClock(1_000);
    let injected = -1;
    const coordinator = new CheckpointCoordinator({
      store: { write: async () => {} } as unknown as CheckpointStore,
      jobId: 'm_job',
      generation: 1,
      channels: ['c'],
      shards: ['s'],
      inject: (id) => {
        injected = id;
      },
      checkOwner: async () => {},
      intervalMs: 60_000,
      clock,
      logger: silent,
      onCompleted: () => {},
      onFailed: () => {},
    });
    const ack = (barrier: number, declined?: string): ShardAck => ({
      shard: 's',
      barrier,
      declined,
      state: { table: 't', slots: [0, 16383], rowsIn: 0, rowsWritten: 0, rowsDuplicate: 0, rowsSkipped: 0 },
    });
    coordinator.start(1);
    const done = coordinator.trigger();
    clock.advance(250);
    coordinator.onPosition({ channel: 'c', barrier: injected, position: 10, finished: false });
    coordinator.onAck(ack(injected));
    await done;
    expect(await scrapeValue('laminar_checkpoints_total', { job: 'm_job', outcome: 'completed' })).toBe(1);
    expect(await scrapeValue('laminar_checkpoint_duration_seconds_count', { job: 'm_job' })).toBe(1);
    expect(await scrapeValue('laminar_checkpoint_duration_seconds_sum', { job: 'm_job' })).toBeCloseTo(0.25);

    const next = coordinator.trigger();
    next.catch(() => {});
    coordinator.onPosition({ channel: 'c', barrier: injected, position: 11, finished: false });
    coordinator.onAck(ack(injected, 'WAIT 1: 0 of 1 replicas'));
    await Promise.resolve();
    expect(await scrapeValue('laminar_checkpoints_total', { job: 'm_job', outcome: 'declined' })).toBe(1);
    coordinator.stop();
  });
});
