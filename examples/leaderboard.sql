-- The Real-time Leaderboard example of the Laminar Redis connector documentation ("Examples"),
-- run by `npm start` (laminar-redis examples) or `laminar-redis run examples/leaderboard.sql`.
--
-- Not in that documentation: the score stream it reads, declared here as a generated source
-- (scores 0 to 5000 in five games; docs/pipelines.md lists the generator options). Everything
-- after this declaration is the documented example, unchanged. On a stream, ORDER BY sorts each
-- batch read from a partition; 'Prepend' pushes each sorted batch onto the head of its game's
-- list, and the list keeps the 100 newest entries.
CREATE TABLE game_scores (
    game_id TEXT,
    player_id TEXT,
    score BIGINT,
    timestamp TIMESTAMP
) WITH (
    connector = 'generator',
    partitions = '2',
    rows_per_partition = '100000',
    'fields.game_id.values' = 'chess,go,tetris,snake,pong',
    'fields.player_id.cardinality' = '5000',
    'fields.score.min' = '0',
    'fields.score.max' = '5000'
);

-- Store leaderboard in Redis lists
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
