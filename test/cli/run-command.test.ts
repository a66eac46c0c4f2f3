import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultExamplesDir } from '../../src/cli/examples.js';
import { runScriptFile } from '../../src/cli/run-command.js';
import { useRedis } from '../support/fixtures.js';
import { buildCli } from '../support/job-process.js';

const redis = useRedis();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laminar-run-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await redis.client.send(['FLUSHALL']);
});

/** A generator feeding a string table and a capped list, at a Redis no test may reach. */
function script(o: { rows: number; partitions?: number; rate?: number }): string {
  return `
-- two sinks fed by one generated source
CREATE TABLE events WITH (
    connector = 'generator', partitions = '${o.partitions ?? 2}', rows_per_partition = '${o.rows}',
    keys = '300', groups = '6'${o.rate === undefined ? '' : `, rate = '${o.rate}'`}
);
CREATE TABLE latest (k TEXT, v BIGINT) WITH (
    connector = 'redis', type = 'sink', address = 'redis://unreachable.invalid:6379',
    'sink.type' = 'string', 'sink.key_prefix' = 'latest:', 'sink.key_column' = 'k', 'sink.ttl_secs' = '600'
);
CREATE TABLE by_group (g TEXT, v BIGINT) WITH (
    connector = 'redis', type = 'sink', address = 'redis://unreachable.invalid:6379',
    'sink.type' = 'list', 'sink.list_prefix' = 'group:', 'sink.list_key_column' = 'g',
    'sink.operation' = 'Append', 'sink.max_length' = '50'
);`;
}

async function scriptFile(name: string, sql: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, sql);
  return file;
}

type Event = { event: string } & Record<string, unknown>;

/** `laminar-redis run ...` as a child process, its stdout parsed as JSON lines. */
async function spawnRun(args: string[]) {
  const cli = await buildCli();
  const child: ChildProcess = spawn(process.execPath, [cli, 'run', ...args], {
    env: { ...process.env, LAMINAR_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: Event[] = [];
  const text: string[] = [];
  let out = '';
  let err = '';
  const waiters: { pred: (e: Event) => boolean; resolve: () => void }[] = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    const lines = out.split('\n');
    out = lines.pop() ?? '';
    for (const line of lines) {
      let e: Event;
      try {
        e = JSON.parse(line) as Event;
      } catch {
        text.push(line);
        continue;
      }
      events.push(e);
      for (const w of waiters.filter((x) => x.pred(e))) w.resolve();
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    events,
    /** stdout lines that are not JSON. */
    text,
    stderr: () => err,
    exited,
    waitFor: (pred: (e: Event) => boolean) =>
      new Promise<void>((resolve) => {
        if (events.some(pred)) resolve();
        else waiters.push({ pred, resolve });
      }),
  };
}

describe('laminar-redis run', () => {
  it('run — a bounded script runs to its end: JSON events, a summary, the rows in Redis', async () => {
    const file = await scriptFile('bounded.sql', script({ rows: 3000 }));
    const lines: string[] = [];
    const summary = await runScriptFile(file, {
      redis: redis.server.url,
      out: (l) => lines.push(l),
      progressStream: new PassThrough(),
    });
    expect(summary).toMatchObject({
      job: 'bounded',
      outcome: 'finished',
      read: { events: 6000 },
      written: { latest: 6000, by_group: 6000 },
      attempts: 1,
    });
    const events = lines.map((l) => JSON.parse(l) as Event);
    expect(events.map((e) => e.event)).toEqual([
      'compiled',
      'attempt',
      ...events.slice(2, -1).map(() => 'checkpoint'),
      'summary',
    ]);
    expect(events[0]).toMatchObject({
      sources: [{ name: 'events', total: 6000 }],
      sinks: [
        { name: 'latest', type: 'string', prefix: 'latest:', address: redis.server.url },
        { name: 'by_group', type: 'list', prefix: 'group:' },
      ],
    });
    expect(events.at(-2)).toMatchObject({ event: 'checkpoint', finished: true, read: { events: 6000 } });
    expect(events.at(-1)).toMatchObject({ event: 'summary', outcome: 'finished', written: { latest: 6000 } });
    // 300 keys per partition; 6 groups, each list capped at 50.
    // Lists are exactly-once by default: their fences (one hash per table on standalone Redis) land too.
    const keys = (await redis.client.send(['KEYS', '*'])) as string[];
    const count = (prefix: string) => keys.filter((k) => k.startsWith(prefix)).length;
    expect([count('latest:'), count('group:'), count('laminar:fence:')]).toEqual([600, 6, 1]);
    expect(await redis.client.send(['TTL', 'latest:0-0'])).toBeGreaterThan(590);
    expect(await redis.client.send(['LLEN', 'group:g0'])).toBe(50);
  });

  it('run — INSERT INTO ... SELECT: the inventory example aggregates into one hash per warehouse', async () => {
    const lines: string[] = [];
    const summary = await runScriptFile(join(defaultExamplesDir(), 'inventory.sql'), {
      redis: redis.server.url,
      out: (l) => lines.push(l),
      progressStream: new PassThrough(),
    });
    expect(summary).toMatchObject({
      job: 'inventory',
      outcome: 'finished',
      read: { inventory_events: 200_000 },
    });
    expect(JSON.parse(lines[0])).toMatchObject({
      event: 'compiled',
      sinks: [{ name: 'inventory_updates', type: 'hash', prefix: 'stock:', sources: ['inventory_events'] }],
    });
    const warehouses = ['AMS', 'BER', 'LIS', 'NYC', 'SFO', 'TYO'];
    for (const w of warehouses) expect(await redis.client.send(['HLEN', `stock:${w}`])).toBe(500);
    const field = JSON.parse(String(await redis.client.send(['HGET', 'stock:LIS', 'product_sku-7'])));
    expect(field).toMatchObject({ sku: 'product_sku-7', warehouse: 'LIS', quantity: expect.any(Number) });
    expect(await redis.client.send(['DBSIZE'])).toBe(warehouses.length);
  });

  it('run — on a terminal: progress bars on stderr, a summary for people on stdout', async () => {
    const file = await scriptFile('bars.sql', script({ rows: 2000 }));
    const tty = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
    let drawn = '';
    tty.setEncoding('utf8').on('data', (c: string) => (drawn += c));
    const lines: string[] = [];
    await runScriptFile(file, { redis: redis.server.url, out: (l) => lines.push(l), progressStream: tty });
    expect(drawn).toMatch(/latest\s+█+ 100% read 4K\/4K, written 4K/);
    expect(drawn).toMatch(/by_group █+ 100%/);
    expect(lines[0]).toMatch(/^bars: finished after [\d.]+ s — 1 attempt, generation 1, \d+ checkpoints?$/);
    expect(lines.join('\n')).toMatch(/read {5}events\s+4,000 rows of 4,000/);
    expect(lines.join('\n')).toMatch(
      /written {2}latest\s+4,000 rows, [\d,]+ rows\/s → string latest:\* at redis:/,
    );
    // --json wins over a terminal.
    const json: string[] = [];
    await runScriptFile(file, {
      redis: redis.server.url,
      out: (l) => json.push(l),
      progressStream: tty,
      json: true,
    });
    expect(JSON.parse(json.at(-1)!)).toMatchObject({ event: 'summary', outcome: 'finished' });
  });

  it('run — SIGINT stops the job; a rerun with the same --checkpoint-dir resumes from its checkpoint', async () => {
    const checkpoints = join(dir, 'resume-checkpoints');
    const slow = await scriptFile('resume.sql', script({ rows: 1_000_000, partitions: 1, rate: 5000 }));
    const first = await spawnRun([
      slow,
      '--redis',
      redis.server.url,
      '--checkpoint-dir',
      checkpoints,
      '--checkpoint-interval',
      '200',
    ]);
    await first.waitFor((e) => e.event === 'checkpoint' && (e.read as { events: number }).events > 0);
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(130);
    const stopped = first.events.at(-1)!;
    expect(stopped).toMatchObject({ event: 'summary', outcome: 'stopped' });
    const readBefore = (stopped.read as { events: number }).events;
    expect(readBefore).toBeGreaterThan(0);
    expect(readBefore).toBeLessThan(1_000_000);

    // Same source, now bounded just past where the first run stopped and unpaced.
    const rest = await scriptFile('resume-rest.sql', script({ rows: readBefore + 1000, partitions: 1 }));
    const second = await spawnRun([
      rest,
      '--name',
      'resume',
      '--redis',
      redis.server.url,
      '--checkpoint-dir',
      checkpoints,
    ]);
    expect(await second.exited).toBe(0);
    const attempt = second.events.find((e) => e.event === 'attempt')!;
    expect(attempt.restored).toEqual(expect.any(Number));
    expect(attempt.generation).toBeGreaterThan(1);
    expect(second.events.at(-1)).toMatchObject({
      event: 'summary',
      outcome: 'finished',
      read: { events: readBefore + 1000 },
    });
    // Only the rows after the checkpoint were written again.
    expect((second.events.at(-1)!.written as { latest: number }).latest).toBeLessThanOrEqual(
      readBefore + 1000,
    );
  });

  it('run — errors: a script error names its line, a missing file its path; exit code 1', async () => {
    const bad = await scriptFile('bad.sql', script({ rows: 10 }).replace("keys = '300'", "keyz = '300'"));
    const r = await spawnRun([bad, '--redis', redis.server.url]);
    expect(await r.exited).toBe(1);
    expect(r.stderr()).toMatch(
      /table 'events': option 'keyz' is not a known option \(did you mean 'keys'\?\) \(line 5/,
    );
    const missing = await spawnRun([join(dir, 'nope.sql')]);
    expect(await missing.exited).toBe(1);
    expect(missing.stderr()).toMatch(/\[ERR_SCRIPT_FILE\] cannot read .*nope\.sql/);
  });

  it('run — --help lists the options', async () => {
    const r = await spawnRun(['--help']);
    expect(await r.exited).toBe(0);
    const help = r.text.join('\n');
    expect(help).toMatch(/^Usage: laminar-redis run \[options\] <file>/);
    for (const flag of [
      '--redis <url>',
      '--checkpoint-dir <dir>',
      '--checkpoint-interval <ms>',
      '--shards <n>',
      '--name <name>',
      '--json',
    ]) {
      expect(help).toContain(flag);
    }
  });
});
