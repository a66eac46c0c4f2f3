import type { Clock } from '../../actors/clock.js';
import { columnRowFunction } from '../../plan/column-generator.js';
import type { GeneratorOptions } from '../../plan/generator-options.js';
import { MAX_GENERATOR_PARTITIONS } from '../../plan/job-spec.js';
import type { Row } from '../../sink/row-encoder.js';
import { EMPTY_BATCH, numericPosition, type ReadBatch, type Source, type SourceReader } from './source.js';

export type { GeneratorOptions } from '../../plan/generator-options.js';

/**
 * A generated row. Columns serve string tables (key `k`), lists (key `g`, values ordered by `i`)
 * and hashes (key `g`, field `f`): `k` and `f` are local to a partition, so the last value of a
 * string key or hash field is decided by one partition's order alone, while list groups `g` are
 * shared, so lists interleave partitions.
 */
export interface GeneratedRow {
  /** `<p>-<i>`: unique over the source. */
  id: string;
  /** Partition index. */
  p: number;
  /** Offset within the partition. */
  i: number;
  k: string;
  g: string;
  f: string;
  /** Pseudo-random payload. */
  v: number;
  n: string;
}

/** 32-bit mix (murmur3 finaliser): a pure function of its input. */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function hash3(seed: number, p: number, i: number, salt: number): number {
  return mix(mix(mix(seed ^ salt) ^ p) ^ (i >>> 0) ^ Math.floor(i / 4294967296));
}

/** Row `i` of partition `p`: a pure function of (seed, p, i) and the cardinalities. */
export function generatedRow(seed: number, p: number, i: number, keys = 1000, groups = 16): GeneratedRow {
  const a = hash3(seed, p, i, 0x9e3779b9);
  const b = hash3(seed, p, i, 0x7f4a7c15);
  return {
    id: `${p}-${i}`,
    p,
    i,
    k: `${p}-${a % keys}`,
    g: `g${b % groups}`,
    f: `${p}-${b % keys}`,
    v: a ^ b,
    n: (a % 100_000).toString(36),
  };
}

/** Partition (and channel) id of generator partition `p`. */
export function generatorPartition(name: string, p: number): string {
  return `${name}/${p}`;
}

/** Deterministic rows, `rowsPerPartition` per partition, optionally paced at `rate` rows/s. */
export class GeneratorSource implements Source {
  readonly name: string;
  readonly #o: Required<Omit<GeneratorOptions, 'rate' | 'columns'>> & { rate: number };
  readonly #row: (p: number, i: number) => Row;
  readonly #clock: Clock;

  constructor(options: GeneratorOptions, clock: Clock) {
    const { partitions, rowsPerPartition } = options;
    if (!(Number.isSafeInteger(partitions) && partitions >= 1 && partitions <= MAX_GENERATOR_PARTITIONS)) {
      throw new RangeError(
        `generator ${options.name}: partitions must be an integer in 1..${MAX_GENERATOR_PARTITIONS}`,
      );
    }
    if (!(Number.isSafeInteger(rowsPerPartition) && rowsPerPartition >= 0)) {
      throw new RangeError(`generator ${options.name}: rowsPerPartition must be an integer >= 0`);
    }
    this.name = options.name;
    this.#o = {
      name: options.name,
      partitions,
      rowsPerPartition,
      seed: options.seed ?? 1,
      keys: options.keys ?? 1000,
      groups: options.groups ?? 16,
      rate: options.rate ?? 0,
    };
    const { seed, keys, groups } = this.#o;
    this.#row =
      options.columns === undefined
        ? (p, i) => generatedRow(seed, p, i, keys, groups)
        : columnRowFunction(options.columns, seed);
    this.#clock = clock;
  }

  async open(restored: Readonly<Record<string, number | string>>): Promise<SourceReader[]> {
    const readers: SourceReader[] = [];
    for (let p = 0; p < this.#o.partitions; p++) {
      const channel = generatorPartition(this.name, p);
      readers.push(
        new GeneratorReader(
          this.#o,
          this.#row,
          p,
          channel,
          numericPosition(restored[channel], channel),
          this.#clock,
        ),
      );
    }
    return readers;
  }
}

class GeneratorReader implements SourceReader {
  #next: number;
  #paceStart: number;
  #paceFrom: number;

  constructor(
    private readonly o: { rowsPerPartition: number; rate: number },
    private readonly row: (p: number, i: number) => Row,
    private readonly p: number,
    readonly channel: string,
    from: number,
    private readonly clock: Clock,
  ) {
    this.#next = Math.min(from, o.rowsPerPartition);
    this.#paceStart = clock.now();
    this.#paceFrom = this.#next;
  }

  async read(max: number, signal: AbortSignal): Promise<ReadBatch | null> {
    const { o } = this;
    if (this.#next >= o.rowsPerPartition) return null;
    let n = Math.min(max, o.rowsPerPartition - this.#next);
    if (o.rate > 0) {
      // Pace against the start so rounding never accumulates: row r is due at start + r/rate.
      const due = this.#paceStart + ((this.#next - this.#paceFrom) * 1000) / o.rate;
      const wait = due - this.clock.now();
      if (wait > 0) {
        try {
          await this.clock.sleep(wait, signal);
        } catch {
          return EMPTY_BATCH;
        }
      }
      n = Math.min(n, Math.max(1, Math.ceil(o.rate / 50)));
    }
    const rows: Row[] = new Array(n);
    const offsets: number[] = new Array(n);
    for (let j = 0; j < n; j++) {
      const i = this.#next + j;
      rows[j] = this.row(this.p, i);
      offsets[j] = i;
    }
    this.#next += n;
    return { rows, partition: this.channel, offsets };
  }

  position(): number {
    return this.#next;
  }

  async close(): Promise<void> {}
}
