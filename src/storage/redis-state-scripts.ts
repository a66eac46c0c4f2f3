/**
 * The Lua scripts of the Redis state store. Each write is one script, so it is atomic (a
 * checkpoint published whole or not at all, a metadata document replaced whole) and checks,
 * in the same step as it writes:
 *
 * - the format version key: a store of another format version is refused (`STATEVERSION`),
 *   nothing is written;
 * - the fence: the writer's coordinator epoch against the store's epoch key, and a job attempt's
 *   generation against its scope's generation key (`STATEFENCED`), nothing is written.
 *
 * Every key a script touches shares the store's hash tag (redis-state-keys.ts), so on a Redis
 * Cluster the script runs on the one master of that slot. The publish script also deletes the
 * chunks of pruned checkpoints, keys it computes itself: they share the tag, hence the slot.
 */
import { createHash } from 'node:crypto';

/** A script: its source and the SHA1 that EVALSHA names it by. */
export interface StateScript {
  readonly source: string;
  readonly sha: string;
}

function script(body: string): StateScript {
  const source = `${CHECK}\n${body}`;
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/*
 * The common prelude. KEYS[1] format, KEYS[2] the store epoch, KEYS[3] the scope generation;
 * ARGV[1] the format version, ARGV[2] the writer's epoch ('' : not checked), ARGV[3] the
 * writer's generation ('' : not checked).
 */
const CHECK = `
local function refused()
  local f = redis.call('GET', KEYS[1])
  if f ~= ARGV[1] then
    return 'STATEVERSION ' .. (f or 'missing')
  end
  if ARGV[2] ~= '' then
    local e = tonumber(redis.call('GET', KEYS[2]) or '0')
    if e ~= tonumber(ARGV[2]) then return 'STATEFENCED store ' .. ARGV[2] .. ' ' .. e end
  end
  if ARGV[3] ~= '' then
    local g = tonumber(redis.call('GET', KEYS[3]) or '0')
    if g ~= tonumber(ARGV[3]) then return 'STATEFENCED generation ' .. ARGV[3] .. ' ' .. g end
  end
  return nil
end`;

/**
 * Opens the store: refuses another format version, records ours on an empty store, makes the
 * store id once. KEYS[4] the id key; ARGV[4] a fresh id. Returns the id.
 */
export const INIT = script(`
local f = redis.call('GET', KEYS[1])
if f and f ~= ARGV[1] then return redis.error_reply('STATEVERSION ' .. f) end
if not f then redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('SET', KEYS[4], ARGV[4], 'NX')
return redis.call('GET', KEYS[4])
`);

/** Replaces the metadata document. KEYS[4] meta, KEYS[5] its version; ARGV[4] the text. */
export const WRITE_META = script(`
local why = refused()
if why then return redis.error_reply(why) end
redis.call('SET', KEYS[4], ARGV[4])
return redis.call('INCR', KEYS[5])
`);

/**
 * Publishes a checkpoint whose chunks are written already (with a TTL, so the chunks of a write
 * that never publishes expire by themselves). KEYS[4] the checkpoints hash, KEYS[5] the high
 * id, KEYS[6..] the chunks; ARGV[4] the id, ARGV[5] its manifest, ARGV[6] how many to keep,
 * ARGV[7] the chunk key prefix, ARGV[8] (optional) the one chunk's bytes, for a checkpoint small
 * enough to be written by this call alone. Pruned checkpoints' chunks are deleted in the same step.
 */
export const PUBLISH = script(`
local why = refused()
if why then return redis.error_reply(why) end
local id = tonumber(ARGV[4])
local high = tonumber(redis.call('GET', KEYS[5]) or '-1')
for _, k in ipairs(redis.call('HKEYS', KEYS[4])) do
  if tonumber(k) > high then high = tonumber(k) end
end
if id <= high then return redis.error_reply('STATEIDLOW ' .. high) end
if ARGV[8] then redis.call('SET', KEYS[6], ARGV[8]) end
for i = 6, #KEYS do
  if redis.call('PERSIST', KEYS[i]) == 0 and redis.call('EXISTS', KEYS[i]) == 0 then
    return redis.error_reply('STATECHUNK chunk ' .. (i - 6) .. ' of checkpoint ' .. ARGV[4] .. ' is missing')
  end
end
redis.call('HSET', KEYS[4], ARGV[4], ARGV[5])
redis.call('SET', KEYS[5], ARGV[4])
local ids = {}
for _, k in ipairs(redis.call('HKEYS', KEYS[4])) do ids[#ids + 1] = tonumber(k) end
table.sort(ids)
local keep = tonumber(ARGV[6])
for i = 1, #ids - keep do
  local m = cjson.decode(redis.call('HGET', KEYS[4], tostring(ids[i])))
  for n = 0, m.chunks - 1 do
    redis.call('DEL', ARGV[7] .. m.version .. ':' .. n)
  end
  redis.call('HDEL', KEYS[4], tostring(ids[i]))
end
return id
`);

/** Raises a generation: max(current, ARGV[4] - 1) + 1. KEYS[3] is the generation. */
export const RAISE_GENERATION = script(`
local why = refused()
if why then return redis.error_reply(why) end
local cur = tonumber(redis.call('GET', KEYS[3]) or '0')
local next = math.max(cur, tonumber(ARGV[4]) - 1) + 1
redis.call('SET', KEYS[3], next)
return next
`);

/** The job's identity, made once. KEYS[4] the identity; ARGV[4] a fresh one. */
export const JOB_IDENTITY = script(`
local why = refused()
if why then return redis.error_reply(why) end
redis.call('SET', KEYS[4], ARGV[4], 'NX')
return redis.call('GET', KEYS[4])
`);

/**
 * Takes the lease when nobody holds it: SET NX PX and a new epoch in one step, and the holder's
 * record (leader-record.ts) beside it with the same TTL — or no record, so a predecessor's never
 * names the new holder. KEYS[4] the lease, KEYS[5] the record; ARGV[4] the owner token, ARGV[5]
 * the TTL ms, ARGV[6] the advertised addresses' JSON ('' : none). Returns the epoch, or nil when
 * held.
 */
export const ACQUIRE_LEASE = script(`
local why = refused()
if why then return redis.error_reply(why) end
if not redis.call('SET', KEYS[4], ARGV[4], 'NX', 'PX', ARGV[5]) then return nil end
local e = redis.call('INCR', KEYS[2])
if ARGV[6] ~= '' then
  redis.call('SET', KEYS[5], e .. ' ' .. ARGV[6], 'PX', ARGV[5])
else
  redis.call('DEL', KEYS[5])
end
return e
`);

/**
 * Extends the lease and its record if the lease is still ours (and our epoch, ARGV[2], current);
 * ARGV[6] non-empty replaces the record's addresses. Returns 1 or 0.
 */
export const RENEW_LEASE = script(`
local why = refused()
if why then return 0 end
if redis.call('GET', KEYS[4]) ~= ARGV[4] then return 0 end
redis.call('PEXPIRE', KEYS[4], ARGV[5])
if ARGV[6] ~= '' then
  redis.call('SET', KEYS[5], ARGV[2] .. ' ' .. ARGV[6], 'PX', ARGV[5])
else
  redis.call('PEXPIRE', KEYS[5], ARGV[5])
end
return 1
`);

/** Gives the lease and its record up if the lease is still ours. Returns 1 or 0. */
export const RELEASE_LEASE = script(`
if redis.call('GET', KEYS[4]) ~= ARGV[4] then return 0 end
redis.call('DEL', KEYS[4], KEYS[5])
return 1
`);
