import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type RedisClient } from '../../src/index.js';
import { CommandEncoder } from '../../src/resp/encoder.js';
import {
  ConnectionError,
  OfflineQueueFullError,
  ProtocolError,
  TimeoutError,
} from '../../src/resp/errors.js';
import type { Command } from '../../src/resp/reply.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { type FakeServer, startFakeServer } from './fake-server.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!().catch(() => {});
});

async function server(): Promise<RedisServer> {
  const s = await startRedis();
  cleanup.push(async () => {
    s.kill('SIGCONT');
    await s.stop();
  });
  return s;
}

async function client(url: string, options: Parameters<typeof createClient>[1] = {}): Promise<RedisClient> {
  const c = await createClient(url, { reconnect: { initialDelay: 10, maxDelay: 100 }, ...options });
  cleanup.push(() => c.disconnect());
  return c;
}

async function fake(answer: Parameters<typeof startFakeServer>[0]): Promise<FakeServer> {
  const f = await startFakeServer(answer);
  cleanup.push(() => f.close());
  return f;
}

const sets = (n: number, prefix: string): Command[] =>
  Array.from({ length: n }, (_, i) => ['SET', `${prefix}${i}`, i]);

describe('client faults', () => {
  it('client — server killed mid-pipeline: every promise settles, then the client reconnects', async () => {
    const s = await server();
    const c = await client(s.url);
    const big = c.pipeline(sets(400_000, 'a:'));
    const singles = Array.from({ length: 1000 }, (_, i) => c.send(['INCR', `single:${i % 10}`]));
    await new Promise((r) => setTimeout(r, 15));
    s.kill('SIGKILL');
    const results = await Promise.allSettled([big, ...singles]);
    expect(results.every((r) => r.status === 'fulfilled' || r.reason instanceof ConnectionError)).toBe(true);
    const bigResult = results[0];
    expect(bigResult.status).toBe('rejected');
    const reason = (bigResult as PromiseRejectedResult).reason as ConnectionError;
    expect(reason.code).toBe('ERR_CONNECTION_OUTCOME_UNKNOWN');
    expect(reason.outcomeUnknown).toBe(true);

    // Not events.once: it would reject on the 'error' events of failed reconnect attempts.
    const ready = new Promise<void>((resolve) => c.once('ready', resolve));
    await s.restart();
    await ready;
    expect(await c.send(['PING'])).toBe('PONG');
  });

  it('client — commands wait in the offline queue while reconnecting, and a full queue fails clearly', async () => {
    const s = await server();
    const c = await client(s.url, { maxOfflineCommands: 100 });
    await c.send(['SET', 'x', '1']);
    const reconnecting = once(c, 'reconnecting');
    s.kill('SIGKILL');
    await reconnecting;
    const queued = Array.from({ length: 100 }, () => c.send(['INCR', 'x']));
    await expect(c.send(['PING'])).rejects.toBeInstanceOf(OfflineQueueFullError);
    await expect(c.pipeline([['PING'], ['PING']])).rejects.toMatchObject({ code: 'ERR_OFFLINE_QUEUE_FULL' });
    await s.restart();
    // The restarted server is empty: INCR starts from nothing and all 100 queued commands run, once.
    const values = await Promise.all(queued);
    expect(values).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('client — encoded commands wait in the offline queue too, count against its bound, and run once in order', async () => {
    const s = await server();
    const c = await client(s.url, { maxOfflineCommands: 3 });
    const reconnecting = once(c, 'reconnecting');
    s.kill('SIGKILL');
    await reconnecting;
    const enc = new CommandEncoder();
    for (const cmd of [
      ['RPUSH', 'l', 'a'],
      ['RPUSH', 'l', 'b'],
      ['LRANGE', 'l', 0, -1],
    ] as Command[])
      enc.encode(cmd);
    const encoded = { chunks: enc.take(), count: 3, name: 'RPUSH' };
    const queued = c.pipelineEncoded(encoded);
    await expect(c.send(['PING'])).rejects.toBeInstanceOf(OfflineQueueFullError);
    await s.restart();
    expect(await queued).toEqual([1, 2, ['a', 'b']]);
  });

  it('client — a command timeout rejects, and the late reply is not given to the next command', async () => {
    const s = await server();
    const c = await client(s.url, { commandTimeout: 150 });
    await c.send(['SET', 'late', 'old']);
    s.kill('SIGSTOP');
    const err = await c.send(['GET', 'late']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).code).toBe('ERR_TIMEOUT');
    s.kill('SIGCONT');
    expect(await c.send(['ECHO', 'fresh'])).toBe('fresh');
  });

  it('client — connect timeout when the server accepts but never answers', async () => {
    const s = await server();
    s.kill('SIGSTOP');
    const err = await createClient(s.url, { connectTimeout: 200, reconnect: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
  });

  it('client — backpressure: a stalled server holds writes in the client, and all land after it resumes', async () => {
    const s = await server();
    const c = await client(s.url);
    const value = Buffer.alloc(1024 * 1024, 0x61);
    s.kill('SIGSTOP');
    const cmds: Command[] = Array.from({ length: 48 }, (_, i) => ['SET', `bp:${i}`, value]);
    const p = c.pipeline(cmds);
    await new Promise((r) => setTimeout(r, 200));
    // The kernel takes a few MB; the client reports the rest as buffered and itself as blocked.
    expect(c.isBlocked).toBe(true);
    expect(c.bufferedBytes).toBeGreaterThan(16 * 1024 * 1024);
    const drained = once(c, 'drain');
    s.kill('SIGCONT');
    await drained;
    const replies = await p;
    expect(replies.every((r) => r === 'OK')).toBe(true);
    expect(await c.send(['STRLEN', 'bp:47'])).toBe(value.length);
    expect(c.bufferedBytes).toBe(0);
  });

  it('client — reconnect: false closes the client and fails what waits', async () => {
    const s = await server();
    const c = await createClient(s.url, { reconnect: false });
    cleanup.push(() => c.disconnect());
    const ended = once(c, 'end');
    s.kill('SIGKILL');
    await ended;
    await expect(c.send(['PING'])).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
  });
});

describe('client against a hostile server', () => {
  it('client — a reply announcing 2^32-1 elements fails the connection with a ProtocolError naming the bound; the client reconnects', async () => {
    const f = await fake((_cmd, socket, connection) => {
      // The count, then elements with no end in sight: only a bound on the count stops this early.
      if (connection === 0) socket.write(`*4294967295\r\n${':1\r\n'.repeat(100_000)}`);
      else socket.write('+PONG\r\n');
    });
    const c = await client(f.url, { protocol: 2 });
    const first = c.send(['LRANGE', 'l', 0, -1]).catch((e: unknown) => e);
    const second = c.send(['GET', 'k']).catch((e: unknown) => e);
    for (const err of [await first, await second]) {
      expect(err).toBeInstanceOf(ConnectionError);
      expect((err as ConnectionError).code).toBe('ERR_CONNECTION_OUTCOME_UNKNOWN');
      const cause = (err as Error).cause;
      expect(cause).toBeInstanceOf(ProtocolError);
      expect((cause as Error).message).toMatch(/4294967295 elements above maxAggregateLength \(16777216\)/);
    }
    expect(await c.send(['PING'])).toBe('PONG');
    expect(f.connections).toBe(2);
  });

  it('client — a reply that stops halfway times out, and the stuck connection is replaced', async () => {
    const f = await fake((cmd, socket, connection) => {
      // Half of `$10\r\n0123456789\r\n`, then silence: the server neither finishes nor closes.
      if (connection === 0) socket.write('$10\r\n01234');
      else socket.write(`+${cmd[0]}\r\n`);
    });
    const c = await client(f.url, { protocol: 2, commandTimeout: 200 });
    // Not events.once: it would reject on the 'error' event that comes first.
    const reconnecting = new Promise<{ error: Error | undefined }>((resolve) =>
      c.once('reconnecting', resolve),
    );
    const err = await c.send(['GET', 'k']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ code: 'ERR_TIMEOUT', timeoutMs: 200 });
    // Replies behind the stuck one could never arrive: the connection is dropped, not kept.
    const event = await reconnecting;
    expect(event.error).toBeInstanceOf(TimeoutError);
    expect(event.error?.message).toMatch(/stopped halfway/);
    expect(await c.send(['PING'])).toBe('PING');
    expect(f.connections).toBe(2);
  });

  it('client — a per-call timeout overrides commandTimeout, and WAIT gets its own wait on top', async () => {
    const f = await fake((cmd, socket) => {
      // Answers WAIT after 500 ms; half a reply to anything else, forever.
      if (cmd[0] === 'WAIT') setTimeout(() => socket.write(':0\r\n'), 500);
      else socket.write('$10\r\n01234');
    });
    const c = await client(f.url, { protocol: 2, commandTimeout: 100 });
    // WAIT may block 60 s on the server: 100 ms of commandTimeout must not cut it short.
    expect(await c.waitReplicas(1, 60_000, [0, 16383])).toEqual([{ node: 'standalone', reply: 0 }]);
    const off = await createClient(f.url, { protocol: 2, commandTimeout: 0, reconnect: false });
    cleanup.push(() => off.disconnect());
    const err = await off.send(['GET', 'k'], { timeout: 100 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_TIMEOUT', timeoutMs: 100 });
  });
});
