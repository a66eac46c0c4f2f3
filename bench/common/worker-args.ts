/**
 * The command line of a worker: its suite's own options (`--client`, `--port`, …) followed by the
 * load options every suite shares. The parent builds it with `loadArgv`, the child reads it back
 * with `readWorkerOptions` and the checks below.
 */
import { parseArgs } from 'node:util';

/** How much load a worker puts on the server, and how. */
export interface LoadArgs {
  /** Items (commands or rows) in total. */
  count: number;
  /** Items per batch. */
  batch: number;
  /** Batches in flight at once, at most. */
  inflight: number;
  /** No new batch starts after this many ms; the run then reports itself incomplete. */
  deadlineMs: number;
}

const LOAD_OPTIONS = ['count', 'batch', 'inflight', 'deadline-ms'] as const;

/** `--count N --batch B --inflight F --deadline-ms D`, after the suite's own options. */
export function loadArgv(a: LoadArgs): string[] {
  return [
    ...['--count', String(a.count), '--batch', String(a.batch)],
    ...['--inflight', String(a.inflight), '--deadline-ms', String(a.deadlineMs)],
  ];
}

/** This process's `--name value` options: the suite's own and the load options; any other one throws. */
export function readWorkerOptions(own: readonly string[]): Record<string, string | undefined> {
  const names = [...own, ...LOAD_OPTIONS];
  const { values } = parseArgs({
    options: Object.fromEntries(names.map((name) => [name, { type: 'string' as const }])),
  });
  return values as Record<string, string | undefined>;
}

/** The load options out of `readWorkerOptions`. */
export function loadArgsOf(values: Record<string, string | undefined>): LoadArgs {
  return {
    count: positiveInt('count', values.count),
    batch: positiveInt('batch', values.batch),
    inflight: positiveInt('inflight', values.inflight),
    deadlineMs: positiveInt('deadline-ms', values['deadline-ms']),
  };
}

export function positiveInt(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
  return n;
}

export function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw new Error(`unknown --${name} ${value}`);
  return value as T;
}
