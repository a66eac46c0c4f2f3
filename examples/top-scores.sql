-- A true top 100 per game: the fourth example, not in the Laminar Redis connector documentation,
-- run by `npm start` (laminar-redis examples) or `laminar-redis run examples/top-scores.sql`.
--
-- The leaderboard example keeps the 100 most recent scores in a list. This one reads the same
-- game_scores stream (the same generated source) and keeps the 100 highest: one sorted set per
-- game, each player a member scored with their best score so far ('greater': ZADD GT never
-- lowers a score), trimmed after every flush to the 100 highest members (ZREMRANGEBYRANK).
-- A later, lower score of a player cannot undo their best, and a player who drops out of the
-- top 100 cannot come back with less than the 100th score, which only rises. Both commands are
-- idempotent, so a replay after a crash leaves the same sets (at-least-once delivery).
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

-- One sorted set per game: top_scores:<game_id>, member player_id, score its best score
CREATE TABLE top_scores (
    game_id TEXT,
    player_id TEXT,
    score BIGINT
) WITH (
    connector = 'redis',
    address = 'redis://localhost:6379',
    type = 'sink',
    'sink.type' = 'sorted_set',
    'sink.sorted_set_prefix' = 'top_scores:',
    'sink.sorted_set_key_column' = 'game_id',
    'sink.member_column' = 'player_id',
    'sink.score_column' = 'score',
    'sink.score_mode' = 'greater',  -- keep each player's best score
    'sink.max_members' = '100'      -- keep the 100 highest
);

INSERT INTO top_scores
SELECT game_id, player_id, score
FROM game_scores;
