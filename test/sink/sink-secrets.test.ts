/**
 * Secrets and row contents stay out of errors and logs, and authorization failures are never
 * mistaken for success. Every password here is a distinctive marker, and each check searches the
 * whole error (message, stack, JSON, `util.inspect` with causes) or every log line for it.
 */
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationError, createClient, MissingSecretError, SinkWriteError } from '../../src/index.js';
import { createSink } from '../../src/sink/create-sink.js';
import { BadRowError } from '../../src/sink/errors.js';
import {
  type AclRedis,
  cli,
  type RedisCluster,
  type RedisServer,
  redisCli,
  startAclRedis,
  startCluster,
  startRedis,
} from '../support/redis.js';
import { recordingLogger } from '../support/sink.js';

const PASSWORD = 'Pw-4c8e-secret-marker';
const WRONG = 'Wrong-77f1-secret-marker';
const SCOPED = { username: 'scoped', password: 'Scoped-0d3a-secret-marker' };
const ROW_MARKER = 'ROW-CONTENT-9e2b-marker';

let acl: AclRedis;
let plain: RedisServer;
let cluster: RedisCluster;

beforeAll(async () => {
  [acl, plain, cluster] = await Promise.all([
    // `scoped` may write only keys under `ok:`; `reader` (from the helper) may not write at all.
    startAclRedis({ config: `user ${SCOPED.username} on >${SCOPED.password} ~ok:* &* +@all` }),
    startRedis({ config: `requirepass ${PASSWORD}` }),
    startCluster({ masters: 3, replicasPerMaster: 0 }),
  ]);
  for (const n of cluster.nodes) await cli(n, 'config', 'set', 'requirepass', PASSWORD);
});
afterAll(async () => {
  await Promise.all([acl?.server.stop(), plain?.stop(), cluster?.stop()]);
});

/** Everything an error shows: message, stack, JSON, and `util.inspect` with hidden fields and causes. */
function allOf(err: unknown): string {
  const parts: string[] = [inspect(err, { depth: 20, showHidden: true })];
  const seen = new Set<unknown>();
  let e = err;
  while (e instanceof Error && !seen.has(e)) {
    seen.add(e);
    parts.push(e.message, e.stack ?? '', JSON.stringify(e), JSON.stringify(e, Object.getOwnPropertyNames(e)));
    for (const inner of (e as { errors?: unknown[] }).errors ?? []) parts.push(allOf(inner));
    e = e.cause;
  }
  return parts.join('\n');
}

function expectNoSecret(text: string, ...secrets: string[]): void {
  for (const s of [PASSWORD, WRONG, SCOPED.password, acl.password, acl.reader.password, ...secrets]) {
    expect(text).not.toContain(s);
  }
}

const port = (url: string) => url.slice(url.lastIndexOf(':') + 1);

/** A string table on the ACL server, authenticating as `user` with `{{ REDIS_PASSWORD }}`. */
function aclTable(
  name: string,
  user: string,
  extra = '',
  columns = 'id TEXT, v TEXT',
  target?: string,
): string {
  return `CREATE TABLE ${name} (${columns}) WITH (
    connector = 'redis',
    address = '${acl.server.url}',
    username = '${user}',
    password = '{{ REDIS_PASSWORD }}',
    type = 'sink',
    ${target ?? `'sink.type' = 'string', 'sink.key_prefix' = '${name}:', 'sink.key_column' = 'id'`}${extra}
  )`;
}

describe('secrets', () => {
  it('secrets — {{ REDIS_PASSWORD }} comes from the env option and is never stored resolved', async () => {
    expect(process.env.REDIS_PASSWORD).toBeUndefined();
    const { logger, lines } = recordingLogger();
    const sink = await createSink(
      { sql: aclTable('resolved', acl.username) },
      { env: { REDIS_PASSWORD: acl.password }, logger },
    );
    await sink.write([{ id: 'a', v: 'x' }]);
    await sink.flush();
    expect(sink.stats.rowsWritten).toBe(1);
    expect(sink.table.profile.password).toBe('{{ REDIS_PASSWORD }}');
    expectNoSecret(JSON.stringify(sink.table));
    expectNoSecret(inspect(sink, { depth: 10 }));
    await sink.close();
    expectNoSecret(lines.join('\n'));
    const c = await createClient(acl.server.url, { username: acl.username, password: acl.password });
    expect(await c.send(['GET', 'resolved:a'])).toBe('{"id":"a","v":"x"}');
    await c.close();
  });

  it('secrets — a wrong password fails createSink with WRONGPASS, and no password anywhere in the error or logs', async () => {
    const { logger, lines } = recordingLogger();
    const err = await createSink(
      { sql: aclTable('wrong', acl.username) },
      { env: { REDIS_PASSWORD: WRONG }, logger },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ code: 'ERR_AUTH', prefix: 'WRONGPASS' });
    expectNoSecret(allOf(err));
    expectNoSecret(lines.join('\n'));
  });

  it('secrets — a wrong password inline in the address URL is not echoed either', async () => {
    const address = `redis://${acl.username}:{{ REDIS_PASSWORD }}@127.0.0.1:${port(acl.server.url)}`;
    const sql = `CREATE TABLE inline_pw (id TEXT, v TEXT) WITH (connector = 'redis', address = '${address}',
      type = 'sink', 'sink.type' = 'string', 'sink.key_prefix' = 'i:', 'sink.key_column' = 'id')`;
    const err = await createSink({ sql }, { env: { REDIS_PASSWORD: WRONG } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expectNoSecret(allOf(err));
  });

  it('secrets — a missing variable is named, and no value of the environment is shown', async () => {
    const env = { REDIS_USER: 'user-value-3a1f-marker', OTHER: PASSWORD };
    const sql = aclTable('missing', '{{ REDIS_USER }}');
    const err = await createSink({ sql }, { env }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingSecretError);
    expect(err).toMatchObject({ code: 'ERR_SECRET_MISSING' });
    expect((err as Error).message).toContain('REDIS_PASSWORD');
    expectNoSecret(allOf(err), env.REDIS_USER);

    const hostless = `CREATE TABLE hostless (id TEXT) WITH (connector = 'redis',
      address = 'redis://{{ REDIS_HOST }}:${port(acl.server.url)}', type = 'sink',
      'sink.type' = 'string', 'sink.key_prefix' = 'h:', 'sink.key_column' = 'id')`;
    const err2 = await createSink({ sql: hostless }, { env }).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(MissingSecretError);
    expect((err2 as Error).message).toContain('REDIS_HOST');
    expectNoSecret(allOf(err2), env.REDIS_USER);
  });

  it('secrets — on cluster, the password reaches every node; a wrong one fails without being shown', async () => {
    const addresses = cluster.addresses.map((a) => `redis://${a}`).join(',');
    const sql = `CREATE TABLE cl (id TEXT, v TEXT) WITH (connector = 'redis', 'cluster.addresses' = '${addresses}',
      password = '{{ REDIS_PASSWORD }}', type = 'sink', 'sink.type' = 'string', 'sink.key_prefix' = 'cl:',
      'sink.key_column' = 'id')`;
    const { logger, lines } = recordingLogger();
    const err = await createSink({ sql }, { env: { REDIS_PASSWORD: WRONG }, logger }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(allOf(err)).toMatch(/WRONGPASS/);
    expectNoSecret(allOf(err));

    const sink = await createSink({ sql }, { env: { REDIS_PASSWORD: PASSWORD }, logger });
    const rows = Array.from({ length: 300 }, (_, i) => ({ id: `k${i}`, v: String(i) }));
    await sink.write(rows);
    await sink.flush();
    expect(sink.stats.rowsWritten).toBe(300);
    await sink.close();
    // Keys on all three masters: the client authenticated to the nodes it discovered, not only the seed.
    for (const n of cluster.nodes) {
      const r = await redisCli(n, ['-a', PASSWORD, 'dbsize']);
      expect(Number(r.stdout.trim())).toBeGreaterThan(0);
    }
    expectNoSecret(lines.join('\n'));
  });
});

describe('logs', () => {
  const target = `'sink.type' = 'string', 'sink.key_prefix' = 'lg:', 'sink.key_column' = 'id'`;
  const columns = 'id TEXT, v TEXT, n DOUBLE';
  /** Good and bad rows, every one carrying the marker in a value column; bad ones also in the key. */
  const rows = [
    { id: 'good-1', v: ROW_MARKER, n: 1 },
    { id: null, v: ROW_MARKER, n: 2 },
    { id: `${ROW_MARKER}-nan`, v: ROW_MARKER, n: Number.NaN },
    { v: ROW_MARKER, n: 3 },
    { id: '', v: ROW_MARKER, n: 4 },
    { id: 'good-2', v: ROW_MARKER, n: 5 },
  ];

  it.each(['skip', 'dead_letter'])(
    'logs — policy %s logs bad rows without their contents or the password',
    async (policy) => {
      const { logger, lines } = recordingLogger();
      const sql = aclTable(`lg_${policy}`, acl.username, `, 'sink.on_error' = '${policy}'`, columns, target);
      const sink = await createSink({ sql }, { env: { REDIS_PASSWORD: acl.password }, logger });
      await sink.write(rows);
      await sink.flush();
      await sink.close();
      expect(sink.stats.rowsWritten).toBe(2);
      expect(policy === 'skip' ? sink.stats.rowsSkipped : sink.stats.rowsDeadLettered).toBe(4);
      if (policy === 'skip') {
        expect(lines.length).toBe(4);
        expect(lines.every((l) => l.includes('bad row skipped'))).toBe(true);
      }
      const log = lines.join('\n');
      expect(log).not.toContain(ROW_MARKER);
      expectNoSecret(log);
      if (policy === 'dead_letter') {
        // The contents went where they belong: the dead-letter list.
        const c = await createClient(acl.server.url, { username: acl.username, password: acl.password });
        const dead = (await c.send(['LRANGE', `lg_${policy}:dead_letter`, 0, -1])) as string[];
        await c.close();
        expect(dead.length).toBe(4);
        expect(dead.every((d) => d.includes(ROW_MARKER))).toBe(true);
      }
    },
  );

  it('logs — policy fail logs the failure without the row', async () => {
    const { logger, lines } = recordingLogger();
    const sql = aclTable('lg_fail', acl.username, '', columns, target);
    const sink = await createSink({ sql }, { env: { REDIS_PASSWORD: acl.password }, logger });
    const err = await sink.write(rows).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRowError);
    await sink.close().catch(() => {});
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(ROW_MARKER);
    expect(allOf(err)).not.toContain(ROW_MARKER);
    expectNoSecret(lines.join('\n') + allOf(err));
  });
});

describe('authorization errors', () => {
  const targets = {
    string: `'sink.type' = 'string', 'sink.key_prefix' = 'ro:', 'sink.key_column' = 'id'`,
    list: `'sink.type' = 'list', 'sink.list_prefix' = 'ro:', 'sink.list_key_column' = 'id', 'sink.operation' = 'Append', 'sink.max_length' = '10'`,
    hash: `'sink.type' = 'hash', 'sink.hash_key_prefix' = 'ro:', 'sink.hash_key_column' = 'id', 'sink.hash_field_column' = 'v'`,
  };
  const commands = { string: 'SET', list: 'RPUSH', hash: 'HSET' };

  it.each(['string', 'list', 'hash'] as const)(
    'auth — a user without write permission gets NOPERM as SinkWriteError on a %s table, never success',
    async (kind) => {
      const { logger, lines } = recordingLogger();
      const sql = aclTable(`ro_${kind}`, acl.reader.username, '', 'id TEXT, v TEXT', targets[kind]);
      const sink = await createSink({ sql }, { env: { REDIS_PASSWORD: acl.reader.password }, logger });
      await sink.write([{ id: 'k1', v: ROW_MARKER }]);
      const err = await sink.flush().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SinkWriteError);
      expect(err).toMatchObject({
        code: 'ERR_SINK_WRITE',
        prefix: 'NOPERM',
        command: commands[kind],
        key: 'ro:k1',
      });
      expect(sink.stats.rowsWritten).toBe(0);
      await expect(sink.close()).rejects.toBe(err);
      expectNoSecret(allOf(err) + lines.join('\n'));
      expect(allOf(err) + lines.join('\n')).not.toContain(ROW_MARKER);
      expect(await cli(acl.server, '--user', acl.username, '--pass', acl.password, 'exists', 'ro:k1')).toBe(
        '0',
      );
    },
  );

  it('auth — a user whose key patterns exclude the prefix gets NOPERM naming the key', async () => {
    const sql = aclTable(
      'scoped',
      SCOPED.username,
      '',
      'id TEXT, v TEXT',
      `'sink.type' = 'string', 'sink.key_prefix' = 'nope:', 'sink.key_column' = 'id'`,
    );
    const sink = await createSink(
      { sql },
      { env: { REDIS_PASSWORD: SCOPED.password }, logger: recordingLogger().logger },
    );
    await sink.write([{ id: 'x', v: '1' }]);
    const err = await sink.flush().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SinkWriteError);
    expect(err).toMatchObject({ prefix: 'NOPERM', command: 'SET', key: 'nope:x' });
    expectNoSecret(allOf(err));
    await sink.close().catch(() => {});
  });

  it('auth — no password for a server that requires one: NOAUTH at connect, no sink', async () => {
    const sql = `CREATE TABLE noauth (id TEXT) WITH (connector = 'redis', address = '${plain.url}', type = 'sink',
      'sink.type' = 'string', 'sink.key_prefix' = 'na:', 'sink.key_column' = 'id')`;
    const err = await createSink({ sql }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ code: 'ERR_AUTH', prefix: 'NOAUTH' });
    expectNoSecret(allOf(err));
  });
});
