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
import { idsInMessages } from './observed-text.js';
import { ObservedRows, sendToParent } from './observer-samples.js';

const spec = readSpec();
const url = new URL(spec.url);
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
  // Keep everything from the last CRLF on for the next chunk: a payload's id is read only after
  // the CRLF that opens it, so it must not be cut off from it.
  const cut = Math.max(0, text.lastIndexOf('\r\n'));
  rest = text.slice(cut);
  const whole = text.slice(0, cut);
  if (!ready && whole.includes('psubscribe')) {
    ready = true;
    sendToParent({ kind: 'ready' });
  }
  for (const id of idsInMessages(whole)) {
    rows.commands++;
    rows.add(id, now);
  }
});
rows.answerStop(500, () => socket.destroy());
