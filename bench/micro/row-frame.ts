/**
 * Micro-benchmark for issue 21's CPU goal, "client CPU per row ≤ 1.5× of JSON.stringify + RESP
 * framing measured alone": the sink suite's rows (`rowAt`, `nestedRowAt`) through
 *
 *   JSON.stringify           JSON.stringify(row), the text written into a Buffer
 *   JSON.stringify + RESP    the same, inside the RESP frame of the row's own command
 *                            (SET k json EX 3600 / RPUSH k json / HSET k field json) in one Buffer
 *   sink write, no socket    RedisSink.write() of the suite's table (its encoder, batch, per-key
 *                            grouping and RESP encoding), against a transport that answers every
 *                            flush at once: all of the sink's work for a row but the socket and
 *                            the reply decoding
 *
 * 10,000 rows per op, the sink suite's batch (the sink flushes once per op). No Redis: the sink
 * suite measures the rest. The string table's frames are checked to be byte for byte the sink's.
 *
 * Run alone: `npm run build && node dist/bench/micro/row-frame.js [--quick]`.
 */
import b from 'benny';
import { SILENT_LOGGER } from '../../src/log.js';
import type { EncodedCommands } from '../../src/resp/encoded-commands.js';
import type { Reply } from '../../src/resp/reply.js';
import type { RedisTransport } from '../../src/resp/target.js';
import { RedisSink } from '../../src/sink/sink.js';
import { roundTo } from '../common/figures.js';
import { runWhenMain } from '../common/micro-print.js';
import { VERIFICATION_FAILED } from '../report.js';
import type { SuiteOptions } from '../run.js';
import {
  cell,
  layoutOf,
  type Row,
  rowsOfShape,
  SHAPES,
  type Shape,
  sinkTable,
  type TableType,
} from '../sink/sink-workload.js';
import type { BenchRow, SuiteResult } from '../types.js';

/** The sink suite's batch: its grouped tables get ~10 rows per key per flush here too. */
const ROWS = 10_000;
const TYPES: readonly TableType[] = ['string', 'list', 'hash'];
const STRINGIFY = 'JSON.stringify';
const FRAMED = 'JSON.stringify + RESP';
const SINK = 'sink write, no socket';

/** Where the frames are written; large enough for 10,000 rows of any shape here. */
const out = Buffer.allocUnsafe(8 * 1024 * 1024);

/** `*n\r\n$len\r\nNAME\r\n` and the other constant parts, written as latin1. */
function head(parts: readonly string[]): string {
  let s = `*${parts.length}\r\n`;
  for (const p of parts) s += `$${p.length}\r\n${p}\r\n`;
  return s;
}

/** Writes `$len\r\ntext\r\n` at `pos`; returns the position after it. */
function bulk(text: string, pos: number): number {
  const bytes = Buffer.byteLength(text);
  pos += out.write(`$${bytes}\r\n`, pos, 'latin1');
  pos += out.write(text, pos, 'utf8');
  out[pos] = 13;
  out[pos + 1] = 10;
  return pos + 2;
}

const SET_HEAD = head(['SET']).replace('*1', '*5');
const EX_TAIL = '$2\r\nEX\r\n$4\r\n3600\r\n';
const RPUSH_HEAD = head(['RPUSH']).replace('*1', '*3');
const HSET_HEAD = head(['HSET']).replace('*1', '*4');

/** JSON.stringify of each row, written into the Buffer; returns the bytes. */
function stringifyOnly(rows: readonly Row[]): number {
  let pos = 0;
  for (let i = 0; i < rows.length; i++) pos += out.write(JSON.stringify(rows[i]), pos, 'utf8');
  return pos;
}

/** Each row's own command, its JSON from JSON.stringify, framed into the Buffer; returns the bytes. */
function framer(type: TableType, shape: Shape): (rows: readonly Row[]) => number {
  const l = layoutOf(type, shape);
  return (rows) => {
    let pos = 0;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const json = JSON.stringify(row);
      const key = l.prefix + String(cell(row, l.key));
      if (type === 'string') {
        pos += out.write(SET_HEAD, pos, 'latin1');
        pos = bulk(key, pos);
        pos = bulk(json, pos);
        pos += out.write(EX_TAIL, pos, 'latin1');
      } else if (type === 'list') {
        pos += out.write(RPUSH_HEAD, pos, 'latin1');
        pos = bulk(key, pos);
        pos = bulk(json, pos);
      } else {
        pos += out.write(HSET_HEAD, pos, 'latin1');
        pos = bulk(key, pos);
        pos = bulk(String(cell(row, l.field!)), pos);
        pos = bulk(json, pos);
      }
    }
    return pos;
  };
}

/**
 * A transport that answers every encoded flush at once with OK (and keeps the first flush's
 * bytes, for the check): the sink's work without a socket.
 */
function answeringTransport(): RedisTransport & { first: Buffer | null } {
  const fail = () => Promise.reject(new Error('the micro-benchmark sends encoded flushes only'));
  const t = {
    topology: 'standalone' as const,
    first: null as Buffer | null,
    send: fail,
    pipeline: fail,
    pipelineSlots: fail,
    waitReplicas: fail,
    close: () => Promise.resolve(),
    pipelineEncoded(encoded: EncodedCommands): Promise<Reply[]> {
      t.first ??= Buffer.concat(encoded.chunks);
      return Promise.resolve(new Array<Reply>(encoded.count).fill('OK'));
    },
  };
  return t as RedisTransport & { first: Buffer | null };
}

export async function runRowFrameBench(options: SuiteOptions = {}): Promise<SuiteResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const quick = options.quick === true;
  const notes: string[] = [
    `${ROWS} rows per op, rows of the sink suite (bench/sink/sink-workload.ts); "${FRAMED}" frames each row's own command (SET k json EX 3600, RPUSH k json, HSET k field json); "${SINK}" is RedisSink.write() with batchSize ${ROWS} against a transport answering each flush at once`,
  ];
  const rows: BenchRow[] = [];
  for (const shape of SHAPES) {
    const data = rowsOfShape(shape, 0, ROWS);
    for (const type of TYPES) {
      const name = `${type}, ${shape} rows`;
      const frame = framer(type, shape);
      const transport = answeringTransport();
      const sink = new RedisSink(sinkTable(type, 0, ROWS, shape), transport, SILENT_LOGGER, {
        maxInFlightRows: 10 * ROWS,
      });
      await sink.write(data);
      await sink.flush();
      if (type === 'string') {
        const bytes = frame(data);
        if (transport.first === null || !transport.first.equals(out.subarray(0, bytes))) {
          notes.push(`${VERIFICATION_FAILED}: the sink's SET frames of "${name}" are not the framed rows`);
        }
      }
      const summary = await b.suite(
        name,
        b.add(STRINGIFY, () => {
          stringifyOnly(data);
        }),
        b.add(FRAMED, () => {
          frame(data);
        }),
        b.add(SINK, async () => {
          await sink.write(data);
        }),
        b.configure({
          cases: quick ? { minSamples: 5, maxTime: 0.5 } : { minSamples: 20, maxTime: 2 },
          minDisplayPrecision: 2,
        }),
      );
      await sink.close();
      for (const r of summary.results) {
        const opsPerSec = 1 / r.details.mean;
        rows.push({
          case: name,
          client: r.name,
          opsPerSec: opsPerSec * ROWS,
          extra: { 'µs/row': roundTo((r.details.mean * 1e6) / ROWS, 3), 'margin %': r.margin },
        });
      }
      log(`${name}: done`);
    }
  }
  const ratios: SuiteResult['ratios'] = [];
  for (const name of new Set(rows.map((r) => r.case))) {
    const of = (client: string) => rows.find((r) => r.case === name && r.client === client);
    const [sink, framed] = [of(SINK), of(FRAMED)];
    if (sink === undefined || framed === undefined) continue;
    // Time per row, sink over framing alone: the goal is ≤ 1.5.
    ratios.push({
      label: `${SINK} / ${FRAMED} (${name})`,
      value: roundTo(framed.opsPerSec / sink.opsPerSec, 2),
    });
  }
  return {
    suite: 'row-frame',
    title: 'Row encoding against JSON.stringify + RESP framing',
    rows,
    ratios,
    notes,
  };
}

await runWhenMain(
  import.meta.url,
  () => runRowFrameBench({ quick: process.argv.includes('--quick') }),
  (r) => ({
    case: r.case,
    encoder: r.client,
    'rows/s': Math.round(r.opsPerSec).toLocaleString('en-US'),
    'µs/row': r.extra?.['µs/row'],
    '± %': r.extra?.['margin %'],
  }),
);
