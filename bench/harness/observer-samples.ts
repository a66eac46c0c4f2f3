/**
 * The common half of the two observers (monitor-observer.ts, subscriber-observer.ts): it keeps
 * (row id, time seen) for every SAMPLE_EVERY-th row, and when the parent says stop — giving the
 * run's wall-clock start and rate, so row N was due at start + N / rate — answers with the
 * percentiles of (seen − due). Percentiles are the nearest rank of the sorted latencies, computed
 * here without the harness's histogram code.
 */
import { type ObserverMessage, type ObserverStop, SAMPLE_EVERY } from './harness-workload.js';

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
    const n = this.#ids.length;
    const latencies = new Float64Array(n);
    for (let j = 0; j < n; j++)
      latencies[j] = this.#seenAt[j] - (m.startWallMs + (this.#ids[j] * 1000) / m.rate);
    latencies.sort();
    const at = (p: number) =>
      n === 0 ? Number.NaN : latencies[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))];
    return {
      kind: 'result',
      sampled: n,
      commands: this.commands,
      p50Ms: at(50),
      p90Ms: at(90),
      p99Ms: at(99),
      p999Ms: at(99.9),
      maxMs: at(100),
      bytes: this.bytes,
    };
  }
}
