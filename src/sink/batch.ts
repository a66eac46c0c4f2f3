import type { EncodedCommands } from '../resp/encoded-commands.js';
import type { Command } from '../resp/reply.js';
import type { PayloadRow } from './encoded-row.js';
import { type FenceWriter, fencedCommands } from './fence/fenced-commands.js';
import type { RowEncoder } from './row-encoder.js';
import type { SetPipeline } from './set-pipeline.js';
import { type Target, type TargetWriter, writerOf } from './writers/index.js';

/** What `bytes` adds per row beyond its key, field and value (bookkeeping, for the in-flight bound). */
export const ROW_OVERHEAD_BYTES = 16;

/**
 * The rows of one flush, kept as parallel arrays (no object per row), turned into one pipeline:
 * the commands the table's writer makes of them (writers/), or the fence script's calls.
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
  readonly #writer: TargetWriter<Target>;
  /** Rows carry a field (hash targets): {@link fields} is filled. */
  readonly #withField: boolean;

  /**
   * @param fenced rows carry source positions and are applied through the fence script.
   * @param sets the sink's {@link SetPipeline}, which it makes only for a string table on
   *   standalone Redis: an at-least-once batch encodes its rows there instead of keeping them.
   */
  constructor(
    private readonly target: Target,
    readonly fenced = false,
    sets: SetPipeline | null = null,
  ) {
    this.#sets = fenced ? null : sets;
    this.#writer = writerOf(target);
    this.#withField = this.#writer.fieldColumn(target) !== undefined;
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
    if (this.#withField) this.fields.push(enc.field);
    this.values.push(enc.value);
    this.rows++;
    this.bytes +=
      enc.key.length + enc.value.length + (this.#withField ? enc.field.length : 0) + ROW_OVERHEAD_BYTES;
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
   * batches need the table name, the job identity and the writer's generation.
   */
  commands(
    deadLetterKey: string | undefined,
    fence?: FenceWriter & { cluster: boolean },
  ): { commands: Command[]; rowsPerCommand: number[] } {
    const t = this.target;
    let out: { commands: Command[]; rowsPerCommand: number[] };
    if (this.fenced && this.keys.length > 0) {
      out = fencedCommands(this, this.#writer.fenced(t), fence!, fence!.cluster);
    } else {
      out = { commands: [], rowsPerCommand: [] };
      this.#writer.commands(t, this, out);
    }
    const { commands, rowsPerCommand } = out;
    if (this.dead.length > 0 && deadLetterKey !== undefined) {
      commands.push(['RPUSH', deadLetterKey, ...this.dead]);
      rowsPerCommand.push(0);
    }
    return { commands, rowsPerCommand };
  }
}
