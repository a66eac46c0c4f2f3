import { SLOT_COUNT } from './key-slot.js';
import { type NodeAddress, nodeKey, type SlotRange } from './topology.js';

/**
 * Which node serves each of the 16384 slots, as `host:port` keys. Built whole from a topology and
 * patched one slot at a time by MOVED replies until the next refresh replaces it.
 */
export class SlotMap {
  /** owners[slot] = `host:port` of the master serving it, or undefined while unknown. */
  readonly owners: (string | undefined)[] = new Array(SLOT_COUNT).fill(undefined);
  /** Every known node by `host:port`. */
  readonly nodes = new Map<string, NodeAddress & { role: 'master' | 'replica' }>();
  #masters: string[] | null = null;

  static fromRanges(ranges: readonly SlotRange[]): SlotMap {
    const map = new SlotMap();
    for (const r of ranges) {
      const key = nodeKey(r.master.host, r.master.port);
      map.nodes.set(key, { host: r.master.host, port: r.master.port, role: 'master' });
      for (const replica of r.replicas) {
        const rk = nodeKey(replica.host, replica.port);
        if (!map.nodes.has(rk))
          map.nodes.set(rk, { host: replica.host, port: replica.port, role: 'replica' });
      }
      for (let s = Math.max(0, r.from); s <= Math.min(SLOT_COUNT - 1, r.to); s++) map.owners[s] = key;
    }
    return map;
  }

  /** Slots with no known owner. */
  uncovered(): number {
    let n = 0;
    for (let s = 0; s < SLOT_COUNT; s++) if (this.owners[s] === undefined) n++;
    return n;
  }

  /** Records that `slot` now lives on `address` (a MOVED reply); returns the node key. */
  assign(slot: number, address: NodeAddress): string {
    const key = nodeKey(address.host, address.port);
    const known = this.nodes.get(key);
    if (known === undefined || known.role !== 'master') {
      this.nodes.set(key, { host: address.host, port: address.port, role: 'master' });
    }
    this.owners[slot] = key;
    this.#masters = null;
    return key;
  }

  /** Keys of the masters serving at least one slot. */
  masters(): string[] {
    if (this.#masters === null) this.#masters = [...new Set(this.owners.filter((k) => k !== undefined))];
    return this.#masters;
  }
}
