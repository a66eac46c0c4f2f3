/**
 * Child process: an independent witness of an open-loop run's latency for every table type. It
 * is a TCP relay the run connects through instead of the redis-server: bytes pass through at once
 * both ways, and on the side it reads the commands (which rows each carries: an argument that
 * starts with `{"id":N`) and counts the replies, so reply k of a connection answers its command
 * k. The time a reply's last bytes reach the relay (this machine's wall clock, the one the run's
 * start is given in) is the time each row of its command was acknowledged by Redis.
 *
 * Unlike MONITOR it costs Redis nothing, and unlike a subscriber it sees every table type; its own
 * CPU is part of the path it measures, so the full-speed rate the open loops are a fraction of is
 * measured through it too (harness-overhead.ts).
 *
 *   parent ──fork──▶ relay-observer '{"url":…}'        runBenchmark ──▶ relay ──▶ redis-server
 *   parent ◀─IPC──── ready { port }    … the run …
 *   parent ──IPC───▶ stop { startWallMs, rate }
 *   parent ◀─IPC──── result { p50Ms, p99Ms, … }
 */
import { connect, createServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import Denque from 'denque';
import { readSpec } from './harness-workload.js';
import { ObservedRows, sendToParent } from './observer-samples.js';
import { ReplyCounter, RequestScanner } from './relay-frames.js';

const spec = readSpec();
const upstream = new URL(spec.url);
const rows = new ObservedRows();
const sockets = new Set<Socket>();

/** Copies `from` into `to`, pausing `from` while `to` is full, and calls `look` on every chunk after it is passed on. */
function relay(from: Socket, to: Socket, look: (chunk: Buffer) => void): void {
  from.on('data', (chunk: Buffer) => {
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
    look(chunk);
  });
  from.on('end', () => to.end());
}

const server = createServer((client) => {
  const redis = connect({ host: upstream.hostname, port: Number(upstream.port) });
  for (const s of [client, redis]) {
    sockets.add(s);
    s.setNoDelay(true);
    s.on('error', () => {
      client.destroy();
      redis.destroy();
    });
    s.on('close', () => sockets.delete(s));
  }
  /** Per command sent and not yet answered: the sampled rows it carries (null: none). */
  const waiting = new Denque<number[] | null>();
  const requests = new RequestScanner((ids) => waiting.push(ids));
  const replies = new ReplyCounter();
  relay(client, redis, (chunk) => {
    rows.bytes += chunk.length;
    requests.feed(chunk);
  });
  relay(redis, client, (chunk) => {
    const at = performance.timeOrigin + performance.now();
    for (let n = replies.feed(chunk); n > 0; n--) {
      const ids = waiting.shift();
      if (ids === undefined) throw new Error('relay: a reply to no command');
      if (ids === null) continue;
      rows.commands++;
      for (const id of ids) rows.add(id, at);
    }
  });
});
server.on('error', (err) => {
  sendToParent({ kind: 'error', message: `relay: ${err.message}` });
  process.exit(1);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('relay: no TCP address');
  sendToParent({ kind: 'ready', port: address.port });
});
rows.answerStop(200, () => {
  server.close();
  for (const s of sockets) s.destroy();
});
