import { isRedisReachable } from '../dev/redis-reachable.js';
import { type RedisServer, startRedisServer } from '../dev/redis-server.js';
import { createClient, type RedisClient } from '../resp/client.js';
import type { Command } from '../resp/reply.js';
import { parseRedisUrl } from '../resp/url.js';

/** Default Redis of the main job when `REDIS_URL` is not set. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface DemoOptions {
  /** Redis to write to; default `REDIS_URL` or {@link DEFAULT_REDIS_URL}. */
  url?: string;
  /** Rows written per data structure. Default 100 000. */
  rows?: number;
  /** Where the report goes. Default console.log. */
  log?: (line: string) => void;
}

/**
 * The client demo, `laminar-redis demo` (the main job is `laminar-redis examples`, cli/examples.ts):
 * writes sessions (strings with TTL), a leaderboard (a capped list) and an inventory (hashes)
 * through the client, the way the three examples of the Laminar Redis connector documentation
 * store them, and top scores (sorted sets) the way the top-scores example does, reads them back
 * and prints what it did. Uses `REDIS_URL` when a Redis answers there,
 * otherwise a private redis-server on a free loopback port that it stops afterwards. All keys live under
 * `laminar-demo:` and are deleted at the end, so a shared Redis is left as it was found.
 */
export async function runDemo(options: DemoOptions = {}): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  const rows = options.rows ?? 100_000;
  let url = options.url ?? process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
  const target = parseRedisUrl(url);
  let priv: RedisServer | undefined;
  if (!(await isRedisReachable(target.host ?? '127.0.0.1', target.port ?? 6379))) {
    priv = await startRedisServer();
    log(`no Redis answered at the configured address; started a private redis-server at ${priv.url}`);
    url = priv.url;
  }
  let client: RedisClient | undefined;
  try {
    client = await createClient(url);
    log(`connected to ${client.address} over RESP${client.protocol}`);
    await writeAndReport(client, rows, log);
  } finally {
    await client?.close();
    if (priv !== undefined) {
      await priv.stop();
      log('private redis-server stopped');
    }
  }
}

async function writeAndReport(c: RedisClient, rows: number, log: (line: string) => void): Promise<void> {
  const ns = 'laminar-demo:';
  const batch = 10_000;
  const started = process.hrtime.bigint();
  let commands = 0;
  // Sessions: SET key value EX ttl, the sessions example's string table with ttlSecs.
  // Leaderboard: LPUSH then one LTRIM per key per batch, the Prepend list with maxLength 100.
  // Inventory: HSET stock:<warehouse> <sku> <json>, the inventory example's hash table.
  // Top scores: ZADD GT then one ZREMRANGEBYRANK per key per batch, the top-scores example's
  // sorted set (each player's best score, the 100 highest kept).
  for (let from = 0; from < rows; from += batch) {
    const to = Math.min(rows, from + batch);
    const cmds: Command[] = [];
    for (let i = from; i < to; i++) {
      const session = JSON.stringify({ session_id: `s${i}`, user_id: `u${i % 977}`, last_activity: i });
      cmds.push(['SET', `${ns}session:s${i}`, session, 'EX', 1800]);
      cmds.push([
        'LPUSH',
        `${ns}leaderboard:g${i % 10}`,
        JSON.stringify({ player_id: `p${i}`, score: i * 7 }),
      ]);
      cmds.push(['HSET', `${ns}stock:w${i % 20}`, `sku${i % 5000}`, JSON.stringify({ quantity: i % 100 })]);
      cmds.push(['ZADD', `${ns}top_scores:g${i % 10}`, 'GT', (i * 7919) % 5001, `p${i % 5000}`]);
    }
    for (let g = 0; g < 10; g++) {
      cmds.push(['LTRIM', `${ns}leaderboard:g${g}`, 0, 99]);
      cmds.push(['ZREMRANGEBYRANK', `${ns}top_scores:g${g}`, 0, -101]);
    }
    const replies = await c.pipeline(cmds);
    const failed = replies.filter((r) => r instanceof Error);
    if (failed.length > 0) throw failed[0];
    commands += cmds.length;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const [sessionTtl, boardLen, stockFields, top, bestCount, best] = await c.pipeline([
    ['TTL', `${ns}session:s0`],
    ['LLEN', `${ns}leaderboard:g0`],
    ['HLEN', `${ns}stock:w0`],
    ['LINDEX', `${ns}leaderboard:g0`, 0],
    ['ZCARD', `${ns}top_scores:g0`],
    ['ZRANGE', `${ns}top_scores:g0`, 0, 0, 'REV', 'WITHSCORES'],
  ]);
  log(
    `wrote ${rows} rows into strings, lists, hashes and sorted sets: ${commands} commands in ${seconds.toFixed(2)} s`,
  );
  log(
    `  ${Math.round(commands / seconds).toLocaleString('en-US')} commands/s, pipelined in batches of ${batch} rows`,
  );
  log(`  session:s0 TTL ${sessionTtl} s; leaderboard:g0 holds ${boardLen} entries (newest ${top})`);
  log(`  stock:w0 holds ${stockFields} fields`);
  log(`  top_scores:g0 holds the ${bestCount} best players (highest ${bestText(best)})`);
  const keys: string[] = ['UNLINK'];
  for (let g = 0; g < 10; g++) keys.push(`${ns}leaderboard:g${g}`, `${ns}top_scores:g${g}`);
  for (let w = 0; w < 20; w++) keys.push(`${ns}stock:w${w}`);
  const cleanup: Command[] = [keys];
  for (let i = 0; i < rows; i += batch) {
    const del: string[] = ['UNLINK'];
    for (let j = i; j < Math.min(rows, i + batch); j++) del.push(`${ns}session:s${j}`);
    cleanup.push(del);
  }
  await c.pipeline(cleanup);
  log(`  demo keys removed`);
}

/** A `ZRANGE ... WITHSCORES` reply of one member as `member, score`: flat in RESP2, a pair in RESP3. */
function bestText(reply: unknown): string {
  const flat = (reply as unknown[]).flat().map((r) => (Buffer.isBuffer(r) ? r.toString('utf8') : String(r)));
  return flat.length < 2 ? 'none' : `${flat[0]}, ${flat[1]}`;
}
