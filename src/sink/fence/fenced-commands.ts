import { keySlot } from '../../resp/cluster/key-slot.js';
import type { EncodedCommands } from '../../resp/encoded-commands.js';
import type { CommandEncoder } from '../../resp/encoder.js';
import type { Arg, Command, Reply } from '../../resp/reply.js';
import type { RedisTransport } from '../../resp/target.js';
import { IntegerSum } from '../writers/sum.js';
import {
  FENCE_OP_SUMMED,
  FENCE_OP_VARIADIC,
  FENCE_OP_WIDTH,
  FENCE_SCRIPT,
  FENCE_SCRIPT_SHA,
  type FenceOp,
} from './fence-script.js';
import { fenceKey, tableFenceKey } from './slot-tags.js';
import type { ValueBytes } from './value-bytes.js';

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

/**
 * What a writer knows of one (slot, partition) fence between its calls. Kept for the writer's
 * lifetime, so that a call names its fences without building their field names again.
 */
export interface FenceState {
  /** Its field in the fence hash. */
  readonly field: string;
  /** Where its slot's writer generation is kept. */
  readonly genField: string;
  /**
   * The highest offset this writer sent for the fence in an earlier call (-1: none). Each call
   * asks the script to check that its fences reached them: several calls may then be in flight,
   * and one sent after a call that was not applied (an error reply, NOSCRIPT) applies nothing
   * past the gap (`FENCEGAP`).
   */
  sent: number;
  /**
   * A reply showed the fence caught up with this writer: a call applied all its rows, so the
   * fence stood before them and can only have moved to this writer's offsets since. Set by
   * {@link noteApplied}; its runs may then go without offsets (see scriptCall).
   */
  synced: boolean;
  /** The script call being built that numbered this fence (a stamp), and its number there. */
  call: number;
  fence: number;
}

/** What one writer (a sink) remembers of its fences from one script call to the next. */
export class FenceMemory {
  readonly #partitions = new Map<string, Map<number, FenceState>>();

  /** The fences of `partition` this writer has used, by slot. */
  partition(partition: string): Map<number, FenceState> {
    let slots = this.#partitions.get(partition);
    if (slots === undefined) {
      slots = new Map();
      this.#partitions.set(partition, slots);
    }
    return slots;
  }

  /** The state of the (slot, partition) fence, made on first use. */
  fence(slot: number, partition: string, cluster: boolean): FenceState {
    return stateOf(this.partition(partition), slot, partition, cluster);
  }
}

function stateOf(
  slots: Map<number, FenceState>,
  slot: number,
  partition: string,
  cluster: boolean,
): FenceState {
  let state = slots.get(slot);
  if (state === undefined) {
    state = {
      field: cluster ? `p:${partition}` : `p:${partition}@${slot}`,
      genField: cluster ? 'gen' : `gen@${slot}`,
      sent: -1,
      synced: false,
      call: 0,
      fence: 0,
    };
    slots.set(slot, state);
  }
  return state;
}

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
   * What this writer remembers of its fences between calls (what it sent, which fences caught
   * up); updated by {@link fencedCommands} and {@link noteApplied}. Without it every call is
   * built as a writer's first: no gap check, every run with its offsets.
   */
  memory?: FenceMemory;
  /**
   * Where the calls are encoded when the rows' values come as bytes ({@link FencedRows.valueBytes}):
   * a transport that takes encoded commands sends them (see {@link fencedCommands}).
   */
  encoder?: CommandEncoder;
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
  /**
   * The rows' values as bytes, `values` then holding none: only for operations of one or two
   * arguments per row that are not summed (see {@link valuesAsBytes}).
   */
  readonly valueBytes?: ValueBytes | null;
}

/** Whether a fenced operation's rows may keep their values as bytes ({@link FencedRows.valueBytes}). */
export function valuesAsBytes(op: FenceOp): boolean {
  const width = FENCE_OP_WIDTH[op];
  return (width === 1 || width === 2) && !FENCE_OP_SUMMED.has(op);
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
  const memory = writer.memory ?? new FenceMemory();
  const commands: Command[] = [];
  const rowsPerCommand: number[] = [];
  if (!cluster) {
    if (n > 0) {
      const call = scriptCall(rows, keys, null, n, form, writer, memory, false, post);
      const valueBytes = rows.valueBytes ?? null;
      commands.push(valueBytes === null ? call : encodeCall(call, valueBytes, writer.encoder!));
      rowsPerCommand.push(n);
    }
    return { commands, rowsPerCommand };
  }
  const bySlot = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const slot = keys.slot[keys.ofRow[i]];
    const list = bySlot.get(slot);
    if (list === undefined) bySlot.set(slot, [i]);
    else list.push(i);
  }
  for (const idx of bySlot.values()) {
    commands.push(scriptCall(rows, keys, idx, idx.length, form, writer, memory, true, post));
    rowsPerCommand.push(idx.length);
  }
  return { commands, rowsPerCommand };
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

/**
 * A text key's slot, and its number in the flush being built (valid while `flush` is that
 * flush's stamp).
 */
interface KnownKey {
  readonly slot: number;
  flush: number;
  index: number;
}

/**
 * The text keys of recent flushes, so that a key seen again is hashed to its slot once and
 * numbered with one lookup. Emptied, between flushes, once it holds {@link MAX_KNOWN_KEYS}.
 */
const knownKeys = new Map<string, KnownKey>();
const MAX_KNOWN_KEYS = 1 << 15;
let flushStamp = 0;

function distinctKeys(all: readonly (string | Buffer)[]): DistinctKeys {
  const ofRow = new Int32Array(all.length);
  const key: (string | Buffer)[] = [];
  const slot: number[] = [];
  if (knownKeys.size >= MAX_KNOWN_KEYS) knownKeys.clear();
  const stamp = ++flushStamp;
  let bytes: Map<string, number> | null = null;
  for (let i = 0; i < all.length; i++) {
    const k = all[i];
    if (typeof k === 'string') {
      let known = knownKeys.get(k);
      if (known === undefined) {
        known = { slot: keySlot(k), flush: 0, index: 0 };
        knownKeys.set(k, known);
      }
      if (known.flush !== stamp) {
        known.flush = stamp;
        known.index = key.length;
        key.push(k);
        slot.push(known.slot);
      }
      ofRow[i] = known.index;
      continue;
    }
    bytes ??= new Map();
    const id = k.toString('latin1');
    let j = bytes.get(id);
    if (j === undefined) {
      j = key.length;
      key.push(k);
      slot.push(keySlot(k));
      bytes.set(id, j);
    }
    ofRow[i] = j;
  }
  return { ofRow, key, slot };
}

/** A run's flags: its rows remove (sent with the fence number negated). */
const RUN_REMOVE = 1;
/** A run's flags: sent bare, without its offsets (see {@link scriptCall}). */
const RUN_BARE = 2;

/**
 * The working arrays of {@link scriptCall}, kept from one call to the next (a call runs to its
 * end synchronously): a flush's runs and fences are numbers in typed arrays, its rows chained
 * run by run, so that building a call allocates no object per row, run or fence.
 */
class Scratch {
  /** Per row: the next row of its run, -1 after its last. */
  next = new Int32Array(0);
  /** Per run (1..): its fence, key index (1..), partition number, first and last row, rows, flags. */
  runFence = new Int32Array(0);
  runKey = new Int32Array(0);
  runPartition = new Int32Array(0);
  runFirst = new Int32Array(0);
  runLast = new Int32Array(0);
  runCount = new Int32Array(0);
  runFlags = new Uint8Array(0);
  /** Per key number of the flush: its index among the call's data keys (1..), 0 when not seen. */
  keyIndex = new Int32Array(0);
  /** Per key number: its latest run in the call, 0 for none. */
  open = new Int32Array(0);
  /** Per fence of the call (1..): its latest run, the writer's prev, the highest offset so far, exact. */
  fenceLatest = new Int32Array(0);
  fencePrev = new Float64Array(0);
  fenceHigh = new Float64Array(0);
  fenceExact = new Uint8Array(0);
  fenceState: FenceState[] = [];
  /** Stamps the script calls built, for {@link FenceState.call}. */
  calls = 0;
  /** The rows whose values a call being encoded takes from bytes, in argument order. */
  readonly valueRows: number[] = [];

  /** Room for `rows` rows (and as many runs and fences), `keys` key numbers. */
  reserve(rows: number, keys: number): void {
    if (this.next.length < rows) this.next = new Int32Array(rows);
    if (this.runFence.length <= rows) {
      const m = Math.max(rows + 1, 2 * this.runFence.length);
      this.runFence = new Int32Array(m);
      this.runKey = new Int32Array(m);
      this.runPartition = new Int32Array(m);
      this.runFirst = new Int32Array(m);
      this.runLast = new Int32Array(m);
      this.runCount = new Int32Array(m);
      this.runFlags = new Uint8Array(m);
      this.fenceLatest = new Int32Array(m);
      this.fencePrev = new Float64Array(m);
      this.fenceHigh = new Float64Array(m);
      this.fenceExact = new Uint8Array(m);
    }
    if (this.keyIndex.length < keys) {
      const m = Math.max(keys, 2 * this.keyIndex.length);
      this.keyIndex = new Int32Array(m);
      this.open = new Int32Array(m);
    }
  }
}

const scratch = new Scratch();

/**
 * One script call (see fence-script.ts for its arguments). A run may go **bare** — without its
 * offsets, and for a summed operation without its values — when the script can never need them:
 * its fence's `prev` is known (the script then checks that the fence is exactly there before it
 * writes anything) and the run starts past it and past the fence's earlier runs in the call, so it
 * cannot straddle the fence; and its rows go as one command (variadic or summed), so an error
 * reply applies none of them. That is every steady-state run of lists, sets, hashes, sorted sets
 * and counters: only the first call of a writer for a fence, and runs of one command per row,
 * carry their offsets.
 *
 * `idx`: the rows of the call, or null for all `count` rows of the flush.
 */
function scriptCall(
  rows: FencedRows,
  keys: DistinctKeys,
  idx: readonly number[] | null,
  count: number,
  form: FencedForm,
  writer: FenceWriter,
  memory: FenceMemory,
  cluster: boolean,
  post: ReadonlyMap<string, readonly PostCommand[]>,
): Command {
  const { op, flags } = form;
  const width = FENCE_OP_WIDTH[op];
  const summed = FENCE_OP_SUMMED.has(op);
  const mayGoBare = summed || FENCE_OP_VARIADIC.has(op);
  const s = scratch;
  s.reserve(rows.keys.length, keys.key.length);
  const { next, runFence, runKey, runPartition, runFirst, runLast, runCount, runFlags, keyIndex, open } = s;
  const { fenceLatest, fencePrev, fenceHigh, fenceExact, fenceState } = s;
  const call = ++s.calls;
  const dataKeys: number[] = [];
  let fences = 0;
  let runs = 0;
  const partitionIndex = new Map<string, number>();
  let lastPartition: string | undefined;
  let lastPi = 0;
  let slots: Map<number, FenceState> | undefined;
  const { offsets, partitions } = rows;
  const removes = rows.removes ?? null;
  const ofRow = keys.ofRow;
  // A cluster call's keys share one slot.
  const fenceHash = cluster ? fenceKey(keys.slot[ofRow[idx![0]]], writer.table) : tableFenceKey(writer.table);
  for (let q = 0; q < count; q++) {
    const i = idx === null ? q : idx[q];
    const kn = ofRow[i];
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
      slots = memory.partition(p);
    }
    const offset = offsets[i];
    const rm = removes !== null && removes[i] === true ? RUN_REMOVE : 0;
    // Runs are applied in the order they start, and one fence serves every key of a slot: a run
    // may only take a row when no row of another key of its (slot, partition) came in between,
    // or the script would apply that row after a later one and take it for a replay. A key's
    // rows stay in input order too: its run also ends where the key's partition changes.
    let run = open[kn];
    if (
      run === 0 ||
      runPartition[run] !== pi ||
      fenceLatest[runFence[run]] !== run ||
      runCount[run] >= MAX_RUN_ROWS ||
      // A run writes or removes, not both.
      (runFlags[run] & RUN_REMOVE) !== rm ||
      // The script relies on offsets rising within a run.
      offsets[runLast[run]] >= offset
    ) {
      // A key keeps its slot: its latest run's fence is its fence while the partition stays.
      let f = run !== 0 && runPartition[run] === pi ? runFence[run] : 0;
      if (f === 0) {
        const state = stateOf(slots!, keys.slot[kn], p, cluster);
        if (state.call === call) f = state.fence;
        else {
          f = ++fences;
          state.call = call;
          state.fence = f;
          fenceState[f] = state;
          fencePrev[f] = state.sent;
          fenceHigh[f] = state.sent;
          fenceExact[f] = state.sent >= 0 && state.synced ? 1 : 0;
          fenceLatest[f] = 0;
        }
      }
      // The fence's latest run takes no more rows: its last offset (its highest) counts now.
      const latest = fenceLatest[f];
      if (latest !== 0 && offsets[runLast[latest]] > fenceHigh[f]) fenceHigh[f] = offsets[runLast[latest]];
      // Removals go one command per row: never bare.
      const bare = rm === 0 && mayGoBare && fenceExact[f] === 1 && offset > fenceHigh[f];
      run = ++runs;
      runFence[run] = f;
      runKey[run] = ki;
      runPartition[run] = pi;
      runFirst[run] = i;
      runCount[run] = 0;
      runFlags[run] = rm | (bare ? RUN_BARE : 0);
      fenceLatest[f] = run;
      open[kn] = run;
    } else next[runLast[run]] = i;
    runLast[run] = i;
    next[i] = -1;
    runCount[run]++;
  }
  const states = fenceState.slice(1, fences + 1);
  // The arguments, counted up front but for the commands after the rows and rows of varying width:
  // the array is made at about its size (a call carries tens of thousands of arguments; growing it
  // push by push costs copies), written in order, and grows only past that.
  let size = 9 + flags.length + dataKeys.length + 3 * fences;
  for (let run = 1; run <= runs; run++) {
    const bare = (runFlags[run] & RUN_BARE) !== 0;
    size += bare ? 4 : 6;
    size += summed ? (bare ? 1 : 2) : width * runCount[run];
  }
  const out = new Array<Arg>(size);
  out[0] = 'EVALSHA';
  out[1] = FENCE_SCRIPT_SHA;
  out[2] = 1 + dataKeys.length;
  out[3] = fenceHash;
  let w = 4;
  for (const kn of dataKeys) {
    out[w++] = keys.key[kn];
    keyIndex[kn] = 0;
    open[kn] = 0;
  }
  out[w++] = writer.owner;
  out[w++] = writer.generation;
  out[w++] = op;
  out[w++] = flags.length;
  for (const flag of flags) out[w++] = flag;
  out[w++] = fences;
  for (let f = 1; f <= fences; f++) {
    const o = offsets[runLast[fenceLatest[f]]];
    if (o > fenceHigh[f]) fenceHigh[f] = o;
    const state = fenceState[f];
    const prev = fencePrev[f];
    out[w++] = state.field;
    out[w++] = state.genField;
    // An exact fence's prev travels as -(prev + 2): one argument for both.
    out[w++] = fenceExact[f] === 1 ? -(prev + 2) : prev;
    state.sent = fenceHigh[f];
  }
  const countAt = w++;
  let q = 0;
  if (post.size > 0) {
    for (let d = 0; d < dataKeys.length; d++) {
      for (const cmd of post.get(keyId(keys.key[dataKeys[d]])) ?? []) {
        // Data keys follow the fence hash in KEYS, hence the shift by one.
        out[w++] = d + 2;
        out[w++] = cmd.length - 1;
        out[w++] = cmd[0];
        for (let j = 2; j < cmd.length; j++) out[w++] = cmd[j];
        q++;
      }
    }
  }
  out[countAt] = q;
  const { fields, values } = rows;
  const valueRows = rows.valueBytes != null ? s.valueRows : null;
  if (valueRows !== null) valueRows.length = 0;
  for (let run = 1; run <= runs; run++) {
    const first = runFirst[run];
    const last = runLast[run];
    const f = runFence[run];
    out[w++] = (runFlags[run] & RUN_REMOVE) !== 0 ? -f : f;
    // Data keys follow the fence hash in KEYS, hence the shift by one; a bare run's is negated.
    if ((runFlags[run] & RUN_BARE) !== 0) {
      out[w++] = -1 - runKey[run];
      out[w++] = runCount[run];
      out[w++] = offsets[last];
      if (summed) {
        out[w++] = chainSum(values, next, first);
        continue;
      }
    } else {
      out[w++] = 1 + runKey[run];
      out[w++] = runCount[run];
      out[w++] = offsets[first];
      out[w++] = offsets[last];
      out[w++] = chainJoined(offsets, next, first);
      if (summed) {
        out[w++] = chainJoined(values as readonly string[], next, first);
        out[w++] = chainSum(values, next, first);
        continue;
      }
    }
    if (width === 0) {
      for (let row = first; row >= 0; row = next[row]) {
        const args = form.rowArgs!(rows, row);
        out[w++] = args.length;
        for (const x of args) out[w++] = x;
      }
    } else if (valueRows !== null) {
      // The value's place holds a marker; encodeCall writes the row's bytes there.
      for (let row = first; row >= 0; row = next[row]) {
        if (width === 2) out[w++] = fields[row];
        out[w++] = VALUE;
        valueRows.push(row);
      }
    } else if (width === 2) {
      for (let row = first; row >= 0; row = next[row]) {
        out[w++] = fields[row];
        out[w++] = values[row];
      }
    } else {
      for (let row = first; row >= 0; row = next[row]) out[w++] = values[row];
    }
  }
  out.length = w;
  fencesOfCall.set(out, states);
  return out;
}

/** The fences of each script call built here, for {@link noteApplied}. */
const fencesOfCall = new WeakMap<Command, readonly FenceState[]>();

/**
 * After the reply to a script call: a call that applied all its `rows` proves each of its fences
 * caught up with the writer (they stood before its rows), so later calls may send bare runs.
 */
export function noteApplied(command: Command, applied: number, rows: number): void {
  if (applied !== rows || rows === 0) return;
  const states = fencesOfCall.get(command);
  if (states !== undefined) for (const state of states) state.synced = true;
}

/** The values of a run's rows (from `first`, chained by `next`), comma-separated (offsets, integer texts). */
function chainJoined(values: readonly (number | string)[], next: Int32Array, first: number): string {
  let s = String(values[first]);
  for (let row = next[first]; row >= 0; row = next[row]) s += `,${values[row]}`;
  return s;
}

const runSum = new IntegerSum();

/** The exact sum of the integer texts of a run's rows (from `first`, chained by `next`), as text. */
function chainSum(values: readonly (string | Buffer)[], next: Int32Array, first: number): string {
  for (let row = first; row >= 0; row = next[row]) runSum.add(values[row] as string);
  return runSum.text();
}

/** The same call with the script's source, for a node that answered NOSCRIPT (it caches it). */
export function asEval(command: Command): Command {
  const out = command.slice();
  out[0] = 'EVAL';
  out[1] = FENCE_SCRIPT;
  return out;
}

/** Where a script call's value goes (a row's bytes), in the arguments {@link scriptCall} builds. */
const VALUE: Arg = Buffer.alloc(0);

/** The encoded bytes of each call {@link encodeCall} made, by the call it returned. */
const encodedCalls = new WeakMap<Command, { chunks: readonly Buffer[]; argc: number }>();

/**
 * Encodes a script call whose values are {@link VALUE} markers, taking each from `bytes`
 * (the rows listed in {@link Scratch.valueRows}). Returns the call's head — `EVALSHA sha numkeys
 * KEYS...`, what an error message and {@link noteApplied} need of it — and keeps its bytes for
 * {@link sendFenced}: the argument array, and the rows' values with it, die here.
 */
function encodeCall(call: Command, bytes: ValueBytes, e: CommandEncoder): Command {
  const rowsOf = scratch.valueRows;
  const buf = bytes.buffer;
  const argc = call.length;
  e.beginCommand(argc);
  let v = 0;
  for (let i = 0; i < argc; i++) {
    const a = call[i];
    if (a === VALUE) {
      const r = rowsOf[v++];
      e.argSlice(buf, bytes.start(r), bytes.end(r));
    } else if (typeof a === 'string' || typeof a === 'object') e.arg(a as string | Buffer);
    else e.arg(String(a));
  }
  const head = call.slice(0, 3 + Number(call[2]));
  encodedCalls.set(head, { chunks: e.take(), argc });
  const states = fencesOfCall.get(call);
  if (states !== undefined) fencesOfCall.set(head, states);
  return head;
}

/**
 * Encodes a command of a flush whose script calls {@link encodeCall} encoded (a dead-letter push),
 * so that the flush goes as one encoded pipeline.
 */
export function encodeCommand(command: Command, e: CommandEncoder): void {
  e.encode(command);
  encodedCalls.set(command, { chunks: e.take(), argc: command.length });
}

/**
 * Sends a flush's commands: as encoded when {@link encodeCall} made its script calls (on one
 * connection, a standalone server's), else as arrays. `asEvalCalls`: each (a script call) with the
 * script's source instead of its SHA, for a retry after NOSCRIPT or FENCEGAP.
 */
export function sendFenced(
  target: RedisTransport,
  commands: readonly Command[],
  asEvalCalls = false,
): Promise<Reply[]> {
  if (!encodedCalls.has(commands[0])) return target.pipeline(asEvalCalls ? commands.map(asEval) : commands);
  const chunks: Buffer[] = [];
  for (const c of commands) {
    const { chunks: own, argc } = encodedCalls.get(c)!;
    if (!asEvalCalls) {
      for (const chunk of own) chunks.push(chunk);
      continue;
    }
    // The same arguments after the script's: a new head, then the call's bytes past its own.
    chunks.push(evalHead(argc));
    chunks.push(Buffer.concat(own as Buffer[]).subarray(shaHeadBytes(argc)));
  }
  const encoded: EncodedCommands = { chunks, count: commands.length, name: String(commands[0][0]) };
  return target.pipelineEncoded!(encoded);
}

/** `EVAL script` as the head of an encoded call of `argc` arguments. */
function evalHead(argc: number): Buffer {
  return Buffer.from(`*${argc}\r\n$4\r\nEVAL\r\n$${FENCE_SCRIPT.length}\r\n${FENCE_SCRIPT}\r\n`, 'latin1');
}

/** Bytes of `EVALSHA sha` at the head of an encoded call of `argc` arguments. */
function shaHeadBytes(argc: number): number {
  return `*${argc}\r\n$7\r\nEVALSHA\r\n$40\r\n`.length + 40 + 2;
}
