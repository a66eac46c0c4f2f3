/**
 * A plain `CREATE TABLE ... WITH (...)` is read without the WebAssembly SQL parser. This file
 * never loads the parser itself: vitest gives each test file fresh modules, so the parser's state
 * here is the state a new process starts with.
 */
import { describe, expect, it } from 'vitest';
import { parseStatements } from '../../../src/schema/sql-parser.js';
import { parseCreateTable } from '../../../src/sink/config/sql-ddl.js';

const PLAIN = `CREATE TABLE user_cache (
    user_id TEXT NOT NULL,
    user_data JSON
) WITH (
    connector = 'redis',
    address = 'redis://localhost:6379',
    type = 'sink',
    'sink.key_prefix' = 'user:',
    'sink.key_column' = 'user_id',
    'sink.ttl_secs' = '86400'  -- one day
);`;

describe('SQL DDL fast path', () => {
  it('sql ddl — a plain statement with a bad option fails with its position, without the parser', async () => {
    await expect(parseCreateTable(PLAIN.replace("'sink.ttl_secs'", "'sink.ttl_sec'"))).rejects.toMatchObject({
      code: 'ERR_SINK_CONFIG',
      table: 'user_cache',
      option: 'sink.ttl_sec',
      line: 10,
      column: 22,
    });
    expect(() => parseStatements('SELECT 1')).toThrow(/not loaded/);
  });

  it('sql ddl — a plain CREATE TABLE is read without loading the parser; other SQL loads it', async () => {
    const table = await parseCreateTable(PLAIN);
    expect(table).toMatchObject({
      name: 'user_cache',
      target: { type: 'string', keyPrefix: 'user:', keyColumn: 'user_id', ttlSecs: 86400 },
      schema: [
        { name: 'user_id', type: 'TEXT', nullable: false },
        { name: 'user_data', type: 'JSON', nullable: true },
      ],
    });
    expect(() => parseStatements('SELECT 1')).toThrow(/not loaded/);

    const commented = await parseCreateTable(PLAIN.replace('connector', '/* the sink */ connector'));
    expect(commented).toStrictEqual(table);
    expect(parseStatements('SELECT 1')).toHaveLength(1);
  });
});
