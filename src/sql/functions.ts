/**
 * Scalar functions of the pipeline dialect. Each entry checks its arguments' types and builds
 * one closure; all return NULL for NULL arguments except where noted (CONCAT skips NULLs,
 * COALESCE picks the first non-NULL, JSON_OBJECT writes JSON null, NOW takes none).
 */
import { didYouMean } from '../schema/did-you-mean.js';
import type { SqlPosition } from '../schema/errors.js';
import { type ExprType, isInteger, isNumeric } from '../schema/expr-type.js';
import { equalityOf, type IntValue, intNeg, jsonValueOf, normInt, valueText } from '../schema/values.js';
import { type Compiled, type EvalContext, type ExprFn, evalError, typeError } from './compiled.js';
import { SqlQueryError } from './errors.js';
import { unifyAll } from './unify.js';

/** The aggregate functions (see aggregates.ts). */
export const AGGREGATE_FUNCTIONS: readonly string[] = ['SUM', 'COUNT', 'MIN', 'MAX', 'AVG'];

/** Whether `name` (upper case) is an aggregate function. */
export function isAggregateName(name: string): boolean {
  return AGGREGATE_FUNCTIONS.includes(name);
}

/** Where a call is and the query's per-batch context. */
export interface CallSite {
  position: SqlPosition | undefined;
  ctx: EvalContext;
}

type ScalarFunction = (args: Compiled[], site: CallSite) => Compiled;

function arity(name: string, args: readonly Compiled[], min: number, max: number, site: CallSite): void {
  if (args.length < min || args.length > max) {
    const want =
      min === max ? `${min}` : max === Number.POSITIVE_INFINITY ? `at least ${min}` : `${min} to ${max}`;
    throw typeError(
      `${name} takes ${want} argument${min === 1 && max === 1 ? '' : 's'}, got ${args.length}`,
      site.position,
    );
  }
}

function expect(name: string, c: Compiled, ok: (t: ExprType) => boolean, want: string): void {
  if (c.type !== 'NULL' && !ok(c.type)) throw typeError(`${name} needs ${want}, got ${c.type}`, c.position);
}

/** f(x), NULL for NULL. */
function strict1<T>(
  type: ExprType,
  arg: Compiled,
  apply: (v: T) => unknown,
  position?: SqlPosition,
): Compiled {
  const f = arg.fn;
  return {
    type,
    position,
    fn: (r) => {
      const v = f(r);
      return v === null ? null : apply(v as T);
    },
  };
}

/** Rounds half away from zero to `digits` decimal places (negative: tens, hundreds, ...). */
export function roundDouble(x: number, digits: number): number {
  if (!Number.isFinite(x)) return x;
  const abs = Math.abs(x);
  // Shifting the decimal point in the text form avoids binary noise (1.005 → 1.01).
  const shifted = Math.round(Number(`${valueText(abs)}e${digits}`));
  const r = Number(`${shifted}e${-digits}`);
  return x < 0 && r !== 0 ? -r : r;
}

function roundInteger(x: IntValue, digits: number): IntValue {
  if (digits >= 0) return x;
  const factor = 10n ** BigInt(-digits);
  const b = BigInt(x);
  const neg = b < 0n;
  const a = neg ? -b : b;
  const q = (a + factor / 2n) / factor;
  return normInt((neg ? -q : q) * factor);
}

const DATE_UNITS = ['millisecond', 'second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year'];

/** The start of the `unit` containing `d` (UTC; weeks start on Monday). */
export function truncateDate(unit: string, d: Date): Date {
  const t = d.getTime();
  switch (unit) {
    case 'millisecond':
      return d;
    case 'second':
      return new Date(t - mod(t, 1000));
    case 'minute':
      return new Date(t - mod(t, 60_000));
    case 'hour':
      return new Date(t - mod(t, 3_600_000));
    case 'day':
      return new Date(t - mod(t, 86_400_000));
    case 'week': {
      const day = new Date(t - mod(t, 86_400_000));
      return new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * 86_400_000);
    }
    case 'month':
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
    case 'quarter':
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - (d.getUTCMonth() % 3), 1));
    default:
      return new Date(Date.UTC(d.getUTCFullYear(), 0, 1));
  }
}

function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}

const FUNCTIONS: ReadonlyMap<string, ScalarFunction> = new Map<string, ScalarFunction>([
  [
    'NOW',
    (args, site) => {
      arity('NOW', args, 0, 0, site);
      const ctx = site.ctx;
      return { type: 'TIMESTAMP', position: site.position, fn: () => ctx.now };
    },
  ],
  [
    'JSON_OBJECT',
    (args, site) => {
      if (args.length % 2 !== 0) {
        throw typeError(`JSON_OBJECT takes key, value pairs, got ${args.length} arguments`, site.position);
      }
      const keys: ExprFn[] = [];
      const values: ExprFn[] = [];
      for (let i = 0; i < args.length; i += 2) {
        expect('JSON_OBJECT', args[i], (t) => t === 'TEXT', 'TEXT keys');
        keys.push(args[i].fn);
        values.push(args[i + 1].fn);
      }
      const n = keys.length;
      const position = site.position;
      return {
        type: 'JSON',
        position,
        fn: (r) => {
          const o: Record<string, unknown> = {};
          for (let i = 0; i < n; i++) {
            const k = keys[i](r);
            if (k === null) throw evalError('JSON_OBJECT: a key is NULL', position);
            o[k as string] = jsonValueOf(values[i](r));
          }
          return o;
        },
      };
    },
  ],
  [
    'CONCAT',
    (args, site) => {
      arity('CONCAT', args, 1, Number.POSITIVE_INFINITY, site);
      const fns = args.map((a) => a.fn);
      return {
        type: 'TEXT',
        position: site.position,
        fn: (r) => {
          let s = '';
          for (const f of fns) {
            const v = f(r);
            if (v !== null) s += typeof v === 'string' ? v : valueText(v);
          }
          return s;
        },
      };
    },
  ],
  [
    'COALESCE',
    (args, site) => {
      arity('COALESCE', args, 1, Number.POSITIVE_INFINITY, site);
      const u = unifyAll(args, 'COALESCE arguments');
      const fns = u.items.map((a) => a.fn);
      return {
        type: u.type,
        position: site.position,
        fn: (r) => {
          for (const f of fns) {
            const v = f(r);
            if (v !== null) return v;
          }
          return null;
        },
      };
    },
  ],
  [
    'NULLIF',
    (args, site) => {
      arity('NULLIF', args, 2, 2, site);
      const u = unifyAll(args, 'NULLIF arguments');
      const eq = equalityOf(u.type);
      const [f, g] = u.items.map((a) => a.fn);
      return {
        type: u.type,
        position: site.position,
        fn: (r) => {
          const v = f(r);
          if (v === null) return null;
          const w = g(r);
          return w !== null && eq(v, w) ? null : v;
        },
      };
    },
  ],
  [
    'LOWER',
    (args, site) => {
      arity('LOWER', args, 1, 1, site);
      expect('LOWER', args[0], (t) => t === 'TEXT', 'TEXT');
      return strict1('TEXT', args[0], (v: string) => v.toLowerCase(), site.position);
    },
  ],
  [
    'UPPER',
    (args, site) => {
      arity('UPPER', args, 1, 1, site);
      expect('UPPER', args[0], (t) => t === 'TEXT', 'TEXT');
      return strict1('TEXT', args[0], (v: string) => v.toUpperCase(), site.position);
    },
  ],
  [
    'ABS',
    (args, site) => {
      arity('ABS', args, 1, 1, site);
      expect('ABS', args[0], isNumeric, 'a number');
      const type = args[0].type === 'NULL' ? 'INTEGER' : args[0].type;
      if (type === 'DOUBLE') return strict1(type, args[0], Math.abs, site.position);
      return strict1(type, args[0], (v: IntValue) => (v < 0 ? intNeg(v) : v), site.position);
    },
  ],
  [
    'ROUND',
    (args, site) => {
      arity('ROUND', args, 1, 2, site);
      expect('ROUND', args[0], isNumeric, 'a number');
      if (args.length === 2) expect('ROUND', args[1], isInteger, 'an integer number of digits');
      const type = args[0].type === 'NULL' ? 'INTEGER' : args[0].type;
      const f = args[0].fn;
      const g = args.length === 2 ? args[1].fn : () => 0;
      const round =
        type === 'DOUBLE'
          ? (v: unknown, d: number) => roundDouble(v as number, d)
          : (v: unknown, d: number) => roundInteger(v as IntValue, d);
      return {
        type,
        position: site.position,
        fn: (r) => {
          const v = f(r);
          if (v === null) return null;
          const d = g(r);
          if (d === null) return null;
          return round(v, Math.max(-300, Math.min(300, Number(d))));
        },
      };
    },
  ],
  [
    'DATE_TRUNC',
    (args, site) => {
      arity('DATE_TRUNC', args, 2, 2, site);
      const unitArg = args[0];
      const raw = unitArg.constant?.value;
      if (unitArg.type !== 'TEXT' || typeof raw !== 'string') {
        throw typeError(`DATE_TRUNC needs a unit literal (${DATE_UNITS.join(', ')})`, unitArg.position);
      }
      const unit = raw.toLowerCase().replace(/s$/, '');
      if (!DATE_UNITS.includes(unit)) {
        throw typeError(`DATE_TRUNC: unknown unit '${raw}' (${DATE_UNITS.join(', ')})`, unitArg.position);
      }
      expect('DATE_TRUNC', args[1], (t) => t === 'TIMESTAMP', 'a TIMESTAMP');
      return strict1('TIMESTAMP', args[1], (d: Date) => truncateDate(unit, d), site.position);
    },
  ],
]);

/** Names of the scalar functions, for messages and docs. */
export const SCALAR_FUNCTIONS: readonly string[] = [...FUNCTIONS.keys()];

/** Compiles a call of a scalar function; an unknown name is an `unknown-function` error. */
export function callFunction(name: string, args: Compiled[], site: CallSite): Compiled {
  const fn = FUNCTIONS.get(name);
  if (fn === undefined) {
    const known = [...SCALAR_FUNCTIONS, ...AGGREGATE_FUNCTIONS];
    const hint = didYouMean(name, known);
    throw new SqlQueryError(
      'unknown-function',
      `unknown function ${name}${hint === undefined ? ` (known: ${known.join(', ')})` : ` (did you mean ${hint}?)`}`,
      site.position,
    );
  }
  return fn(args, site);
}
