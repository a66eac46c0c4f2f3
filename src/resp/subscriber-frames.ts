/**
 * What a connection in subscriber mode receives, sorted: published messages, the server's
 * confirmations of (un)subscriptions, and anything else. RESP3 sends all of them as push frames;
 * RESP2 sends them as plain arrays, told apart from replies by their first element.
 */
import type { Reply } from './reply.js';

/** A message published to a channel this subscriber listens to. */
export interface PubSubMessage {
  /** `message` (SUBSCRIBE), `pmessage` (PSUBSCRIBE) or `smessage` (SSUBSCRIBE). */
  kind: 'message' | 'pmessage' | 'smessage';
  /** The channel it was published to. */
  channel: string;
  /** The pattern that matched the channel (`pmessage` only). */
  pattern?: string;
  /** The published payload: a UTF-8 string, or a Buffer with `returnBuffers`. */
  payload: string | Buffer;
}

/** The three ways to subscribe, by the command that makes the subscription. */
export type SubscriptionKind = 'subscribe' | 'psubscribe' | 'ssubscribe';

/** A confirmation of one channel's (un)subscription, or the server ending one on its own. */
export interface SubscriptionEvent {
  /** `subscribe`, `psubscribe`, `ssubscribe`, `unsubscribe`, `punsubscribe` or `sunsubscribe`. */
  event: string;
  /** The channel or pattern. */
  name: string;
}

/** A frame in subscriber mode, sorted. */
export type SubscriberFrame =
  | { type: 'message'; message: PubSubMessage }
  | { type: 'subscription'; subscription: SubscriptionEvent }
  | { type: 'other' };

const SUBSCRIPTION_EVENTS = new Set([
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'unsubscribe',
  'punsubscribe',
  'sunsubscribe',
]);

const OTHER: SubscriberFrame = { type: 'other' };

/**
 * Sorts one frame. The decoder hands bulk strings as Buffers here, so channel names are decoded
 * as UTF-8 and payloads stay bytes unless `payloadAsText`.
 */
export function sortFrame(frame: Reply, payloadAsText: boolean): SubscriberFrame {
  if (!Array.isArray(frame) || frame.length < 2) return OTHER;
  const head = textOf(frame[0]);
  if (head === undefined) return OTHER;
  const kind = head.toLowerCase();
  if ((kind === 'message' || kind === 'smessage') && frame.length === 3) {
    const channel = textOf(frame[1]);
    const payload = bytesOf(frame[2], payloadAsText);
    if (channel === undefined || payload === undefined) return OTHER;
    return { type: 'message', message: { kind, channel, payload } };
  }
  if (kind === 'pmessage' && frame.length === 4) {
    const pattern = textOf(frame[1]);
    const channel = textOf(frame[2]);
    const payload = bytesOf(frame[3], payloadAsText);
    if (pattern === undefined || channel === undefined || payload === undefined) return OTHER;
    return { type: 'message', message: { kind, channel, pattern, payload } };
  }
  if (SUBSCRIPTION_EVENTS.has(kind) && frame.length === 3) {
    const name = textOf(frame[1]);
    // An unsubscribe from everything names no channel (null); nothing to track then.
    return { type: 'subscription', subscription: { event: kind, name: name ?? '' } };
  }
  return OTHER;
}

function textOf(v: Reply): string | undefined {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return undefined;
}

function bytesOf(v: Reply, asText: boolean): string | Buffer | undefined {
  if (Buffer.isBuffer(v)) return asText ? v.toString('utf8') : v;
  if (typeof v === 'string') return asText ? v : Buffer.from(v, 'utf8');
  return undefined;
}
