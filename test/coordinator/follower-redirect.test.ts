import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advertisedAddress, parseAdvertiseOptions } from '../../src/coordinator/advertise.js';
import { type CoordinatorHandle, startCoordinator } from '../../src/coordinator/coordinator.js';
import { createClient } from '../../src/resp/client.js';
import { ControlClient } from '../../src/wire/gen/laminar/redis/v1/control.js';
import { connectControl, unary } from '../../src/wire/grpc-clients.js';
import { ListenError } from '../../src/wire/listen.js';
import { leaderHint } from '../../src/wire/not-leader.js';
import { HEALTH_PATH, READY_PATH } from '../../src/wire/probes.js';
import { plainRequest } from '../support/plain-http.js';
import { findFreePort, type RedisServer, startRedis } from '../support/redis.js';
import { recordingLogger } from '../support/sink.js';
import { until } from '../support/until.js';

/**
 * A standby coordinator on a Redis state store sends control calls to the leader, as the leader
 * advertised itself beside the lease: HTTP with a 307 to the same path, gRPC with UNAVAILABLE
 * naming the leader (which connectControl follows) — after checking the token, as the leader does.
 */

const TOKEN = 'follower-test-token';
const auth = { authorization: `Bearer ${TOKEN}` };
let dir: string;
let redis: RedisServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laminar-follower-'));
  redis = await startRedis();
}, 60_000);

afterAll(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

function coordinator(
  name: string,
  store: string,
  grpcPort: number,
  httpPort: number,
): Promise<CoordinatorHandle> {
  return startCoordinator({
    dataDir: join(dir, name),
    state: `${redis.url}?store=${store}`,
    leaseTtlMs: 1_000,
    token: TOKEN,
    grpcPort,
    httpPort,
    logger: recordingLogger().logger,
  });
}

/**
 * A standby on ports chosen before it starts (it announces nothing until it leads), answering
 * `/healthz`. A port another process took between the pick and the listen gives a new pick.
 */
async function standbyOnFreePorts(name: string, store: string) {
  for (let attempt = 1; ; attempt++) {
    const [grpcPort, httpPort] = [await findFreePort(), await findFreePort()];
    const starting = coordinator(`${name}${attempt}`, store, grpcPort, httpPort);
    let failed: unknown;
    starting.catch((e: unknown) => {
      failed = e;
    });
    const http = `127.0.0.1:${httpPort}`;
    await until('standby /healthz or a failed start', async () => {
      if (failed !== undefined) return true;
      return (await plainRequest(http, HEALTH_PATH).catch(() => undefined)) !== undefined;
    });
    if (failed === undefined) return { starting, grpcPort, httpPort };
    if (!(failed instanceof ListenError) || attempt === 3) throw failed;
  }
}

const profile = (name: string) => ({
  name,
  connector: 'redis',
  config: { connection: { address: redis.url } },
});

/** The raw answer of a gRPC call, not following anything. */
function rawList(address: string, metadata: Metadata): Promise<ServiceError | undefined> {
  const client = new ControlClient(address, credentials.createInsecure());
  return new Promise((resolve) => {
    client.listConnectionProfiles({}, metadata, (err) => {
      client.close();
      resolve(err ?? undefined);
    });
  });
}

describe('standby coordinator — control calls go to the leader', () => {
  it('follower — HTTP 307 to the leader (token first), gRPC UNAVAILABLE naming it, connectControl follows', async () => {
    const leader = await coordinator('a', 'redirect', 0, 0);
    const { starting, grpcPort, httpPort } = await standbyOnFreePorts('b', 'redirect');
    let standby: CoordinatorHandle | undefined;
    starting.then((c) => (standby = c)).catch(() => {});
    const http = `127.0.0.1:${httpPort}`;
    const grpc = `127.0.0.1:${grpcPort}`;
    try {
      await until('standby /healthz', () => plainRequest(http, HEALTH_PATH).catch(() => undefined), Boolean);
      expect((await plainRequest(http, READY_PATH)).status).toBe(503);

      // Without the token: 401, and nothing said about the leader.
      const anonymous = await fetch(`http://${http}/v1/connection_profiles`, { redirect: 'manual' });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('location')).toBeNull();
      expect(await anonymous.text()).not.toContain(leader.httpAddress as string);

      // With it: 307 to the same path and query on the leader.
      const post = await fetch(`http://${http}/v1/connection_profiles?x=1`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(profile('via-standby')),
        redirect: 'manual',
      });
      expect(post.status).toBe(307);
      const location = post.headers.get('location') as string;
      expect(location).toBe(`http://${leader.httpAddress}/v1/connection_profiles?x=1`);
      const body = (await post.json()) as { error: Record<string, string> };
      expect(body.error).toMatchObject({ code: 'ERR_NOT_LEADER', leader: leader.httpAddress });
      expect(JSON.stringify(body)).not.toContain(TOKEN);
      // Following it as `curl --location-trusted` does: same method, body and token.
      const created = await fetch(location, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(profile('via-standby')),
      });
      expect(created.status).toBe(200);
      expect(await leader.plane.listProfiles()).toEqual([expect.objectContaining({ name: 'via-standby' })]);

      // gRPC: the token first, then UNAVAILABLE naming the leader's gRPC address.
      const refused = await rawList(grpc, new Metadata());
      expect(refused?.code).toBe(status.UNAUTHENTICATED);
      expect(leaderHint(refused)).toBeUndefined();
      const md = new Metadata();
      md.set('authorization', `Bearer ${TOKEN}`);
      const redirected = await rawList(grpc, md);
      expect(redirected?.code).toBe(status.UNAVAILABLE);
      expect(redirected?.metadata.get('laminar-code')).toEqual(['ERR_NOT_LEADER']);
      expect(leaderHint(redirected)).toBe(leader.grpcAddress);

      // The project's control client follows it: the standby's address answers with the leader's data.
      const control = connectControl({ address: grpc, token: TOKEN });
      try {
        const { data } = await unary(control, 'listConnectionProfiles', {});
        expect(data.map((p) => p.name)).toEqual(['via-standby']);
        // A server-streaming call is followed too: the answer is the leader's (no such pipeline).
        const watched = await new Promise<ServiceError>((resolve) => {
          const stream = control.watchPipeline({ id: 'pl_none' });
          stream.on('data', () => {});
          stream.on('error', resolve);
        });
        expect(watched.code).toBe(status.NOT_FOUND);
      } finally {
        control.close();
      }
      expect(standby).toBeUndefined();
    } finally {
      await leader.stop();
      standby = await starting;
      await standby.stop();
    }
  });

  it('follower — with no leader known (it advertises nothing), HTTP 503 ERR_NOT_LEADER and gRPC UNAVAILABLE without a leader', async () => {
    // A leader bound to a wildcard without --advertise names no address.
    const leader = await startCoordinator({
      dataDir: join(dir, 'c'),
      state: `${redis.url}?store=unknown`,
      leaseTtlMs: 1_000,
      token: TOKEN,
      grpcHost: '0.0.0.0',
      httpHost: '0.0.0.0',
      grpcPort: 0,
      httpPort: 0,
      logger: recordingLogger().logger,
    });
    const { starting, grpcPort, httpPort } = await standbyOnFreePorts('d', 'unknown');
    try {
      const http = `127.0.0.1:${httpPort}`;
      await until('standby /healthz', () => plainRequest(http, HEALTH_PATH).catch(() => undefined), Boolean);
      const answer = await plainRequest(http, '/v1/pipelines', { headers: auth });
      expect(answer.status).toBe(503);
      expect(answer.headers['retry-after']).toBe('1');
      expect(JSON.parse(answer.text).error.code).toBe('ERR_NOT_LEADER');
      const md = new Metadata();
      md.set('authorization', `Bearer ${TOKEN}`);
      const err = await rawList(`127.0.0.1:${grpcPort}`, md);
      expect(err?.code).toBe(status.UNAVAILABLE);
      expect(err?.metadata.get('laminar-code')).toEqual(['ERR_NOT_LEADER']);
      expect(leaderHint(err)).toBeUndefined();
    } finally {
      await leader.stop();
      await (await starting).stop();
    }
  });

  it('follower — a leader that stepped down redirects its HTTP callers to its successor', async () => {
    const old = await coordinator('e', 'stepdown', 0, 0);
    // The lease taken from under it, as when it was paused past its TTL: a successor gets it.
    const client = await createClient(redis.url);
    await client.send(['DEL', '{laminar-state:stepdown}:lease']);
    await client.close();
    const successor = await coordinator('f', 'stepdown', 0, 0);
    try {
      await old.steppedDown;
      const answer = await until(
        'a redirect to the successor',
        () => fetch(`http://${old.httpAddress}/v1/pipelines?limit=1`, { headers: auth, redirect: 'manual' }),
        (r) => r.status === 307,
      );
      expect(answer.headers.get('location')).toBe(`http://${successor.httpAddress}/v1/pipelines?limit=1`);
      expect((await fetch(`http://${old.httpAddress}/readyz`)).status).toBe(503);
    } finally {
      await old.stop();
      await successor.stop();
    }
  });
});

describe('advertised addresses', () => {
  it('advertise — the listen host with the bound port, unless a wildcard; explicit ones win', () => {
    expect(advertisedAddress(undefined, undefined, '127.0.0.1', 9190)).toBe('127.0.0.1:9190');
    expect(advertisedAddress(undefined, undefined, '::1', 9190)).toBe('[::1]:9190');
    expect(advertisedAddress(undefined, undefined, '0.0.0.0', 9190)).toBeUndefined();
    expect(advertisedAddress(undefined, undefined, '::', 9190)).toBeUndefined();
    expect(advertisedAddress(undefined, '10.1.2.3', '0.0.0.0', 9190)).toBe('10.1.2.3:9190');
    expect(advertisedAddress(undefined, 'fd00::7', '::', 8000)).toBe('[fd00::7]:8000');
    expect(advertisedAddress('coord-0.example:19190', '10.1.2.3', '0.0.0.0', 9190)).toBe(
      'coord-0.example:19190',
    );
  });

  it('advertise — a wildcard, a URL or a bad address is refused, naming the option', () => {
    expect(parseAdvertiseOptions({ advertiseHost: '10.0.0.1', advertiseGrpc: '[fd00::1]:9190' })).toEqual({
      host: '10.0.0.1',
      grpc: '[fd00::1]:9190',
    });
    for (const bad of [
      { advertiseHost: '0.0.0.0' },
      { advertiseHost: '::' },
      { advertiseHost: 'http://x' },
      { advertiseGrpc: 'host' },
      { advertiseGrpc: '0.0.0.0:9190' },
      { advertiseHttp: 'user:pw@host:80' },
      { advertiseHttp: 'host:70000' },
    ]) {
      expect(() => parseAdvertiseOptions(bad)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG' }));
    }
  });
});
