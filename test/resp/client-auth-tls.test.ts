import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationError, createClient } from '../../src/index.js';
import { ConnectionError, ReplyError } from '../../src/resp/errors.js';
import { type AclRedis, startAclRedis, startTlsRedis, type TlsRedis } from '../support/redis.js';

describe('client with ACL', () => {
  let acl: AclRedis;
  beforeAll(async () => {
    acl = await startAclRedis();
  });
  afterAll(async () => {
    await acl?.server.stop();
  });

  it.each([3, 2] as const)('client — ACL user authenticates over RESP%i', async (protocol) => {
    const url = `redis://${acl.username}:${acl.password}@${acl.server.host}:${acl.server.port}`;
    const c = await createClient(url, { protocol });
    expect(await c.send(['ACL', 'WHOAMI'])).toBe(acl.username);
    await c.close();
  });

  it.each([3, 2] as const)(
    'client — a wrong password is a clear error without the secret (RESP%i)',
    async (protocol) => {
      const secret = 'wrong-Secret-123';
      const err = await createClient({
        host: acl.server.host,
        port: acl.server.port,
        username: acl.username,
        password: secret,
        protocol,
        reconnect: false,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthenticationError);
      expect((err as AuthenticationError).code).toBe('ERR_AUTH');
      expect((err as AuthenticationError).prefix).toBe('WRONGPASS');
      const everything = `${(err as Error).message} ${(err as Error).stack} ${JSON.stringify(err)}`;
      expect(everything).not.toContain(secret);
      expect((err as Error).message).toContain(acl.username);
    },
  );

  it('client — without credentials the first command fails with NOAUTH', async () => {
    const c = await createClient(acl.server.url, { protocol: 2 });
    const err = await c.send(['GET', 'k']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplyError);
    expect((err as ReplyError).prefix).toBe('NOAUTH');
    await c.close();
  });

  it('client — a user without rights gets NOPERM', async () => {
    const { username, password } = acl.reader;
    const c = await createClient({ host: acl.server.host, port: acl.server.port, username, password });
    await expect(c.send(['SET', 'k', 'v'])).rejects.toMatchObject({ prefix: 'NOPERM' });
    expect(await c.send(['GET', 'k'])).toBeNull();
    await c.close();
  });
});

describe('client with TLS', () => {
  let t: TlsRedis;
  beforeAll(async () => {
    t = await startTlsRedis();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('client — rediss:// with the CA verifies the server and works', async () => {
    const c = await createClient(t.server.url, { tls: { ca: t.ca } });
    expect(await c.send(['SET', 'tls', 'yes'])).toBe('OK');
    expect(await c.send(['GET', 'tls'])).toBe('yes');
    await c.close();
  });

  it('client — a client certificate is presented when given', async () => {
    const c = await createClient(t.server.url, { tls: { ca: t.ca, cert: t.cert, key: t.key } });
    expect(await c.send(['PING'])).toBe('PONG');
    await c.close();
  });

  it('client — a server certificate from the wrong CA is refused', async () => {
    const err = await createClient(t.server.url, { tls: { ca: t.wrongCa }, reconnect: false }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).written).toBe(false);
    expect(String((err as Error).message)).toMatch(/certificate/i);
  });

  it('client — TLS without the CA fails verification by default', async () => {
    const err = await createClient(t.server.url, { reconnect: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
  });
});
