import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MGET_CHUNK, planFetch } from '../../src/lookup/fetch-plan.js';
import { parseByteSize, parseDuration } from '../../src/lookup/units.js';
import { keySlot } from '../../src/resp/cluster/key-slot.js';

const keys = fc.uniqueArray(
  fc.oneof(fc.string({ maxLength: 12 }), fc.stringMatching(/^\{[a-c]\}[0-9]{1,4}$/)),
  {
    maxLength: 1500,
  },
);

describe('fetch plan — properties', () => {
  test('fetch plan — cluster MGETs: each command within one slot, every key exactly once, chunks bounded', () => {
    fc.assert(
      fc.property(keys, fc.constantFrom('', 'u:', '{pinned}:'), (ks, prefix) => {
        const plan = planFetch(ks, { prefix, kind: 'mget', fields: [], cluster: true });
        const seen = new Array<number>(ks.length).fill(0);
        expect(plan.start[plan.commands.length]).toBe(ks.length);
        for (let u = 0; u < plan.commands.length; u++) {
          const cmd = plan.commands[u];
          const from = plan.start[u];
          const to = plan.start[u + 1];
          expect(cmd[0]).toBe('MGET');
          expect(cmd.length - 1).toBe(to - from);
          expect(to - from).toBeLessThanOrEqual(MGET_CHUNK);
          for (let j = from; j < to; j++) {
            const at = plan.order[j];
            seen[at]++;
            expect(cmd[j - from + 1]).toBe(prefix + ks[at]);
            expect(keySlot(prefix + ks[at])).toBe(plan.slots![u]);
          }
        }
        expect(seen.every((n) => n === 1)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  test('fetch plan — standalone MGETs keep the batch order in chunks; hashes are one command per key', () => {
    fc.assert(
      fc.property(keys, (ks) => {
        const plan = planFetch(ks, { prefix: 'p:', kind: 'mget', fields: [], cluster: false });
        expect(plan.commands.flatMap((c) => c.slice(1))).toEqual(ks.map((k) => `p:${k}`));
        expect(plan.commands.every((c) => c.length - 1 <= MGET_CHUNK)).toBe(true);
        const hash = planFetch(ks, { prefix: 'h:', kind: 'hmget', fields: ['a', 'b'], cluster: true });
        expect(hash.commands).toEqual(ks.map((k) => ['HMGET', `h:${k}`, 'a', 'b']));
        expect(hash.slots).toEqual(ks.map((k) => keySlot(`h:${k}`)));
      }),
      { numRuns: 50 },
    );
  });
});

describe('lookup units', () => {
  test('lookup units — durations and byte sizes', () => {
    expect(['30s', '5m', '1.5h', '250ms', '2d', '1000', ' 10 S '].map(parseDuration)).toEqual([
      30_000, 300_000, 5_400_000, 250, 172_800_000, 1000, 10_000,
    ]);
    expect(['soon', '', '-1s', '1w', '1e3'].map(parseDuration)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(['1048576', '512KiB', '64MB', '1g', '2k', '10 b'].map(parseByteSize)).toEqual([
      1_048_576, 524_288, 64_000_000, 1_073_741_824, 2048, 10,
    ]);
    expect(['lots', '-5', '1TB'].map(parseByteSize)).toEqual([undefined, undefined, undefined]);
  });
});
