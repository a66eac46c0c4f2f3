/**
 * The clients the pipelined-SET benchmark drives, each behind the same two-method shape so the
 * load loop in set-worker.ts is identical for all of them. Every adapter builds its own commands
 * from (start, end) in its library's idiomatic way: building commands is part of a client's cost.
 * Libraries are imported lazily, so a child process loads only the client it measures.
 */
import { describeReply } from '../common/failures.js';
import { connectIoredis, connectNodeRedis, PROTOCOL } from '../common/peer-connections.js';
import { type ClientId, KEY_PREFIX, VALUE } from './set-workload.js';

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
export function tally(
  replies: readonly unknown[],
  isOk: (reply: unknown) => boolean,
  failureOf: (reply: unknown) => unknown = (reply) => reply,
): BatchOutcome {
  const outcome: BatchOutcome = { ok: 0, failed: 0 };
  for (const reply of replies) {
    if (isOk(reply)) outcome.ok++;
    else {
      outcome.failed++;
      outcome.firstFailure ??= describeReply(failureOf(reply));
    }
  }
  return outcome;
}

/** `SET key:<i> <value>` for i in start..end-1, as command arrays. */
export function setCommands(start: number, end: number): string[][] {
  const commands = new Array<string[]>(end - start);
  for (let i = start; i < end; i++) commands[i - start] = ['SET', KEY_PREFIX + i, VALUE];
  return commands;
}

/** ioredis answers `[error, reply]` per pipelined command: OK, and what to describe when it is not. */
export const ioredisOk = (r: unknown) => Array.isArray(r) && r[0] === null && r[1] === 'OK';
export const ioredisFailure = (r: unknown) => (Array.isArray(r) ? (r[0] ?? r[1]) : r);

/** The slice of the public API this benchmark needs; typed here so it builds before src/ does. */
interface LaminarClient {
  pipeline(commands: readonly (readonly string[])[]): Promise<unknown[]>;
  close(): Promise<void>;
}
type LaminarCreateClient = (url: string, options: { protocol: 2 | 3 }) => Promise<LaminarClient>;

async function openLaminar(url: string): Promise<SetClient> {
  // From dist/bench/pipelined-set/ this is dist/src/index.js. A variable specifier keeps tsc from binding
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
      return tally(await client.pipeline(setCommands(start, end)), (r) => r === 'OK');
    },
    close: () => client.close(),
  };
}

async function openIoredis(host: string, port: number): Promise<SetClient> {
  const redis = await connectIoredis(host, port);
  return {
    async setBatch(start, end) {
      const pipeline = redis.pipeline();
      for (let i = start; i < end; i++) pipeline.set(KEY_PREFIX + i, VALUE);
      return tally((await pipeline.exec()) ?? [], ioredisOk, ioredisFailure);
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
  const client = await connectNodeRedis(host, port);
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
