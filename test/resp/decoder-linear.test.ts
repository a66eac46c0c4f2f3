import { describe, expect, it } from 'vitest';
import type { Reply } from '../../src/resp/reply.js';
import { record } from '../support/resp3-value-encoder.js';

/**
 * Byte-by-byte feeding of large replies. No timing assertions: a decoder that re-parses partial
 * aggregates or re-concatenates partial payloads is quadratic here and runs into the test timeout
 * (1 MB byte-wise would take minutes), while a linear one takes well under a second per case.
 */
function feedByteByByte(wire: Buffer, returnBuffers = false): Reply[] {
  const { decoder, events } = record({ returnBuffers });
  for (let i = 0; i < wire.length; i++) decoder.feed(wire.subarray(i, i + 1));
  expect(decoder.hasPartial).toBe(false);
  return events.map((e) => e.value);
}

describe('decoder linearity', () => {
  it('decoder — a 1 MB bulk string fed byte by byte arrives intact', { timeout: 20_000 }, () => {
    const payload = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
    const wire = Buffer.concat([Buffer.from(`$${payload.length}\r\n`), payload, Buffer.from('\r\n')]);
    const [value] = feedByteByByte(wire, true);
    expect((value as Buffer).equals(payload)).toBe(true);
  });

  it('decoder — a 100k-element array fed byte by byte arrives intact', { timeout: 20_000 }, () => {
    const n = 100_000;
    const wire = Buffer.from(`*${n}\r\n` + ':7\r\n'.repeat(n));
    const [value] = feedByteByByte(wire);
    expect((value as number[]).length).toBe(n);
    expect((value as number[]).every((v) => v === 7)).toBe(true);
  });

  it('decoder — a 200 KB map of bulk strings fed byte by byte arrives intact', { timeout: 20_000 }, () => {
    const parts: string[] = [];
    const n = 2000;
    for (let i = 0; i < n; i++)
      parts.push(`$7\r\nkey${String(i).padStart(4, '0')}\r\n$90\r\n${'v'.repeat(90)}\r\n`);
    const wire = Buffer.from(`%${n}\r\n${parts.join('')}`);
    expect(wire.length).toBeGreaterThan(200_000);
    const [value] = feedByteByByte(wire);
    expect((value as Map<Reply, Reply>).size).toBe(n);
    expect((value as Map<Reply, Reply>).get('key1999')).toBe('v'.repeat(90));
  });

  it('decoder — a 200 KB streamed string of tiny parts fed byte by byte arrives intact', {
    timeout: 20_000,
  }, () => {
    const n = 20_000;
    const wire = Buffer.from(`$?\r\n${';3\r\nabc\r\n'.repeat(n)};0\r\n`);
    const [value] = feedByteByByte(wire);
    expect(value).toBe('abc'.repeat(n));
  });

  it('decoder — a 64 KiB simple string (at the line bound) fed byte by byte arrives intact', {
    timeout: 20_000,
  }, () => {
    const text = 'x'.repeat(64 * 1024);
    const [value] = feedByteByByte(Buffer.from(`+${text}\r\n`));
    expect(value).toBe(text);
  });

  it('decoder — 100k small replies in one chunk each arrive once and in order', () => {
    const n = 100_000;
    const { decoder, events } = record();
    decoder.feed(Buffer.from(':1\r\n$1\r\nx\r\n+OK\r\n'.repeat(n)));
    expect(events).toHaveLength(3 * n);
    expect(events.slice(-3).map((e) => e.value)).toEqual([1, 'x', 'OK']);
  });
});
