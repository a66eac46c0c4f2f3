/**
 * The common half of the two observers (monitor-observer.ts, subscriber-observer.ts): it keeps
 * (row id, time seen) for every SAMPLE_EVERY-th row, and when the parent says stop — giving the
 * run's wall-clock start and rate, so row N was due at start + N / rate — answers with the
 * percentiles of (seen − due), nearest rank over the sorted latencies (observed-text.ts), computed
 * without the harness's histogram code.
 */
import { type ObserverMessage, type ObserverStop, SAMPLE_EVERY } from './harness-workload.js';
import { latencyPercentiles } from './observed-text.js';

export const sendToParent = (m: ObserverMessage): void => {
  process.send?.(m);
};

export class ObservedRows {
  readonly #ids: number[] = [];
  readonly #seenAt: number[] = [];
  commands = 0;
  bytes = 0;

  /** Row `id` was seen at `atMs` (ms since the epoch). */
  add(id: number, atMs: number): void {
    if (id % SAMPLE_EVERY !== 0) return;
    this.#ids.push(id);
    this.#seenAt.push(atMs);
  }

  /** On the parent's stop message, waits `graceMs` for the last rows, then `close()`s and reports. */
  answerStop(graceMs: number, close: () => void): void {
    process.on('message', (m: ObserverStop) => {
      if (m.kind !== 'stop') return;
      setTimeout(() => {
        close();
        sendToParent(this.#result(m));
        process.disconnect?.();
      }, graceMs);
    });
  }

  #result(m: ObserverStop): ObserverMessage {
    return {
      kind: 'result',
      sampled: this.#ids.length,
      commands: this.commands,
      ...latencyPercentiles(this.#ids, this.#seenAt, m.startWallMs, m.rate),
      bytes: this.bytes,
    };
  }
}
