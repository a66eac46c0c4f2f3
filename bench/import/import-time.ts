/**
 * Cold `import` time of each package entry, against the peers' (node-redis, ioredis) in the same
 * run. Each sample is a fresh `node` process that times one dynamic `import()` of the entry from
 * inside (process start-up excluded); the figure is the median of the samples, taken in rounds
 * that alternate the entries so a slow spell of the machine hits all of them alike.
 *
 * Run alone: `npm run build && node dist/bench/import/import-time.js [--quick]`.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SuiteOptions } from '../run.js';
import type { BenchRow, SuiteResult } from '../types.js';

interface Entry {
  /** Row label: the specifier a user writes. */
  name: string;
  client: string;
  /** What the child imports: a file URL of the compiled entry, or a package name. */
  target: string;
}

const dist = (file: string) => new URL(`../../src/${file}`, import.meta.url).href; // dist/bench/import → dist/src

const ENTRIES: Entry[] = [
  { name: 'laminar-redis/client', client: 'laminar-redis', target: dist('client.js') },
  { name: 'laminar-redis/sink', client: 'laminar-redis', target: dist('sink.js') },
  { name: 'laminar-redis/producer', client: 'laminar-redis', target: dist('producer.js') },
  { name: 'laminar-redis', client: 'laminar-redis', target: dist('index.js') },
  { name: 'redis', client: 'node-redis', target: 'redis' },
  { name: 'ioredis', client: 'ioredis', target: 'ioredis' },
];

const PROBE =
  'const t = performance.now(); import(process.argv[1]).then(() => process.stdout.write(String(performance.now() - t)));';

/** Milliseconds one fresh process takes to import `target`. */
function sample(target: string): number {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', PROBE, target], {
    cwd: fileURLToPath(new URL('../../../', import.meta.url)),
    encoding: 'utf8',
  });
  return Number(out);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export async function runImportTimeBench(options: SuiteOptions = {}): Promise<SuiteResult> {
  const rounds = options.quick ? 5 : 21;
  const times = new Map<string, number[]>(ENTRIES.map((e) => [e.name, []]));
  for (const e of ENTRIES) sample(e.target); // warm the file-system cache once
  for (let r = 0; r < rounds; r++) {
    for (const e of ENTRIES) times.get(e.name)!.push(sample(e.target));
    options.log?.(`import-time: round ${r + 1}/${rounds}`);
  }
  const ms = new Map(ENTRIES.map((e) => [e.name, median(times.get(e.name)!)]));
  const rows: BenchRow[] = ENTRIES.map((e) => ({
    case: `cold import of ${e.name}`,
    client: e.client,
    opsPerSec: 1000 / ms.get(e.name)!,
    extra: {
      medianMs: Number(ms.get(e.name)!.toFixed(1)),
      minMs: Number(Math.min(...times.get(e.name)!).toFixed(1)),
    },
  }));
  const ratio = (a: string, b: string) => Number((ms.get(a)! / ms.get(b)!).toFixed(2));
  return {
    suite: 'import',
    title: `Cold import time of each entry (median of ${rounds} fresh processes)`,
    rows,
    ratios: [
      { label: 'laminar-redis/client time / node-redis time', value: ratio('laminar-redis/client', 'redis') },
      { label: 'laminar-redis/client time / ioredis time', value: ratio('laminar-redis/client', 'ioredis') },
      { label: 'laminar-redis/sink time / node-redis time', value: ratio('laminar-redis/sink', 'redis') },
      { label: 'laminar-redis (everything) time / node-redis time', value: ratio('laminar-redis', 'redis') },
    ],
    notes: [
      'Lower is better here: ratios are time over time (below 1 means faster than the peer).',
      'laminar-redis/client and /sink load no gRPC, no SQL parser and no runtime (a test checks their import graphs).',
    ],
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runImportTimeBench({ quick: process.argv.includes('--quick'), log: console.error });
  for (const r of result.rows)
    console.log(`${r.case.padEnd(40)} ${String(r.extra?.medianMs).padStart(7)} ms`);
  for (const r of result.ratios) console.log(`${r.label}: ${r.value}`);
}
