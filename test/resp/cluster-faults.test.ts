/**
 * Cluster faults under load: slots resharded while a writer pipelines, and a master SIGKILLed while
 * a writer keeps going. What Redis holds afterwards is read with plain standalone connections to
 * each master (no cluster routing), so a routing bug cannot hide itself on the way back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConnectionError,
  createClient,
  createCluster,
  keySlot,
  type RedisClient,
  type RedisCluster,
  type Reply,
} from '../../src/index.js';
import type { Command } from '../../src/resp/reply.js';
import {
  type ClusterNodeInfo,
  cli,
  startCluster,
  type RedisCluster as TestCluster,
} from '../support/redis.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!().catch(() => {});
});

async function cluster(opts: Parameters<typeof startCluster>[0]): Promise<TestCluster> {
  const c = await startCluster(opts);
  cleanup.push(() => c.stop());
  return c;
}

async function clusterClient(c: TestCluster, opts: { failoverTimeout?: number } = {}): Promise<RedisCluster> {
  const cl = await createCluster({ addresses: [`redis://${c.addresses[0]}`], refreshInterval: 0, ...opts });
  cleanup.push(() => cl.close());
  return cl;
}

/** Standalone connections to the masters, and which of them serves a key. */
async function openMasters(c: TestCluster) {
  const masters = await c.masters();
  const clients = new Map<string, RedisClient>();
  for (const m of masters) {
    const client = await createClient({ host: m.host, port: m.port });
    cleanup.push(() => client.close());
    clients.set(m.id, client);
  }
  const ownerOf = (key: string) => {
    const slot = keySlot(key);
    return masters.find((m) => m.slots.some(([a, b]) => a <= slot && slot <= b))!;
  };
  /** Runs `command(key)` for every key on the master serving it; replies in key order. */
  const read = async (keys: string[], command: (key: string) => Command): Promise<Reply[]> => {
    const byOwner = new Map<string, number[]>();
    keys.forEach((k, i) => {
      const id = ownerOf(k).id;
      byOwner.set(id, [...(byOwner.get(id) ?? []), i]);
    });
    const out: Reply[] = new Array(keys.length);
    await Promise.all(
      [...byOwner].map(async ([id, idx]) => {
        const replies = await clients.get(id)!.pipeline(idx.map((i) => command(keys[i])));
        idx.forEach((i, j) => {
          out[i] = replies[j];
        });
      }),
    );
    return out;
  };
  const dbsize = async () => {
    let total = 0;
    for (const client of clients.values()) total += (await client.send<number>(['DBSIZE'])) as number;
    return total;
  };
  return { masters, ownerOf, read, dbsize };
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Moves `slot` with its keys from `src` to `dst` the way `redis-cli --cluster reshard` does, over
 * plain connections to the masters (`admin`, by node id; a redis-cli process per step made the
 * test as slow as process start-up on a loaded machine). Half the keys go first; then
 * `midway()` runs while the slot is split between the two nodes, so that writes meanwhile meet
 * ASK; then the rest, and the slot changes hands.
 */
async function moveSlot(
  admin: Map<string, RedisClient>,
  masters: ClusterNodeInfo[],
  slot: number,
  src: ClusterNodeInfo,
  dst: ClusterNodeInfo,
  midway: () => Promise<void>,
) {
  const on = (node: ClusterNodeInfo) => admin.get(node.id)!;
  await on(dst).send(['CLUSTER', 'SETSLOT', slot, 'IMPORTING', src.id]);
  await on(src).send(['CLUSTER', 'SETSLOT', slot, 'MIGRATING', dst.id]);
  const migrate = (keys: string[]) =>
    on(src).send(['MIGRATE', dst.host, dst.port, '', 0, 5000, 'KEYS', ...keys]);
  const first = await on(src).send<string[]>(['CLUSTER', 'GETKEYSINSLOT', slot, 1000]);
  if (first.length > 0) await migrate(first.slice(0, Math.ceil(first.length / 2)));
  await midway();
  for (;;) {
    const keys = await on(src).send<string[]>(['CLUSTER', 'GETKEYSINSLOT', slot, 1000]);
    if (keys.length === 0) break;
    await migrate(keys);
  }
  // The new owner first: the old one then answers MOVED to a node that already serves the slot.
  await on(dst).send(['CLUSTER', 'SETSLOT', slot, 'NODE', dst.id]);
  await on(src).send(['CLUSTER', 'SETSLOT', slot, 'NODE', dst.id]);
  for (const m of masters) {
    if (m.id !== src.id && m.id !== dst.id) await on(m).send(['CLUSTER', 'SETSLOT', slot, 'NODE', dst.id]);
  }
}

describe('cluster faults', () => {
  it('cluster faults — live resharding during pipelined writes loses, duplicates and reorders nothing', async () => {
    const c = await cluster({ masters: 3, replicasPerMaster: 1 });
    const cl = await clusterClient(c);

    // 48 hash tags, each a slot holding strings, lists and hashes; the resharding moves these slots.
    const TAGS = 48;
    const keys: { key: string; type: 'string' | 'list' | 'hash' }[] = [];
    for (let t = 0; t < TAGS; t++) {
      for (let m = 0; m < 4; m++) keys.push({ key: `{t${t}}:s:${m}`, type: 'string' });
      for (let m = 0; m < 2; m++) keys.push({ key: `{t${t}}:l:${m}`, type: 'list' });
      for (let m = 0; m < 2; m++) keys.push({ key: `{t${t}}:h:${m}`, type: 'hash' });
    }
    const BATCH = 500;
    const LANES = 2;
    /** Acknowledged writes: last SET seq per key, RPUSH values, last HSET seq per key and field. */
    const strings = new Map<string, number>();
    const lists = new Map<string, number[]>();
    const hashes = new Map<string, Map<string, number>>();
    const failures: unknown[] = [];
    let seq = 0;
    let batches = 0;
    /** Batches started so far, and the latest start number among the completed ones. */
    let started = 0;
    let latestCompleted = -1;
    let stop = false;

    const writeBatch = async () => {
      const number = started++;
      const commands: Command[] = [];
      const seqs: number[] = [];
      for (let i = 0; i < BATCH; i++) {
        const s = seq++;
        // A stride coprime with the key count visits every key, in a different order per batch.
        const { key, type } = keys[(s * 7) % keys.length];
        seqs.push(s);
        if (type === 'string') commands.push(['SET', key, String(s)]);
        else if (type === 'list') commands.push(['RPUSH', key, `writer:${s}`]);
        else commands.push(['HSET', key, `f${s % 8}`, String(s)]);
      }
      let replies: Reply[];
      try {
        replies = await cl.pipeline(commands);
      } catch (err) {
        failures.push(err);
        return;
      }
      replies.forEach((r, i) => {
        const [name, key] = commands[i] as string[];
        const s = seqs[i];
        if (name === 'SET' && r === 'OK') strings.set(key, Math.max(strings.get(key) ?? -1, s));
        else if (name === 'RPUSH' && typeof r === 'number') lists.set(key, [...(lists.get(key) ?? []), s]);
        else if (name === 'HSET' && typeof r === 'number') {
          const fields = hashes.get(key) ?? new Map<string, number>();
          const field = `f${s % 8}`;
          fields.set(field, Math.max(fields.get(field) ?? -1, s));
          hashes.set(key, fields);
        } else failures.push(r);
      });
      batches++;
      latestCompleted = Math.max(latestCompleted, number);
    };
    /**
     * Until a whole batch started after this call has been answered, or something failed. Every
     * batch writes every key, so it meets whatever state the slots are in meanwhile.
     */
    const aBatchFromNow = async () => {
      const from = started;
      while (latestCompleted < from && failures.length === 0) await delay(2);
    };
    const lane = async () => {
      while (!stop) await writeBatch();
    };
    const writers = Array.from({ length: LANES }, lane);

    // Move every tagged slot to the next master while the writer runs.
    const masters = await c.masters();
    const admin = new Map<string, RedisClient>();
    for (const m of masters) {
      const client = await createClient({ host: m.host, port: m.port });
      cleanup.push(() => client.close());
      admin.set(m.id, client);
    }
    const owner = (slot: number) =>
      masters.findIndex((m) => m.slots.some(([a, b]) => a <= slot && slot <= b));
    const moved = new Map<number, number>();
    let moves = 0;
    try {
      for (let t = 0; t < TAGS; t++) {
        const slot = keySlot(`{t${t}}`);
        const i = moved.get(slot) ?? owner(slot);
        const j = (i + 1) % masters.length;
        await moveSlot(admin, masters, slot, masters[i], masters[j], aBatchFromNow);
        moved.set(slot, j);
        moves++;
      }
      // A batch after the last move: slots the client still maps to their old owner meet MOVED.
      await aBatchFromNow();
    } finally {
      stop = true;
      await Promise.all(writers);
    }

    console.log(
      `[resharding] ${moves} slot moves, ${batches} batches of ${BATCH} acknowledged; ` +
        `MOVED ${cl.stats.moved}, ASK ${cl.stats.ask}, TRYAGAIN etc. ${cl.stats.transient}, refreshes ${cl.stats.refreshes}`,
    );
    expect(failures.filter((f) => f instanceof ConnectionError)).toEqual([]);
    expect(failures).toEqual([]);
    expect(cl.stats.moved).toBeGreaterThan(0);
    expect(cl.stats.ask).toBeGreaterThan(0);

    await c.waitHealthy();
    const m = await openMasters(c);
    const stringKeys = [...strings.keys()];
    const got = await m.read(stringKeys, (k) => ['GET', k]);
    expect(Object.fromEntries(stringKeys.map((k, i) => [k, got[i]]))).toEqual(
      Object.fromEntries(stringKeys.map((k) => [k, String(strings.get(k))])),
    );
    const listKeys = [...lists.keys()];
    const ranges = await m.read(listKeys, (k) => ['LRANGE', k, '0', '-1']);
    for (let i = 0; i < listKeys.length; i++) {
      // Acknowledged RPUSHes, in the order they were issued: nothing missing, doubled or swapped.
      const expected = [...lists.get(listKeys[i])!].sort((a, b) => a - b).map((s) => `writer:${s}`);
      expect({ key: listKeys[i], values: ranges[i] }).toEqual({ key: listKeys[i], values: expected });
    }
    const hashKeys = [...hashes.keys()];
    const all = await m.read(hashKeys, (k) => ['HGETALL', k]);
    for (let i = 0; i < hashKeys.length; i++) {
      const actual = all[i] instanceof Map ? Object.fromEntries(all[i] as Map<string, string>) : all[i];
      const expected = Object.fromEntries([...hashes.get(hashKeys[i])!].map(([f, s]) => [f, String(s)]));
      expect({ key: hashKeys[i], fields: actual }).toEqual({ key: hashKeys[i], fields: expected });
    }
    // Every key lives on the master that serves its slot, and nowhere else.
    expect(await m.dbsize()).toBe(stringKeys.length + listKeys.length + hashKeys.length);
  }, 120_000);

  it('cluster faults — SIGKILL of a master during writes: the client follows the promoted replica', async () => {
    const c = await cluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1_000 });
    const cl = await clusterClient(c, { failoverTimeout: 20_000 });

    const victimKey = 'ctr:0';
    const victimSlot = keySlot(victimKey);
    const victim = await c.ownerOf(victimSlot);
    const replica = (await c.replicas()).find((r) => r.masterId === victim.id)!;
    expect(replica).toBeDefined();

    // Per batch: SET ctr:<j> <batch> (overwritten with increasing values) and SET log:<batch>:<j>
    // (written once, so an acknowledged write that got lost stays visible as a missing key).
    const KEYS = 150;
    const ctrKeys = Array.from({ length: KEYS }, (_, j) => `ctr:${j}`);
    const victimShare = ctrKeys.filter((k) =>
      victim.slots.some(([a, b]) => a <= keySlot(k) && keySlot(k) <= b),
    );
    expect(victimShare.length).toBeGreaterThan(10);
    interface Batch {
      n: number;
      start: number;
      end: number;
      /** Rejected as a whole (outcome unknown) — not resent. */
      error?: Error;
      /** Per command: acknowledged with OK. */
      acked: boolean[];
    }
    const batches: Batch[] = [];
    const commandsOf = (n: number): Command[] => [
      ...ctrKeys.map((k) => ['SET', k, String(n)]),
      ...ctrKeys.map((_, j) => ['SET', `log:${n}:${j}`, String(n)]),
    ];
    let promotedAt = Number.POSITIVE_INFINITY;
    let stop = false;
    const writer = (async () => {
      for (let n = 0; !stop; n++) {
        const commands = commandsOf(n);
        const batch: Batch = { n, start: Date.now(), end: 0, acked: [] };
        batches.push(batch);
        try {
          const replies = await cl.pipeline(commands);
          batch.acked = replies.map((r) => r === 'OK');
        } catch (err) {
          batch.error = err as Error;
          batch.acked = commands.map(() => false);
        }
        batch.end = Date.now();
      }
    })();
    const succeeded = (since: number) =>
      batches.filter((b) => b.start > since && b.acked.every(Boolean)).length;

    try {
      while (succeeded(0) < 20) await delay(10);
      const killedAt = Date.now();
      await c.killMaster(victimSlot);
      await c.waitHealthy({ timeoutMs: 30_000 });
      promotedAt = Date.now();
      // Keep writing until 30 batches that started after the promotion went through, 30 s at most.
      const bound = Date.now() + 30_000;
      while (succeeded(promotedAt) < 30 && Date.now() < bound) await delay(20);
      stop = true;
      await writer;

      const failed = batches.filter((b) => b.error !== undefined || !b.acked.every(Boolean));
      const windowMs = failed.length === 0 ? 0 : failed.at(-1)!.end - failed[0].start;
      const longest = Math.max(...batches.map((b) => b.end - b.start));
      const errors = failed.filter((b) => b.error !== undefined);
      expect(errors.every((b) => b.error instanceof ConnectionError && b.error.outcomeUnknown)).toBe(true);

      const newOwner = await c.ownerOf(victimSlot);
      expect(newOwner.id).toBe(replica.id);
      // Writes resumed on the promoted replica.
      expect(await cl.send(['SET', victimKey, 'after-failover'])).toBe('OK');
      expect(await cli(newOwner, 'GET', victimKey)).toBe('after-failover');

      // What Redis holds against what was acknowledged.
      const m = await openMasters(c);
      const logKeys: string[] = [];
      const logAcked: { batch: Batch; acked: boolean }[] = [];
      for (const b of batches) {
        for (let j = 0; j < KEYS; j++) {
          logKeys.push(`log:${b.n}:${j}`);
          logAcked.push({ batch: b, acked: b.acked[KEYS + j] });
        }
      }
      const present = (await m.read(logKeys, (k) => ['EXISTS', k])).map((r) => r === 1);
      let lostBefore = 0;
      let lostAfter = 0;
      let unknownWritten = 0;
      let unknownTotal = 0;
      logAcked.forEach(({ batch, acked }, i) => {
        if (acked && !present[i]) {
          if (batch.start > promotedAt) lostAfter++;
          else lostBefore++;
        }
        if (!acked) {
          unknownTotal++;
          if (present[i]) unknownWritten++;
        }
      });
      const lastAcked = new Map<string, number>();
      for (const b of batches) {
        for (let j = 0; j < KEYS; j++) if (b.acked[j]) lastAcked.set(ctrKeys[j], b.n);
      }
      const ctr = await m.read(ctrKeys.slice(1), (k) => ['GET', k]);
      const behind = ctrKeys.slice(1).filter((k, i) => Number(ctr[i]) < lastAcked.get(k)!);

      console.log(
        `[failover] ${batches.length} batches of ${2 * KEYS} SETs, ${victimShare.length}/${KEYS} keys per batch on the killed master; ` +
          `promotion seen ${promotedAt - killedAt} ms after SIGKILL; ` +
          `failed batches ${failed.length} (rejected: ${errors.length}, outcome unknown), ` +
          `error window ${windowMs} ms, longest batch ${longest} ms; ` +
          `acknowledged writes lost: ${lostBefore} before the promotion, ${lostAfter} after; ` +
          `unacknowledged writes present anyway: ${unknownWritten}/${unknownTotal}; ` +
          `stats ${JSON.stringify(cl.stats)}`,
      );
      // Acknowledged after the promotion means written by the new master: nothing may be missing.
      expect(lostAfter).toBe(0);
      expect(behind).toEqual([]);
      expect(succeeded(promotedAt)).toBeGreaterThanOrEqual(30);
    } finally {
      stop = true;
      await writer;
    }
    // The waits above are bounded (failover 30 s, writes 30 s): they fail with their own message
    // before the test times out, whatever the load.
  }, 180_000);
});
