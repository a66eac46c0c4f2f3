import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import {
  type ChartPoint,
  DEFAULT_CHART_HEIGHT,
  DEFAULT_CHART_WIDTH,
  domainOf,
  MAX_MARKERS,
  niceTicks,
  plotBox,
  renderLineChart,
  scalePoints,
} from '../../src/harness/svg-chart.js';

const value = fc.double({ min: -1e9, max: 1e9, noNaN: true, noDefaultInfinity: true });
/** A series as a run records it: x in time order, any finite y. */
const series = fc
  .array(fc.record({ x: value, y: value }), { minLength: 1, maxLength: 60 })
  .map((ps) => ps.sort((a, b) => a.x - b.x));
const size = fc.record({
  width: fc.integer({ min: 120, max: 2000 }),
  height: fc.integer({ min: 100, max: 1200 }),
});

function scaled(points: ChartPoint[], width: number, height: number) {
  const box = plotBox(width, height);
  const x = domainOf(points.map((p) => p.x));
  const y = domainOf(points.map((p) => p.y));
  return { box, out: scalePoints(points, x, y, box) };
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name) => ['g', 'circle', 'path', 'text', 'line'].includes(name),
});

describe('svg chart — scaling', () => {
  it('svg chart — every point lands inside the plot box (property)', () => {
    fc.assert(
      fc.property(series, size, (points, { width, height }) => {
        const { box, out } = scaled(points, width, height);
        expect(out).toHaveLength(points.length);
        for (const p of out) {
          expect(p.x).toBeGreaterThanOrEqual(box.left);
          expect(p.x).toBeLessThanOrEqual(box.left + box.width);
          expect(p.y).toBeGreaterThanOrEqual(box.top);
          expect(p.y).toBeLessThanOrEqual(box.top + box.height);
        }
      }),
    );
  });

  it('svg chart — x order is kept and a larger y is drawn higher (property)', () => {
    fc.assert(
      fc.property(series, size, (points, { width, height }) => {
        const { out } = scaled(points, width, height);
        for (let i = 1; i < out.length; i++) {
          expect(out[i].x).toBeGreaterThanOrEqual(out[i - 1].x);
          const [a, b] = [points[i - 1].y, points[i].y];
          if (a < b) expect(out[i].y).toBeLessThanOrEqual(out[i - 1].y);
          if (a > b) expect(out[i].y).toBeGreaterThanOrEqual(out[i - 1].y);
        }
      }),
    );
  });

  it('svg chart — ticks are evenly spaced round numbers covering the data (property)', () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const ticks = niceTicks(lo, hi);
        expect(ticks[0]).toBeLessThanOrEqual(lo);
        expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(hi);
        expect(ticks.length).toBeGreaterThanOrEqual(2);
        expect(ticks.length).toBeLessThanOrEqual(8);
        const step = ticks[1] - ticks[0];
        const mantissa = step / 10 ** Math.floor(Math.log10(step));
        expect([1, 2, 5, 10].some((m) => Math.abs(mantissa - m) < 1e-6)).toBe(true);
        for (let i = 2; i < ticks.length; i++) {
          expect(ticks[i] - ticks[i - 1]).toBeCloseTo(step, Math.max(0, -Math.floor(Math.log10(step)) + 2));
        }
      }),
    );
  });

  it('svg chart — the axes start at zero for non-negative data', () => {
    expect(domainOf([3, 7, 42])).toEqual({ min: 0, max: 50 });
    expect(domainOf([0.2, 0.35])).toEqual({ min: 0, max: 0.4 });
    expect(domainOf([])).toEqual({ min: 0, max: 1 });
  });

  it('svg chart — non-finite points are left out, not drawn at an edge', () => {
    const box = plotBox(DEFAULT_CHART_WIDTH, DEFAULT_CHART_HEIGHT);
    const out = scalePoints(
      [
        { x: 1, y: 1 },
        { x: 2, y: Number.NaN },
        { x: Number.POSITIVE_INFINITY, y: 3 },
      ],
      { min: 0, max: 2 },
      { min: 0, max: 2 },
      box,
    );
    expect(out).toEqual([{ x: box.left + box.width / 2, y: box.top + box.height / 2 }]);
  });
});

describe('svg chart — rendering', () => {
  const chart = (points: ChartPoint[], name = 'p50') =>
    renderLineChart({
      id: 'c1',
      title: 'Latency <ms>',
      xLabel: 'time since start (s)',
      yLabel: 'latency (ms)',
      series: [{ name, colour: '#1c7ed6', points }],
    });

  it('svg chart — well-formed SVG with its id, title, axis labels and one path through every point', () => {
    const points = Array.from({ length: 12 }, (_, i) => ({ x: i, y: i * i }));
    const svg = chart(points);
    expect(XMLValidator.validate(svg)).toBe(true);
    const root = parser.parse(svg).svg;
    expect(root.id).toBe('c1');
    expect(root.title['#text']).toBe('Latency <ms>');
    const labels = root.text.filter((t: { class: string }) => t.class.startsWith('axis-label'));
    expect(labels.map((t: { '#text': string }) => t['#text'])).toEqual([
      'time since start (s)',
      'latency (ms)',
    ]);
    const [series] = root.g.filter((g: { class: string }) => g.class === 'series');
    expect(series['data-series']).toBe('p50');
    expect(series.path[0].d.match(/[ML]/g)).toHaveLength(points.length);
    expect(series.circle).toHaveLength(points.length);
  });

  it('svg chart — names are escaped, so markup in them stays text', () => {
    const svg = chart([{ x: 1, y: 1 }], '"><script>x</script>');
    expect(svg).not.toContain('<script>');
    expect(XMLValidator.validate(svg)).toBe(true);
  });

  it('svg chart — a long series is a line without a marker per point', () => {
    const points = Array.from({ length: MAX_MARKERS + 1 }, (_, i) => ({ x: i, y: 1 }));
    const svg = chart(points);
    expect(svg).not.toContain('<circle');
    expect(svg.match(/<path class="line" d="([^"]*)"/)?.[1].match(/[ML]/g)).toHaveLength(points.length);
  });

  it('svg chart — no data still draws the axes and says so', () => {
    const svg = chart([]);
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).toContain('no intervals recorded');
    expect(svg).toContain('class="axis-label x-label"');
  });
});
