import { keySlot } from '../../resp/cluster/key-slot.js';
import type { Arg, Command } from '../../resp/reply.js';
import type { Target } from '../model.js';
import { FENCE_SCRIPT, FENCE_SCRIPT_SHA } from './fence-script.js';
import { fenceKey } from './slot-tags.js';

/** Rows one script call carries at most; a slot's longer run is split into several calls, in order. */
export const MAX_ROWS_PER_CALL = 512;

/** The rows of a flush with their source positions, as parallel arrays. */
export interface FencedRows {
  keys: readonly (string | Buffer)[];
  fields: readonly (string | Buffer)[];
  values: readonly (string | Buffer)[];
  partitions: readonly string[];
  offsets: readonly number[];
}

/**
 * One `EVALSHA` of the fence script per slot touched by the flush (split past
 * {@link MAX_ROWS_PER_CALL} rows), each carrying its slot's rows in input order. Every key of a
 * call, fence hash included, hashes to that slot, so the call is valid on Redis Cluster.
 */
export function fencedCommands(
  rows: FencedRows,
  target: Target,
  table: string,
  generation: number,
): { commands: Command[]; rowsPerCommand: number[] } {
  const op =
    target.type === 'string'
      ? 'SET'
      : target.type === 'hash'
        ? 'HSET'
        : target.operation === 'Append'
          ? 'RPUSH'
          : 'LPUSH';
  const param =
    target.type === 'string'
      ? (target.ttlSecs?.toString() ?? '')
      : target.type === 'list'
        ? (target.maxLength?.toString() ?? '')
        : '';
  const bySlot = new Map<number, number[]>();
  for (let i = 0; i < rows.keys.length; i++) {
    const s = keySlot(rows.keys[i]);
    const list = bySlot.get(s);
    if (list === undefined) bySlot.set(s, [i]);
    else list.push(i);
  }
  const commands: Command[] = [];
  const rowsPerCommand: number[] = [];
  for (const [slot, idx] of bySlot) {
    for (let from = 0; from < idx.length; from += MAX_ROWS_PER_CALL) {
      const part = idx.slice(from, from + MAX_ROWS_PER_CALL);
      commands.push(scriptCall(rows, part, slot, op, param, table, generation));
      rowsPerCommand.push(part.length);
    }
  }
  return { commands, rowsPerCommand };
}

function scriptCall(
  rows: FencedRows,
  idx: readonly number[],
  slot: number,
  op: string,
  param: string,
  table: string,
  generation: number,
): Command {
  const keys: (string | Buffer)[] = [fenceKey(slot)];
  const keyIndex = new Map<string, number>();
  const partitions: string[] = [];
  const partitionIndex = new Map<string, number>();
  const rowArgs: Arg[] = [];
  for (const i of idx) {
    const k = rows.keys[i];
    const id = typeof k === 'string' ? `s${k}` : `b${k.toString('latin1')}`;
    let ki = keyIndex.get(id);
    if (ki === undefined) {
      keys.push(k);
      ki = keys.length; // Lua's KEYS is 1-based; KEYS[1] is the fence.
      keyIndex.set(id, ki);
    }
    const p = rows.partitions[i];
    let pi = partitionIndex.get(p);
    if (pi === undefined) {
      partitions.push(p);
      pi = partitions.length;
      partitionIndex.set(p, pi);
    }
    rowArgs.push(pi, rows.offsets[i], ki);
    if (op === 'HSET') rowArgs.push(rows.fields[i]);
    rowArgs.push(rows.values[i]);
  }
  return [
    'EVALSHA',
    FENCE_SCRIPT_SHA,
    keys.length,
    ...keys,
    table,
    generation,
    op,
    param,
    partitions.length,
    ...partitions,
    ...rowArgs,
  ];
}

/** The same call with the script's source, for a node that answered NOSCRIPT (it caches it). */
export function asEval(command: Command): Command {
  const out = command.slice();
  out[0] = 'EVAL';
  out[1] = FENCE_SCRIPT;
  return out;
}
