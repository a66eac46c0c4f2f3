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
  | 'XADD'
  | 'XADDROW';

/**
 * Operations whose runs also carry the exact sum of their rows' values (one argument after them):
 * a run applied whole is one command with the sum instead of one per row.
 */
export const FENCE_OP_SUMMED: ReadonlySet<FenceOp> = new Set(['INCRBY']);

/** Operations whose run's rows go to Redis as one command: all applied, or none. */
export const FENCE_OP_VARIADIC: ReadonlySet<FenceOp> = new Set([
  'RPUSH',
  'LPUSH',
  'RPUSHX',
  'LPUSHX',
  'SADD',
  'HSET',
  'ZADD',
]);

/**
 * Arguments each row of an operation carries; 0: a count, then that many (XADD, HCOLS). XADDROW
 * is an XADD of one field per row: the field is the last flag, the row carries its value.
 */
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
  XADDROW: 1,
};

/**
 * The exactly-once apply script. One call carries the rows of a flush for one slot (Redis Cluster)
 * or for all slots (standalone); it applies, in order, only the rows newer than the fence of their
 * (slot, partition), and moves the fences forward — atomically, since a script runs alone.
 *
 * ```
 * KEYS[1]   the table's fence hash: on a cluster the one of the call's slot, on standalone Redis
 *           the table's only one          KEYS[2..] the data keys
 * ARGV[1] owner (job identity)  ARGV[2] writer generation  ARGV[3] op (FenceOp)
 * ARGV[4] G, then G flags of the op (SET: EX 60 NX ...; ZADD: NX GT ...; XADD: MAXLEN ~ 1000)
 * then U, and U fences, one per (slot, partition) of the call: field, generation field, prev
 *   (-1: none), or for a fence the writer knows exact (below) -(prev + 2)
 * then Q, and Q commands run after the rows, each once (a list's LTRIM, an EXPIRE):
 *   key index (2..), m, command name, m - 1 arguments after the key
 * then runs of rows of one key and one partition, in input order (the runs of one fence in
 * offset order: the script keeps one fence for them all):
 *   fence number (1..U; negated for a run of removals), key index (2..), n, first offset, last
 *   offset, the n offsets comma-separated (strictly rising; read only when the run straddles the
 *   fence or an error stops it part way), then the n rows' arguments: 1 or 2 each
 *   (FENCE_OP_WIDTH), or for XADD and HCOLS a count c and c arguments; for INCRBY instead the n
 *   values comma-separated and their exact sum (FENCE_OP_SUMMED), sent as one INCRBY when no row
 *   of the run was applied before
 *   or, for a bare run (below): fence number, key index negated, n, last offset, then the rows'
 *   arguments as above, for INCRBY only the sum
 * ```
 * A run's rows newer than the fence go to Redis as one variadic command straight from ARGV where
 * Redis has one (RPUSH, LPUSH, SADD, HSET, ZADD), else one command per row; only a run that
 * straddles the fence (a replay) starts part way; XADDROW, ZADD INCR and the plain per-row
 * commands of one or two arguments each have a loop of their own. A run of removals (an `upsert` table's deletes,
 * sent with its fence number negated and the op's arguments per row) removes instead, one command
 * per row: `DEL key` for SET and HCOLS, `HDEL key field` for HSET and HSETNX, `SREM key member`
 * for SADD, `ZREM key member` for ZADD. Offsets are integers below 2^53 (compared as Lua
 * numbers, stored as sent). HCOLS is a row of the hash `columns` layout: its arguments are s, s
 * field/value pairs for HSET, then the fields to HDEL.
 *
 * The fence fields are read with one `HMGET` and moved with one `HSET` per call (in chunks of a
 * thousand, below Lua's `unpack` limit): the call's cost on the server does not grow with the
 * number of slots it touches beyond one field each.
 *
 * `prev` (-1: none) is the highest offset the writer's earlier calls sent for this fence. Before
 * writing anything the script checks every fence against it: short of it, an earlier call was
 * not applied whole (an error reply, NOSCRIPT) and this one, sent before its outcome was known,
 * must not move the fence past the rows it missed: `FENCEGAP`. `exact` says the writer knows the
 * fence cannot be past `prev` (a reply showed it caught up with the writer's rows); then past it
 * means that another writer of the same job and generation moved it: `FENCEAHEAD`. Under such a
 * fence a run that starts past `prev` and past the fence's earlier runs in the call cannot
 * straddle it, so the writer sends it **bare** — without its first offset and offsets, and for
 * INCRBY without its values — when its rows go as one command (all applied, or none); the
 * script refuses a bare run under a fence not sent as exact.
 *
 * Fence hash fields: `job` → the owner whose offsets it holds; per slot, `gen` (cluster) or
 * `gen@<slot>` (standalone) → the highest writer generation of that owner seen in the slot (a
 * shard owns whole slots, and shards of one job raise their generations apart); `p:<partition>`
 * (cluster) or `p:<partition>@<slot>` (standalone) → last applied offset. A fence hash of another
 * owner (another job, whose offsets mean nothing to this one) is taken over: emptied, then owned
 * by the caller. A call from an older generation of the owner than one of its slots has seen is
 * refused with a `FENCED` error before it writes anything: a superseded ("zombie") writer never
 * writes again to a slot its successor touched. Returns the number of rows applied.
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
local fk = KEYS[1]
local nu = tonumber(ARGV[a])
local fieldAt = a + 1
local fields = {}
local prevs = {}
local exact = {}
-- Generations are kept per slot (a shard owns whole slots): distinct generation fields of the call.
local genFields, genSeen, ng2 = {}, {}, 0
for u = 1, nu do
  local at = fieldAt + 3 * u - 3
  fields[u] = ARGV[at]
  local g = ARGV[at + 1]
  if not genSeen[g] then
    ng2 = ng2 + 1
    genFields[ng2] = g
    genSeen[g] = true
  end
  local prev = tonumber(ARGV[at + 2])
  if prev <= -2 then
    exact[u] = true
    prev = -prev - 2
  end
  prevs[u] = prev
end
-- Each fence against the writer's prev, before anything is written.
local function check(u, c)
  local prev = prevs[u]
  if prev < 0 or c == prev or (c > prev and not exact[u]) then return nil end
  if c < prev then
    return redis.error_reply('FENCEGAP the fence ' .. fields[u] .. ' is at ' .. c .. ', short of ' .. prev .. ' that an earlier call sent [KEYS[1]]')
  end
  return redis.error_reply('FENCEAHEAD the fence ' .. fields[u] .. ' is at ' .. c .. ', past ' .. prev .. ' that this writer sent last: another writer of this job and generation writes the partition [KEYS[1]]')
end
-- Another job's fences (or none yet): their offsets say nothing about this job's rows.
local takeover = redis.call('HGET', fk, 'job') ~= owner
local raise = {}
local anyRaise = takeover
local cur = {}
if takeover then
  for u = 1, nu do
    cur[u] = -1
    local err = check(u, -1)
    if err then return err end
  end
else
  for s = 1, ng2, 1000 do
    local e = math.min(ng2, s + 999)
    local got = redis.call('HMGET', fk, unpack(genFields, s, e))
    for k = s, e do
      local text = got[k - s + 1]
      -- Mostly the caller's own generation, stored as it sent it: no number to read then.
      if text ~= ARGV[2] then
        local stored = tonumber(text or '0')
        if gen < stored then
          return redis.error_reply('FENCED writer generation ' .. ARGV[2] .. ' is older than ' .. stored)
        end
        if gen > stored then
          raise[k] = true
          anyRaise = true
        end
      end
    end
  end
  for s = 1, nu, 1000 do
    local e = math.min(nu, s + 999)
    local got = redis.call('HMGET', fk, unpack(fields, s, e))
    for u = s, e do
      local text = got[u - s + 1]
      local c = text and tonumber(text) or -1
      cur[u] = c
      if prevs[u] >= 0 then
        local err = check(u, c)
        if err then return err end
      end
    end
  end
end
if takeover then
  redis.call('DEL', fk)
  redis.call('HSET', fk, 'job', owner)
end
if anyRaise then
  local gset = {}
  for k = 1, ng2 do
    if takeover or raise[k] then
      gset[#gset + 1] = genFields[k]
      gset[#gset + 1] = ARGV[2]
      if #gset >= 1000 then
        redis.call('HSET', fk, unpack(gset))
        gset = {}
      end
    end
  end
  if #gset > 0 then redis.call('HSET', fk, unpack(gset)) end
end
local i = fieldAt + 3 * nu
local nq = tonumber(ARGV[i])
local post = i + 1
i = post
for q = 1, nq do i = i + 2 + tonumber(ARGV[i + 1]) end
local WIDTH = { SET = 1, RPUSH = 1, LPUSH = 1, RPUSHX = 1, LPUSHX = 1, SADD = 1, HSET = 2, HSETNX = 2,
  ZADD = 2, ZINCRBY = 2, INCRBY = 1, INCRBYFLOAT = 1, HINCRBY = 2, HINCRBYFLOAT = 2, HCOLS = 0, XADD = 0,
  XADDROW = 1 }
local VARIADIC = { RPUSH = true, LPUSH = true, RPUSHX = true, LPUSHX = true, SADD = true, HSET = true, ZADD = true }
local width = WIDTH[op]
if width == nil then return redis.error_reply('ERR fence script: unknown operation ' .. op) end
local variadic = VARIADIC[op]
local summed = op == 'INCRBY'

-- One table for the arguments of every XADD / ZADD INCR row: key, flags, '*' or INCR, then the
-- row's own (a table per row would be the script's largest cost on streams). XADDROW's last flag
-- is the field, after the '*'.
local rowArgs = { '' }
local lead = ng + 2
if op == 'XADDROW' then
  for g = 1, ng - 1 do rowArgs[g + 1] = flags[g] end
  rowArgs[ng + 1] = '*'
  rowArgs[ng + 2] = flags[ng]
else
  for g = 1, ng do rowArgs[g + 1] = flags[g] end
  rowArgs[ng + 2] = op == 'XADD' and '*' or 'INCR'
end
-- Per-row commands built in rowArgs (XADDROW, ZADD INCR), and their name.
local viaRowArgs = op == 'XADDROW' or (op == 'ZINCRBY' and ng > 0)
local rowVerb = op == 'XADDROW' and 'XADD' or 'ZADD'

-- One row's command, its arguments at ARGV[at..] (c of them, for XADD and HCOLS); returns the reply.
local function apply(k, at, c)
  if op == 'SET' then return redis.pcall('SET', k, ARGV[at], unpack(flags)) end
  if op == 'XADD' then
    rowArgs[1] = k
    for x = 0, c - 1 do rowArgs[lead + 1 + x] = ARGV[at + x] end
    return redis.pcall('XADD', unpack(rowArgs, 1, lead + c))
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
    rowArgs[1] = k
    rowArgs[lead + 1] = ARGV[at]
    rowArgs[lead + 2] = ARGV[at + 1]
    return redis.pcall('ZADD', unpack(rowArgs, 1, lead + 2))
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

local moved = {}
-- Fences moved since cur was last updated: cur is read back from moved when compared again.
local stale = {}
local applied = 0
local failed, failedKey = nil, nil
local n = #ARGV
local REMOVE = { SET = 'DEL', HCOLS = 'DEL', HSET = 'HDEL', HSETNX = 'HDEL', SADD = 'SREM', ZADD = 'ZREM' }
-- One row's removal, its arguments at ARGV[at..] as the op's rows carry them.
local function remove(k, at)
  local verb = REMOVE[op]
  if verb == 'DEL' then return redis.pcall('DEL', k) end
  if op == 'ZADD' then return redis.pcall('ZREM', k, ARGV[at + 1]) end
  return redis.pcall(verb, k, ARGV[at])
end

while i <= n do
  local u = tonumber(ARGV[i])
  local removing = u < 0
  if removing then u = -u end
  local ki = tonumber(ARGV[i + 1])
  local bare = ki < 0
  if bare then ki = -ki end
  local k = KEYS[ki]
  local cnt = tonumber(ARGV[i + 2])
  local firstOff, lastOff, packed, vals
  if bare then
    lastOff = ARGV[i + 3]
    packed = ''
    vals = i + 4
  else
    firstOff = ARGV[i + 3]
    lastOff = ARGV[i + 4]
    packed = ARGV[i + 5]
    vals = i + 6
  end
  -- Where each row's arguments start (and, at [cnt], where the run ends): computed for fixed
  -- widths, listed only for rows that vary; a summed run sends its values packed instead (none
  -- when bare).
  local at = nil
  local sum, packedVals = nil, nil
  if summed then
    if bare then
      sum = ARGV[vals]
      i = vals + 1
    else
      packedVals = ARGV[vals]
      sum = ARGV[vals + 1]
      i = vals + 2
    end
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
  -- A bare run is newer than its fence (see above): its offsets are never compared, and the
  -- fence it moves is read back as a number only if a later run of the call compares with it.
  local newer = bare
  if not bare then
    if stale[u] then
      cur[u] = tonumber(moved[u])
      stale[u] = false
    end
    -- Offsets rise within a run: if the last is not newer than the fence, none is.
    newer = tonumber(lastOff) > cur[u]
  end
  if newer then
    local c = cur[u]
    local j = 0
    local o = nil
    -- Only a run that straddles the fence (a replay) reads its offsets one by one; a bare run has
    -- a prev the fence was checked to equal, below its first offset.
    if bare then
      if not exact[u] then
        failed = 'ERR fence script: a run sent without its offsets under a fence not sent as exact'
        failedKey = ki
        break
      end
    elseif tonumber(firstOff) <= c then
      o = split(packed)
      while tonumber(o[j + 1]) <= c do j = j + 1 end
    end
    -- Rows of the run applied: j .. last - 1.
    local last = cnt
    if removing then
      if REMOVE[op] == nil then
        failed = 'ERR fence script: ' .. op .. ' rows cannot be removed'
        last = j
      else
        for r = j, cnt - 1 do
          local res = remove(k, pos(at, vals, r))
          if type(res) == 'table' and res.err then failed = res.err; last = r; break end
        end
      end
    elseif summed then
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
    elseif viaRowArgs then
      rowArgs[1] = k
      local top = lead + width
      for r = j, cnt - 1 do
        local x = vals + r * width
        rowArgs[lead + 1] = ARGV[x]
        if width == 2 then rowArgs[lead + 2] = ARGV[x + 1] end
        local res = redis.pcall(rowVerb, unpack(rowArgs, 1, top))
        if type(res) == 'table' and res.err then failed = res.err; last = r; break end
      end
    elseif ng == 0 and width == 1 then
      for r = j, cnt - 1 do
        local res = redis.pcall(op, k, ARGV[vals + r])
        if type(res) == 'table' and res.err then failed = res.err; last = r; break end
      end
    elseif ng == 0 and width == 2 then
      for r = j, cnt - 1 do
        local x = vals + 2 * r
        local res = redis.pcall(op, k, ARGV[x], ARGV[x + 1])
        if type(res) == 'table' and res.err then failed = res.err; last = r; break end
      end
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
      if last < cnt then
        o = o or split(packed)
        moved[u] = o[last]
      else
        moved[u] = lastOff
      end
      stale[u] = true
    end
    if failed then failedKey = ki; break end
  end
end
local set, ns = {}, 0
for u = 1, nu do
  local lo = moved[u]
  if lo then
    set[ns + 1] = fields[u]
    set[ns + 2] = lo
    ns = ns + 2
    if ns >= 1000 then
      redis.call('HSET', fk, unpack(set, 1, ns))
      ns = 0
    end
  end
end
if ns > 0 then redis.call('HSET', fk, unpack(set, 1, ns)) end
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
