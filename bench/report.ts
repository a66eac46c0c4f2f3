/**
 * Benchmark report: machine facts, the JSON written to bench/results/, its Markdown rendering, and
 * the block between `<!-- bench:start -->` and `<!-- bench:end -->` of docs/benchmarks.md.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { basename, dirname, relative } from 'node:path';
import { renderThroughputSvg } from './chart.js';
import { redisServerVersion } from './common/bench-redis.js';
import type { BenchRow, SuiteResult } from './types.js';

/** A suite whose verification failed says so with a note starting with this; the run then exits 1. */
export const VERIFICATION_FAILED = 'VERIFICATION FAILED';

export const README_START = '<!-- bench:start -->';
export const README_END = '<!-- bench:end -->';

export interface MachineInfo {
  node: string;
  cpuModel: string;
  cores: number;
  redisServer: string;
  os: string;
  memoryGiB: number;
  /** 1/5/15-minute load average when the run started: anything else running skews the figures. */
  loadAverage: number[];
}

export interface BenchReport {
  /** When the report was written (ISO-8601 UTC). */
  date: string;
  machine: MachineInfo;
  /** True for `--quick` smoke runs: small counts, not for comparison. */
  quick: boolean;
  suites: SuiteResult[];
  /** When each suite last ran; suites not rerun by `--only` keep their earlier date. */
  suiteDates: Record<string, string>;
  /**
   * 1/5/15-minute load average when each suite started, kept beside its date: under `--only` the
   * machine's load at the start of this run says nothing of the suites kept from earlier runs.
   */
  suiteLoads?: Record<string, number[]>;
  /** Suites that could not run, with the reason. */
  skipped: { suite: string; reason: string }[];
}

export async function machineInfo(): Promise<MachineInfo> {
  const cpuList = cpus();
  return {
    node: process.version,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    redisServer: await redisServerVersion(),
    os: `${platform()} ${release()}`,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: currentLoad(),
  };
}

/** The 1/5/15-minute load average, to two decimals. */
export function currentLoad(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}

/** The previous report at `path`, or undefined when there is none (or it does not parse). */
export async function readReport(path: string): Promise<BenchReport | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as BenchReport;
  } catch {
    return undefined;
  }
}

/** Where a report is written. */
export interface ReportFiles {
  json: string;
  md: string;
  /** The throughput chart (bench/chart.ts). */
  svg: string;
  /** The document whose block will hold the report: its chart link is made relative to it. */
  readme?: string;
}

/**
 * Writes the JSON, the Markdown and the throughput chart; returns the Markdown for the README
 * block (the same text, its chart link relative to `files.readme`).
 */
export async function writeReport(report: BenchReport, files: ReportFiles): Promise<string> {
  await writeFile(files.json, JSON.stringify(report, null, 2) + '\n');
  return writeRendered(report, files);
}

/** Writes the Markdown and the chart of a report, e.g. the committed one, without rerunning anything. */
export async function writeRendered(report: BenchReport, files: ReportFiles): Promise<string> {
  await writeFile(files.svg, renderChart(report));
  const link = (from: string) => relative(dirname(from), files.svg).replaceAll('\\', '/');
  await writeFile(files.md, `# Benchmark results\n\n${renderMarkdown(report, link(files.md))}`);
  return renderMarkdown(report, files.readme === undefined ? basename(files.svg) : link(files.readme));
}

/** The throughput chart of a report as SVG. */
export function renderChart(report: BenchReport): string {
  const m = report.machine;
  return renderThroughputSvg(report.suites, {
    subtitle:
      `Measured ${report.date.slice(0, 10)} on ${m.cpuModel} (${m.cores} cores), Node ${m.node}, ` +
      `redis-server ${m.redisServer}; every client in its own process against the same server.` +
      (report.quick ? ' Quick smoke run: small counts, not for comparison.' : ''),
  });
}

/**
 * Replaces the block between `startMarker` and `endMarker` of a Markdown file (by default the
 * report's markers). Leaves the file alone when it has no markers.
 */
export async function updateReadme(
  path: string,
  markdown: string,
  startMarker = README_START,
  endMarker = README_END,
): Promise<'updated' | 'no-readme' | 'no-markers'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return 'no-readme';
  }
  const start = text.indexOf(startMarker);
  const end = text.indexOf(endMarker, start);
  if (start === -1 || end === -1) return 'no-markers';
  const updated = `${text.slice(0, start + startMarker.length)}\n${markdown}${text.slice(end)}`;
  if (updated !== text) await writeFile(path, updated);
  return 'updated';
}

/** The report as Markdown; `chart` is the link to the throughput chart, shown first when given. */
export function renderMarkdown(report: BenchReport, chart?: string): string {
  const m = report.machine;
  const out: string[] = [
    '<!-- generated by `npm run bench` (bench/report.ts; `npm run bench:report` redraws it from latest.json); do not edit by hand -->',
    `Measured ${report.date.slice(0, 10)} on ${m.cpuModel} (${m.cores} cores, ${m.memoryGiB} GiB), ` +
      `${m.os}, Node ${m.node}, redis-server ${m.redisServer}` +
      (report.suiteLoads === undefined
        ? `; load average at start ${m.loadAverage.join(' / ')}.`
        : '; load average at the start of each suite, where known, beside its date.') +
      (report.quick ? ' **Quick smoke run: small counts, not for comparison.**' : ''),
    '',
  ];
  if (chart !== undefined) {
    out.push(`![Throughput of laminar-redis and its peers, rows/s per case](${chart})`, '');
  }
  for (const suite of report.suites)
    out.push(...renderSuite(suite, report.suiteDates[suite.suite], report.suiteLoads?.[suite.suite]), '');
  for (const s of report.skipped) out.push(`_Skipped ${s.suite}: ${s.reason}_`, '');
  return out.join('\n');
}

interface Column {
  head: string;
  right: boolean;
  cell: (r: BenchRow) => string;
  /** Shown only when some row has a value for it. */
  has?: (r: BenchRow) => boolean;
}

const COLUMNS: Column[] = [
  { head: 'case', right: false, cell: (r) => r.case },
  { head: 'client', right: false, cell: (r) => r.client },
  {
    head: 'rows/s',
    right: true,
    cell: (r) => (r.opsPerSec > 0 ? Math.round(r.opsPerSec).toLocaleString('en-US') : '—'),
  },
  { head: 'MB/s', right: true, cell: (r) => num(r.mbPerSec, 1), has: (r) => r.mbPerSec !== undefined },
  { head: 'CPU s', right: true, cell: (r) => num(r.cpuSeconds, 2), has: (r) => r.cpuSeconds !== undefined },
  {
    head: 'peak RSS MiB',
    right: true,
    cell: (r) => num(r.peakRssMb, 0),
    has: (r) => r.peakRssMb !== undefined,
  },
  { head: 'notes', right: false, cell: extraCell, has: (r) => Object.keys(r.extra ?? {}).length > 0 },
];

function renderSuite(suite: SuiteResult, date: string | undefined, load: number[] | undefined): string[] {
  const several = new Set(suite.rows.map((r) => r.case)).size > 1;
  const columns = COLUMNS.filter((c) =>
    c.head === 'case' ? several : c.has === undefined || suite.rows.some(c.has),
  );
  const lines = [
    `### ${suite.title}`,
    '',
    ...(date === undefined
      ? []
      : [
          `_Suite \`${suite.suite}\`, run ${date.slice(0, 16).replace('T', ' ')} UTC` +
            (load === undefined ? '._' : `; load average at start ${load.join(' / ')}._`),
          '',
        ]),
    tableRow(columns.map((c) => c.head)),
    tableRow(columns.map((c) => (c.right ? '--:' : '---'))),
    ...suite.rows.map((r) => tableRow(columns.map((c) => c.cell(r)))),
  ];
  if (suite.ratios.length > 0) {
    lines.push('', tableRow(['ratio', 'value']), tableRow(['---', '--:']));
    for (const r of suite.ratios) lines.push(tableRow([r.label, `${r.value.toFixed(2)}×`]));
  }
  if (suite.notes && suite.notes.length > 0) lines.push('', ...suite.notes.map((n) => `- ${n}`));
  return lines;
}

/** `extra` as `key: value; ...`; a `note` entry shows as its bare text. */
function extraCell(r: BenchRow): string {
  return Object.entries(r.extra ?? {})
    .map(([k, v]) =>
      k === 'note' ? String(v) : `${k}: ${typeof v === 'number' ? v.toLocaleString('en-US') : v}`,
    )
    .join('; ');
}

const num = (x: number | undefined, digits: number) =>
  x === undefined || !Number.isFinite(x)
    ? '—'
    : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const tableRow = (cells: string[]) =>
  `| ${cells.map((c) => c.replaceAll('|', '\\|').replaceAll('\n', ' ')).join(' | ')} |`;
