/**
 * The six CREATE TABLE statements of the Laminar Redis connector documentation, verbatim, leading
 * comments and trailing `-- ...` comments included; the test compares them with their JSON
 * equivalents.
 */

import { SEED_EXAMPLES } from '../../sql/seed-examples-sql.js';

/** The CREATE TABLE statement that opens an example (up to its closing `);`). */
function createStatementOf(example: string): string {
  return example.slice(0, example.indexOf('\n);') + 3);
}

export const SEED_SQL = {
  user_cache: `CREATE TABLE user_cache (
    user_id TEXT,
    user_data JSON,
    updated_at TIMESTAMP
) WITH (
    connector = 'redis',
    address = 'redis://localhost:6379',
    type = 'sink',
    'sink.type' = 'string',
    'sink.key_prefix' = 'user:',
    'sink.key_column' = 'user_id',
    'sink.ttl_secs' = '86400'
);`,
  event_stream: `CREATE TABLE event_stream (
    event_id BIGINT,
    event_type TEXT,
    payload JSON,
    timestamp TIMESTAMP
) WITH (
    connector = 'redis',
    address = 'redis://localhost:6379',
    type = 'sink',
    'sink.type' = 'list',
    'sink.list_prefix' = 'events:',
    'sink.list_key_column' = 'event_type',
    'sink.operation' = 'Append',
    'sink.max_length' = '10000'
);`,
  product_inventory: `CREATE TABLE product_inventory (
    product_id TEXT,
    warehouse_id TEXT,
    quantity INTEGER,
    last_updated TIMESTAMP
) WITH (
    connector = 'redis',
    address = 'redis://localhost:6379',
    type = 'sink',
    'sink.type' = 'hash',
    'sink.hash_key_prefix' = 'inventory:',
    'sink.hash_key_column' = 'warehouse_id',
    'sink.hash_field_column' = 'product_id'
);`,
  // The Examples section's tables: their CREATE statements, cut from the examples themselves.
  sessions: createStatementOf(SEED_EXAMPLES.sessions),
  leaderboard: createStatementOf(SEED_EXAMPLES.leaderboard),
  inventory_updates: createStatementOf(SEED_EXAMPLES.inventory),
} as const;
