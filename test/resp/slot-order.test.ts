import { describe, expect, it } from 'vitest';
import { NO_SLOT } from '../../src/resp/cluster/command-keys.js';
import { SlotOrder } from '../../src/resp/cluster/slot-order.js';

/** Lets every settled promise's callbacks run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('slot order', () => {
  it('slot order — a later run waits behind an earlier run that holds its slot, and stands in line meanwhile', async () => {
    const order = new SlotOrder();
    const first = order.nextRun();
    const second = order.nextRun();
    const third = order.nextRun();
    const firstOwned: number[] = [];
    order.hold(first, 7, firstOwned, false);
    expect(order.anyHeld).toBe(true);

    const secondOwned: number[] = [];
    let secondGoes = false;
    const waiting = order.waitHolds(second, [7, 8], [0, 1], secondOwned).then(() => {
      secondGoes = true;
    });
    await flush();
    expect(secondGoes).toBe(false);
    expect(secondOwned).toEqual([7]); // in line on slot 7, so the third run queues behind it

    order.release(first, firstOwned, false);
    await waiting;
    expect(secondGoes).toBe(true);
    // The second run still stands in line on 7 until it has sent: the third run waits for it.
    let thirdGoes = false;
    const third7 = order.waitHolds(third, [7], [0], []).then(() => {
      thirdGoes = true;
    });
    await flush();
    expect(thirdGoes).toBe(false);
    order.release(second, secondOwned, true);
    await third7;
    expect(secondOwned).toEqual([]);
    expect(order.anyHeld).toBe(true); // the third run's own place in line
  });

  it('slot order — a retry claim is kept through a release of queued claims; keyless commands hold nothing', () => {
    const order = new SlotOrder();
    const run = order.nextRun();
    const owned: number[] = [];
    order.hold(run, NO_SLOT, owned, false);
    expect(owned).toEqual([]);
    order.hold(run, 3, owned, true);
    order.hold(run, 3, owned, false); // upgrades, no second claim
    order.hold(run, 4, owned, true);
    order.release(run, owned, true);
    expect(owned).toEqual([3]);
    order.release(run, owned, false);
    expect(owned).toEqual([]);
    expect(order.anyHeld).toBe(false);
  });

  it('slot order — commands of a slot in flight to one node keep the slot off other nodes until they settle', async () => {
    const order = new SlotOrder();
    expect(order.pin(5, 'a:1')).toBe(true);
    expect(order.pin(5, 'a:1')).toBe(true);
    expect(order.pin(5, 'b:2')).toBe(false);
    let drained = false;
    const d = order.drained([5, 6]).then(() => {
      drained = true;
    });
    order.unpin(5);
    await flush();
    expect(drained).toBe(false);
    order.unpin(5);
    await d;
    expect(drained).toBe(true);
    expect(order.pin(5, 'b:2')).toBe(true);
  });
});
