import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CoordinatorHandle, startCoordinator } from '../../src/coordinator/coordinator.js';
import { type HttpApi, startHttpApi } from '../../src/coordinator/http-api.js';
import { CoordinatorReadiness } from '../../src/coordinator/readiness.js';
import { HEALTH_PATH, READY_PATH } from '../../src/wire/probes.js';
import { notReady, READY, type ReadinessState } from '../../src/wire/readiness.js';
import { plainRequest as get } from '../support/plain-http.js';
import { recordingLogger } from '../support/sink.js';

/**
 * The coordinator's probes: `/healthz` and `/readyz` on its HTTP API answer without the bearer
 * token every other endpoint needs, say only `ok` or `not ready: <reason>`, and `/readyz` follows
 * the composed readiness (lifecycle first, then parts such as leadership).
 */

const TOKEN = 'probe-token-s3cr3t';
let dir: string;
const running: Array<{ stop(): Promise<void> } | { close(): Promise<void> }> = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laminar-probes-'));
});

afterEach(async () => {
  for (const r of running.splice(0).reverse()) await ('stop' in r ? r.stop() : r.close());
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function coordinator(): Promise<CoordinatorHandle> {
  const c = await startCoordinator({
    dataDir: join(dir, `c${n++}`),
    grpcPort: 0,
    httpPort: 0,
    token: TOKEN,
    logger: recordingLogger().logger,
  });
  running.push(c);
  return c;
}

describe('coordinator probes', () => {
  it('coordinator probes — /healthz and /readyz answer ok without the token the API needs', async () => {
    const c = await coordinator();
    const address = c.httpAddress as string;
    const health = await get(address, HEALTH_PATH);
    expect(health.status).toBe(200);
    expect(health.text).toBe('ok\n');
    expect(health.headers['content-type']).toMatch(/^text\/plain/);
    expect(health.headers['cache-control']).toBe('no-store');
    const ready = await get(address, READY_PATH);
    expect(ready.status).toBe(200);
    expect(ready.text).toBe('ok\n');
    // The rest of the API still wants the token, /metrics included.
    expect((await get(address, '/v1/workers')).status).toBe(401);
    expect((await get(address, '/metrics')).status).toBe(401);
    // A wrong token on a probe changes nothing: probes do not look at it.
    const withWrong = await get(address, READY_PATH, { headers: { authorization: 'Bearer nope' } });
    expect(withWrong.status).toBe(200);
  });

  it('coordinator probes — a query string, HEAD, and other methods', async () => {
    const c = await coordinator();
    const address = c.httpAddress as string;
    expect((await get(address, `${READY_PATH}?verbose=1`)).text).toBe('ok\n');
    const head = await get(address, HEALTH_PATH, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    const post = await get(address, READY_PATH, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('coordinator probes — /readyz flips with a readiness part and says only its reason', async () => {
    let state: ReadinessState = notReady('follower catching up');
    const plane = (await coordinator()).plane;
    const readiness = new CoordinatorReadiness([{ ready: () => state }]);
    const api: HttpApi = await startHttpApi({ plane, host: '127.0.0.1', port: 0, token: TOKEN, readiness });
    running.push(api);

    const starting = await get(api.address, READY_PATH);
    expect(starting.status).toBe(503);
    expect(starting.text).toBe('not ready: starting\n');
    // Alive while not ready: liveness must not restart a process that is only starting.
    expect((await get(api.address, HEALTH_PATH)).status).toBe(200);

    readiness.serving();
    const follower = await get(api.address, READY_PATH);
    expect(follower.status).toBe(503);
    expect(follower.text).toBe('not ready: follower catching up\n');

    state = READY;
    expect(await get(api.address, READY_PATH)).toMatchObject({ status: 200, text: 'ok\n' });

    readiness.stopping();
    expect(await get(api.address, READY_PATH)).toMatchObject({ status: 503, text: 'not ready: stopping\n' });
  });

  it('coordinator probes — a reason is one line, whatever a part returns', async () => {
    const plane = (await coordinator()).plane;
    const readiness = new CoordinatorReadiness([{ ready: () => notReady('two\nlines\r\nhere') }]);
    readiness.serving();
    const api = await startHttpApi({ plane, host: '127.0.0.1', port: 0, readiness });
    running.push(api);
    expect((await get(api.address, READY_PATH)).text).toBe('not ready: two lines here\n');
  });

  it('coordinator probes — the answers hold no token, address or data directory', async () => {
    const c = await coordinator();
    const address = c.httpAddress as string;
    for (const path of [HEALTH_PATH, READY_PATH]) {
      const r = await get(address, path, { headers: { authorization: `Bearer ${TOKEN}` } });
      const all = `${r.text}${JSON.stringify(r.headers)}`;
      expect(all).not.toContain(TOKEN);
      expect(all).not.toContain(c.grpcAddress);
      expect(all).not.toContain(dir);
      expect(r.text).toBe('ok\n');
    }
  });

  it('coordinator probes — a readiness part that throws is not ready, its message not shown', async () => {
    const plane = (await coordinator()).plane;
    const readiness = new CoordinatorReadiness([
      {
        ready: () => {
          throw new Error(`redis://user:${TOKEN}@10.0.0.1:6379 unreachable`);
        },
      },
    ]);
    readiness.serving();
    const api = await startHttpApi({ plane, host: '127.0.0.1', port: 0, readiness });
    running.push(api);
    expect(await get(api.address, READY_PATH)).toMatchObject({
      status: 503,
      text: 'not ready: readiness check failed\n',
    });
    expect((await get(api.address, HEALTH_PATH)).status).toBe(200);
  });

  it('coordinator readiness — starting, serving, stopping, and stopping is final', () => {
    const r = new CoordinatorReadiness();
    expect(r.ready()).toEqual({ ok: false, reason: 'starting' });
    r.serving();
    expect(r.ready()).toEqual({ ok: true });
    r.stopping();
    r.serving();
    expect(r.ready()).toEqual({ ok: false, reason: 'stopping' });
  });

  it('coordinator readiness — parts are asked in order, the first unready one answers', () => {
    const r = new CoordinatorReadiness([
      { ready: () => READY },
      { ready: () => notReady('first') },
      { ready: () => notReady('second') },
    ]);
    r.serving();
    expect(r.ready()).toEqual({ ok: false, reason: 'first' });
  });
});
