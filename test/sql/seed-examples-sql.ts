/**
 * The three SQL pipelines of the "Examples" section of the Laminar Redis connector documentation
 * (Session Management, Real-time Leaderboard, Inventory Tracking), verbatim: copied by a script,
 * comments, blank lines and trailing spaces included.
 */

export const SEED_EXAMPLES = {
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
);

-- Update sessions from activity stream
INSERT INTO sessions
SELECT 
    session_id,
    user_id,
    user_email,
    JSON_OBJECT('roles', roles, 'scopes', scopes) as permissions,
    NOW() as last_activity
FROM user_activity
WHERE event_type = 'login';
`,
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
);

-- Update from game events
INSERT INTO leaderboard
SELECT 
    game_id,
    player_id,
    score,
    timestamp
FROM game_scores
WHERE score > 1000
ORDER BY score DESC;
`,
  inventory: `-- Hash table for multi-warehouse inventory
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
);

-- Process inventory changes
INSERT INTO inventory_updates
SELECT 
    product_sku as sku,
    warehouse_code as warehouse,
    SUM(quantity_change) as quantity,
    MAX(event_time) as updated_at
FROM inventory_events
GROUP BY product_sku, warehouse_code;
`,
};
