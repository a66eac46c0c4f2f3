import { RedisClient } from '../client.js';
import { parseClientOptions } from '../options.js';
import type { Reply } from '../reply.js';
import type { NormalizedSentinelOptions, SentinelAddress } from './sentinel-options.js';

const CHANNEL = '+switch-master';
/** Pause before subscribing on the next Sentinel after one was lost or refused. */
const RESUBSCRIBE_DELAY = 250;

/**
 * Listens for `+switch-master` on one Sentinel at a time (the next one in the list when it goes
 * away) and reports switches of one master name. A missed announcement costs nothing but time:
 * the primary's lost connection, or its `READONLY` replies, make the client ask again anyway.
 */
export class SwitchWatch {
  readonly #options: NormalizedSentinelOptions;
  readonly #onSwitch: (host: string, port: number) => void;
  #next = 0;
  #client: RedisClient | null = null;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(options: NormalizedSentinelOptions, onSwitch: (host: string, port: number) => void) {
    this.#options = options;
    this.#onSwitch = onSwitch;
  }

  /** Starts listening; failures only move on to the next Sentinel. */
  start(): void {
    this.#subscribe(this.#options.sentinels[this.#next++ % this.#options.sentinels.length]);
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#client?.disconnect().catch(() => {});
    this.#client = null;
  }

  #subscribe(address: SentinelAddress): void {
    if (this.#closed) return;
    // RESP3, so that announcements arrive as push frames beside the (absent) replies.
    const client = new RedisClient(
      parseClientOptions({ ...this.#options.sentinel, ...address, protocol: 3, commandTimeout: 0 }),
    );
    this.#client = client;
    client.on('push', (frame) => this.#onPush(frame));
    client.on('end', () => {
      if (this.#client === client) this.#client = null;
      this.#retry();
    });
    client
      .connect()
      .then(() => {
        if (client.protocol !== 3) {
          client.disconnect().catch(() => {});
          return;
        }
        // RESP3 confirms SUBSCRIBE with a push frame, so this promise never settles with a reply:
        // it fails when the connection closes, which 'end' handles.
        client.send(['SUBSCRIBE', CHANNEL]).catch(() => {});
      })
      .catch(() => {});
  }

  #retry(): void {
    if (this.#closed || this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.start();
    }, RESUBSCRIBE_DELAY);
    this.#timer.unref();
  }

  /** `message +switch-master "<name> <old-ip> <old-port> <new-ip> <new-port>"`. */
  #onPush(frame: Reply[]): void {
    if (frame[0] !== 'message' || frame[1] !== CHANNEL || typeof frame[2] !== 'string') return;
    const [name, , , host, port] = frame[2].split(' ');
    if (name !== this.#options.masterName || host === undefined) return;
    const p = Number(port);
    if (Number.isInteger(p) && p > 0) this.#onSwitch(host, p);
  }
}
