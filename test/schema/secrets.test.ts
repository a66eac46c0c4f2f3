import { beforeAll, describe, expect, test } from 'vitest';
import type { ConnectionProfile } from '../../src/schema/connection-profile.js';
import {
  defineProfile,
  loadSqlParser,
  MissingSecretError,
  parseCreateTableSync,
  parseProfile,
  redactProfile,
  resolveSecrets,
  SinkConfigError,
} from '../../src/sink/config/index.js';

beforeAll(() => loadSqlParser());

const SECRET = 'hunter2-s3cr3t';

function profile(config: Record<string, unknown>): ConnectionProfile {
  return parseProfile({ name: 'cache', connector: 'redis', config });
}

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    return `${(e as Error).message} ${JSON.stringify(e)} ${String((e as Error).stack)}`;
  }
  throw new Error('expected an error');
}

describe('secrets', () => {
  test('secrets — {{ VAR }} references (with or without spaces) stay unresolved in the model', () => {
    const p = profile({
      connection: { address: 'redis://{{REDIS_HOST}}:6379' },
      username: '{{ REDIS_USER }}',
      password: '{{  REDIS_PASSWORD  }}',
    });
    expect(p.connection).toEqual({ kind: 'standalone', address: 'redis://{{REDIS_HOST}}:6379' });
    expect(p.username).toBe('{{ REDIS_USER }}');
    expect(p.password).toBe('{{  REDIS_PASSWORD  }}');
  });

  test('secrets — resolveSecrets substitutes every reference from the given environment', () => {
    const p = profile({
      connection: { addresses: ['redis://{{ H1 }}:7000', 'redis://h2:7001'] },
      username: 'app_{{ENV}}',
      password: '{{ REDIS_PASSWORD }}',
    });
    const r = resolveSecrets(p, { H1: 'node1', ENV: 'prod', REDIS_PASSWORD: SECRET });
    expect(r).toEqual({
      name: 'cache',
      connection: { kind: 'cluster', addresses: ['redis://node1:7000', 'redis://h2:7001'] },
      username: 'app_prod',
      password: SECRET,
    });
    // The model itself is untouched.
    expect(p.password).toBe('{{ REDIS_PASSWORD }}');
  });

  test('secrets — resolveSecrets defaults to process.env', () => {
    process.env.LAMINAR_TEST_SECRET_PW = SECRET;
    try {
      const r = resolveSecrets(
        profile({ connection: { address: 'redis://h' }, password: '{{ LAMINAR_TEST_SECRET_PW }}' }),
      );
      expect(r.password).toBe(SECRET);
    } finally {
      delete process.env.LAMINAR_TEST_SECRET_PW;
    }
  });

  test('secrets — a missing variable is an error naming the variable and the profile, not any value', () => {
    const p = profile({
      connection: { address: 'redis://h' },
      username: '{{ USER }}',
      password: '{{ REDIS_PASSWORD }}',
    });
    let e: unknown;
    try {
      resolveSecrets(p, { USER: SECRET });
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(MissingSecretError);
    const m = e as MissingSecretError;
    expect(m.code).toBe('ERR_SECRET_MISSING');
    expect(m.variable).toBe('REDIS_PASSWORD');
    expect(m.message).toContain("connection profile 'cache'");
    expect(m.message).toContain('REDIS_PASSWORD');
    expect(m.message).not.toContain(SECRET);
  });

  test('secrets — an address that resolves to something other than a Redis URL fails without echoing it', () => {
    const p = profile({ connection: { address: '{{ REDIS_URL }}' } });
    const msg = messageOf(() => resolveSecrets(p, { REDIS_URL: `http://u:${SECRET}@h` }));
    expect(msg).toContain('connection.address');
    expect(msg).not.toContain(SECRET);
  });

  test('secrets — a malformed reference is refused when the profile is created', () => {
    expect(() => profile({ connection: { address: 'redis://h' }, password: '{{ REDIS-PASSWORD }}' })).toThrow(
      /'config.password' has a malformed \{\{ VAR \}\} reference/,
    );
    expect(() => profile({ connection: { address: 'redis://h' }, password: '{{ PW }' })).toThrow(
      SinkConfigError,
    );
  });

  test('redaction — the password becomes *** unless it is a {{ VAR }} reference; usernames stay', () => {
    const literal = profile({ connection: { address: 'redis://h' }, username: 'app', password: SECRET });
    expect(redactProfile(literal)).toEqual({
      name: 'cache',
      connection: { kind: 'standalone', address: 'redis://h' },
      username: 'app',
      password: '***',
    });
    const reference = profile({ connection: { address: 'redis://h' }, password: '{{ REDIS_PASSWORD }}' });
    expect(redactProfile(reference).password).toBe('{{ REDIS_PASSWORD }}');
    const mixed = profile({ connection: { address: 'redis://h' }, password: `x{{ A }}` });
    expect(redactProfile(mixed).password).toBe('***');
  });

  test('redaction — passwords inline in addresses are redacted, cluster seeds too', () => {
    const p = profile({
      connection: {
        addresses: [
          `redis://u:${SECRET}@h1:7000`,
          'redis://u:{{ PW }}@h2:7001',
          'redis://onlyuser@h3:7002',
          'redis://h4',
        ],
      },
    });
    const r = redactProfile(p);
    expect(r.connection).toEqual({
      kind: 'cluster',
      addresses: [
        'redis://u:***@h1:7000',
        'redis://u:{{ PW }}@h2:7001',
        'redis://onlyuser@h3:7002',
        'redis://h4',
      ],
    });
    expect(JSON.stringify(r)).not.toContain(SECRET);
    // A password holding unencoded '/' or '@' is still cut out whole.
    const odd = profile({ connection: { address: '{{ X }}' } });
    expect(
      redactProfile({ ...odd, connection: { kind: 'standalone', address: `redis://u:a/b@c${SECRET}@h` } }),
    ).toHaveProperty('connection.address', 'redis://u:***@h');
  });

  test('secrets in errors — a wrong-typed option next to a password never echoes the password', () => {
    const sqlMsg = messageOf(() =>
      parseCreateTableSync(
        `CREATE TABLE t (a TEXT) WITH (connector = 'redis', address = 'redis://h', password = '${SECRET}', type = 'sink', 'sink.key_prefix' = 'k', 'sink.ttl_secs' = 'x')`,
      ),
    );
    expect(sqlMsg).toContain("'sink.ttl_secs'");
    expect(sqlMsg).not.toContain(SECRET);
    const jsonMsg = messageOf(() =>
      profile({ connection: { address: 'redis://h' }, password: 42, username: SECRET }),
    );
    expect(jsonMsg).toContain("'config.password'");
    expect(jsonMsg).not.toContain(SECRET);
  });

  test('secrets in errors — an address with an inline password is never echoed', () => {
    for (const address of [
      `redis://u:${SECRET}@h:notaport`,
      `http://u:${SECRET}@h`,
      `redis://u:${SECRET}@h/x?bad=1`,
    ]) {
      const msg = messageOf(() => profile({ connection: { address } }));
      expect(msg).toContain("'config.connection.address'");
      expect(msg).not.toContain(SECRET);
      const sqlMsg = messageOf(() =>
        parseCreateTableSync(
          `CREATE TABLE t (a TEXT) WITH (connector = 'redis', address = '${address}', type = 'sink', 'sink.key_prefix' = 'k')`,
        ),
      );
      expect(sqlMsg).toContain("'address'");
      expect(sqlMsg).not.toContain(SECRET);
    }
  });

  test('secrets in errors — a secret option of the wrong type is described, not shown', () => {
    const msg = messageOf(() =>
      defineProfile({
        name: 'cache',
        connection: { kind: 'standalone', address: 'redis://h' },
        password: 987654321 as never,
      }),
    );
    expect(msg).toContain("option 'password' must be a string (got a number)");
    expect(msg).not.toContain('987654321');
  });
});
