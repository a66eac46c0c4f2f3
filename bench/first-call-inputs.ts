/**
 * The table of bench/first-call.ts in each form `createSink()` takes, and what one sample reports.
 * The same String table each time: key `user:<user_id>`, one day TTL, JSON values.
 */
import type { SinkInput } from '../src/sink.js';

/**
 * - `json`: the REST bodies (no SQL parser);
 * - `sql`: the plain `CREATE TABLE name (...) WITH (...)` DDL of the docs;
 * - `sql-comment`: the same DDL with a block comment, which only the full parser reads.
 */
export const FIRST_CALL_FORMS = ['json', 'sql', 'sql-comment'] as const;
export type FirstCallForm = (typeof FIRST_CALL_FORMS)[number];

/** Milliseconds, measured inside the child process (its start-up excluded). */
export interface FirstCallSample {
  /** `import('laminar-redis/sink')`. */
  importMs: number;
  /** The process's first `createSink()`, until the sink is connected and ready. */
  firstMs: number;
  /** A second `createSink()` of the same form (another table name). */
  secondMs: number;
}

export function sinkInput(form: FirstCallForm, url: string, table: string): SinkInput {
  if (form === 'json') {
    return {
      profile: { name: 'cache', connector: 'redis', config: { connection: { address: url } } },
      table: {
        name: table,
        connector: 'redis',
        connectionProfileId: 'cache',
        config: {
          connectorType: { target: { keyPrefix: 'user:', keyColumn: 'user_id', ttlSecs: 86400 } },
          format: 'json',
        },
        schema: {
          fields: [
            { name: 'user_id', data_type: 'TEXT', nullable: false },
            { name: 'user_data', data_type: 'JSON' },
          ],
        },
      },
    };
  }
  const comment = form === 'sql-comment' ? '/* cached user profiles */ ' : '';
  return {
    sql: `CREATE TABLE ${table} (
    user_id TEXT NOT NULL,
    user_data JSON
) WITH (
    ${comment}connector = 'redis',
    address = '${url}',
    type = 'sink',
    'sink.type' = 'string',
    'sink.key_prefix' = 'user:',
    'sink.key_column' = 'user_id',
    'sink.ttl_secs' = '86400'  -- one day
);`,
  };
}
