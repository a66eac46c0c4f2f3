import { describe, expect, it } from 'vitest';
import { type BenchReport, renderMarkdown } from '../../bench/report.js';
import { TEST_MACHINE } from '../support/bench-report.js';

const SUITE = { title: 't', rows: [], ratios: [] };

function report(extra: Partial<BenchReport>): BenchReport {
  return {
    date: '2026-12-07T00:00:00.000Z',
    quick: false,
    machine: { ...TEST_MACHINE, loadAverage: [3.5, 2, 1] },
    suites: [
      { suite: 'sink', ...SUITE },
      { suite: 'decoder', ...SUITE },
    ],
    suiteDates: { sink: '2026-12-07T00:10:00.000Z', decoder: '2026-11-26T10:06:00.000Z' },
    skipped: [],
    ...extra,
  };
}

describe('bench report', () => {
  it('bench report — each suite shows the load when it started; a suite kept from an earlier run shows none', () => {
    const md = renderMarkdown(report({ suiteLoads: { sink: [0.42, 0.5, 0.61] } }));
    expect(md).toContain(
      '_Suite `sink`, run 2026-12-07 00:10 UTC; load average at start 0.42 / 0.5 / 0.61._',
    );
    expect(md).toContain('_Suite `decoder`, run 2026-11-26 10:06 UTC._');
    // The run's own start load would be wrong for the suite kept from November.
    expect(md).not.toContain('3.5 / 2 / 1');
  });

  it('bench report — a report written before per-suite loads keeps its one load in the header', () => {
    const md = renderMarkdown(report({}));
    expect(md).toContain('load average at start 3.5 / 2 / 1.');
    expect(md).toContain('_Suite `sink`, run 2026-12-07 00:10 UTC._');
  });
});
