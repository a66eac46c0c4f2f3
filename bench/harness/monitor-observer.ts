/**
 * Child process: an independent witness of an open-loop run's latency. It opens its own TCP
 * connection to the redis-server, sends `MONITOR`, and for every command carrying the run's keys
 * notes the time Redis printed for it (the server's clock, microseconds) against the id of each row
 * in it (`"id":N` of the row's JSON; every SAMPLE_EVERY-th id is kept). When the parent says stop it
 * is told the run's wall-clock start and rate, so row N's intended send time is start + N / rate,
 * and it reports the percentiles of (executed − intended). No Redis client library: MONITOR output
 * is one `+…\r\n` line per command.
 *
 *   parent ──fork──▶ monitor-observer '{"url":…,"runId":…}'   ──MONITOR──▶ redis-server
 *   parent ◀─IPC──── ready            … the run …
 *   parent ──IPC───▶ stop { startWallMs, rate }
 *   parent ◀─IPC──── result { p50Ms, p99Ms, … }
 */
import { connect } from 'node:net';
import { type ObserverMessage, type ObserverStop, readSpec, SAMPLE_EVERY } from './harness-workload.js';

const send = (m: ObserverMessage) => process.send?.(m);
const spec = readSpec();
const url = new URL(spec.url);
/** Keys of the run as MONITOR quotes them: `"bench:<runId>:`. */
const KEY_MARK = `"bench:${spec.runId}:`;
/** The id column inside a quoted JSON value: `\"id\":`. */
const ID_MARK = '\\"id\\":';

const ids: number[] = [];
const executedAt: number[] = [];
let commands = 0;
let bytes = 0;
let rest = '';

function onLine(line: string): void {
  if (!line.includes(KEY_MARK)) return;
  commands++;
  // `+1733500000.123456 [0 127.0.0.1:5555] "SET" …`: seconds and microseconds, kept exact.
  const dot = line.indexOf('.');
  const space = line.indexOf(' ', dot);
  const ms = Number(line.slice(1, dot)) * 1000 + Number(line.slice(dot + 1, space)) / 1000;
  for (let at = line.indexOf(ID_MARK); at !== -1; at = line.indexOf(ID_MARK, at + ID_MARK.length)) {
    let end = at + ID_MARK.length;
    let id = 0;
    for (let c = line.charCodeAt(end); c >= 48 && c <= 57; c = line.charCodeAt(++end))
      id = id * 10 + (c - 48);
    if (id % SAMPLE_EVERY === 0) {
      ids.push(id);
      executedAt.push(ms);
    }
  }
}

const socket = connect({ host: url.hostname, port: Number(url.port) });
socket.on('error', (err) => {
  send({ kind: 'error', message: `MONITOR connection: ${err.message}` });
  process.exit(1);
});
socket.on('connect', () => socket.write('MONITOR\r\n'));
let ready = false;
socket.on('data', (chunk: Buffer) => {
  bytes += chunk.length;
  const text = rest + chunk.toString('latin1');
  const lines = text.split('\r\n');
  rest = lines.pop() ?? '';
  for (const line of lines) {
    if (!ready && line === '+OK') {
      ready = true;
      send({ kind: 'ready' });
      continue;
    }
    onLine(line);
  }
});

const percentile = (sorted: Float64Array, p: number) =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

process.on('message', (m: ObserverStop) => {
  if (m.kind !== 'stop') return;
  // Let MONITOR's last lines arrive: Redis prints them before it answers the commands.
  setTimeout(() => {
    socket.destroy();
    const latencies = new Float64Array(ids.length);
    for (let j = 0; j < ids.length; j++)
      latencies[j] = executedAt[j] - (m.startWallMs + (ids[j] * 1000) / m.rate);
    latencies.sort();
    send({
      kind: 'result',
      sampled: ids.length,
      commands,
      p50Ms: percentile(latencies, 50),
      p90Ms: percentile(latencies, 90),
      p99Ms: percentile(latencies, 99),
      p999Ms: percentile(latencies, 99.9),
      maxMs: latencies.length === 0 ? Number.NaN : latencies[latencies.length - 1],
      bytes,
    });
    process.disconnect?.();
  }, 500);
});
