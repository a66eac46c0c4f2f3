/**
 * The main job (`npm start`, `laminar-redis examples`): the three SQL examples of the Laminar Redis
 * connector documentation — sessions (strings with a TTL), leaderboard (a capped list) and
 * inventory (hashes) — and this project's fourth, top-scores (a true top 100 per game in sorted
 * sets), compiled from `examples/*.sql` and run side by side in this process into one Redis, with
 * progress bars, then what landed read back with the project's own client. See docs/examples.md.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '../resp/client.js';
import { errorLine } from './error-line.js';
import { jsonLogger } from './json-logger.js';
import { type Landed, landedLines, readLanded } from './landed.js';
import { chooseRedis, PASSWORD_VARIABLE } from './redis-choice.js';
import { errorText, JsonLines, type LineWriter, ProgressBars, summaryLines } from './reporters.js';
import { type CompiledScript, compileScript } from './script.js';
import { makeTempDir, removeTempDir } from './temp-dirs.js';
import { type RunSummary, runTrackedJob } from './tracked-job.js';

/** The connector documentation's examples, in its order: `examples/<name>.sql`, each verbatim. */
export const DOCUMENTED_EXAMPLES = ['sessions', 'leaderboard', 'inventory'] as const;

/**
 * Every example run, the documented ones first; then top-scores, the leaderboard's source kept as
 * a true top 100 in sorted sets (not in the documentation).
 */
export const EXAMPLES = [...DOCUMENTED_EXAMPLES, 'top-scores'] as const;

export interface ExamplesOptions {
  /** Redis to write to. Default `REDIS_URL`, else redis://127.0.0.1:6379; a private one if none answers. */
  redis?: string;
  /** Directory of the scripts. Default: the package's `examples/`. */
  dir?: string;
  /** JSON lines on stdout even on a terminal. */
  json?: boolean;
  /** Where lines for stdout go. Default process.stdout. */
  out?: LineWriter;
  /** Where progress bars are drawn, when it is a terminal. Default process.stderr. */
  progressStream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Stops the jobs (SIGINT in the CLI). */
  signal?: AbortSignal;
}

/** The package's `examples/` (from `src/cli/` in the sources, `dist/src/cli/` when built). */
export function defaultExamplesDir(): string {
  for (const up of ['../../examples', '../../../examples']) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(join(dir, `${EXAMPLES[0]}.sql`))) return dir;
  }
  return fileURLToPath(new URL('../../examples', import.meta.url));
}

/** Runs the examples; resolves true when all of them finished. */
export async function runExamples(options: ExamplesOptions = {}): Promise<boolean> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const stream = options.progressStream ?? process.stderr;
  const bars = options.json !== true && stream.isTTY === true;
  const json = new JsonLines(out);
  const dir = options.dir ?? defaultExamplesDir();
  const scripts = await Promise.all(
    EXAMPLES.map(async (name) => ({ name, sql: await readFile(join(dir, `${name}.sql`), 'utf8') })),
  );
  const previousPassword = process.env[PASSWORD_VARIABLE];
  const choice = await chooseRedis(options.redis, process.env);
  const checkpointDirs: string[] = [];
  try {
    const compiled: { name: string; c: CompiledScript }[] = [];
    for (const s of scripts) {
      compiled.push({
        name: s.name,
        c: await compileScript(s.sql, { name: s.name, sinkAddress: choice.sinkAddress, baseDir: dir }),
      });
    }
    if (bars) {
      out(`Running the connector documentation's examples and top-scores from ${dir}`);
      for (const n of choice.notes) out(`  ${n}`);
    } else {
      out(
        JSON.stringify({
          event: 'redis',
          address: choice.shown,
          private: choice.server !== undefined,
          notes: choice.notes,
        }),
      );
      for (const { name, c } of compiled) json.compiled(name, c);
    }
    const logger = jsonLogger(bars ? 'warn' : 'info');
    const progress = bars ? new ProgressBars(stream) : undefined;
    for (const { name, c } of compiled) progress?.add(name, c);
    let summaries: RunSummary[];
    try {
      summaries = await Promise.all(
        compiled.map(async ({ c }) => {
          const checkpointDir = await makeTempDir(`laminar-${c.spec.name}-`);
          checkpointDirs.push(checkpointDir);
          return runTrackedJob({
            spec: { ...c.spec, checkpoint: { dir: checkpointDir } },
            sources: c.sources,
            sinks: c.sinks,
            listener: progress ?? json,
            logger,
            signal: options.signal,
          });
        }),
      );
    } finally {
      progress?.stop();
    }
    if (bars) {
      out('');
      compiled.forEach(({ c }, i) => {
        for (const line of summaryLines(summaries[i], c)) out(line);
      });
    } else for (const s of summaries) json.summary(s);

    const client = await createClient(choice.url);
    let landed: Landed[];
    try {
      landed = await readLanded(
        client,
        compiled.flatMap(({ c }) => c.sinks),
      );
    } finally {
      await client.close();
    }
    if (bars) {
      for (const line of ['', `What landed in Redis at ${choice.shown}:`, ...landedLines(landed)]) out(line);
    } else out(JSON.stringify({ event: 'landed', address: choice.shown, tables: landed }));
    for (const s of summaries) {
      if (s.outcome === 'failed') process.stderr.write(`${errorLine(s.error, s.job)}\n`);
    }
    return summaries.every((s) => s.outcome === 'finished');
  } catch (err) {
    if (!bars) out(JSON.stringify({ event: 'error', error: errorText(err) }));
    throw err;
  } finally {
    await Promise.all(checkpointDirs.map((d) => removeTempDir(d)));
    if (choice.server !== undefined) {
      await choice.server.stop();
      if (bars) out(`private redis-server stopped`);
    }
    if (previousPassword === undefined) delete process.env[PASSWORD_VARIABLE];
    else process.env[PASSWORD_VARIABLE] = previousPassword;
  }
}
