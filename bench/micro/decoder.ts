/**
 * Micro-benchmark of the RESP decoder against the decoders ioredis and node-redis ship, on the same
 * byte streams in the same run:
 *
 *   workload ──encode once──▶ stream ──cut into 64 KiB chunks──▶ each decoder decodes all chunks
 *
 * One benny op = one whole stream; replies/s and MB/s follow from the stream's size. Every decoder
 * first decodes every stream once and must agree with ours on the reply count (verification).
 *
 * Run alone: `npm run build && node dist/bench/micro/decoder.js [--quick]`.
 */
import { createRequire } from 'node:module';
import b from 'benny';
import { Decoder } from '../../src/resp/decoder.js';
import type { Reply } from '../../src/resp/reply.js';
import { roundTo } from '../common/figures.js';
import { runWhenMain } from '../common/micro-print.js';
import { VERIFICATION_FAILED } from '../report.js';
import type { SuiteOptions } from '../run.js';
import type { BenchRow, SuiteResult } from '../types.js';

const CHUNK = 64 * 1024;
const US = 'laminar-redis';
const PEERS = ['ioredis', 'node-redis'] as const;

// ---- workloads -------------------------------------------------------------------------------

/** Deterministic pseudo-random numbers, so every run decodes the same bytes. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
const value100 = (i: number) => `value:${i}:`.padEnd(100, 'x');

/** Roughly what a busy cache/sink connection sees: mostly +OK and counters, some reads. */
function mixed(replies: number): string {
  const rnd = lcg(42);
  const out: string[] = [];
  let n = 0;
  while (n < replies) {
    const r = rnd();
    if (r < 0.4) out.push('+OK\r\n');
    else if (r < 0.6) out.push(`:${Math.floor(rnd() * 1e9)}\r\n`);
    else if (r < 0.85) out.push(bulk(value100(n)));
    else if (r < 0.93) {
      // MGET of 10 keys, one of them missing
      out.push('*10\r\n');
      for (let k = 0; k < 10; k++) out.push(k === 3 ? '$-1\r\n' : bulk(value100(k)));
    } else if (r < 0.99) {
      // HGETALL of 8 fields (RESP2 flat array)
      out.push('*16\r\n');
      for (let k = 0; k < 8; k++) out.push(bulk(`field:${k}`), bulk(`${k * 1234567}`));
    } else out.push(bulk('z'.repeat(16 * 1024)));
    n++;
  }
  return out.join('');
}

interface Workload {
  name: string;
  stream: Buffer;
  chunks: Buffer[];
  replies: number;
  /** Bulk strings as Buffer: our `returnBuffers`, the peers' `BLOB_STRING: Buffer` type mapping. */
  buffers: boolean;
}

function workload(name: string, text: string, replies: number, buffers = false): Workload {
  const stream = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < stream.length; i += CHUNK) chunks.push(Buffer.from(stream.subarray(i, i + CHUNK)));
  return { name, stream, chunks, replies, buffers };
}

function workloads(quick: boolean): Workload[] {
  const k = quick ? 2_000 : 20_000;
  return [
    workload('decode mixed replies', mixed(k), k),
    workload('decode mixed replies as Buffers', mixed(k), k, true),
    workload('decode +OK (pipelined SET)', '+OK\r\n'.repeat(10 * k), 10 * k),
    workload(
      'decode :integer',
      Array.from({ length: 10 * k }, (_, i) => `:${i * 7919}\r\n`).join(''),
      10 * k,
    ),
    workload(
      'decode 100 B bulk strings',
      Array.from({ length: 5 * k }, (_, i) => bulk(value100(i))).join(''),
      5 * k,
    ),
    workload(
      'decode MGET of 10 bulk strings',
      Array.from(
        { length: k },
        (_, i) => `*10\r\n${Array.from({ length: 10 }, (_, j) => bulk(value100(i + j))).join('')}`,
      ).join(''),
      k,
    ),
    workload('decode 16 KB bulk strings', bulk('z'.repeat(16 * 1024)).repeat(k / 20), k / 20),
  ];
}

// ---- the decoders under test -------------------------------------------------------------------

/** Decodes all chunks of a stream; returns the number of replies delivered. */
type Runner = (chunks: readonly Buffer[]) => number;
type MakeRunner = (buffers: boolean) => Runner;

interface PeerDecoder {
  write(chunk: Buffer): void;
}
type PeerDecoderClass = new (config: {
  onReply(reply: unknown): void;
  onErrorReply(err: unknown): void;
  onPush(push: unknown[]): void;
  getTypeMapping(): Record<number, unknown>;
}) => PeerDecoder;

function laminarRunner(buffers: boolean): Runner {
  let count = 0;
  const decoder = new Decoder(
    {
      onReply: (_: Reply) => {
        count++;
      },
      onPush: () => {
        count++;
      },
    },
    { returnBuffers: buffers },
  );
  return (chunks) => {
    count = 0;
    for (const c of chunks) decoder.feed(c);
    return count;
  };
}

/** ioredis v6 and node-redis v6 ship the same decoder interface (`write`, callbacks, type mapping). */
function peerRunner(Cls: PeerDecoderClass, buffers: boolean): Runner {
  let count = 0;
  // Empty: strings as strings, numbers as numbers, as our decoder delivers them by default.
  // 36 `$` and 61 `=` as Buffer: what our returnBuffers does (and close to ioredis' own mapping).
  const mapping = buffers ? { 36: Buffer, 61: Buffer } : {};
  const decoder = new Cls({
    onReply: () => {
      count++;
    },
    onErrorReply: () => {
      count++;
    },
    onPush: () => {
      count++;
    },
    getTypeMapping: () => mapping,
  });
  return (chunks) => {
    count = 0;
    for (const c of chunks) decoder.write(c);
    return count;
  };
}

/** Peers are bench-only devDependencies; their decoders are internal modules, hence deep requires. */
function loadPeers(notes: string[]): Map<string, MakeRunner> {
  const require = createRequire(import.meta.url);
  const peers = new Map<string, MakeRunner>();
  const paths: Record<(typeof PEERS)[number], string> = {
    ioredis: 'ioredis/built/resp/decoder.js',
    'node-redis': '@redis/client/dist/lib/RESP/decoder.js',
  };
  for (const peer of PEERS) {
    try {
      const mod = require(paths[peer]) as { Decoder: PeerDecoderClass };
      peers.set(peer, (buffers) => peerRunner(mod.Decoder, buffers));
    } catch (err) {
      notes.push(
        `${peer}: decoder could not be loaded (${err instanceof Error ? err.message : String(err)})`,
      );
    }
  }
  return peers;
}

function version(pkg: string): string {
  try {
    return (createRequire(import.meta.url)(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return '?';
  }
}

// ---- the suite ---------------------------------------------------------------------------------

export async function runDecoderBench(options: SuiteOptions = {}): Promise<SuiteResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const quick = options.quick === true;
  const notes: string[] = [
    `${CHUNK / 1024} KiB chunks; strings decoded to JS strings by every decoder (node-redis/ioredis with an empty type mapping), except in the "as Buffers" case`,
    `peers: ioredis ${version('ioredis')} (built/resp/decoder), @redis/client ${version('@redis/client')} (dist/lib/RESP/decoder)`,
  ];
  const runners = new Map<string, MakeRunner>([[US, laminarRunner], ...loadPeers(notes)]);
  const rows: BenchRow[] = [];

  for (const w of workloads(quick)) {
    const cases: ReturnType<typeof b.add>[] = [];
    for (const [client, make] of runners) {
      const run = make(w.buffers);
      const got = run(w.chunks);
      if (got !== w.replies) {
        notes.push(`${VERIFICATION_FAILED}: ${client} decoded ${got} replies of ${w.replies} in "${w.name}"`);
        continue;
      }
      // Warm up (JIT) before measuring, so the first client of a case is not penalised.
      for (let i = 0; i < 30; i++) run(w.chunks);
      cases.push(
        b.add(client, () => {
          run(w.chunks);
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
      const streamsPerSec = 1 / r.details.mean; // unrounded, unlike r.ops
      rows.push({
        case: w.name,
        client: r.name,
        opsPerSec: streamsPerSec * w.replies,
        mbPerSec: (streamsPerSec * w.stream.length) / 1e6,
        extra: { 'margin %': r.margin },
      });
    }
    log(`${w.name}: ${w.replies} replies, ${(w.stream.length / 1e6).toFixed(2)} MB per op`);
  }

  const ratios: SuiteResult['ratios'] = [];
  const byCase = new Map<string, Map<string, BenchRow>>();
  for (const r of rows) {
    const m = byCase.get(r.case) ?? new Map<string, BenchRow>();
    m.set(r.client, r);
    byCase.set(r.case, m);
  }
  for (const [name, clients] of byCase) {
    const ours = clients.get(US);
    if (ours === undefined) continue;
    for (const peer of PEERS) {
      const theirs = clients.get(peer);
      if (theirs === undefined) continue;
      ratios.push({
        label: `${US} / ${peer} (${name})`,
        value: roundTo(ours.opsPerSec / theirs.opsPerSec, 2),
      });
    }
  }
  return { suite: 'decoder', title: 'RESP decoder micro-benchmark', rows, ratios, notes };
}

await runWhenMain(
  import.meta.url,
  () => runDecoderBench({ quick: process.argv.includes('--quick') }),
  (r) => ({
    case: r.case,
    client: r.client,
    'replies/s': Math.round(r.opsPerSec).toLocaleString('en-US'),
    'MB/s': r.mbPerSec?.toFixed(1),
    '± %': r.extra?.['margin %'],
  }),
);
