/**
 * How a local run reports: a progress bar per sink table on a terminal (cli-progress, on stderr),
 * or one JSON object per line for anything else (on stdout), and a summary at the end.
 */
import { MultiBar } from 'cli-progress';
import { scrubSecrets } from '../log.js';
import type { CompiledScript } from './script.js';
import type { RunListener, RunProgress, RunSummary } from './tracked-job.js';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const COMPACT = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
/** 1.2M, 350K: bars must fit an 80-column terminal; the summary has the exact figures. */
const short = (n: number) => COMPACT.format(Math.round(n));

/** Prints the JSON line of one event. */
export type LineWriter = (line: string) => void;

/** Events as JSON lines: `compiled`, `attempt`, `checkpoint`, `summary`. */
export class JsonLines implements RunListener {
  constructor(private readonly out: LineWriter) {}

  compiled(job: string, c: CompiledScript): void {
    this.#emit({
      event: 'compiled',
      job,
      sources: c.sources.map(({ name, total }) => ({ name, total: total ?? null })),
      sinks: c.sinks.map((s) => ({ ...s, address: scrubSecrets(s.address) })),
    });
  }

  attempt(job: string, info: { attempt: number; generation: number; restored: number | null }): void {
    this.#emit({ event: 'attempt', job, ...info, pid: process.pid });
  }

  checkpoint(p: RunProgress & { id: number; generation: number; finished: boolean }): void {
    const { job, id, generation, finished, ms, read, written } = p;
    this.#emit({ event: 'checkpoint', job, id, generation, finished, ms, read, written });
  }

  summary(s: RunSummary): void {
    const { job, outcome, ms, read, written, averageRate, attempts, generation, checkpoints } = s;
    const rowsPerSec = Object.fromEntries(Object.entries(averageRate).map(([t, r]) => [t, Math.round(r)]));
    this.#emit({
      event: 'summary',
      job,
      outcome,
      ms,
      read,
      written,
      rowsPerSec,
      attempts,
      generation,
      checkpoints,
      ...(s.error === undefined ? {} : { error: errorText(s.error) }),
    });
  }

  #emit(event: Record<string, unknown>): void {
    this.out(JSON.stringify(event));
  }
}

interface BarPayload {
  label: string;
  pct: string;
  read: string;
  written: string;
  rate: string;
}

/**
 * One bar per sink table: how far its sources are read (rows read as of the last checkpoint over
 * the rows they will produce), rows written and the current rate. Redrawn in place on `stream`.
 */
export class ProgressBars implements RunListener {
  readonly #multi: MultiBar;
  readonly #bars = new Map<
    string,
    { bar: ReturnType<MultiBar['create']>; sources: { name: string; total?: number }[]; table: string }
  >();
  #width = 0;

  constructor(stream: NodeJS.WritableStream = process.stderr) {
    this.#multi = new MultiBar({
      stream: stream as NodeJS.WritableStream & { isTTY?: boolean },
      format: ' {label} {bar} {pct} read {read}, written {written}, {rate} rows/s',
      barsize: 16,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      autopadding: false,
      fps: 8,
    });
  }

  /** Adds the bars of a job's sink tables. */
  add(job: string, c: CompiledScript): void {
    for (const s of c.sinks) this.#width = Math.max(this.#width, s.name.length);
    for (const s of c.sinks) {
      const sources = c.sources.filter((x) => s.sources.includes(x.name));
      const total = sources.every((x) => x.total !== undefined)
        ? sources.reduce((a, x) => a + (x.total ?? 0), 0)
        : undefined;
      const bar = this.#multi.create(Math.max(1, total ?? 1), 0, this.#payload(s.name, 0, total, 0, 0));
      this.#bars.set(`${job}\0${s.name}`, { bar, sources, table: s.name });
    }
  }

  /** A line above the bars. */
  log(line: string): void {
    this.#multi.log(`${line}\n`);
  }

  sample(p: RunProgress): void {
    this.#update(p);
  }

  checkpoint(p: RunProgress): void {
    this.#update(p);
  }

  /** Draws the final state and leaves the bars on screen. */
  stop(): void {
    this.#multi.stop();
  }

  #update(p: RunProgress): void {
    for (const [key, b] of this.#bars) {
      if (!key.startsWith(`${p.job}\0`)) continue;
      const read = b.sources.reduce((a, s) => a + (p.read[s.name] ?? 0), 0);
      const known = b.sources.every((s) => s.total !== undefined);
      const total = known ? b.sources.reduce((a, s) => a + (s.total ?? 0), 0) : undefined;
      b.bar.update(
        total === undefined ? 0 : Math.min(read, total),
        this.#payload(b.table, read, total, p.written[b.table] ?? 0, p.rate[b.table] ?? 0),
      );
    }
  }

  #payload(
    table: string,
    read: number,
    total: number | undefined,
    written: number,
    rate: number,
  ): BarPayload {
    return {
      label: table.padEnd(this.#width),
      pct:
        total === undefined
          ? '   ?'
          : `${String(total === 0 ? 100 : Math.floor((Math.min(read, total) / total) * 100)).padStart(3)}%`,
      read: `${short(read)}/${total === undefined ? '?' : short(total)}`,
      written: short(written),
      rate: short(rate),
    };
  }
}

/** A summary for people: how the job ended, rows read per source, rows written per table. */
export function summaryLines(s: RunSummary, c: CompiledScript): string[] {
  const how =
    s.outcome === 'finished' ? 'finished' : s.outcome === 'stopped' ? 'stopped before its end' : 'failed';
  const lines = [
    `${s.job}: ${how} after ${(s.ms / 1000).toFixed(1)} s — ${s.attempts} attempt${s.attempts === 1 ? '' : 's'}, ` +
      `generation ${s.generation}, ${s.checkpoints} checkpoint${s.checkpoints === 1 ? '' : 's'}`,
  ];
  const width = Math.max(...[...c.sources, ...c.sinks].map((x) => x.name.length));
  for (const src of c.sources) {
    const total = src.total === undefined ? '' : ` of ${int(src.total)}`;
    lines.push(
      `  read     ${src.name.padEnd(width)}  ${int(s.read[src.name] ?? 0).padStart(11)} rows${total}`,
    );
  }
  for (const t of c.sinks) {
    lines.push(
      `  written  ${t.name.padEnd(width)}  ${int(s.written[t.name] ?? 0).padStart(11)} rows, ` +
        `${int(s.averageRate[t.name] ?? 0)} rows/s → ${t.type} ${t.prefix}* at ${scrubSecrets(t.address)}`,
    );
  }
  if (s.error !== undefined) lines.push(`  error: ${errorText(s.error)}`);
  return lines;
}

/** `[CODE] message` of an error. */
export function errorText(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return typeof e?.code === 'string' ? `[${e.code}] ${message}` : message;
}
