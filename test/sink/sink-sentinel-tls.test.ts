/**
 * A profile's tls block reaches the primary a Sentinel names: a TLS-only primary with a private
 * CA, a Sentinel on a plain port that reaches the primary over TLS itself.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisCli } from '../../src/dev/redis-cli.js';
import { type RedisServer, startRedisServer } from '../../src/dev/redis-server.js';
import { makeTlsMaterial, type TlsMaterial } from '../../src/dev/tls-files.js';
import { createSink } from '../../src/sink/create-sink.js';

let m: TlsMaterial;
let primary: RedisServer;
let sentinel: RedisServer;

beforeAll(async () => {
  m = await makeTlsMaterial(await mkdtemp(join(tmpdir(), 'laminar-sentinel-tls-')));
  const f = m.files;
  primary = await startRedisServer({
    tls: { certFile: f.serverCertFile, keyFile: f.serverKeyFile, caFile: f.caFile, authClients: 'optional' },
  });
  sentinel = await startRedisServer({
    args: ['--sentinel'],
    config: [
      `sentinel monitor tlsmaster ${primary.host} ${primary.port} 1`,
      // The Sentinel's own links to the primary go over TLS, with the same CA.
      'tls-replication yes',
      `tls-cert-file ${f.serverCertFile}`,
      `tls-key-file ${f.serverKeyFile}`,
      `tls-ca-cert-file ${f.caFile}`,
    ].join('\n'),
  });
});
afterAll(async () => {
  await Promise.all([sentinel?.stop(), primary?.stop()]);
  if (m !== undefined) await rm(m.files.dir, { recursive: true, force: true });
});

describe('sink TLS through Sentinel', () => {
  it('sink TLS — a Sentinel profile with a tls block writes to a TLS-only primary', async () => {
    const profile = {
      name: 'tls_sentinel',
      connector: 'redis',
      config: {
        connection: { sentinel: { addresses: [sentinel.url], masterName: 'tlsmaster' } },
        tls: { ca: m.files.caFile },
      },
    };
    const table = {
      name: 'st',
      connector: 'redis',
      config: { connectorType: { target: { keyPrefix: 'st:', keyColumn: 'id' } } },
    };
    const sink = await createSink({ profile, table });
    await sink.write([{ id: 'a' }]);
    await sink.flush();
    await sink.close();
    const got = await redisCli(primary, ['--tls', '--cacert', m.files.caFile, 'GET', 'st:a']);
    expect(got.stdout.trim()).toBe('{"id":"a"}');
  });
});
