import { createHash } from 'node:crypto';

/**
 * What the script does with a run's rows (ARGV[3]): the operations it knows. A target whose rows
 * need another command must teach the script that command first.
 */
export type FenceOp = 'SET' | 'RPUSH' | 'LPUSH' | 'HSET';

/**
 * The exactly-once apply script. One call carries the rows of a flush for one slot (Redis Cluster)
 * or for all slots (standalone); it applies, in order, only the rows newer than the fence of their
 * (slot, partition), and moves the fences forward — atomically, since a script runs alone.
 *
 * ```
 * KEYS[1..F]    the table's fence hashes, one per slot in the call     KEYS[F+1..] the data keys
 * ARGV[1] owner (job identity)  ARGV[2] writer generation  ARGV[3] op: SET | RPUSH | LPUSH | HSET
 * ARGV[4] SET: ttl secs or ""; lists: maxLength or ""      ARGV[5] F   ARGV[6] P
 * ARGV[7..6+P] partition names
 * then runs of rows of one key and one partition, in input order (the runs of one slot and
 * partition in offset order: the script keeps one fence for them all):
 *   fence index (1..F), key index (F+1..), partition index (1..P), n,
 *   n offsets (strictly rising), then n values (HSET: n field/value pairs)
 * ```
 * A run's rows newer than the fence go to Redis as one variadic RPUSH/LPUSH/HSET straight from
 * ARGV (SET: one per row); only a run that straddles the fence (a replay) is scanned row by row.
 * Offsets are integers below 2^53 (compared as Lua numbers, stored as sent).
 * Fence hash fields: `job` → the owner whose offsets it holds; `gen` → the highest writer
 * generation of that owner seen; `p:<partition>` → last applied offset. A fence of another owner
 * (another job, whose offsets mean nothing to this one) is taken over: emptied, then owned by the
 * caller. A call from an older generation of the owner than any of its fences has seen is refused
 * with a `FENCED` error before it writes anything: a superseded ("zombie") writer never writes
 * again to a slot its successor touched. Returns the number of rows applied.
 *
 * Redis does not roll a script back when one of its commands fails, so the data commands run
 * under `pcall`: at the first error reply (`WRONGTYPE` on a key of another type, ...) the script
 * applies nothing more, moves each fence to the last row that *was* applied, trims the lists it
 * pushed to, and only then returns that error, followed by ` [KEYS[i]]` naming the key. A replay
 * after the key is fixed then applies exactly the rows that were not.
 */
export const FENCE_SCRIPT = `
local owner = ARGV[1]
local gen = tonumber(ARGV[2])
local op = ARGV[3]
local param = ARGV[4]
local nf = tonumber(ARGV[5])
local np = tonumber(ARGV[6])
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
for p = 1, np do fields[p] = 'p:' .. ARGV[6 + p] end
local hash = op == 'HSET'
local set = op == 'SET'
local width = 1
if hash then width = 2 end
local cur, moved, touched = {}, {}, {}
local applied = 0
local failed, failedKey = nil, nil
local i = 7 + np
local n = #ARGV
while i <= n do
  local f = tonumber(ARGV[i])
  local ki = tonumber(ARGV[i + 1])
  local k = KEYS[ki]
  local p = tonumber(ARGV[i + 2])
  local cnt = tonumber(ARGV[i + 3])
  local offs = i + 4
  local vals = offs + cnt
  i = vals + cnt * width
  local ck = f * 1000000 + p
  local c = cur[ck]
  if c == nil then c = tonumber(redis.call('HGET', KEYS[f], fields[p]) or '-1') end
  -- Offsets rise within a run: if the last is not newer than the fence, none is.
  if tonumber(ARGV[vals - 1]) > c then
    local j = 0
    while tonumber(ARGV[offs + j]) <= c do j = j + 1 end
    -- Rows of the run applied: j .. last - 1.
    local last = cnt
    if set then
      for r = j, cnt - 1 do
        local res
        if param ~= '' then res = redis.pcall('SET', k, ARGV[vals + r], 'EX', param) else res = redis.pcall('SET', k, ARGV[vals + r]) end
        if type(res) == 'table' and res.err then failed = res.err; last = r; break end
      end
    else
      local res = redis.pcall(op, k, unpack(ARGV, vals + j * width, vals + cnt * width - 1))
      if type(res) == 'table' and res.err then failed = res.err; last = j
      elseif not hash then touched[k] = true end
    end
    if last > j then
      applied = applied + last - j
      cur[ck] = tonumber(ARGV[offs + last - 1])
      -- The offset as sent: Lua's tostring would print large numbers with 14 digits.
      moved[ck] = { f, p, ARGV[offs + last - 1] }
    else
      cur[ck] = c
    end
    if failed then failedKey = ki; break end
  else
    cur[ck] = c
  end
end
for _, mv in pairs(moved) do redis.call('HSET', KEYS[mv[1]], fields[mv[2]], mv[3]) end
if param ~= '' and (op == 'RPUSH' or op == 'LPUSH') then
  local max = tonumber(param)
  for k in pairs(touched) do
    if op == 'RPUSH' then redis.call('LTRIM', k, -max, -1) else redis.call('LTRIM', k, 0, max - 1) end
  end
end
if failed then return redis.error_reply(failed .. ' [KEYS[' .. failedKey .. ']]') end
return applied
`;

/** SHA1 of the script, as EVALSHA wants it. */
export const FENCE_SCRIPT_SHA = createHash('sha1').update(FENCE_SCRIPT).digest('hex');
