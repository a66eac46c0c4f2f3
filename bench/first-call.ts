/**
 * The cost of a process's first `createSink()`, by the form the table is given in: the REST
 * bodies (JSON), the plain SQL DDL, and SQL only the full (WebAssembly) parser reads. Each sample
 * is a fresh `node` process (bench/first-call-child.ts) against one private redis-server; the
 * figure is the median of the samples, taken in rounds that rotate the forms so a slow spell of
 * the machine hits all of them alike.
 *
 * From the repository's root: `npm run build && node dist/bench/first-call.js [--runs N]
 * [--out FILE] [--label TEXT]` (default 11 runs, `bench/results/first-call.json`).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startBenchRedisServer } from './common/bench-redis.js';
import { FIRST_CALL_FORMS, type FirstCallForm, type FirstCallSample } from './first-call-inputs.js';

const CHILD = fileURLToPath(new URL('./first-call-child.js', import.meta.url));
const DEFAULT_OUT = 'bench/results/first-call.json';

/** Median, lowest and highest of one measure over the runs, in ms. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface FirstCallResult {
  label: string;
  date: string;
  commit: string;
  machine: { node: string; cpu: string; cores: number; loadavgStart: number[]; loadavgEnd: number[] };
  runs: number;
  forms: Record<FirstCallForm, { importMs: Spread; firstMs: Spread; secondMs: Spread }>;
  samples: Record<FirstCallForm, FirstCallSample[]>;
}

function sample(form: FirstCallForm, url: string): FirstCallSample {
  const out = execFileSync(process.execPath, [CHILD, form, url], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1)!) as FirstCallSample;
}

function spread(xs: readonly number[]): Spread {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  const round = (x: number) => Number(x.toFixed(1));
  return {
    median: round(s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2),
    min: round(s[0]),
    max: round(s[s.length - 1]),
  };
}

export async function runFirstCallBench(runs: number, label: string): Promise<FirstCallResult> {
  const loadavgStart = loadavg().map((x) => Number(x.toFixed(2)));
  const server = await startBenchRedisServer();
  const samples = Object.fromEntries(FIRST_CALL_FORMS.map((f) => [f, [] as FirstCallSample[]])) as Record<
    FirstCallForm,
    FirstCallSample[]
  >;
  try {
    for (const f of FIRST_CALL_FORMS) sample(f, server.url); // warm the file-system cache once
    for (let r = 0; r < runs; r++) {
      const order = FIRST_CALL_FORMS.map((_, i) => FIRST_CALL_FORMS[(i + r) % FIRST_CALL_FORMS.length]);
      for (const f of order) samples[f].push(sample(f, server.url));
      console.error(`first-call: round ${r + 1}/${runs}`);
    }
  } finally {
    await server.stop();
  }
  const forms = Object.fromEntries(
    FIRST_CALL_FORMS.map((f) => [
      f,
      {
        importMs: spread(samples[f].map((s) => s.importMs)),
        firstMs: spread(samples[f].map((s) => s.firstMs)),
        secondMs: spread(samples[f].map((s) => s.secondMs)),
      },
    ]),
  ) as FirstCallResult['forms'];
  return {
    label,
    date: new Date().toISOString(),
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(),
    machine: {
      node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      loadavgStart,
      loadavgEnd: loadavg().map((x) => Number(x.toFixed(2))),
    },
    runs,
    forms,
    samples,
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '11' },
      out: { type: 'string', default: DEFAULT_OUT },
      label: { type: 'string', default: '' },
    },
  });
  const result = await runFirstCallBench(Number(values.runs), values.label!);
  writeFileSync(values.out!, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`first createSink() by form, median of ${result.runs} processes (min–max), ms:`);
  for (const f of FIRST_CALL_FORMS) {
    const { importMs, firstMs, secondMs } = result.forms[f];
    const cell = (s: Spread) => `${s.median} (${s.min}–${s.max})`.padEnd(22);
    console.log(`${f.padEnd(12)} import ${cell(importMs)} first ${cell(firstMs)} second ${cell(secondMs)}`);
  }
}
