-- The Session Management example of the Laminar Redis connector documentation ("Examples"), run
-- by `npm start` (laminar-redis examples) or `laminar-redis run examples/sessions.sql`.
--
-- Not in that documentation: the activity stream it reads, declared here as a generated source
-- (one row per event; docs/pipelines.md lists the generator options). Everything after this
-- declaration is the documented example, unchanged. Sessions whose id logs in again are
-- overwritten; each key expires 30 minutes after its last login.
CREATE TABLE user_activity (
    session_id TEXT,
    user_id TEXT,
    user_email TEXT,
    roles JSON,
    scopes JSON,
    event_type TEXT
) WITH (
    connector = 'generator',
    partitions = '2',
    rows_per_partition = '100000',
    'fields.session_id.cardinality' = '20000',
    'fields.session_id.per_partition' = 'true',
    'fields.user_id.cardinality' = '5000',
    'fields.user_email.values' = 'ana@example.com,ben@example.com,chen@example.com,dana@example.com,eli@example.com',
    'fields.roles.values' = '[["user"], ["user", "editor"], ["admin"]]',
    'fields.scopes.values' = '[["read"], ["read", "write"], ["read", "write", "billing"]]',
    'fields.event_type.values' = 'login,logout,page_view,click,purchase'
);

-- User sessions with TTL
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
