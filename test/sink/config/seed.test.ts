import { describe, expect, test } from 'vitest';
import { parseCreateTable, parseProfile, parseTable } from '../../../src/sink/config/index.js';
import { SEED_SQL } from './seed-sql.js';

/** `{ name, data_type }` fields, all nullable (the documentation declares no NOT NULL). */
const fields = (...cols: [string, string][]) => ({
  fields: cols.map(([name, data_type]) => ({ name, data_type })),
});

/** A table body and the profile it is attached to; the SQL door names its inline profile after the table. */
function jsonTable(name: string, address: string, target: object, schema: object, extra: object = {}) {
  const profile = parseProfile({ name, connector: 'redis', config: { connection: { address }, ...extra } });
  return parseTable({ name, connector: 'redis', config: { connectorType: { target } }, schema }, profile);
}

/** The JSON equivalents of the documentation's SQL examples, written by hand. */
const JSON_EQUIVALENTS: Record<keyof typeof SEED_SQL, () => unknown> = {
  user_cache: () =>
    jsonTable(
      'user_cache',
      'redis://localhost:6379',
      { keyPrefix: 'user:', keyColumn: 'user_id', ttlSecs: 86400 },
      fields(['user_id', 'TEXT'], ['user_data', 'JSON'], ['updated_at', 'TIMESTAMP']),
    ),
  event_stream: () =>
    jsonTable(
      'event_stream',
      'redis://localhost:6379',
      { listPrefix: 'events:', listKeyColumn: 'event_type', operation: 'Append', maxLength: 10000 },
      fields(['event_id', 'BIGINT'], ['event_type', 'TEXT'], ['payload', 'JSON'], ['timestamp', 'TIMESTAMP']),
    ),
  product_inventory: () =>
    jsonTable(
      'product_inventory',
      'redis://localhost:6379',
      { hashKeyPrefix: 'inventory:', hashKeyColumn: 'warehouse_id', hashFieldColumn: 'product_id' },
      fields(
        ['product_id', 'TEXT'],
        ['warehouse_id', 'TEXT'],
        ['quantity', 'INTEGER'],
        ['last_updated', 'TIMESTAMP'],
      ),
    ),
  sessions: () =>
    jsonTable(
      'sessions',
      'redis://cache:6379',
      { keyPrefix: 'session:', keyColumn: 'session_id', ttlSecs: 1800 },
      fields(
        ['session_id', 'TEXT'],
        ['user_id', 'TEXT'],
        ['user_email', 'TEXT'],
        ['permissions', 'JSON'],
        ['last_activity', 'TIMESTAMP'],
      ),
      { password: '{{ REDIS_PASSWORD }}' },
    ),
  leaderboard: () =>
    jsonTable(
      'leaderboard',
      'redis://localhost:6379',
      { listPrefix: 'leaderboard:', listKeyColumn: 'game_id', operation: 'Prepend', maxLength: 100 },
      fields(['game_id', 'TEXT'], ['player_id', 'TEXT'], ['score', 'BIGINT'], ['timestamp', 'TIMESTAMP']),
    ),
  inventory_updates: () =>
    jsonTable(
      'inventory_updates',
      'redis://inventory:6379',
      { hashKeyPrefix: 'stock:', hashKeyColumn: 'warehouse', hashFieldColumn: 'sku' },
      fields(['sku', 'TEXT'], ['warehouse', 'TEXT'], ['quantity', 'INTEGER'], ['updated_at', 'TIMESTAMP']),
    ),
};

describe('seed examples', () => {
  test.each(Object.keys(SEED_SQL) as (keyof typeof SEED_SQL)[])(
    'SQL DDL — %s parses unchanged to the same model as its JSON equivalent',
    async (name) => {
      const fromSql = await parseCreateTable(SEED_SQL[name]);
      expect(fromSql).toStrictEqual(JSON_EQUIVALENTS[name]());
      expect(fromSql.name).toBe(name);
    },
  );

  test('SQL DDL — the sessions example keeps its {{ REDIS_PASSWORD }} reference unresolved', async () => {
    const t = await parseCreateTable(SEED_SQL.sessions);
    expect(t.profile.password).toBe('{{ REDIS_PASSWORD }}');
    expect(t.target).toEqual({
      type: 'string',
      keyPrefix: 'session:',
      keyColumn: 'session_id',
      ttlSecs: 1800,
    });
  });

  test('SQL DDL — the list examples normalize the operation and read quoted numbers', async () => {
    const t = await parseCreateTable(SEED_SQL.leaderboard);
    expect(t.target).toEqual({
      type: 'list',
      listPrefix: 'leaderboard:',
      listKeyColumn: 'game_id',
      operation: 'Prepend',
      maxLength: 100,
    });
  });

  test('JSON — the documented connection profile body validates with its secret kept as written', () => {
    const profile = parseProfile({
      name: 'redis_cache',
      connector: 'redis',
      config: {
        connection: { address: 'redis://cache.example.com:6379' },
        username: 'app_user',
        password: '{{ REDIS_PASSWORD }}',
      },
    });
    expect(profile).toStrictEqual({
      name: 'redis_cache',
      connection: { kind: 'standalone', address: 'redis://cache.example.com:6379' },
      username: 'app_user',
      password: '{{ REDIS_PASSWORD }}',
    });
  });

  test('JSON — the documented string sink body validates against its profile, with defaults applied', () => {
    const profile = parseProfile({
      name: 'redis_cache',
      connector: 'redis',
      config: { connection: { address: 'redis://cache.example.com:6379' } },
    });
    const table = parseTable(
      {
        name: 'user_sessions',
        connector: 'redis',
        connectionProfileId: 'prof_redis123',
        config: {
          connectorType: { target: { keyPrefix: 'session:', keyColumn: 'session_id', ttlSecs: 3600 } },
        },
      },
      profile,
    );
    expect(table).toStrictEqual({
      name: 'user_sessions',
      profile,
      target: { type: 'string', keyPrefix: 'session:', keyColumn: 'session_id', ttlSecs: 3600 },
      format: 'json',
      onError: 'fail',
      batchSize: 1000,
      flushIntervalMs: 100,
      delivery: 'at_least_once',
    });
  });

  test('JSON — the documented clustered connection becomes a cluster profile', () => {
    const profile = parseProfile({
      name: 'c',
      connector: 'redis',
      config: {
        connection: { addresses: ['redis://node1:6379', 'redis://node2:6379', 'redis://node3:6379'] },
      },
    });
    expect(profile.connection).toEqual({
      kind: 'cluster',
      addresses: ['redis://node1:6379', 'redis://node2:6379', 'redis://node3:6379'],
    });
  });
});
