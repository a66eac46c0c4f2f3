import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BarrierAlignment, BarrierOrderError } from '../../src/dataflow/barrier.js';

describe('barrier alignment', () => {
  it('barrier — an input that delivered barrier N is held until every input did', async () => {
    const a = new BarrierAlignment(['x', 'y', 'z']);
    expect(a.admit('x')).toBeUndefined();
    a.hold('x', 4);
    const waiting = a.admit('x');
    expect(waiting).toBeInstanceOf(Promise);
    let released = false;
    void waiting!.then(() => (released = true));
    expect(a.arrive('x', 4)).toBe(false);
    a.hold('y', 4);
    expect(a.arrive('y', 4)).toBe(false);
    expect(a.admit('z')).toBeUndefined(); // z has not sent its barrier: it flows
    a.hold('z', 4);
    expect(a.arrive('z', 4)).toBe(true);
    await Promise.resolve();
    expect(released).toBe(false); // aligned, but not released before the shard acked
    a.release();
    await waiting;
    expect(released).toBe(true);
    expect(a.held.size).toBe(0);
    expect(a.current).toBeUndefined();
  });

  it('barrier — refuses a second barrier id while one aligns, a repeated barrier and unknown inputs', () => {
    const a = new BarrierAlignment(['x', 'y']);
    a.hold('x', 1);
    expect(() => a.hold('y', 2)).toThrow(BarrierOrderError);
    expect(() => a.hold('x', 1)).toThrow(BarrierOrderError);
    expect(() => a.hold('w', 1)).toThrow(BarrierOrderError);
    expect(() => a.arrive('y', 1)).toThrow(BarrierOrderError); // not held: never enqueued
    expect(() => new BarrierAlignment([])).toThrow(RangeError);
  });

  it('barrier — under any interleaving, at alignment exactly the messages before barrier N were handled (property)', async () => {
    // Each input sends rows, then barrier 1, then rows. A single FIFO stands for the mailbox; the
    // scheduler picks which sender moves next. At alignment the handled set must be exactly the
    // pre-barrier rows of every input, and nothing after a barrier may be handled before it.
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(4), fc.nat(4)), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { minLength: 60, maxLength: 60 }),
        async (inputs, choices) => {
          const names = inputs.map((_, i) => `in${i}`);
          const align = new BarrierAlignment(names);
          type Msg = { input: string; kind: 'row' | 'barrier'; pre: boolean };
          const plans: Msg[][] = inputs.map(([before, after], i) => [
            ...Array.from({ length: before }, () => ({ input: names[i], kind: 'row' as const, pre: true })),
            { input: names[i], kind: 'barrier' as const, pre: true },
            ...Array.from({ length: after }, () => ({ input: names[i], kind: 'row' as const, pre: false })),
          ]);
          const queue: Msg[] = [];
          const handled: Msg[] = [];
          let alignedWith: Msg[] | null = null;
          let c = 0;
          const pick = () => choices[c++ % choices.length];
          while (plans.some((p) => p.length > 0) || queue.length > 0) {
            const senders = plans
              .map((_, i) => i)
              .filter((i) => plans[i].length > 0 && align.admit(names[i]) === undefined);
            // Either a sender enqueues (when one may) or the shard handles the oldest message.
            if (senders.length > 0 && (queue.length === 0 || pick() % 2 === 0)) {
              const i = senders[pick() % senders.length];
              const m = plans[i].shift()!;
              if (m.kind === 'barrier') align.hold(m.input, 1);
              queue.push(m);
            } else if (queue.length > 0) {
              const m = queue.shift()!;
              handled.push(m);
              if (m.kind === 'barrier' && align.arrive(m.input, 1)) {
                alignedWith = [...handled];
                align.release();
              }
            } else {
              throw new Error('deadlock: senders held with nothing to handle');
            }
          }
          expect(alignedWith).not.toBeNull();
          const pre = alignedWith!.filter((m) => m.kind === 'row');
          expect(pre.every((m) => m.pre)).toBe(true);
          expect(pre.length).toBe(inputs.reduce((n, [b]) => n + b, 0));
        },
      ),
      { numRuns: 300 },
    );
  });
});
