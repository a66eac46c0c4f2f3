import { keySlot, SLOT_COUNT } from '../../resp/cluster/key-slot.js';

let tags: string[] | null = null;

/**
 * A short hash tag for each of the 16384 slots: `tagForSlot(s)` hashes to slot `s`. Built once
 * (base-36 counters, one CRC16 per candidate, done at start-up) and then a table lookup.
 *
 * The fence hash of a key is named with the tag of the key's slot, never with the key itself in
 * braces: a key containing `{`/`}` would change which part Redis hashes.
 */
export function tagForSlot(slot: number): string {
  if (tags === null) {
    const table: string[] = new Array(SLOT_COUNT);
    let missing = SLOT_COUNT;
    for (let n = 0; missing > 0; n++) {
      const t = n.toString(36);
      const s = keySlot(t);
      if (table[s] === undefined) {
        table[s] = t;
        missing--;
      }
    }
    tags = table;
  }
  return tags[slot];
}

/**
 * Name of the hash holding `table`'s fences on standalone Redis: one hash for every slot, its
 * fields named after the slot too (fence-script.ts), so a call reads and moves them all at once.
 */
export function tableFenceKey(table: string): string {
  return `laminar:fence:${table}`;
}

/**
 * Name of the hash holding `table`'s fences in `slot` on Redis Cluster: `laminar:fence:{<tag>}:<table>`, in that
 * same slot (the first `{…}` is the tag's, whatever the table name holds).
 */
export function fenceKey(slot: number, table: string): string {
  return `laminar:fence:{${tagForSlot(slot)}}:${table}`;
}
