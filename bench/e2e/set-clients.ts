/**
 * The clients the pipelined-SET benchmark drives, each behind the same two-method shape so the
 * load loop in set-worker.ts is identical for all of them. Every adapter builds its own commands
 * from (start, end) in its library's idiomatic way: building commands is part of a client's cost.
 * Libraries are imported lazily, so a child process loads only the client it measures.
 */
import { type ClientId, KEY_PREFIX, PROTOCOL, VALUE } from './set-workload.js';

/** Outcome of one batch: how many replies were `OK`, and the first other reply or error, if any. */
export interface BatchOutcome {
  ok: number;
  failed: number;
  firstFailure?: string;
}

export interface SetClient {
  /** Sends SET for keys start..end-1 as one batch; resolves when every reply is in. */
  setBatch(start: number, end: number): Promise<BatchOutcome>;
  close(): Promise<void>;
}

/** Thrown when this project's client is not (yet) exported from dist/src/index.js. */
export class ClientNotBuiltError extends Error {
  readonly code = 'ERR_CLIENT_NOT_BUILT';
}

export async function openClient(id: ClientId, host: string, port: number): Promise<SetClient> {
  switch (id) {
    case 'laminar-redis':
      return openLaminar(`redis://${host}:${port}`);
    case 'ioredis':
      return openIoredis(host, port);
    case 'node-redis-pipeline':
      return openNodeRedis(host, port, 'pipeline');
    case 'node-redis-concurrent':
      return openNodeRedis(host, port, 'concurrent');
  }
}

/** Counts OK replies; `failureOf` picks what to describe from a reply that is not OK. */
function tally(
  replies: readonly unknown[],
  isOk: (reply: unknown) => boolean,
  failureOf: (reply: unknown) => unknown = (reply) => reply,
): BatchOutcome {
  const outcome: BatchOutcome = { ok: 0, failed: 0 };
  for (const reply of replies) {
    if (isOk(reply)) outcome.ok++;
    else {
      outcome.failed++;
      outcome.firstFailure ??= describe(failureOf(reply));
    }
  }
  return outcome;
}

function describe(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The slice of the public API (DESIGN.md) this benchmark needs; typed here so it builds before src/ does. */
interface LaminarClient {
  pipeline(commands: readonly (readonly string[])[]): Promise<unknown[]>;
  close(): Promise<void>;
}
type LaminarCreateClient = (url: string, options: { protocol: 2 | 3 }) => Promise<LaminarClient>;

async function openLaminar(url: string): Promise<SetClient> {
  // From dist/bench/e2e/ this is dist/src/index.js. A variable specifier keeps tsc from binding
  // to an API that may not exist yet; the shape is checked at run time instead.
  const specifier = new URL('../../src/index.js', import.meta.url).href;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new ClientNotBuiltError(`client not built yet: cannot load dist/src/index.js (${reason})`, {
      cause: err,
    });
  }
  if (typeof mod.createClient !== 'function') {
    throw new ClientNotBuiltError('client not built yet: dist/src/index.js does not export createClient');
  }
  const client = await (mod.createClient as LaminarCreateClient)(url, { protocol: PROTOCOL });
  return {
    async setBatch(start, end) {
      const commands = new Array<string[]>(end - start);
      for (let i = start; i < end; i++) commands[i - start] = ['SET', KEY_PREFIX + i, VALUE];
      return tally(await client.pipeline(commands), (r) => r === 'OK');
    },
    close: () => client.close(),
  };
}

async function openIoredis(host: string, port: number): Promise<SetClient> {
  const { Redis } = await import('ioredis');
  const redis = new Redis({
    host,
    port,
    protocol: PROTOCOL,
    lazyConnect: true,
    enableAutoPipelining: false, // batches are explicit pipelines already
    maxRetriesPerRequest: 0,
  });
  redis.on('error', () => {}); // failures surface through connect() and the rejected commands
  await redis.connect();
  return {
    async setBatch(start, end) {
      const pipeline = redis.pipeline();
      for (let i = start; i < end; i++) pipeline.set(KEY_PREFIX + i, VALUE);
      const results = (await pipeline.exec()) ?? [];
      // ioredis answers [error, reply] per command.
      return tally(
        results,
        (r) => Array.isArray(r) && r[0] === null && r[1] === 'OK',
        (r) => (Array.isArray(r) ? (r[0] ?? r[1]) : r),
      );
    },
    async close() {
      await redis.quit();
    },
  };
}

async function openNodeRedis(
  host: string,
  port: number,
  mode: 'pipeline' | 'concurrent',
): Promise<SetClient> {
  const { createClient: createNodeRedisClient } = await import('redis');
  const client = createNodeRedisClient({ socket: { host, port, reconnectStrategy: false }, RESP: PROTOCOL });
  client.on('error', () => {}); // failures surface through the rejected commands
  await client.connect();
  const setBatch =
    mode === 'pipeline'
      ? async (start: number, end: number) => {
          const multi = client.multi();
          for (let i = start; i < end; i++) multi.set(KEY_PREFIX + i, VALUE);
          return tally(await multi.execAsPipeline(), (r) => r === 'OK');
        }
      : async (start: number, end: number) => {
          const pending = new Array<Promise<unknown>>(end - start);
          for (let i = start; i < end; i++) pending[i - start] = client.set(KEY_PREFIX + i, VALUE);
          return tally(await Promise.all(pending), (r) => r === 'OK');
        };
  return {
    setBatch,
    async close() {
      await client.close();
    },
  };
}
