/**
 * Connections per node × pipelines in flight per connection, on a private redis-server: rows/s of
 * an at-least-once sink writing a list table and a string table, each setting run a few times so
 * the spread shows. The defaults of `'sink.connections_per_node'` and
 * `'sink.max_pipelines_in_flight'` come from these figures (docs/benchmarks.md).
 *
 *   npm run build && node dist/bench/connection-limits/connection-limits.js [rows] [runs] [1,2,4]
 */

import { createSink } from '../../src/sink/create-sink.js';
import type { SinkTable, Target } from '../../src/sink/model.js';
import { startBenchRedisServer } from '../common/bench-redis.js';

const ROWS = Number(process.argv[2] ?? 100_000);
const RUNS = Number(process.argv[3] ?? 3);
const KEYS = 1_000;
const CONNECTIONS = (process.argv[4] ?? '1,2,4').split(',').map(Number);
/** 1000 stands for no bound: the sink's 100 000 rows in flight are 100 flushes of 1000. */
const PIPELINES = [1, 2, 4, 8, 1000];

const TARGETS: Record<string, Target> = {
  list: { type: 'list', listPrefix: 'l:', listKeyColumn: 'k', operation: 'Append' },
  string: { type: 'string', keyPrefix: 's:', keyColumn: 'k' },
};

async function rowsPerSecond(
  url: string,
  target: Target,
  connections: number,
  pipelines: number,
): Promise<number> {
  const model: SinkTable = {
    name: 'bench',
    profile: { name: 'bench', connection: { kind: 'standalone', address: url } },
    target,
    format: 'json',
    onError: 'fail',
    batchSize: 1_000,
    flushIntervalMs: 100,
    delivery: 'at_least_once',
    connectionsPerNode: connections,
    maxPipelinesInFlight: pipelines,
  };
  const sink = await createSink({ model });
  const rows = Array.from({ length: 1_000 }, (_, i) => ({
    k: `k${i % KEYS}`,
    v: i,
    note: 'a row of a benchmark',
  }));
  const t0 = performance.now();
  for (let sent = 0; sent < ROWS; sent += rows.length) await sink.write(rows);
  await sink.flush();
  const seconds = (performance.now() - t0) / 1000;
  await sink.close();
  return ROWS / seconds;
}

const server = await startBenchRedisServer();
try {
  console.log(`rows=${ROWS} runs=${RUNS} keys=${KEYS} batch=1000; rows/s median [min–max]`);
  for (const [name, target] of Object.entries(TARGETS)) {
    for (const c of CONNECTIONS) {
      const cells: string[] = [];
      for (const p of PIPELINES) {
        const figures: number[] = [];
        for (let r = 0; r < RUNS; r++) {
          await server.cli('FLUSHALL');
          figures.push(await rowsPerSecond(server.url, target, c, p));
        }
        figures.sort((a, b) => a - b);
        const k = (n: number) => `${Math.round(n / 1000)}k`;
        cells.push(
          `p=${p} ${k(figures[Math.floor(figures.length / 2)])} [${k(figures[0])}–${k(figures.at(-1)!)}]`,
        );
      }
      console.log(`${name} c=${c}: ${cells.join(' | ')}`);
    }
  }
} finally {
  await server.stop();
}
