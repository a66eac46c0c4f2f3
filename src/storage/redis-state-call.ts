/**
 * Running the state store's scripts, and what their refusals mean: the error replies the scripts
 * make become the store's typed errors here, in one place.
 */
import { LaminarError } from '../errors.js';
import { ReplyError } from '../resp/errors.js';
import type { Command, Reply } from '../resp/reply.js';
import type { RedisTransport } from '../resp/target.js';
import { CheckpointError } from './checkpoint-store.js';
import type { StateScript } from './redis-state-scripts.js';
import { StateFencedError, StateStoreError, StateVersionError } from './state-errors.js';
import { STATE_FORMAT_VERSION } from './state-store.js';

/**
 * Runs `script` with `keys` and `args` (EVALSHA; EVAL once when the node has not cached it), and
 * turns its refusals into typed errors. `what` names the operation in an `ERR_STATE_IO` message.
 */
export async function runScript(
  redis: RedisTransport,
  script: StateScript,
  keys: readonly string[],
  args: ReadonlyArray<string | Buffer>,
  what: string,
): Promise<Reply> {
  try {
    return await whileLoading(async () => {
      try {
        return await redis.send(['EVALSHA', script.sha, keys.length, ...keys, ...args]);
      } catch (err) {
        if (!(err instanceof ReplyError) || err.prefix !== 'NOSCRIPT') throw err;
        return await redis.send(['EVAL', script.source, keys.length, ...keys, ...args]);
      }
    });
  } catch (err) {
    throw stateError(err, what);
  }
}

/** How long a call waits for a Redis that is loading its data set (after a restart), ms. */
const LOADING_WAIT_MS = 30_000;
const LOADING_POLL_MS = 100;

/**
 * Runs `call` again while Redis answers `LOADING`: a restarted Redis refuses commands until its
 * AOF or RDB is read back, and the store's state is in there.
 */
async function whileLoading<T>(call: () => Promise<T>): Promise<T> {
  const until = Date.now() + LOADING_WAIT_MS;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof ReplyError) || err.prefix !== 'LOADING' || Date.now() > until) throw err;
      await new Promise((resolve) => setTimeout(resolve, LOADING_POLL_MS));
    }
  }
}

/** Runs a plain command, wrapping failures as `ERR_STATE_IO`. */
export async function stateCall<T extends Reply = Reply>(
  redis: RedisTransport,
  command: Command,
  what: string,
  returnBuffers = false,
): Promise<T> {
  try {
    return await whileLoading(() =>
      redis.send<T>(command, returnBuffers ? { returnBuffers: true } : undefined),
    );
  } catch (err) {
    throw stateError(err, what);
  }
}

/** A script's refusal as the store's typed error; anything else as `ERR_STATE_IO`. */
export function stateError(err: unknown, what: string): Error {
  if (err instanceof ReplyError) {
    const words = err.message.split(' ');
    switch (err.prefix) {
      case 'STATEFENCED':
        return new StateFencedError(words[1] ?? 'store', Number(words[2]), Number(words[3]));
      case 'STATEVERSION':
        if (words[1] === 'missing') {
          return new StateStoreError(
            'ERR_STATE_IO',
            'the state store has lost its format key (was its Redis emptied?); refusing to write into it',
          );
        }
        return new StateVersionError(words[1] ?? '?', STATE_FORMAT_VERSION);
      case 'STATEIDLOW':
        return new CheckpointError(
          'ERR_CHECKPOINT_ID_NOT_INCREASING',
          `checkpoint id is not greater than the latest id ${words[1]}`,
        );
    }
  }
  // Already the store's own (a refusal mapped by an inner call, a bad URL).
  if (err instanceof LaminarError && /^ERR_STATE_/.test(err.code)) return err;
  return new StateStoreError('ERR_STATE_IO', `state store could not ${what}`, { cause: err });
}
