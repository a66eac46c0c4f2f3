import type { Command } from '../resp/reply.js';
import { changelogCommands, type RemoveForm } from './changelog-commands.js';
import type { PayloadRow } from './encoded-row.js';
import {
  encodeCommand,
  type FenceWriter,
  fencedCommands,
  keyId,
  type PostCommand,
  valuesAsBytes,
} from './fence/fenced-commands.js';
import { ValueBytes } from './fence/value-bytes.js';
import type { EncodedFlush, RowPipeline } from './grouped-pipeline.js';
import type { RowEncoder } from './row-encoder.js';
import { groupByKey, type KeyGroup } from './writers/by-key.js';
import { afterKeyCommands, hasAfterKey, type Target, type TargetWriter, writerOf } from './writers/index.js';
import type { FlushRows } from './writers/writer.js';

/** What `bytes` adds per row beyond its key, field and value (bookkeeping, for the in-flight bound). */
export const ROW_OVERHEAD_BYTES = 16;

/**
 * The rows of one flush, kept as parallel arrays (no object per row), turned into one pipeline:
 * the commands the table's writer makes of them (writers/), or the fence script's calls; then,
 * once per key, the writer's trim and the table's TTL.
 */
export class Batch implements FlushRows {
  rows = 0;
  bytes = 0;
  readonly keys: (string | Buffer)[] = [];
  readonly fields: (string | Buffer)[] = [];
  readonly values: (string | Buffer)[] = [];
  readonly ttls: number[] = [];
  readonly pairs: (string | Buffer)[][] = [];
  readonly deletes: (string[] | null)[] = [];
  /** `partition:offset` of each row, for writers that name rows by them (message ids). */
  readonly positions: string[] = [];
  /** Dead-letter entries (JSON text) to push to the dead-letter list in the same flush. */
  readonly dead: string[] = [];
  /** Source positions of the rows, for fenced (exactly-once) batches. */
  readonly partitions: string[] = [];
  readonly offsets: number[] = [];

  /** Where rows are encoded as they come, when the sink gave one and the batch can use it. */
  readonly #direct: RowPipeline | null;
  readonly #writer: TargetWriter<Target>;
  /** Rows carry a field (hashes, sorted sets, hash counters): {@link fields} is filled. */
  readonly #withField: boolean;
  readonly #withTtl: boolean;
  readonly #withPairs: boolean;
  readonly #withPositions: boolean;
  /** Per row: whether it removes (an `upsert` table's delete); null until a row does. */
  #removes: boolean[] | null = null;
  #groups: KeyGroup[] | null = null;
  /** A fenced batch's values as bytes ({@link values} then holds none); null: kept as they came. */
  readonly valueBytes: ValueBytes | null;

  /**
   * @param fenced rows carry source positions and are applied through the fence script.
   * @param direct the sink's {@link RowPipeline}, which it makes only on standalone Redis for the
   *   tables that have one: an at-least-once batch encodes its rows there instead of keeping them.
   * @param valueBytes for a fenced batch whose script calls are encoded (see fenced-commands.ts),
   *   the room to keep its values in as bytes at first; null: they are kept as they came.
   */
  constructor(
    private readonly target: Target,
    readonly fenced = false,
    direct: RowPipeline | null = null,
    valueBytes: number | null = null,
  ) {
    this.#direct = fenced ? null : direct;
    this.#writer = writerOf(target);
    const form = fenced && valueBytes !== null ? this.#writer.fenced?.(target) : undefined;
    this.valueBytes = form != null && valuesAsBytes(form.op) ? new ValueBytes(valueBytes!) : null;
    const shape = this.#writer.shape(target);
    this.#withField = shape.field !== undefined;
    this.#withTtl = shape.ttl !== undefined;
    this.#withPairs = shape.columns !== undefined;
    this.#withPositions = this.#writer.needsPositions?.(target) ?? false;
  }

  /** True when rows are encoded as they come: flush with {@link encoded}, not {@link commands}. */
  get encodes(): boolean {
    return this.#direct !== null;
  }

  /** Adds a worker's row by its bytes (only when {@link encodes}). */
  addPayload(row: PayloadRow): void {
    this.#direct!.addPayload(row);
    this.rows++;
    this.bytes += row.size + ROW_OVERHEAD_BYTES;
  }

  /**
   * Adds the row `enc` holds. `partition` and `offset`: its source position, kept for fenced
   * batches and for writers that name rows by it.
   */
  add(enc: RowEncoder, partition?: string, offset?: number): void {
    const direct = this.#direct;
    if (direct !== null) {
      let valueBytes: number;
      if (enc.valueInBytes) {
        const json = enc.json!.bytes();
        direct.addBytes(enc.key, enc.field, json);
        valueBytes = json.byteLength;
      } else {
        direct.add(enc.key, enc.field, enc.value);
        valueBytes = enc.value.length;
      }
      this.rows++;
      this.bytes +=
        enc.key.length + valueBytes + (this.#withField ? enc.field.length : 0) + ROW_OVERHEAD_BYTES;
      return;
    }
    if (this.fenced) {
      this.partitions.push(partition!);
      this.offsets.push(offset!);
    }
    if (this.#withPositions) {
      this.positions.push(
        partition === undefined ? `${SINK_RUN}:${++unpositioned}` : `${partition}:${offset}`,
      );
    }
    this.keys.push(enc.key);
    let size = enc.key.length + ROW_OVERHEAD_BYTES;
    if (this.#withField) {
      this.fields.push(enc.field);
      size += enc.field.length;
    }
    if (enc.valueInBytes) {
      const json = enc.json!.bytes();
      this.valueBytes!.add(json);
      size += json.byteLength;
    } else {
      if (this.valueBytes !== null) this.valueBytes.add(enc.value);
      else this.values.push(enc.value);
      size += enc.value.length;
    }
    if (this.#withTtl) this.ttls.push(enc.ttl);
    if (this.#withPairs) {
      this.pairs.push(enc.pairs);
      this.deletes.push(enc.deletes);
      for (const p of enc.pairs) size += p.length;
    }
    if (this.#removes !== null) this.#removes.push(false);
    this.rows++;
    this.bytes += size;
  }

  /**
   * Adds a removal (an `upsert` table's delete, see changelog.ts): what the row with this key
   * (and field, or member `value`) wrote goes. Its place in the key's rows is kept.
   */
  addRemove(
    key: string | Buffer,
    field: string | Buffer,
    value: string | Buffer,
    partition?: string,
    offset?: number,
  ): void {
    this.rows++;
    this.bytes += key.length + field.length + value.length + ROW_OVERHEAD_BYTES;
    const direct = this.#direct;
    if (direct !== null) {
      direct.addRemove(key, field, value);
      return;
    }
    if (this.#removes === null) this.#removes = new Array<boolean>(this.keys.length).fill(false);
    this.#removes.push(true);
    if (this.fenced) {
      this.partitions.push(partition!);
      this.offsets.push(offset!);
    }
    if (this.#withPositions) this.positions.push(`${partition}:${offset}`);
    this.keys.push(key);
    if (this.#withField) this.fields.push(field);
    if (this.valueBytes !== null) this.valueBytes.add(value);
    else this.values.push(value);
    if (this.#withTtl) this.ttls.push(0);
    if (this.#withPairs) {
      this.pairs.push([]);
      this.deletes.push(null);
    }
  }

  /** Per row, whether it removes; null when no row does. */
  get removes(): readonly boolean[] | null {
    return this.#removes;
  }

  addDeadLetter(entry: string): void {
    this.dead.push(entry);
    this.bytes += entry.length;
  }

  get isEmpty(): boolean {
    return this.rows === 0 && this.dead.length === 0;
  }

  groups(): readonly KeyGroup[] {
    this.#groups ??= groupByKey(this.keys);
    return this.#groups;
  }

  /**
   * The batch's commands as encoded (when {@link encodes}), then the dead-letter push when there
   * is one.
   */
  encoded(deadLetterKey: string | undefined): EncodedFlush {
    if (this.dead.length > 0 && deadLetterKey !== undefined) {
      this.#direct!.addCommand(['RPUSH', deadLetterKey, ...this.dead]);
    }
    return this.#direct!.take();
  }

  /**
   * The pipeline for this batch; also returns, per command, how many rows it carries. Fenced
   * batches need the table name, the job identity and the writer's generation.
   */
  commands(
    deadLetterKey: string | undefined,
    fence: FenceWriter & { cluster: boolean } = UNFENCED,
  ): { commands: Command[]; rowsPerCommand: number[] } {
    const t = this.target;
    const w = this.#writer;
    let out: { commands: Command[]; rowsPerCommand: number[] };
    if (this.fenced && this.keys.length > 0) {
      const post = new Map<string, PostCommand[]>();
      if (this.#hasAfterKey(true)) {
        for (const g of this.groups()) {
          const cmds = this.#afterKey(g, true);
          if (cmds.length > 0) post.set(keyId(g.key), cmds);
        }
      }
      out = fencedCommands(this, w.fenced(t)!, fence, fence.cluster, post);
    } else {
      out = { commands: [], rowsPerCommand: [] };
      const removes = this.#removes;
      if (removes === null) w.commands(t, this, { ...out, cluster: fence.cluster });
      else {
        const remove = w.retraction(t) as RemoveForm;
        changelogCommands(t, w, this, removes, remove, { ...out, cluster: fence.cluster });
      }
      if (this.keys.length > 0 && this.#hasAfterKey(false)) {
        for (const g of this.groups()) {
          for (const cmd of this.#afterKey(g, false)) {
            out.commands.push(cmd);
            out.rowsPerCommand.push(0);
          }
        }
      }
    }
    const { commands, rowsPerCommand } = out;
    if (this.dead.length > 0 && deadLetterKey !== undefined) {
      const push = ['RPUSH', deadLetterKey, ...this.dead];
      // Script calls already encoded: the push goes with them.
      if (this.valueBytes !== null && this.keys.length > 0) encodeCommand(push, fence.encoder!);
      commands.push(push);
      rowsPerCommand.push(0);
    }
    return { commands, rowsPerCommand };
  }

  /** Whether any key gets commands after its rows (grouping rows by key is not free). */
  #hasAfterKey(fenced: boolean): boolean {
    return hasAfterKey(this.target, fenced);
  }

  /**
   * The commands run once for a key after its rows: the writer's trim, then the TTL, from the
   * key's last row that wrote (a key whose rows only removed keeps the TTL it had).
   */
  #afterKey(g: KeyGroup, fenced: boolean): Command[] {
    let last = g.rows.length - 1;
    const removes = this.#removes;
    if (removes !== null) while (last >= 0 && removes[g.rows[last]]) last--;
    return afterKeyCommands(
      this.target,
      g.key,
      this.#withTtl && last >= 0 ? this.ttls[g.rows[last]] : undefined,
      fenced,
      last >= 0,
    );
  }
}

/** Who writes an at-least-once batch on standalone Redis, when the caller says nothing. */
const UNFENCED: FenceWriter & { cluster: boolean } = { table: '', owner: '', generation: 1, cluster: false };

/**
 * Names rows that came without a source position (a sink used directly): this process's run and
 * a counter, unique but not stable across a restart.
 */
const SINK_RUN = `run-${process.pid.toString(36)}-${Date.now().toString(36)}`;
let unpositioned = 0;
