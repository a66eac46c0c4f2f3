import { createHash } from 'node:crypto';

/**
 * What the script does with a run's rows (ARGV[3]): the operations it knows. A target whose rows
 * need another command must teach the script that command first.
 */
export type FenceOp =
  | 'SET'
  | 'RPUSH'
  | 'LPUSH'
  | 'RPUSHX'
  | 'LPUSHX'
  | 'HSET'
  | 'HSETNX'
  | 'HCOLS'
  | 'SADD'
  | 'ZADD'
  | 'ZINCRBY'
  | 'INCRBY'
  | 'INCRBYFLOAT'
  | 'HINCRBY'
  | 'HINCRBYFLOAT'
  | 'XADD';

/**
 * Operations whose runs also carry the exact sum of their rows' values (one argument after them):
 * a run applied whole is one command with the sum instead of one per row.
 */
export const FENCE_OP_SUMMED: ReadonlySet<FenceOp> = new Set(['INCRBY']);

/** Arguments each row of an operation carries; 0: a count, then that many (XADD, HCOLS). */
export const FENCE_OP_WIDTH: Readonly<Record<FenceOp, number>> = {
  SET: 1,
  RPUSH: 1,
  LPUSH: 1,
  RPUSHX: 1,
  LPUSHX: 1,
  SADD: 1,
  HSET: 2,
  HSETNX: 2,
  ZADD: 2,
  ZINCRBY: 2,
  INCRBY: 1,
  INCRBYFLOAT: 1,
  HINCRBY: 2,
  HINCRBYFLOAT: 2,
  HCOLS: 0,
  XADD: 0,
};

/**
 * The exactly-once apply script. One call carries the rows of a flush for one slot (Redis Cluster)
 * or for all slots (standalone); it applies, in order, only the rows newer than the fence of their
 * (slot, partition), and moves the fences forward — atomically, since a script runs alone.
 *
 * ```
 * KEYS[1..F]    the table's fence hashes, one per slot in the call     KEYS[F+1..] the data keys
 * ARGV[1] owner (job identity)  ARGV[2] writer generation  ARGV[3] op (FenceOp)
 * ARGV[4] G, then G flags of the op (SET: EX 60 NX ...; ZADD: NX GT ...; XADD: MAXLEN ~ 1000)
 * then F, P, P partition names
 * then Q, and Q commands run after the rows, each once (a list's LTRIM, an EXPIRE):
 *   key index (F+1..), m, command name, m - 1 arguments after the key
 * then runs of rows of one key and one partition, in input order (the runs of one slot and
 * partition in offset order: the script keeps one fence for them all):
 *   fence index (1..F), key index (F+1..), partition index (1..P), prev, n,
 *   first offset, last offset, the n offsets comma-separated (strictly rising; read only when the
 *   run straddles the fence), then the n rows' arguments: 1 or 2 each (FENCE_OP_WIDTH), or for
 *   XADD and HCOLS a count c and c arguments; for INCRBY instead the n values comma-separated
 *   and their exact sum (FENCE_OP_SUMMED), sent as one INCRBY when no row of the run was applied
 *   before
 * ```
 * A run's rows newer than the fence go to Redis as one variadic command straight from ARGV where
 * Redis has one (RPUSH, LPUSH, SADD, HSET, ZADD), else one command per row; only a run that
 * straddles the fence (a replay) starts part way. Offsets are integers below 2^53 (compared as Lua
 * numbers, stored as sent). HCOLS is a row of the hash `columns` layout: its arguments are s, s
 * field/value pairs for HSET, then the fields to HDEL.
 *
 * `prev` (-1: none) is the offset an earlier call of the same writer left for this (slot,
 * partition): if the fence has not reached it, that call was not applied whole (an error reply,
 * NOSCRIPT) and this one, sent before its outcome was known, must not move the fence past the
 * rows it missed: the script stops with a `FENCEGAP` error, as at an error reply.
 *
 * Fence hash fields: `job` → the owner whose offsets it holds; `gen` → the highest writer
 * generation of that owner seen; `p:<partition>` → last applied offset. A fence of another owner
 * (another job, whose offsets mean nothing to this one) is taken over: emptied, then owned by the
 * caller. A call from an older generation of the owner than any of its fences has seen is refused
 * with a `FENCED` error before it writes anything: a superseded ("zombie") writer never writes
 * again to a slot its successor touched. Returns the number of rows applied.
 *
 * Redis does not roll a script back when one of its commands fails, so the data commands run
 * under `pcall`: at the first error reply (`WRONGTYPE` on a key of another type, ...) the script
 * applies nothing more, moves each fence to the last row that *was* applied, runs the commands
 * after the rows, and only then returns that error, followed by ` [KEYS[i]]` naming the key. A
 * replay after the key is fixed then applies exactly the rows that were not.
 */
export const FENCE_SCRIPT = `
local owner = ARGV[1]
local gen = tonumber(ARGV[2])
local op = ARGV[3]
local ng = tonumber(ARGV[4])
local flags = {}
for g = 1, ng do flags[g] = ARGV[4 + g] end
local a = 5 + ng
local nf = tonumber(ARGV[a])
local np = tonumber(ARGV[a + 1])
local raise = {}
for f = 1, nf do
  local own = redis.call('HMGET', KEYS[f], 'job', 'gen')
  if own[1] == owner then
    local stored = tonumber(own[2] or '0')
    if gen < stored then
      return redis.error_reply('FENCED writer generation ' .. ARGV[2] .. ' is older than ' .. stored)
    end
    if gen > stored then raise[f] = 1 end
  else
    -- Another job's fence (or none yet): its offsets say nothing about this job's rows.
    raise[f] = 2
  end
end
for f = 1, nf do
  if raise[f] == 2 then
    redis.call('DEL', KEYS[f])
    redis.call('HSET', KEYS[f], 'job', owner, 'gen', ARGV[2])
  elseif raise[f] == 1 then
    redis.call('HSET', KEYS[f], 'gen', ARGV[2])
  end
end
local fields = {}
for p = 1, np do fields[p] = 'p:' .. ARGV[a + 1 + p] end
local i = a + 2 + np
local nq = tonumber(ARGV[i])
local post = i + 1
i = post
for q = 1, nq do i = i + 2 + tonumber(ARGV[i + 1]) end
local WIDTH = { SET = 1, RPUSH = 1, LPUSH = 1, RPUSHX = 1, LPUSHX = 1, SADD = 1, HSET = 2, HSETNX = 2,
  ZADD = 2, ZINCRBY = 2, INCRBY = 1, INCRBYFLOAT = 1, HINCRBY = 2, HINCRBYFLOAT = 2, HCOLS = 0, XADD = 0 }
local VARIADIC = { RPUSH = true, LPUSH = true, RPUSHX = true, LPUSHX = true, SADD = true, HSET = true, ZADD = true }
local width = WIDTH[op]
if width == nil then return redis.error_reply('ERR fence script: unknown operation ' .. op) end
local variadic = VARIADIC[op]
local summed = op == 'INCRBY'

-- One row's command, its arguments at ARGV[at..] (c of them, for XADD and HCOLS); returns the reply.
local function apply(k, at, c)
  if op == 'SET' then return redis.pcall('SET', k, ARGV[at], unpack(flags)) end
  if op == 'XADD' then
    local args = { k }
    for g = 1, ng do args[#args + 1] = flags[g] end
    args[#args + 1] = '*'
    for x = 0, c - 1 do args[#args + 1] = ARGV[at + x] end
    return redis.pcall('XADD', unpack(args))
  end
  if op == 'HCOLS' then
    local s = tonumber(ARGV[at])
    local res = true
    if s > 0 then res = redis.pcall('HSET', k, unpack(ARGV, at + 1, at + 2 * s)) end
    if type(res) == 'table' and res.err then return res end
    if c > 1 + 2 * s then res = redis.pcall('HDEL', k, unpack(ARGV, at + 1 + 2 * s, at + c - 1)) end
    return res
  end
  if op == 'ZINCRBY' and ng > 0 then
    local args = { k }
    for g = 1, ng do args[#args + 1] = flags[g] end
    args[#args + 1] = 'INCR'
    args[#args + 1] = ARGV[at]
    args[#args + 1] = ARGV[at + 1]
    return redis.pcall('ZADD', unpack(args))
  end
  if width == 1 then return redis.pcall(op, k, ARGV[at]) end
  return redis.pcall(op, k, ARGV[at], ARGV[at + 1])
end

-- Where row r of a run starts: listed in at for rows that vary, else computed.
local function pos(at, vals, r)
  if at then return at[r] end
  return vals + r * width
end

-- The parts of a comma-separated list (a run's offsets, a summed run's values).
local function split(text)
  local t = {}
  for x in string.gmatch(text, '[^,]+') do t[#t + 1] = x end
  return t
end

local cur, moved = {}, {}
local applied = 0
local failed, failedKey = nil, nil
local n = #ARGV
while i <= n do
  local f = tonumber(ARGV[i])
  local ki = tonumber(ARGV[i + 1])
  local k = KEYS[ki]
  local p = tonumber(ARGV[i + 2])
  local prev = tonumber(ARGV[i + 3])
  local cnt = tonumber(ARGV[i + 4])
  local firstOff = ARGV[i + 5]
  local lastOff = ARGV[i + 6]
  local packed = ARGV[i + 7]
  local vals = i + 8
  -- Where each row's arguments start (and, at [cnt], where the run ends): computed for fixed
  -- widths, listed only for rows that vary; a summed run sends its values packed instead.
  local at = nil
  local sum, packedVals = nil, nil
  if summed then
    packedVals = ARGV[vals]
    sum = ARGV[vals + 1]
    i = vals + 2
  elseif width == 0 then
    at = {}
    local x = vals
    for r = 0, cnt - 1 do
      at[r] = x + 1
      x = x + 1 + tonumber(ARGV[x])
    end
    at[cnt] = x
    i = x
  else
    i = vals + cnt * width
  end
  local ck = f * 1000000 + p
  local c = cur[ck]
  if c == nil then
    c = tonumber(redis.call('HGET', KEYS[f], fields[p]) or '-1')
    if prev >= 0 and c < prev then
      failed = 'FENCEGAP the fence of ' .. fields[p] .. ' is at ' .. c .. ', short of ' .. prev .. ' that an earlier call sent'
      failedKey = f
      break
    end
  end
  -- Offsets rise within a run: if the last is not newer than the fence, none is.
  if tonumber(lastOff) > c then
    local j = 0
    local o = nil
    -- Only a run that straddles the fence (a replay) reads its offsets one by one.
    if tonumber(firstOff) <= c then
      o = split(packed)
      while tonumber(o[j + 1]) <= c do j = j + 1 end
    end
    -- Rows of the run applied: j .. last - 1.
    local last = cnt
    if summed then
      if j == 0 then
        local res = redis.pcall(op, k, sum)
        if type(res) == 'table' and res.err then failed = res.err; last = j end
      else
        local v = split(packedVals)
        for r = j, cnt - 1 do
          local res = redis.pcall(op, k, v[r + 1])
          if type(res) == 'table' and res.err then failed = res.err; last = r; break end
        end
      end
    elseif variadic then
      local res
      if ng > 0 then
        local args = { k }
        for g = 1, ng do args[#args + 1] = flags[g] end
        for y = pos(at, vals, j), pos(at, vals, cnt) - 1 do args[#args + 1] = ARGV[y] end
        res = redis.pcall(op, unpack(args))
      else
        res = redis.pcall(op, k, unpack(ARGV, pos(at, vals, j), pos(at, vals, cnt) - 1))
      end
      if type(res) == 'table' and res.err then failed = res.err; last = j end
    else
      for r = j, cnt - 1 do
        local nargs = 0
        if width == 0 then nargs = tonumber(ARGV[at[r] - 1]) end
        local res = apply(k, pos(at, vals, r), nargs)
        if type(res) == 'table' and res.err then failed = res.err; last = r; break end
      end
    end
    if last > j then
      applied = applied + last - j
      -- The offset as sent: Lua's tostring would print large numbers with 14 digits.
      local lo = lastOff
      if last < cnt then
        o = o or split(packed)
        lo = o[last]
      end
      cur[ck] = tonumber(lo)
      moved[ck] = { f, p, lo }
    else
      cur[ck] = c
    end
    if failed then failedKey = ki; break end
  else
    cur[ck] = c
  end
end
for _, mv in pairs(moved) do redis.call('HSET', KEYS[mv[1]], fields[mv[2]], mv[3]) end
local q = post
for _ = 1, nq do
  local m = tonumber(ARGV[q + 1])
  local qk = tonumber(ARGV[q])
  local res = redis.pcall(ARGV[q + 2], KEYS[qk], unpack(ARGV, q + 3, q + m + 1))
  if type(res) == 'table' and res.err and not failed then failed = res.err; failedKey = qk end
  q = q + 2 + m
end
if failed then return redis.error_reply(failed .. ' [KEYS[' .. failedKey .. ']]') end
return applied
`;

/** SHA1 of the script, as EVALSHA wants it. */
export const FENCE_SCRIPT_SHA = createHash('sha1').update(FENCE_SCRIPT).digest('hex');
