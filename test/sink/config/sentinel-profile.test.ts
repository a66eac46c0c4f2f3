/**
 * A Sentinel connection in every front door (JSON profile, SQL `WITH`, TypeScript): the same
 * model from each, the same checks, secrets kept out of messages and redacted.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { ConnectionProfile } from '../../../src/schema/connection-profile.js';
import { defineProfile } from '../../../src/schema/profile-define.js';
import { redactProfile, resolveSecrets } from '../../../src/schema/secrets.js';
import {
  loadSqlParser,
  parseCreateTable,
  parseCreateTableSync,
  parseProfile,
  SinkConfigError,
} from '../../../src/sink/config/index.js';

beforeAll(() => loadSqlParser());

const MODEL: ConnectionProfile = {
  name: 'events',
  connection: {
    kind: 'sentinel',
    sentinels: ['redis://s1:26379', 'redis://s2:26379'],
    masterName: 'mymaster',
    sentinelUsername: 'watcher',
    sentinelPassword: '{{ SENTINEL_PW }}',
  },
  username: 'app',
  password: '{{ REDIS_PW }}',
};

const DDL = (options: string) => `CREATE TABLE events (k TEXT NOT NULL, v TEXT) WITH (
  connector = 'redis', type = 'sink', 'sink.key_prefix' = 'e:', 'sink.key_column' = 'k', ${options})`;

const SENTINEL_SQL = `'sentinel.addresses' = 'redis://s1:26379, redis://s2:26379', 'sentinel.master' = 'mymaster',
  'sentinel.username' = 'watcher', 'sentinel.password' = '{{ SENTINEL_PW }}', username = 'app', password = '{{ REDIS_PW }}'`;

function failure(fn: () => unknown): SinkConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SinkConfigError);
    return e as SinkConfigError;
  }
  throw new Error('expected a SinkConfigError');
}

describe('sentinel profile — every front door', () => {
  test('sentinel profile — JSON, SQL (plain fast path and parser) and TypeScript give the same model', async () => {
    const json = parseProfile({
      name: 'events',
      connector: 'redis',
      config: {
        connection: {
          sentinel: {
            addresses: ['redis://s1:26379', 'redis://s2:26379'],
            masterName: 'mymaster',
            username: 'watcher',
            password: '{{ SENTINEL_PW }}',
          },
        },
        username: 'app',
        password: '{{ REDIS_PW }}',
      },
    });
    expect(json).toStrictEqual(MODEL);
    expect((await parseCreateTable(DDL(SENTINEL_SQL))).profile).toStrictEqual(MODEL);
    expect(parseCreateTableSync(DDL(SENTINEL_SQL)).profile).toStrictEqual(MODEL);
    expect(defineProfile(MODEL)).toStrictEqual(MODEL);
  });

  test('sentinel profile — a misspelt option gets a did-you-mean in each door', () => {
    const sql = failure(() => parseCreateTableSync(DDL(`'sentinel.adresses' = 'redis://s1:26379'`)));
    expect(sql.message).toContain("did you mean 'sentinel.addresses'");
    const json = failure(() =>
      parseProfile({
        name: 'p',
        connector: 'redis',
        config: { connection: { sentinel: { addresses: ['redis://s1:26379'], mastername: 'm' } } },
      }),
    );
    expect(json.message).toContain("did you mean 'config.connection.sentinel.masterName'");
    const ts = failure(() =>
      defineProfile({
        name: 'p',
        connection: {
          kind: 'sentinel',
          sentinels: ['redis://s1:26379'],
          masterName: 'm',
          sentinelPasword: 'x',
        },
      } as unknown as ConnectionProfile),
    );
    expect(ts.message).toContain("did you mean 'connection.sentinelPassword'");
  });

  test('sentinel profile — the master name and the Sentinels are each required with the other', () => {
    expect(failure(() => parseCreateTableSync(DDL(`'sentinel.master' = 'mymaster'`))).option).toBe(
      'sentinel.addresses',
    );
    expect(failure(() => parseCreateTableSync(DDL(`'sentinel.addresses' = 'redis://s1:26379'`))).option).toBe(
      'sentinel.master',
    );
    const ts = failure(() =>
      defineProfile({
        name: 'p',
        connection: { kind: 'sentinel', sentinels: [], masterName: 'm' },
      }),
    );
    expect(ts.option).toBe('connection.sentinels');
  });

  test('sentinel profile — Sentinels cannot be combined with an address, nor their login given without them', () => {
    const both = failure(() =>
      parseCreateTableSync(
        DDL(`address = 'redis://h:6379', 'sentinel.addresses' = 'redis://s1:26379', 'sentinel.master' = 'm'`),
      ),
    );
    expect(both.option).toBe('sentinel.addresses');
    expect(both.message).toContain("'address'");
    const login = failure(() =>
      parseCreateTableSync(DDL(`address = 'redis://h:6379', 'sentinel.password' = 'pw'`)),
    );
    expect(login.option).toBe('sentinel.password');
    expect(login.message).toContain('Sentinel connection only');
    const ts = failure(() =>
      defineProfile({
        name: 'p',
        connection: { kind: 'standalone', address: 'redis://h:6379', masterName: 'm' },
      } as unknown as ConnectionProfile),
    );
    expect(ts.message).toContain("does not apply to a 'standalone' connection");
  });

  test('sentinel profile — a Sentinel address that is not a Redis URL is refused without echoing it', () => {
    const e = failure(() =>
      parseCreateTableSync(
        DDL(`'sentinel.addresses' = 'http://u:hunter2@s1:26379', 'sentinel.master' = 'm'`),
      ),
    );
    expect(e.option).toBe('sentinel.addresses');
    expect(e.message).not.toContain('hunter2');
  });

  test('sentinel profile — secrets resolve from the environment and are redacted for display', () => {
    const resolved = resolveSecrets(MODEL, { SENTINEL_PW: 's-secret', REDIS_PW: 'd-secret' });
    expect(resolved.connection).toStrictEqual({ ...MODEL.connection, sentinelPassword: 's-secret' });
    expect(resolved.password).toBe('d-secret');
    const literal: ConnectionProfile = {
      ...MODEL,
      connection: {
        ...MODEL.connection,
        sentinels: ['redis://u:inline@s1:26379'],
        sentinelPassword: 'plain',
      },
    } as ConnectionProfile;
    const shown = JSON.stringify(redactProfile(literal));
    expect(shown).not.toContain('plain');
    expect(shown).not.toContain('inline');
    expect(JSON.stringify(redactProfile(MODEL))).toContain('{{ SENTINEL_PW }}');
  });
});
