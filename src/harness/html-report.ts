/**
 * The HTML page of a bench report: one self-contained file (inline CSS and SVG, no script, nothing
 * fetched) that opens from disk in any browser. Two charts drawn from `report.intervals` —
 * throughput (`#throughput-chart`) and latency p50/p99 (`#latency-chart`) — then tables of the
 * settings, the latency percentiles, client CPU, Redis per node, errors by code and the verify
 * result. Every string taken from the report is escaped: key prefixes, file names and server
 * error text are the user's.
 */
import type {
  BenchLatency,
  BenchNodeFigures,
  BenchReport,
  BenchSettings,
  BenchVerify,
} from './bench-report.js';
import { escapeHtml as esc } from './html-escape.js';
import { renderLineChart } from './svg-chart.js';

/** Stable element ids of the two charts. */
export const THROUGHPUT_CHART_ID = 'throughput-chart';
export const LATENCY_CHART_ID = 'latency-chart';

const COLOURS = { throughput: '#0b7285', p50: '#1c7ed6', p99: '#e8590c' };

/**
 * The page's own policy: nothing may load from anywhere and no script may run, so a report that
 * carried markup by mistake could still not act.
 */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #212529; }
h1 { font-size: 1.5rem; margin-bottom: 0.25rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #dee2e6; padding-bottom: 0.25rem; }
.meta { color: #495057; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { text-align: left; padding: 0.25rem 0.75rem 0.25rem 0; border-bottom: 1px solid #f1f3f5; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font-size: 0.9em; word-break: break-all; }
.chart { display: block; max-width: 100%; height: auto; margin: 1rem 0; }
.ok { color: #2b8a3e; font-weight: bold; }
.bad { color: #c92a2a; font-weight: bold; }
`;

/** The report as one HTML document. */
export function renderHtmlReport(report: BenchReport): string {
  const title = `laminar-redis bench: ${report.settings.target} run ${report.runId}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${esc(CSP)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${esc(title)}</h1>`,
    `<p class="meta">Started ${esc(report.startedAt)} · laminar-redis ${esc(report.laminarVersion)} · ` +
      `report version ${esc(report.version)}</p>`,
    summarySection(report),
    '<h2 id="charts">Over time</h2>',
    throughputChart(report),
    latencyChart(report),
    settingsSection(report.settings),
    latencySection(report.latency),
    redisSection(report.redis),
    errorsSection(report.errors),
    verifySection(report.verify),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function throughputChart(report: BenchReport): string {
  return renderLineChart({
    id: THROUGHPUT_CHART_ID,
    title: 'Throughput',
    xLabel: 'time since start (s)',
    yLabel: 'rows acknowledged per second',
    series: [
      {
        name: 'rows/s',
        colour: COLOURS.throughput,
        points: report.intervals.map((i) => ({ x: i.atMs / 1000, y: i.rowsPerSec })),
      },
    ],
  });
}

function latencyChart(report: BenchReport): string {
  const at = (ms: number) => ms / 1000;
  return renderLineChart({
    id: LATENCY_CHART_ID,
    // Open loop measures from when a row was due; closed loop from when it was handed over.
    title:
      report.settings.rate === null
        ? 'Latency, hand-over to acknowledgement'
        : 'Latency, intended send time to acknowledgement',
    xLabel: 'time since start (s)',
    yLabel: 'latency (ms)',
    series: [
      {
        name: 'p50',
        colour: COLOURS.p50,
        points: report.intervals.map((i) => ({ x: at(i.atMs), y: i.p50Ms })),
      },
      {
        name: 'p99',
        colour: COLOURS.p99,
        points: report.intervals.map((i) => ({ x: at(i.atMs), y: i.p99Ms })),
      },
    ],
  });
}

function summarySection(r: BenchReport): string {
  return section('summary', 'Summary', [
    ['rows sent', count(r.rowsSent)],
    ['rows acknowledged', count(r.rowsAcked)],
    ['elapsed', `${fixed(r.elapsedMs / 1000, 2)} s`],
    ['throughput', `${count(Math.round(r.rowsPerSec))} rows/s`],
    ['client CPU per row', `${fixed(r.cpuMicrosPerRow, 2)} µs`],
    ['latency p50 / p99', `${ms(r.latency.p50Ms)} / ${ms(r.latency.p99Ms)}`],
    ['keys deleted at the end', r.cleanedUp ? 'yes' : 'no (kept)'],
  ]);
}

function settingsSection(s: BenchSettings): string {
  return section('settings', 'Settings', [
    ['Redis', code(s.redis)],
    ['topology', esc(s.topology)],
    ['target', esc(s.target)],
    ['guarantee', esc(s.guarantee)],
    ['mode', esc(s.mode)],
    ['rows', s.rows === null ? 'unbounded (by duration)' : count(s.rows)],
    ['duration', s.durationMs === null ? 'unbounded (by rows)' : `${fixed(s.durationMs / 1000, 1)} s`],
    [
      'rate',
      s.rate === null
        ? 'as fast as the sink takes them (closed loop)'
        : `${count(s.rate)} rows/s (open loop)`,
    ],
    ['keys', count(s.keys)],
    ['key skew', s.skew === 0 ? 'uniform' : `Zipf, exponent ${esc(s.skew)}`],
    ['row shape', esc(s.shape)],
    ['sample file', s.sampleFile === null ? '—' : code(s.sampleFile)],
    ['batch size', count(s.batchSize)],
    ['in flight', count(s.inFlight)],
    ['key prefix', code(s.keyPrefix)],
  ]);
}

function latencySection(l: BenchLatency): string {
  return section('latency', 'Latency percentiles', [
    ['rows measured', count(l.count)],
    ['p50', ms(l.p50Ms)],
    ['p90', ms(l.p90Ms)],
    ['p99', ms(l.p99Ms)],
    ['p99.9', ms(l.p999Ms)],
    ['max', ms(l.maxMs)],
    ['mean', ms(l.meanMs)],
  ]);
}

function redisSection(nodes: readonly BenchNodeFigures[]): string {
  if (nodes.length === 0) return '<h2 id="redis">Redis</h2>\n<p>No figures were read from Redis.</p>';
  const rows = nodes.map(
    (n) =>
      `<tr><td>${code(n.node)}</td><td class="num">${fixed(n.usedCpuSec, 3)}</td>` +
      `<td class="num">${count(n.usedMemoryBytes)}</td><td class="num">${count(Math.round(n.opsPerSec))}</td></tr>`,
  );
  return [
    '<h2 id="redis">Redis, per node</h2>',
    '<table><thead><tr><th>node</th><th>CPU during the run (s)</th><th>memory at the end (bytes)</th>' +
      '<th>commands/s</th></tr></thead>',
    `<tbody>${rows.join('')}</tbody></table>`,
  ].join('\n');
}

function errorsSection(errors: Readonly<Record<string, number>>): string {
  const entries = Object.entries(errors);
  if (entries.length === 0) return '<h2 id="errors">Errors</h2>\n<p>None.</p>';
  const rows = entries.map(([c, n]) => `<tr><td>${code(c)}</td><td class="num">${count(n)}</td></tr>`);
  return [
    '<h2 id="errors">Errors</h2>',
    `<table><thead><tr><th>code</th><th>count</th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
  ].join('\n');
}

function verifySection(v: BenchVerify | null): string {
  if (v === null) return '<h2 id="verify">Verify</h2>\n<p>Not run.</p>';
  const verdict = v.ok ? '<span class="ok">passed</span>' : '<span class="bad">FAILED</span>';
  const problems =
    v.problems.length === 0 ? '' : `\n<ul>${v.problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul>`;
  return `<h2 id="verify">Verify</h2>\n<p>${verdict}: ${count(v.checked)} checked.</p>${problems}`;
}

/** A two-column table of already-escaped cells. */
function section(id: string, heading: string, rows: readonly [string, string][]): string {
  const body = rows.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${v}</td></tr>`).join('');
  return `<h2 id="${id}">${esc(heading)}</h2>\n<table><tbody>${body}</tbody></table>`;
}

const countFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const count = (n: number) => esc(countFormat.format(n));
const fixed = (n: number, digits: number) => esc(n.toFixed(digits));
const ms = (n: number) => `${fixed(n, n < 10 ? 3 : 1)} ms`;
const code = (s: string) => `<code>${esc(s)}</code>`;
