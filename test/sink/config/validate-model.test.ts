import { describe, expect, test } from 'vitest';
import type { ConnectionProfile } from '../../../src/schema/connection-profile.js';
import {
  defineProfile,
  defineTable,
  SinkConfigError,
  validateTable,
} from '../../../src/sink/config/index.js';
import type { SinkTable } from '../../../src/sink/model.js';

const PROFILE: ConnectionProfile = {
  name: 'p',
  connection: { kind: 'standalone', address: 'redis://h:6379' },
};

describe('TypeScript door', () => {
  test('TypeScript door — defineTable applies the defaults and normalizes names and aliases', () => {
    const t = defineTable({
      name: 'events',
      profile: PROFILE,
      target: { type: 'list', listPrefix: 'e:', operation: 'append' as 'Append' },
      schema: [{ name: 'value', type: 'varchar' }],
      format: 'raw',
      onError: 'dead_letter',
    });
    expect(t).toStrictEqual({
      name: 'events',
      profile: PROFILE,
      target: { type: 'list', listPrefix: 'e:', operation: 'Append' },
      schema: [{ name: 'value', type: 'TEXT', nullable: true }],
      format: 'raw',
      valueColumn: 'value',
      onError: 'dead_letter',
      deadLetterKey: 'events:dead_letter',
      batchSize: 1000,
      flushIntervalMs: 100,
      delivery: 'exactly_once',
    });
  });

  test('TypeScript door — Raw without a schema writes the column named value', () => {
    const t = defineTable({
      name: 't',
      profile: PROFILE,
      target: { type: 'string', keyPrefix: 'k' },
      format: 'raw',
    });
    expect(t.valueColumn).toBe('value');
    expect(t.schema).toBeUndefined();
  });

  test('TypeScript door — Raw picks the column named value when several are left', () => {
    const t = defineTable({
      name: 't',
      profile: PROFILE,
      target: { type: 'hash', hashKeyPrefix: 'h', hashFieldColumn: 'f' },
      schema: [
        { name: 'f', type: 'TEXT' },
        { name: 'value', type: 'BYTEA' },
        { name: 'other', type: 'TEXT' },
      ],
      format: 'raw',
    });
    expect(t.valueColumn).toBe('value');
  });

  test('TypeScript door — validateTable refuses a target whose fields do not match its type', () => {
    const bad = {
      name: 't',
      profile: PROFILE,
      target: { type: 'string', keyPrefix: 'k', listPrefix: 'l' },
      format: 'json',
      onError: 'fail',
      batchSize: 1,
      flushIntervalMs: 1,
    } as unknown as SinkTable;
    expect(() => validateTable(bad)).toThrow(
      "table 't': option 'target.listPrefix' does not apply to a String target",
    );
  });

  test('TypeScript door — a connection kind that contradicts its fields is refused', () => {
    expect(() =>
      defineProfile({ name: 'p', connection: { kind: 'cluster', address: 'redis://h' } as never }),
    ).toThrow("connection profile 'p': option 'connection.address' does not apply to a 'cluster' connection");
    expect(() => defineProfile({ name: 'p', connection: { kind: 'galaxy' } as never })).toThrow(
      SinkConfigError,
    );
  });

  test('TypeScript door — profile problems inside a table name the table and the profile path', () => {
    expect(() =>
      defineTable({
        name: 't',
        profile: { name: 'p', connection: { kind: 'standalone', address: 'tcp://h' } },
        target: { type: 'string', keyPrefix: 'k' },
      }),
    ).toThrow(/^table 't': option 'profile.connection.address' is not a valid Redis URL/);
  });
});
