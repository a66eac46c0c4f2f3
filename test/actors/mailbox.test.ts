import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { settle } from '../../src/actors/clock.js';
import { Mailbox, MailboxClosedError } from '../../src/actors/mailbox.js';

describe('Mailbox', () => {
  it('mailbox — post accepts up to capacity, then returns false', () => {
    const mb = new Mailbox<number>(2);
    expect(mb.post(1)).toBe(true);
    expect(mb.post(2)).toBe(true);
    expect(mb.post(3)).toBe(false);
    expect(mb.size).toBe(2);
  });

  it('mailbox — take returns messages in order and waits while empty', async () => {
    const mb = new Mailbox<string>(4);
    mb.post('a');
    expect(await mb.take()).toBe('a');
    let got: string | undefined;
    const waiting = mb.take().then((v) => {
      got = v;
    });
    await settle();
    expect(got).toBeUndefined();
    mb.post('b');
    await waiting;
    expect(got).toBe('b');
  });

  it('mailbox — send waits while full and is admitted when a take makes room', async () => {
    const mb = new Mailbox<number>(1);
    await mb.send(1);
    let admitted = false;
    const p = mb.send(2).then(() => {
      admitted = true;
    });
    await settle();
    expect(admitted).toBe(false);
    expect(mb.waitingSenders).toBe(1);
    expect(mb.takeNow()).toBe(1);
    await p;
    expect(admitted).toBe(true);
    expect(mb.takeNow()).toBe(2);
  });

  it('mailbox — waiting senders are admitted in call order and a post cannot overtake them', async () => {
    const mb = new Mailbox<string>(1);
    mb.post('first');
    const sends = [mb.send('s1'), mb.send('s2'), mb.send('s3')];
    expect(mb.post('late')).toBe(false);
    const got: string[] = [];
    for (let i = 0; i < 4; i++) got.push(await mb.take());
    await Promise.all(sends);
    expect(got).toEqual(['first', 's1', 's2', 's3']);
  });

  it('mailbox — close rejects waiting senders and takers; accepted messages stay takeable', async () => {
    const full = new Mailbox<number>(1);
    full.post(1);
    const blocked = full.send(2);
    full.close();
    await expect(blocked).rejects.toBeInstanceOf(MailboxClosedError);
    expect(full.takeNow()).toBe(1);
    await expect(full.take()).rejects.toMatchObject({ code: 'ERR_MAILBOX_CLOSED' });

    const empty = new Mailbox<number>(1, 'inbox');
    const taker = empty.take();
    empty.close();
    await expect(taker).rejects.toThrow('mailbox inbox is closed');
  });

  it('mailbox — post and send on a closed mailbox fail loudly', async () => {
    const mb = new Mailbox<number>(1);
    mb.close();
    expect(() => mb.post(1)).toThrow(MailboxClosedError);
    await expect(mb.send(1)).rejects.toBeInstanceOf(MailboxClosedError);
  });

  it('mailbox — clear drops accepted messages and admits waiting senders', async () => {
    const mb = new Mailbox<number>(2);
    mb.post(1);
    mb.post(2);
    const p = mb.send(3);
    expect(mb.clear()).toEqual([1, 2]);
    await p;
    expect(mb.takeNow()).toBe(3);
  });

  it('mailbox — async iteration yields in order and ends when closed and drained', async () => {
    const mb = new Mailbox<number>(8);
    for (let i = 0; i < 5; i++) mb.post(i);
    const seen: number[] = [];
    const consumer = (async () => {
      for await (const m of mb) seen.push(m);
    })();
    await settle();
    mb.post(5);
    mb.close();
    await consumer;
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('mailbox — takeNow on an empty mailbox is a RangeError', () => {
    expect(() => new Mailbox<number>(1).takeNow()).toThrow(RangeError);
  });

  it('mailbox — capacity must be a positive integer or Infinity', () => {
    expect(() => new Mailbox(0)).toThrow(RangeError);
    expect(() => new Mailbox(1.5)).toThrow(RangeError);
    const unbounded = new Mailbox<number>(Number.POSITIVE_INFINITY);
    let accepted = 0;
    for (let i = 0; i < 10_000; i++) if (unbounded.post(i)) accepted++;
    expect(accepted).toBe(10_000);
  });

  it('mailbox — FIFO under random interleavings of post, send and take (model check)', async () => {
    type Op = { kind: 'post' } | { kind: 'send' } | { kind: 'take' };
    const op = fc.oneof(
      fc.constant<Op>({ kind: 'post' }),
      fc.constant<Op>({ kind: 'send' }),
      fc.constant<Op>({ kind: 'take' }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(op, { maxLength: 40 }),
        async (capacity, ops) => {
          const mb = new Mailbox<number>(capacity);
          // Model: messages accepted or waiting to be, in acceptance order; and takers waiting.
          const model: number[] = [];
          let waitingTakes = 0;
          const delivered: number[] = [];
          const expected: number[] = [];
          const sendAdmitted = new Map<number, boolean>();
          let next = 0;
          for (const o of ops) {
            if (o.kind === 'take') {
              void mb.take().then((v) => delivered.push(v));
              if (model.length > 0) expected.push(model.shift()!);
              else waitingTakes++;
            } else {
              const v = next++;
              if (o.kind === 'post') {
                const ok = mb.post(v);
                const room = waitingTakes > 0 || model.length < capacity;
                expect(ok).toBe(room);
                if (!ok) continue;
              } else {
                sendAdmitted.set(v, false);
                void mb.send(v).then(() => sendAdmitted.set(v, true));
              }
              if (waitingTakes > 0) {
                waitingTakes--;
                expected.push(v);
              } else {
                model.push(v);
              }
            }
            await settle();
            // A send is admitted exactly when its message is delivered or inside the queue's room.
            const inRoom = new Set(model.slice(0, capacity));
            for (const [v, admitted] of sendAdmitted) {
              expect(admitted).toBe(expected.includes(v) || inRoom.has(v));
            }
          }
          expect(delivered).toEqual(expected);
          expect(mb.size).toBe(Math.min(model.length, capacity));
          expect(mb.waitingSenders).toBe(Math.max(0, model.length - capacity));
        },
      ),
      { numRuns: 200 },
    );
  });
});
