import { keySlot, SLOT_COUNT } from '../../resp/cluster/key-slot.js';
import type { Arg, Command } from '../../resp/reply.js';
import { FENCE_OP_WIDTH, FENCE_SCRIPT, FENCE_SCRIPT_SHA, type FenceOp } from './fence-script.js';
import { fenceKey } from './slot-tags.js';

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
  const n = rows.keys.length;
  const slots = new Int32Array(n);
  for (let i = 0; i < n; i++) slots[i] = keySlot(rows.keys[i]);
  const groups: number[][] = [];
  if (cluster) {
    const bySlot = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const list = bySlot.get(slots[i]);
      if (list === undefined) bySlot.set(slots[i], [i]);
      else list.push(i);
    }
    groups.push(...bySlot.values());
  } else if (n > 0) {
    groups.push(Array.from({ length: n }, (_, i) => i));
  }
  const commands: Command[] = [];
  const rowsPerCommand: number[] = [];
  for (const idx of groups) {
    commands.push(scriptCall(rows, slots, idx, form, writer, post));
    rowsPerCommand.push(idx.length);
  }
  return { commands, rowsPerCommand };
}

interface Run {
  fence: number;
  key: number;
  partition: number;
  rows: number[];
}

/**
 * The id of a key in the maps of a flush: text keys and binary keys apart (`post` is keyed so).
 */
export function keyId(k: string | Buffer): string {
  return typeof k === 'string' ? `s${k}` : `b${k.toString('latin1')}`;
}

function scriptCall(
  rows: FencedRows,
  slots: Int32Array,
  idx: readonly number[],
  form: FencedForm,
  writer: FenceWriter,
  post: ReadonlyMap<string, readonly PostCommand[]>,
): Command {
  const fenceOf = new Map<number, number>();
  const fences: string[] = [];
  const dataKeys: (string | Buffer)[] = [];
  const keyIndex = new Map<string, number>();
  const partitions: string[] = [];
  const partitionIndex = new Map<string, number>();
  const runs: Run[] = [];
  /** Per key: its latest run. */
  const open = new Map<string, Run>();
  /** Per (slot, partition): the latest run of any key. */
  const latest = new Map<number, Run>();
  for (const i of idx) {
    let f = fenceOf.get(slots[i]);
    if (f === undefined) {
      fences.push(fenceKey(slots[i], writer.table));
      f = fences.length;
      fenceOf.set(slots[i], f);
    }
    const k = rows.keys[i];
    const kid = keyId(k);
    let ki = keyIndex.get(kid);
    if (ki === undefined) {
      dataKeys.push(k);
      ki = dataKeys.length;
      keyIndex.set(kid, ki);
    }
    const p = rows.partitions[i];
    let pi = partitionIndex.get(p);
    if (pi === undefined) {
      partitions.push(p);
      pi = partitions.length;
      partitionIndex.set(p, pi);
    }
    // Runs are applied in the order they start, and one fence serves every key of a slot: a run
    // may only take a row when no row of another key of its (slot, partition) came in between,
    // or the script would apply that row after a later one and take it for a replay. A key's
    // rows stay in input order too: its run also ends where the key's partition changes.
    const sp = pi * SLOT_COUNT + slots[i];
    let run = open.get(kid);
    if (
      run === undefined ||
      run.partition !== pi ||
      latest.get(sp) !== run ||
      run.rows.length >= MAX_RUN_ROWS ||
      // The script relies on offsets rising within a run.
      rows.offsets[run.rows[run.rows.length - 1]] >= rows.offsets[i]
    ) {
      run = { fence: f, key: ki, partition: pi, rows: [] };
      open.set(kid, run);
      latest.set(sp, run);
      runs.push(run);
    }
    run.rows.push(i);
  }
  const nf = fences.length;
  const { op, flags } = form;
  const width = FENCE_OP_WIDTH[op];
  const out: Arg[] = ['EVALSHA', FENCE_SCRIPT_SHA, nf + dataKeys.length, ...fences, ...dataKeys];
  out.push(writer.owner, writer.generation, op, flags.length, ...flags, nf, partitions.length, ...partitions);
  const countAt = out.length;
  out.push(0);
  let q = 0;
  for (const [kid, ki] of keyIndex) {
    for (const cmd of post.get(kid) ?? []) {
      // Data keys follow the fences in KEYS, hence the shift by nf.
      out.push(nf + ki, cmd.length - 1, cmd[0]);
      for (let j = 2; j < cmd.length; j++) out.push(cmd[j]);
      q++;
    }
  }
  out[countAt] = q;
  for (const run of runs) {
    out.push(run.fence, nf + run.key, run.partition, run.rows.length);
    for (const r of run.rows) out.push(rows.offsets[r]);
    for (const r of run.rows) {
      if (width === 0) {
        const args = form.rowArgs!(rows, r);
        out.push(args.length);
        for (const x of args) out.push(x);
      } else {
        if (width === 2) out.push(rows.fields[r]);
        out.push(rows.values[r]);
      }
    }
  }
  return out;
}

/** The same call with the script's source, for a node that answered NOSCRIPT (it caches it). */
export function asEval(command: Command): Command {
  const out = command.slice();
  out[0] = 'EVAL';
  out[1] = FENCE_SCRIPT;
  return out;
}
