import { NO_SLOT } from './command-keys.js';
import { SLOT_COUNT } from './key-slot.js';

/**
 * A run's claim on a slot; later runs touching the slot wait until it is released. A run retrying
 * the slot keeps it until the run ends; a run that merely waited in line (`queued`) releases it as
 * soon as it has handed its commands to a connection.
 */
interface Hold {
  owner: number;
  queued: boolean;
  done: Promise<void>;
  release: () => void;
}

/** Resolves the runs waiting for a slot's in-flight commands to settle. */
interface Drain {
  done: Promise<void>;
  release: () => void;
}

/**
 * Per-slot order of a cluster client's commands across MOVED, ASK, retries and topology changes.
 * A run is one `pipeline` call; runs are numbered by start. Two mechanisms keep a command from
 * overtaking an earlier command to the same slot:
 *
 * - holds: a run that must resend commands of a slot (redirected, retried, unrouted) holds the
 *   slot until it ends; a later run touching the slot waits in line behind it (by run number, so
 *   no two runs wait on each other), and itself holds the slot while it waits, so an even later
 *   run cannot slip past it when the earlier one finishes.
 * - pins: per slot, the node its map-routed commands are in flight to, and how many are. No
 *   command of the slot goes to another node until they settle: after a topology change it would
 *   overtake them, and they may yet be redirected to where it went.
 *
 * The common case costs one counter per command and nothing else: no slot held, no promise.
 */
export class SlotOrder {
  readonly #holds = new Map<number, Hold[]>();
  readonly #pinNode: (string | undefined)[] = new Array(SLOT_COUNT);
  readonly #pinCount = new Uint32Array(SLOT_COUNT);
  readonly #drains = new Map<number, Drain>();
  #runSeq = 0;

  /** Numbers a new run: later runs wait behind earlier ones, never the other way round. */
  nextRun(): number {
    return ++this.#runSeq;
  }

  /** True when some run holds a slot: only then may a new run have to wait. */
  get anyHeld(): boolean {
    return this.#holds.size > 0;
  }

  /**
   * Claims `slot` for `run`: retried (`queued` false, kept until the run ends) or waiting in line
   * (`queued` true, released once the run has sent its commands). A retry claim upgrades a queued
   * one. `owned` collects the run's claimed slots, for {@link release}.
   */
  hold(run: number, slot: number, owned: number[], queued: boolean): void {
    if (slot === NO_SLOT) return;
    let list = this.#holds.get(slot);
    if (list === undefined) this.#holds.set(slot, (list = []));
    for (const h of list) {
      if (h.owner === run) {
        if (!queued) h.queued = false;
        return;
      }
    }
    let release!: () => void;
    const done = new Promise<void>((r) => {
      release = r;
    });
    list.push({ owner: run, queued, done, release });
    owned.push(slot);
  }

  /** Releases the claims of `run` (only its queued ones with `queuedOnly`), and drops them from `owned`. */
  release(run: number, owned: number[], queuedOnly: boolean): void {
    let kept = 0;
    for (const slot of owned) {
      const list = this.#holds.get(slot);
      const k = list === undefined ? -1 : list.findIndex((h) => h.owner === run);
      if (k === -1) continue;
      const h = list![k];
      if (queuedOnly && !h.queued) {
        owned[kept++] = slot;
        continue;
      }
      list!.splice(k, 1);
      if (list!.length === 0) this.#holds.delete(slot);
      h.release();
    }
    owned.length = kept;
  }

  /**
   * Waits until no earlier run holds the slot of any command in `indices` (`slots` per command).
   * While it waits, the run stands in line on those slots, so a later run cannot overtake it when
   * the earlier ones finish.
   */
  async waitHolds(
    run: number,
    slots: readonly number[],
    indices: readonly number[],
    owned: number[],
  ): Promise<void> {
    for (;;) {
      if (this.#holds.size === 0) return;
      const waits: Promise<void>[] = [];
      for (const i of indices) {
        const list = this.#holds.get(slots[i]);
        if (list === undefined) continue;
        let earlier = false;
        for (const h of list) {
          if (h.owner < run) {
            waits.push(h.done);
            earlier = true;
          }
        }
        if (earlier) this.hold(run, slots[i], owned, true);
      }
      if (waits.length === 0) return;
      await Promise.all(waits);
    }
  }

  /**
   * Counts one more command of `slot` in flight to `node`. Returns false, counting nothing, while
   * earlier commands of the slot are in flight to another node: the caller must wait for
   * {@link drained} and route the command again.
   */
  pin(slot: number, node: string): boolean {
    if (this.#pinCount[slot] > 0 && this.#pinNode[slot] !== node) return false;
    this.#pinNode[slot] = node;
    this.#pinCount[slot]++;
    return true;
  }

  /** Counts one command of `slot` settled (its reply, or its connection's failure, arrived). */
  unpin(slot: number): void {
    if (--this.#pinCount[slot] === 0) {
      const d = this.#drains.get(slot);
      if (d !== undefined) {
        this.#drains.delete(slot);
        d.release();
      }
    }
  }

  /** Resolves when no command of these slots is in flight any more. */
  drained(slotList: readonly number[]): Promise<unknown> {
    const waits: Promise<void>[] = [];
    for (const slot of slotList) {
      if (this.#pinCount[slot] === 0) continue;
      let d = this.#drains.get(slot);
      if (d === undefined) {
        let release!: () => void;
        const done = new Promise<void>((r) => {
          release = r;
        });
        this.#drains.set(slot, (d = { done, release }));
      }
      waits.push(d.done);
    }
    return Promise.all(waits);
  }
}
