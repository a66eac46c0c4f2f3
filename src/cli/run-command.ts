/**
 * `laminar-redis run FILE.sql`: compiles a pipeline script and runs it in this process to its end
 * (bounded sources) or until SIGINT, reporting progress as bars on a terminal or as JSON lines.
 */

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LaminarError } from '../errors.js';
import { jsonLogger } from './json-logger.js';
import { JsonLines, type LineWriter, ProgressBars, summaryLines } from './reporters.js';
import { compileScript, jobNameOf, scriptDir } from './script.js';
import { makeTempDir, removeTempDir } from './temp-dirs.js';
import { type RunSummary, runTrackedJob } from './tracked-job.js';

export interface RunScriptOptions {
  /**
   * Redis every sink writes to, instead of the `address` in the script; several comma-separated
   * URLs are the seeds of a cluster.
   */
  redis?: string;
  /** Checkpoints here, so a stopped run resumes. Default: a temporary directory, removed after. */
  checkpointDir?: string;
  /** Milliseconds between checkpoints. Default: the job spec's default (1000). */
  checkpointInterval?: number;
  /** Shards per sink table. */
  shards?: number;
  /** Job name. Default: the file name without `.sql`. */
  name?: string;
  /** JSON lines on stdout even on a terminal. */
  json?: boolean;
  /** Where lines for stdout go. Default process.stdout. */
  out?: LineWriter;
  /** Where progress bars are drawn, when it is a terminal. Default process.stderr. */
  progressStream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Stops the run (as SIGINT does in the CLI). */
  signal?: AbortSignal;
}

/** The script file cannot be read. */
export class ScriptFileError extends LaminarError {
  constructor(
    readonly file: string,
    options: { cause: unknown },
  ) {
    super('ERR_SCRIPT_FILE', `cannot read ${file}: ${(options.cause as Error).message}`, options);
  }
}

/** Runs a pipeline script; resolves with its summary (outcome `failed` rather than a rejection). */
export async function runScriptFile(file: string, options: RunScriptOptions = {}): Promise<RunSummary> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const stream = options.progressStream ?? process.stderr;
  const bars = options.json !== true && stream.isTTY === true;
  let sql: string;
  try {
    sql = await readFile(resolve(file), 'utf8');
  } catch (cause) {
    throw new ScriptFileError(file, { cause });
  }
  const name = options.name ?? jobNameOf(file);
  const compiled = await compileScript(sql, {
    name,
    shards: options.shards,
    sinkAddress: redisAddresses(options.redis),
    baseDir: scriptDir(file),
  });
  const temporary = options.checkpointDir === undefined;
  const dir = temporary ? await makeTempDir('laminar-run-') : resolve(options.checkpointDir as string);
  // Log lines would tear the bars apart: only warnings and errors, unless asked for more.
  const logger = jsonLogger(bars ? 'warn' : 'info');

  const json = new JsonLines(out);
  const progress = bars ? new ProgressBars(stream) : undefined;
  if (progress !== undefined) {
    progress.log(
      `${name}: ${compiled.sources.map((s) => s.name).join(', ')} → ${compiled.sinks.map((s) => s.name).join(', ')}`,
    );
    progress.add(name, compiled);
  } else json.compiled(name, compiled);
  let summary: RunSummary;
  try {
    summary = await runTrackedJob({
      spec: {
        ...compiled.spec,
        checkpoint: {
          dir,
          ...(options.checkpointInterval === undefined ? {} : { intervalMs: options.checkpointInterval }),
        },
      },
      sources: compiled.sources,
      sinks: compiled.sinks,
      listener: progress ?? json,
      logger,
      signal: options.signal,
    });
  } finally {
    progress?.stop();
    if (temporary) await removeTempDir(dir);
  }
  if (progress === undefined) json.summary(summary);
  else {
    for (const line of summaryLines(summary, compiled)) out(line);
    if (summary.outcome === 'stopped') {
      out(
        temporary
          ? '  (checkpoints were temporary; run with --checkpoint-dir DIR to be able to resume)'
          : `  resume with: laminar-redis run ${file} --checkpoint-dir ${options.checkpointDir}`,
      );
    }
  }
  return summary;
}

/** `--redis`: one URL, or comma-separated cluster seeds. */
function redisAddresses(redis: string | undefined): string | string[] | undefined {
  if (redis === undefined) return undefined;
  const list = redis
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  return list.length === 1 ? list[0] : list;
}

/**
 * An AbortSignal that the first SIGINT (Ctrl-C) or SIGTERM aborts; a second one exits at once.
 * `dispose()` removes the handlers.
 */
export function stopOnSignals(): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (ac.signal.aborted) process.exit(sig === 'SIGINT' ? 130 : 143);
    process.stderr.write(`\n${sig}: stopping (send it again to exit at once)\n`);
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: ac.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
