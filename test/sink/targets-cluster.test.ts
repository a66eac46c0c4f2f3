/**
 * Every new target on a 6-node cluster (3 masters, a replica each) with 2,048 keys spread over the
 * whole slot range, on both delivery paths where the target allows them: sets, sorted sets
 * (increment and greater with a top N), counters, hash counters, streams, hash columns, key
 * templates with a column-made hash tag, TTLs fixed, per row and as timestamps. The checks read
 * each master directly (SCAN, then the key's own commands), so they see where every key landed.
 * Pub/sub publishes with SPUBLISH: a bare RESP2 subscriber on the node owning each channel's slot
 * hears every row.
 */
import net from 'node:net';
import calculateSlot from 'cluster-key-slot';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type RedisClient, type Reply } from '../../src/index.js';
import { validateTable } from '../../src/sink/config/index.js';
import { createSink } from '../../src/sink/create-sink.js';
import type { SinkTable, Target } from '../../src/sink/model.js';
import type { Row } from '../../src/sink/row-encoder.js';
import { asMap, scanKeys } from '../support/read-back.js';
import { type RedisCluster, SLOTS, startCluster } from '../support/redis.js';
import { table } from '../support/sink.js';

const KEYS = 2048;
const silent = pino({ level: 'silent' });
let cluster: RedisCluster;
/** A client per master, for the checks. */
let masters: { port: number; client: RedisClient }[] = [];

beforeAll(async () => {
  cluster = await startCluster({ masters: 3, replicasPerMaster: 1 });
  masters = await Promise.all(
    (await cluster.masters()).map(async (m) => ({
      port: m.port,
      client: await createClient(`redis://${m.address}`),
    })),
  );
});
afterAll(async () => {
  for (const m of masters) await m.client.close();
  await cluster?.stop();
});

/** `TAGS[s]` is a string (no braces) whose hash slot is `s`. */
const TAGS: string[] = (() => {
  const tags = new Array<string>(SLOTS);
  let found = 0;
  for (let j = 0; found < SLOTS; j++) {
    const t = `t${j}`;
    const s = calculateSlot(t);
    if (tags[s] === undefined) {
      tags[s] = t;
      found++;
    }
  }
  return tags;
})();

/** The hash tag of key number `i`: the keys are 8 slots apart, over the whole range. */
const tagOf = (i: number): string => TAGS[(i * (SLOTS / KEYS)) % SLOTS];
/** A key column value putting key `i` in its own slot. */
const idOf = (i: number): string => `{${tagOf(i)}}${i}`;

/** A sink on the cluster for `target` (validated as a front door would). */
async function sinkFor(name: string, target: Target, extra: Partial<SinkTable> = {}) {
  const model = validateTable(
    table(target, {
      name,
      profile: {
        name: 'cluster',
        connection: { kind: 'cluster', addresses: cluster.addresses.map((a) => `redis://${a}`) },
      },
      batchSize: 500,
      ...extra,
    }),
  );
  return createSink({ model }, { logger: silent });
}

/**
 * Writes all rows (with positions, used by exactly-once tables) in chunks, then closes. An
 * exactly-once table then gets its rows again from a new sink, as after a restart from an older
 * checkpoint: every replayed row is a duplicate, and the checks see each row applied once.
 */
async function writeAll(
  name: string,
  target: Target,
  rows: Row[],
  extra: Partial<SinkTable> = {},
): Promise<void> {
  const replays = extra.delivery === 'exactly_once' ? 2 : 1;
  for (let pass = 0; pass < replays; pass++) {
    const sink = await sinkFor(name, target, extra);
    for (let i = 0; i < rows.length; i += 1000) {
      const chunk = rows.slice(i, i + 1000);
      await sink.write(chunk, { partition: 'p0', offsets: chunk.map((_, j) => i + j) });
    }
    await sink.close();
    if (pass > 0) expect(sink.stats.rowsDuplicate).toBe(rows.length);
  }
}

/**
 * Every key matching `pattern` on every master, with the replies of `read(key)`: a key found on
 * two masters, or on a master not owning its slot, fails.
 */
async function readBack(
  pattern: string,
  read: (key: string) => (string | number)[][],
): Promise<Map<string, Reply[]>> {
  const out = new Map<string, Reply[]>();
  const owners = await cluster.masters();
  for (const m of masters) {
    const keys = await scanKeys(m.client, pattern, 1000);
    expect(keys.length, `keys on ${m.port}`).toBeGreaterThan(0);
    const mine = owners.find((o) => o.port === m.port)!;
    for (const k of keys) {
      const slot = calculateSlot(k);
      if (!mine.slots.some(([a, b]) => a <= slot && slot <= b)) expect.fail(`${k} is on ${m.port}`);
      expect(out.has(k), `${k} on two masters`).toBe(false);
    }
    const per = keys.length === 0 ? 0 : read(keys[0]).length;
    const replies = await m.client.pipeline(keys.flatMap(read));
    keys.forEach((k, j) => {
      out.set(k, replies.slice(j * per, (j + 1) * per));
    });
  }
  return out;
}

/** Rows for every key, round after round (consecutive rows go to different keys and slots). */
function rounds<T extends object>(n: number, row: (i: number, round: number) => T | undefined): T[] {
  const rows: T[] = [];
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < KEYS; i++) {
      const x = row(i, r);
      if (x !== undefined) rows.push(x);
    }
  }
  return rows;
}

/** `[member, score]` pairs of a ZRANGE WITHSCORES reply (RESP3 pairs or RESP2 flat). */
function scores(reply: Reply): [string, number][] {
  const r = reply as unknown[];
  if (r.length > 0 && Array.isArray(r[0])) return (r as [string, unknown][]).map(([m, s]) => [m, Number(s)]);
  const out: [string, number][] = [];
  for (let i = 0; i < r.length; i += 2) out.push([String(r[i]), Number(r[i + 1])]);
  return out;
}

const DELIVERIES = ['at_least_once', 'exactly_once'] as const;

describe('every target on a 6-node cluster, keys over all slots', () => {
  for (const delivery of DELIVERIES) {
    const d = delivery === 'exactly_once' ? 'eo' : 'al';

    it(`set — members per key, fixed TTL (${delivery})`, async () => {
      const p = `set:${d}:`;
      const rows = rounds(3, (i, r) => ({ k: idOf(i), m: ['a', 'b', 'a'][r] }));
      await writeAll(
        `set_${d}`,
        { type: 'set', setPrefix: p, setKeyColumn: 'k', memberColumn: 'm', ttlSecs: 600 },
        rows,
        {
          delivery,
        },
      );
      const got = await readBack(`${p}*`, (k) => [
        ['SMEMBERS', k],
        ['TTL', k],
      ]);
      expect(got.size).toBe(KEYS);
      for (let i = 0; i < KEYS; i++) {
        const [members, ttl] = got.get(`${p}${idOf(i)}`) ?? expect.fail(`${p}${idOf(i)} missing`);
        expect([...(members as Iterable<string>)].sort()).toEqual(['a', 'b']);
        expect(Number(ttl)).toBeGreaterThan(500);
      }
    });

    it(`sorted set — increments, top 2 per key (${delivery})`, async () => {
      const p = `zinc:${d}:`;
      // z stays the lowest at every point, so the per-flush cut always drops z alone.
      const rows = rounds(6, (i, r) => ({
        k: idOf(i),
        m: ['x', 'y', 'z'][r % 3],
        s: [5, 3, 1][r % 3] + (i % 3) / 4,
      }));
      await writeAll(
        `zinc_${d}`,
        {
          type: 'sorted_set',
          sortedSetPrefix: p,
          sortedSetKeyColumn: 'k',
          memberColumn: 'm',
          scoreColumn: 's',
          scoreMode: 'increment',
          maxMembers: 2,
        },
        rows,
        { delivery },
      );
      const got = await readBack(`${p}*`, (k) => [['ZRANGE', k, 0, -1, 'WITHSCORES']]);
      expect(got.size).toBe(KEYS);
      for (let i = 0; i < KEYS; i++) {
        const [z] = got.get(`${p}${idOf(i)}`)!;
        const bump = (i % 3) / 4;
        expect(scores(z)).toEqual([
          ['y', 2 * (3 + bump)],
          ['x', 2 * (5 + bump)],
        ]);
      }
    });

    it(`sorted set — greater, top 2, under a template with a column-made hash tag (${delivery})`, async () => {
      const p = `zgt:${d}:`;
      // Per (user, board): x 1 then 7, y 5, z 3 then 2: the greatest are x 7, y 5, z 3.
      const moves: [string, number][] = [
        ['x', 1],
        ['y', 5],
        ['z', 3],
        ['x', 7],
        ['z', 2],
      ];
      const rows = rounds(moves.length * 2, (i, r) => {
        if (i >= KEYS / 2) return undefined;
        const [m, s] = moves[r >> 1];
        return { user: tagOf(i * 2), board: r % 2 === 0 ? 'daily' : 'weekly', m, s };
      });
      await writeAll(
        `zgt_${d}`,
        {
          type: 'sorted_set',
          keyTemplate: `${p}{{{user}}}:{board}`,
          memberColumn: 'm',
          scoreColumn: 's',
          scoreMode: 'greater',
          maxMembers: 2,
          keepMembers: 'highest',
        },
        rows,
        // A GT score mode is an upsert: at least once is its default.
        { delivery },
      );
      const got = await readBack(`${p}*`, (k) => [['ZRANGE', k, 0, -1, 'WITHSCORES']]);
      expect(got.size).toBe(KEYS);
      for (let i = 0; i < KEYS / 2; i++) {
        for (const board of ['daily', 'weekly']) {
          const key = `${p}{${tagOf(i * 2)}}:${board}`;
          expect(calculateSlot(key)).toBe(calculateSlot(tagOf(i * 2)));
          expect(scores(got.get(key)![0])).toEqual([
            ['y', 5],
            ['x', 7],
          ]);
        }
      }
    });

    it(`counter, float counter and hash counter — sums per key, TTL per row (${delivery})`, async () => {
      const p = `cnt:${d}:`;
      const rows = rounds(3, (i, r) => ({
        k: idOf(i),
        f: `f${r % 2}`,
        n: (i % 7) + r,
        x: 0.25 * (r + 1),
        ttl: 300 + r,
      }));
      await writeAll(
        `cnt_${d}`,
        {
          type: 'counter',
          counterPrefix: `${p}i:`,
          counterKeyColumn: 'k',
          incrementColumn: 'n',
          ttlColumn: 'ttl',
        },
        rows,
        { delivery },
      );
      await writeAll(
        `cntf_${d}`,
        {
          type: 'counter',
          counterPrefix: `${p}f:`,
          counterKeyColumn: 'k',
          incrementColumn: 'x',
          counterKind: 'float',
        },
        rows,
        { delivery },
      );
      await writeAll(
        `hcnt_${d}`,
        {
          type: 'hash_counter',
          hashCounterPrefix: `${p}h:`,
          hashCounterKeyColumn: 'k',
          hashCounterFieldColumn: 'f',
          incrementColumn: 'n',
        },
        rows,
        { delivery },
      );
      const ints = await readBack(`${p}i:*`, (k) => [
        ['GET', k],
        ['TTL', k],
      ]);
      const floats = await readBack(`${p}f:*`, (k) => [['GET', k]]);
      const hashes = await readBack(`${p}h:*`, (k) => [['HGETALL', k]]);
      for (let i = 0; i < KEYS; i++) {
        const base = i % 7;
        const [sum, ttl] = ints.get(`${p}i:${idOf(i)}`)!;
        expect(sum).toBe(String(3 * base + 3));
        // The last row's TTL (302 s) is what the key lives for.
        expect(Number(ttl)).toBeGreaterThan(250);
        expect(Number(ttl)).toBeLessThanOrEqual(302);
        expect(Number(floats.get(`${p}f:${idOf(i)}`)![0])).toBeCloseTo(1.5, 12);
        expect(Object.fromEntries(asMap(hashes.get(`${p}h:${idOf(i)}`)![0]))).toEqual({
          f0: String(2 * base + 2),
          f1: String(base + 1),
        });
      }
      expect(ints.size).toBe(KEYS);
      expect(floats.size).toBe(KEYS);
      expect(hashes.size).toBe(KEYS);
    });

    it(`stream — one entry per row, columns layout, exact MAXLEN (${delivery})`, async () => {
      const p = `xs:${d}:`;
      const rows = rounds(3, (i, r) => ({ k: idOf(i), seq: r, note: r === 1 ? null : `n${i}` }));
      await writeAll(
        `xs_${d}`,
        {
          type: 'stream',
          streamPrefix: p,
          streamKeyColumn: 'k',
          streamLayout: 'columns',
          streamMaxLength: 2,
          streamTrim: 'exact',
        },
        rows,
        { delivery },
      );
      const got = await readBack(`${p}*`, (k) => [
        ['XLEN', k],
        ['XRANGE', k, '-', '+'],
      ]);
      expect(got.size).toBe(KEYS);
      for (let i = 0; i < KEYS; i++) {
        const [len, range] = got.get(`${p}${idOf(i)}`)!;
        expect(Number(len)).toBe(2);
        expect((range as [string, string[]][]).map((e) => e[1])).toEqual([
          ['seq', '1'],
          ['seq', '2', 'note', `n${i}`],
        ]);
      }
    });

    it(`hash columns — a field per column, nulls deleted, fixed TTL (${delivery})`, async () => {
      const p = `hc:${d}:`;
      const rows = rounds(2, (i, r) =>
        r === 0 ? { k: idOf(i), a: '1', b: i, c: null } : { k: idOf(i), a: null, b: undefined, c: 'three' },
      );
      await writeAll(
        `hc_${d}`,
        {
          type: 'hash',
          hashKeyPrefix: p,
          hashKeyColumn: 'k',
          hashLayout: 'columns',
          hashNulls: 'delete',
          ttlSecs: 900,
        },
        rows,
        {
          delivery,
          schema: [
            { name: 'k', type: 'TEXT', nullable: false },
            { name: 'a', type: 'TEXT', nullable: true },
            { name: 'b', type: 'BIGINT', nullable: true },
            { name: 'c', type: 'TEXT', nullable: true },
          ],
        },
      );
      const got = await readBack(`${p}*`, (k) => [
        ['HGETALL', k],
        ['TTL', k],
      ]);
      expect(got.size).toBe(KEYS);
      for (let i = 0; i < KEYS; i++) {
        const [h, ttl] = got.get(`${p}${idOf(i)}`)!;
        // 'a' and 'b' were null in the last row: deleted.
        expect(Object.fromEntries(asMap(h))).toEqual({ c: 'three' });
        expect(Number(ttl)).toBeGreaterThan(800);
      }
    });

    it(`key templates — a column-made hash tag keeps a user's keys in one slot; TTL as a timestamp (${delivery})`, async () => {
      const p = `tpl:${d}:`;
      const base = Date.now();
      const rows = rounds(2, (i, r) =>
        i >= KEYS / 2
          ? undefined
          : { user: tagOf(i * 2), item: `i${r}`, until: new Date(base + 3_600_000 + i * 1000) },
      );
      await writeAll(
        `tpl_${d}`,
        {
          type: 'string',
          keyTemplate: `${p}{{{user}}}:{item}:{{x}}`,
          ttlColumn: 'until',
          ttlKind: 'timestamp',
        },
        rows,
        { delivery },
      );
      const got = await readBack(`${p}*`, (k) => [
        ['GET', k],
        ['PEXPIRETIME', k],
      ]);
      expect(got.size).toBe(KEYS);
      for (let i = 0; i < KEYS / 2; i++) {
        const user = tagOf(i * 2);
        for (const item of ['i0', 'i1']) {
          const key = `${p}{${user}}:${item}:{x}`;
          expect(calculateSlot(key)).toBe(calculateSlot(user));
          const [value, expires] = got.get(key) ?? expect.fail(`${key} missing`);
          expect(JSON.parse(value as string)).toMatchObject({ user, item });
          expect(Number(expires)).toBe(base + 3_600_000 + i * 1000);
        }
      }
    });
  }

  it('pub/sub — SPUBLISH on the shard owning each channel: every row is heard at least once', async () => {
    const channels = Array.from({ length: 24 }, (_, c) => `ch:{${TAGS[(c * 683) % SLOTS]}}`);
    // One bare RESP2 connection per master, subscribed (SSUBSCRIBE) to the channels it owns.
    const heard = new Map<number, string>();
    const sockets: net.Socket[] = [];
    const owned = new Map<number, string[]>();
    for (const ch of channels) {
      const owner = (await cluster.ownerOf(ch)).port;
      owned.set(owner, [...(owned.get(owner) ?? []), ch]);
    }
    expect(owned.size).toBe(3);
    for (const [port, mine] of owned) {
      const sock = net.connect(port, '127.0.0.1');
      sockets.push(sock);
      heard.set(port, '');
      sock.on('data', (d) => heard.set(port, heard.get(port)! + d.toString('utf8')));
      for (const ch of mine) sock.write(`*2\r\n$10\r\nSSUBSCRIBE\r\n$${Buffer.byteLength(ch)}\r\n${ch}\r\n`);
      await expect.poll(() => heard.get(port)!.split('ssubscribe').length - 1).toBe(mine.length);
    }
    try {
      const rows = Array.from({ length: 24 * 20 }, (_, i) => ({ k: channels[i % 24].slice(3), v: i }));
      await writeAll(
        'feed',
        { type: 'pubsub', channelPrefix: 'ch:', channelColumn: 'k', messageIdField: '_id' },
        rows,
        {
          schema: [
            { name: 'k', type: 'TEXT', nullable: false },
            { name: 'v', type: 'BIGINT', nullable: false },
          ],
        },
      );
      const wanted = rows.map((r, i) => ({
        port: 0,
        text: `{"_id":"p0:${i}","k":"${r.k}","v":${r.v}}`,
        ch: `ch:${r.k}`,
      }));
      for (const w of wanted) w.port = [...owned].find(([, mine]) => mine.includes(w.ch))![0];
      await expect
        .poll(() => wanted.filter((w) => !heard.get(w.port)!.includes(w.text)).length, { timeout: 10_000 })
        .toBe(0);
      // Heard as shard messages on their own channel.
      for (const [port, text] of heard)
        expect(text.split('smessage').length - 1, `on ${port}`).toBeGreaterThanOrEqual(
          wanted.filter((w) => w.port === port).length,
        );
    } finally {
      for (const s of sockets) s.destroy();
    }
  });

  it('pub/sub refuses exactly_once on the cluster too', async () => {
    await expect(
      sinkFor(
        'feed_eo',
        { type: 'pubsub', channelPrefix: 'ch:', channelColumn: 'k' },
        { delivery: 'exactly_once' },
      ),
    ).rejects.toMatchObject({ code: 'ERR_SINK_CONFIG', option: 'delivery' });
  });
});
