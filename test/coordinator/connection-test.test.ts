import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testProfileConnection } from '../../src/coordinator/connection-test.js';
import { ControlPlane } from '../../src/coordinator/control-plane.js';
import { type HttpApi, startHttpApi } from '../../src/coordinator/http-api.js';
import { MetadataStore } from '../../src/coordinator/metadata-store.js';
import { parseProfile } from '../../src/sink/config/json.js';
import {
  type AclRedis,
  cli,
  findFreePort,
  type RedisServer,
  startAclRedis,
  startRedis,
} from '../support/redis.js';
import { FakeRuntime, quietLogger } from './fake-runtime.js';

/** The one sentence for every failure before a server answered PING with PONG. */
const NO_REDIS =
  "no Redis server answered at the profile's address (nothing listening, unreachable, too slow, or not Redis)";

let plain: RedisServer;
let acl: AclRedis;
let dir: string;
let plane: ControlPlane;
let api: HttpApi;

const profile = (name: string, address: string, extra: Record<string, unknown> = {}) => ({
  name,
  connector: 'redis',
  config: { connection: { address }, ...extra },
});

beforeAll(async () => {
  [plain, acl] = await Promise.all([startRedis(), startAclRedis()]);
  dir = await mkdtemp(join(tmpdir(), 'laminar-conntest-'));
  const store = await MetadataStore.open(dir);
  plane = new ControlPlane({
    store,
    runtime: new FakeRuntime(store),
    dataDir: dir,
    logger: quietLogger,
    test: { timeoutMs: 2_000, env: { ACL_PASSWORD: acl.password, WRONG_PASSWORD: 'not-the-password-123' } },
  });
  api = await startHttpApi({ plane, host: '127.0.0.1', port: 0, logger: quietLogger });
});

afterAll(async () => {
  await api?.close();
  await Promise.all([plain?.stop(), acl?.server.stop()]);
  await rm(dir, { recursive: true, force: true });
});

describe('connection test against redis-server', () => {
  it('test connection — a reachable server reports ok, standalone mode, its version and a latency', async () => {
    const version = (await cli(plain, 'INFO', 'server')).match(/redis_version:(\S+)/)?.[1];
    const result = await plane.testProfile({ profile: profile('local', plain.url) });
    expect(result).toEqual({
      ok: true,
      message: expect.stringContaining(`Redis ${version} (standalone)`),
      mode: 'standalone',
      serverVersion: version,
      latencyUs: expect.any(Number),
    });
    expect(result.latencyUs).toBeGreaterThan(0);
  });

  it('test connection — a stored profile is tested by id or name over HTTP, {{ VAR }} resolved from the env', async () => {
    const body = profile('acl', acl.server.url, { username: acl.username, password: '{{ ACL_PASSWORD }}' });
    const res0 = await fetch(`${api.url}/v1/connection_profiles`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    const created = (await res0.json()) as { id: string };
    for (const ref of [created.id, 'acl']) {
      const res = await fetch(`${api.url}/v1/connection_profiles/${ref}/test`, { method: 'POST' });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ ok: true, mode: 'standalone' });
    }
    const inline = await fetch(`${api.url}/v1/connection_profiles/test`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    expect(await inline.json()).toMatchObject({ ok: true });
  });

  it('test connection — a refused login is ok: false with a message that holds no secret', async () => {
    const inlinePassword = 'inline-wrong-pass-456';
    for (const password of ['{{ WRONG_PASSWORD }}', inlinePassword]) {
      const result = await plane.testProfile({
        profile: profile(
          'acl_bad',
          acl.server.url.replace('redis://', `redis://${acl.username}:${inlinePassword}@`),
          {
            username: acl.username,
            password,
          },
        ),
      });
      expect(result).toMatchObject({ ok: false, mode: '', serverVersion: '', latencyUs: 0 });
      expect(result.message).toBe('connect failed: Redis refused the login (WRONGPASS)');
      for (const secret of ['not-the-password-123', inlinePassword, acl.password])
        expect(result.message).not.toContain(secret);
    }
  });

  it('test connection — a missing variable, a closed port and a stalled server are ok: false results', async () => {
    const missing = await plane.testProfile({
      profile: profile('m', plain.url, { password: '{{ NOT_SET_ANYWHERE }}' }),
    });
    expect(missing).toMatchObject({ ok: false, message: expect.stringContaining('NOT_SET_ANYWHERE') });

    const port = await findFreePort();
    const closed = await plane.testProfile({ profile: profile('closed', `redis://127.0.0.1:${port}`) });
    expect(closed).toMatchObject({ ok: false, message: `connect failed: ${NO_REDIS}` });

    plain.kill('SIGSTOP');
    try {
      const started = Date.now();
      const stalled = await testProfileConnection(parseProfile(profile('stalled', plain.url)), {
        timeoutMs: 300,
      });
      // The same words as a closed port: the answer tells nothing about what listens there.
      expect(stalled).toMatchObject({ ok: false, message: `connect failed: ${NO_REDIS}` });
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      plain.kill('SIGCONT');
    }
  });

  it('test connection — a server that is not Redis reads like a closed port; its bytes are never shown', async () => {
    const banners = [
      'SSH-2.0-OpenSSH_9.6p1 BANNER-SECRET-42\r\n',
      'HTTP/1.1 200 OK\r\nServer: BANNER-SECRET-42\r\nContent-Length: 0\r\n\r\n',
      '-ERR BANNER-SECRET-42 unknown\r\n',
      '+BANNER-SECRET-42\r\n',
      '',
    ];
    for (const banner of banners) {
      const server = createServer((socket) => {
        socket.on('error', () => {});
        if (banner !== '') socket.write(banner);
        socket.on('data', () => {
          if (banner !== '') socket.write(banner);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      try {
        const result = await testProfileConnection(
          parseProfile(profile('peer', `redis://127.0.0.1:${port}`)),
          {
            timeoutMs: 1_000,
          },
        );
        expect(result, JSON.stringify(banner)).toEqual({
          ok: false,
          message: expect.stringMatching(/^(connect|PING) failed: /),
          mode: '',
          serverVersion: '',
          latencyUs: 0,
        });
        expect(result.message.replace(/^(connect|PING) failed: /, '')).toBe(NO_REDIS);
        expect(result.message).not.toContain('BANNER');
      } finally {
        server.close();
      }
    }
  });

  it('test connection — a table test checks the type of a fixed key', async () => {
    await plane.createProfile(profile('plain', plain.url));
    await cli(plain, 'DEL', 'leaderboard');
    await cli(plain, 'SET', 'leaderboard', 'a string');
    const list = await plane.createTable({
      name: 'leaderboard',
      connector: 'redis',
      connectionProfileId: 'plain',
      config: { connectorType: { target: { listPrefix: 'leaderboard', operation: 'Prepend' } } },
    });
    const wrong = await plane.testTable(list.id);
    expect(wrong).toMatchObject({ ok: false, mode: 'standalone' });
    expect(wrong.message).toContain(
      "key 'leaderboard' holds a string, where table 'leaderboard' writes a list",
    );
    await cli(plain, 'DEL', 'leaderboard');
    expect((await plane.testTable('leaderboard')).ok).toBe(true);
    const res = await fetch(`${api.url}/v1/connection_tables/leaderboard/test`, { method: 'POST' });
    expect(await res.json()).toMatchObject({ ok: true });
  });
});
