import { beforeAll, describe, expect, it } from 'vitest';
import {
  REDACTED_PASSWORD,
  redactJson,
  redactSql,
  redactUrl,
  redactUrls,
  redactUrlsInText,
  UNREDACTABLE_SQL,
} from '../../src/coordinator/redact.js';
import { loadSqlParser } from '../../src/schema/sql-parser.js';

beforeAll(async () => {
  await loadSqlParser();
});

describe('redact', () => {
  it('redact — URL passwords become ******** and user names stay', () => {
    expect(redactUrl('redis://user:pa@ss@host:6379/0')).toBe('redis://user:********@host:6379/0');
    expect(redactUrl('rediss://:secret@host')).toBe('rediss://:********@host');
    expect(redactUrl('redis://user@host:6379')).toBe('redis://user@host:6379');
    expect(redactUrl('redis://host:6379')).toBe('redis://host:6379');
    expect(redactUrl('redis://u:{{ PW }}@host')).toBe('redis://u:********@host');
    expect(redactUrls('redis://a:p1@h1:1,redis://b:p,2@h2:2')).toBe(
      'redis://a:********@h1:1,redis://b:********@h2:2',
    );
    expect(redactUrlsInText('cannot connect to redis://a:p1@h1:1 (refused)')).toBe(
      'cannot connect to redis://a:********@h1:1 (refused)',
    );
  });

  it('redact — JSON: every password field, URL user info and SQL text, at any depth', () => {
    const input = {
      config: {
        connection: { addresses: ['redis://u:x1@h:1'] },
        username: 'app',
        password: '{{ REDIS_PASSWORD }}',
      },
      tables: [
        { profile: { config: { password: 'inline-pw' } } },
        { sql: "CREATE TABLE t WITH (password = 'sql-pw')" },
      ],
      Password: 42,
    };
    const out = redactJson(input);
    expect(out).toEqual({
      config: {
        connection: { addresses: ['redis://u:********@h:1'] },
        username: 'app',
        password: REDACTED_PASSWORD,
      },
      tables: [
        { profile: { config: { password: REDACTED_PASSWORD } } },
        { sql: `CREATE TABLE t WITH (password = '********')` },
      ],
      Password: REDACTED_PASSWORD,
    });
    expect(input.config.password).toBe('{{ REDIS_PASSWORD }}'); // the input is not changed
  });

  it('redact — SQL: password options and URL user info are replaced, the rest of the text is kept', () => {
    const sql = `-- sessions; password = 'not-an-option'
CREATE TABLE sessions (id TEXT) WITH (
    connector = 'redis',
    address = 'redis://app:url-pw@cache:6379',
    PASSWORD = 'it''s-secret', -- quoted with an escaped quote
    'cluster.addresses' = 'redis://a:c1@n1:1,redis://b:c2@n2:2',
    type = 'sink', 'sink.key_prefix' = 's:'
);`;
    const out = redactSql(sql);
    expect(out).toBe(`-- sessions; password = 'not-an-option'
CREATE TABLE sessions (id TEXT) WITH (
    connector = 'redis',
    address = 'redis://app:********@cache:6379',
    PASSWORD = '********', -- quoted with an escaped quote
    'cluster.addresses' = 'redis://a:********@n1:1,redis://b:********@n2:2',
    type = 'sink', 'sink.key_prefix' = 's:'
);`);
    for (const secret of ['url-pw', 'secret', 'c1@', 'c2@']) expect(out).not.toContain(secret);
  });

  it('redact — SQL in several statements, and text that does not parse is not shown at all', () => {
    const script = "CREATE TABLE a WITH (password = 'p1');\nCREATE TABLE b WITH (\"password\" = 'p2');";
    expect(redactSql(script)).toBe(
      "CREATE TABLE a WITH (password = '********');\nCREATE TABLE b WITH (\"password\" = '********');",
    );
    expect(redactSql("CREATE TABLE a WITH (password = 'p1'")).toBe(UNREDACTABLE_SQL);
  });

  it("redact — SQL with lookup tables: METADATA FROM 'key' is read, the text kept as written", () => {
    const script =
      "CREATE TEMPORARY TABLE u (id TEXT METADATA FROM 'key', n TEXT) WITH (connector = 'redis', password = 'p1');\n" +
      "CREATE TEMPORARY TABLE v (id TEXT METADATA\n  FROM 'key', n TEXT) WITH (address = 'redis://x:p2@h:1');";
    expect(redactSql(script)).toBe(
      script.replace("'p1'", `'${REDACTED_PASSWORD}'`).replace('x:p2@', `x:${REDACTED_PASSWORD}@`),
    );
  });
});
