import calculateSlot from 'cluster-key-slot';
import type { Arg } from '../reply.js';

/** Number of hash slots in Redis Cluster. */
export const SLOT_COUNT = 16384;

const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }

/**
 * Hash slot of a key, over the bytes the encoder sends: UTF-8 for strings, as-is for Buffers, the
 * decimal text for numbers. Hash tags follow the cluster spec: the bytes between the first `{` and
 * the first `}` after it, when that span is non-empty; otherwise the whole key.
 *
 * The tag is cut here, not in cluster-key-slot: that library keeps scanning after an empty `{}`
 * and hashes the span before a later `}` (`{}}` gives 0, the server says 14790).
 */
export function keySlot(key: Arg): number {
  if (typeof key === 'string') return stringSlot(key);
  if (typeof key === 'object') return bytesSlot(Buffer.isBuffer(key) ? key : Buffer.from(key));
  return calculateSlot(String(key));
}

function stringSlot(key: string): number {
  const open = key.indexOf('{');
  if (open === -1) return calculateSlot(wire(key));
  const close = key.indexOf('}', open + 1);
  if (close === -1) return calculateSlot(wire(key));
  if (close > open + 1) return calculateSlot(wire(key.slice(open + 1, close)));
  return crc16(Buffer.from(key, 'utf8')) & (SLOT_COUNT - 1);
}

function bytesSlot(key: Buffer): number {
  const open = key.indexOf(OPEN);
  if (open === -1) return calculateSlot(key);
  const close = key.indexOf(CLOSE, open + 1);
  if (close === -1) return calculateSlot(key);
  if (close > open + 1) return calculateSlot(key.subarray(open + 1, close));
  return crc16(key) & (SLOT_COUNT - 1);
}

/**
 * The encoder writes lone surrogates as U+FFFD, while cluster-key-slot's own UTF-8 conversion
 * encodes them as-is; hash exactly what goes on the wire.
 */
function wire(s: string): string | Buffer {
  return s.isWellFormed() ? s : Buffer.from(s, 'utf8');
}

/**
 * CRC16/XMODEM, bit by bit. Used only for keys that start their tag search with an empty `{}`,
 * where cluster-key-slot cannot be asked to hash the whole key.
 */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i] << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}
