/**
 * A quick same-run comparison of the sink's at-least-once and exactly-once delivery for chosen
 * table types and shapes, without the peers, the references or the report files the `sink` suite
 * writes: for profiling and A/B work on the fenced path. With `--against <client>` the sink's
 * at-least-once delivery is compared with that client instead (a peer: `node-redis-grouped`).
 *
 *   node dist/bench/sink/sink-compare.js [--types counter,stream,sorted_set_incr] [--shapes flat,nested]
 *     [--rounds 3] [--count 1000000] [--against laminar-redis-eo]
 *
 * Each round runs both deliveries per table (order alternating per round) through the suite's own
 * child process and verification (sink-run.ts), then prints each run and the median ratio.
 */
import { parseArgs } from 'node:util';
import { startBenchRedisServer } from '../common/bench-redis.js';
import { fmt } from '../common/figures.js';
import { runSinkClient, type SinkRunRecord } from './sink-run.js';
import {
  CLIENT_IDS,
  type ClientId,
  FENCED_TYPES,
  SHAPES,
  type Shape,
  TABLE_TYPES,
  type TableType,
} from './sink-workload.js';

const { values } = parseArgs({
  options: {
    types: { type: 'string', default: FENCED_TYPES.join(',') },
    shapes: { type: 'string', default: SHAPES.join(',') },
    rounds: { type: 'string', default: '3' },
    count: { type: 'string', default: '1000000' },
    against: { type: 'string', default: 'laminar-redis-eo' },
  },
});
const against = values.against as ClientId;
if (!CLIENT_IDS.includes(against) || against === 'laminar-redis')
  throw new Error(`cannot compare with ${against}`);
const types = values.types!.split(',') as TableType[];
for (const t of types) if (!TABLE_TYPES.includes(t)) throw new Error(`unknown type ${t}`);
const shapes = values.shapes!.split(',') as Shape[];
for (const s of shapes) if (!SHAPES.includes(s)) throw new Error(`unknown shape ${s}`);
const rounds = Number(values.rounds);
const count = Number(values.count);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
};

/**
 * The load's commands by server time, each as µs per row and rows per call. A script's own figure
 * includes the commands it ran, which are listed under their names as well.
 */
function statsText(r: SinkRunRecord, rows: number): string {
  return [...r.commandStats]
    .sort((a, b) => b[1].usec - a[1].usec)
    .slice(0, 4)
    .map(
      ([name, { calls, usec }]) =>
        `${name} ${(usec / rows).toFixed(3)} µs/row (${fmt(rows / calls)} rows/call)`,
    )
    .join(', ');
}

const server = await startBenchRedisServer();
const results = new Map<string, { alo: SinkRunRecord[]; eo: SinkRunRecord[] }>();
try {
  for (let round = 0; round < rounds; round++) {
    for (const type of types) {
      for (const shape of shapes) {
        const key = `${type}/${shape}`;
        const slot = results.get(key) ?? { alo: [], eo: [] };
        results.set(key, slot);
        const order = round % 2 === 0 ? (['alo', 'eo'] as const) : (['eo', 'alo'] as const);
        for (const which of order) {
          const r = await runSinkClient(server, {
            client: which === 'eo' ? against : 'laminar-redis',
            type,
            shape,
            port: server.port,
            count,
            batch: 10_000,
            inflight: 4,
            deadlineMs: 120_000,
          });
          slot[which].push(r);
          console.log(
            `round ${round + 1} ${key} ${which === 'eo' ? against : which}: ${fmt(r.rowsPerSec)} rows/s, CPU ${((r.cpuSeconds / count) * 1e6).toFixed(2)} µs/row, ` +
              `server CPU ${r.serverCpuSeconds.toFixed(2)} s${r.failure ? `  !!! ${r.failure}` : ''}`,
          );
          console.log(`  server commands: ${statsText(r, count)}`);
        }
        const a = slot.alo[slot.alo.length - 1].rowsPerSec;
        const e = slot.eo[slot.eo.length - 1].rowsPerSec;
        console.log(`round ${round + 1} ${key} ratio ${against} / at-least-once ${(e / a).toFixed(2)}×`);
      }
    }
  }
} finally {
  await server.stop();
}
for (const [key, { alo, eo }] of results) {
  const ratios = alo.map((a, i) => eo[i].rowsPerSec / a.rowsPerSec);
  console.log(
    `${key}: at-least-once ${fmt(median(alo.map((r) => r.rowsPerSec)))} rows/s, ${against} ` +
      `${fmt(median(eo.map((r) => r.rowsPerSec)))} rows/s; ratio per round ${ratios.map((x) => x.toFixed(2)).join(' ')}, median ${median(ratios).toFixed(2)}×`,
  );
}
