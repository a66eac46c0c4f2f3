import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SqlEvalError } from '../../src/sql/errors.js';
import { expression, SOURCE_COLUMNS } from './support.js';

type Row = Record<string, unknown>;
const ROW: Row = {
  a: 7,
  b: -2,
  x: 2.5,
  s: 'Hello',
  t: null,
  p: true,
  q: null,
  ts: new Date('2024-05-17T13:45:12.345Z'),
  j: { k: [1, 2] },
};

async function value(text: string, row: Row = ROW): Promise<unknown> {
  return (await expression(text)).eval(row);
}

describe('sql expressions — examples', () => {
  const cases: Array<[string, unknown]> = [
    // arithmetic: integers stay exact, / truncates toward zero, % has the dividend's sign
    ['a + b * 3', 1],
    ['a / b', -3],
    ['-a / 2', -3],
    ['a % b', 1],
    ['-a % 3', -1],
    ['x * 2', 5],
    ['a / 2.0', 3.5],
    ['9007199254740991 + 2', 9007199254740993n],
    ['(9007199254740991 + 2) - 2', 9007199254740991],
    ['a + NULL', null],
    // comparisons and three-valued logic
    ['a > b', true],
    ['a = 7.0', true],
    ["s < 'Help'", true],
    ["t = 'x'", null],
    ['p AND q', null],
    ['NOT p AND q', false],
    ['p OR q', true],
    ['NOT q', null],
    ['q OR NOT q', null],
    ['q IS NULL', true],
    ['t IS NOT NULL', false],
    ['p IS TRUE', true],
    ['q IS NOT FALSE', true],
    ['t IS DISTINCT FROM NULL', false],
    ['a IS DISTINCT FROM b', true],
    // IN, BETWEEN, LIKE
    ['a IN (1, 7)', true],
    ['a IN (1, NULL)', null],
    ['a NOT IN (1, NULL)', null],
    ['a NOT IN (1, 2)', true],
    ["t IN ('x')", null],
    ['a IN (b + 9, 3)', true],
    ['a BETWEEN b AND 10', true],
    ['a NOT BETWEEN 8 AND 10', true],
    ["s LIKE 'He%o'", true],
    ["s LIKE 'h%'", false],
    ["s ILIKE 'h_llo'", true],
    ["'50%' LIKE '50\\%'", true],
    ["'50x' LIKE '50!%' ESCAPE '!'", false],
    ["s NOT LIKE '%l%'", false],
    ["t LIKE '%'", null],
    // CASE
    ["CASE WHEN a > 5 THEN 'big' ELSE 'small' END", 'big'],
    ['CASE WHEN q THEN 1 END', null],
    ["CASE a WHEN 1 THEN 'one' WHEN 7 THEN 'seven' END", 'seven'],
    ['CASE t WHEN NULL THEN 1 ELSE 2 END', 2],
    ['CASE WHEN p THEN 1 ELSE 2.5 END', 1],
    // CAST
    ['CAST(a AS TEXT)', '7'],
    ["CAST(' 42 ' AS INTEGER)", 42],
    ['CAST(x AS INTEGER)', 3],
    ['CAST(-2.5 AS BIGINT)', -3],
    ["CAST('1.5e3' AS DOUBLE)", 1500],
    ["CAST('yes' AS BOOLEAN)", true],
    ['CAST(ts AS TEXT)', '2024-05-17T13:45:12.345Z'],
    ["CAST('2024-05-17 13:45:12' AS TIMESTAMP)", new Date('2024-05-17T13:45:12Z')],
    ["CAST('2024-05-17T15:45:12+02:00' AS TIMESTAMP)", new Date('2024-05-17T13:45:12Z')],
    ['CAST(\'{"a": [1]}\' AS JSON)', { a: [1] }],
    ['CAST(j AS TEXT)', '{"k":[1,2]}'],
    ['CAST(t AS INTEGER)', null],
    ["TRY_CAST('nope' AS INTEGER)", null],
    ["a::TEXT || '!'", '7!'],
    ["ts > '2024-01-01'", true],
    ["TIMESTAMP '2024-05-17 13:45:12.345' = ts", true],
    // functions
    ["CONCAT(s, '-', a, t, p)", 'Hello-7true'],
    ['s || t', null],
    ['COALESCE(t, q::TEXT, s)', 'Hello'],
    ['COALESCE(t, NULL)', null],
    ['NULLIF(a, 7)', null],
    ['NULLIF(a, 8)', 7],
    ['LOWER(s) || UPPER(s)', 'helloHELLO'],
    ['ROUND(2.5)', 3],
    ['ROUND(-2.5)', -3],
    ['ROUND(1.005, 2)', 1.01],
    ['ROUND(1234, -2)', 1200],
    ['ROUND(x * 3, 1)', 7.5],
    ['ABS(b)', 2],
    ['ABS(-x)', 2.5],
    ["DATE_TRUNC('hour', ts)", new Date('2024-05-17T13:00:00Z')],
    ["DATE_TRUNC('DAY', ts)", new Date('2024-05-17T00:00:00Z')],
    ["DATE_TRUNC('week', ts)", new Date('2024-05-13T00:00:00Z')],
    ["DATE_TRUNC('month', ts)", new Date('2024-05-01T00:00:00Z')],
    ["DATE_TRUNC('quarter', ts)", new Date('2024-04-01T00:00:00Z')],
    ["DATE_TRUNC('year', ts)", new Date('2024-01-01T00:00:00Z')],
    ["DATE_TRUNC('minute', t::TIMESTAMP)", null],
    [
      "JSON_OBJECT('a', a, 's', s, 't', t, 'ts', ts, 'j', j)",
      {
        a: 7,
        s: 'Hello',
        t: null,
        ts: '2024-05-17T13:45:12.345Z',
        j: { k: [1, 2] },
      },
    ],
    ['JSON_OBJECT()', {}],
  ];
  it.each(cases)('%s', async (text, want) => {
    expect(await value(text)).toEqual(want);
  });

  it('types — literals, arithmetic widening, aggregates of CASE branches', async () => {
    expect((await expression('1')).type).toBe('INTEGER');
    expect((await expression('3000000000')).type).toBe('BIGINT');
    expect((await expression('1.5')).type).toBe('DOUBLE');
    expect((await expression('a + 1')).type).toBe('BIGINT');
    expect((await expression('a + x')).type).toBe('DOUBLE');
    expect((await expression('CASE WHEN p THEN 1 ELSE a END')).type).toBe('BIGINT');
    expect((await expression('NULL')).type).toBe('NULL');
    expect((await expression('COALESCE(NULL, ts)')).type).toBe('TIMESTAMP');
    expect((await expression("JSON_OBJECT('k', 1)")).type).toBe('JSON');
  });

  it("NOW() — one instant per batch, the context's", async () => {
    const e = await expression('NOW()');
    const t = new Date('2030-01-01T00:00:00Z');
    e.ctx.now = t;
    expect(e.eval(ROW)).toBe(t);
    expect(e.type).toBe('TIMESTAMP');
  });

  it("errors at run time — division by zero and failed casts name the expression's position", async () => {
    const div = await expression('a / (b + 2)');
    expect(() => div.eval(ROW)).toThrow(SqlEvalError);
    expect(() => div.eval(ROW)).toThrow(/division by zero \(line 1, column 8\)/);
    const cast = await expression('CAST(s AS BIGINT)');
    expect(() => cast.eval(ROW)).toThrow(/CAST: cannot convert 'Hello' to BIGINT/);
    expect((await expression('x % 0.0')).eval.bind(null, ROW)).toThrow(/division by zero/);
  });

  it('untyped sources — values are converted to the declared column types when read', async () => {
    const e = await expression('a + 1', SOURCE_COLUMNS, false);
    expect(e.eval({ a: '41' })).toBe(42);
    expect(e.eval({})).toBe(null);
    expect(() => e.eval({ a: 'x' })).toThrow(/source column 'a': cannot convert 'x' to BIGINT/);
    const ts = await expression("DATE_TRUNC('day', ts)", SOURCE_COLUMNS, false);
    expect(ts.eval({ ts: '2024-05-17T13:45:12Z' })).toEqual(new Date('2024-05-17T00:00:00Z'));
    expect(ts.eval({ ts: 1715904000000 })).toEqual(new Date('2024-05-17T00:00:00Z'));
  });
});

// ---------------------------------------------------------------------------------------------
// Property: compiled expressions agree with a reference evaluator over random expression trees.
// The reference uses BigInt for integers and Kleene's logic on 0 / ½ / 1 for truth values
// (AND = min, OR = max, NOT = 1 − x), a formulation independent of the compiler's.

type IntTree =
  | { k: 'col'; name: 'a' | 'b' }
  | { k: 'lit'; v: bigint | null }
  | { k: 'arith'; op: '+' | '-' | '*' | '/' | '%'; l: IntTree; r: IntTree }
  | { k: 'case'; c: BoolTree; t: IntTree; e: IntTree }
  | { k: 'coalesce'; l: IntTree; r: IntTree }
  | { k: 'abs'; e: IntTree };
type BoolTree =
  | { k: 'bcol'; name: 'p' | 'q' }
  | { k: 'blit'; v: boolean | null }
  | { k: 'cmp'; op: '=' | '<>' | '<' | '<=' | '>' | '>='; l: IntTree; r: IntTree }
  | { k: 'and' | 'or'; l: BoolTree; r: BoolTree }
  | { k: 'not'; e: BoolTree }
  | { k: 'isnull'; e: IntTree; negated: boolean }
  | { k: 'in'; e: IntTree; list: Array<bigint | null>; negated: boolean }
  | { k: 'between'; e: IntTree; lo: IntTree; hi: IntTree };

const BIG = [2n ** 53n - 1n, -(2n ** 53n), 2n ** 62n, 123456789012n];
const intValue = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 4, arbitrary: fc.bigInt({ min: -50n, max: 50n }) },
  { weight: 1, arbitrary: fc.constantFrom(...BIG) },
);

const trees = fc.letrec<{ int: IntTree; bool: BoolTree }>((tie) => ({
  int: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ k: fc.constant('col' as const), name: fc.constantFrom('a' as const, 'b' as const) }),
    fc.record({ k: fc.constant('lit' as const), v: intValue }),
    fc.record({
      k: fc.constant('arith' as const),
      op: fc.constantFrom('+' as const, '-' as const, '*' as const, '/' as const, '%' as const),
      l: tie('int'),
      r: tie('int'),
    }),
    fc.record({ k: fc.constant('case' as const), c: tie('bool'), t: tie('int'), e: tie('int') }),
    fc.record({ k: fc.constant('coalesce' as const), l: tie('int'), r: tie('int') }),
    fc.record({ k: fc.constant('abs' as const), e: tie('int') }),
  ),
  bool: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ k: fc.constant('bcol' as const), name: fc.constantFrom('p' as const, 'q' as const) }),
    fc.record({ k: fc.constant('blit' as const), v: fc.constantFrom(true, false, null) }),
    fc.record({
      k: fc.constant('cmp' as const),
      op: fc.constantFrom(
        '=' as const,
        '<>' as const,
        '<' as const,
        '<=' as const,
        '>' as const,
        '>=' as const,
      ),
      l: tie('int'),
      r: tie('int'),
    }),
    fc.record({ k: fc.constantFrom('and' as const, 'or' as const), l: tie('bool'), r: tie('bool') }),
    fc.record({ k: fc.constant('not' as const), e: tie('bool') }),
    fc.record({ k: fc.constant('isnull' as const), e: tie('int'), negated: fc.boolean() }),
    fc.record({
      k: fc.constant('in' as const),
      e: tie('int'),
      list: fc.array(intValue, { minLength: 1, maxLength: 4 }),
      negated: fc.boolean(),
    }),
    fc.record({ k: fc.constant('between' as const), e: tie('int'), lo: tie('int'), hi: tie('int') }),
  ),
}));

const lit = (v: bigint | null) => (v === null ? 'CAST(NULL AS BIGINT)' : v < 0n ? `(${v})` : `${v}`);

function intSql(t: IntTree): string {
  switch (t.k) {
    case 'col':
      return t.name;
    case 'lit':
      return lit(t.v);
    case 'arith':
      return `(${intSql(t.l)} ${t.op} ${intSql(t.r)})`;
    case 'case':
      return `(CASE WHEN ${boolSql(t.c)} THEN ${intSql(t.t)} ELSE ${intSql(t.e)} END)`;
    case 'coalesce':
      return `COALESCE(${intSql(t.l)}, ${intSql(t.r)})`;
    case 'abs':
      return `ABS(${intSql(t.e)})`;
  }
}

function boolSql(t: BoolTree): string {
  switch (t.k) {
    case 'bcol':
      return t.name;
    case 'blit':
      return t.v === null ? 'CAST(NULL AS BOOLEAN)' : String(t.v).toUpperCase();
    case 'cmp':
      return `(${intSql(t.l)} ${t.op} ${intSql(t.r)})`;
    case 'and':
    case 'or':
      return `(${boolSql(t.l)} ${t.k.toUpperCase()} ${boolSql(t.r)})`;
    case 'not':
      return `(NOT ${boolSql(t.e)})`;
    case 'isnull':
      return `(${intSql(t.e)} IS ${t.negated ? 'NOT ' : ''}NULL)`;
    case 'in':
      return `(${intSql(t.e)} ${t.negated ? 'NOT ' : ''}IN (${t.list.map(lit).join(', ')}))`;
    case 'between':
      return `(${intSql(t.e)} BETWEEN ${intSql(t.lo)} AND ${intSql(t.hi)})`;
  }
}

class DivisionByZero extends Error {}
type Truth = 0 | 0.5 | 1;
const truth = (v: boolean | null): Truth => (v === null ? 0.5 : v ? 1 : 0);

interface RefRow {
  a: bigint | null;
  b: bigint | null;
  p: boolean | null;
  q: boolean | null;
}

function refInt(t: IntTree, r: RefRow): bigint | null {
  switch (t.k) {
    case 'col':
      return r[t.name];
    case 'lit':
      return t.v;
    case 'arith': {
      const x = refInt(t.l, r);
      if (x === null) return null;
      const y = refInt(t.r, r);
      if (y === null) return null;
      if ((t.op === '/' || t.op === '%') && y === 0n) throw new DivisionByZero();
      return t.op === '+'
        ? x + y
        : t.op === '-'
          ? x - y
          : t.op === '*'
            ? x * y
            : t.op === '/'
              ? x / y
              : x % y;
    }
    case 'case':
      return refBool(t.c, r) === 1 ? refInt(t.t, r) : refInt(t.e, r);
    case 'coalesce':
      return refInt(t.l, r) ?? refInt(t.r, r);
    case 'abs': {
      const v = refInt(t.e, r);
      return v === null ? null : v < 0n ? -v : v;
    }
  }
}

function refBool(t: BoolTree, r: RefRow): Truth {
  switch (t.k) {
    case 'bcol':
      return truth(r[t.name]);
    case 'blit':
      return truth(t.v);
    case 'cmp': {
      const x = refInt(t.l, r);
      const y = refInt(t.r, r);
      if (x === null || y === null) return 0.5;
      const c = x < y ? -1 : x > y ? 1 : 0;
      const ok = { '=': c === 0, '<>': c !== 0, '<': c < 0, '<=': c <= 0, '>': c > 0, '>=': c >= 0 }[t.op];
      return ok ? 1 : 0;
    }
    case 'and':
      return Math.min(refBool(t.l, r), refBool(t.r, r)) as Truth;
    case 'or':
      return Math.max(refBool(t.l, r), refBool(t.r, r)) as Truth;
    case 'not':
      return (1 - refBool(t.e, r)) as Truth;
    case 'isnull':
      return (refInt(t.e, r) === null) !== t.negated ? 1 : 0;
    case 'in': {
      const x = refInt(t.e, r);
      const any = Math.max(
        0,
        ...t.list.map((v) => (x === null || v === null ? 0.5 : x === v ? 1 : 0)),
      ) as Truth;
      return t.negated ? ((1 - any) as Truth) : any;
    }
    case 'between': {
      const x = refInt(t.e, r);
      const lo = refInt(t.lo, r);
      const hi = refInt(t.hi, r);
      const ge = x === null || lo === null ? 0.5 : x >= lo ? 1 : 0;
      const le = x === null || hi === null ? 0.5 : x <= hi ? 1 : 0;
      return Math.min(ge, le) as Truth;
    }
  }
}

const canonical = (v: bigint | null) =>
  v === null ? null : v >= -(2n ** 53n - 1n) && v <= 2n ** 53n - 1n ? Number(v) : v;
const rows = fc.record({
  a: intValue,
  b: intValue,
  p: fc.constantFrom(true, false, null),
  q: fc.constantFrom(true, false, null),
});

/**
 * Compiled and reference outcomes agree. SQL leaves evaluation order open, so where the
 * reference (which evaluates every operand) divides by zero, the compiled expression may have
 * skipped that operand (`FALSE AND ...`): then either outcome is right.
 */
function agree(got: { ok: unknown } | { error: string }, want: { ok: unknown } | { error: string }): void {
  if ('error' in want && 'ok' in got) return;
  expect(got).toEqual(want);
}

function outcome(f: () => unknown): { ok: unknown } | { error: string } {
  try {
    return { ok: f() };
  } catch (e) {
    if (e instanceof DivisionByZero || (e instanceof SqlEvalError && /division by zero/.test(e.message))) {
      return { error: 'division by zero' };
    }
    throw e;
  }
}

describe('sql expressions — properties', () => {
  it('integer expressions agree with a BigInt reference, NULLs and division by zero included', async () => {
    await fc.assert(
      fc.asyncProperty(trees.int, fc.array(rows, { minLength: 1, maxLength: 5 }), async (tree, sample) => {
        const e = await expression(intSql(tree));
        for (const r of sample) {
          const got = outcome(() => e.eval({ ...r, a: canonical(r.a), b: canonical(r.b) }));
          agree(
            got,
            outcome(() => canonical(refInt(tree, r))),
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('conditions agree with Kleene three-valued logic', async () => {
    await fc.assert(
      fc.asyncProperty(trees.bool, fc.array(rows, { minLength: 1, maxLength: 5 }), async (tree, sample) => {
        const e = await expression(boolSql(tree));
        expect(e.type === 'BOOLEAN' || e.type === 'NULL').toBe(true);
        for (const r of sample) {
          const got = outcome(() => {
            const v = e.eval({ ...r, a: canonical(r.a), b: canonical(r.b) });
            return v === null ? 0.5 : v ? 1 : 0;
          });
          agree(
            got,
            outcome(() => refBool(tree, r)),
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('comparison laws — exactly one of <, =, > holds for non-NULL values; all are NULL with a NULL', async () => {
    const lt = await expression('a < b');
    const eq = await expression('a = b');
    const gt = await expression('a > b');
    const ge = await expression('a >= b');
    fc.assert(
      fc.property(rows, (r) => {
        const row = { a: canonical(r.a), b: canonical(r.b) };
        const vals = [lt, eq, gt].map((e) => e.eval(row));
        if (row.a === null || row.b === null) {
          expect(vals).toEqual([null, null, null]);
          expect(ge.eval(row)).toBe(null);
        } else {
          expect(vals.filter((v) => v === true)).toHaveLength(1);
          expect(ge.eval(row)).toBe(!vals[0]);
        }
      }),
    );
  });

  it('text — || and CONCAT agree except that || is NULL with a NULL operand', async () => {
    const pipes = await expression('s || t');
    const concat = await expression('CONCAT(s, t)');
    fc.assert(
      fc.property(fc.option(fc.string()), fc.option(fc.string()), (s, t) => {
        const row = { s, t };
        expect(concat.eval(row)).toBe((s ?? '') + (t ?? ''));
        expect(pipes.eval(row)).toBe(s === null || t === null ? null : s + t);
      }),
    );
  });

  it('LIKE — a pattern without wildcards matches exactly its text; % matches any suffix', async () => {
    const exact = await expression("s LIKE t ESCAPE '!'");
    fc.assert(
      fc.property(fc.string(), fc.string(), (s, t) => {
        const escaped = t.replace(/[!%_]/g, (c) => `!${c}`);
        expect(exact.eval({ s, t: escaped })).toBe(s === t);
        expect(exact.eval({ s: s + t, t: `${s.replace(/[!%_]/g, (c) => `!${c}`)}%` })).toBe(true);
      }),
    );
  });
});
