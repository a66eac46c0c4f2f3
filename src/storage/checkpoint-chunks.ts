/**
 * A checkpoint in a Redis state store is written as chunks, not one value: operator state can
 * grow large, and one huge value would block the Redis event loop while it is written, copied to
 * replicas and read back. Each chunk is one key of at most `chunkBytes`, written under a fresh
 * version id and only then published (redis-state-scripts.ts, PUBLISH).
 */

/** Default largest chunk: 512 KiB. */
export const DEFAULT_CHUNK_BYTES = 512 * 1024;

/** Chunks written in one pipeline: bounds the bytes in flight for a large checkpoint. */
export const CHUNKS_IN_FLIGHT = 8;

/** What the checkpoints hash holds for one checkpoint id. */
export interface ChunkManifest {
  /** The version id its chunks are written under (random, never reused). */
  version: string;
  /** How many chunks. */
  chunks: number;
  /** Total bytes (the encoded checkpoint's length). */
  bytes: number;
}

/** `bytes` cut into views of at most `chunkBytes` (at least one, possibly empty). */
export function splitChunks(bytes: Buffer, chunkBytes: number): Buffer[] {
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) {
    throw new RangeError(`chunkBytes must be a positive integer, got ${chunkBytes}`);
  }
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += chunkBytes) out.push(bytes.subarray(at, at + chunkBytes));
  if (out.length === 0) out.push(bytes);
  return out;
}

/** Parses a manifest; undefined when it is not one. */
export function parseManifest(text: string): ChunkManifest | undefined {
  try {
    const m = JSON.parse(text) as Partial<ChunkManifest>;
    if (
      typeof m.version === 'string' &&
      Number.isSafeInteger(m.chunks) &&
      (m.chunks as number) >= 1 &&
      Number.isSafeInteger(m.bytes)
    ) {
      return m as ChunkManifest;
    }
  } catch {
    // not JSON: not a manifest
  }
  return undefined;
}
