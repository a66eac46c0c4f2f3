import { beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser, parseCreateTableSync, type SinkConfigError } from '../../../src/sink/config/index.js';

beforeAll(() => loadSqlParser());

const ddl = (columns: string, options: string) =>
  `CREATE TABLE t (${columns}) WITH (connector = 'redis', address = 'redis://127.0.0.1:6379', type = 'sink', ${options})`;

function refusal(sql: string): SinkConfigError {
  try {
    parseCreateTableSync(sql);
  } catch (err) {
    return err as SinkConfigError;
  }
  throw new Error('accepted');
}

describe('declared column types of scores, increments and TTLs', () => {
  it('a score column must hold numbers', () => {
    const e = refusal(
      ddl(
        'p TEXT, s TEXT',
        "'sink.type' = 'sorted_set', 'sink.sorted_set_prefix' = 'z', 'sink.score_column' = 's', 'sink.member_column' = 'p'",
      ),
    );
    expect(e.option).toBe('sink.score_column');
    expect(e.message).toContain("names column 's' of type TEXT; a score must be BIGINT, INTEGER or DOUBLE");
  });

  it('a TTL in seconds must be an integer column, a timestamp TIMESTAMP, BIGINT or TEXT', () => {
    const e = refusal(
      ddl(
        'k TEXT, ttl DOUBLE',
        "'sink.key_prefix' = 'k:', 'sink.key_column' = 'k', 'sink.ttl_column' = 'ttl'",
      ),
    );
    expect(e.option).toBe('sink.ttl_column');
    expect(e.message).toContain('a TTL in seconds must be BIGINT or INTEGER');
    const ok = parseCreateTableSync(
      ddl(
        'k TEXT, until TIMESTAMP',
        "'sink.key_prefix' = 'k:', 'sink.key_column' = 'k', 'sink.ttl_column' = 'until', 'sink.ttl_kind' = 'timestamp'",
      ),
    );
    expect(ok.target).toMatchObject({ ttlColumn: 'until', ttlKind: 'timestamp' });
    const bad = refusal(
      ddl(
        'k TEXT, until BOOLEAN',
        "'sink.key_prefix' = 'k:', 'sink.key_column' = 'k', 'sink.ttl_column' = 'until', 'sink.ttl_kind' = 'timestamp'",
      ),
    );
    expect(bad.message).toContain(
      'a TTL in a timestamp must be TIMESTAMP, BIGINT (milliseconds) or TEXT (ISO-8601)',
    );
  });
});
