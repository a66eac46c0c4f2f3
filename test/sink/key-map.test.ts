import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyMap } from '../../src/sink/key-map.js';

describe('KeyMap', () => {
  it('a byte key that is valid UTF-8 is the same key as its text; other byte keys are their own', () => {
    const m = new KeyMap<number>();
    expect(m.get('user:é')).toBeUndefined();
    m.setLast(1);
    expect(m.get(Buffer.from('user:é', 'utf8'))).toBe(1);
    // 0xe9 alone is not UTF-8: not the text 'é', nor the latin1 text of its bytes.
    const latin1 = Buffer.from([0x75, 0xe9]);
    expect(m.get(latin1)).toBeUndefined();
    m.setLast(2);
    expect(m.get(latin1)).toBe(2);
    expect(m.get('ué')).toBeUndefined();
    expect(m.get(Buffer.from('uÃ©', 'utf8'))).toBeUndefined();
    m.clear();
    expect(m.get('user:é')).toBeUndefined();
    expect(m.get(latin1)).toBeUndefined();
  });

  it('keys are the same exactly when Redis would see the same bytes (property)', () => {
    const key = fc.oneof(
      fc.string({ maxLength: 4 }),
      fc.uint8Array({ maxLength: 4 }).map((a) => Buffer.from(a)),
    );
    const bytesOf = (k: string | Buffer) => (typeof k === 'string' ? Buffer.from(k, 'utf8') : k);
    // A lone surrogate has no UTF-8 form: such text keys are not compared by bytes here.
    const wellFormed = (k: string | Buffer) => typeof k !== 'string' || k.isWellFormed();
    fc.assert(
      fc.property(fc.array(key, { maxLength: 12 }), (keys) => {
        const m = new KeyMap<number>();
        const firsts: Buffer[] = [];
        for (const k of keys.filter(wellFormed)) {
          const seen = m.get(k);
          const i = firsts.findIndex((f) => f.equals(bytesOf(k)));
          expect(seen).toBe(i === -1 ? undefined : i);
          if (seen === undefined) {
            m.setLast(firsts.length);
            firsts.push(bytesOf(k));
          }
        }
      }),
    );
  });
});
