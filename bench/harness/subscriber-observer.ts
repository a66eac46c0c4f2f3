/**
 * Child process: an independent witness of an open-loop run's latency for a pub/sub table. It
 * opens its own TCP connection, `PSUBSCRIBE`s to the run's channels, and takes the time each
 * message reaches it (this machine's wall clock, the one the run's start is given in) as the time
 * the row in it (`"id":N` of its JSON) was delivered. Redis writes the message to the subscriber
 * in the same event-loop pass as the PUBLISH reply to the harness, so this is the closest an
 * outsider gets to the acknowledgement the harness times. No Redis client library: the JSON of a
 * row carries no line break, so the ids are found in the raw bytes.
 */
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { readSpec } from './harness-workload.js';
import { ObservedRows, sendToParent } from './observer-samples.js';

const spec = readSpec();
const url = new URL(spec.url);
const ID_MARK = '{"id":';
const rows = new ObservedRows();
let rest = '';
let ready = false;

const socket = connect({ host: url.hostname, port: Number(url.port) });
socket.on('error', (err) => {
  sendToParent({ kind: 'error', message: `subscriber connection: ${err.message}` });
  process.exit(1);
});
socket.on('connect', () => socket.write(`PSUBSCRIBE bench:${spec.runId}:*\r\n`));
socket.on('data', (chunk: Buffer) => {
  const now = performance.timeOrigin + performance.now();
  rows.bytes += chunk.length;
  const text = rest + chunk.toString('latin1');
  // Keep an unfinished frame (after the last CRLF) for the next chunk.
  const cut = text.lastIndexOf('\r\n') + 2;
  rest = text.slice(cut);
  const whole = text.slice(0, cut);
  if (!ready && whole.includes('psubscribe')) {
    ready = true;
    sendToParent({ kind: 'ready' });
  }
  for (let at = whole.indexOf(ID_MARK); at !== -1; at = whole.indexOf(ID_MARK, at + ID_MARK.length)) {
    rows.commands++;
    let end = at + ID_MARK.length;
    let id = 0;
    for (let c = whole.charCodeAt(end); c >= 48 && c <= 57; c = whole.charCodeAt(++end))
      id = id * 10 + (c - 48);
    rows.add(id, now);
  }
});
rows.answerStop(500, () => socket.destroy());
