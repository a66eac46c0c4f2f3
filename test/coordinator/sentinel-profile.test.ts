/**
 * A Sentinel connection profile through the coordinator's HTTP API: stored, shown with its
 * Sentinel password redacted, and tested against real Sentinels.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlPlane } from '../../src/coordinator/control-plane.js';
import { type HttpApi, startHttpApi } from '../../src/coordinator/http-api.js';
import { MetadataStore } from '../../src/coordinator/metadata-store.js';
import { type SentinelGroup, startSentinelGroup } from '../../src/dev/redis-sentinel.js';
import { FakeRuntime, quietLogger } from './fake-runtime.js';

let group: SentinelGroup;
let dir: string;
let api: HttpApi;

beforeAll(async () => {
  group = await startSentinelGroup({ sentinels: 1, replicas: 0 });
  dir = await mkdtemp(join(tmpdir(), 'laminar-sentinel-profile-'));
  const store = await MetadataStore.open(dir);
  const plane = new ControlPlane({
    store,
    runtime: new FakeRuntime(store),
    dataDir: dir,
    logger: quietLogger,
    test: { timeoutMs: 10_000, env: {} },
  });
  api = await startHttpApi({ plane, host: '127.0.0.1', port: 0, logger: quietLogger });
});
afterAll(async () => {
  await api?.close();
  await group?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const body = (masterName: string) => ({
  name: `ha_${masterName}`,
  connector: 'redis',
  config: {
    connection: {
      sentinel: { addresses: group.sentinelUrls, masterName, password: 'sentinel-secret-789' },
    },
  },
});

describe('coordinator — Sentinel profiles', () => {
  it('coordinator sentinel — a Sentinel profile is stored, shown redacted and tested against the primary', async () => {
    const created = await fetch(`${api.url}/v1/connection_profiles`, {
      method: 'POST',
      body: JSON.stringify(body(group.masterName)),
    });
    expect(created.status).toBeLessThan(300);
    const { id } = (await created.json()) as { id: string };
    const shown = await (await fetch(`${api.url}/v1/connection_profiles/${id}`)).text();
    expect(shown).toContain(group.masterName);
    expect(shown).not.toContain('sentinel-secret-789');
    const tested = await fetch(`${api.url}/v1/connection_profiles/${id}/test`, { method: 'POST' });
    expect(await tested.json()).toMatchObject({ ok: true, mode: 'standalone' });
  });

  it('coordinator sentinel — testing a profile with an unknown master name says so', async () => {
    const tested = await fetch(`${api.url}/v1/connection_profiles/test`, {
      method: 'POST',
      body: JSON.stringify(body('nosuchmaster')),
    });
    const result = (await tested.json()) as { ok: boolean; message: string };
    expect(result.ok).toBe(false);
    expect(result.message).toBe("connect failed: no Sentinel monitors a master named 'nosuchmaster'");
    expect(result.message).not.toContain('sentinel-secret-789');
  });
});
