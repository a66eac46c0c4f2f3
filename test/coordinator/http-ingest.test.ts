/**
 * Rows over HTTP into a pipeline's ingest source and into a connection table, against an
 * embedded runtime with a token and a private redis-server.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, startRuntime } from '../../src/cli/runtime.js';
import {
  changelogOf,
  type IngestBodyError,
  ingestTarget,
  parseChangelog,
  parseRows,
} from '../../src/coordinator/http-ingest.js';
import { createClient, type RedisClient } from '../../src/index.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { until } from '../support/until.js';

const TOKEN = 'ingest-test-token';

/** An answer of the API: a result, or `{ error }`. */
interface Answer {
  accepted?: number;
  waited?: string;
  error?: { code: string; reason?: string; message: string };
}

describe('http ingest — bodies', () => {
  it('http ingest — NDJSON and JSON arrays give the same rows, blank lines and CRLF ignored', () => {
    const rows = [{ a: 1 }, { b: 'x', c: [1, 2] }];
    expect(parseRows(Buffer.from('{"a":1}\r\n\n{"b":"x","c":[1,2]}\n'))).toEqual(rows);
    expect(parseRows(Buffer.from(' [{"a":1},{"b":"x","c":[1,2]}]'))).toEqual(rows);
    expect(parseRows(Buffer.from('  \n'))).toEqual([]);
  });

  it('http ingest — any rows written as NDJSON read back the same', () => {
    const row = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 20 }), (rows) => {
        const body = rows.map((r) => JSON.stringify(r)).join('\n');
        expect(parseRows(Buffer.from(body))).toEqual(rows.map((r) => JSON.parse(JSON.stringify(r))));
      }),
    );
  });

  it('http ingest — the first line that is no row object is named, without its content', () => {
    const err = (body: string) => {
      try {
        parseRows(Buffer.from(body));
      } catch (e) {
        return e as IngestBodyError;
      }
      throw new Error('no error');
    };
    expect(err('{"a":1}\n\n{"secret": nope}\n{"c":3}')).toMatchObject({ code: 'ERR_INGEST_BODY', line: 3 });
    expect(err('{"secret": nope}').message).not.toContain('secret');
    expect(err('{"a":1}\n[1]')).toMatchObject({ line: 2 });
    expect(err('[{"a":1}, 7]')).toMatchObject({ line: 2 });
  });

  it('http ingest — a changelog body: Debezium envelopes or an op column give rows, kinds and their lines', () => {
    const debezium = [
      '{"op":"c","after":{"id":"a","v":1}}',
      '',
      '{"op":"u","before":{"id":"a","v":1},"after":{"id":"a","v":2}}',
      '{"payload":{"op":"d","before":{"id":"a"}}}',
    ].join('\n');
    expect(parseChangelog(Buffer.from(debezium), { format: 'debezium' })).toEqual({
      rows: [{ id: 'a', v: 1 }, { id: 'a', v: 1 }, { id: 'a', v: 2 }, { id: 'a' }],
      kinds: [0, 1, 2, 3],
      lines: [1, 3, 3, 4],
    });
    const ops = '[{"id":"a","v":1,"op":"c"},{"id":"a","op":"-D"}]';
    expect(parseChangelog(Buffer.from(ops), { format: 'json', opColumn: 'op' })).toEqual({
      rows: [{ id: 'a', v: 1 }, { id: 'a' }],
      kinds: [0, 3],
      lines: [1, 2],
    });
    const bad = (body: string, opColumn?: string) => {
      try {
        parseChangelog(Buffer.from(body), opColumn ? { format: 'json', opColumn } : { format: 'debezium' });
      } catch (e) {
        return e as IngestBodyError;
      }
      throw new Error('no error');
    };
    expect(bad('{"op":"c","after":{"id":"a"}}\n{"op":"x","after":{"id":"a"}}')).toMatchObject({
      code: 'ERR_INGEST_BODY',
      line: 2,
      message: expect.stringMatching(
        /^line 2: unknown operation "x" in 'op'.*no row of the request was taken$/,
      ),
    });
    expect(bad('{"op":"d","before":null}')).toMatchObject({
      line: 1,
      message: expect.stringContaining('which row'),
    });
    expect(bad('{"op":"u","after":{"id":"a"}}').message).toContain("without a 'before' row");
    expect(bad('[{"id":"a"}]', 'op')).toMatchObject({
      line: 1,
      message: expect.stringContaining("no operation in column 'op'"),
    });
    // The query says which format; nonsense there is a 400 too.
    expect(changelogOf(new URLSearchParams(''))).toBeUndefined();
    expect(changelogOf(new URLSearchParams('format=debezium&updates=upsert'))).toEqual({
      format: 'debezium',
      updates: 'upsert',
    });
    expect(changelogOf(new URLSearchParams('op_column=__op'))).toEqual({ format: 'json', opColumn: '__op' });
    expect(changelogOf(new URLSearchParams('format=json'))).toBeUndefined(); // plain rows, as a jsonl source
    for (const q of ['format=avro', 'format=debezium&op_column=op', 'op_column=', 'updates=upsert']) {
      expect(() => changelogOf(new URLSearchParams(q)), q).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
      );
    }
  });

  it('http ingest — routes name a pipeline source or a table', () => {
    expect(ingestTarget('/v1/pipelines/p1/sources/s%2Dx')).toEqual({
      kind: 'source',
      pipeline: 'p1',
      source: 's-x',
    });
    expect(ingestTarget('/v1/connection_tables/t/rows')).toEqual({ kind: 'table', table: 't' });
    expect(ingestTarget('/v1/pipelines/p1/sources')).toBeUndefined();
    expect(ingestTarget('/v1/pipelines/p%2F1/sources/s')).toBeUndefined();
  });
});

describe('http ingest — runtime', () => {
  let redis: RedisServer;
  let client: RedisClient;
  let dir: string;
  let rt: Runtime;

  beforeAll(async () => {
    redis = await startRedis();
    client = await createClient(redis.url);
    dir = await mkdtemp(join(tmpdir(), 'laminar-http-ingest-'));
    rt = await startRuntime({ dataDir: dir, workers: 1, token: TOKEN, checkpointIntervalMs: 100 });
    const plane = rt.coordinator.plane;
    await plane.createPipeline({
      name: 'pipe',
      sql: `CREATE TABLE events (id TEXT, v BIGINT) WITH (connector = 'ingest', type = 'source');
            CREATE TABLE latest (id TEXT, v BIGINT) WITH (
              connector = 'redis', type = 'sink', address = '${redis.url}',
              'sink.type' = 'string', 'sink.key_prefix' = 'ev:', 'sink.key_column' = 'id');
            INSERT INTO latest SELECT id, v FROM events;`,
    });
    await until(
      'running',
      () => plane.getPipeline('pipe'),
      (p) => p.state === 'running',
      60_000,
    );
    await plane.createProfile({
      name: 'p',
      connector: 'redis',
      config: { connection: { address: redis.url } },
    });
    await plane.createTable({
      name: 'users',
      connector: 'redis',
      connectionProfileId: 'p',
      config: { connectorType: { target: { keyPrefix: 'user:', keyColumn: 'id' } } },
      shards: 2,
    });
  }, 120_000);

  afterAll(async () => {
    await rt?.stop();
    await client?.close();
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function post(
    path: string,
    body: string,
    headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` },
  ): Promise<{ status: number; json: Answer }> {
    const res = await fetch(`http://${rt.httpAddress}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-ndjson', ...headers },
    });
    return { status: res.status, json: (await res.json()) as Answer };
  }

  const keys = async (pattern: string) => ((await client.send(['KEYS', pattern])) as string[]).length;

  it('http ingest — a 100k-row NDJSON post lands whole once a checkpoint covers it', async () => {
    const n = 100_000;
    const body = Array.from({ length: n }, (_, i) => JSON.stringify({ id: `k${i}`, v: i })).join('\n');
    const r = await post('/v1/pipelines/pipe/sources/events?wait=checkpoint', body);
    expect(r).toEqual({ status: 200, json: { accepted: n, waited: 'checkpoint' } });
    // wait=checkpoint answered after a checkpoint covered the rows: they are all in Redis now.
    expect(await keys('ev:k*')).toBe(n);
    expect(JSON.parse(String(await client.send(['GET', 'ev:k99999'])))).toEqual({ id: 'k99999', v: 99999 });
  }, 120_000);

  it('http ingest — a body with one bad line lands nothing and names the line', async () => {
    const body = ['{"id":"bad1","v":1}', '{"id":"bad2","v":2}', '{"id": oops}', '{"id":"bad4","v":4}'].join(
      '\n',
    );
    const r = await post('/v1/pipelines/pipe/sources/events', body);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', reason: 'ERR_INGEST_BODY' });
    expect(r.json.error?.message).toContain('line 3');
    // A later request's checkpoint would carry anything taken before: none of these rows is there.
    const ok = await post('/v1/pipelines/pipe/sources/events?wait=checkpoint', '{"id":"after","v":0}');
    expect(ok.status).toBe(200);
    expect(await client.send(['GET', 'ev:after'])).not.toBeNull();
    expect(await keys('ev:bad*')).toBe(0);
  });

  it('http ingest — a JSON array into a connection table, waiting for the acknowledgement', async () => {
    const rows = [
      { id: 'u1', name: 'Ada' },
      { id: 'u2', name: 'Bo' },
    ];
    const r = await post('/v1/connection_tables/users/rows?wait=ack', JSON.stringify(rows));
    expect(r).toEqual({ status: 200, json: { accepted: 2, waited: 'ack' } });
    expect(JSON.parse(String(await client.send(['GET', 'user:u2'])))).toEqual({ id: 'u2', name: 'Bo' });
  });

  it('http ingest — deletes and updates into an upsert table, by op column and by Debezium envelope', async () => {
    await rt.coordinator.plane.createTable({
      name: 'accounts',
      connector: 'redis',
      connectionProfileId: 'p',
      config: {
        connectorType: { target: { keyPrefix: 'acct:', keyColumn: 'id' } },
        sink: { mode: 'upsert' },
      },
      shards: 2,
    });
    const get = async (id: string) => {
      const v = await client.send(['GET', `acct:${id}`]);
      return v === null ? null : (JSON.parse(String(v)) as { v: number }).v;
    };
    const ops = ['a1', 'a2', 'a3'].map((id, i) => JSON.stringify({ id, v: i, __op: 'c' }));
    ops.push('{"id":"a2","__op":"d"}', '{"id":"a3","v":30,"__op":"u"}');
    const r = await post('/v1/connection_tables/accounts/rows?op_column=__op&wait=ack', ops.join('\n'));
    expect(r).toEqual({ status: 200, json: { accepted: 5, waited: 'ack' } });
    expect([await get('a1'), await get('a2'), await get('a3')]).toEqual([0, null, 30]);

    const envelopes = [
      '{"op":"d","before":{"id":"a1","v":0}}',
      '{"op":"u","before":{"id":"a3","v":30},"after":{"id":"a3","v":31}}',
      '{"key":{"id":"a4"},"value":{"op":"r","after":{"id":"a4","v":4}}}',
    ];
    const d = await post(
      '/v1/connection_tables/accounts/rows?format=debezium&wait=ack',
      envelopes.join('\n'),
    );
    expect(d).toEqual({ status: 200, json: { accepted: 4, waited: 'ack' } });
    expect([await get('a1'), await get('a3'), await get('a4')]).toEqual([null, 31, 4]);

    // An unknown op on line 2: nothing of the request is applied, the delete on line 1 included.
    const bad = await post(
      '/v1/connection_tables/accounts/rows?format=debezium&wait=ack',
      '{"op":"d","before":{"id":"a4"}}\n{"op":"z","after":{"id":"a5"}}',
    );
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', reason: 'ERR_INGEST_BODY' });
    expect(bad.json.error?.message).toMatch(/^line 2: unknown operation "z"/);
    await post('/v1/connection_tables/accounts/rows?wait=ack', '{"id":"a6","v":6}');
    expect(await get('a4')).toBe(4);
  });

  it('http ingest — a delete into an append table is refused with its line and the reason, nothing taken', async () => {
    const body = '{"id":"x1","name":"X","op":"c"}\n{"id":"u1","op":"d"}';
    const r = await post('/v1/connection_tables/users/rows?op_column=op&wait=ack', body);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', reason: 'ERR_INGEST_BODY' });
    expect(r.json.error?.message).toMatch(
      /^line 2: a delete \(-D\) cannot be applied: table 'users' is an 'append' table.*'sink\.mode' = 'upsert'.*no row of the request was taken$/,
    );
    // The table's producer is not failed, and the insert on line 1 was not taken.
    const ok = await post('/v1/connection_tables/users/rows?op_column=op&wait=ack', '{"id":"x2","op":"c"}');
    expect(ok.status).toBe(200);
    expect(await client.send(['EXISTS', 'user:x1'])).toBe(0);
    expect(await client.send(['EXISTS', 'user:x2'])).toBe(1);
  });

  it('http ingest — without the token: 401, nothing taken', async () => {
    const r = await post('/v1/pipelines/pipe/sources/events?wait=checkpoint', '{"id":"anon","v":1}', {});
    expect(r.status).toBe(401);
    expect(r.json.error?.code).toBe('ERR_UNAUTHENTICATED');
    const wrong = await post('/v1/connection_tables/users/rows', '{"id":"anon"}', {
      authorization: 'Bearer nope',
    });
    expect(wrong.status).toBe(401);
    await post('/v1/pipelines/pipe/sources/events?wait=checkpoint', '{"id":"later","v":1}');
    expect(await client.send(['GET', 'ev:anon'])).toBeNull();
  });

  it('http ingest — a body over the bound: 413 before it is read', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: rt.httpAddress!.split(':')[0],
          port: Number(rt.httpAddress!.split(':')[1]),
          method: 'POST',
          path: '/v1/pipelines/pipe/sources/events',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-length': String(65 * 1024 * 1024) },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write('{"id":"big","v":1}\n');
    });
    expect(status).toBe(413);
  });

  it('http ingest — an unknown source or table is a 404, a bad wait a 400', async () => {
    expect((await post('/v1/pipelines/pipe/sources/nope', '{"id":"x"}')).status).toBe(404);
    expect((await post('/v1/connection_tables/nope/rows', '{"id":"x"}')).status).toBe(404);
    expect((await post('/v1/connection_tables/users/rows?wait=forever', '{"id":"x"}')).status).toBe(400);
  });
});
