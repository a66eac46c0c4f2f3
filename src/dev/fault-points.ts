/**
 * Fault injection for crash tests — internal, off unless `LAMINAR_FAULT` is set.
 *
 * `LAMINAR_FAULT=after-ack:3` makes the process SIGKILL itself the 3rd time it reaches the point
 * `after-ack` (several points: comma-separated). Points:
 * - `after-ack`: every shard acked a barrier, the checkpoint is not recorded yet;
 * - `mid-flush`: a shard's barrier flush has been sent and is not fully answered yet;
 * - `after-record`: a checkpoint was recorded, before sources and the job hear about it;
 * - `stream-read`: a stream source's `XREADGROUP` returned entries, before they are passed on;
 * - `stream-before-ack`: a stream source heard of a durable checkpoint, before its `XACK`;
 * - `stream-claim`: a stream source claimed idle entries, before reading them.
 *
 * A point not armed costs one map lookup.
 */
export type FaultPoint =
  | 'after-ack'
  | 'mid-flush'
  | 'after-record'
  | 'stream-read'
  | 'stream-before-ack'
  | 'stream-claim';

let armed: Map<string, number> | undefined;
const hits = new Map<string, number>();

function parse(): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of (process.env.LAMINAR_FAULT ?? '').split(',')) {
    const [point, n] = part.trim().split(':');
    if (point) out.set(point, Math.max(1, Number.parseInt(n ?? '1', 10) || 1));
  }
  return out;
}

/** True exactly when this hit of `point` is the armed one; the caller then calls {@link crash}. */
export function faultDue(point: FaultPoint): boolean {
  armed ??= parse();
  if (armed.size === 0) return false;
  const at = armed.get(point);
  if (at === undefined) return false;
  const n = (hits.get(point) ?? 0) + 1;
  hits.set(point, n);
  return n === at;
}

/** Dies now, as a power cut would: no cleanup, no flush, no exit handlers. */
export function crash(point: FaultPoint): never {
  process.stderr.write(`laminar-redis: fault injected at ${point}: SIGKILL\n`);
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}

/** Reached `point`: crashes when it is the armed hit. */
export function faultPoint(point: FaultPoint): void {
  if (faultDue(point)) crash(point);
}
