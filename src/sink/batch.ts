import type { EncodedCommands } from '../resp/encoded-commands.js';
import type { Arg, Command } from '../resp/reply.js';
import type { PayloadRow } from './encoded-row.js';
import { fencedCommands } from './fence/fenced-commands.js';
import type { Target } from './model.js';
import type { RowEncoder } from './row-encoder.js';
import type { SetPipeline } from './set-pipeline.js';

/** What `bytes` adds per row beyond its key, field and value (bookkeeping, for the in-flight bound). */
export const ROW_OVERHEAD_BYTES = 16;

/** Most values one RPUSH/LPUSH/HSET carries; longer runs are split. */
export const MAX_VALUES_PER_COMMAND = 1024;

/**
 * The rows of one flush, kept as parallel arrays (no object per row), turned into one pipeline.
 *
 * Commands, per DESIGN.md: String `SET key value [EX ttl]`, one per row. List: the pushes of one
 * key become one variadic `RPUSH`/`LPUSH` (the same as pushing one by one, in order), then one
 * `LTRIM` per key when maxLength is set. Hash: the fields of one key become one multi-field
 * `HSET`, in row order (a repeated field keeps its last value, as sequential HSETs would). Keys are
 * independent, and each key's rows keep their input order.
 */
export class Batch {
  rows = 0;
  bytes = 0;
  readonly keys: (string | Buffer)[] = [];
  readonly fields: (string | Buffer)[] = [];
  readonly values: (string | Buffer)[] = [];
  /** Dead-letter entries (JSON text) to push to the dead-letter list in the same flush. */
  readonly dead: string[] = [];
  /** Source positions of the rows, for fenced (exactly-once) batches. */
  readonly partitions: string[] = [];
  readonly offsets: number[] = [];

  /** Where rows are encoded as they come, when the sink gave one and the batch can use it. */
  readonly #sets: SetPipeline | null;

  /**
   * @param fenced rows carry source positions and are applied through the fence script.
   * @param sets the sink's {@link SetPipeline} (a string table on standalone Redis): an
   *   at-least-once batch encodes its rows there instead of keeping them.
   */
  constructor(
    private readonly target: Target,
    readonly fenced = false,
    sets: SetPipeline | null = null,
  ) {
    this.#sets = fenced || target.type !== 'string' ? null : sets;
  }

  /** True when rows are encoded as they come: flush with {@link encoded}, not {@link commands}. */
  get encodes(): boolean {
    return this.#sets !== null;
  }

  /** Adds a worker's row by its bytes (only when {@link encodes}). */
  addPayload(row: PayloadRow): void {
    this.#sets!.addPayload(row);
    this.rows++;
    this.bytes += row.size + ROW_OVERHEAD_BYTES;
  }

  add(enc: RowEncoder, partition?: string, offset?: number): void {
    const sets = this.#sets;
    if (sets !== null) {
      sets.add(enc.key, enc.value);
      this.rows++;
      this.bytes += enc.key.length + enc.value.length + ROW_OVERHEAD_BYTES;
      return;
    }
    if (this.fenced) {
      this.partitions.push(partition!);
      this.offsets.push(offset!);
    }
    this.keys.push(enc.key);
    if (this.target.type === 'hash') this.fields.push(enc.field);
    this.values.push(enc.value);
    this.rows++;
    this.bytes +=
      enc.key.length +
      enc.value.length +
      (this.target.type === 'hash' ? enc.field.length : 0) +
      ROW_OVERHEAD_BYTES;
  }

  addDeadLetter(entry: string): void {
    this.dead.push(entry);
    this.bytes += entry.length;
  }

  get isEmpty(): boolean {
    return this.rows === 0 && this.dead.length === 0;
  }

  /**
   * The batch's commands as encoded (when {@link encodes}): one SET per row, in order, then the
   * dead-letter push when there is one.
   */
  encoded(deadLetterKey: string | undefined): EncodedCommands {
    if (this.dead.length > 0 && deadLetterKey !== undefined) {
      this.#sets!.addCommand(['RPUSH', deadLetterKey, ...this.dead]);
    }
    return this.#sets!.take();
  }

  /**
   * The pipeline for this batch; also returns, per command, how many rows it carries. Fenced
   * batches need the table name and the writer's generation.
   */
  commands(
    deadLetterKey: string | undefined,
    fence?: { table: string; generation: number; cluster: boolean },
  ): { commands: Command[]; rowsPerCommand: number[] } {
    const t = this.target;
    let commands: Command[] = [];
    let rowsPerCommand: number[] = [];
    const n = this.keys.length;
    if (this.fenced && n > 0) {
      ({ commands, rowsPerCommand } = fencedCommands(
        this,
        t,
        fence!.table,
        fence!.generation,
        fence!.cluster,
      ));
    } else if (t.type === 'string') {
      // The TTL's text once per flush, not once per row.
      const ttl = t.ttlSecs === undefined ? undefined : String(t.ttlSecs);
      for (let i = 0; i < n; i++) {
        commands.push(
          ttl === undefined
            ? ['SET', this.keys[i], this.values[i]]
            : ['SET', this.keys[i], this.values[i], 'EX', ttl],
        );
        rowsPerCommand.push(1);
      }
    } else {
      const groups = groupByKey(this.keys);
      const verb = t.type === 'hash' ? 'HSET' : t.operation === 'Append' ? 'RPUSH' : 'LPUSH';
      const perRow = t.type === 'hash' ? 2 : 1;
      for (const g of groups) {
        for (let from = 0; from < g.rows.length; from += MAX_VALUES_PER_COMMAND) {
          const to = Math.min(g.rows.length, from + MAX_VALUES_PER_COMMAND);
          const cmd: Arg[] = new Array(2 + (to - from) * perRow);
          cmd[0] = verb;
          cmd[1] = g.key;
          let p = 2;
          for (let j = from; j < to; j++) {
            const r = g.rows[j];
            if (perRow === 2) cmd[p++] = this.fields[r];
            cmd[p++] = this.values[r];
          }
          commands.push(cmd);
          rowsPerCommand.push(to - from);
        }
      }
      if (t.type === 'list' && t.maxLength !== undefined) {
        const max = t.maxLength;
        for (const g of groups) {
          commands.push(t.operation === 'Append' ? ['LTRIM', g.key, -max, -1] : ['LTRIM', g.key, 0, max - 1]);
          rowsPerCommand.push(0);
        }
      }
    }
    if (this.dead.length > 0 && deadLetterKey !== undefined) {
      commands.push(['RPUSH', deadLetterKey, ...this.dead]);
      rowsPerCommand.push(0);
    }
    return { commands, rowsPerCommand };
  }
}

interface Group {
  key: string | Buffer;
  rows: number[];
}

/** Rows grouped by key, groups in order of first appearance. */
function groupByKey(keys: readonly (string | Buffer)[]): Group[] {
  const byText = new Map<string, Group>();
  let byBytes: Map<string, Group> | null = null;
  const out: Group[] = [];
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    let map = byText;
    let id: string;
    if (typeof k === 'string') {
      id = k;
    } else {
      // A binary key that is valid UTF-8 is the same Redis key as that text: group them together.
      const s = k.toString('utf8');
      if (Buffer.from(s, 'utf8').equals(k)) {
        id = s;
      } else {
        map = byBytes ??= new Map();
        id = k.toString('latin1');
      }
    }
    let g = map.get(id);
    if (g === undefined) {
      g = { key: k, rows: [] };
      map.set(id, g);
      out.push(g);
    }
    g.rows.push(i);
  }
  return out;
}
