/**
 * jsonRow writes rows holding nested values, Dates, bigints and bytes through native
 * JSON.stringify where it can: its text must stay byte for byte what the column by column encoder
 * writes. That encoder, as it was before the native paths were widened, is kept below as the
 * reference.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Column } from '../../src/schema/sql-type.js';
import { dateText, hidesCollection, holdsCollection, numberText } from '../../src/schema/text.js';
import { attachWireJson, jsonRow } from '../../src/sink/json-row.js';
import { JsonRowBytes } from '../../src/sink/json-row-bytes.js';

// ---- the reference: the column by column encoder ------------------------------------------------

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function refValue(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? numberText(v) : undefined;
    case 'boolean':
      return String(v);
    case 'bigint':
      return v <= MAX_SAFE && v >= -MAX_SAFE ? v.toString() : `"${v}"`;
    case 'undefined':
      return 'null';
    case 'object': {
      if (v === null) return 'null';
      if (v instanceof Date) {
        const t = dateText(v);
        return t === undefined ? undefined : `"${t}"`;
      }
      if (v instanceof Uint8Array)
        return `"${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')}"`;
      let s: string | undefined;
      try {
        s = JSON.stringify(v);
      } catch {
        return undefined;
      }
      return s !== undefined && hidesCollection(s, v) ? undefined : s;
    }
    default:
      return undefined;
  }
}

function refProblem(name: string, v: unknown): string {
  if (typeof v === 'object' && v !== null && holdsCollection(v)) {
    return `!column '${name}' holds a Map or Set, which JSON would write as {}: convert it first (Object.fromEntries, Array.from)`;
  }
  return `!column '${name}' cannot be encoded as JSON`;
}

function refRow(row: Record<string, unknown>, columns: readonly Column[] | undefined): string {
  const fields: string[] = [];
  if (columns !== undefined) {
    for (const { name } of columns) {
      const v = refValue(row[name]);
      if (v === undefined) return refProblem(name, row[name]);
      fields.push(`${JSON.stringify(name)}:${v}`);
    }
  } else {
    for (const name in row) {
      if (!Object.hasOwn(row, name)) continue;
      const v = refValue(row[name]);
      if (v === undefined) return refProblem(name, row[name]);
      fields.push(`${JSON.stringify(name)}:${v}`);
    }
  }
  return `{${fields.join(',')}}`;
}

// ---- arbitrary rows ------------------------------------------------------------------------------

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const text = fc.string({
  unit: fc.oneof(
    fc.constantFrom('a', 'Z', '0', '{', '}', '{}', '"', '\\', '\n', '\u2028', 'é', '😀', '\ud83d'),
    loneSurrogate,
  ),
  maxLength: 6,
});
const number = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.constantFrom(-0, 0, 1e21, -1e21, 1e-7, -1e-6, 5e-324, 0.1, Number.NaN, Number.POSITIVE_INFINITY),
);
const bigint = fc.oneof(
  fc.bigInt({ min: -MAX_SAFE, max: MAX_SAFE }),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.constantFrom(MAX_SAFE, MAX_SAFE + 1n, -MAX_SAFE, -MAX_SAFE - 1n),
);
const date = fc.oneof(
  fc.date({ noInvalidDate: true }),
  fc.constant(null).map(() => new Date(Number.NaN)),
);
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 7 }).map((a) => Buffer.from(a)),
  fc.uint8Array({ maxLength: 7 }),
  // A view into a larger buffer: only its own bytes are written.
  fc.uint8Array({ minLength: 4, maxLength: 9 }).map((a) => Buffer.from(a).subarray(1, 3)),
);
const key = fc.oneof(
  fc.constantFrom('id', 'a', 'b', 'user', 'toJSON', '__proto__', '0', '1', '10', 'é', ''),
  fc.string({ maxLength: 3 }),
);

class Point {
  constructor(
    public x: unknown,
    public y: unknown,
  ) {}
  get sum(): number {
    return 1;
  }
}

/** Objects JSON.stringify treats in their own ways. */
const odd = fc.oneof(
  fc.constant(null).map(() => new Map([[1, 2]])),
  fc.constant(null).map(() => new Set()),
  fc.constant(null).map(() => Symbol('s')),
  fc.constant(null).map(() => () => 1),
  fc.constant(null).map(() => {
    const o: Record<string, unknown> = { a: 1 };
    o.self = o;
    return o;
  }),
  // A toJSON that depends on its key: '' alone, the field name inside a row.
  fc.constant(null).map(() => ({ toJSON: (k: string) => `key:${k}` })),
  fc.constant(null).map(() => ({ toJSON: () => undefined })),
  fc.constant(null).map(() => ({
    toJSON: () => {
      throw new Error('no');
    },
  })),
  fc.constant(null).map(() => new Int16Array([1, -2])),
  fc.constant(null).map(() => new Point(1, 'b')),
  fc.constant(null).map(() => Object.defineProperty({}, 'got', { get: () => 'g', enumerable: true })),
  fc.constant(null).map(() => JSON.parse('{"__proto__":1,"x":{}}') as unknown),
  fc.constant(null).map(() => ({ [Symbol('k')]: 1, v: 2 })),
  fc.constant(null).map(() => Object.assign(Object.create(null) as object, { n: 1 })),
  // Sparse: a hole is written as null.
  fc.constant(null).map(() => {
    const a = [1, 2, 3];
    delete a[1];
    return a;
  }),
  fc.constant(null).map(() => new Number(7)),
  fc.constant(null).map(() => new String('s')),
);

const leaf = fc.oneof(
  { weight: 4, arbitrary: text },
  { weight: 3, arbitrary: number },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined) },
  { weight: 2, arbitrary: bigint },
  { weight: 2, arbitrary: date },
  { weight: 2, arbitrary: bytes },
  { weight: 1, arbitrary: odd },
);

const { value } = fc.letrec<{ value: unknown; nested: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    { weight: 3, arbitrary: leaf },
    { weight: 2, arbitrary: tie('nested') },
  ),
  nested: fc.oneof(
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(key, tie('value')), { maxLength: 5 }).map(objectOf),
  ),
}));

/** A plain object of these fields, in this order (an own `__proto__` field included). */
function objectOf(entries: [string, unknown][]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    if (k === '__proto__')
      Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
    else o[k] = v;
  }
  return o;
}

/** A class instance: its own fields are the row, whatever its prototype holds. */
class Row {
  kind = 'row';
}

const row = fc
  .tuple(
    fc.array(fc.tuple(key, value), { maxLength: 6 }),
    fc.constantFrom('plain', 'plain', 'plain', 'null prototype', 'class', 'inherits', 'hidden toJSON'),
  )
  .map(([entries, kind]) => {
    const fields = objectOf(entries);
    switch (kind) {
      case 'null prototype':
        return Object.assign(Object.create(null) as Record<string, unknown>, fields);
      case 'class':
        return Object.assign(new Row() as unknown as Record<string, unknown>, fields);
      case 'inherits':
        return Object.assign(
          Object.create({ inherited: 1, a: 'from proto' }) as Record<string, unknown>,
          fields,
        );
      case 'hidden toJSON':
        return Object.defineProperty(fields, 'toJSON', { value: () => 'hidden', enumerable: false });
      default:
        return fields;
    }
  });

const schemaOf = (names: readonly string[]): Column[] =>
  names.map((name) => ({ name, type: 'string', nullable: true }) as unknown as Column);

function namesIn(r: object): string[] {
  const names: string[] = [];
  for (const name in r) names.push(name);
  return names;
}

/** No schema, the row's own field order, or arbitrary names (missing, extra, reordered, twice). */
const rowAndSchema = row.chain((r) =>
  fc.tuple(
    fc.constant(r),
    fc.oneof(
      fc.constant(undefined),
      fc.constant(schemaOf(Object.keys(r))),
      // Inherited enumerable fields too: a schema column reads them.
      fc.constant(schemaOf(namesIn(r))),
      fc.array(fc.oneof(key, fc.constantFrom(...namesIn(r), 'id')), { maxLength: 6 }).map(schemaOf),
    ),
  ),
);

/**
 * The text, or the error thrown: a getter that throws is for the encoder to report (an own
 * `__proto__` field copied with Object.assign can make a row inherit from a Buffer, whose getters
 * throw on other objects).
 */
function outcome(encode: () => string): string {
  try {
    return encode();
  } catch (err) {
    return `threw ${String(err)}`;
  }
}

// ---- properties ----------------------------------------------------------------------------------

describe('jsonRow of rows with nested values', () => {
  it('json row — nested objects, arrays, Dates, bigints and bytes are written exactly as the column by column encoder writes them (property)', () => {
    fc.assert(
      fc.property(rowAndSchema, ([r, columns]) => {
        expect(outcome(() => jsonRow(r, columns))).toBe(outcome(() => refRow(r, columns)));
      }),
      { numRuns: 1500 },
    );
  });

  it('json row bytes — a row written as bytes is byte for byte the UTF-8 of its jsonRow text (property)', () => {
    // One writer for every run, as an encoder keeps one: what a row leaves behind must not show.
    const bytes = new JsonRowBytes();
    let written = 0;
    fc.assert(
      fc.property(rowAndSchema, ([r, columns]) => {
        const text = outcome(() => jsonRow(r, columns));
        if (bytes.write(r, columns)) {
          written++;
          expect(bytes.buf.subarray(0, bytes.length).toString('utf8')).toBe(text);
          expect(bytes.length).toBe(Buffer.byteLength(text));
        }
      }),
      { numRuns: 1500 },
    );
    expect(written).toBeGreaterThan(300);
  });

  it('json row bytes — integers past int32 are written digit for digit as JSON.stringify writes them', () => {
    const bytes = new JsonRowBytes();
    const edges = [2 ** 31 - 1, 2 ** 31, 2 ** 32, 1e8, 1e8 - 1, 1e8 + 1, 99_999_999_999, 1_764_133_200_000];
    for (let k = 1; k < 90_071_992; k = k * 7 + 3) edges.push(k * 1e8 - 1, k * 1e8, k * 1e8 + 1);
    edges.push(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1, 90_071_992 * 1e8 - 1);
    for (const n of edges) {
      for (const v of [n, -n]) {
        expect(bytes.write({ v }, undefined)).toBe(true);
        expect(bytes.buf.subarray(0, bytes.length).toString('latin1')).toBe(JSON.stringify({ v }));
      }
    }
  });

  it('json row bytes — rows past the buffer, long strings and deep nesting grow it; text stays exact', () => {
    const bytes = new JsonRowBytes();
    const rows: Record<string, unknown>[] = [
      { a: 'x'.repeat(10_000), b: 'é'.repeat(3000), c: '\u0001'.repeat(2000) },
      { n: [[[[{ d: new Date(0), ok: true }]]]], s: '😀'.repeat(5000) },
      { t: new Date(Date.UTC(-5, 0, 1)), u: new Date(Date.UTC(12_000, 5, 1)), v: -0, w: 1e21, x: 5e-7 },
      { big: 2n ** 70n, small: -(2n ** 40n), bytes: new Uint8Array([1, 2, 3]), nothing: undefined },
    ];
    for (const r of rows) {
      expect(bytes.write(r, undefined)).toBe(true);
      expect(bytes.buf.subarray(0, bytes.length).toString('utf8')).toBe(jsonRow(r, undefined));
    }
    // Past the most it keeps: left to jsonRow.
    expect(bytes.write({ a: 'y'.repeat(2 * 1024 * 1024) }, undefined)).toBe(false);
  });

  it('json row — rows one after another under one schema are each written as the reference writes them (property)', () => {
    // The encoder remembers per schema whether its last row needed a copy: rows with and without
    // Dates, of other field orders, with wire texts, all under the very same columns object.
    const names = ['a', 'b', 'c', 'd'];
    const cell = fc.oneof(leaf, fc.constantFrom('x', 1, true), date);
    const sequenceRow = fc
      .tuple(
        fc.array(cell, { minLength: 4, maxLength: 4 }),
        fc.constantFrom('in order', 'reversed', 'extra field', 'wire text', 'class'),
      )
      .map(([cells, kind]) => {
        const entries = names.map((n, i): [string, unknown] => [n, cells[i]]);
        if (kind === 'reversed') entries.reverse();
        if (kind === 'extra field') entries.push(['e', 'extra']);
        const r = kind === 'class' ? Object.assign(new Row(), objectOf(entries)) : objectOf(entries);
        if (kind === 'wire text') {
          const parsed = JSON.parse(JSON.stringify({ a: 'w', b: 2, c: false, d: [1, { e: 'f' }] }));
          attachWireJson(parsed, JSON.stringify(parsed));
          return parsed as Record<string, unknown>;
        }
        return r as Record<string, unknown>;
      });
    fc.assert(
      fc.property(fc.array(sequenceRow, { minLength: 1, maxLength: 12 }), (rows) => {
        const columns = schemaOf(names);
        for (const r of rows) {
          expect(outcome(() => jsonRow(r, columns))).toBe(outcome(() => refRow(r, columns)));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('json row — a parsed row with its wire text is written as the reference writes it (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }), (fields) => {
        const text = JSON.stringify(fields);
        const r = JSON.parse(text) as Record<string, unknown>;
        attachWireJson(r, text);
        expect(jsonRow(r, undefined)).toBe(refRow(r, undefined));
        expect(jsonRow(r, schemaOf(Object.keys(r)))).toBe(refRow(r, schemaOf(Object.keys(r))));
      }),
      { numRuns: 300 },
    );
  });

  it('json row — the docs example rows: Date, nested permissions, bigint and bytes', () => {
    const created = new Date(Date.UTC(2026, 10, 26, 5));
    const r = {
      session_id: 'sess_8f2a',
      user_id: 123456789012345678n,
      created_at: created,
      permissions: { read: true, write: false, admin: false, scopes: ['orders', 'users'], team: 'eu' },
      ip: '10.0.0.7',
      avatar: Buffer.from('hi'),
    };
    const expected =
      '{"session_id":"sess_8f2a","user_id":"123456789012345678","created_at":"2026-11-26T05:00:00.000Z",' +
      '"permissions":{"read":true,"write":false,"admin":false,"scopes":["orders","users"],"team":"eu"},' +
      '"ip":"10.0.0.7","avatar":"aGk="}';
    expect(jsonRow(r, undefined)).toBe(expected);
    expect(jsonRow(r, schemaOf(Object.keys(r)))).toBe(expected);
    expect(jsonRow(r, schemaOf(['ip', 'missing', 'permissions']))).toBe(
      refRow(r, schemaOf(['ip', 'missing', 'permissions'])),
    );
  });

  it('json row — an empty object beside a Map elsewhere, and a Map beside "{}" text, are told apart', () => {
    const cases: Record<string, unknown>[] = [
      { a: {}, b: { m: new Map() } },
      { a: '{}', b: [new Set([1])] },
      { a: {}, d: new Date(0) },
      { a: '{}', b: Object.assign(new Map(), { x: 1 }) },
    ];
    for (const r of cases) expect(jsonRow(r, undefined)).toBe(refRow(r, undefined));
  });
});
