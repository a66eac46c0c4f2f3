import type { Reply } from '../../resp/reply.js';
import { checkKey, KEY_TEMPLATE_OPTION, keyFields, optionsOf } from './shared.js';
import { emit, type KeyTemplateOption, replyText, type TargetWriter } from './writer.js';

/**
 * A Pub/Sub table: each row is one `PUBLISH channel message` (`SPUBLISH` on Redis Cluster, where
 * the channel's slot picks the node, and only that shard's subscribers hear it). The message is
 * the row encoded in the table's format. A published message cannot be taken back: delivery is
 * at least once, and `messageIdField` adds an id to each JSON message so that subscribers can
 * drop repeats (`partition:offset` of the row's source position; stable across replays).
 */
export interface PubSubTarget extends KeyTemplateOption {
  type: 'pubsub';
  /** Required unless `keyTemplate` is given. */
  channelPrefix?: string;
  channelColumn?: string;
  /** A field added to each JSON message holding the row's id. */
  messageIdField?: string;
}

export const PUBSUB_WRITER: TargetWriter<PubSubTarget> = {
  type: 'pubsub',
  title: 'Pub/Sub',
  redisType: 'none',
  options: optionsOf<PubSubTarget>(
    { field: 'channelPrefix', sql: 'sink.channel_prefix' },
    { field: 'channelColumn', sql: 'sink.channel_column' },
    { field: 'messageIdField', sql: 'sink.message_id_field' },
    KEY_TEMPLATE_OPTION,
  ),
  keysRepeat: true,

  check(c) {
    const key = checkKey(c, 'channelPrefix', 'channelColumn');
    const out: PubSubTarget = { type: 'pubsub', ...keyFields(key, 'channelPrefix', 'channelColumn') };
    const id = c.name('messageIdField');
    if (id !== undefined) out.messageIdField = id;
    return out;
  },
  keyPrefix: (t) => t.channelPrefix ?? '',
  keyColumn: (t) => t.channelColumn,
  keyTemplate: (t) => t.keyTemplate,
  shape: (t) =>
    t.messageIdField === undefined ? {} : { added: { field: t.messageIdField, role: 'message id' } },
  identityColumns: () => [],
  groupedWrites: () => 'append',
  exactlyOnceByDefault: () => false,
  retraction: () => ({ kind: 'event' }),
  needsPositions: (t) => t.messageIdField !== undefined,

  commands(t, rows, out) {
    const verb = out.cluster ? 'SPUBLISH' : 'PUBLISH';
    const { keys, values, positions } = rows;
    const id = t.messageIdField;
    for (let i = 0; i < keys.length; i++) {
      emit(out, [verb, keys[i], id === undefined ? values[i] : withId(values[i], id, positions[i])], 1);
    }
  },
  // A message id needs each row's source position: those rows are kept until the flush. On a
  // cluster there is no pipeline, so the verb here is always PUBLISH.
  perRow: (t) => (t.messageIdField === undefined ? { verb: 'PUBLISH' } : undefined),
  fenced: () => null,

  // A channel keeps nothing to read back.
  sampleCommands: (key) => [['PUBSUB', 'NUMSUB', key]],
  sample: ([numsub]: readonly Reply[]) => ({ entries: [{ value: replyText((numsub as Reply[])[1]) }] }),
  describeSample: (s) => `channel with ${s.entries[0]?.value ?? 0} subscribers`,
};

/** The JSON object `json` with `"field":"id"` first. */
function withId(json: string | Buffer, field: string, id: string): string | Buffer {
  if (typeof json !== 'string') return json;
  const head = `{${JSON.stringify(field)}:${JSON.stringify(id)}`;
  return json.length === 2 ? `${head}}` : `${head},${json.slice(1)}`;
}
