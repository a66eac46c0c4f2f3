import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, createClient, createCluster, TlsError } from '../../src/client.js';
import { redisCli } from '../../src/dev/redis-cli.js';
import { type RedisServer, startRedisServer } from '../../src/dev/redis-server.js';
import { makeServerCertificate, makeTlsMaterial, type TlsMaterial } from '../../src/dev/tls-files.js';

/** Everything an error shows: message, String(), stack and every cause's. */
function shown(err: unknown): string {
  const parts: string[] = [];
  for (let e = err, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) {
    // Own enumerable fields too (not a cause's peer certificate, which is circular and public).
    const own = Object.entries(e).filter(([, v]) => typeof v !== 'object' || v === null);
    parts.push(String(e), e.message, e.stack ?? '', JSON.stringify(Object.fromEntries(own)));
  }
  return parts.join('\n');
}

async function failure(promise: Promise<{ close(): Promise<void> }>): Promise<TlsError> {
  const outcome = await promise.then(
    async (c) => {
      await c.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(outcome).toBeInstanceOf(TlsError);
  return outcome as TlsError;
}

describe('client TLS options', () => {
  let m: TlsMaterial;
  /** tls-auth-clients optional, the CA's certificate for 127.0.0.1. */
  let server: RedisServer;
  /** tls-auth-clients yes. */
  let mutual: RedisServer;
  /** A certificate for redis.internal only. */
  let otherName: RedisServer;
  /** A certificate that has expired. */
  let expired: RedisServer;
  const keyText = () => m.key.toString('utf8');

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'laminar-tls-options-'));
    m = await makeTlsMaterial(dir);
    const f = m.files;
    const [named, old] = await Promise.all([
      makeServerCertificate(f, 'named', { altNames: ['DNS:redis.internal'] }),
      makeServerCertificate(f, 'expired', { altNames: ['IP:127.0.0.1'], days: -1 }),
    ]);
    const tls = (certFile: string, keyFile: string, authClients: 'optional' | 'yes') => ({
      tls: { certFile, keyFile, caFile: f.caFile, authClients },
    });
    [server, mutual, otherName, expired] = await Promise.all([
      startRedisServer(tls(f.serverCertFile, f.serverKeyFile, 'optional')),
      startRedisServer(tls(f.serverCertFile, f.serverKeyFile, 'yes')),
      startRedisServer(tls(named.certFile, named.keyFile, 'optional')),
      startRedisServer(tls(old.certFile, old.keyFile, 'optional')),
    ]);
  });
  afterAll(async () => {
    await Promise.all([server, mutual, otherName, expired].map((s) => s?.stop()));
    if (m !== undefined) await rm(m.files.dir, { recursive: true, force: true });
  });

  it('client TLS — a private CA given as a file path verifies the server', async () => {
    const c = await createClient(server.url, { tls: { ca: m.files.caFile } });
    expect(await c.send(['SET', 'tls:ca', 'path'])).toBe('OK');
    await c.close();
  });

  it('client TLS — a tls object turns TLS on for a redis:// URL', async () => {
    const url = `redis://${server.host}:${server.port}`;
    const c = await createClient(url, { tls: { ca: m.ca.toString('utf8') } });
    expect(await c.send(['PING'])).toBe('PONG');
    await c.close();
  });

  it('client TLS — without the CA the error is ERR_TLS_UNKNOWN_CA and names tls.ca', async () => {
    const err = await failure(createClient(server.url, { reconnect: false }));
    expect(err.code).toBe('ERR_TLS_UNKNOWN_CA');
    expect(err.option).toBe('tls.ca');
    expect(err.message).toContain("'tls.ca'");
    expect(err.reason).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|ISSUER/);
  });

  it('client TLS — a CA that did not sign the server is ERR_TLS_UNKNOWN_CA', async () => {
    const err = await failure(createClient(server.url, { tls: { ca: m.files.wrongCaFile } }));
    expect(err.code).toBe('ERR_TLS_UNKNOWN_CA');
    expect(err.message).toContain("the CA given as 'tls.ca' did not sign it");
  });

  it('client TLS — mutual TLS works with the client certificate and key as paths', async () => {
    const c = await createClient(mutual.url, {
      tls: { ca: m.files.caFile, cert: m.files.certFile, key: m.files.keyFile },
    });
    expect(await c.send(['PING'])).toBe('PONG');
    await c.close();
  });

  it('client TLS — a server that wants a client certificate and gets none is ERR_TLS_CLIENT_CERT_REFUSED', async () => {
    const err = await failure(createClient(mutual.url, { tls: { ca: m.files.caFile }, reconnect: false }));
    expect(err.code).toBe('ERR_TLS_CLIENT_CERT_REFUSED');
    expect(err.message).toContain("give 'tls.cert' and 'tls.key'");
  });

  it('client TLS — a client certificate from another CA is refused, and its key never shows', async () => {
    const wrongKey = m.wrongKey.toString('utf8');
    const err = await failure(
      createClient(mutual.url, {
        tls: { ca: m.files.caFile, cert: m.wrongCert.toString('utf8'), key: wrongKey },
        reconnect: false,
      }),
    );
    expect(err.code).toBe('ERR_TLS_CLIENT_CERT_REFUSED');
    expect(err.message).toContain("the client certificate given as 'tls.cert'");
    const body = wrongKey.split('\n')[1];
    expect(shown(err)).not.toContain(body);
  });

  it('client TLS — a certificate for another name is ERR_TLS_NAME_MISMATCH; serverName accepts it', async () => {
    const err = await failure(createClient(otherName.url, { tls: { ca: m.files.caFile } }));
    expect(err.code).toBe('ERR_TLS_NAME_MISMATCH');
    expect(err.option).toBe('tls.serverName');
    expect(err.message).toContain("'tls.serverName'");
    const c = await createClient(otherName.url, {
      tls: { ca: m.files.caFile, serverName: 'redis.internal' },
    });
    expect(await c.send(['PING'])).toBe('PONG');
    await c.close();
  });

  it('client TLS — an expired server certificate is ERR_TLS_CERT_EXPIRED', async () => {
    const err = await failure(createClient(expired.url, { tls: { ca: m.files.caFile } }));
    expect(err.code).toBe('ERR_TLS_CERT_EXPIRED');
    expect(err.option).toBeUndefined();
    expect(err.message).toContain('has expired');
  });

  it('client TLS — insecure connects whatever the certificate', async () => {
    for (const s of [expired, otherName]) {
      const c = await createClient(s.url, { tls: { insecure: true } });
      expect(await c.send(['PING'])).toBe('PONG');
      await c.close();
    }
  });

  it('client TLS — an unreadable CA file is ERR_TLS_FILE naming the path', async () => {
    const missing = join(m.files.dir, 'missing-ca.crt');
    const err = await failure(createClient(server.url, { tls: { ca: missing } }));
    expect(err.code).toBe('ERR_TLS_FILE');
    expect(err.option).toBe('tls.ca');
    expect(err.message).toContain(missing);
    expect(err.message).toContain('ENOENT');
  });

  it('client TLS — an unreadable key file is ERR_TLS_FILE without the key path', async () => {
    const missing = join(m.files.dir, 'secret-name.key');
    const err = await failure(
      createClient(mutual.url, { tls: { ca: m.files.caFile, cert: m.files.certFile, key: missing } }),
    );
    expect(err.code).toBe('ERR_TLS_FILE');
    expect(err.option).toBe('tls.key');
    expect(err.message).not.toContain('secret-name');
  });

  it('client TLS — a key that does not belong to the certificate is ERR_TLS_FILE, the key not shown', async () => {
    const err = await failure(
      createClient(mutual.url, {
        tls: { ca: m.files.caFile, cert: m.files.certFile, key: m.wrongKey.toString('utf8') },
      }),
    );
    expect(err.code).toBe('ERR_TLS_FILE');
    expect(err.option).toBe('tls.key');
    expect(shown(err)).not.toContain(m.wrongKey.toString('utf8').split('\n')[1]);
    expect(shown(err)).not.toContain(keyText().split('\n')[1]);
  });

  it('client TLS — minVersion below TLSv1.2 and a cert without key are refused up front', async () => {
    await expect(createClient(server.url, { tls: { minVersion: 'TLSv1.1' } })).rejects.toMatchObject({
      code: 'ERR_CONFIG',
      option: 'tls.minVersion',
    });
    const err = await createClient(server.url, { tls: { cert: m.files.certFile } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).option).toBe('tls.key');
  });

  it('client TLS — minVersion TLSv1.3 connects to a server that offers it', async () => {
    const c = await createClient(server.url, { tls: { ca: m.files.caFile, minVersion: 'TLSv1.3' } });
    expect(await c.send(['PING'])).toBe('PONG');
    await c.close();
  });
});

describe('cluster client TLS options', () => {
  let m: TlsMaterial;
  let node: RedisServer;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'laminar-tls-cluster-'));
    m = await makeTlsMaterial(dir);
    const f = m.files;
    const named = await makeServerCertificate(f, 'named', { altNames: ['DNS:redis.internal'] });
    // A one-node cluster whose certificate holds no address: every connection, seeds and the
    // nodes the slot map names, must carry the CA and serverName to get in.
    node = await startRedisServer({
      cluster: true,
      tls: { certFile: named.certFile, keyFile: named.keyFile, caFile: f.caFile, authClients: 'yes' },
    });
    const tlsArgs = [
      '--tls',
      '--cacert',
      f.caFile,
      '--cert',
      f.certFile,
      '--key',
      f.keyFile,
      '--sni',
      'redis.internal',
    ];
    const added = await redisCli(node, [...tlsArgs, 'CLUSTER', 'ADDSLOTSRANGE', '0', '16383']);
    expect(added.stdout.trim()).toBe('OK');
  });
  afterAll(async () => {
    await node?.stop();
    if (m !== undefined) await rm(m.files.dir, { recursive: true, force: true });
  });

  it('cluster TLS — the CA, client certificate and serverName reach every node connection', async () => {
    const c = await createCluster({
      addresses: [node.url],
      tls: { ca: m.files.caFile, cert: m.files.certFile, key: m.files.keyFile, serverName: 'redis.internal' },
    });
    for (let i = 0; i < 20; i++) expect(await c.send(['SET', `k${i}`, String(i)])).toBe('OK');
    expect(await c.send(['GET', 'k7'])).toBe('7');
    await c.close();
  });

  it('cluster TLS — without serverName the seed fails with the name mismatch', async () => {
    const err = await createCluster({
      addresses: [node.url],
      tls: { ca: m.files.caFile, cert: m.files.certFile, key: m.files.keyFile },
    }).catch((e: unknown) => e);
    expect(shown(err)).toContain('ERR_TLS_NAME_MISMATCH');
  });
});
