/**
 * A line chart as inline SVG, for the HTML page of a bench report: one or more series over a
 * shared x axis, "nice" ticks on both axes, axis labels and a legend. No script and no font file:
 * it renders the same in any browser and when the page is opened offline.
 *
 * ```
 *        title                       ── p50  ── p99
 *   y  ┌──────────────────────────────────────────┐
 *   l  │            ╱╲___                         │   every point lies inside the plot box;
 *   a  │   ____╱╲__╱     ╲_____                   │   x grows left to right, y bottom to top
 *   b  └──────────────────────────────────────────┘
 *            0     10     20     30   x label
 * ```
 */
import { escapeHtml } from './html-escape.js';

/** One line of the chart. */
export interface ChartSeries {
  /** Legend text; also the series' `data-series` attribute. */
  name: string;
  /** CSS colour of the line. */
  colour: string;
  /** Points in data units, in x order. Points with a non-finite coordinate are left out. */
  points: readonly ChartPoint[];
}

export interface ChartPoint {
  x: number;
  y: number;
}

export interface LineChartOptions {
  /** The `id` of the `<svg>` element: stable, so pages and tests can find the chart. */
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  /** Outer size in px; defaults DEFAULT_CHART_WIDTH × DEFAULT_CHART_HEIGHT. */
  width?: number;
  height?: number;
}

export const DEFAULT_CHART_WIDTH = 720;
export const DEFAULT_CHART_HEIGHT = 300;
/** Above this many points a series is drawn as a line only, without a marker per point. */
export const MAX_MARKERS = 200;

/** The rectangle the data is drawn in, px from the top-left corner of the SVG. */
export interface PlotBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** A closed interval of data values mapped onto one axis. */
export interface Domain {
  min: number;
  max: number;
}

const MARGIN = { left: 72, right: 20, top: 40, bottom: 52 };
const TICKS = 5;
const FONT_FAMILY = 'font-family="system-ui, sans-serif"';
const FONT = `${FONT_FAMILY} font-size="12"`;

/** The plot box of a chart of this outer size. */
export function plotBox(width: number, height: number): PlotBox {
  return {
    left: MARGIN.left,
    top: MARGIN.top,
    width: Math.max(1, width - MARGIN.left - MARGIN.right),
    height: Math.max(1, height - MARGIN.top - MARGIN.bottom),
  };
}

/**
 * Ticks at 1, 2 or 5 × a power of ten covering `lo..hi`, about `count` of them. The first tick is
 * at or below `lo` and the last at or above `hi`, so the axis ends on round numbers.
 */
export function niceTicks(lo: number, hi: number, count = TICKS): number[] {
  if (!(hi > lo)) hi = lo + 1;
  // A span far below the values' own precision (or a subnormal one) gives ticks that cannot be
  // told apart; widen it to something printable.
  const minSpan = Math.max(1e-9, Math.abs(lo) * 1e-9, Math.abs(hi) * 1e-9);
  if (hi - lo < minSpan) hi = lo + minSpan;
  const rough = (hi - lo) / count;
  if (!Number.isFinite(rough) || rough <= 0) return [lo, hi];
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  let first = Math.floor(lo / step) * step;
  // Rounding (or an underflow in lo / step) can put the first tick just above lo.
  if (roundToStep(first, step) > lo) first -= step;
  // Index-based so the ticks do not drift with floating-point accumulation; with a step of at least
  // (hi - lo) / count, count + 2 ticks always reach hi.
  const ticks = [roundToStep(first, step)];
  for (let i = 1; ticks[ticks.length - 1] < hi && i <= count + 2; i++) {
    ticks.push(roundToStep(first + i * step, step));
  }
  return ticks;
}

function roundToStep(value: number, step: number): number {
  const decimals = Math.min(20, Math.max(0, -Math.floor(Math.log10(step)) + 1));
  return Number(value.toFixed(decimals));
}

/** The domain of a set of values, widened to include 0 (rates and latencies start at zero). */
export function domainOf(values: readonly number[]): Domain {
  let min = 0;
  let max = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const ticks = niceTicks(min, max);
  return { min: ticks[0], max: ticks[ticks.length - 1] };
}

/** Maps data points into the plot box: x left to right, y bottom to top. Non-finite points are dropped. */
export function scalePoints(points: readonly ChartPoint[], x: Domain, y: Domain, box: PlotBox): ChartPoint[] {
  const out: ChartPoint[] = [];
  for (const p of points) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
    out.push({
      x: scale(p.x, x, box.left, box.left + box.width),
      y: scale(p.y, y, box.top + box.height, box.top),
    });
  }
  return out;
}

/** Linear map of `v` from the domain onto `from..to`, clamped so a point never leaves the box. */
function scale(v: number, d: Domain, from: number, to: number): number {
  const span = d.max - d.min;
  const t = span > 0 ? (v - d.min) / span : 0.5;
  const clamped = Math.min(1, Math.max(0, t));
  return round2(from + clamped * (to - from));
}

const round2 = (v: number) => Math.round(v * 100) / 100;

const tickFormat = new Intl.NumberFormat('en-US', { notation: 'compact', maximumSignificantDigits: 3 });

/** The chart as an `<svg>` element, ready to be placed in an HTML page. */
export function renderLineChart(options: LineChartOptions): string {
  const width = options.width ?? DEFAULT_CHART_WIDTH;
  const height = options.height ?? DEFAULT_CHART_HEIGHT;
  const box = plotBox(width, height);
  const xDomain = domainOf(options.series.flatMap((s) => s.points.map((p) => p.x)));
  const yDomain = domainOf(options.series.flatMap((s) => s.points.map((p) => p.y)));
  const id = escapeHtml(options.id);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" id="${id}" class="chart" role="img" aria-labelledby="${id}-title" ` +
      `viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">`,
    `<title id="${id}-title">${escapeHtml(options.title)}</title>`,
    `<rect class="plot-area" x="${box.left}" y="${box.top}" width="${box.width}" height="${box.height}" fill="#fff" stroke="#ced4da"/>`,
    `<text class="chart-title" x="${box.left}" y="22" ${FONT_FAMILY} font-size="15" font-weight="bold">${escapeHtml(options.title)}</text>`,
    ...axisTicks(xDomain, yDomain, box),
    `<text class="axis-label x-label" x="${box.left + box.width / 2}" y="${height - 10}" text-anchor="middle" ${FONT}>${escapeHtml(options.xLabel)}</text>`,
    `<text class="axis-label y-label" x="0" y="0" transform="translate(16 ${box.top + box.height / 2}) rotate(-90)" text-anchor="middle" ${FONT}>${escapeHtml(options.yLabel)}</text>`,
    ...legend(options.series, box),
  ];
  const drawable = options.series.some((s) =>
    s.points.some((p) => Number.isFinite(p.x) && Number.isFinite(p.y)),
  );
  if (!drawable) {
    parts.push(
      `<text class="no-data" x="${box.left + box.width / 2}" y="${box.top + box.height / 2}" text-anchor="middle" ${FONT} fill="#868e96">no intervals recorded</text>`,
    );
  }
  for (const s of options.series) parts.push(seriesGroup(s, xDomain, yDomain, box));
  parts.push('</svg>');
  return parts.join('\n');
}

function axisTicks(x: Domain, y: Domain, box: PlotBox): string[] {
  const out: string[] = [];
  const bottom = box.top + box.height;
  for (const t of niceTicks(x.min, x.max)) {
    const px = scale(t, x, box.left, box.left + box.width);
    out.push(
      `<line class="grid" x1="${px}" y1="${box.top}" x2="${px}" y2="${bottom}" stroke="#f1f3f5"/>`,
      `<text class="tick x-tick" x="${px}" y="${bottom + 16}" text-anchor="middle" ${FONT} fill="#495057">${escapeHtml(tickFormat.format(t))}</text>`,
    );
  }
  for (const t of niceTicks(y.min, y.max)) {
    const py = scale(t, y, bottom, box.top);
    out.push(
      `<line class="grid" x1="${box.left}" y1="${py}" x2="${box.left + box.width}" y2="${py}" stroke="#f1f3f5"/>`,
      `<text class="tick y-tick" x="${box.left - 6}" y="${py + 4}" text-anchor="end" ${FONT} fill="#495057">${escapeHtml(tickFormat.format(t))}</text>`,
    );
  }
  return out;
}

function legend(series: readonly ChartSeries[], box: PlotBox): string[] {
  const out: string[] = [];
  let x = box.left + box.width;
  // Right-aligned, laid out from the right edge; 7 px per character is enough without a font file.
  for (const s of [...series].reverse()) {
    const w = 24 + Math.ceil(s.name.length * 7);
    x -= w;
    out.push(
      `<g class="legend-item"><line x1="${x}" y1="18" x2="${x + 16}" y2="18" stroke="${escapeHtml(s.colour)}" stroke-width="3"/>` +
        `<text x="${x + 20}" y="22" ${FONT}>${escapeHtml(s.name)}</text></g>`,
    );
    x -= 8;
  }
  return out;
}

function seriesGroup(s: ChartSeries, x: Domain, y: Domain, box: PlotBox): string {
  const finite = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const scaled = scalePoints(finite, x, y, box);
  const colour = escapeHtml(s.colour);
  const d = scaled.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x} ${p.y}`).join(' ');
  const parts = [`<g class="series" data-series="${escapeHtml(s.name)}">`];
  if (scaled.length > 0) {
    parts.push(`<path class="line" d="${d}" fill="none" stroke="${colour}" stroke-width="2"/>`);
  }
  if (scaled.length <= MAX_MARKERS) {
    scaled.forEach((p, i) => {
      // A <title> per marker is the page's tooltip: exact values without a script.
      parts.push(
        `<circle class="point" cx="${p.x}" cy="${p.y}" r="2.5" fill="${colour}"><title>${escapeHtml(
          `${s.name}: ${formatValue(finite[i].y)} at ${formatValue(finite[i].x)}`,
        )}</title></circle>`,
      );
    });
  }
  parts.push('</g>');
  return parts.join('');
}

const valueFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });
const formatValue = (v: number) => valueFormat.format(v);
