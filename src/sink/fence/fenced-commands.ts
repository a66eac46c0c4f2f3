import { keySlot, SLOT_COUNT } from '../../resp/cluster/key-slot.js';
import type { Arg, Command } from '../../resp/reply.js';
import { integerSum } from '../writers/sum.js';
import {
  FENCE_OP_SUMMED,
  FENCE_OP_VARIADIC,
  FENCE_OP_WIDTH,
  FENCE_SCRIPT,
  FENCE_SCRIPT_SHA,
  type FenceOp,
} from './fence-script.js';
import { fenceKey, tableFenceKey } from './slot-tags.js';

/** Rows one run carries at most (Lua's `unpack` of a run's values must stay far below its stack limit). */
export const MAX_RUN_ROWS = 1000;

/** How a target's rows go through the fence script (each target's writer says). */
export interface FencedForm {
  /** The script's operation (ARGV[3]). */
  op: FenceOp;
  /** Its flags, the same for every row (`EX 60`, `NX`, `MAXLEN ~ 1000`). */
  flags: readonly string[];
  /** A row's arguments, for operations whose rows vary in width (XADD, HCOLS). */
  rowArgs?(rows: RowParts, r: number): Arg[];
}

/** A command run once per key after the rows of a call (its key first after the name). */
export type PostCommand = Command;

/** Who writes through the fences: the table, its job identity and the writer's generation. */
export interface FenceWriter {
  /** The table: each table has its own fence hashes. */
  table: string;
  /**
   * The job the offsets belong to (its identity, kept in its checkpoint directory): a fence
   * another owner wrote is taken over, never trusted.
   */
  owner: string;
  /** Raised on every restart or reassignment of the owner: older writers are refused. */
  generation: number;
  /**
   * Per (slot, partition) (`slot:partition`), the highest offset this writer sent in an earlier
   * call; updated by {@link fencedCommands}. Each call asks the script to check that its fences
   * reached them: several calls may then be in flight, and one sent after a call that was not
   * applied (an error reply, NOSCRIPT) applies nothing past the gap (`FENCEGAP`).
   */
  sent?: Map<string, number>;
  /**
   * Fences (`fenceId`) a reply showed caught up with this writer: a call applied all its rows,
   * so each of its fences stood before them and can only have moved to this writer's offsets
   * since. Updated by {@link noteApplied}; their runs may go without offsets (see scriptCall).
   */
  synced?: Set<string>;
}

/** What the rows of a flush carry, as parallel arrays (each only when rows have it). */
export interface RowParts {
  readonly keys: readonly (string | Buffer)[];
  readonly fields: readonly (string | Buffer)[];
  readonly values: readonly (string | Buffer)[];
  readonly pairs: readonly (readonly (string | Buffer)[])[];
  readonly deletes: readonly (readonly string[] | null)[];
}

/** The rows of a flush with their source positions, as parallel arrays. */
export interface FencedRows extends RowParts {
  readonly partitions: readonly string[];
  readonly offsets: readonly number[];
  /**
   * Per row, whether it removes what its identity holds (an `upsert` table's delete: `DEL`,
   * `HDEL`, `SREM`, `ZREM`, see fence-script.ts); null or absent when no row does.
   */
  readonly removes?: readonly boolean[] | null;
}

/**
 * The script calls of one flush: on Redis Cluster one `EVALSHA` per slot the flush touches (a
 * call's keys must share a slot); on standalone Redis a single call for the whole flush, with the
 * fence hashes of every slot it touches. Either way a flush has **at most one call per slot**,
 * and the sink sends fenced flushes one after the other, so a call that met NOSCRIPT is retried
 * before any later call for its slot runs.
 *
 * Within a call, a key's rows are grouped in input order into runs, a new run starting where the
 * partition changes or where a row of another key of the same slot and partition comes between:
 * every key sees its rows in input order, as on the at-least-once path, and every (slot,
 * partition) fence sees its rows in offset order.
 */
export function fencedCommands(
  rows: FencedRows,
  form: FencedForm,
  writer: FenceWriter,
  cluster: boolean,
  post: ReadonlyMap<string, readonly PostCommand[]> = new Map(),
): { commands: Command[]; rowsPerCommand: number[] } {
  const keys = distinctKeys(rows.keys);
  const n = rows.keys.length;
  const groups: number[][] = [];
  if (cluster) {
    const bySlot = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const slot = keys.slot[keys.ofRow[i]];
      const list = bySlot.get(slot);
      if (list === undefined) bySlot.set(slot, [i]);
      else list.push(i);
    }
    groups.push(...bySlot.values());
  } else if (n > 0) {
    const all = new Array<number>(n);
    for (let i = 0; i < n; i++) all[i] = i;
    groups.push(all);
  }
  const commands: Command[] = [];
  const rowsPerCommand: number[] = [];
  for (const idx of groups) {
    commands.push(scriptCall(rows, keys, idx, form, writer, cluster, post));
    rowsPerCommand.push(idx.length);
  }
  return { commands, rowsPerCommand };
}

interface Run {
  /** Its fence: the (slot, partition) pair's number in the call (1..). */
  fence: number;
  key: number;
  /** Its partition's number in the call (1..). */
  partition: number;
  /** Sent without its offsets (and a summed run without its values): see {@link scriptCall}. */
  bare: boolean;
  /** Its rows remove (sent with the fence number negated). */
  remove: boolean;
  rows: number[];
}

/**
 * The id of a key in the maps of a flush: text keys and binary keys apart (`post` is keyed so).
 */
export function keyId(k: string | Buffer): string {
  return typeof k === 'string' ? `s${k}` : `b${k.toString('latin1')}`;
}

/** The distinct keys of a flush, each hashed to its slot once, and each row's key number. */
interface DistinctKeys {
  readonly ofRow: Int32Array;
  readonly key: (string | Buffer)[];
  readonly slot: number[];
}

function distinctKeys(all: readonly (string | Buffer)[]): DistinctKeys {
  const ofRow = new Int32Array(all.length);
  const key: (string | Buffer)[] = [];
  const slot: number[] = [];
  const text = new Map<string, number>();
  let bytes: Map<string, number> | null = null;
  for (let i = 0; i < all.length; i++) {
    const k = all[i];
    let map = text;
    let id: string;
    if (typeof k === 'string') id = k;
    else {
      map = bytes ??= new Map();
      id = k.toString('latin1');
    }
    let j = map.get(id);
    if (j === undefined) {
      j = key.length;
      key.push(k);
      slot.push(keySlot(k));
      map.set(id, j);
    }
    ofRow[i] = j;
  }
  return { ofRow, key, slot };
}

/** One (slot, partition) fence of a call: its field, what earlier calls sent, its latest run. */
interface Fence {
  /** `slot:partition`, its name in {@link FenceWriter.sent} and {@link FenceWriter.synced}. */
  id: string;
  field: string;
  /** Where the slot's writer generation is kept. */
  genField: string;
  /** The highest offset the writer's earlier calls sent (-1: none, no check). */
  prev: number;
  /** The fence is known not to be past `prev`: its runs may go bare. */
  exact: boolean;
  /** The highest offset of `prev` and the fence's rows so far in the call. */
  high: number;
  latest: Run;
}

/**
 * One script call. A run may go **bare** — without its offsets, and for a summed operation
 * without its values — when the script can never need them: its fence's `prev` is known (the
 * script then checks that the fence is exactly there before it writes anything) and the run
 * starts past it and past the fence's earlier runs in the call, so it cannot straddle the fence;
 * and its rows go as one command (variadic or summed), so an error reply applies none of them.
 * That is every steady-state run of lists, sets, hashes, sorted sets and counters: only the first
 * call of a writer for a fence, and runs of one command per row, carry their offsets.
 */
function scriptCall(
  rows: FencedRows,
  keys: DistinctKeys,
  idx: readonly number[],
  form: FencedForm,
  writer: FenceWriter,
  cluster: boolean,
  post: ReadonlyMap<string, readonly PostCommand[]>,
): Command {
  const { op, flags } = form;
  const width = FENCE_OP_WIDTH[op];
  const summed = FENCE_OP_SUMMED.has(op);
  const mayGoBare = summed || FENCE_OP_VARIADIC.has(op);
  const dataKeys: number[] = [];
  /** Per key number: its index among the call's data keys (1..), 0 when not yet seen. */
  const keyIndex = new Int32Array(keys.key.length);
  const fences: Fence[] = [];
  /** Per (slot, partition): its fence's number in the call (1..). */
  const fenceOf = new Map<number, number>();
  const partitionIndex = new Map<string, number>();
  let lastPartition: string | undefined;
  let lastPi = 0;
  const runs: Run[] = [];
  /** Per key number: its latest run. */
  const open: (Run | undefined)[] = new Array(keys.key.length);
  const { offsets, partitions } = rows;
  const removes = rows.removes ?? null;
  // A cluster call's keys share one slot.
  const fenceHash = cluster
    ? fenceKey(keys.slot[keys.ofRow[idx[0]]], writer.table)
    : tableFenceKey(writer.table);
  for (const i of idx) {
    const kn = keys.ofRow[i];
    const slot = keys.slot[kn];
    let ki = keyIndex[kn];
    if (ki === 0) {
      dataKeys.push(kn);
      ki = dataKeys.length;
      keyIndex[kn] = ki;
    }
    const p = partitions[i];
    let pi = lastPi;
    if (p !== lastPartition) {
      let known = partitionIndex.get(p);
      if (known === undefined) {
        known = partitionIndex.size + 1;
        partitionIndex.set(p, known);
      }
      pi = lastPi = known;
      lastPartition = p;
    }
    // Runs are applied in the order they start, and one fence serves every key of a slot: a run
    // may only take a row when no row of another key of its (slot, partition) came in between,
    // or the script would apply that row after a later one and take it for a replay. A key's
    // rows stay in input order too: its run also ends where the key's partition changes.
    const sp = pi * SLOT_COUNT + slot;
    const rm = removes?.[i] === true;
    let run = open[kn];
    // A key keeps its slot: its latest run's fence is its fence while the partition stays.
    let f = run !== undefined && run.partition === pi ? run.fence : fenceOf.get(sp);
    if (
      run === undefined ||
      run.fence !== f ||
      fences[run.fence - 1].latest !== run ||
      run.rows.length >= MAX_RUN_ROWS ||
      // A run writes or removes, not both.
      run.remove !== rm ||
      // The script relies on offsets rising within a run.
      offsets[run.rows[run.rows.length - 1]] >= offsets[i]
    ) {
      let fence: Fence;
      if (f === undefined) {
        const id = `${slot}:${p}`;
        const prev = writer.sent?.get(id) ?? -1;
        const exact = prev >= 0 && writer.synced !== undefined && writer.synced.has(id);
        const field = cluster ? `p:${p}` : `p:${p}@${slot}`;
        const genField = cluster ? 'gen' : `gen@${slot}`;
        fence = { id, field, genField, prev, exact, high: prev, latest: undefined as unknown as Run };
        fences.push(fence);
        f = fences.length;
        fenceOf.set(sp, f);
      } else fence = fences[f - 1];
      // Removals go one command per row: never bare.
      const bare = !rm && mayGoBare && fence.exact && offsets[i] > fence.high;
      run = { fence: f, key: ki, partition: pi, bare, remove: rm, rows: [] };
      fence.latest = run;
      open[kn] = run;
      runs.push(run);
    }
    run.rows.push(i);
    const fence = fences[run.fence - 1];
    if (offsets[i] > fence.high) fence.high = offsets[i];
  }
  const ids = new Array<string>(fences.length);
  for (let f = 0; f < fences.length; f++) {
    const { id, high } = fences[f];
    writer.sent?.set(id, high);
    ids[f] = id;
  }
  const out: Arg[] = ['EVALSHA', FENCE_SCRIPT_SHA, 1 + dataKeys.length, fenceHash];
  for (const kn of dataKeys) out.push(keys.key[kn]);
  out.push(writer.owner, writer.generation, op, flags.length, ...flags, fences.length);
  for (const fence of fences) out.push(fence.field, fence.genField, fence.prev, fence.exact ? 1 : 0);
  const countAt = out.length;
  out.push(0);
  let q = 0;
  if (post.size > 0) {
    for (let d = 0; d < dataKeys.length; d++) {
      for (const cmd of post.get(keyId(keys.key[dataKeys[d]])) ?? []) {
        // Data keys follow the fence hash in KEYS, hence the shift by one.
        out.push(d + 2, cmd.length - 1, cmd[0]);
        for (let j = 2; j < cmd.length; j++) out.push(cmd[j]);
        q++;
      }
    }
  }
  out[countAt] = q;
  const { fields, values } = rows;
  for (const run of runs) {
    const rs = run.rows;
    out.push(
      run.remove ? -run.fence : run.fence,
      1 + run.key,
      rs.length,
      offsets[rs[0]],
      offsets[rs[rs.length - 1]],
    );
    out.push(run.bare ? '' : joined(offsets, rs));
    if (summed) {
      out.push(run.bare ? '' : joined(values as readonly string[], rs), integerSum(values, rs));
      continue;
    }
    for (let r = 0; r < rs.length; r++) {
      const row = rs[r];
      if (width === 0) {
        const args = form.rowArgs!(rows, row);
        out.push(args.length);
        for (const x of args) out.push(x);
      } else {
        if (width === 2) out.push(fields[row]);
        out.push(values[row]);
      }
    }
  }
  fencesOfCall.set(out, ids);
  return out;
}

/** The fences (`slot:partition`) of each script call built here, for {@link noteApplied}. */
const fencesOfCall = new WeakMap<Command, readonly string[]>();

/**
 * After the reply to a script call: a call that applied all its `rows` proves each of its fences
 * caught up with the writer (they stood before its rows), so later calls may send bare runs.
 */
export function noteApplied(command: Command, applied: number, rows: number, synced: Set<string>): void {
  if (applied !== rows || rows === 0) return;
  const ids = fencesOfCall.get(command);
  if (ids !== undefined) for (const id of ids) synced.add(id);
}

/** The values of `rows`, comma-separated (offsets, integer texts). */
function joined(values: readonly (number | string)[], rows: readonly number[]): string {
  let s = String(values[rows[0]]);
  for (let r = 1; r < rows.length; r++) s += `,${values[rows[r]]}`;
  return s;
}

/** The same call with the script's source, for a node that answered NOSCRIPT (it caches it). */
export function asEval(command: Command): Command {
  const out = command.slice();
  out[0] = 'EVAL';
  out[1] = FENCE_SCRIPT;
  return out;
}
