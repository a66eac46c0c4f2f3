/**
 * A Redis pub/sub source: `SUBSCRIBE`, `PSUBSCRIBE` and `SSUBSCRIBE` into the data flow, **at most
 * once**. Redis keeps nothing for a subscriber, so nothing can be replayed: a restart resumes
 * with what is published after the new subscription, and messages published while the subscriber
 * is disconnected are lost. See docs/pubsub-source.md.
 *
 * Memory is bounded by `bufferRows`: the subscriber always reads its socket (so Redis never
 * disconnects it for the job's sake), and a message that finds the buffer full is dropped and
 * counted (`laminar_pubsub_dropped_total{reason="buffer_full"}`). When Redis drops the
 * connection anyway (its `client-output-buffer-limit pubsub`, a restart, a failover), the loss
 * is counted and logged, and the subscriber resubscribes with backoff.
 */
import Denque from 'denque';
import { type Logger, SILENT_LOGGER } from '../../log.js';
import {
  pubsubDisconnectsTotal,
  pubsubDroppedTotal,
  pubsubMessagesTotal,
  pubsubResubscriptionsTotal,
} from '../../metrics/pubsub-metrics.js';
import { DEFAULT_PUBSUB_BUFFER_ROWS, type RedisPubsubOptions } from '../../plan/pubsub-options.js';
import { createSubscriber, type RedisSubscriber } from '../../resp/subscriber.js';
import { type ClusterSubscriber, createClusterSubscriber } from '../../resp/subscriber-cluster.js';
import type { PubSubMessage } from '../../resp/subscriber-frames.js';
import { resolveSecrets } from '../../schema/secrets.js';
import { tlsClientOptions } from '../../schema/tls-profile.js';
import type { Row } from '../../sink/row-encoder.js';
import { messageRow } from './pubsub-rows.js';
import {
  EMPTY_BATCH,
  numericPosition,
  type ReadBatch,
  type Source,
  type SourcePosition,
  type SourceReader,
} from './source.js';

export type { RedisPubsubOptions } from '../../plan/pubsub-options.js';

/** What the source needs besides its options. */
export interface PubsubSourceDeps {
  /** Where `{{ VAR }}` secrets of the profile resolve. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where disconnections are reported. Default: silent (the metrics count them). */
  logger?: Logger;
}

/** Counters of one open channel, for tests and reports. */
export interface PubsubCounts {
  received: number;
  dropped: number;
  malformed: number;
  disconnects: number;
}

/** See the module comment. One channel (`<name>`), one partition, offsets counted on across restarts. */
export class PubsubSource implements Source {
  readonly name: string;
  readonly #o: RedisPubsubOptions;
  readonly #deps: PubsubSourceDeps;
  #reader: PubsubReader | undefined;

  constructor(options: RedisPubsubOptions, deps: PubsubSourceDeps = {}) {
    const n =
      (options.channels?.length ?? 0) +
      (options.patterns?.length ?? 0) +
      (options.shardChannels?.length ?? 0);
    if (n === 0)
      throw new RangeError(`pub/sub source ${options.name}: give channels, patterns or shard channels`);
    this.name = options.name;
    this.#o = options;
    this.#deps = deps;
  }

  /** Counters of the channel opened last (undefined before `open`). */
  counts(): PubsubCounts | undefined {
    return this.#reader?.counts;
  }

  async open(restored: Readonly<Record<string, SourcePosition>>): Promise<SourceReader[]> {
    const next = numericPosition(restored[this.name], this.name);
    const subscriber = await this.#connect();
    const reader = new PubsubReader(this.name, subscriber, this.#o, next, this.#deps.logger ?? SILENT_LOGGER);
    try {
      if (this.#o.channels !== undefined) await subscriber.subscribe(...this.#o.channels);
      if (this.#o.patterns !== undefined) await subscriber.psubscribe(...this.#o.patterns);
      if (this.#o.shardChannels !== undefined) await subscriber.ssubscribe(...this.#o.shardChannels);
    } catch (err) {
      await reader.close();
      throw err;
    }
    this.#reader = reader;
    return [reader];
  }

  async #connect(): Promise<RedisSubscriber | ClusterSubscriber> {
    const p = resolveSecrets(this.#o.profile, this.#deps.env ?? process.env);
    const common = { username: p.username, password: p.password, tls: tlsClientOptions(p.tls) };
    if (p.connection.kind === 'standalone') return createSubscriber(p.connection.address, common);
    if (p.connection.kind === 'cluster')
      return createClusterSubscriber({ addresses: p.connection.addresses, ...common });
    throw new RangeError(`pub/sub source ${this.name}: a Sentinel connection is not supported`);
  }
}

class PubsubReader implements SourceReader {
  readonly channel: string;
  readonly counts: PubsubCounts = { received: 0, dropped: 0, malformed: 0, disconnects: 0 };
  readonly #subscriber: RedisSubscriber | ClusterSubscriber;
  readonly #format: RedisPubsubOptions['format'];
  readonly #bufferRows: number;
  readonly #queue = new Denque<Row>();
  /** Offset of the next row `read` returns. */
  #next: number;
  #failure: Error | null = null;
  #wake: (() => void) | null = null;

  constructor(
    name: string,
    subscriber: RedisSubscriber | ClusterSubscriber,
    o: RedisPubsubOptions,
    next: number,
    logger: Logger,
  ) {
    this.channel = name;
    this.#subscriber = subscriber;
    this.#format = o.format;
    this.#bufferRows = o.bufferRows ?? DEFAULT_PUBSUB_BUFFER_ROWS;
    this.#next = next;
    const messages = pubsubMessagesTotal.labels(name);
    const full = pubsubDroppedTotal.labels(name, 'buffer_full');
    const malformed = pubsubDroppedTotal.labels(name, 'malformed');
    subscriber.on('message', (m: PubSubMessage) => {
      this.counts.received++;
      messages.inc();
      if (this.#queue.length >= this.#bufferRows) {
        this.counts.dropped++;
        full.inc();
        return;
      }
      const row = messageRow(m, this.#format);
      if (row === undefined) {
        this.counts.malformed++;
        malformed.inc();
        return;
      }
      this.#queue.push(row);
      this.#notify();
    });
    subscriber.on('disconnected', (err) => {
      this.counts.disconnects++;
      pubsubDisconnectsTotal.labels(name).inc();
      logger.warn({ source: name, code: err.code, address: err.address }, err.message);
    });
    subscriber.on('resubscribed', () => {
      pubsubResubscriptionsTotal.labels(name).inc();
      logger.info({ source: name }, 'pub/sub source resubscribed');
    });
    subscriber.on('refused', (r) => {
      logger.error(
        { source: name, kind: r.kind, names: r.names.length, code: r.error?.code },
        'pub/sub subscription refused',
      );
    });
    subscriber.on('end', (err) => {
      if (err !== undefined) {
        this.#failure = err;
        this.#notify();
      }
    });
  }

  async read(max: number, signal: AbortSignal): Promise<ReadBatch | null> {
    while (this.#queue.length === 0) {
      if (this.#failure !== null) throw this.#failure;
      if (signal.aborted) return EMPTY_BATCH;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          signal.removeEventListener('abort', done);
          this.#wake = null;
          resolve();
        };
        this.#wake = done;
        signal.addEventListener('abort', done, { once: true });
      });
    }
    const n = Math.min(max, this.#queue.length);
    const rows = new Array<Row>(n);
    const offsets = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      rows[i] = this.#queue.shift()!;
      offsets[i] = this.#next++;
    }
    return { rows, partition: this.channel, offsets };
  }

  /** The offset the next row gets: restored, it keeps offsets rising across restarts (fences). */
  position(): SourcePosition {
    return this.#next;
  }

  async close(): Promise<void> {
    this.#subscriber.removeAllListeners('message');
    await this.#subscriber.close();
    this.#failure ??= new RangeError(`pub/sub source ${this.channel} is closed`);
    this.#notify();
  }

  #notify(): void {
    this.#wake?.();
  }
}
