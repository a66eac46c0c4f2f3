import { describe, expect, it } from 'vitest';
import { Decoder } from '../../src/resp/decoder.js';
import type { Reply } from '../../src/resp/reply.js';

function decodeOne(wire: string, returnBuffers: boolean): Reply {
  const out: Reply[] = [];
  const d = new Decoder({ onReply: (r) => out.push(r), onPush: () => {} }, { returnBuffers });
  d.feed(Buffer.from(wire, 'latin1'));
  expect(out.length).toBe(1);
  return out[0];
}

describe('decoder regressions', () => {
  it('decoder — two empty streamed strings in a set stay two members with returnBuffers (no shared empty Buffer)', () => {
    const set = decodeOne('~2\r\n$?\r\n;0\r\n$?\r\n;0\r\n', true) as Set<Buffer>;
    expect(set.size).toBe(2);
    const [a, b] = [...set];
    expect(a).not.toBe(b);
    expect(a.length + b.length).toBe(0);
  });

  it('decoder — empty streamed strings as map keys stay distinct keys with returnBuffers', () => {
    const map = decodeOne('%2\r\n$?\r\n;0\r\n:1\r\n$?\r\n;0\r\n:2\r\n', true) as Map<Reply, Reply>;
    expect(map.size).toBe(2);
    expect([...map.values()]).toEqual([1, 2]);
  });
});
