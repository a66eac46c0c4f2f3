import { CrossSlotError } from '../errors.js';
import { commandName } from '../pending.js';
import type { Arg, Command } from '../reply.js';
import { keySlot } from './key-slot.js';

/** Slot of a command that has no key: it may run on any master. */
export const NO_SLOT = -1;

/** How a command's keys are laid out among its arguments. */
enum Keys {
  /** No key: any master. */
  None,
  /** Every argument after the name is a key (DEL, MGET, EXISTS, ...). */
  All,
  /** Every argument but the last (BLPOP key... timeout). */
  AllButLast,
  /** Keys at 1, 3, 5, ... (MSET k v k v). */
  EveryOther,
  /** `name script numkeys key...` (EVAL, EVALSHA, FCALL). */
  NumKeysAt2,
  /** `name numkeys key...` (ZUNION, ZINTER, SINTERCARD, LMPOP, ZMPOP). */
  NumKeysAt1,
  /** `name dest numkeys key...` (ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE). */
  DestThenNumKeysAt2,
  /** First two arguments (RENAME, SMOVE, LMOVE, COPY, ...). */
  FirstTwo,
  /** A subcommand, then the key (`XGROUP CREATE key`, `XINFO STREAM key`, `OBJECT ENCODING key`). */
  AfterSubcommand,
  /** The first half of what follows `STREAMS` (`XREAD ... STREAMS k1 k2 id1 id2`, XREADGROUP). */
  AfterStreams,
}

// Commands not listed take their key from argument 1, which holds for nearly every data command.
const LAYOUT = new Map<string, Keys>([
  ...[
    'PING',
    'ECHO',
    'INFO',
    'TIME',
    'DBSIZE',
    'FLUSHALL',
    'FLUSHDB',
    'CONFIG',
    'CLIENT',
    'CLUSTER',
    'COMMAND',
    'SCRIPT',
    'FUNCTION',
    'ACL',
    'HELLO',
    'AUTH',
    'SELECT',
    'WAIT',
    'WAITAOF',
    'ASKING',
    'READONLY',
    'READWRITE',
    'LASTSAVE',
    'SAVE',
    'BGSAVE',
    'BGREWRITEAOF',
    'DEBUG',
    'MEMORY',
    'LATENCY',
    'SLOWLOG',
    'RANDOMKEY',
    'SCAN',
    'KEYS',
    'MULTI',
    'EXEC',
    'DISCARD',
    'UNWATCH',
    'PUBLISH',
    'QUIT',
    'RESET',
    'ROLE',
    'SWAPDB',
    'MODULE',
    'LOLWUT',
    'FAILOVER',
    'SHUTDOWN',
    'MONITOR',
    'SUBSCRIBE',
    'PSUBSCRIBE',
    'UNSUBSCRIBE',
    'PUNSUBSCRIBE',
    'PUBSUB',
  ].map((n) => [n, Keys.None] as const),
  ...[
    'DEL',
    'UNLINK',
    'EXISTS',
    'TOUCH',
    'MGET',
    'WATCH',
    'SINTER',
    'SUNION',
    'SDIFF',
    'SINTERSTORE',
    'SUNIONSTORE',
    'SDIFFSTORE',
    'PFCOUNT',
    'PFMERGE',
  ].map((n) => [n, Keys.All] as const),
  ...['BLPOP', 'BRPOP', 'BZPOPMIN', 'BZPOPMAX'].map((n) => [n, Keys.AllButLast] as const),
  ...['MSET', 'MSETNX'].map((n) => [n, Keys.EveryOther] as const),
  ...['EVAL', 'EVALSHA', 'EVAL_RO', 'EVALSHA_RO', 'FCALL', 'FCALL_RO'].map(
    (n) => [n, Keys.NumKeysAt2] as const,
  ),
  ...['ZUNION', 'ZINTER', 'ZDIFF', 'SINTERCARD', 'ZINTERCARD', 'LMPOP', 'ZMPOP'].map(
    (n) => [n, Keys.NumKeysAt1] as const,
  ),
  ...['ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE'].map((n) => [n, Keys.DestThenNumKeysAt2] as const),
  ...[
    'RENAME',
    'RENAMENX',
    'SMOVE',
    'LMOVE',
    'BLMOVE',
    'RPOPLPUSH',
    'BRPOPLPUSH',
    'COPY',
    'LCS',
    'ZRANGESTORE',
  ].map((n) => [n, Keys.FirstTwo] as const),
  ...['XGROUP', 'XINFO', 'OBJECT'].map((n) => [n, Keys.AfterSubcommand] as const),
  ...['XREAD', 'XREADGROUP'].map((n) => [n, Keys.AfterStreams] as const),
  ...['SSUBSCRIBE', 'SUNSUBSCRIBE'].map((n) => [n, Keys.All] as const),
]);

function nameOf(first: Arg): string {
  if (typeof first === 'string') {
    // Fast path: callers usually write names in upper case already.
    return LAYOUT.has(first) ? first : first.toUpperCase();
  }
  return commandName(first);
}

/** Index range [from, to) of keys, with a stride. Returns null for keyless commands. */
function keyRange(cmd: Command, layout: Keys): [number, number, number] | null {
  const n = cmd.length;
  switch (layout) {
    case Keys.None:
      return null;
    case Keys.All:
      return [1, n, 1];
    case Keys.AllButLast:
      return [1, n - 1, 1];
    case Keys.EveryOther:
      return [1, n, 2];
    case Keys.FirstTwo:
      return [1, Math.min(3, n), 1];
    case Keys.NumKeysAt2:
      return [3, Math.min(n, 3 + Number(cmd[2] ?? 0)), 1];
    case Keys.NumKeysAt1:
      return [2, Math.min(n, 2 + Number(cmd[1] ?? 0)), 1];
    case Keys.DestThenNumKeysAt2: {
      // The destination key (1) must share the slot of the source keys (3..).
      return [3, Math.min(n, 3 + Number(cmd[2] ?? 0)), 1];
    }
    case Keys.AfterSubcommand:
      // `XGROUP HELP`, `XINFO HELP`: no key.
      return n > 2 ? [2, 3, 1] : null;
    case Keys.AfterStreams: {
      const at = streamsAt(cmd);
      if (at < 0) return null;
      const keys = (n - at - 1) >> 1;
      return [at + 1, at + 1 + keys, 1];
    }
  }
}

/** Index of the `STREAMS` token of an XREAD / XREADGROUP, or -1. Options' values are skipped: a group or consumer may be called "streams". */
function streamsAt(cmd: Command): number {
  for (let i = 1; i < cmd.length; ) {
    const a = cmd[i];
    const word =
      typeof a === 'string' ? a.toUpperCase() : Buffer.isBuffer(a) ? a.toString('latin1').toUpperCase() : '';
    if (word === 'STREAMS') return i;
    i += word === 'GROUP' ? 3 : word === 'COUNT' || word === 'BLOCK' ? 2 : 1;
  }
  return -1;
}

/**
 * Hash slot a command must run on, or {@link NO_SLOT} for keyless commands. Commands whose keys
 * span slots throw CrossSlotError before anything is sent.
 */
export function commandSlot(cmd: Command): number {
  const layout = LAYOUT.get(nameOf(cmd[0]));
  if (layout === undefined) return cmd.length > 1 ? keySlot(cmd[1]) : NO_SLOT;
  const range = keyRange(cmd, layout);
  if (range === null) return NO_SLOT;
  const [from, to, step] = range;
  let slot = NO_SLOT;
  let crossed: number[] | null = null;
  if (layout === Keys.DestThenNumKeysAt2 && cmd.length > 1) slot = keySlot(cmd[1]);
  for (let i = from; i < to; i += step) {
    const s = keySlot(cmd[i]);
    if (slot === NO_SLOT) slot = s;
    else if (s !== slot) (crossed ??= [slot]).push(s);
  }
  if (crossed !== null) throw new CrossSlotError(nameOf(cmd[0]), [...new Set(crossed)]);
  return slot;
}

/**
 * Hash slot of a command's first key, or {@link NO_SLOT} for keyless commands: where a pool
 * (pool.ts) sends it. Unlike {@link commandSlot} it never throws: on a standalone server a command
 * may span slots (a fenced script call), and it goes with its first key.
 */
export function firstKeySlot(cmd: Command): number {
  const layout = LAYOUT.get(nameOf(cmd[0]));
  if (layout === undefined) return cmd.length > 1 ? keySlot(cmd[1]) : NO_SLOT;
  if (layout === Keys.DestThenNumKeysAt2 && cmd.length > 1) return keySlot(cmd[1]);
  const range = keyRange(cmd, layout);
  return range === null || range[0] >= range[1] ? NO_SLOT : keySlot(cmd[range[0]]);
}
