import { keySlot, SLOT_COUNT } from '../resp/cluster/key-slot.js';
import { PayloadRow } from '../sink/encoded-row.js';
import { keyPrefixOf, type SinkTable } from '../sink/model.js';
import { type Row, RowEncoder } from '../sink/row-encoder.js';
import { hasFixedKey, writerOf } from '../sink/writers/index.js';

/** Distinct keys a router remembers the slot of (see SlotRouter). */
const MAX_CACHED_SLOTS = 10_000;

/** An inclusive range of hash slots. */
export type SlotRange = readonly [first: number, last: number];

/**
 * Contiguous, near-equal slot ranges for `shards` shards, covering 0..16383 in order: shard j owns
 * `[⌊j·16384/n⌋, ⌊(j+1)·16384/n⌋ − 1]`. Used for standalone Redis too, so a key has one writer
 * whatever the deployment.
 */
export function slotRanges(shards: number): SlotRange[] {
  if (!(Number.isSafeInteger(shards) && shards >= 1 && shards <= SLOT_COUNT)) {
    throw new RangeError(`shards must be an integer within 1..${SLOT_COUNT}, got ${shards}`);
  }
  const out: SlotRange[] = [];
  for (let j = 0; j < shards; j++) {
    out.push([Math.floor((j * SLOT_COUNT) / shards), Math.floor(((j + 1) * SLOT_COUNT) / shards) - 1]);
  }
  return out;
}

/** Rows of one input for one shard, as parallel arrays. */
export interface Routed {
  rows: Row[];
  /** The input's partition when it has one, else one per row. */
  partition: string | string[];
  offsets: number[];
  /** The rows' kinds, when the input carried kinds. */
  kinds?: Uint8Array;
}

/**
 * Routes a table's rows to the shard owning `slot(key)`, the key computed as the sink computes it
 * (the table's {@link RowEncoder}, asked for the key alone: routing never builds the value the
 * sink builds again). A row whose key
 * cannot be computed goes to shard 0, whose sink applies the table's `onError` policy to it.
 */
export class SlotRouter {
  readonly ranges: readonly SlotRange[];
  readonly #shardOfSlot: Uint16Array;
  readonly #encoder: RowEncoder | null;
  readonly #fixedShard: number;
  /**
   * Tables whose keys repeat (lists, hashes, counters...): key → slot, so a key's CRC16 (and its
   * UTF-8 form) is computed once, not once per row — a visible share of routing a stream source's
   * rows. Cleared when it grows past {@link MAX_CACHED_SLOTS}. Null for other tables.
   */
  readonly #slots: Map<string, number> | null;

  constructor(table: SinkTable, shards: number) {
    this.ranges = slotRanges(shards);
    this.#shardOfSlot = new Uint16Array(SLOT_COUNT);
    for (let j = 0; j < this.ranges.length; j++) {
      const [a, b] = this.ranges[j];
      this.#shardOfSlot.fill(j, a, b + 1);
    }
    const t = table.target;
    this.#slots = writerOf(t).keysRepeat ? new Map() : null;
    if (hasFixedKey(t)) {
      // Every row has the key `prefix`: one slot, one shard.
      this.#encoder = null;
      this.#fixedShard = this.#shardOfSlot[keySlot(keyPrefixOf(t))];
    } else {
      this.#encoder = new RowEncoder(table);
      this.#fixedShard = -1;
    }
  }

  /** Shard index of a row. */
  shardOf(row: Row): number {
    const enc = this.#encoder;
    if (enc === null) return this.#fixedShard;
    // A worker's keyed row: its key only, not the value the encoder would read out as well.
    if (row instanceof PayloadRow) return this.#shardOfSlot[keySlot(row.key)];
    if (enc.encodeKey(row) !== null) return 0;
    const key = enc.key;
    const slots = this.#slots;
    if (slots === null || typeof key !== 'string') return this.#shardOfSlot[keySlot(key)];
    let slot = slots.get(key);
    if (slot === undefined) {
      if (slots.size >= MAX_CACHED_SLOTS) slots.clear();
      slot = keySlot(key);
      slots.set(key, slot);
    }
    return this.#shardOfSlot[slot];
  }

  /** Shard index of a slot. */
  shardOfSlot(slot: number): number {
    return this.#shardOfSlot[slot];
  }

  /**
   * Splits rows by shard, keeping input order within each shard. Returns one entry per shard
   * (undefined where no row goes).
   */
  route(
    rows: readonly Row[],
    partition: string | readonly string[],
    offsets: readonly number[],
    kinds?: Uint8Array,
  ): (Routed | undefined)[] {
    const out: (Routed | undefined)[] = new Array(this.ranges.length);
    const single = typeof partition === 'string';
    // Shard of each row, kept only when kinds must follow the rows.
    const shardOfRow = kinds === undefined ? undefined : new Uint16Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const s = this.shardOf(rows[i]);
      let r = out[s];
      if (r === undefined) out[s] = r = { rows: [], partition: single ? partition : [], offsets: [] };
      r.rows.push(rows[i]);
      if (!single) (r.partition as string[]).push(partition[i]);
      r.offsets.push(offsets[i]);
      if (shardOfRow !== undefined) shardOfRow[i] = s;
    }
    if (shardOfRow !== undefined) splitKinds(out, shardOfRow, kinds!);
    return out;
  }
}

/** The kinds of routed rows, per shard, in the rows' order. */
function splitKinds(out: (Routed | undefined)[], shardOfRow: Uint16Array, kinds: Uint8Array): void {
  const fill = new Array<number>(out.length).fill(0);
  for (const r of out) if (r !== undefined) r.kinds = new Uint8Array(r.rows.length);
  for (let i = 0; i < shardOfRow.length; i++) {
    const s = shardOfRow[i];
    out[s]!.kinds![fill[s]++] = kinds[i];
  }
}
