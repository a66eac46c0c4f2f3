/**
 * Child process: an independent witness of an open-loop run's latency for tables Redis keeps
 * (string, list). It opens its own TCP connection to the redis-server, sends `MONITOR`, and for
 * every command carrying the run's keys takes the time Redis printed for it (the server's clock,
 * microseconds) as the time each row in it (`\"id\":N` in the quoted JSON) was executed. No Redis
 * client library: MONITOR output is one `+…\r\n` line per command.
 *
 *   parent ──fork──▶ monitor-observer '{"url":…,"runId":…}'   ──MONITOR──▶ redis-server
 *   parent ◀─IPC──── ready            … the run …
 *   parent ──IPC───▶ stop { startWallMs, rate }
 *   parent ◀─IPC──── result { p50Ms, p99Ms, … }
 */
import { connect } from 'node:net';
import { readSpec } from './harness-workload.js';
import { parseMonitorLine } from './observed-text.js';
import { ObservedRows, sendToParent } from './observer-samples.js';

const spec = readSpec();
const url = new URL(spec.url);
/** Keys of the run as MONITOR quotes them. */
const KEY_MARK = `"bench:${spec.runId}:`;

const rows = new ObservedRows();
let rest = '';
let ready = false;

function onLine(line: string): void {
  const command = parseMonitorLine(line, KEY_MARK);
  if (command === null) return;
  rows.commands++;
  for (const id of command.ids) rows.add(id, command.atMs);
}

const socket = connect({ host: url.hostname, port: Number(url.port) });
socket.on('error', (err) => {
  sendToParent({ kind: 'error', message: `MONITOR connection: ${err.message}` });
  process.exit(1);
});
socket.on('connect', () => socket.write('MONITOR\r\n'));
socket.on('data', (chunk: Buffer) => {
  rows.bytes += chunk.length;
  const lines = (rest + chunk.toString('latin1')).split('\r\n');
  rest = lines.pop() ?? '';
  for (const line of lines) {
    if (!ready && line === '+OK') {
      ready = true;
      sendToParent({ kind: 'ready' });
    } else {
      onLine(line);
    }
  }
});
// Redis prints a command to MONITOR before it answers it; half a second covers the last ones.
rows.answerStop(500, () => socket.destroy());
