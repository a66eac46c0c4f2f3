/**
 * One gRPC channel per worker address, shared by every lane of a producer whose shard lives there.
 */
import { type ChannelCredentials, credentials } from '@grpc/grpc-js';
import type { IngestClient } from '../wire/gen/laminar/redis/v1/ingest.js';
import { FastIngestClient } from '../wire/ingest-wire.js';
import { PRODUCER_CHANNEL_OPTIONS } from './table-routing.js';

export class IngestChannels {
  readonly #clients = new Map<string, IngestClient>();
  readonly #credentials: ChannelCredentials;

  constructor(creds: ChannelCredentials | undefined) {
    this.#credentials = creds ?? credentials.createInsecure();
  }

  /** The client of a worker's Ingest service, created on first use. */
  get(address: string): IngestClient {
    let c = this.#clients.get(address);
    if (c === undefined) {
      c = new FastIngestClient(address, this.#credentials, PRODUCER_CHANNEL_OPTIONS);
      this.#clients.set(address, c);
    }
    return c;
  }

  /** Closes every channel (calls still running finish first, as grpc-js closes them). */
  close(): void {
    for (const c of this.#clients.values()) c.close();
    this.#clients.clear();
  }
}
