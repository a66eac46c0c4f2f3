#!/usr/bin/env node
import { Command } from 'commander';
import { runDemo } from './demo.js';

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

program.parseAsync(process.argv).catch((err: unknown) => {
  const e = err as Error & { code?: string };
  console.error(`laminar-redis: ${e.code ? `[${e.code}] ` : ''}${e.message}`);
  process.exitCode = 1;
});
