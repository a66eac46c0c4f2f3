/**
 * The seed's six CREATE TABLE statements, verbatim, leading comments and trailing `-- ...` comments included.
 * Copied from shared/seed/redis-connector.md; the test compares them with their JSON equivalents.
 */

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
  sessions: `-- User sessions with TTL
CREATE TABLE sessions (
    session_id TEXT,
    user_id TEXT,
    user_email TEXT,
    permissions JSON,
    last_activity TIMESTAMP
) WITH (
    connector = 'redis',
    address = 'redis://cache:6379',
    password = '{{ REDIS_PASSWORD }}',
    type = 'sink',
    'sink.type' = 'string',
    'sink.key_prefix' = 'session:',
    'sink.key_column' = 'session_id',
    'sink.ttl_secs' = '1800'  -- 30 minute TTL
);`,
  leaderboard: `-- Store leaderboard in Redis lists
CREATE TABLE leaderboard (
    game_id TEXT,
    player_id TEXT,
    score BIGINT,
    timestamp TIMESTAMP
) WITH (
    connector = 'redis',
    address = 'redis://localhost:6379',
    type = 'sink',
    'sink.type' = 'list',
    'sink.list_prefix' = 'leaderboard:',
    'sink.list_key_column' = 'game_id',
    'sink.operation' = 'Prepend',
    'sink.max_length' = '100'  -- Keep top 100
);`,
  inventory_updates: `-- Hash table for multi-warehouse inventory
CREATE TABLE inventory_updates (
    sku TEXT,
    warehouse TEXT,
    quantity INTEGER,
    updated_at TIMESTAMP
) WITH (
    connector = 'redis',
    address = 'redis://inventory:6379',
    type = 'sink',
    'sink.type' = 'hash',
    'sink.hash_key_prefix' = 'stock:',
    'sink.hash_key_column' = 'warehouse',
    'sink.hash_field_column' = 'sku'
);`,
} as const;
