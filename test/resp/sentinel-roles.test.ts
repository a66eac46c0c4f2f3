/**
 * The Sentinel client when a named server is not (or is no longer) the primary. A fake Sentinel
 * names whichever server the test says, so roles can be swapped without a real Sentinel racing to
 * repair them; the two data servers are real redis-server processes, read back with redis-cli.
 */
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectionError, createSentinel, type RedisSentinel } from '../../src/client.js';
import { cli, parseInfo, type RedisServer, startRedis } from '../support/redis.js';
import { until } from '../support/until.js';
import { type FakeServer, startFakeServer } from './fake-server.js';

let a: RedisServer;
let b: RedisServer;
/** The server the fake Sentinel names, and how often it was asked. */
let named: RedisServer;
let asked = 0;
let sentinel: FakeServer;

const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;

beforeAll(async () => {
  a = await startRedis();
  b = await startRedis();
  sentinel = await startFakeServer((command, socket: net.Socket) => {
    const name = command[0].toUpperCase();
    if (name === 'SENTINEL') {
      asked++;
      socket.write(`*2\r\n${bulk(named.host)}${bulk(String(named.port))}`);
    } else {
      // HELLO and SUBSCRIBE: this fake speaks neither (the +switch-master watch gives up on it).
      socket.write(`-ERR unknown command '${command[0]}'\r\n`);
    }
  });
});
afterAll(async () => {
  await sentinel?.close();
  await Promise.all([a?.stop(), b?.stop()]);
});

/** Makes `primary` the primary and `replica` its replica, once the replica is in sync. */
async function roles(primary: RedisServer, replica: RedisServer): Promise<void> {
  await cli(primary, 'replicaof', 'no', 'one');
  await cli(replica, 'replicaof', primary.host, String(primary.port));
  await until(
    'the replica to sync',
    async () => parseInfo(await cli(replica, 'info', 'replication')).master_link_status,
    (s) => s === 'up',
  );
}

async function connect(): Promise<RedisSentinel> {
  return createSentinel({ sentinels: [sentinel.url], masterName: 'mymaster', failoverTimeout: 20_000 });
}

describe('sentinel — roles', () => {
  it('sentinel — a server reporting role slave is never used; the client asks again until the primary is named', async () => {
    await roles(a, b);
    named = b;
    asked = 0;
    const connecting = connect();
    await until(
      'the replica to be named twice',
      () => asked,
      (n) => n >= 2,
    );
    named = a;
    const client = await connecting;
    try {
      expect(client.primaryAddress).toBe(`${a.host}:${a.port}`);
      expect(await client.send(['SET', 'roles:k', '1'])).toBe('OK');
      expect(await cli(a, 'get', 'roles:k')).toBe('1');
    } finally {
      await client.close();
    }
  });

  it('sentinel — READONLY from a demoted primary makes the client ask again; the refused writes go to the new primary', async () => {
    await roles(a, b);
    named = a;
    const client = await connect();
    try {
      expect(client.primaryAddress).toBe(`${a.host}:${a.port}`);
      // a is demoted behind the client's back: its connection stays open, and writes get READONLY.
      await roles(b, a);
      named = b;
      expect(await client.send(['SET', 'roles:one', '1'])).toBe('OK');
      expect(client.primaryAddress).toBe(`${b.host}:${b.port}`);
      expect(await cli(b, 'get', 'roles:one')).toBe('1');
      // A pipeline the replica refused whole is sent again whole.
      await roles(a, b);
      named = a;
      expect(
        await client.pipeline([
          ['SET', 'roles:p1', '1'],
          ['SET', 'roles:p2', '2'],
        ]),
      ).toEqual(['OK', 'OK']);
      expect(client.primaryAddress).toBe(`${a.host}:${a.port}`);
      expect(await cli(a, 'mget', 'roles:p1', 'roles:p2')).toBe('1\n2');
    } finally {
      await client.close();
    }
  });
  it('sentinel — WAIT after the primary changed rejects as outcome unknown: it would count none of the earlier writes', async () => {
    await roles(a, b);
    named = a;
    const client = await connect();
    try {
      await client.send(['SET', 'roles:w', '1']);
      expect(await client.waitReplicas(1, 5_000, [0, 16383])).toEqual([{ node: 'standalone', reply: 1 }]);
      await client.send(['SET', 'roles:w', '2']);
      // The primary changes between the write and the WAIT: a's connection is killed, b is named.
      await roles(b, a);
      named = b;
      await cli(a, 'client', 'kill', 'type', 'normal');
      await until(
        'the client to move to b',
        () => client.primaryAddress,
        (p) => p === `${b.host}:${b.port}`,
      );
      const err = await client.waitReplicas(1, 5_000, [0, 16383]).catch((e: unknown) => e);
      expect((err as ConnectionError).code).toBe('ERR_CONNECTION_OUTCOME_UNKNOWN');
      // Reported once: writes to b are then counted by a WAIT on b.
      await client.send(['SET', 'roles:w', '3']);
      expect(await client.waitReplicas(1, 5_000, [0, 16383])).toEqual([{ node: 'standalone', reply: 1 }]);
    } finally {
      await client.close();
    }
  });
});
