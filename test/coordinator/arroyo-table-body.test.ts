import { describe, expect, test } from 'vitest';
import type { ProfileRecord } from '../../src/coordinator/records.js';
import { defineTable } from '../../src/coordinator/table-definition.js';

const PROFILE: ProfileRecord = {
  id: 'prof_0000000001',
  name: 'cache',
  connector: 'redis',
  config: { connection: { address: 'redis://127.0.0.1:6379' } },
  createdAtMs: 0,
};
const ctx = {
  defaultShards: 1,
  findProfile: (ref: string) => {
    if (ref !== PROFILE.id && ref !== PROFILE.name)
      throw Object.assign(new Error('no'), { code: 'ERR_NOT_FOUND' });
    return PROFILE;
  },
  profiles: () => [PROFILE],
};

describe("coordinator — Arroyo's table body", () => {
  test("coordinator — a table body in Arroyo's shape (connection_profile_id, typed fields) is the table of ours", async () => {
    const config = { connectorType: { target: { keyPrefix: 'u:', keyColumn: 'id' } } };
    const arroyo = await defineTable(
      {
        name: 'users',
        connector: 'redis',
        connection_profile_id: 'cache',
        config,
        schema: { format: { type: 'json' }, fields: [{ name: 'id', type: 'string', required: true }] },
      },
      ctx,
    );
    const ours = await defineTable(
      {
        name: 'users',
        connector: 'redis',
        connectionProfileId: 'cache',
        config: { ...config, format: 'json' },
        schema: { fields: [{ name: 'id', data_type: 'TEXT', nullable: false }] },
      },
      ctx,
    );
    expect(arroyo.connectionProfileId).toBe(PROFILE.id);
    expect(arroyo.model).toStrictEqual(ours.model);
  });
});
