import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readReport } from '../../bench/report.js';
import { HEADLINES, renderSummary, SUMMARY_END, SUMMARY_START } from '../../bench/summary.js';
import { TEST_MACHINE } from '../support/bench-report.js';

const LATEST = new URL('../../bench/results/latest.json', import.meta.url);
const README = new URL('../../README.md', import.meta.url);

describe('bench summary', () => {
  it('bench summary — every headline pattern finds its ratio in the committed report', async () => {
    const report = (await readReport(LATEST.pathname))!;
    for (const suite of report.suites) {
      for (const pattern of HEADLINES[suite.suite] ?? []) {
        expect(
          suite.ratios.some((r) => pattern.test(r.label)),
          `${suite.suite}: ${pattern}`,
        ).toBe(true);
      }
    }
  });

  it('bench summary — the README holds the table generated from the committed report', async () => {
    const report = (await readReport(LATEST.pathname))!;
    const readme = await readFile(README, 'utf8');
    const start = readme.indexOf(SUMMARY_START) + SUMMARY_START.length;
    const end = readme.indexOf(SUMMARY_END);
    expect(readme.slice(start, end)).toBe(`\n${renderSummary(report)}`);
  });

  it('bench summary — one line per headline, ratio with two decimals', () => {
    const table = renderSummary({
      date: '2026-12-06T00:00:00.000Z',
      quick: false,
      machine: TEST_MACHINE,
      suites: [
        {
          suite: 'sink',
          title: 't',
          rows: [],
          ratios: [
            { label: 'string: laminar-redis / fastest peer', value: 1.705 },
            { label: 'list: laminar-redis / fastest peer', value: 1.349 },
            { label: 'not a headline', value: 9 },
          ],
        },
      ],
      suiteDates: {},
      skipped: [],
    });
    expect(table).toContain('| `sink` | string: laminar-redis / fastest peer | 1.71× |');
    expect(table).toContain('| `sink` | list: laminar-redis / fastest peer | 1.35× |');
    expect(table).not.toContain('not a headline');
  });
});
