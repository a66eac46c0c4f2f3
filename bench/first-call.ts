/**
 * The cost of a process's first `createSink()`, by the form the table is given in: the REST
 * bodies (JSON), the plain SQL DDL, and SQL only the full (WebAssembly) parser reads. Each sample
 * is a fresh `node` process (bench/first-call-child.ts) against one private redis-server; the
 * figure is the median of the samples, taken in rounds that rotate the forms so a slow spell of
 * the machine hits all of them alike.
 *
 * With `--baseline DIR` (the `dist/` of another build, e.g. an older commit's, with
 * `bench/first-call-child.js` and `bench/first-call-inputs.js` copied into it), every round also
 * samples that build, alternating with this one: an A/B whose two sides share the machine's
 * slow and quiet spells.
 *
 * From the repository's root: `npm run bench:first-call -- [--runs N] [--baseline DIR] [--out FILE]
 * [--label TEXT]` (default 11 runs, `bench/results/first-call.json`).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
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

export type FormFigures = Record<FirstCallForm, { importMs: Spread; firstMs: Spread; secondMs: Spread }>;

/** The samples and figures of one build. */
export interface BuildFigures {
  /** The build's `dist/` directory, or `'this build'`. */
  build: string;
  forms: FormFigures;
  samples: Record<FirstCallForm, FirstCallSample[]>;
}

export interface FirstCallResult {
  label: string;
  date: string;
  commit: string;
  machine: { node: string; cpu: string; cores: number; loadavgStart: number[]; loadavgEnd: number[] };
  runs: number;
  current: BuildFigures;
  baseline?: BuildFigures;
}

function sample(child: string, form: FirstCallForm, url: string): FirstCallSample {
  const out = execFileSync(process.execPath, [child, form, url], { encoding: 'utf8' });
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

function figures(build: string, samples: Record<FirstCallForm, FirstCallSample[]>): BuildFigures {
  const forms = Object.fromEntries(
    FIRST_CALL_FORMS.map((f) => [
      f,
      {
        importMs: spread(samples[f].map((s) => s.importMs)),
        firstMs: spread(samples[f].map((s) => s.firstMs)),
        secondMs: spread(samples[f].map((s) => s.secondMs)),
      },
    ]),
  ) as FormFigures;
  return { build, forms, samples };
}

const rounded = () => loadavg().map((x) => Number(x.toFixed(2)));

export async function runFirstCallBench(
  runs: number,
  label: string,
  baseline?: string,
): Promise<FirstCallResult> {
  const loadavgStart = rounded();
  const builds = [{ build: 'this build', child: CHILD }];
  if (baseline !== undefined)
    builds.push({ build: baseline, child: join(baseline, 'bench', 'first-call-child.js') });
  const samples = builds.map(
    () =>
      Object.fromEntries(FIRST_CALL_FORMS.map((f) => [f, [] as FirstCallSample[]])) as Record<
        FirstCallForm,
        FirstCallSample[]
      >,
  );
  const server = await startBenchRedisServer();
  try {
    for (const b of builds) for (const f of FIRST_CALL_FORMS) sample(b.child, f, server.url); // warm the caches
    for (let r = 0; r < runs; r++) {
      const forms = FIRST_CALL_FORMS.map((_, i) => FIRST_CALL_FORMS[(i + r) % FIRST_CALL_FORMS.length]);
      for (const f of forms) {
        for (let k = 0; k < builds.length; k++) {
          const b = (k + r) % builds.length;
          samples[b][f].push(sample(builds[b].child, f, server.url));
        }
      }
      console.error(`first-call: round ${r + 1}/${runs}`);
    }
  } finally {
    await server.stop();
  }
  return {
    label,
    date: new Date().toISOString(),
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(),
    machine: {
      node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      loadavgStart,
      loadavgEnd: rounded(),
    },
    runs,
    current: figures(builds[0].build, samples[0]),
    ...(baseline === undefined ? {} : { baseline: figures(builds[1].build, samples[1]) }),
  };
}

function print(b: BuildFigures): void {
  console.log(`${b.build}:`);
  for (const f of FIRST_CALL_FORMS) {
    const { importMs, firstMs, secondMs } = b.forms[f];
    const cell = (s: Spread) => `${s.median} (${s.min}–${s.max})`.padEnd(22);
    console.log(`  ${f.padEnd(12)} import ${cell(importMs)} first ${cell(firstMs)} second ${cell(secondMs)}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '11' },
      baseline: { type: 'string' },
      out: { type: 'string', default: DEFAULT_OUT },
      label: { type: 'string', default: '' },
    },
  });
  const result = await runFirstCallBench(Number(values.runs), values.label!, values.baseline);
  writeFileSync(values.out!, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`first createSink() by form, median of ${result.runs} processes (min–max), ms`);
  print(result.current);
  if (result.baseline !== undefined) print(result.baseline);
}
