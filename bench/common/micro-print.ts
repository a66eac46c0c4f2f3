import { pathToFileURL } from 'node:url';
import { VERIFICATION_FAILED } from '../report.js';
import type { BenchRow, SuiteResult } from '../types.js';

/** Prints a micro suite's result: its rows (as `row` shows each), its ratios and its notes. */
export function printMicroResult(result: SuiteResult, row: (r: BenchRow) => Record<string, unknown>): void {
  console.log(`\n${result.title}`);
  console.table(result.rows.map(row));
  console.table(result.ratios.map((r) => ({ ratio: r.label, value: r.value })));
  for (const n of result.notes ?? []) console.log(`note: ${n}`);
}

/**
 * Runs a micro suite when its file is the process's entry (`node dist/bench/micro/x.js`): prints
 * the result, and exits non-zero when a verification failed.
 */
export async function runWhenMain(
  moduleUrl: string,
  run: () => Promise<SuiteResult>,
  row: (r: BenchRow) => Record<string, unknown>,
): Promise<void> {
  if (process.argv[1] === undefined || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  const result = await run();
  printMicroResult(result, row);
  if (result.notes?.some((n) => n.startsWith(VERIFICATION_FAILED))) process.exitCode = 1;
}
