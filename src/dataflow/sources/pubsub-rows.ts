/** Pub/sub messages as rows, in the formats of a pub/sub source (docs/pubsub-source.md). */
import type { RedisPubsubOptions } from '../../plan/pubsub-options.js';
import type { PubSubMessage } from '../../resp/subscriber-frames.js';
import type { Row } from '../../sink/row-encoder.js';

/**
 * The row of a message, or undefined when it is none: with `json`, a payload that is not a JSON
 * object. `text` rows are `{ channel, pattern, payload }` (`pattern` null but for PSUBSCRIBE).
 */
export function messageRow(message: PubSubMessage, format: RedisPubsubOptions['format']): Row | undefined {
  const payload = typeof message.payload === 'string' ? message.payload : message.payload.toString('utf8');
  if (format === 'text') {
    return { channel: message.channel, pattern: message.pattern ?? null, payload };
  }
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Row) : undefined;
}
