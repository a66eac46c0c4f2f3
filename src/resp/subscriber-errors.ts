/** Errors of the subscriber (src/resp/subscriber.ts). */
import { LaminarError } from '../errors.js';

/**
 * The subscriber's connection was lost: by the network, a restart, or Redis itself, which closes
 * a subscriber that falls behind its `client-output-buffer-limit pubsub` (by default 32 MB at
 * once, or 8 MB for 60 s). The subscriber reconnects and resubscribes on its own; what was
 * published in between is lost (pub/sub keeps nothing for absent subscribers).
 */
export class SubscriberDisconnectedError extends LaminarError {
  constructor(
    /** `host:port` of the node. */
    readonly address: string,
    /** Channels, patterns and shard channels that were subscribed there. */
    readonly subscriptions: number,
    options?: { cause?: unknown },
  ) {
    super(
      'ERR_PUBSUB_DISCONNECTED',
      `subscriber connection to ${address} (${subscriptions} subscriptions) was lost; messages published until it resubscribes are lost. ` +
        'Redis closes a subscriber that falls behind its client-output-buffer-limit for pubsub',
      options,
    );
  }
}

/** A subscription asked of a closed subscriber. */
export class SubscriberClosedError extends LaminarError {
  constructor() {
    super('ERR_PUBSUB_CLOSED', 'subscriber is closed');
  }
}
