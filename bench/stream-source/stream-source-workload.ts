/**
 * The stream-source suite's workload, shared by the suite and its worker: `count` entries spread
 * over STREAMS streams (`bs:<s>`), each `row = {"k":"<s>:<n % KEYS>","seq":n}`, read through the
 * consumer group `bench` into ~64 lists `bl:<k>` (RPUSH, one entry per stream entry), every entry
 * acknowledged (XACK) at the end.
 */
import type { RedisTransport } from '../../src/resp/target.js';

export const STREAMS = 4;
/** List keys per stream. */
export const KEYS = 16;
export const GROUP = 'bench';
export const LIST_PREFIX = 'bl:';

export const VARIANTS = ['node-redis-loop', 'at-least-once', 'exactly-once'] as const;
export type Variant = (typeof VARIANTS)[number];

export const streamKey = (s: number): string => `bs:${s}`;

/** What the worker gets on its command line. */
export interface StreamWorkerArgs {
  variant: Variant;
  port: number;
  count: number;
  /** Entries per XREADGROUP (and the job's read batch). */
  batch: number;
  deadlineMs: number;
}

export function streamWorkerArgv(a: StreamWorkerArgs): string[] {
  return [
    ...['--variant', a.variant, '--port', String(a.port), '--count', String(a.count)],
    ...['--batch', String(a.batch), '--deadline-ms', String(a.deadlineMs)],
  ];
}

export interface StreamResult {
  kind: 'result';
  /** Entries that reached their list (and were acknowledged) within the deadline. */
  rows: number;
  seconds: number;
  cpuSeconds: number;
  cpuSecondsProcess: number;
  peakRssMb: number;
  deadlineHit: boolean;
  failure?: string;
}

export type StreamWorkerMessage = StreamResult | { kind: 'error'; message: string };

/** Fills the streams with `count` entries, round-robin, in pipelines of 10,000. */
export async function fillStreams(t: RedisTransport, count: number): Promise<void> {
  const CHUNK = 10_000;
  for (let from = 0; from < count; from += CHUNK) {
    const cmds: string[][] = [];
    for (let n = from; n < Math.min(count, from + CHUNK); n++) {
      const s = n % STREAMS;
      const seq = Math.floor(n / STREAMS);
      cmds.push(['XADD', streamKey(s), '*', 'row', JSON.stringify({ k: `${s}:${seq % KEYS}`, seq })]);
    }
    await t.pipeline(cmds);
  }
}

/** Every list key of the workload. */
export function listKeys(): string[] {
  const out: string[] = [];
  for (let s = 0; s < STREAMS; s++) for (let k = 0; k < KEYS; k++) out.push(`${LIST_PREFIX}${s}:${k}`);
  return out;
}

/** Entries in the lists and entries pending in the group, summed over the workload's keys. */
export async function progress(t: RedisTransport): Promise<{ listed: number; pending: number }> {
  const keys = listKeys();
  const replies = await t.pipeline([
    ...keys.map((k) => ['LLEN', k]),
    ...Array.from({ length: STREAMS }, (_, s) => ['XPENDING', streamKey(s), GROUP]),
  ]);
  let listed = 0;
  let pending = 0;
  for (let i = 0; i < keys.length; i++) listed += Number(replies[i]);
  for (let i = keys.length; i < replies.length; i++) {
    const r = replies[i];
    if (Array.isArray(r)) pending += Number(r[0]);
  }
  return { listed, pending };
}
