import b from 'benny';
import type { Column } from '../../src/schema/sql-type.js';
import { dateText, hidesCollection, holdsCollection, isTooLong, numberText } from '../../src/schema/text.js';
import { jsonRow } from '../../src/sink/json-row.js';
import { roundTo } from '../common/figures.js';
import { runWhenMain } from '../common/micro-print.js';
import { VERIFICATION_FAILED } from '../report.js';
import type { SuiteOptions } from '../run.js';
import type { BenchRow, SuiteResult } from '../types.js';

const ROWS = 1_000;
const OLD = 'jsonRow before';
const NEW = 'jsonRow';
const NATIVE = 'JSON.stringify';

// ---- workloads -------------------------------------------------------------------------------

/** Deterministic pseudo-random numbers, so every run encodes the same rows. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

type Row = Record<string, unknown>;

/** A page view: strings and numbers only, the rows the native path always took. */
function flatRows(): Row[] {
  const rnd = lcg(7);
  return Array.from({ length: ROWS }, (_, i) => ({
    id: `view:${i}`,
    user: `user_${Math.floor(rnd() * 1e6)}`,
    score: Math.round(rnd() * 1e5) / 100,
    ts: 1_764_000_000_000 + i * 1000,
    page: `/products/${Math.floor(rnd() * 1e4)}`,
  }));
}

/**
 * A session, modelled on the Laminar connector docs' examples: ids, a timestamp, a nested
 * permissions object of five fields; about 190 bytes of JSON.
 */
function nestedRows(timestamp: 'Date' | 'ISO string'): Row[] {
  const rnd = lcg(11);
  const teams = ['eu-west', 'us-east', 'apac'];
  return Array.from({ length: ROWS }, (_, i) => {
    const created = new Date(Date.UTC(2026, 10, 26) + Math.floor(rnd() * 86_400_000));
    return {
      session_id: `sess_${Math.floor(rnd() * 2 ** 32)
        .toString(16)
        .padStart(8, '0')}`,
      user_id: 100_000 + i,
      created_at: timestamp === 'Date' ? created : created.toISOString(),
      permissions: {
        read: true,
        write: rnd() < 0.5,
        admin: rnd() < 0.05,
        scopes: rnd() < 0.5 ? ['orders', 'users'] : ['orders'],
        team: teams[i % teams.length],
      },
      ip: `10.0.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}`,
    };
  });
}

interface Workload {
  name: string;
  rows: Row[];
  columns: readonly Column[] | undefined;
}

const schemaOf = (row: Row): Column[] =>
  Object.keys(row).map((name) => ({ name, type: 'string', nullable: true }) as unknown as Column);

function workloads(): Workload[] {
  const flat = flatRows();
  const nested = nestedRows('Date');
  return [
    { name: 'flat rows', rows: flat, columns: undefined },
    { name: 'nested rows, Date', rows: nested, columns: undefined },
    { name: 'nested rows, ISO string', rows: nestedRows('ISO string'), columns: undefined },
    { name: 'nested rows, Date, with a schema', rows: nested, columns: schemaOf(nested[0]) },
  ];
}

// ---- the encoders under test -------------------------------------------------------------------

type Encode = (row: Row, columns: readonly Column[] | undefined) => string;

const ENCODERS: [string, Encode][] = [
  [OLD, (row, columns) => oldJsonRow(row, columns)],
  [NEW, (row, columns) => jsonRow(row, columns)],
  [NATIVE, (row) => JSON.stringify(row)],
];

/** Where the sink would write the text; large enough for any row here. */
const scratch = Buffer.allocUnsafe(64 * 1024);

/** Encodes and writes every row of `w`; returns the bytes written. */
function run(encode: Encode, w: Workload): number {
  let bytes = 0;
  for (let i = 0; i < w.rows.length; i++) bytes += scratch.write(encode(w.rows[i], w.columns), 0);
  return bytes;
}

// ---- jsonRow as it was -------------------------------------------------------------------------

/** jsonRow as of 43c846d, before the native paths were widened (its wire text shortcut aside). */
function oldJsonRow(row: Record<string, unknown>, columns: readonly Column[] | undefined): string {
  // Native JSON.stringify builds one flat string; the concatenations below build a rope that is
  // flattened again when written, which costs the sink dearly in garbage collection.
  // It is used only where its output is byte-identical to ours — and so is a row's wire JSON text
  // (its JSON.stringify text, kept when the worker parsed the row), which saves encoding it again.
  if (nativeIsExact(row, columns)) {
    try {
      return JSON.stringify(row);
    } catch {
      // Longer than a string can be: the column by column path below says where.
    }
  }
  at = '';
  try {
    return columns !== undefined ? bySchema(row, columns) : byOwnFields(row);
  } catch (err) {
    // Anything else (a getter that throws) is for the encoder to report.
    if (!isTooLong(err)) throw err;
    return at === ''
      ? `!the row's JSON text would be longer than ${LONGEST}`
      : `!column '${at}' is too long: its JSON text would be longer than ${LONGEST}`;
  }
}

const LONGEST = 'the longest JavaScript string';

/** The column being encoded by the slow paths, for the reason when it is too long ('' between). */
let at = '';

function bySchema(row: Record<string, unknown>, columns: readonly Column[]): string {
  // `{"a":`, `,"b":`, … computed once per schema: quoting the names per row was a large share
  // of the encoding time (docs/benchmarks.md).
  const heads = columnHeads(columns);
  let out = '';
  for (let i = 0; i < columns.length; i++) {
    const name = columns[i].name;
    at = name;
    const v = jsonValue(row[name]);
    if (v === undefined) return `!${jsonProblem(name, row[name])}`;
    at = '';
    out += heads[i] + v;
  }
  return columns.length === 0 ? '{}' : out + '}';
}

function byOwnFields(row: Record<string, unknown>): string {
  let out = '{';
  let first = true;
  for (const name in row) {
    if (!Object.hasOwn(row, name)) continue;
    at = name;
    const v = jsonValue(row[name]);
    if (v === undefined) return `!${jsonProblem(name, row[name])}`;
    at = '';
    out += (first ? '' : ',') + JSON.stringify(name) + ':' + v;
    first = false;
  }
  return out + '}';
}

/**
 * True when `JSON.stringify(row)` gives exactly our encoding: a plain object whose own keys are
 * the schema's columns in schema order (any keys without a schema), holding only strings,
 * booleans, null, and numbers that print without exponent (0 or 1e-6 ≤ |n| < 1e21).
 */
function nativeIsExact(row: Record<string, unknown>, columns: readonly Column[] | undefined): boolean {
  const proto = Object.getPrototypeOf(row);
  if (proto !== Object.prototype && proto !== null) return false;
  let i = 0;
  for (const name in row) {
    if (columns !== undefined && (i >= columns.length || columns[i].name !== name)) return false;
    const v = row[name];
    switch (typeof v) {
      case 'string':
      case 'boolean':
        break;
      case 'number':
        if (!((v >= 1e-6 && v < 1e21) || (v <= -1e-6 && v > -1e21) || v === 0)) return false;
        break;
      case 'object':
        if (v !== null) return false;
        break;
      default:
        return false;
    }
    i++;
  }
  return columns === undefined || i === columns.length;
}

/** Per schema (tables keep theirs for life): the JSON text before each column's value. */
const headsOf = new WeakMap<readonly Column[], string[]>();

function columnHeads(columns: readonly Column[]): string[] {
  let heads = headsOf.get(columns);
  if (heads === undefined || heads.length !== columns.length) {
    heads = columns.map((c, i) => (i === 0 ? '{' : ',') + JSON.stringify(c.name) + ':');
    headsOf.set(columns, heads);
  }
  return heads;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A JSON string literal. Printable ASCII without `"` or `\\` needs no escaping and is quoted
 * directly (faster than calling JSON.stringify on short strings); anything else goes
 * through JSON.stringify.
 */
function quote(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92 || c > 126) return JSON.stringify(s);
  }
  return `"${s}"`;
}

/**
 * JSON text of a nested value, or undefined when it has none (a cycle, a bigint, a `toJSON` that
 * throws). Throws when it is longer than a string can be: a reason of its own (see jsonRow).
 */
function nestedJson(v: object): string | undefined {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch (err) {
    if (isTooLong(err)) throw err;
    return undefined;
  }
  return s !== undefined && hidesCollection(s, v) ? undefined : s;
}

/** Why column `name`, whose value has no JSON text, cannot be encoded. */
function jsonProblem(name: string, v: unknown): string {
  if (typeof v === 'object' && v !== null && holdsCollection(v)) {
    return `column '${name}' holds a Map or Set, which JSON would write as {}: convert it first (Object.fromEntries, Array.from)`;
  }
  return `column '${name}' cannot be encoded as JSON`;
}

/** JSON text of one column value, or undefined when it cannot be encoded. */
function jsonValue(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return quote(v);
    case 'number':
      return Number.isFinite(v) ? numberText(v) : undefined;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v <= MAX_SAFE && v >= -MAX_SAFE ? v.toString() : `"${v}"`;
    case 'undefined':
      return 'null';
    case 'object': {
      if (v === null) return 'null';
      if (v instanceof Date) {
        const t = dateText(v);
        return t === undefined ? undefined : `"${t}"`;
      }
      if (v instanceof Uint8Array)
        return `"${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')}"`;
      return nestedJson(v);
    }
    default:
      return undefined;
  }
}

// ---- the suite ---------------------------------------------------------------------------------

export async function runJsonRowBench(options: SuiteOptions = {}): Promise<SuiteResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const quick = options.quick === true;
  const notes: string[] = [
    `${ROWS} rows per op; each row's JSON text is written into a Buffer (utf8) as part of the op`,
    `"${OLD}" is jsonRow as of commit 43c846d, kept in bench/micro/json-row.ts`,
  ];
  const rows: BenchRow[] = [];

  for (const w of workloads()) {
    const cases: ReturnType<typeof b.add>[] = [];
    let bytes = 0;
    for (const [client, encode] of ENCODERS) {
      const wrong = w.rows.findIndex((r) => encode(r, w.columns) !== oldJsonRow(r, w.columns));
      if (wrong !== -1) {
        notes.push(
          `${VERIFICATION_FAILED}: ${client} wrote other bytes than ${OLD} for row ${wrong} of "${w.name}"`,
        );
        continue;
      }
      bytes = run(encode, w);
      // Warm up (JIT) before measuring, so the first encoder of a case is not penalised.
      for (let i = 0; i < 200; i++) run(encode, w);
      cases.push(
        b.add(client, () => {
          run(encode, w);
        }),
      );
    }
    const summary = await b.suite(
      w.name,
      b.configure({
        cases: quick ? { minSamples: 5, maxTime: 0.5 } : { minSamples: 20, maxTime: 3 },
        minDisplayPrecision: 2,
      }),
      ...cases,
    );
    for (const r of summary.results) {
      const opsPerSec = 1 / r.details.mean; // unrounded, unlike r.ops
      rows.push({
        case: w.name,
        client: r.name,
        opsPerSec: opsPerSec * w.rows.length,
        mbPerSec: (opsPerSec * bytes) / 1e6,
        extra: { 'margin %': r.margin },
      });
    }
    log(`${w.name}: ${w.rows.length} rows, ${Math.round(bytes / w.rows.length)} bytes of JSON per row`);
  }

  const ratios: SuiteResult['ratios'] = [];
  for (const name of new Set(rows.map((r) => r.case))) {
    const of = (client: string) => rows.find((r) => r.case === name && r.client === client);
    const [ours, before, native] = [of(NEW), of(OLD), of(NATIVE)];
    if (ours === undefined) continue;
    if (before !== undefined)
      ratios.push({
        label: `${NEW} / ${OLD} (${name})`,
        value: roundTo(ours.opsPerSec / before.opsPerSec, 2),
      });
    if (native !== undefined)
      ratios.push({
        label: `${NEW} / ${NATIVE} (${name})`,
        value: roundTo(ours.opsPerSec / native.opsPerSec, 2),
      });
  }
  return { suite: 'json-row', title: 'JSON row encoder micro-benchmark', rows, ratios, notes };
}

await runWhenMain(
  import.meta.url,
  () => runJsonRowBench({ quick: process.argv.includes('--quick') }),
  (r) => ({
    case: r.case,
    encoder: r.client,
    'rows/s': Math.round(r.opsPerSec).toLocaleString('en-US'),
    'MB/s': r.mbPerSec?.toFixed(1),
    '± %': r.extra?.['margin %'],
  }),
);
