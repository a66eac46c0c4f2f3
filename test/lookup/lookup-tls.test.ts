import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisCli } from '../../src/dev/redis-cli.js';
import { type RedisServer, startRedisServer } from '../../src/dev/redis-server.js';
import { makeTlsMaterial, type TlsMaterial } from '../../src/dev/tls-files.js';
import { createRedisLookup, LookupConfigError, parseLookupTable } from '../../src/lookup/index.js';
import { recordingLogger } from '../support/sink.js';

let m: TlsMaterial;
/** tls-auth-clients yes. */
let server: RedisServer;

beforeAll(async () => {
  m = await makeTlsMaterial(await mkdtemp(join(tmpdir(), 'laminar-lookup-tls-')));
  const f = m.files;
  server = await startRedisServer({
    tls: { certFile: f.serverCertFile, keyFile: f.serverKeyFile, caFile: f.caFile, authClients: 'yes' },
  });
  const tls = ['--tls', '--cacert', f.caFile, '--cert', f.certFile, '--key', f.keyFile];
  await redisCli(server, [...tls, 'SET', 'user:1', '{"name":"ada"}']);
});
afterAll(async () => {
  await server?.stop();
  if (m !== undefined) await rm(m.files.dir, { recursive: true, force: true });
});

describe('lookup TLS', () => {
  it("lookup TLS — 'tls.ca', 'tls.cert' and 'tls.key' ({{ VAR }} paths) reach a mutual-TLS server", async () => {
    const table = await parseLookupTable(`CREATE TEMPORARY TABLE users (id TEXT PRIMARY KEY, name TEXT)
      WITH (connector = 'redis', address = '${server.url}', 'lookup.key_prefix' = 'user:',
        'tls.ca' = '{{ CA }}', 'tls.cert' = '{{ CERT }}', 'tls.key' = '{{ KEY }}')`);
    expect(table.profile.tls).toEqual({ ca: '{{ CA }}', cert: '{{ CERT }}', key: '{{ KEY }}' });
    const env = { CA: m.files.caFile, CERT: m.files.certFile, KEY: m.files.keyFile };
    const lookup = await createRedisLookup(table, { env });
    try {
      expect(await lookup.lookup(['1', '2'])).toEqual([{ id: '1', name: 'ada' }, null]);
    } finally {
      await lookup.close();
    }
  });

  it("lookup TLS — 'tls.insecure' connects without the CA and warns through the lookup's logger", async () => {
    const table = await parseLookupTable(`CREATE TEMPORARY TABLE users (id TEXT PRIMARY KEY, name TEXT)
      WITH (connector = 'redis', address = '${server.url}', 'lookup.key_prefix' = 'user:',
        'tls.insecure' = 'true', 'tls.cert' = '${m.files.certFile}', 'tls.key' = '${m.files.keyFile}')`);
    const { logger, lines } = recordingLogger();
    const lookup = await createRedisLookup(table, { logger });
    try {
      expect(await lookup.lookup(['1'])).toEqual([{ id: '1', name: 'ada' }]);
    } finally {
      await lookup.close();
    }
    const warnings = lines.map((l) => JSON.parse(l)).filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ profile: 'users', option: 'tls.insecure' });
  });

  it("lookup TLS — a misspelt TLS option gets a suggestion, and 'tls.insecure' must be true or false", async () => {
    const table = (option: string) =>
      parseLookupTable(`CREATE TEMPORARY TABLE u (id TEXT PRIMARY KEY, name TEXT)
        WITH (connector = 'redis', address = 'rediss://127.0.0.1:1', ${option})`);
    await expect(table("'tls.server_nme' = 'x'")).rejects.toThrow(/did you mean 'tls\.server_name'/);
    const err = await table("'tls.insecure' = 'sometimes'").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LookupConfigError);
    expect((err as Error).message).toMatch(/'tls\.insecure' must be 'true' or 'false'/);
  });
});
