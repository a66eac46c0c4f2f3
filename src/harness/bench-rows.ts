/**
 * The rows a benchmark writes. Row i is a pure function of i (and of the sample file's lines), so
 * the load loop makes each batch as it goes and verify mode recomputes what landed.
 *
 * - `flat`: five top-level columns, about 90 bytes of JSON.
 * - `nested`: a session like the Laminar Redis connector documentation's examples — ids, an ISO
 *   timestamp, a hit count and a nested `permissions` object of five fields; about 190 bytes.
 * - `file`: the objects of a JSON-lines file replayed in turn, each with the benchmark's own
 *   `bench_key`, `bench_id`, `bench_n` and `bench_group` columns added.
 */
import { readFile } from 'node:fs/promises';
import type { Column } from '../schema/sql-type.js';
import type { Row } from '../sink/row-encoder.js';
import type { BenchShape } from './bench-report.js';
import { BenchOptionsError } from './errors.js';
import { type KeyChoice, mix32 } from './key-choice.js';

/** Which columns of a shape the tables read: the key, a unique id, an integer, a small group. */
export interface RowLayout {
  key: string;
  /** Unique per row (hash fields, set members, stream order). */
  id: string;
  /** An integer 1..100: counter increments and sorted-set scores. */
  number: string;
  /** One of a few values: the field of a hash counter. */
  group: string;
}

/** Makes the rows of one run. */
export interface RowSource {
  readonly layout: RowLayout;
  /** Declared columns; undefined for sample files (columns are checked per row). */
  readonly columns: Column[] | undefined;
  /** Rows first..first+count-1. */
  rows(first: number, count: number): Row[];
  /** The key column's text of row i (the Redis key is the table's prefix and this). */
  keyText(i: number): string;
  /** The `number` column of row i. */
  numberOf(i: number): number;
  /** The `group` column's text of row i. */
  groupOf(i: number): string;
  /** The key index of row i. */
  keyIndexOf(i: number): number;
  /** The text a key index is written as. */
  keyTextOfIndex(k: number): string;
}

const PAGES = Array.from({ length: 16 }, (_, p) => `/catalog/section-${p}/item?ref=laminar`);
const ORGS = Array.from({ length: 16 }, (_, o) => `org-${String(o).padStart(2, '0')}`);
const TEAMS = ['eu', 'us', 'apac'];
const SCOPES = [['orders'], ['orders', 'users'], ['users']];
/** 2025-11-26T05:00:00Z: timestamps are fixed so two runs write the same bytes. */
const TS0 = 1_764_133_200_000;

const FLAT_COLUMNS: Column[] = [
  { name: 'id', type: 'BIGINT', nullable: false },
  { name: 'key', type: 'TEXT', nullable: false },
  { name: 'n', type: 'BIGINT', nullable: false },
  { name: 'ts', type: 'BIGINT', nullable: false },
  { name: 'page', type: 'TEXT', nullable: false },
];

const NESTED_COLUMNS: Column[] = [
  { name: 'event_id', type: 'BIGINT', nullable: false },
  { name: 'session_id', type: 'TEXT', nullable: false },
  { name: 'org', type: 'TEXT', nullable: false },
  { name: 'user_id', type: 'BIGINT', nullable: false },
  { name: 'created_at', type: 'TIMESTAMP', nullable: false },
  { name: 'hits', type: 'BIGINT', nullable: false },
  { name: 'permissions', type: 'JSON', nullable: false },
];

/** The `number` column of a row from its hash (bits the key index does not lean on much). */
const numberOfHash = (h: number): number => 1 + ((h >>> 11) % 100);

/** The rows of a shape over the keys `choice` draws from. */
export async function rowSource(
  shape: BenchShape,
  choice: KeyChoice,
  sampleFile: string | null,
): Promise<RowSource> {
  if (shape === 'file') return fileSource(await readSamples(sampleFile!), choice);
  const nested = shape === 'nested';
  const texts = Array.from({ length: choice.keys }, (_, k) => (nested ? `sess_${k.toString(36)}` : `k${k}`));
  const { keyOf, keyOfHash } = choice;
  const number = (i: number) => numberOfHash(mix32(i));
  const common = {
    keyText: (i: number) => texts[keyOf(i)],
    numberOf: number,
    keyIndexOf: keyOf,
    keyTextOfIndex: (k: number) => texts[k],
  };
  if (!nested) {
    return {
      ...common,
      layout: { key: 'key', id: 'id', number: 'n', group: 'page' },
      columns: FLAT_COLUMNS,
      groupOf: (i) => PAGES[i & 15],
      rows(first, count) {
        const out = new Array<Row>(count);
        for (let j = 0; j < count; j++) {
          const i = first + j;
          const h = mix32(i);
          out[j] = {
            id: i,
            key: texts[keyOfHash(h)],
            n: numberOfHash(h),
            ts: TS0 + i * 7,
            page: PAGES[i & 15],
          };
        }
        return out;
      },
    };
  }
  return {
    ...common,
    layout: { key: 'session_id', id: 'event_id', number: 'hits', group: 'org' },
    columns: NESTED_COLUMNS,
    groupOf: (i) => ORGS[i & 15],
    rows(first, count) {
      const out = new Array<Row>(count);
      for (let j = 0; j < count; j++) {
        const i = first + j;
        const h = mix32(i);
        const g = mix32(i + 0x5bd1e995);
        out[j] = {
          event_id: i,
          session_id: texts[keyOfHash(h)],
          org: ORGS[i & 15],
          user_id: 100_000 + (g % 1000),
          created_at: new Date(TS0 + i * 7),
          hits: numberOfHash(h),
          permissions: {
            read: true,
            write: (g & 0x10000) !== 0,
            admin: (g & 0x3e0000) === 0,
            scopes: SCOPES[(g >>> 23) % 3],
            team: TEAMS[i % 3],
          },
        };
      }
      return out;
    },
  };
}

function fileSource(samples: Record<string, unknown>[], choice: KeyChoice): RowSource {
  const keyOf = choice.keyOf;
  const number = (i: number) => numberOfHash(mix32(i));
  const text = (k: number) => `k${k}`;
  return {
    layout: { key: 'bench_key', id: 'bench_id', number: 'bench_n', group: 'bench_group' },
    columns: undefined,
    keyText: (i) => text(keyOf(i)),
    numberOf: number,
    groupOf: (i) => `g${i & 15}`,
    keyIndexOf: keyOf,
    keyTextOfIndex: text,
    rows(first, count) {
      const out = new Array<Row>(count);
      for (let j = 0; j < count; j++) {
        const i = first + j;
        out[j] = {
          ...samples[i % samples.length],
          bench_key: text(keyOf(i)),
          bench_id: i,
          bench_n: number(i),
          bench_group: `g${i & 15}`,
        };
      }
      return out;
    },
  };
}

/** The objects of a JSON-lines file. @throws BenchOptionsError for an unreadable file or line. */
export async function readSamples(file: string): Promise<Record<string, unknown>[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new BenchOptionsError(
      'sampleFile',
      `cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  const rows: Record<string, unknown>[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new BenchOptionsError('sampleFile', `line ${n + 1} is not JSON`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new BenchOptionsError('sampleFile', `line ${n + 1} is not a JSON object`);
    }
    rows.push(value as Record<string, unknown>);
  }
  if (rows.length === 0) throw new BenchOptionsError('sampleFile', 'holds no rows');
  return rows;
}
