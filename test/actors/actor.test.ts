import { describe, expect, it, vi } from 'vitest';
import { Actor, type ActorOptions, type ActorParent, type ActorRef } from '../../src/actors/actor.js';
import { ManualClock, settle } from '../../src/actors/clock.js';
import { MailboxClosedError } from '../../src/actors/mailbox.js';

type Msg = { n: number; fail?: boolean; wait?: number };

/** Records what it handled; `wait` sleeps on the manual clock, `fail` throws. */
class Recorder extends Actor<Msg> {
  readonly handled: number[] = [];
  readonly stops: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(
    readonly clock: ManualClock,
    options: Partial<ActorOptions> = {},
  ) {
    super({ name: 'recorder', ...options });
  }
  protected override async handle(msg: Msg): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (msg.wait !== undefined) await this.clock.sleep(msg.wait);
      if (msg.fail) throw new Error(`boom at ${msg.n}`);
      this.handled.push(msg.n);
    } finally {
      this.inFlight--;
    }
  }
  protected override onStop(reason: 'stopped' | 'failed'): void {
    this.stops.push(reason);
  }
  failFromOutside(err: unknown): void {
    this.fail(err);
  }
}

function parentSpy() {
  const failed: Array<{ child: ActorRef; error: unknown }> = [];
  const stopped: ActorRef[] = [];
  const parent: ActorParent = {
    onChildFailed: (child, error) => failed.push({ child, error }),
    onChildStopped: (child) => stopped.push(child),
  };
  return { parent, failed, stopped };
}

describe('Actor', () => {
  it('actor — handles messages strictly in order, one at a time, with async handlers', async () => {
    const clock = new ManualClock();
    const a = new Recorder(clock);
    a.start();
    for (let n = 0; n < 6; n++) a.post({ n, wait: n % 2 === 0 ? 10 : undefined });
    await clock.advanceAsync(100);
    expect(a.handled).toEqual([0, 1, 2, 3, 4, 5]);
    expect(a.maxInFlight).toBe(1);
    await a.stop();
  });

  it('actor — messages accepted before start are handled after start', async () => {
    const a = new Recorder(new ManualClock());
    a.post({ n: 1 });
    a.post({ n: 2 });
    await settle();
    expect(a.handled).toEqual([]);
    a.start();
    await settle();
    expect(a.handled).toEqual([1, 2]);
    await a.stop();
  });

  it('actor — a throw in handle ends the actor as failed state reported to the parent, not thrown', async () => {
    const { parent, failed } = parentSpy();
    const a = new Recorder(new ManualClock(), { parent });
    a.start();
    const sends = [a.send({ n: 1 }), a.send({ n: 2, fail: true }), a.send({ n: 3 }), a.send({ n: 4 })];
    await a.done;
    // The sender of the failing message sees its message accepted, nothing more.
    await expect(Promise.all(sends)).resolves.toBeDefined();
    expect(a.status).toBe('failed');
    expect((a.error as Error).message).toBe('boom at 2');
    expect(failed).toHaveLength(1);
    expect(failed[0].child).toBe(a);
    expect(failed[0].error).toBe(a.error);
    expect(a.handled).toEqual([1]);
    expect(a.dropped).toBe(2);
    expect(a.stops).toEqual(['failed']);
    expect(() => a.post({ n: 5 })).toThrow(MailboxClosedError);
  });

  it('actor — an async rejection in handle fails the actor the same way', async () => {
    const clock = new ManualClock();
    const { parent, failed } = parentSpy();
    const a = new Recorder(clock, { parent });
    a.start();
    a.post({ n: 1, wait: 5, fail: true });
    await clock.advanceAsync(5);
    await a.done;
    expect(a.status).toBe('failed');
    expect(failed.map((f) => (f.error as Error).message)).toEqual(['boom at 1']);
  });

  it('actor — a failure rejects senders waiting on a full mailbox', async () => {
    const clock = new ManualClock();
    const a = new Recorder(clock, { mailboxSize: 1, parent: parentSpy().parent });
    a.start();
    a.post({ n: 1, wait: 5, fail: true });
    await settle(); // the loop has taken message 1
    a.post({ n: 2 });
    const blocked = a.send({ n: 3 }).catch((e: unknown) => e);
    await clock.advanceAsync(5);
    expect(await blocked).toBeInstanceOf(MailboxClosedError);
    expect(a.status).toBe('failed');
  });

  it('actor — stop() drains: accepted messages are handled before it resolves', async () => {
    const clock = new ManualClock();
    const { parent, stopped } = parentSpy();
    const a = new Recorder(clock, { parent });
    a.start();
    a.post({ n: 1, wait: 10 });
    a.post({ n: 2 });
    a.post({ n: 3 });
    let ended = false;
    const stopping = a.stop().then(() => {
      ended = true;
    });
    expect(a.status).toBe('stopping');
    expect(() => a.post({ n: 4 })).toThrow(MailboxClosedError);
    await settle();
    expect(ended).toBe(false);
    await clock.advanceAsync(10);
    await stopping;
    expect(a.handled).toEqual([1, 2, 3]);
    expect(a.status).toBe('stopped');
    expect(a.stops).toEqual(['stopped']);
    expect(stopped).toEqual([a]);
  });

  it("actor — stop('drop') finishes the current message and discards the rest", async () => {
    const clock = new ManualClock();
    const a = new Recorder(clock);
    a.start();
    a.post({ n: 1, wait: 10 });
    a.post({ n: 2 });
    a.post({ n: 3 });
    await settle();
    const stopping = a.stop('drop');
    await clock.advanceAsync(10);
    await stopping;
    expect(a.handled).toEqual([1]);
    expect(a.dropped).toBe(2);
    expect(a.status).toBe('stopped');
  });

  it('actor — stopping an actor that never started drops its messages and ends it', async () => {
    const a = new Recorder(new ManualClock());
    a.post({ n: 1 });
    await a.stop();
    expect(a.status).toBe('stopped');
    expect(a.dropped).toBe(1);
    a.start();
    await settle();
    expect(a.handled).toEqual([]);
  });

  it('actor — send applies backpressure while the actor is busy and the mailbox is full', async () => {
    const clock = new ManualClock();
    const a = new Recorder(clock, { mailboxSize: 2 });
    a.start();
    a.post({ n: 0, wait: 10 });
    await settle();
    await a.send({ n: 1 });
    await a.send({ n: 2 });
    let admitted = false;
    const p = a.send({ n: 3 }).then(() => {
      admitted = true;
    });
    await settle();
    expect(admitted).toBe(false);
    await clock.advanceAsync(10);
    await p;
    expect(admitted).toBe(true);
    await a.stop();
    expect(a.handled).toEqual([0, 1, 2, 3]);
  });

  it('actor — fail() from outside handle ends the actor after the current message', async () => {
    const clock = new ManualClock();
    const { parent, failed } = parentSpy();
    const a = new Recorder(clock, { parent });
    a.start();
    a.post({ n: 1, wait: 10 });
    a.post({ n: 2 });
    await settle();
    a.failFromOutside(new Error('socket closed'));
    await clock.advanceAsync(10);
    await a.done;
    expect(a.handled).toEqual([1]);
    expect(a.status).toBe('failed');
    expect((failed[0].error as Error).message).toBe('socket closed');
  });

  it('actor — a failing onStart fails the actor before any message', async () => {
    class BadStart extends Recorder {
      protected override onStart(): void {
        throw new Error('no connection');
      }
    }
    const { parent, failed } = parentSpy();
    const a = new BadStart(new ManualClock(), { parent });
    a.post({ n: 1 });
    a.start();
    await a.done;
    expect(a.handled).toEqual([]);
    expect(failed).toHaveLength(1);
    expect(a.status).toBe('failed');
  });

  it('actor — a failure without a parent is logged; a throwing parent is logged too', async () => {
    const logger = { error: vi.fn() };
    const orphan = new Recorder(new ManualClock(), { logger });
    orphan.start();
    orphan.post({ n: 1, fail: true });
    await orphan.done;
    expect(orphan.status).toBe('failed');
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error.mock.calls[0][1]).toBe('actor failed');

    const throwing: ActorParent = {
      onChildFailed: () => {
        throw new Error('parent bug');
      },
    };
    const child = new Recorder(new ManualClock(), { logger, parent: throwing });
    child.start();
    child.post({ n: 1, fail: true });
    await child.done;
    expect(child.status).toBe('failed');
    expect(logger.error).toHaveBeenCalledTimes(2);
  });
});
