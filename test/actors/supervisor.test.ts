import { describe, expect, it, vi } from 'vitest';
import { Actor, type ActorParent, type ActorRef } from '../../src/actors/actor.js';
import { ManualClock, settle } from '../../src/actors/clock.js';
import {
  parseRestartPolicy,
  RestartLimitError,
  Supervisor,
  type SupervisorEvent,
  type SupervisorOptions,
} from '../../src/actors/supervisor.js';

/** A child that fails on 'crash' and records the rest. */
class Worker extends Actor<string> {
  readonly seen: string[] = [];
  protected override handle(msg: string): void {
    if (msg === 'crash') throw new Error(`${this.name} crashed`);
    this.seen.push(msg);
  }
}

function setup(options: Partial<SupervisorOptions> = {}) {
  const clock = new ManualClock();
  const events: SupervisorEvent[] = [];
  const incarnations: Worker[] = [];
  const sup = new Supervisor({
    name: 'sup',
    clock,
    random: () => 0.5, // no jitter offset unless a test says otherwise
    onEvent: (e) => events.push(e),
    logger: { error: vi.fn(), warn: vi.fn() },
    ...options,
  });
  const factory = (name: string) => (parent: ActorParent) => {
    const w = new Worker({ name, parent });
    incarnations.push(w);
    return w;
  };
  return { clock, events, incarnations, sup, factory };
}

const worker = (sup: Supervisor, name: string) => sup.child(name) as Worker | undefined;

/** Makes the current incarnation of `name` fail, the way a real child fails: a message it cannot handle. */
async function crash(sup: Supervisor, name: string): Promise<Worker> {
  const w = worker(sup, name)!;
  await w.send('crash'); // accepted; the failure is not the sender's to catch
  await w.done;
  return w;
}

describe('Supervisor', () => {
  it('supervisor — a child failing is state: the sender is untouched, the supervisor schedules a restart', async () => {
    const { sup, factory, events } = setup();
    sup.startChild('a', factory('a'));
    sup.start();
    const first = await crash(sup, 'a');
    expect(first.status).toBe('failed');
    expect((first.error as Error).message).toBe('a crashed');
    expect(sup.status).toBe('running');
    expect(sup.child('a')).toBeUndefined();
    expect(sup.restartPending('a')).toBe(true);
    expect(events).toEqual([
      { type: 'child-failed', child: 'a', error: first.error, attempt: 1, delayMs: 100 },
    ]);
    await sup.stop();
  });

  it('supervisor — restarts after exponential delays: 100, 200, 400 ms', async () => {
    const { sup, factory, clock, incarnations } = setup({ restart: { maxRestarts: 10 } });
    sup.startChild('a', factory('a'));
    sup.start();
    for (const [i, delay] of [100, 200, 400].entries()) {
      await crash(sup, 'a');
      await clock.advanceAsync(delay - 1);
      expect(sup.child('a')).toBeUndefined();
      await clock.advanceAsync(1);
      expect(sup.child('a')?.status).toBe('running');
      expect(sup.restarts('a')).toBe(i + 1);
    }
    expect(incarnations).toHaveLength(4);
    // The new incarnation works.
    await worker(sup, 'a')!.send('hello');
    await settle();
    expect(worker(sup, 'a')!.seen).toEqual(['hello']);
    await sup.stop();
  });

  it('supervisor — jitter spreads the delay by ±jitter and never exceeds maxDelayMs', async () => {
    const delays: number[] = [];
    for (const r of [0, 0.75, 0.999]) {
      const { sup, factory, events } = setup({ random: () => r, restart: { jitter: 0.2 } });
      sup.startChild('a', factory('a'));
      sup.start();
      await crash(sup, 'a');
      delays.push((events[0] as { delayMs: number }).delayMs);
      await sup.stop();
    }
    expect(delays).toEqual([80, 110, 120]);

    const { sup, factory, events, clock } = setup({
      random: () => 0.999,
      restart: { initialDelayMs: 1000, maxDelayMs: 1500, maxRestarts: 10 },
    });
    sup.startChild('a', factory('a'));
    sup.start();
    for (let i = 0; i < 3; i++) {
      await crash(sup, 'a');
      await clock.advanceAsync(1500);
    }
    expect(events.filter((e) => e.type === 'child-failed').map((e) => e.delayMs)).toEqual([1200, 1500, 1500]);
    await sup.stop();
  });

  it('supervisor — gives up after maxRestarts within the window, stops the others, reports upward', async () => {
    const failedUp: Array<{ child: ActorRef; error: unknown }> = [];
    const { sup, factory, clock, events } = setup({
      parent: { onChildFailed: (child, error) => failedUp.push({ child, error }) },
      restart: { maxRestarts: 2, windowMs: 10_000 },
    });
    sup.startChild('a', factory('a'));
    sup.startChild('b', factory('b'));
    sup.start();
    const b = worker(sup, 'b')!;
    await crash(sup, 'a');
    await clock.advanceAsync(100);
    await crash(sup, 'a');
    await clock.advanceAsync(200);
    const last = await crash(sup, 'a');
    await sup.done;

    expect(sup.status).toBe('failed');
    expect(sup.error).toBeInstanceOf(RestartLimitError);
    const err = sup.error as RestartLimitError;
    expect(err.code).toBe('ERR_RESTART_LIMIT');
    expect(err.child).toBe('a');
    expect(err.failures).toBe(3);
    expect(err.cause).toBe(last.error);
    expect(b.status).toBe('stopped');
    expect(failedUp).toEqual([{ child: sup, error: err }]);
    expect(events.at(-1)).toEqual({ type: 'gave-up', child: 'a', error: err });
    expect(clock.pendingTimers).toBe(0);
  });

  it('supervisor — failures older than the window are forgotten: no give-up, delay back to initial', async () => {
    const { sup, factory, clock, events } = setup({ restart: { maxRestarts: 1, windowMs: 1000 } });
    sup.startChild('a', factory('a'));
    sup.start();
    for (let i = 0; i < 5; i++) {
      await crash(sup, 'a');
      await clock.advanceAsync(1000);
    }
    expect(sup.status).toBe('running');
    expect(sup.restarts('a')).toBe(5);
    expect(events.filter((e) => e.type === 'child-failed').map((e) => e.delayMs)).toEqual([
      100, 100, 100, 100, 100,
    ]);
    await sup.stop();
  });

  it('supervisor — nested: an inner supervisor that gives up is restarted by the outer one', async () => {
    const clock = new ManualClock();
    const logger = { error: vi.fn(), warn: vi.fn() };
    const outerEvents: SupervisorEvent[] = [];
    const outer = new Supervisor({
      name: 'outer',
      clock,
      random: () => 0.5,
      logger,
      onEvent: (e) => outerEvents.push(e),
    });
    outer.startChild('inner', (parent) => {
      const inner = new Supervisor({ name: 'inner', clock, parent, logger, restart: { maxRestarts: 0 } });
      inner.startChild('a', (p) => new Worker({ name: 'a', parent: p }));
      return inner;
    });
    outer.start();
    const inner1 = outer.child('inner') as Supervisor;
    await crash(inner1, 'a');
    await inner1.done;
    expect(inner1.status).toBe('failed');
    expect(outerEvents[0]).toMatchObject({ type: 'child-failed', child: 'inner', attempt: 1 });
    await clock.advanceAsync(100);
    const inner2 = outer.child('inner') as Supervisor;
    expect(inner2).not.toBe(inner1);
    expect(inner2.status).toBe('running');
    expect(inner2.child('a')?.status).toBe('running');
    await outer.stop();
    expect(inner2.status).toBe('stopped');
  });

  it('supervisor — stop cancels a pending restart and stops every child', async () => {
    const { sup, factory, clock, incarnations } = setup();
    sup.startChild('a', factory('a'));
    sup.startChild('b', factory('b'));
    sup.start();
    await crash(sup, 'a');
    await sup.stop();
    await clock.advanceAsync(10_000);
    expect(incarnations).toHaveLength(2);
    expect(sup.status).toBe('stopped');
    expect(worker(sup, 'b')!.status).toBe('stopped');
    expect(clock.pendingTimers).toBe(0);
  });

  it('supervisor — a throwing factory counts as a failure and is retried with backoff', async () => {
    const { sup, clock, events } = setup();
    let calls = 0;
    sup.startChild('flaky', (parent) => {
      calls++;
      if (calls === 1) throw new Error('not yet');
      return new Worker({ name: 'flaky', parent });
    });
    sup.start();
    expect(sup.child('flaky')).toBeUndefined();
    expect(events[0]).toMatchObject({ type: 'child-failed', child: 'flaky', delayMs: 100 });
    await clock.advanceAsync(100);
    expect(sup.child('flaky')?.status).toBe('running');
    await sup.stop();
  });

  it('supervisor — a child that stops cleanly is not restarted', async () => {
    const { sup, factory, clock, incarnations } = setup();
    sup.startChild('a', factory('a'));
    sup.start();
    await worker(sup, 'a')!.stop();
    await clock.advanceAsync(10_000);
    expect(incarnations).toHaveLength(1);
    expect(sup.child('a')?.status).toBe('stopped');
    await sup.stop();
  });

  it('supervisor — child names are unique; the policy is validated up front', () => {
    const { sup, factory } = setup();
    sup.startChild('a', factory('a'));
    expect(() => sup.startChild('a', factory('a'))).toThrow(RangeError);
    expect(() => parseRestartPolicy({ factor: 0.5 })).toThrow(RangeError);
    expect(() => parseRestartPolicy({ jitter: 2 })).toThrow(RangeError);
    expect(() => parseRestartPolicy({ initialDelayMs: -1 })).toThrow(RangeError);
    expect(parseRestartPolicy({ maxRestarts: 0 }).maxRestarts).toBe(0);
  });
});
