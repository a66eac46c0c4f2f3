import { spawn } from 'node:child_process';
import { Console } from 'node:console';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as lib from '../../src/index.js';
import type { LaminarLogger, LogFn } from '../../src/log.js';
import { type EmbeddingResult, embeddingScenario } from '../support/embedding-scenario.js';
import { buildCli } from '../support/job-process.js';
import { type RedisServer, startRedis } from '../support/redis.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const EXPECTED: EmbeddingResult = {
  skipped: 1,
  badRowCode: 'ERR_BAD_ROW',
  acked: 3,
  producerFailure: 'REJECTED',
};

/** Imports the transpiled library and scenario, runs it, and hands the result back over IPC. */
const RUNNER = `
const lib = await import(process.env.Q_LIB);
const { embeddingScenario } = await import(process.env.Q_SCENARIO);
const result = await embeddingScenario(lib, { redisUrl: process.env.Q_REDIS, dataDir: process.env.Q_DIR });
process.send(result, () => process.disconnect());
`;

interface Call {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  msg: string | undefined;
}

/** A logger of four plain methods (no `child`), recording every call. */
function collectingLogger(): { logger: LaminarLogger; calls: Call[] } {
  const calls: Call[] = [];
  const method =
    (level: Call['level']): LogFn =>
    (a: string | object, msg?: string) =>
      calls.push(
        typeof a === 'string'
          ? { level, fields: {}, msg: a }
          : { level, fields: a as Record<string, unknown>, msg },
      );
  return {
    logger: { debug: method('debug'), info: method('info'), warn: method('warn'), error: method('error') },
    calls,
  };
}

describe('logging — a library stays quiet', () => {
  let redis: RedisServer;
  let dir: string;

  beforeAll(async () => {
    redis = await startRedis();
    dir = await mkdtemp(join(tmpdir(), 'laminar-quiet-'));
  });

  afterAll(async () => {
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('logging — embedded without a logger, sinks, bad rows, a runtime and producers print nothing', async () => {
    const cli = await buildCli();
    // The scenario has type imports only: transpiled, it runs next to the build as it is.
    await mkdir(join(ROOT, '.tmp'), { recursive: true });
    const scratch = await mkdtemp(join(ROOT, '.tmp', 'quiet-'));
    const scenario = join(scratch, 'embedding-scenario.js');
    const source = join(ROOT, 'test', 'support', 'embedding-scenario.ts');
    const js = ts.transpileModule(await readFile(source, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: source,
    });
    await writeFile(scenario, js.outputText);
    try {
      const child = spawn(process.execPath, ['--input-type=module', '-e', RUNNER], {
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        env: {
          ...process.env,
          // The CLI's variable: the library must not read it.
          LAMINAR_LOG_LEVEL: 'debug',
          Q_LIB: pathToFileURL(join(dirname(cli), 'index.js')).href,
          Q_SCENARIO: pathToFileURL(scenario).href,
          Q_REDIS: redis.url,
          Q_DIR: join(dir, 'silent'),
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      let result: unknown;
      child.on('message', (m) => {
        result = m;
      });
      const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect(stdout).toBe('');
      expect(result).toEqual(EXPECTED);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it('logging — a given logger without child() receives those events, each with its component', async () => {
    const { logger, calls } = collectingLogger();
    const result = await embeddingScenario(lib, { redisUrl: redis.url, dataDir: join(dir, 'given'), logger });
    expect(result).toEqual(EXPECTED);
    const find = (level: Call['level'], pred: (c: Call) => boolean) =>
      calls.find((c) => c.level === level && pred(c));
    expect(find('warn', (c) => c.msg === 'bad row skipped')?.fields).toMatchObject({
      table: 'q_skip',
      index: 1,
    });
    expect(find('error', (c) => c.fields.code === 'ERR_BAD_ROW')?.fields).toMatchObject({ table: 'q_fail' });
    expect(find('info', (c) => c.msg === 'coordinator started')?.fields).toMatchObject({
      component: 'coordinator',
      auth: false,
    });
    expect(find('info', (c) => c.msg === 'worker registered')?.fields).toMatchObject({
      component: 'orchestrator',
    });
    expect(find('info', (c) => c.msg === 'registered with the coordinator')?.fields).toMatchObject({
      component: 'worker',
    });
    expect(find('error', (c) => c.fields.reason === 'REJECTED')?.fields).toMatchObject({ table: 'nope' });
  });

  it('logging — a console.Console is a logger as it is: a skipped row reaches its stream', async () => {
    let text = '';
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    const logger: LaminarLogger = new Console({ stdout: stream, stderr: stream });
    const sink = await lib.createSink(
      {
        profile: { name: 'p', connector: 'redis', config: { connection: { address: redis.url } } },
        table: {
          name: 'q_console',
          connector: 'redis',
          config: {
            connectorType: { target: { keyPrefix: 'q_console:', keyColumn: 'id' } },
            sink: { onError: 'skip' },
          },
        },
      },
      { logger },
    );
    await sink.write([{ v: 'no id' }]);
    await sink.close();
    expect(text).toContain('bad row skipped');
    expect(text).toContain("table: 'q_console'");
  });
});
