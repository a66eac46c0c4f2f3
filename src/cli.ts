#!/usr/bin/env node
import { Command } from 'commander';
import { runDemo } from './demo.js';
import { runJobFile } from './runtime/job-file.js';

const program = new Command();
program
  .name('laminar-redis')
  .description('Stream rows into Redis and Redis Cluster as strings, lists and hashes.')
  .showHelpAfterError();

program
  .command('demo')
  .description('write sessions, a leaderboard and an inventory through the client and report (the main job)')
  .option('--url <url>', 'Redis URL (default: $REDIS_URL or redis://127.0.0.1:6379)')
  .option('--rows <n>', 'rows per data structure', (v) => Number.parseInt(v, 10), 100_000)
  .action(async (opts: { url?: string; rows: number }) => {
    await runDemo({ url: opts.url, rows: opts.rows });
  });

program
  .command('job')
  .description(
    'run a job spec (sources, tables, checkpoints) to its end, resuming from its last checkpoint; ' +
      'prints one JSON line per event on stdout',
  )
  .argument('<spec>', 'job spec JSON file (see docs/runtime.md)')
  .action(async (spec: string) => {
    await runJobFile(spec);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  const e = err as Error & { code?: string };
  console.error(`laminar-redis: ${e.code ? `[${e.code}] ` : ''}${e.message}`);
  process.exitCode = 1;
});
