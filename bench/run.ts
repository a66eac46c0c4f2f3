/**
 * `npm run bench`: runs every suite, writes bench/results/latest.{json,md}, the whole report into
 * docs/benchmarks.md and the summary table into the README. `--only <suite>` (repeatable, or
 * comma-separated) runs a subset; `--quick` uses small counts and writes
 * bench/results/quick.{json,md,svg} instead, leaving the committed results and the docs alone.
 * `--report-only` runs nothing: it redraws all of that from the committed latest.json.
 */
import { mkdir } from 'node:fs/promises';
import { relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type BenchReport,
  currentLoad,
  machineInfo,
  README_END,
  README_START,
  type ReportFiles,
  readReport,
  updateReadme,
  VERIFICATION_FAILED,
  writeRendered,
  writeReport,
} from './report.js';
import { renderSummary, SUMMARY_END, SUMMARY_START } from './summary.js';
import type { SuiteResult } from './types.js';

/** What every suite function receives (suites may ignore it). */
export interface SuiteOptions {
  /** Smaller counts, for smoke runs. */
  quick?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
}

interface SuiteEntry {
  name: string;
  /** Module path relative to this file (compiled: dist/bench/). */
  module: string;
  /** Name of its exported `(options: SuiteOptions) => Promise<SuiteResult>`. */
  run: string;
}

/** Every suite, in report order. Adding a suite is one line here. */
const SUITES: SuiteEntry[] = [
  { name: 'decoder', module: './micro/decoder.js', run: 'runDecoderBench' },
  { name: 'json-row', module: './micro/json-row.js', run: 'runJsonRowBench' },
  { name: 'nested-paths', module: './micro/nested-paths.js', run: 'runNestedPathsBench' },
  { name: 'row-frame', module: './micro/row-frame.js', run: 'runRowFrameBench' },
  { name: 'pipelined-set', module: './pipelined-set/pipelined-set.js', run: 'runPipelinedSetBench' },
  { name: 'cluster-set', module: './cluster-set/cluster-set.js', run: 'runClusterSetBench' },
  { name: 'sink', module: './sink/sink-bench.js', run: 'runSinkBench' },
  { name: 'exactly-once', module: './exactly-once/exactly-once.js', run: 'runExactlyOnceBench' },
  { name: 'changelog', module: './changelog/changelog.js', run: 'runChangelogBench' },
  { name: 'distributed', module: './distributed/distributed.js', run: 'runDistributedBench' },
  { name: 'lookup', module: './lookup/lookup-bench.js', run: 'runLookupBench' },
  { name: 'stream-source', module: './stream-source/stream-source.js', run: 'runStreamSourceBench' },
  { name: 'failover', module: './failover/failover.js', run: 'runFailoverBench' },
  { name: 'import', module: './import/import-time.js', run: 'runImportTimeBench' },
];

const ROOT = new URL('../../', import.meta.url); // dist/bench/run.js → project root
const RESULTS_DIR = new URL('bench/results/', ROOT);
const README = new URL('README.md', ROOT);
const BENCHMARKS_DOC = new URL('docs/benchmarks.md', ROOT);

const USAGE = `usage: npm run bench -- [--only <suite>]... [--quick] | --report-only
  --only <suite>  run only this suite (repeat, or comma-separate); suites: ${SUITES.map((s) => s.name).join(', ')}
  --quick         small counts for a smoke run; writes bench/results/quick.{json,md,svg}, not latest/README
  --report-only   run nothing: redraw latest.md, throughput.svg, docs/benchmarks.md's latest run and the README summary from latest.json`;

function parseCli(): { only: SuiteEntry[]; quick: boolean; reportOnly: boolean } {
  const { values } = parseArgs({
    strict: true,
    options: {
      only: { type: 'string', multiple: true },
      quick: { type: 'boolean', default: false },
      'report-only': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const names = (values.only ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !SUITES.some((s) => s.name === n));
  if (unknown.length > 0) {
    console.error(`unknown suite(s): ${unknown.join(', ')}\n${USAGE}`);
    process.exit(2);
  }
  return {
    only: names.length === 0 ? SUITES : SUITES.filter((s) => names.includes(s.name)),
    quick: values.quick,
    reportOnly: values['report-only'],
  };
}

/** The files of a report: `latest.*` and throughput.svg, or `quick.*` (chart: quick.svg). */
function reportFiles(quick: boolean): ReportFiles {
  const base = quick ? 'quick' : 'latest';
  const at = (name: string) => fileURLToPath(new URL(name, RESULTS_DIR));
  return {
    json: at(`${base}.json`),
    md: at(`${base}.md`),
    svg: at(quick ? 'quick.svg' : 'throughput.svg'),
    readme: fileURLToPath(BENCHMARKS_DOC),
  };
}

/** The whole report into docs/benchmarks.md, the summary table into the README. */
async function refreshDocs(report: BenchReport, markdown: string): Promise<void> {
  for (const [url, text, start, end] of [
    [BENCHMARKS_DOC, markdown, README_START, README_END],
    [README, renderSummary(report), SUMMARY_START, SUMMARY_END],
  ] as const) {
    const file = fileURLToPath(url);
    const result = await updateReadme(file, text, start, end);
    const name = relative(fileURLToPath(ROOT), file);
    if (result === 'updated') console.log(`[bench] updated the benchmark block of ${name}`);
    else
      console.log(
        `[bench] note: ${name} ${result === 'no-readme' ? 'does not exist' : `has no ${start} / ${end} markers`}; not updated`,
      );
  }
}

/** `--report-only`: the committed results rendered again, nothing measured. */
async function reportOnly(): Promise<number> {
  const files = reportFiles(false);
  const report = await readReport(files.json);
  if (report === undefined) {
    console.error(`[bench] ${files.json} is missing or not JSON; run \`npm run bench\` first`);
    return 1;
  }
  const markdown = await writeRendered(report, files);
  console.log('[bench] wrote bench/results/latest.md and bench/results/throughput.svg from latest.json');
  await refreshDocs(report, markdown);
  return 0;
}

type Loaded = { run: (options: SuiteOptions) => Promise<SuiteResult> } | { skip: string };

async function loadSuite(entry: SuiteEntry): Promise<Loaded> {
  const url = new URL(entry.module, import.meta.url);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url.href)) as Record<string, unknown>;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_MODULE_NOT_FOUND' && e.message.includes(fileURLToPath(url))) {
      return {
        skip: `${entry.module.replace(/^\.\//, 'bench/').replace(/\.js$/, '.ts')} does not exist yet`,
      };
    }
    throw err;
  }
  const run = mod[entry.run];
  if (typeof run !== 'function') return { skip: `${entry.module} does not export ${entry.run}()` };
  return { run: run as (options: SuiteOptions) => Promise<SuiteResult> };
}

async function main(): Promise<number> {
  const { only, quick, reportOnly: redrawOnly } = parseCli();
  if (redrawOnly) return reportOnly();
  const machine = await machineInfo();
  console.log(
    `[bench] Node ${machine.node}, ${machine.cpuModel} × ${machine.cores}, redis-server ${machine.redisServer}` +
      (quick ? ' — quick run' : ''),
  );
  if (machine.loadAverage[0] > 0.5) {
    console.log(
      `[bench] warning: 1-minute load average is ${machine.loadAverage[0]}; other work on this machine will skew the figures`,
    );
  }

  const results: SuiteResult[] = [];
  const skipped: BenchReport['skipped'] = [];
  const dates: Record<string, string> = {};
  const loads: Record<string, number[]> = {};
  let failed = false;
  for (const entry of only) {
    console.log(`[bench] ▶ ${entry.name}`);
    const t0 = performance.now();
    const load = currentLoad();
    try {
      const loaded = await loadSuite(entry);
      if ('skip' in loaded) {
        console.log(`[bench]   skipped ${entry.name}: ${loaded.skip}`);
        skipped.push({ suite: entry.name, reason: loaded.skip });
        continue;
      }
      const result = await loaded.run({ quick, log: (line) => console.log(`[bench]   ${line}`) });
      results.push(result);
      dates[entry.name] = new Date().toISOString();
      loads[entry.name] = load;
      for (const note of result.notes ?? []) {
        if (note.startsWith(VERIFICATION_FAILED)) {
          failed = true;
          console.error(`[bench] !!! ${entry.name}: ${note}`);
        }
      }
    } catch (err) {
      failed = true;
      console.error(`[bench] !!! ${entry.name} failed:`, err);
      skipped.push({
        suite: entry.name,
        reason: `failed: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
    console.log(`[bench]   ${entry.name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }

  if (results.length === 0) {
    console.log('[bench] no suite produced results; nothing written');
    return failed ? 1 : 0;
  }
  const files = reportFiles(quick);
  const report = mergeWithPrevious(
    {
      date: new Date().toISOString(),
      machine,
      quick,
      suites: results,
      suiteDates: dates,
      suiteLoads: loads,
      skipped,
    },
    await readReport(files.json),
  );
  await mkdir(RESULTS_DIR, { recursive: true });
  const markdown = await writeReport(report, files);
  const base = quick ? 'quick' : 'latest';
  console.log(`[bench] wrote bench/results/${base}.{json,md} and the chart ${files.svg}`);
  if (!quick) await refreshDocs(report, markdown);
  return failed ? 1 : 0;
}

/** Keeps suites of the previous report that this run did not rerun (e.g. under `--only`). */
function mergeWithPrevious(current: BenchReport, previous: BenchReport | undefined): BenchReport {
  if (previous === undefined || previous.quick !== current.quick) return current;
  const rerun = new Set([...current.suites.map((s) => s.suite), ...current.skipped.map((s) => s.suite)]);
  const kept = previous.suites.filter((s) => !rerun.has(s.suite));
  const order = (name: string) => {
    const i = SUITES.findIndex((s) => s.name === name);
    return i === -1 ? SUITES.length : i;
  };
  const suiteDates = { ...current.suiteDates };
  const suiteLoads = { ...current.suiteLoads };
  for (const s of kept) {
    const date = previous.suiteDates?.[s.suite];
    if (date !== undefined) suiteDates[s.suite] = date;
    const load = previous.suiteLoads?.[s.suite];
    if (load !== undefined) suiteLoads[s.suite] = load;
  }
  return {
    ...current,
    suites: [...current.suites, ...kept].sort((a, b) => order(a.suite) - order(b.suite)),
    suiteDates,
    suiteLoads,
    skipped: [
      ...current.skipped,
      ...(previous.skipped ?? []).filter(
        (s) => !rerun.has(s.suite) && !kept.some((k) => k.suite === s.suite),
      ),
    ],
  };
}

process.exitCode = await main();
