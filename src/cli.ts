#!/usr/bin/env node
import * as grpc from '@grpc/grpc-js';
import { Command, InvalidArgumentError } from 'commander';
import { addBenchCommand } from './cli/bench-command.js';
import { runDemo } from './cli/demo.js';
import { errorLine, oneLineUsageErrors, UsageError } from './cli/error-line.js';
import { runExamples } from './cli/examples.js';
import { jsonLogger } from './cli/json-logger.js';
import { addLogLevelOption } from './cli/log-level-option.js';
import { type RunScriptOptions, runScriptFile, stopOnSignals } from './cli/run-command.js';
import type { SchedulerMode } from './cli/runtime.js';
import { serveAll, serveCoordinator, serveWorker } from './cli/serve.js';
import { DEFAULT_DATA_DIR, DEFAULT_GRPC_PORT, DEFAULT_HTTP_PORT } from './coordinator/coordinator.js';
import { runJobFile } from './job/job-file.js';
import { packageVersion } from './version.js';

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('not a non-negative integer');
  return n;
};

/** Where the documentation lives for someone who installed the package. */
const DOCS = 'https://github.com/laminar-redis/laminar-redis/blob/main/docs';

const program = new Command();
program
  .name('laminar-redis')
  .description(
    'Stream rows into Redis and Redis Cluster: strings, lists, hashes, sets, sorted sets, counters, streams and pub/sub.',
  )
  .version(packageVersion(), '-V, --version', 'print the version of laminar-redis')
  .addHelpText('after', '\nDocumentation: https://github.com/laminar-redis/laminar-redis#readme');

program
  .command('examples')
  .description(
    'run the bundled SQL examples (sessions, a leaderboard, an inventory and a top-100 in a sorted set) into Redis and show what landed',
  )
  .option('--redis <url>', 'Redis to write to (default: $REDIS_URL or redis://127.0.0.1:6379)')
  .option('--dir <dir>', 'directory of the example scripts (default: the examples/ of this package)')
  .option('--json', 'JSON lines on stdout instead of progress bars, even on a terminal')
  .action(async (opts: { redis?: string; dir?: string; json?: boolean }) => {
    const { signal, dispose } = stopOnSignals();
    try {
      const ok = await runExamples({ redis: opts.redis, dir: opts.dir, json: opts.json, signal });
      if (!ok) process.exitCode = signal.aborted ? 130 : 1;
    } finally {
      dispose();
    }
  });

program
  .command('run')
  .description(
    `compile a SQL pipeline script (${DOCS}/pipelines.md) and run it in this process to its end, or until ` +
      'Ctrl-C; progress bars on a terminal, JSON lines on stdout otherwise',
  )
  .argument('<file>', 'SQL script: CREATE TABLE sources and sinks, INSERT INTO sink SELECT ... FROM source')
  .option(
    '--redis <url>',
    "Redis every sink writes to, instead of each sink's address (comma-separated: cluster seeds)",
  )
  .option(
    '--checkpoint-dir <dir>',
    'keep checkpoints here, so a stopped run resumes where it was (default: temporary, removed after)',
  )
  .option('--checkpoint-interval <ms>', 'time between checkpoints', int)
  .option('--shards <n>', 'shards (each with its own connection) per sink table', int)
  .option('--name <name>', 'job name (default: the file name without .sql)')
  .option('--json', 'JSON lines on stdout even on a terminal')
  .action(
    async (
      file: string,
      opts: Pick<
        RunScriptOptions,
        'redis' | 'checkpointDir' | 'checkpointInterval' | 'shards' | 'name' | 'json'
      >,
    ) => {
      const { signal, dispose } = stopOnSignals();
      try {
        const summary = await runScriptFile(file, { ...opts, signal });
        process.exitCode = summary.outcome === 'finished' ? 0 : summary.outcome === 'stopped' ? 130 : 1;
        // The summary on stdout holds the reason too, but a script reading stderr must see it.
        if (summary.outcome === 'failed') process.stderr.write(`${errorLine(summary.error)}\n`);
      } finally {
        dispose();
      }
    },
  );

program
  .command('demo')
  .description(
    'the client demo: write sessions, a leaderboard and an inventory through the RESP client and report',
  )
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
  .argument('<spec>', `job spec JSON file (${DOCS}/runtime.md)`)
  .action(async (spec: string) => {
    await runJobFile(spec, undefined, jsonLogger());
  });

/** Flags of the servers (`coordinator` and `start`). */
function serverFlags(cmd: Command): Command {
  return cmd
    .option('--data-dir <dir>', 'metadata and checkpoints', DEFAULT_DATA_DIR)
    .option(
      '--state <url>',
      'where metadata and checkpoints live: a directory (default: the data directory) or a Redis state store, redis://[user:password@]host:port[?store=NAME] (standalone or Cluster; {{ VAR }} in it is read from the environment)',
    )
    .option(
      '--lease-ttl <ms>',
      'Redis state store: time to live of the coordinator lease (a standby takes over this long after the leader stops renewing it)',
      int,
      2_000,
    )
    .option(
      '--allow-dir <dir>',
      'pipelines created through the API may also read JSON-lines files and keep checkpoints here (repeatable; default: the data directory only)',
      (dir: string, dirs: string[] | undefined) => [...(dirs ?? []), dir],
    )
    .option('--grpc-host <host>', 'gRPC bind address (non-loopback needs a token)', '127.0.0.1')
    .option('--grpc-port <port>', 'gRPC port (Control + Coordination)', int, DEFAULT_GRPC_PORT)
    .option('--http-host <host>', 'HTTP/JSON API bind address (non-loopback needs a token)', '127.0.0.1')
    .option('--http-port <port>', 'HTTP/JSON API port', int, DEFAULT_HTTP_PORT)
    .option('--no-http', 'no HTTP/JSON API')
    .option(
      '--advertise <host>',
      'host name or IP others reach this coordinator at, with its ports: standbys send callers there while it leads (default: the listen host; none for 0.0.0.0 or ::)',
    )
    .option(
      '--advertise-grpc <host:port>',
      'advertised gRPC address, when its port is mapped (overrides --advertise)',
    )
    .option(
      '--advertise-http <host:port>',
      'advertised HTTP address, when its port is mapped (overrides --advertise)',
    )
    .option(
      '--token-file <file>',
      'file holding the bearer token required on every call (default: the token in $LAMINAR_API_TOKEN)',
    )
    .option('--token <token>', 'the bearer token itself (visible in ps: prefer --token-file)')
    .option('--tls-cert <file>', 'PEM certificate chain for gRPC TLS')
    .option('--tls-key <file>', 'PEM private key for gRPC TLS')
    .option('--shards <n>', 'shards of a table created without a shard count', int, 4)
    .option('--checkpoint-interval <ms>', 'time between table checkpoints', int, 1000)
    .option(
      '--heartbeat-timeout <ms>',
      'a silent worker is lost after this long and its shards move (a killed one at once)',
      int,
      10_000,
    );
}

serverFlags(
  program
    .command('coordinator')
    .description(
      'run the coordinator: control API (gRPC + HTTP/JSON), scheduler, checkpoints; workers register',
    ),
).action(async (opts) => {
  await serveCoordinator({ ...opts, noHttp: opts.http === false });
});

program
  .command('worker')
  .description(
    'run a worker: registers with the coordinator, hosts table shards and pipelines, takes producer writes',
  )
  .requiredOption(
    '--coordinator <host:port>',
    "the coordinator's gRPC address; with standby coordinators, all of theirs comma-separated, or one name resolving to each (the worker follows the leader a standby names, else tries each address)",
  )
  .option('--host <host>', 'Ingest service bind address (non-loopback needs a token)', '127.0.0.1')
  .option('--port <port>', 'Ingest service port (0: any free)', int, 0)
  .option('--advertise <host:port>', 'address producers are told to use (default: the bound one)')
  .option('--name <name>', 'name in logs and the worker list')
  .option('--token-file <file>', 'file holding the bearer token (default: the token in $LAMINAR_API_TOKEN)')
  .option('--token <token>', 'the bearer token itself (visible in ps: prefer --token-file)')
  .option('--tls-ca <file>', "PEM CA of the coordinator's gRPC TLS certificate")
  .option('--tls-cert <file>', 'PEM certificate chain for the Ingest service (TLS)')
  .option('--tls-key <file>', 'PEM private key for the Ingest service (TLS)')
  .option(
    '--metrics-port <port>',
    'serve GET /metrics (Prometheus, behind the token) and the probes GET /healthz and /readyz (no token) on this port, on --host',
    int,
  )
  .action(async (opts) => {
    await serveWorker(opts);
  });

serverFlags(
  program
    .command('start')
    .description('run a coordinator with its workers in one command (embedded by default)')
    .option('--workers <n>', 'workers to start', int, 1)
    .option(
      '--mode <mode>',
      'embedded | process (spawned worker processes) | external (none started)',
      'embedded',
    ),
).action(async (opts) => {
  const mode = opts.mode as SchedulerMode;
  if (!['embedded', 'process', 'external'].includes(mode)) {
    throw new UsageError(`--mode: unknown mode ${mode} (embedded, process or external)`);
  }
  await serveAll({ ...opts, mode, noHttp: opts.http === false });
});

addBenchCommand(program);

addLogLevelOption(program);

oneLineUsageErrors(program);
// grpc-js prints its own line for a failed bind before the coded error says the same; its
// GRPC_VERBOSITY still turns its logs back on.
if (process.env.GRPC_VERBOSITY === undefined) grpc.setLogVerbosity(grpc.logVerbosity.NONE);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`${errorLine(err)}\n`);
  process.exitCode = 1;
});
