import { createHash } from 'node:crypto';

/**
 * The exactly-once apply script. One call per (flush, slot): it applies, in order, only the rows
 * newer than the fence of their partition, and moves the fences forward — atomically, since a
 * script runs alone.
 *
 * ```
 * KEYS[1]   fence hash of the slot            KEYS[2..] the data keys of this call (same slot)
 * ARGV[1]   table name                        ARGV[2]   generation of the writer
 * ARGV[3]   op: SET | RPUSH | LPUSH | HSET     ARGV[4]   SET: ttl secs or ""; lists: maxLength or ""
 * ARGV[5]   P, number of partitions            ARGV[6..5+P] partition names
 * then per row: partition index (1..P), offset, key index (2..#KEYS), [field for HSET], value
 * ```
 * Offsets are integers below 2^53 (compared as Lua numbers, stored as sent).
 * Fence fields: `<table>\0<partition>` → last applied offset; `<table>\0gen` → highest writer
 * generation seen. A call from an older generation is refused with a `FENCED` error: a
 * superseded ("zombie") owner never writes again once its successor has touched the slot.
 * Returns the number of rows applied.
 */
export const FENCE_SCRIPT = `
local tbl = ARGV[1]
local gen = tonumber(ARGV[2])
local op = ARGV[3]
local param = ARGV[4]
local np = tonumber(ARGV[5])
local fence = KEYS[1]
local genField = tbl .. '\\0gen'
local stored = tonumber(redis.call('HGET', fence, genField) or '0')
if gen < stored then
  return redis.error_reply('FENCED writer generation ' .. ARGV[2] .. ' is older than ' .. stored)
end
if gen > stored then redis.call('HSET', fence, genField, ARGV[2]) end
local fields, cur, moved = {}, {}, {}
-- moved[p] keeps the offset as sent: Lua's tostring would print large numbers with 14 digits.
for p = 1, np do
  fields[p] = tbl .. '\\0' .. ARGV[5 + p]
  cur[p] = tonumber(redis.call('HGET', fence, fields[p]) or '-1')
end
local touched = {}
local applied = 0
local step = 4
if op == 'HSET' then step = 5 end
local n = #ARGV
local i = 6 + np
while i <= n do
  local p = tonumber(ARGV[i])
  local off = tonumber(ARGV[i + 1])
  if off > cur[p] then
    local k = KEYS[tonumber(ARGV[i + 2])]
    if op == 'HSET' then
      redis.call('HSET', k, ARGV[i + 3], ARGV[i + 4])
    elseif op == 'SET' then
      if param ~= '' then redis.call('SET', k, ARGV[i + 3], 'EX', param) else redis.call('SET', k, ARGV[i + 3]) end
    else
      redis.call(op, k, ARGV[i + 3])
      touched[k] = true
    end
    cur[p] = off
    moved[p] = ARGV[i + 1]
    applied = applied + 1
  end
  i = i + step
end
for p, off in pairs(moved) do redis.call('HSET', fence, fields[p], off) end
if param ~= '' and (op == 'RPUSH' or op == 'LPUSH') then
  local max = tonumber(param)
  for k in pairs(touched) do
    if op == 'RPUSH' then redis.call('LTRIM', k, -max, -1) else redis.call('LTRIM', k, 0, max - 1) end
  end
end
return applied
`;

/** SHA1 of the script, as EVALSHA wants it. */
export const FENCE_SCRIPT_SHA = createHash('sha1').update(FENCE_SCRIPT).digest('hex');
