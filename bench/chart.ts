/**
 * The throughput chart of the benchmark report: one SVG with a section per suite and, in it, a
 * group of horizontal bars per case — one bar per measured row (laminar-redis, each peer, the
 * redis-benchmark references). Hand-written SVG: text, rects and a legend, no scripts, so it
 * renders the same in a browser, on GitHub (as an image) and through rsvg/ImageMagick.
 *
 * Bars are scaled per case: within one case every bar is comparable, across cases only the
 * numbers are (the decoder's cases alone span three orders of magnitude).
 *
 * ```
 *  Suite title
 *   case
 *   laminar-redis   ████████████████████ 606,773
 *   ioredis         █████ 161,401
 * ```
 */
import type { BenchRow, SuiteResult } from './types.js';

/** Colour of each client family, matched by name prefix; the first match wins. */
const FAMILIES: { prefix: string; label: string; colour: string }[] = [
  { prefix: 'laminar-redis', label: 'laminar-redis', colour: '#0b7285' },
  { prefix: 'ioredis', label: 'ioredis', colour: '#e8590c' },
  { prefix: 'node-redis', label: 'node-redis', colour: '#7048e8' },
  { prefix: 'redis-benchmark', label: 'redis-benchmark (server reference)', colour: '#adb5bd' },
];
const OTHER_COLOUR = '#868e96';

const WIDTH = 900;
const MARGIN = 16;
const FONT_SIZE = 12;
/** Average advance of a 12 px sans-serif character, px: enough to lay out labels without a font. */
const CHAR_PX = 6.4;
/** Client labels wrap at this many characters; the column leaves room for bold ones. */
const LABEL_CHARS = 38;
const LABEL_PX = Math.ceil(LABEL_CHARS * CHAR_PX * 1.12) + 12;
const VALUE_PX = 96;
const BAR_MAX_PX = WIDTH - 2 * MARGIN - LABEL_PX - VALUE_PX;
const LINE_PX = 14;
const BAR_PX = 14;
const ROW_GAP_PX = 6;

export interface ChartOptions {
  /** Heading of the chart. */
  title?: string;
  /** A line under the heading, e.g. where and when it was measured. */
  subtitle?: string;
}

/** The chart as an SVG document. */
export function renderThroughputSvg(suites: readonly SuiteResult[], options: ChartOptions = {}): string {
  const body: string[] = [];
  let y = MARGIN;
  const title = options.title ?? 'Throughput, rows/s (higher is better)';
  body.push(text(MARGIN, (y += 18), title, { size: 17, weight: 'bold' }));
  if (options.subtitle !== undefined) {
    for (const line of wrap(options.subtitle, Math.floor((WIDTH - 2 * MARGIN) / CHAR_PX))) {
      body.push(text(MARGIN, (y += LINE_PX + 2), line, { fill: '#495057' }));
    }
  }
  body.push(
    text(MARGIN, (y += LINE_PX + 2), 'Bars are scaled per case; compare numbers across cases.', {
      fill: '#495057',
      style: 'italic',
    }),
  );
  y += 10;
  let x = MARGIN;
  for (const f of FAMILIES) {
    body.push(rect(x, y, 12, 12, f.colour), text(x + 16, y + 10, f.label));
    x += 16 + Math.ceil(f.label.length * CHAR_PX) + 22;
  }
  y += 12;
  for (const suite of suites) {
    y += 26;
    body.push(`<g class="suite" data-suite="${esc(suite.suite)}">`);
    body.push(text(MARGIN, y, suite.title, { size: 14, weight: 'bold' }));
    const cases = [...new Set(suite.rows.map((r) => r.case))];
    for (const c of cases) {
      const rows = suite.rows.filter((r) => r.case === c);
      y += 8;
      if (cases.length > 1 || c !== suite.title) {
        body.push(text(MARGIN, (y += LINE_PX + 2), c, { weight: 'bold', fill: '#343a40' }));
      }
      y += 4;
      const max = Math.max(0, ...rows.map((r) => value(r)));
      for (const r of rows) {
        const lines = wrap(r.client, LABEL_CHARS);
        const h = Math.max(BAR_PX, lines.length * LINE_PX);
        body.push(barRow(r, y, h, lines, max, suite.suite));
        y += h + ROW_GAP_PX;
      }
    }
    body.push('</g>');
  }
  const height = Math.ceil(y + MARGIN);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
      `font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="${FONT_SIZE}" role="img">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function barRow(r: BenchRow, top: number, h: number, lines: string[], max: number, suite: string): string {
  const v = value(r);
  const w = max > 0 ? Math.max(v > 0 ? 1 : 0, (v / max) * BAR_MAX_PX) : 0;
  const barX = MARGIN + LABEL_PX;
  const barY = top + (h - BAR_PX) / 2;
  const labelTop = top + (h - lines.length * LINE_PX) / 2;
  const colour = colourOf(r.client);
  const shown = v > 0 ? Math.round(v).toLocaleString('en-US') : '—';
  return [
    `<g class="row">`,
    `<title>${esc(`${r.case} — ${r.client}: ${shown} rows/s`)}</title>`,
    ...lines.map((line, i) =>
      text(barX - 8, labelTop + (i + 1) * LINE_PX - 3, line, {
        anchor: 'end',
        weight: r.client.startsWith('laminar-redis') ? 'bold' : undefined,
      }),
    ),
    `<rect class="bar" data-suite="${esc(suite)}" data-case="${esc(r.case)}" data-client="${esc(r.client)}" ` +
      `data-value="${Math.round(v)}" x="${barX}" y="${fix(barY)}" width="${fix(w)}" height="${BAR_PX}" rx="2" fill="${colour}"/>`,
    text(barX + w + 6, barY + BAR_PX - 3, shown, { fill: '#212529' }),
    `</g>`,
  ].join('');
}

const value = (r: BenchRow) => (Number.isFinite(r.opsPerSec) && r.opsPerSec > 0 ? r.opsPerSec : 0);

function colourOf(client: string): string {
  return FAMILIES.find((f) => client.startsWith(f.prefix))?.colour ?? OTHER_COLOUR;
}

interface TextStyle {
  size?: number;
  weight?: 'bold';
  style?: 'italic';
  fill?: string;
  anchor?: 'end';
}

function text(x: number, y: number, content: string, s: TextStyle = {}): string {
  const attrs = [`x="${fix(x)}"`, `y="${fix(y)}"`];
  if (s.size !== undefined) attrs.push(`font-size="${s.size}"`);
  if (s.weight !== undefined) attrs.push(`font-weight="${s.weight}"`);
  if (s.style !== undefined) attrs.push(`font-style="${s.style}"`);
  if (s.fill !== undefined) attrs.push(`fill="${s.fill}"`);
  if (s.anchor !== undefined) attrs.push(`text-anchor="${s.anchor}"`);
  return `<text ${attrs.join(' ')}>${esc(content)}</text>`;
}

const rect = (x: number, y: number, w: number, h: number, fill: string) =>
  `<rect x="${fix(x)}" y="${fix(y)}" width="${fix(w)}" height="${fix(h)}" rx="2" fill="${fill}"/>`;

const fix = (n: number) => String(Math.round(n * 10) / 10);

/** Text and attribute values: the five XML specials escaped. */
export function esc(s: string): string {
  return s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/** Splits at spaces into lines of at most `max` characters (a longer word stays whole). */
export function wrap(s: string, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of s.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > max) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}
