import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { renderThroughputSvg, wrap } from '../../bench/chart.js';
import { type BenchReport, readReport, updateReadme, writeRendered } from '../../bench/report.js';
import type { SuiteResult } from '../../bench/types.js';

const LATEST = new URL('../../bench/results/latest.json', import.meta.url);

/** Every `<rect class="bar">` of the chart, with its attributes. */
function bars(svg: string): Record<string, string>[] {
  expect(XMLValidator.validate(svg)).toBe(true);
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
  }).parse(svg);
  const found: Record<string, string>[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'rect') {
        for (const r of v as Record<string, string>[]) if (r.class === 'bar') found.push(r);
      }
      walk(v);
    }
  };
  walk(doc);
  return found;
}

describe('bench chart', () => {
  it('bench chart — the committed results draw a well-formed SVG with one bar per row', async () => {
    const report = (await readReport(LATEST.pathname)) as BenchReport;
    expect(report).toBeDefined();
    const svg = renderThroughputSvg(report.suites);
    const found = bars(svg);
    const rows = report.suites.flatMap((s) => s.rows.map((r) => ({ suite: s.suite, ...r })));
    expect(found).toHaveLength(rows.length);
    for (const [i, r] of rows.entries()) {
      expect(found[i]).toMatchObject({ 'data-suite': r.suite, 'data-case': r.case, 'data-client': r.client });
      expect(Number(found[i]['data-value'])).toBe(Math.round(r.opsPerSec));
    }
  });

  it('bench chart — bars are scaled per case, specials escaped, missing figures drawn empty', () => {
    const suite: SuiteResult = {
      suite: 's<1>',
      title: 'A & B',
      ratios: [],
      rows: [
        { case: 'x "quoted"', client: 'laminar-redis', opsPerSec: 1000 },
        { case: 'x "quoted"', client: "peer's <client>", opsPerSec: 250 },
        { case: 'y', client: 'laminar-redis', opsPerSec: 10 },
        { case: 'y', client: 'redis-benchmark', opsPerSec: 0 },
      ],
    };
    const found = bars(renderThroughputSvg([suite]));
    expect(found.map((b) => b['data-client'])).toEqual([
      'laminar-redis',
      "peer's <client>",
      'laminar-redis',
      'redis-benchmark',
    ]);
    const w = found.map((b) => Number(b.width));
    expect(w[0]).toBeCloseTo(w[2]); // each case's fastest is full width
    expect(w[1]).toBeCloseTo(w[0] / 4, 0);
    expect(w[3]).toBe(0);
  });

  it('bench chart — labels wrap at spaces', () => {
    expect(wrap('laminar-redis, exactly-once, 4 partitions', 20)).toEqual([
      'laminar-redis,',
      'exactly-once, 4',
      'partitions',
    ]);
    expect(wrap('short', 20)).toEqual(['short']);
  });

  it('bench report — redrawn from JSON: chart written, linked from the Markdown and the README', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'laminar-chart-'));
    try {
      const report = (await readReport(LATEST.pathname)) as BenchReport;
      const files = {
        json: join(dir, 'results', 'latest.json'),
        md: join(dir, 'results', 'latest.md'),
        svg: join(dir, 'results', 'throughput.svg'),
        readme: join(dir, 'README.md'),
      };
      await mkdir(join(dir, 'results'));
      await writeFile(files.readme, '# x\n<!-- bench:start -->\nold\n<!-- bench:end -->\n');
      const markdown = await writeRendered(report, files);
      expect(markdown).toContain('](results/throughput.svg)');
      expect(await readFile(files.md, 'utf8')).toContain('](throughput.svg)');
      expect(bars(await readFile(files.svg, 'utf8')).length).toBeGreaterThan(0);
      expect(await updateReadme(files.readme, markdown)).toBe('updated');
      expect(await readFile(files.readme, 'utf8')).toContain('![Throughput');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
