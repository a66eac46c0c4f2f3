import { keySlot } from '../../resp/cluster/key-slot.js';
import type { Command, Reply } from '../../resp/reply.js';
import type { RedisTransport } from '../../resp/target.js';

/**
 * Sends a command about stream `key` to the node serving it. Stream commands do not all hold
 * their key first (`XGROUP CREATE key`, `XINFO STREAM key`, `XREADGROUP ... STREAMS key id`), so
 * the slot is given rather than found in the arguments. An error reply rejects.
 */
export async function callOn(t: RedisTransport, key: string, command: Command): Promise<Reply> {
  const [reply] = await t.pipelineSlots([command], [keySlot(key)]);
  if (reply instanceof Error) throw reply;
  return reply;
}
