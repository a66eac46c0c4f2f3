import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { LaminarLogger } from '../log.js';
import { JobSpecError, parseJobSpec } from '../plan/job-spec.js';
import { runJob } from './job.js';

/**
 * `laminar-redis job <spec.json>`: runs the job to its end. Relative paths in the spec are
 * resolved against the spec file's directory. Events go to stdout as JSON lines
 * (`attempt`, `checkpoint`, `finished`), logs to `logger` (the CLI's: JSON lines on stderr).
 */
export async function runJobFile(
  file: string,
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  logger?: LaminarLogger,
) {
  const path = resolve(file);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new JobSpecError(path, `cannot read the spec: ${(err as Error).message}`);
  }
  const spec = parseJobSpec(json, dirname(path));
  const started = performance.now();
  const result = await runJob(spec, {
    logger,
    onAttempt: ({ attempt, generation, restored }) =>
      out(
        JSON.stringify({
          event: 'attempt',
          attempt,
          generation,
          restored: restored?.id ?? null,
          pid: process.pid,
        }),
      ),
    onCheckpoint: (cp, { generation, finished }) =>
      out(JSON.stringify({ event: 'checkpoint', id: cp.id, generation, finished })),
  });
  out(
    JSON.stringify({
      event: 'finished',
      generation: result.generation,
      attempts: result.attempts,
      checkpoints: result.checkpoints,
      last: result.last.id,
      ms: Math.round(performance.now() - started),
    }),
  );
}
