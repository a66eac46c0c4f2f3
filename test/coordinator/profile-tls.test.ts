/**
 * The REST front door of a profile with a tls block: stored as given, answered with its key
 * hidden, and tested against a real mutual-TLS server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../src/coordinator/control-plane.js';
import { type RedisServer, startRedisServer } from '../../src/dev/redis-server.js';
import { makeTlsMaterial, type TlsMaterial } from '../../src/dev/tls-files.js';
import { fakePlane } from './control-fixture.js';

let m: TlsMaterial;
let server: RedisServer;
let plane: ControlPlane;
let dir: string;

beforeAll(async () => {
  m = await makeTlsMaterial(await mkdtemp(join(tmpdir(), 'laminar-profile-tls-')));
  const f = m.files;
  server = await startRedisServer({
    tls: { certFile: f.serverCertFile, keyFile: f.serverKeyFile, caFile: f.caFile, authClients: 'yes' },
  });
  ({ plane, dir } = await fakePlane('laminar-profile-tls-plane-'));
});
afterAll(async () => {
  await server?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  if (m !== undefined) await rm(m.files.dir, { recursive: true, force: true });
});

const body = (name: string, tls: Record<string, unknown>) => ({
  name,
  connector: 'redis',
  config: { connection: { address: server.url }, tls },
});

describe('profile TLS over the control API', () => {
  it('control API — a profile with an inline key is answered with the key hidden, the CA shown', async () => {
    const key = m.key.toString();
    const view = await plane.createProfile(
      body('tls_inline', { ca: m.files.caFile, cert: m.cert.toString(), key }),
    );
    const shown = JSON.stringify([view, await plane.getProfile('tls_inline'), await plane.listProfiles()]);
    expect(shown).not.toContain(key.split('\n')[1]);
    expect(view.config).toMatchObject({ tls: { ca: m.files.caFile, key: '********' } });
  });

  it('control API — testing a stored profile connects with its CA, certificate and key', async () => {
    await plane.createProfile(
      body('tls_paths', { ca: m.files.caFile, cert: m.files.certFile, key: m.files.keyFile }),
    );
    const result = await plane.testProfile({ id: 'tls_paths' });
    expect(result).toMatchObject({ ok: true, mode: 'standalone' });
  });

  it('control API — a failed TLS test answers as any unreachable server does', async () => {
    // The test connects wherever the caller says: before PONG it tells nothing of what is there.
    const result = await plane.testProfile({ profile: body('tls_no_cert', { ca: m.files.caFile }) });
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/^connect failed: no Redis server answered at the profile's address/);
  });
});
