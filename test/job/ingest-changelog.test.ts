/**
 * Row kinds pushed into an in-process ingest source: updates and deletes reach Redis through a
 * filtering query into an upsert table and through GROUP BY with HAVING; kinds that do not match
 * the rows are refused at the push.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type RedisClient } from '../../src/index.js';
import { startJob } from '../../src/job/job.js';
import type { JobSpec } from '../../src/plan/job-spec.js';
import { ROW_DELETE, ROW_UPDATE_AFTER, ROW_UPDATE_BEFORE } from '../../src/sink/changelog.js';
import { compileSqlScript } from '../../src/sql/compile-script.js';
import { scanKeys } from '../support/read-back.js';
import { type RedisServer, startRedis } from '../support/redis.js';

const SQL = `
CREATE TABLE accounts (id TEXT, team TEXT, balance BIGINT) WITH (connector = 'ingest');
CREATE TABLE balances (id TEXT, balance BIGINT) WITH (
  connector = 'redis', type = 'sink', address = 'redis://h:1',
  'sink.type' = 'string', 'sink.key_prefix' = 'acct:', 'sink.key_column' = 'id', 'sink.mode' = 'upsert');
CREATE TABLE rich (team TEXT, total BIGINT) WITH (
  connector = 'redis', type = 'sink', address = 'redis://h:1',
  'sink.type' = 'string', 'sink.key_prefix' = 'rich:', 'sink.key_column' = 'team', 'sink.mode' = 'upsert');
INSERT INTO balances SELECT id, balance FROM accounts WHERE balance >= 0;
INSERT INTO rich SELECT team, SUM(balance) AS total FROM accounts GROUP BY team HAVING SUM(balance) > 100;
`;

let server: RedisServer;
let client: RedisClient;
let dir: string;

beforeAll(async () => {
  server = await startRedis();
  client = await createClient(server.url);
  dir = await mkdtemp(join(tmpdir(), 'laminar-ingest-changelog-'));
});

afterAll(async () => {
  await client?.close();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('changelog — kinds pushed into an ingest source', () => {
  it('updates and deletes reach Redis through WHERE and through GROUP BY ... HAVING', async () => {
    const script = await compileSqlScript(SQL, { name: 'accounts', redisAddress: server.url, shards: 2 });
    const spec: JobSpec = { ...script, checkpoint: { dir: join(dir, 'cp'), intervalMs: 50 } };
    const job = startJob(spec, { logger: pino({ level: 'silent' }) });
    const ingest = job.ingest('accounts');
    for (let attempt = 0; ; attempt++) {
      try {
        await ingest.push('probe', 0, []);
        break;
      } catch (e) {
        if (attempt > 100) throw e;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    const ann = { id: 'ann', team: 'red', balance: 80 };
    const bob = { id: 'bob', team: 'red', balance: 50 };
    const cat = { id: 'cat', team: 'blue', balance: 200 };
    await ingest.push('p', 1, [ann, bob, cat]); // all inserts: red 130 and blue 200 are rich
    // Both teams are in Redis before the changes, so that leaving is a delete there.
    const written = async () =>
      (await scanKeys(client, 'rich:*', 100)).length + (await scanKeys(client, 'acct:*', 100)).length;
    while ((await written()) < 5) await new Promise((r) => setTimeout(r, 20));
    expect(JSON.parse((await client.send(['GET', 'rich:red'])) as string)).toEqual({
      team: 'red',
      total: 130,
    });
    await expect(ingest.push('p', 2, [ann], Uint8Array.from([ROW_DELETE, ROW_DELETE]))).rejects.toThrow(
      /kinds must have one entry per row: 2 kinds for 1 rows/,
    );
    await expect(ingest.push('p', 2, [ann], Uint8Array.from([7]))).rejects.toThrow(
      /kind 7 of row 0 is none of/,
    );
    // bob goes negative (leaves balances; red falls to 30 and leaves rich), cat is deleted.
    const bobAfter = { ...bob, balance: -50 };
    await ingest.push(
      'p',
      2,
      [bob, bobAfter, cat],
      Uint8Array.from([ROW_UPDATE_BEFORE, ROW_UPDATE_AFTER, ROW_DELETE]),
    );
    ingest.end();
    await job.done;

    expect((await scanKeys(client, 'acct:*', 100)).sort()).toEqual(['acct:ann']);
    expect(JSON.parse((await client.send(['GET', 'acct:ann'])) as string)).toEqual({
      id: 'ann',
      balance: 80,
    });
    expect(await scanKeys(client, 'rich:*', 100)).toEqual([]);
  });
});
