import {
  DEFAULT_STREAM_CLAIM_IDLE_MS,
  DEFAULT_STREAM_POLL_MS,
  DEFAULT_STREAM_START,
  type RedisStreamOptions,
} from '../../plan/redis-stream-options.js';
import type { RedisTransport } from '../../resp/target.js';
import { connectProfile } from '../../schema/connect.js';
import { callOn } from './redis-stream-call.js';
import { NoStreamsError } from './redis-stream-errors.js';
import {
  ackPendingUpTo,
  checkNotTrimmed,
  ensureGroup,
  pendingIds,
  scanStreams,
} from './redis-stream-group.js';
import { decodePosition, START_POSITION, type StreamPosition } from './redis-stream-position.js';
import { claimConsumer, StreamReader, type StreamReaderConfig } from './redis-stream-reader.js';
import { DEFAULT_JSON_FIELD, entryDecoder } from './redis-stream-rows.js';
import type { Source, SourcePosition, SourceReader } from './source.js';

export type { RedisStreamOptions } from '../../plan/redis-stream-options.js';

/** Channel id of `stream` in source `source`: `<source>/<stream>`. */
export function streamChannel(source: string, stream: string): string {
  return `${source}/${stream}`;
}

/** What the source needs besides its options. */
export interface RedisStreamSourceDeps {
  /** Where `{{ VAR }}` secrets of the profile resolve. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Milliseconds now (claim scans). Default `Date.now`. */
  now?: () => number;
}

/**
 * Redis streams read through a consumer group (`XREADGROUP`), one channel per stream: a stream
 * key of `streams`, a key matching `pattern` when the attempt starts, or a stream a checkpoint
 * names. Unbounded: the job runs until stopped.
 *
 * Each attempt connects once (one connection, or one per master on a cluster, shared by the
 * channels; reads never block on the server, so acknowledgements and claims share it), makes sure
 * the group exists, acknowledges what the restored checkpoint covers and replays the rest from the
 * consumer's pending list. See docs/sources.md for the guarantees.
 */
export class RedisStreamSource implements Source {
  readonly name: string;
  readonly #o: RedisStreamOptions;
  readonly #deps: RedisStreamSourceDeps;

  constructor(options: RedisStreamOptions, deps: RedisStreamSourceDeps = {}) {
    if ((options.streams?.length ?? 0) === 0 && options.pattern === undefined)
      throw new RangeError(`redis stream source ${options.name}: give streams or a pattern`);
    this.name = options.name;
    this.#o = options;
    this.#deps = deps;
  }

  async open(restored: Readonly<Record<string, SourcePosition>>): Promise<SourceReader[]> {
    const o = this.#o;
    const t = await connectProfile(o.profile, this.#deps.env ?? process.env);
    try {
      const streams = new Set(o.streams ?? []);
      const prefix = `${this.name}/`;
      for (const channel of Object.keys(restored))
        if (channel.startsWith(prefix)) streams.add(channel.slice(prefix.length));
      if (o.pattern !== undefined) for (const s of await scanStreams(t, o.pattern)) streams.add(s);
      if (streams.size === 0) throw new NoStreamsError(this.name, o.pattern ?? '');
      let open = streams.size;
      const config: StreamReaderConfig = {
        transport: t,
        group: o.group,
        consumer: o.consumer ?? o.name,
        claimIdleMs: o.claimIdleMs ?? DEFAULT_STREAM_CLAIM_IDLE_MS,
        batch: o.batch ?? Number.MAX_SAFE_INTEGER,
        pollMs: o.pollMs ?? DEFAULT_STREAM_POLL_MS,
        decode: entryDecoder(o.format ?? 'json', o.jsonField ?? DEFAULT_JSON_FIELD, o.columns),
        now: this.#deps.now ?? Date.now,
        onClose: async () => {
          if (--open === 0) await t.close();
        },
      };
      const readers: SourceReader[] = [];
      for (const stream of [...streams].sort()) {
        const channel = streamChannel(this.name, stream);
        const saved = restored[channel];
        readers.push(await this.#openChannel(t, config, channel, stream, saved));
      }
      return readers;
    } catch (e) {
      await t.close().catch(() => {});
      throw e;
    }
  }

  /**
   * One channel: the group checked or created, what the checkpoint covers acknowledged, the claim
   * round to resume found (see {@link StreamReader}).
   */
  async #openChannel(
    t: RedisTransport,
    config: StreamReaderConfig,
    channel: string,
    stream: string,
    saved: SourcePosition | undefined,
  ): Promise<StreamReader> {
    const { group, consumer } = config;
    const start = this.#o.start ?? DEFAULT_STREAM_START;
    const pos: StreamPosition = saved === undefined ? { ...START_POSITION } : decodePosition(saved, channel);
    await ensureGroup(t, stream, group, start, saved === undefined ? undefined : pos.last);
    if (saved !== undefined) await checkNotTrimmed(t, stream, group, pos.last);
    else if (start !== '$' && start !== '0') await checkNotTrimmed(t, stream, group, start);
    if (saved !== undefined) await ackPendingUpTo(t, stream, group, consumer, pos.last);
    let roundAcked = true;
    if (pos.round > 0 && pos.cursor !== null) {
      // The round was being read: what the checkpoint covers is done, the rest is replayed.
      await ackPendingUpTo(t, stream, group, claimConsumer(consumer, pos.round), pos.cursor);
      roundAcked = false;
    } else {
      if (pos.round > 0) {
        // Read to its end before the checkpoint: all of it is covered.
        await ackPendingUpTo(t, stream, group, claimConsumer(consumer, pos.round), '+');
        await callOn(t, stream, ['XGROUP', 'DELCONSUMER', stream, group, claimConsumer(consumer, pos.round)]);
      }
      // A round started after the checkpoint: replayed from its beginning.
      const next = claimConsumer(consumer, pos.round + 1);
      if ((await pendingIds(t, stream, group, { from: '-', to: '+', count: 1, consumer: next })).length > 0) {
        pos.round += 1;
        pos.cursor = '0-0';
        roundAcked = false;
      }
    }
    return new StreamReader(channel, stream, config, pos, roundAcked);
  }
}
