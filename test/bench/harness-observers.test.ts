import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idsInMessages, latencyPercentiles, parseMonitorLine } from '../../bench/harness/observed-text.js';
import { cli, type RedisServer, startRedis } from '../support/redis.js';
import { until } from '../support/until.js';

/** A raw connection that sent `command` and collects everything Redis answers, as latin1 text. */
async function rawConnection(
  server: RedisServer,
  command: string,
): Promise<{ socket: Socket; text: () => string }> {
  const socket = connect({ host: server.host, port: server.port });
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(`${command}\r\n`);
  return { socket, text: () => text };
}

describe('harness-overhead observers — reading what Redis shows them', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('observers — a MONITOR line gives Redis’s timestamp and every row id of its command', async () => {
    const monitor = await rawConnection(server, 'MONITOR');
    try {
      await until('MONITOR to answer +OK', () => monitor.text().startsWith('+OK\r\n'));
      const before = Date.now();
      await cli(server, 'SET', 'bench:r1:k1', '{"id":40,"key":"k1","page":"/a \\"b\\""}');
      await cli(server, 'RPUSH', 'bench:r1:k2', '{"id":50,"key":"k2"}', '{"id":60,"key":"k2"}');
      await cli(server, 'SET', 'other:k3', '{"id":70}');
      const after = Date.now();
      await until('MONITOR to print the last SET', () => monitor.text().includes('other:k3'));
      const commands = monitor
        .text()
        .split('\r\n')
        .map((line) => parseMonitorLine(line, '"bench:r1:'))
        .filter((c) => c !== null);
      expect(commands.map((c) => c.ids)).toEqual([[40], [50, 60]]);
      for (const c of commands) {
        // Redis's clock and this process's are the machine's; the microseconds are kept.
        expect(c.atMs).toBeGreaterThanOrEqual(before - 5);
        expect(c.atMs).toBeLessThanOrEqual(after + 5);
      }
    } finally {
      monitor.socket.destroy();
    }
  });

  it('observers — pub/sub frames give the id of every message, whatever its channel', async () => {
    const sub = await rawConnection(server, 'PSUBSCRIBE bench:r2:*');
    try {
      await until('the PSUBSCRIBE reply', () => sub.text().includes('psubscribe'));
      await cli(server, 'PUBLISH', 'bench:r2:k1', '{"id":10,"key":"k1"}');
      await cli(server, 'PUBLISH', 'bench:r2:k2', '{"id":123456,"n":{"id":9}}');
      await until('the second message', () => sub.text().includes('123456'));
      expect(idsInMessages(sub.text())).toEqual([10, 123456]);
    } finally {
      sub.socket.destroy();
    }
  });

  it('observers — other lines and a mark without digits give nothing', () => {
    expect(parseMonitorLine('+OK', '"bench:r1:')).toBeNull();
    expect(parseMonitorLine('+1.5 [0 127.0.0.1:1] "GET" "other"', '"bench:r1:')).toBeNull();
    expect(
      parseMonitorLine('+1733500000.000250 [0 127.0.0.1:1] "SCAN" "0" "MATCH" "bench:r1:*"', 'bench:r1:'),
    ).toEqual({
      atMs: 1_733_500_000_000.25,
      ids: [],
    });
    expect(idsInMessages('$8\r\n{"id":x}\r\n$7\r\n{"id":}\r\n')).toEqual([]);
  });

  it('observers — latency is time seen minus the row’s due time, percentiles by nearest rank', () => {
    // Rate 1000 rows/s from t = 10,000 ms: row N is due at 10,000 + N ms; each seen 1..100 ms late.
    const ids = Array.from({ length: 100 }, (_, j) => j * 10);
    const seenAt = ids.map((id, j) => 10_000 + id + (j + 1));
    expect(latencyPercentiles(ids, seenAt, 10_000, 1000)).toEqual({
      p50Ms: 50,
      p90Ms: 90,
      p99Ms: 99,
      p999Ms: 100,
      maxMs: 100,
    });
    expect(latencyPercentiles([], [], 0, 1).p99Ms).toBeNaN();
  });
});
