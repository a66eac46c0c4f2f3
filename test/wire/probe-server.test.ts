import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type ProbeServer, startProbeServer } from '../../src/wire/probe-server.js';
import { HEALTH_PATH, READY_PATH } from '../../src/wire/probes.js';
import { notReady, READY, type ReadinessState } from '../../src/wire/readiness.js';
import { plainRequest as get } from '../support/plain-http.js';

/**
 * The probe-only server a process runs while its real HTTP server cannot start yet: alive, not
 * ready with the reason it is given, 503 on every other path, and its port free again once closed.
 */

const open: ProbeServer[] = [];

afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

describe('probe server', () => {
  it('probe server — alive, not ready for its reason, and 503 for anything else', async () => {
    let state: ReadinessState = notReady('starting');
    const s = await startProbeServer({
      host: '127.0.0.1',
      port: 0,
      readiness: { ready: () => state },
      what: 'HTTP API',
    });
    open.push(s);
    expect(await get(s.address, HEALTH_PATH)).toMatchObject({ status: 200, text: 'ok\n' });
    expect(await get(s.address, READY_PATH)).toMatchObject({ status: 503, text: 'not ready: starting\n' });
    expect(await get(s.address, '/v1/workers')).toMatchObject({ status: 503, text: 'not ready: starting\n' });
    state = READY;
    expect(await get(s.address, READY_PATH)).toMatchObject({ status: 200, text: 'ok\n' });
  });

  it('probe server — once closed, its port can be bound again at once', async () => {
    const s = await startProbeServer({
      host: '127.0.0.1',
      port: 0,
      readiness: { ready: () => READY },
      what: 'HTTP API',
    });
    // A kept-alive connection must not hold the port.
    await get(s.address, HEALTH_PATH, { headers: { connection: 'keep-alive' } });
    await s.close();
    const port = Number(s.address.split(':').at(-1));
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => again.close(resolve));
  });

  it('probe server — a port in use is ERR_LISTEN naming the server it stands in for', async () => {
    const s = await startProbeServer({
      host: '127.0.0.1',
      port: 0,
      readiness: { ready: () => READY },
      what: 'HTTP API',
    });
    open.push(s);
    const port = Number(s.address.split(':').at(-1));
    await expect(
      startProbeServer({ host: '127.0.0.1', port, readiness: { ready: () => READY }, what: 'HTTP API' }),
    ).rejects.toMatchObject({ code: 'ERR_LISTEN', message: expect.stringContaining('HTTP API') });
  });
});
