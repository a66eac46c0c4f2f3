/**
 * Instruments of the pub/sub source (dataflow/sources/pubsub.ts). Labels are source names and a
 * fixed set of reasons, never channel names (a pattern may match any number of them).
 */
import { Counter } from 'prom-client';
import { metricsRegistry } from './registry.js';

const registers = [metricsRegistry];

export const pubsubMessagesTotal = new Counter({
  name: 'laminar_pubsub_messages_total',
  help: 'Messages a pub/sub source received from Redis (dropped ones included)',
  labelNames: ['source'] as const,
  registers,
});

export const pubsubDroppedTotal = new Counter({
  name: 'laminar_pubsub_dropped_total',
  help: 'Messages a pub/sub source received and dropped: buffer_full (the job fell behind), malformed (not a row)',
  labelNames: ['source', 'reason'] as const,
  registers,
});

export const pubsubDisconnectsTotal = new Counter({
  name: 'laminar_pubsub_disconnects_total',
  help: 'Subscriber connections of a pub/sub source lost (messages published until the resubscription are lost)',
  labelNames: ['source'] as const,
  registers,
});

export const pubsubResubscriptionsTotal = new Counter({
  name: 'laminar_pubsub_resubscriptions_total',
  help: 'Reconnections of a pub/sub source that subscribed everything again',
  labelNames: ['source'] as const,
  registers,
});
