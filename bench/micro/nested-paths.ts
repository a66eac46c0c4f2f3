/**
 * Micro-benchmark for issue 21, "the sink is fast only on flat rows": the other hot paths a row
 * takes, fed the suite's flat rows (`rowAt`) and its nested rows (`nestedRowAt`: a Date, a
 * five-field `permissions` object with a small array; ~200 B of JSON), A/B in one process:
 *
 *   producer   rows ──jsonRowText / v8 serialize / keyedItem──▶ one batch payload
 *   lookup     stored JSON text or hash fields ──RowDecoder──▶ lookup rows
 *   sql        ingest rows ──compiled SELECT (ProjectStage)──▶ output rows
 *
 * No network, no Redis: the functions the producer lane, the lookup and the source actor call.
 * Each case runs for a fixed time per round; rounds alternate flat and nested, and the figures
 * are medians over rounds of CPU µs per row (user + system, GC included) and rows per second.
 *
 * Run alone: `npm run build && node dist/bench/micro/nested-paths.js [--quick] [--rounds N]`.
 */
import { performance } from 'node:perf_hooks';
import type { LookupTable } from '../../src/lookup/model.js';
import { RowDecoder } from '../../src/lookup/row-decoder.js';
import type { RowBatch, RowStage } from '../../src/plan/operators.js';
import { loadSqlParser } from '../../src/schema/sql-parser.js';
import type { Column } from '../../src/schema/sql-type.js';
import { valueText } from '../../src/schema/value-forms.js';
import type { SinkTable } from '../../src/sink/model.js';
import { RowEncoder } from '../../src/sink/row-encoder.js';
import { compileQuerySpec } from '../../src/sql/job-queries.js';
import type { SourceSchema } from '../../src/sql/source-scope.js';
import { RowEncoding } from '../../src/wire/gen/laminar/redis/v1/ingest.js';
import { decodeKeyedRows, KeyedBatchWriter, keyedItem, refusal } from '../../src/wire/keyed-rows.js';
import { decodeRows, jsonLinesPayload, jsonRowText, v8Payload } from '../../src/wire/row-batch-codec.js';
import { roundTo } from '../common/figures.js';
import { runWhenMain } from '../common/micro-print.js';
import { VERIFICATION_FAILED } from '../report.js';
import type { SuiteOptions } from '../run.js';
import {
  COLUMNS,
  NESTED_COLUMNS,
  nestedRowAt,
  type Row,
  rowsOfShape,
  SHAPES,
  type Shape,
  sinkTable,
} from '../sink/sink-workload.js';
import type { BenchRow, SuiteResult } from '../types.js';

/** Rows per op: one producer batch, one lookup batch, one source batch. */
const ROWS = 1_000;

/** One measured operation over ROWS rows of a shape; returns something so the work is kept. */
type Op = () => unknown;

interface Case {
  place: 'producer' | 'lookup' | 'sql';
  name: string;
  /** Per shape: the op, or undefined when the case has no such shape. */
  ops: Partial<Record<Shape, Op>>;
}

// ---- producer encodings -----------------------------------------------------------------------

/** The string table of the sink suite: keyed rows carry the whole row's JSON as their value. */
const tableOf = (shape: Shape): SinkTable => sinkTable('string', 6379, ROWS, shape);

function producerCases(): Case[] {
  const rows = Object.fromEntries(SHAPES.map((s) => [s, rowsOfShape(s, 0, ROWS)])) as Record<Shape, Row[]>;
  const enc = Object.fromEntries(SHAPES.map((s) => [s, new RowEncoder(tableOf(s))])) as Record<
    Shape,
    RowEncoder
  >;
  const texts = new Array<string>(ROWS);
  const per = (f: (shape: Shape) => Op): Partial<Record<Shape, Op>> =>
    Object.fromEntries(SHAPES.map((s) => [s, f(s)])) as Record<Shape, Op>;
  // What Producer.write() and ProducerLane.seal() do per batch, in each encoding.
  const json = (s: Shape, model: boolean): Op => {
    const rs = rows[s];
    const e = enc[s];
    return () => {
      for (let i = 0; i < rs.length; i++) {
        if (model && refusal(e, rs[i], false) !== null) throw new Error('refused');
        texts[i] = jsonRowText(rs[i], i);
      }
      return jsonLinesPayload(texts, 0, rs.length);
    };
  };
  const v8 = (s: Shape, model: boolean): Op => {
    const rs = rows[s];
    const e = enc[s];
    return () => {
      if (model)
        for (let i = 0; i < rs.length; i++) if (refusal(e, rs[i], false) !== null) throw new Error('refused');
      return v8Payload(rs, 0, rs.length);
    };
  };
  const writer = new KeyedBatchWriter(false);
  const keyed = (s: Shape): Op => {
    const rs = rows[s];
    const e = enc[s];
    return () => {
      for (let i = 0; i < rs.length; i++) writer.appendItem(keyedItem(e, rs[i], i, false));
      return writer.take();
    };
  };
  return [
    { place: 'producer', name: 'json (jsonRowText + JSON lines)', ops: per((s) => json(s, false)) },
    {
      place: 'producer',
      name: "json, table model (+ encoder's refusal check)",
      ops: per((s) => json(s, true)),
    },
    { place: 'producer', name: 'v8 (serialize)', ops: per((s) => v8(s, false)) },
    { place: 'producer', name: "v8, table model (+ encoder's refusal check)", ops: per((s) => v8(s, true)) },
    { place: 'producer', name: 'keyed (RowEncoder + KeyedBatchWriter)', ops: per(keyed) },
  ];
}

/** The producer payloads decode to what was sent (verification; not measured). */
function verifyProducer(cases: Case[]): string[] {
  const problems: string[] = [];
  for (const s of SHAPES) {
    const rows = rowsOfShape(s, 0, ROWS);
    const want = rows.map((r) => JSON.stringify(r));
    const [json, , v8, , keyed] = cases.map((c) => c.ops[s]!() as Buffer);
    const fromJson = decodeRows(json, RowEncoding.ROW_ENCODING_JSON_LINES, ROWS).map((r) =>
      JSON.stringify(r),
    );
    const fromV8 = decodeRows(v8, RowEncoding.ROW_ENCODING_V8, ROWS).map((r) => JSON.stringify(r));
    if (fromJson.some((t, i) => t !== want[i]))
      problems.push(`json payload of ${s} rows decodes to other rows`);
    if (fromV8.some((t, i) => t !== want[i])) problems.push(`v8 payload of ${s} rows decodes to other rows`);
    const enc = new RowEncoder(tableOf(s));
    const fromKeyed = decodeKeyedRows(keyed, ROWS);
    for (let i = 0; i < ROWS; i++) {
      enc.encode(rows[i]);
      const v = enc.value;
      enc.encode(fromKeyed[i]);
      if (enc.value !== v) {
        problems.push(`keyed payload of ${s} rows: row ${i} has another value`);
        break;
      }
    }
  }
  return problems;
}

// ---- lookups ----------------------------------------------------------------------------------

/** A lookup table over the rows the sink suite writes, keyed by `session_id` or `id`. */
function lookupTable(shape: Shape, valueType: 'string' | 'hash'): LookupTable {
  const columns: Column[] = (shape === 'flat' ? COLUMNS : NESTED_COLUMNS).map((c) => ({ ...c }));
  return {
    name: `l_${shape}_${valueType}`,
    profile: { name: 'bench', connection: { kind: 'standalone', address: 'redis://127.0.0.1:6379' } },
    columns,
    keyColumn: shape === 'flat' ? 'id' : 'session_id',
    keySource: 'primary_key',
    keyPrefix: 'k:',
    valueType,
    format: 'json',
    hashFetch: 'fields',
    cache: null,
    timeoutMs: 2_000,
    maxAttempts: 3,
    badValue: 'fail',
  };
}

/** A hash field's text as the sink's per-column targets write it (JSON text for nested values). */
const fieldText = (v: unknown): string => valueText(v);

function lookupCases(): Case[] {
  const string: Partial<Record<Shape, Op>> = {};
  const hmget: Partial<Record<Shape, Op>> = {};
  const hgetall: Partial<Record<Shape, Op>> = {};
  for (const s of SHAPES) {
    const rows = rowsOfShape(s, 0, ROWS) as unknown as Record<string, unknown>[];
    const strDec = new RowDecoder(lookupTable(s, 'string'));
    const hashDec = new RowDecoder(lookupTable(s, 'hash'));
    const key = s === 'flat' ? 'id' : 'session_id';
    const keys = rows.map((r) => String(r[key]));
    // What the sink's string table stores (its JSON text), as an MGET reply element.
    const values = rows.map((r) => JSON.stringify(r));
    const fields = rows.map((r) => hashDec.fields.map((f) => fieldText(r[f])));
    const flat = rows.map((r) => Object.entries(r).flatMap(([k, v]) => (k === key ? [] : [k, fieldText(v)])));
    string[s] = () => {
      let n = 0;
      for (let i = 0; i < ROWS; i++) if (strDec.fromString(keys[i], values[i]) !== null) n++;
      return n;
    };
    hmget[s] = () => {
      let n = 0;
      for (let i = 0; i < ROWS; i++) if (hashDec.fromHashFields(keys[i], fields[i]) !== null) n++;
      return n;
    };
    hgetall[s] = () => {
      let n = 0;
      for (let i = 0; i < ROWS; i++) if (hashDec.fromHashAll(keys[i], flat[i]) !== null) n++;
      return n;
    };
  }
  return [
    { place: 'lookup', name: 'string, JSON value (MGET reply → row)', ops: string },
    { place: 'lookup', name: 'hash, HMGET fields → row', ops: hmget },
    { place: 'lookup', name: 'hash, HGETALL → row', ops: hgetall },
  ];
}

/** Every lookup row holds the stored row's values (verification). */
function verifyLookup(cases: Case[]): string[] {
  const problems: string[] = [];
  for (const s of SHAPES)
    for (const c of cases) if (c.ops[s]!() !== ROWS) problems.push(`lookup "${c.name}" missed ${s} rows`);
  // One nested row through each decoder, compared with the row itself.
  const row = nestedRowAt(3) as unknown as Record<string, unknown>;
  const want = JSON.stringify(row);
  const dec = new RowDecoder(lookupTable('nested', 'string'));
  const got = dec.fromString(String(row.session_id), JSON.stringify(row));
  if (JSON.stringify(got) !== want) problems.push('lookup: a nested JSON value decodes to another row');
  return problems;
}

// ---- SQL projections --------------------------------------------------------------------------

interface Query {
  name: string;
  sql: Record<Shape, string>;
}

const QUERIES: Query[] = [
  {
    name: 'SELECT 3 columns',
    sql: {
      flat: 'INSERT INTO out SELECT id, page, ts FROM src',
      nested: 'INSERT INTO out SELECT session_id, permissions, created_at FROM src',
    },
  },
  {
    name: 'SELECT *',
    sql: { flat: 'INSERT INTO out SELECT * FROM src', nested: 'INSERT INTO out SELECT * FROM src' },
  },
  {
    // No JSON path operator in the dialect: CAST to TEXT is how a query reads into a JSON column.
    name: 'CAST(nested AS TEXT), JSON_OBJECT',
    sql: {
      flat: "INSERT INTO out SELECT id, CAST(page AS TEXT) AS p, JSON_OBJECT('u', \"user\", 'ts', ts) AS j FROM src",
      nested:
        "INSERT INTO out SELECT session_id, CAST(permissions AS TEXT) AS p, JSON_OBJECT('team', org, 'perm', permissions) AS j FROM src",
    },
  },
];

function sqlCases(): Case[] {
  const out: Case[] = [];
  for (const q of QUERIES) {
    const ops: Partial<Record<Shape, Op>> = {};
    for (const s of SHAPES) {
      // Ingest rows as a worker decodes them from a JSON-lines batch (a Date arrives as ISO text).
      const texts = rowsOfShape(s, 0, ROWS).map((r, i) => jsonRowText(r, i));
      const rows = decodeRows(jsonLinesPayload(texts), RowEncoding.ROW_ENCODING_JSON_LINES, ROWS);
      const source: SourceSchema = {
        name: 'src',
        columns: s === 'flat' ? COLUMNS : NESTED_COLUMNS,
        typed: false,
        replayableBatches: false,
      };
      const sink: SinkTable = { ...tableOf(s), name: 'out', schema: undefined };
      const plan = compileQuerySpec({ sql: q.sql[s] }, new Map([['src', source]]), new Map([['out', sink]]));
      const stage: RowStage = plan.stage;
      const offsets = rows.map((_, i) => i);
      // A stage without lookups answers at once (a lookup join returns a promise).
      ops[s] = () => (stage.apply(rows, 'p0', offsets) as RowBatch).rows.length;
    }
    out.push({ place: 'sql', name: q.name, ops });
  }
  return out;
}

// ---- measuring --------------------------------------------------------------------------------

interface Sample {
  cpuUsPerRow: number;
  rowsPerSec: number;
}

/** Runs `op` for `ms` of wall time (after a warm-up); CPU µs per row and rows per second. */
function sample(op: Op, ms: number): Sample {
  for (let i = 0; i < 20; i++) op();
  let ops = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let t = t0;
  do {
    for (let k = 0; k < 5; k++) op();
    ops += 5;
    t = performance.now();
  } while (t - t0 < ms);
  const cpu = process.cpuUsage(cpu0);
  const rows = ops * ROWS;
  return { cpuUsPerRow: (cpu.user + cpu.system) / rows, rowsPerSec: rows / ((t - t0) / 1000) };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function parseRounds(argv: readonly string[]): number | undefined {
  const at = argv.indexOf('--rounds');
  const n = at === -1 ? Number.NaN : Number(argv[at + 1]);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

export async function runNestedPathsBench(
  options: SuiteOptions & { rounds?: number } = {},
): Promise<SuiteResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const quick = options.quick === true;
  const rounds = options.rounds ?? (quick ? 1 : 5);
  const ms = quick ? 100 : 400;
  await loadSqlParser();
  const producer = producerCases();
  const lookup = lookupCases();
  const sql = sqlCases();
  const notes: string[] = [
    `${ROWS} rows per op; flat = bench/sink rowAt (5 scalars, ~105 B JSON), nested = nestedRowAt (a Date, a 5-field object with an array, ~200 B JSON)`,
    `${rounds} round(s) of ${ms} ms per case and shape, flat and nested alternating; medians; CPU = user + system of the process (GC included)`,
    'producer: the string table of the sink suite (keyed value = the row JSON); sql: ingest rows decoded from JSON lines, compiled with compileQuerySpec',
  ];
  for (const p of [...verifyProducer(producer), ...verifyLookup(lookup)])
    notes.push(`${VERIFICATION_FAILED}: ${p}`);

  const cases = [...producer, ...lookup, ...sql];
  const samples = new Map<string, Sample[]>();
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      // Alternate which shape goes first, so neither always runs on a freshly collected heap.
      const order = r % 2 === 0 ? SHAPES : [...SHAPES].reverse();
      for (const s of order) {
        const op = c.ops[s];
        if (op === undefined) continue;
        const id = `${c.place}\u0000${c.name}\u0000${s}`;
        const list = samples.get(id) ?? [];
        list.push(sample(op, ms));
        samples.set(id, list);
      }
    }
    log(`round ${r + 1}/${rounds} done`);
  }

  const rows: BenchRow[] = [];
  const ratios: SuiteResult['ratios'] = [];
  for (const c of cases) {
    const figures: Partial<Record<Shape, { cpu: number; rps: number }>> = {};
    for (const s of SHAPES) {
      const list = samples.get(`${c.place}\u0000${c.name}\u0000${s}`);
      if (list === undefined) continue;
      const cpu = median(list.map((x) => x.cpuUsPerRow));
      const rps = median(list.map((x) => x.rowsPerSec));
      figures[s] = { cpu, rps };
      rows.push({
        case: `${c.place}: ${c.name}`,
        client: `${s} rows`,
        opsPerSec: rps,
        extra: { 'CPU µs/row': roundTo(cpu, 3) },
      });
    }
    const { flat, nested } = figures;
    if (flat !== undefined && nested !== undefined)
      ratios.push({
        label: `nested / flat CPU per row (${c.place}: ${c.name})`,
        value: roundTo(nested.cpu / flat.cpu, 2),
      });
  }
  return { suite: 'nested-paths', title: 'Nested rows beyond the sink (issue 21)', rows, ratios, notes };
}

await runWhenMain(
  import.meta.url,
  () => runNestedPathsBench({ quick: process.argv.includes('--quick'), rounds: parseRounds(process.argv) }),
  (r) => ({
    case: r.case,
    shape: r.client,
    'CPU µs/row': r.extra?.['CPU µs/row'],
    'rows/s': Math.round(r.opsPerSec).toLocaleString('en-US'),
  }),
);
