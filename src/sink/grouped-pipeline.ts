import { ArgArena } from '../resp/arg-arena.js';
import type { EncodedCommands } from '../resp/encoded-commands.js';
import type { CommandEncoder } from '../resp/encoder.js';
import type { Command } from '../resp/reply.js';
import type { PayloadRow } from './encoded-row.js';
import { KeyMap } from './key-map.js';
import { MAX_VALUES_PER_COMMAND } from './writers/by-key.js';

/** Commands a flush sends, already encoded, and how many rows each carries. */
export interface EncodedFlush extends EncodedCommands {
  /** Rows per command; undefined: one row per command, but for a dead-letter push last. */
  readonly rowsPerCommand?: readonly number[];
}

/**
 * Rows encoded as they arrive, for a sink whose commands go to one connection as they are
 * (`pipelineEncoded`): `PerRowPipeline` for one command per row, `SumPipeline` for summed
 * increments, {@link GroupedPipeline} for the types whose rows of one key make one variadic
 * command (row-pipeline.ts chooses).
 */
export interface RowPipeline {
  /** Adds a row from its key, field (`''` when rows have none) and value. */
  add(key: string | Buffer, field: string | Buffer, value: string | Buffer): void;
  /**
   * Adds a row whose value is bytes the caller writes again after this returns (a row's JSON
   * text, see RowEncoder.valueInBytes): copied now.
   */
  addBytes(key: string | Buffer, field: string | Buffer, value: Uint8Array): void;
  /** Adds a worker's row by its bytes, as the producer encoded them. */
  addPayload(row: PayloadRow): void;
  /**
   * Adds a removal (an `upsert` table's delete, see changelog.ts) in its place among the rows:
   * what the row with this key (and field, or member `value`) wrote goes.
   */
  addRemove(key: string | Buffer, field: string | Buffer, value: string | Buffer): void;
  /** Appends one more command (a flush's dead-letter push) after the rows. */
  addCommand(args: readonly (string | Buffer)[]): void;
  /** Everything added since the last take, as one flush. */
  take(): EncodedFlush;
}

/**
 * Encodes the commands a flush appends after its rows (a dead-letter push), each carrying no
 * row; `rowsPerCommand`, when the flush keeps one, gets a 0 for each.
 */
export function encodeAppended(
  e: CommandEncoder,
  commands: readonly (readonly (string | Buffer)[])[],
  rowsPerCommand: number[] | null,
): void {
  for (const args of commands) {
    e.beginCommand(args.length);
    for (const a of args) e.arg(a);
    rowsPerCommand?.push(0);
  }
}

/** One key's rows in a flush: its arguments so far, and the full commands already cut. */
interface KeyRun {
  key: string | Buffer;
  args: ArgArena;
  /** Rows in `args`. */
  rows: number;
  /** `args` holds removals (fields or members to remove), not rows to write. */
  removing: boolean;
  /** Some row of the key wrote: the commands after its rows (a TTL) follow. */
  wrote: boolean;
  /**
   * Commands cut from `args` before it, in order: when MAX_VALUES_PER_COMMAND rows filled it, or
   * where the key's rows turned from writes to removals or back.
   */
  full: { args: ArgArena; removing: boolean }[] | null;
}

/** Spare arenas a pipeline keeps at most (see GroupedPipeline). */
const MAX_SPARE_ARENAS = 4096;

/** How a table's rows remove (an `upsert` table's deletes): `HDEL key field ...`, `SREM key member ...`. */
export interface GroupedRemove {
  verb: string;
  /** What each removal adds to the command: its field, or its value (a member). */
  arg: 'field' | 'value';
}

/**
 * The at-least-once commands of a List, Hash (one field per row), Set or Sorted Set table: the
 * rows of one key become one `verb key [flags] ...` (split every MAX_VALUES_PER_COMMAND rows),
 * keys in order of first appearance, then each key's commands after its rows (a trim, a TTL) —
 * the same commands the writer makes from arrays (writers/by-key.ts), but each row's arguments
 * are encoded into its key's arena the moment it arrives, so no row is kept as strings until the
 * flush (the garbage collector's largest cost on these tables).
 */
export class GroupedPipeline implements RowPipeline {
  readonly #encoder: CommandEncoder;
  readonly #verb: string;
  readonly #flags: readonly string[];
  readonly #withField: boolean;
  readonly #after: (key: string | Buffer, wrote: boolean) => readonly Command[];
  readonly #remove: GroupedRemove | undefined;
  readonly #runs = new KeyMap<KeyRun>();
  #order: KeyRun[] = [];
  #extra: (readonly (string | Buffer)[])[] = [];
  /** A new key's arena starts at the last flush's bytes per key, so most never grow. */
  #arenaBytes = 256;
  /**
   * Arenas whose bytes the last flushes copied into the encoder (keys of few rows: a hash's
   * thousand keys, say), to fill again instead of allocating a buffer per key and flush.
   */
  #spare: ArgArena[] = [];

  constructor(
    encoder: CommandEncoder,
    verb: string,
    flags: readonly string[],
    withField: boolean,
    after: (key: string | Buffer, wrote: boolean) => readonly Command[],
    remove?: GroupedRemove,
  ) {
    this.#encoder = encoder;
    this.#verb = verb;
    this.#flags = flags;
    this.#withField = withField;
    this.#after = after;
    this.#remove = remove;
  }

  add(key: string | Buffer, field: string | Buffer, value: string | Buffer): void {
    const run = this.#writing(key, field);
    run.args.arg(value);
    this.#counted(run);
  }

  addBytes(key: string | Buffer, field: string | Buffer, value: Uint8Array): void {
    const run = this.#writing(key, field);
    run.args.argBytes(value);
    this.#counted(run);
  }

  addRemove(key: string | Buffer, field: string | Buffer, value: string | Buffer): void {
    const remove = this.#remove;
    if (remove === undefined) throw new Error(`${this.#verb} rows cannot be removed`);
    const run = this.#run(key);
    if (!run.removing) this.#cut(run, true);
    run.args.arg(remove.arg === 'field' ? field : value);
    this.#counted(run);
  }

  addPayload(row: PayloadRow): void {
    const run = this.#run(row.key);
    if (run.removing) this.#cut(run, false);
    run.wrote = true;
    const src = row.src;
    if (this.#withField) run.args.argSlice(src, row.fieldAt, row.fieldEnd);
    run.args.argSlice(src, row.valueAt, row.valueEnd);
    this.#counted(run);
  }

  addCommand(args: readonly (string | Buffer)[]): void {
    this.#extra.push(args);
  }

  take(): EncodedFlush {
    const e = this.#encoder;
    const rowsPerCommand: number[] = [];
    const head = 2 + this.#flags.length;
    const width = this.#withField ? 2 : 1;
    for (const run of this.#order) {
      const runs = run.full ?? [];
      if (run.args.count > 0) runs.push({ args: run.args, removing: run.removing });
      for (const { args, removing } of runs) {
        if (removing) {
          e.beginCommand(2 + args.count);
          e.arg(this.#remove!.verb);
          e.arg(run.key);
          rowsPerCommand.push(args.count);
          this.#appendArgs(args);
          continue;
        }
        e.beginCommand(head + args.count);
        e.arg(this.#verb);
        e.arg(run.key);
        for (const f of this.#flags) e.arg(f);
        rowsPerCommand.push(args.count / width);
        this.#appendArgs(args);
      }
    }
    for (const run of this.#order) {
      for (const cmd of this.#after(run.key, run.wrote)) {
        e.encode(cmd);
        rowsPerCommand.push(0);
      }
    }
    encodeAppended(e, this.#extra, rowsPerCommand);
    if (this.#order.length > 0) {
      let bytes = 0;
      for (const run of this.#order) bytes += run.args.length;
      this.#arenaBytes = Math.min(64 * 1024, Math.max(256, Math.ceil((bytes / this.#order.length) * 1.25)));
    }
    this.#runs.clear();
    this.#order = [];
    this.#extra = [];
    return { chunks: e.take(), count: rowsPerCommand.length, name: this.#verb, rowsPerCommand };
  }

  #run(key: string | Buffer): KeyRun {
    let run = this.#runs.get(key);
    if (run === undefined) {
      run = { key, args: this.#arena(this.#arenaBytes), rows: 0, removing: false, wrote: false, full: null };
      this.#runs.setLast(run);
      this.#order.push(run);
    }
    return run;
  }

  /** The key's run, turned to writing (not removing), with a row's field written when rows have one. */
  #writing(key: string | Buffer, field: string | Buffer): KeyRun {
    const run = this.#run(key);
    if (run.removing) this.#cut(run, false);
    run.wrote = true;
    if (this.#withField) run.args.arg(field);
    return run;
  }

  /** An empty arena: a spare one, else a new one of `bytes`. */
  #arena(bytes: number): ArgArena {
    const spare = this.#spare.pop();
    if (spare === undefined) return new ArgArena(bytes);
    spare.reset();
    return spare;
  }

  /** Appends a command's arguments to the flush; keeps the arena when they were copied. */
  #appendArgs(args: ArgArena): void {
    if (this.#encoder.encoded(args.bytes()) && this.#spare.length < MAX_SPARE_ARENAS) this.#spare.push(args);
  }

  #counted(run: KeyRun): void {
    if (++run.rows === MAX_VALUES_PER_COMMAND) this.#cut(run, run.removing);
  }

  /** Ends the key's current command (if it has rows); what follows writes, or removes. */
  #cut(run: KeyRun, removing: boolean): void {
    if (run.rows > 0) {
      (run.full ??= []).push({ args: run.args, removing: run.removing });
      run.args = this.#arena(run.args.length);
      run.rows = 0;
    }
    run.removing = removing;
  }
}
