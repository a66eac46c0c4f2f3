import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStreamSource, streamChannel } from '../../src/dataflow/sources/redis-stream.js';
import {
  NoStreamsError,
  StreamGroupMissingError,
  StreamTrimmedError,
} from '../../src/dataflow/sources/redis-stream-errors.js';
import { TRIM_CHECK_MS } from '../../src/dataflow/sources/redis-stream-reader.js';
import { replyMap } from '../../src/dataflow/sources/redis-stream-replies.js';
import type { SourcePosition, SourceReader } from '../../src/dataflow/sources/source.js';
import type { RedisStreamOptions } from '../../src/plan/redis-stream-options.js';
import { createClient, type RedisClient } from '../../src/resp/client.js';
import type { Reply } from '../../src/resp/reply.js';
import { type RedisServer, startRedis } from '../support/redis.js';

let server: RedisServer;
let c: RedisClient;
let n = 0;

beforeAll(async () => {
  server = await startRedis();
  c = await createClient(server.url);
});
afterAll(async () => {
  await c?.close();
  await server?.stop();
});

function options(o: Partial<RedisStreamOptions>): RedisStreamOptions {
  return {
    name: 'src',
    profile: { name: 'src', connection: { kind: 'standalone', address: server.url } },
    group: 'g',
    start: '0',
    claimIdleMs: 0,
    pollMs: 5,
    ...o,
  };
}

async function add(stream: string, count: number, from = 0): Promise<string[]> {
  const replies = await c.pipeline(
    Array.from({ length: count }, (_, i) => ['XADD', stream, '*', 'row', JSON.stringify({ seq: from + i })]),
  );
  return replies.map(String);
}

/** Reads until `want` rows came (or the reader stays empty for a while). */
async function readRows(r: SourceReader, want: number): Promise<{ seq: number }[]> {
  const out: { seq: number }[] = [];
  for (let idle = 0; out.length < want && idle < 20; ) {
    const b = await r.read(want - out.length, AbortSignal.timeout(50));
    if (b === null) break;
    if (b.rows.length === 0) idle++;
    out.push(...(b.rows as { seq: number }[]));
  }
  return out;
}

async function pendingCount(stream: string, group = 'g'): Promise<number> {
  const reply = (await c.send(['XPENDING', stream, group])) as Reply[];
  return Number(reply[0]);
}

const fresh = () => `s${++n}`;

describe('redis stream source', () => {
  it('redis stream source — reads each stream as a channel, in order, and acknowledges only what a checkpoint covers', async () => {
    const [a, b] = [fresh(), fresh()];
    await add(a, 30);
    await add(b, 5);
    const readers = await new RedisStreamSource(options({ streams: [a, b] })).open({});
    expect(readers.map((r) => r.channel)).toEqual([streamChannel('src', a), streamChannel('src', b)]);
    const [ra, rb] = readers;
    const first = await readRows(ra, 10);
    expect(first.map((r) => r.seq)).toEqual([...Array(10).keys()]);
    const covered = ra.position();
    const rest = await readRows(ra, 20);
    expect(rest.map((r) => r.seq)).toEqual([...Array(20).keys()].map((i) => i + 10));
    expect((await readRows(rb, 5)).length).toBe(5);
    expect(await pendingCount(a)).toBe(30); // nothing is acknowledged before a checkpoint
    ra.committed!(covered);
    await until(async () => (await pendingCount(a)) === 20);
    ra.committed!(ra.position());
    await until(async () => (await pendingCount(a)) === 0);
    expect(await pendingCount(b)).toBe(5);
    for (const r of readers) await r.close();
  });

  it('redis stream source — a batch carries each entry id as a rising offset of the stream partition', async () => {
    const s = fresh();
    await add(s, 3);
    const [r] = await new RedisStreamSource(options({ streams: [s] })).open({});
    const b = await r.read(10, new AbortController().signal);
    expect(b!.rows.length).toBe(3);
    expect(typeof b!.partition).toBe('string');
    expect(b!.partition as string).toMatch(new RegExp(`^src/${s}#\\d+$`));
    expect(b!.offsets[0]).toBeLessThan(b!.offsets[1]);
    expect(b!.offsets[1]).toBeLessThan(b!.offsets[2]);
    await r.close();
  });

  it('redis stream source — resumed from a position, replays what was read after it and acknowledges what it covers', async () => {
    const s = fresh();
    await add(s, 20);
    const src = new RedisStreamSource(options({ streams: [s] }));
    const [r1] = await src.open({});
    await readRows(r1, 8);
    const saved: SourcePosition = r1.position();
    await readRows(r1, 12); // read, passed on, never covered by a checkpoint: the crash case
    await r1.close();
    await add(s, 5, 20);
    const [r2] = await src.open({ [r1.channel]: saved });
    expect(await pendingCount(s)).toBe(12); // the 8 the checkpoint covered are acknowledged
    const again = await readRows(r2, 17);
    expect(again.map((x) => x.seq)).toEqual([...Array(17).keys()].map((i) => i + 8));
    r2.committed!(r2.position());
    await until(async () => (await pendingCount(s)) === 0);
    await r2.close();
  });

  it("redis stream source — the group starts where 'source.start' says", async () => {
    const s = fresh();
    await add(s, 4);
    const [r] = await new RedisStreamSource(options({ streams: [s], start: '$' })).open({});
    expect(await readRows(r, 4)).toEqual([]); // '$': only entries added from now on
    await add(s, 2, 4);
    expect((await readRows(r, 2)).map((x) => x.seq)).toEqual([4, 5]);
    await r.close();
    const t = fresh();
    const ids = await add(t, 4);
    const [r2] = await new RedisStreamSource(options({ streams: [t], start: ids[1] })).open({});
    expect((await readRows(r2, 4)).map((x) => x.seq)).toEqual([2, 3]);
    await r2.close();
  });

  it('redis stream source — the fields format makes one column per field, typed by the declared columns', async () => {
    const s = fresh();
    await c.send(['XADD', s, '*', 'user', 'ann', 'n', '42', 'ok', 'true']);
    const [r] = await new RedisStreamSource(
      options({
        streams: [s],
        format: 'fields',
        columns: [
          { name: 'user', type: 'TEXT', nullable: true },
          { name: 'n', type: 'BIGINT', nullable: true },
          { name: 'ok', type: 'BOOLEAN', nullable: true },
        ],
      }),
    ).open({});
    const b = await r.read(5, new AbortController().signal);
    expect(b!.rows).toEqual([{ user: 'ann', n: 42, ok: true }]);
    await r.close();
  });

  it('redis stream source — a pattern finds the streams present when the attempt starts', async () => {
    await add('pat:1', 1);
    await add('pat:2', 1);
    await c.send(['SET', 'pat:not-a-stream', 'x']);
    const readers = await new RedisStreamSource(options({ pattern: 'pat:*' })).open({});
    expect(readers.map((r) => r.channel)).toEqual(['src/pat:1', 'src/pat:2']);
    for (const r of readers) await r.close();
    await expect(new RedisStreamSource(options({ pattern: 'none:*' })).open({})).rejects.toBeInstanceOf(
      NoStreamsError,
    );
  });

  it('redis stream source — a group destroyed under the job is an error, and never recreated on resume', async () => {
    const s = fresh();
    await add(s, 3);
    const src = new RedisStreamSource(options({ streams: [s] }));
    const [r] = await src.open({});
    await readRows(r, 3);
    const saved = r.position();
    await c.send(['XGROUP', 'DESTROY', s, 'g']);
    await expect(r.read(5, new AbortController().signal)).rejects.toBeInstanceOf(StreamGroupMissingError);
    await r.close();
    const resumed = src.open({ [r.channel]: saved });
    await expect(resumed).rejects.toBeInstanceOf(StreamGroupMissingError);
    await expect(resumed).rejects.toThrow(/XGROUP CREATE/);
    expect(await c.send(['XINFO', 'GROUPS', s])).toEqual([]);
    await c.send(['DEL', s]);
    await expect(src.open({ [r.channel]: saved })).rejects.toBeInstanceOf(StreamGroupMissingError);
  });

  it('redis stream source — entries trimmed before the group read them stop a resumed job', async () => {
    const s = fresh();
    await add(s, 10);
    const src = new RedisStreamSource(options({ streams: [s] }));
    const [r] = await src.open({});
    await readRows(r, 2);
    const saved = r.position();
    r.committed!(saved);
    await r.close();
    await add(s, 10, 10);
    await c.send(['XTRIM', s, 'MAXLEN', '5']); // 3..14 had not been read
    await expect(src.open({ [r.channel]: saved })).rejects.toBeInstanceOf(StreamTrimmedError);
  });

  it('redis stream source — entries trimmed away while the job lags are found while it runs', async () => {
    const s = fresh();
    await add(s, 10);
    let now = 0;
    const [r] = await new RedisStreamSource(options({ streams: [s] }), { now: () => now }).open({});
    await readRows(r, 2);
    await add(s, 10, 10);
    await c.send(['XTRIM', s, 'MAXLEN', '5']); // entries 2..14 were never read
    now += TRIM_CHECK_MS;
    await expect(r.read(5, new AbortController().signal)).rejects.toBeInstanceOf(StreamTrimmedError);
    await r.close();
  });

  it('redis stream source — entries another consumer left pending too long are claimed, and acknowledged after a checkpoint', async () => {
    const s = fresh();
    await add(s, 6);
    await c.send(['XGROUP', 'CREATE', s, 'g', '0']);
    await c.send(['XREADGROUP', 'GROUP', 'g', 'dead', 'COUNT', 4, 'STREAMS', s, '>']); // then it died
    await new Promise((r) => setTimeout(r, 30));
    const [r] = await new RedisStreamSource(
      options({ streams: [s], claimIdleMs: 20, consumer: 'alive' }),
    ).open({});
    const rows = await readRows(r, 6);
    expect(rows.map((x) => x.seq).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await pendingCount(s)).toBe(6);
    r.committed!(r.position());
    await until(async () => (await pendingCount(s)) === 0);
    // The round ends with the read that finds it empty; the checkpoint after that removes its consumer.
    await r.read(10, AbortSignal.timeout(50));
    r.committed!(r.position());
    const names = async () =>
      ((await c.send(['XINFO', 'CONSUMERS', s, 'g'])) as Reply[]).map((x) => String(replyMap(x).get('name')));
    await until(async () => !(await names()).includes('alive~1'));
    expect(await names()).toContain('alive'); // the claim round's consumer is removed once acknowledged
    await r.close();
  });

  it("redis stream source — own idle entries ahead in the pending list do not hide another consumer's from a claim", async () => {
    const s = fresh();
    await add(s, 10);
    await c.send(['XGROUP', 'CREATE', s, 'g', '0']);
    // The job's own first five wait for a checkpoint; a consumer that died holds the next five.
    await c.send(['XREADGROUP', 'GROUP', 'g', 'alive', 'COUNT', 5, 'STREAMS', s, '>']);
    await c.send(['XREADGROUP', 'GROUP', 'g', 'dead', 'COUNT', 5, 'STREAMS', s, '>']);
    let now = 0; // no claim round until the clock moves
    const [r] = await new RedisStreamSource(
      options({ streams: [s], claimIdleMs: 20, consumer: 'alive', batch: 5 }),
      { now: () => now },
    ).open({});
    expect((await readRows(r, 5)).map((x) => x.seq)).toEqual([0, 1, 2, 3, 4]);
    await new Promise((done) => setTimeout(done, 50)); // all ten are idle now, none acknowledged
    now = 1000;
    expect((await readRows(r, 5)).map((x) => x.seq)).toEqual([5, 6, 7, 8, 9]);
    await r.close();
  });
});

async function until(cond: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
