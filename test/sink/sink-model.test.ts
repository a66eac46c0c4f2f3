import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Column } from '../../src/schema/sql-type.js';
import { validateTable } from '../../src/sink/config/index.js';
import type { SinkTable, Target } from '../../src/sink/model.js';
import type { RedisSink } from '../../src/sink/sink.js';
import { useRedis } from '../support/fixtures.js';
import { asMap } from '../support/read-back.js';
import { sinkOn, table } from '../support/sink.js';

/**
 * The sink against a tiny in-memory reference model of every keyed target and its options: what
 * Redis must hold after the sink has flushed a sequence of writes (bad rows skipped or dead
 * lettered, never written). Pub/sub keeps no state and is covered by the target tests.
 *
 * Flushes matter only where a per-flush step does (a sorted set's top N is cut once per key per
 * flush): the test calls `flush()` after each write, and the model cuts there. The first write
 * goes through the same table without its write mode, so that `if_present` and `if_absent` meet
 * keys, fields and members that exist.
 */

type Cell = string | number | Date | null | undefined;
type Row = Record<string, Cell>;

const SCHEMA: Column[] = [
  { name: 'k', type: 'TEXT', nullable: true },
  { name: 'u', type: 'TEXT', nullable: true },
  { name: 'f', type: 'TEXT', nullable: true },
  { name: 'value', type: 'TEXT', nullable: true },
  { name: 'n', type: 'BIGINT', nullable: true },
  { name: 'ttl', type: 'BIGINT', nullable: true },
  { name: 'until', type: 'TIMESTAMP', nullable: true },
];

type Kind = 'string' | 'list' | 'hash' | 'set' | 'sorted_set' | 'counter' | 'hash_counter' | 'stream';
type WriteMode = 'upsert' | 'if_absent' | 'if_present';

/** One generated table, before it becomes a target. */
interface Config {
  kind: Kind;
  keyMode: 'column' | 'template' | 'tag' | 'fixed';
  ttl: 'none' | 'secs' | 'seconds' | 'timestamp';
  ttlSecs: number;
  ttlRefresh: 'always' | 'on_create' | undefined;
  writeMode: WriteMode | undefined;
  raw: boolean;
  operation: 'Append' | 'Prepend';
  maxLength: number | undefined;
  hashColumns: boolean;
  hashNulls: 'skip' | 'delete';
  member: boolean;
  scoreMode: 'replace' | 'increment' | 'greater' | 'lesser' | undefined;
  maxMembers: number | undefined;
  keepMembers: 'highest' | 'lowest' | undefined;
  float: boolean;
  streamColumns: boolean;
  streamRowField: string | undefined;
  streamMaxLength: number | undefined;
  streamTrim: 'approximate' | 'exact';
  delivery: 'at_least_once' | 'exactly_once';
  deadLetter: boolean;
  batchSize: number;
}

const KEY_FIELDS: Record<Kind, [string, string]> = {
  string: ['keyPrefix', 'keyColumn'],
  list: ['listPrefix', 'listKeyColumn'],
  hash: ['hashKeyPrefix', 'hashKeyColumn'],
  set: ['setPrefix', 'setKeyColumn'],
  sorted_set: ['sortedSetPrefix', 'sortedSetKeyColumn'],
  counter: ['counterPrefix', 'counterKeyColumn'],
  hash_counter: ['hashCounterPrefix', 'hashCounterKeyColumn'],
  stream: ['streamPrefix', 'streamKeyColumn'],
};

/** The write modes each type takes (others are left out of its target). */
const WRITE_MODES: Partial<Record<Kind, readonly WriteMode[]>> = {
  string: ['upsert', 'if_absent', 'if_present'],
  list: ['upsert', 'if_present'],
  hash: ['upsert', 'if_absent'],
  sorted_set: ['upsert', 'if_absent', 'if_present'],
};

/** The config as it can be: options a type does not take, or that clash, are dropped. */
function normalize(c: Config): Config {
  const out = { ...c };
  if (out.ttl === 'none') out.ttlRefresh = undefined;
  const modes = WRITE_MODES[c.kind] ?? [];
  if (out.writeMode !== undefined && !modes.includes(out.writeMode)) out.writeMode = undefined;
  if (c.kind === 'hash' && c.hashColumns) out.writeMode = undefined;
  if (
    c.kind === 'sorted_set' &&
    out.writeMode === 'if_absent' &&
    (c.scoreMode === 'greater' || c.scoreMode === 'lesser')
  )
    out.writeMode = undefined;
  if (out.maxMembers === undefined) out.keepMembers = undefined;
  const rawFits =
    c.kind === 'string' ||
    c.kind === 'list' ||
    (c.kind === 'hash' && !c.hashColumns) ||
    ((c.kind === 'set' || c.kind === 'sorted_set') && !c.member) ||
    (c.kind === 'stream' && !c.streamColumns);
  if (!rawFits) out.raw = false;
  if (c.kind === 'stream' && c.streamColumns) out.streamRowField = undefined;
  // A top N is cut once per flush: flushes come only where the test calls flush().
  if (c.kind === 'sorted_set' && c.maxMembers !== undefined) out.batchSize = 100_000;
  return out;
}

function targetOf(c: Config, prefix: string, writeMode: WriteMode | undefined): Target {
  const [prefixField, columnField] = KEY_FIELDS[c.kind];
  const t: Record<string, unknown> = { type: c.kind };
  if (c.keyMode === 'column') Object.assign(t, { [prefixField]: prefix, [columnField]: 'k' });
  else if (c.keyMode === 'fixed') t[prefixField] = prefix;
  else if (c.keyMode === 'template') t.keyTemplate = `${prefix}{k}:{u}`;
  else t.keyTemplate = `${prefix}{{{k}}}:{u}`;
  if (c.ttl === 'secs') t.ttlSecs = c.ttlSecs;
  if (c.ttl === 'seconds') t.ttlColumn = 'ttl';
  if (c.ttl === 'timestamp') Object.assign(t, { ttlColumn: 'until', ttlKind: 'timestamp' });
  if (c.ttlRefresh !== undefined) t.ttlRefresh = c.ttlRefresh;
  if (writeMode !== undefined) t.writeMode = writeMode;
  switch (c.kind) {
    case 'list':
      Object.assign(t, { operation: c.operation, maxLength: c.maxLength });
      break;
    case 'hash':
      if (c.hashColumns) Object.assign(t, { hashLayout: 'columns', hashNulls: c.hashNulls });
      else t.hashFieldColumn = 'f';
      break;
    case 'set':
      if (c.member) t.memberColumn = 'f';
      break;
    case 'sorted_set':
      Object.assign(t, {
        scoreColumn: 'n',
        scoreMode: c.scoreMode,
        maxMembers: c.maxMembers,
        keepMembers: c.keepMembers,
      });
      if (c.member) t.memberColumn = 'f';
      break;
    case 'counter':
    case 'hash_counter':
      t.incrementColumn = 'n';
      if (c.float) t.counterKind = 'float';
      if (c.kind === 'hash_counter') t.hashCounterFieldColumn = 'f';
      break;
    case 'stream':
      Object.assign(t, {
        streamLayout: c.streamColumns ? 'columns' : 'row',
        streamRowField: c.streamRowField,
        streamMaxLength: c.streamMaxLength,
        streamTrim: c.streamMaxLength === undefined ? undefined : c.streamTrim,
      });
      break;
  }
  for (const k of Object.keys(t)) if (t[k] === undefined) delete t[k];
  return t as unknown as Target;
}

// ---------------------------------------------------------------------------------------------
// The reference model

/** Text of a value as keys, fields, members and columns take it; undefined: it has none. */
function textOf(v: Cell): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  if (v instanceof Date) return v.toISOString();
  return v;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

function scoreOf(v: Cell): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && DECIMAL.test(v)) return Number(v);
  return undefined;
}

function integerOf(v: Cell): bigint | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : undefined;
  if (typeof v === 'string' && INTEGER.test(v)) return BigInt(v);
  return undefined;
}

type Val =
  | { t: 'string'; v: string }
  | { t: 'list'; v: string[] }
  | { t: 'hash'; v: Map<string, string> }
  | { t: 'set'; v: Set<string> }
  | { t: 'zset'; v: Map<string, number> }
  | { t: 'counter'; v: number | bigint }
  | { t: 'hcounter'; v: Map<string, number | bigint> }
  | { t: 'stream'; v: string[][] };

interface Model {
  keys: Map<string, Val>;
  /** The TTL each good row gave its key (seconds, or ms since the epoch). */
  ttls: Map<string, number[]>;
  bad: number;
}

class Reference {
  readonly m: Model = { keys: new Map(), ttls: new Map(), bad: 0 };
  constructor(
    readonly c: Config,
    readonly prefix: string,
  ) {}

  #key(row: Row): string | undefined {
    const c = this.c;
    if (c.keyMode === 'fixed') return this.prefix;
    const k = textOf(row.k);
    if (k === undefined || k === '') return undefined;
    if (c.keyMode === 'column') return this.prefix + k;
    const u = textOf(row.u);
    if (u === undefined || u === '') return undefined;
    return c.keyMode === 'template' ? `${this.prefix}${k}:${u}` : `${this.prefix}{${k}}:${u}`;
  }

  /** Columns that make the key or the TTL, never written as fields. */
  #keyParts(): Set<string> {
    const c = this.c;
    const parts = new Set<string>();
    if (c.keyMode === 'column') parts.add('k');
    if (c.keyMode === 'template' || c.keyMode === 'tag') parts.add('k').add('u');
    if (c.ttl === 'seconds') parts.add('ttl');
    if (c.ttl === 'timestamp') parts.add('until');
    return parts;
  }

  /** The row as its value: JSON of the schema's columns, or the raw value column. */
  #encoded(row: Row): string | undefined {
    if (this.c.raw) return textOf(row.value);
    const obj: Record<string, unknown> = {};
    for (const { name } of SCHEMA) {
      const v = row[name];
      if (typeof v === 'number' && !Number.isFinite(v)) return undefined;
      obj[name] = v ?? null;
    }
    return JSON.stringify(obj);
  }

  /** One field per column: pairs to set and columns to delete; undefined: a column has no text. */
  #columns(row: Row): { pairs: string[]; nulls: string[] } | undefined {
    const parts = this.#keyParts();
    const pairs: string[] = [];
    const nulls: string[] = [];
    for (const { name } of SCHEMA) {
      if (parts.has(name)) continue;
      const v = row[name];
      if (v === null || v === undefined) {
        nulls.push(name);
        continue;
      }
      const t = textOf(v);
      if (t === undefined) return undefined;
      pairs.push(name, t);
    }
    return { pairs, nulls };
  }

  /** The row's TTL; null: the table has none per row; undefined: a bad one. */
  #ttl(row: Row): number | null | undefined {
    if (this.c.ttl === 'seconds') {
      const v = row.ttl;
      const n = typeof v === 'number' ? v : typeof v === 'string' && INTEGER.test(v) ? Number(v) : Number.NaN;
      return Number.isInteger(n) && n > 0 ? n : undefined;
    }
    if (this.c.ttl === 'timestamp') {
      const v = row.until;
      const at =
        v instanceof Date
          ? v.getTime()
          : typeof v === 'number'
            ? v
            : typeof v === 'string'
              ? INTEGER.test(v)
                ? Number(v)
                : Date.parse(v)
              : Number.NaN;
      return Number.isInteger(at) && at > Date.now() ? at : undefined;
    }
    return null;
  }

  /** Applies one row; false when the row is bad (and counted). */
  apply(row: Row, writeMode: WriteMode | undefined): boolean {
    const c = this.c;
    const keys = this.m.keys;
    const key = this.#key(row);
    const ttl = this.#ttl(row);
    const bad = (): false => {
      this.m.bad++;
      return false;
    };
    if (key === undefined || ttl === undefined) return bad();
    const cur = keys.get(key);
    switch (c.kind) {
      case 'string': {
        const v = this.#encoded(row);
        if (v === undefined) return bad();
        if (writeMode === 'if_absent' && cur !== undefined) break;
        if (writeMode === 'if_present' && cur === undefined) break;
        keys.set(key, { t: 'string', v });
        break;
      }
      case 'list': {
        const v = this.#encoded(row);
        if (v === undefined) return bad();
        if (writeMode === 'if_present' && cur === undefined) break;
        const l = cur?.t === 'list' ? cur.v : [];
        if (c.operation === 'Append') l.push(v);
        else l.unshift(v);
        keys.set(key, { t: 'list', v: l });
        break;
      }
      case 'hash': {
        const h = cur?.t === 'hash' ? cur.v : new Map<string, string>();
        if (c.hashColumns) {
          const cols = this.#columns(row);
          if (cols === undefined) return bad();
          for (let i = 0; i < cols.pairs.length; i += 2) h.set(cols.pairs[i], cols.pairs[i + 1]);
          if (c.hashNulls === 'delete') for (const f of cols.nulls) h.delete(f);
        } else {
          const f = textOf(row.f);
          const v = this.#encoded(row);
          if (f === undefined || v === undefined) return bad();
          if (!(writeMode === 'if_absent' && h.has(f))) h.set(f, v);
        }
        if (h.size > 0) keys.set(key, { t: 'hash', v: h });
        else keys.delete(key);
        break;
      }
      case 'set': {
        const v = c.member ? textOf(row.f) : this.#encoded(row);
        if (v === undefined) return bad();
        const s = cur?.t === 'set' ? cur.v : new Set<string>();
        keys.set(key, { t: 'set', v: s.add(v) });
        break;
      }
      case 'sorted_set': {
        const score = scoreOf(row.n);
        const member = c.member ? textOf(row.f) : this.#encoded(row);
        if (score === undefined || member === undefined) return bad();
        const z = cur?.t === 'zset' ? cur.v : new Map<string, number>();
        const old = z.get(member);
        const allowed =
          (writeMode !== 'if_absent' || old === undefined) &&
          (writeMode !== 'if_present' || old !== undefined);
        if (allowed) {
          if (c.scoreMode === 'increment') z.set(member, (old ?? 0) + score);
          else if (c.scoreMode === 'greater') z.set(member, old === undefined ? score : Math.max(old, score));
          else if (c.scoreMode === 'lesser') z.set(member, old === undefined ? score : Math.min(old, score));
          else z.set(member, score);
        }
        if (z.size > 0) keys.set(key, { t: 'zset', v: z });
        break;
      }
      case 'counter': {
        const by = c.float ? scoreOf(row.n) : integerOf(row.n);
        if (by === undefined) return bad();
        const old = cur?.t === 'counter' ? cur.v : c.float ? 0 : 0n;
        keys.set(key, {
          t: 'counter',
          v: c.float ? (old as number) + (by as number) : (old as bigint) + (by as bigint),
        });
        break;
      }
      case 'hash_counter': {
        const f = textOf(row.f);
        const by = c.float ? scoreOf(row.n) : integerOf(row.n);
        if (f === undefined || by === undefined) return bad();
        const h = cur?.t === 'hcounter' ? cur.v : new Map<string, number | bigint>();
        const old = h.get(f) ?? (c.float ? 0 : 0n);
        h.set(f, c.float ? (old as number) + (by as number) : (old as bigint) + (by as bigint));
        keys.set(key, { t: 'hcounter', v: h });
        break;
      }
      case 'stream': {
        let entry: string[];
        if (c.streamColumns) {
          const cols = this.#columns(row);
          if (cols === undefined) return bad();
          entry = cols.pairs.length === 0 ? ['', ''] : cols.pairs;
        } else {
          const v = this.#encoded(row);
          if (v === undefined) return bad();
          entry = [c.streamRowField ?? 'row', v];
        }
        const s = cur?.t === 'stream' ? cur.v : [];
        s.push(entry);
        if (c.streamMaxLength !== undefined && c.streamTrim === 'exact' && s.length > c.streamMaxLength)
          s.splice(0, s.length - c.streamMaxLength);
        keys.set(key, { t: 'stream', v: s });
        break;
      }
    }
    const ttlValue = c.ttl === 'secs' ? c.ttlSecs : ttl;
    if (ttlValue !== null) {
      const l = this.m.ttls.get(key) ?? [];
      l.push(ttlValue);
      this.m.ttls.set(key, l);
    }
    return true;
  }

  /** What a flush does once per key after its rows: the list's and the sorted set's cuts. */
  flushed(): void {
    const c = this.c;
    for (const [key, val] of this.m.keys) {
      if (val.t === 'list' && c.maxLength !== undefined) {
        const max = c.maxLength;
        val.v = c.operation === 'Append' ? val.v.slice(-max) : val.v.slice(0, max);
      }
      if (val.t === 'zset' && c.maxMembers !== undefined) {
        const ranked = zsetOrder([...val.v]);
        const kept = c.keepMembers === 'lowest' ? ranked.slice(0, c.maxMembers) : ranked.slice(-c.maxMembers);
        this.m.keys.set(key, { t: 'zset', v: new Map(kept) });
      }
    }
  }
}

/** Redis's sorted-set order: by score, then by the member's bytes. */
function zsetOrder(entries: [string, number][]): [string, number][] {
  return entries.sort((a, b) => a[1] - b[1] || Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])));
}

/** Floats as compared: to 12 significant digits (Redis adds INCRBYFLOAT in long double). */
const approx = (n: number): number => Number(n.toPrecision(12));

/** Both sides in one comparable form. */
function normalized(val: Val): unknown {
  switch (val.t) {
    case 'string':
    case 'list':
    case 'stream':
      return val;
    case 'hash':
      return { t: 'hash', v: Object.fromEntries([...val.v].sort()) };
    case 'set':
      return { t: 'set', v: [...val.v].sort() };
    case 'zset':
      return { t: 'zset', v: zsetOrder([...val.v]).map(([m, s]) => [m, approx(s)]) };
    case 'counter':
      return { t: 'counter', v: typeof val.v === 'bigint' ? val.v.toString() : approx(val.v) };
    case 'hcounter':
      return {
        t: 'hcounter',
        v: Object.fromEntries(
          [...val.v].sort().map(([f, n]) => [f, typeof n === 'bigint' ? n.toString() : approx(n)]),
        ),
      };
  }
}

// ---------------------------------------------------------------------------------------------
// Reading Redis back

const redis = useRedis();

async function readKey(c: Config, key: string): Promise<Val> {
  const send = redis.client.send.bind(redis.client);
  const type = String(await send(['TYPE', key]));
  switch (type) {
    case 'string': {
      const s = String(await send(['GET', key]));
      if (c.kind !== 'counter') return { t: 'string', v: s };
      return { t: 'counter', v: c.float ? Number(s) : BigInt(s) };
    }
    case 'list':
      return { t: 'list', v: (await send(['LRANGE', key, 0, -1])) as string[] };
    case 'hash': {
      const h = asMap(await send(['HGETALL', key]));
      if (c.kind !== 'hash_counter') return { t: 'hash', v: h };
      return { t: 'hcounter', v: new Map([...h].map(([f, n]) => [f, c.float ? Number(n) : BigInt(n)])) };
    }
    case 'set':
      return { t: 'set', v: new Set((await send(['SMEMBERS', key])) as Iterable<string>) };
    case 'zset': {
      const flat = (await send(['ZRANGE', key, 0, -1, 'WITHSCORES'])) as unknown[];
      const z = new Map<string, number>();
      if (flat.length > 0 && Array.isArray(flat[0]))
        for (const [m, s] of flat as [string, unknown][]) z.set(m, Number(s));
      else for (let i = 0; i < flat.length; i += 2) z.set(String(flat[i]), Number(flat[i + 1]));
      return { t: 'zset', v: z };
    }
    case 'stream': {
      const entries = (await send(['XRANGE', key, '-', '+'])) as [string, string[]][];
      return { t: 'stream', v: entries.map((e) => e[1].map(String)) };
    }
    default:
      throw new Error(`${key} is a ${type}`);
  }
}

/** Checks each key's TTL against the TTLs its rows gave (elapsed time aside). */
async function expectTtl(c: Config, key: string, given: number[] | undefined): Promise<void> {
  const pttl = Number(await redis.client.send(['PTTL', key]));
  if (c.ttl === 'none') {
    expect(pttl, `${key} has no TTL`).toBe(-1);
    return;
  }
  expect(given, `${key} was written by rows with a TTL`).toBeDefined();
  const lo = Math.min(...given!);
  const hi = Math.max(...given!);
  if (c.ttl === 'timestamp') {
    const at = Number(await redis.client.send(['PEXPIRETIME', key]));
    expect(at, `${key} expires at one of its rows' times`).toBeGreaterThanOrEqual(lo);
    expect(at).toBeLessThanOrEqual(hi);
  } else {
    expect(pttl, `${key}'s TTL`).toBeLessThanOrEqual(hi * 1000);
    expect(pttl, `${key}'s TTL`).toBeGreaterThan(lo * 1000 - 15_000);
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const NOW = Date.now();
const HOUR = 3_600_000;
const cellK = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom<Cell>('a', 'b', 'c', 'é', '{x}', 1, -2) },
  { weight: 1, arbitrary: fc.constantFrom<Cell>(null, undefined, '') },
);
const cellU = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom<Cell>('eu', 'us') },
  { weight: 1, arbitrary: fc.constantFrom<Cell>(null, '') },
);
const cellF = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom<Cell>('f1', 'f2', 'f3', '', 0, 7) },
  { weight: 1, arbitrary: fc.constantFrom<Cell>(null, undefined) },
);
const cellValue = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<Cell>('one', 'two', '', '{"j":1}', 3) },
  { weight: 2, arbitrary: fc.string({ maxLength: 8, unit: 'grapheme-ascii' }) },
  { weight: 1, arbitrary: fc.constantFrom<Cell>(null, undefined) },
);
const cellN = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -5, max: 5 }) },
  { weight: 3, arbitrary: fc.constantFrom<Cell>(0.25, -1.5, 2.75, 0.1, 1e6, -123456789) },
  { weight: 2, arbitrary: fc.constantFrom<Cell>('2', '1.5', '-3', '007', '1e1', '.5') },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Cell>('x', '', ' 4', '1.5.2', Number.NaN, Infinity, null, undefined),
  },
);
const cellTtl = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 100, max: 100_000 }) },
  { weight: 1, arbitrary: fc.constantFrom<Cell>('300', 0, -5, 'x', 1.5, null) },
);
const cellUntil = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 48 * 60 }), fc.constantFrom('date', 'iso', 'ms', 'text-ms'))
      .map(([minutes, form]): Cell => {
        const at = NOW + HOUR + minutes * 60_000 + (minutes % 1000);
        return form === 'date'
          ? new Date(at)
          : form === 'iso'
            ? new Date(at).toISOString()
            : form === 'ms'
              ? at
              : String(at);
      }),
  },
  { weight: 1, arbitrary: fc.constantFrom<Cell>(new Date(NOW - HOUR), NOW - 1, 'soon', null) },
);
const fullRow: fc.Arbitrary<Row> = fc.record({
  k: cellK,
  u: cellU,
  f: cellF,
  value: cellValue,
  n: cellN,
  ttl: cellTtl,
  until: cellUntil,
});
/** Rows of nulls but for the key (and maybe a TTL): hashes and streams of columns get nothing to set. */
const sparseRow: fc.Arbitrary<Row> = fc.record({
  k: cellK,
  u: cellU,
  f: fc.constant(null),
  value: fc.constant(undefined),
  n: fc.constant(null),
  ttl: fc.oneof(fc.constant(null), cellTtl),
  until: fc.oneof(fc.constant(undefined), cellUntil),
});
const rowArb = fc.oneof({ weight: 8, arbitrary: fullRow }, { weight: 1, arbitrary: sparseRow });

const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const configArb: fc.Arbitrary<Config> = fc
  .record({
    kind: fc.constantFrom<Kind>(
      'string',
      'list',
      'hash',
      'set',
      'sorted_set',
      'counter',
      'hash_counter',
      'stream',
    ),
    keyMode: fc.constantFrom('column' as const, 'template' as const, 'tag' as const, 'fixed' as const),
    ttl: fc.constantFrom('none' as const, 'secs' as const, 'seconds' as const, 'timestamp' as const),
    ttlSecs: fc.integer({ min: 100, max: 100_000 }),
    ttlRefresh: fc.constantFrom(undefined, 'always' as const, 'on_create' as const),
    writeMode: fc.constantFrom(undefined, 'upsert' as const, 'if_absent' as const, 'if_present' as const),
    raw: fc.boolean(),
    operation: fc.constantFrom('Append' as const, 'Prepend' as const),
    maxLength: maybe(fc.integer({ min: 1, max: 5 })),
    hashColumns: fc.boolean(),
    hashNulls: fc.constantFrom('skip' as const, 'delete' as const),
    member: fc.boolean(),
    scoreMode: fc.constantFrom(
      undefined,
      'replace' as const,
      'increment' as const,
      'greater' as const,
      'lesser' as const,
    ),
    maxMembers: maybe(fc.integer({ min: 1, max: 4 })),
    keepMembers: fc.constantFrom(undefined, 'highest' as const, 'lowest' as const),
    float: fc.boolean(),
    streamColumns: fc.boolean(),
    streamRowField: fc.constantFrom(undefined, 'payload'),
    streamMaxLength: maybe(fc.integer({ min: 1, max: 6 })),
    streamTrim: fc.constantFrom('approximate' as const, 'exact' as const),
    delivery: fc.constantFrom('at_least_once' as const, 'exactly_once' as const),
    deadLetter: fc.boolean(),
    batchSize: fc.integer({ min: 1, max: 30 }),
  })
  .map(normalize);

// ---------------------------------------------------------------------------------------------

let run = 0;

describe('sink model', () => {
  it('sink — property: after flush() Redis equals the reference model for any target, options and rows', async () => {
    await fc.assert(
      fc.asyncProperty(
        configArb,
        fc.array(fc.array(rowArb, { maxLength: 30 }), { minLength: 1, maxLength: 4 }),
        async (c, writes) => {
          // A fresh prefix per execution (shrinking included), so no run sees another's keys.
          const prefix = `m${++run}:`;
          const deadLetterKey = `dead:${prefix}`;
          const tableOf = (name: string, writeMode: WriteMode | undefined): SinkTable =>
            // Validated as any front door's table would be: a generated option no door takes fails here.
            validateTable(
              table(targetOf(c, prefix, writeMode), {
                name,
                format: c.raw ? 'raw' : 'json',
                schema: SCHEMA,
                onError: c.deadLetter ? 'dead_letter' : 'skip',
                ...(c.deadLetter ? { deadLetterKey } : {}),
                batchSize: c.batchSize,
                flushIntervalMs: 600_000,
                delivery: c.delivery,
              }),
            );
          const seedTable = tableOf(`seed${run}`, undefined);
          const mainTable = tableOf(`main${run}`, c.writeMode);
          const model = new Reference(c, prefix);
          let offset = 0;
          const write = async (s: RedisSink, rows: Row[]) => {
            const positions = { partition: 'p0', offsets: rows.map(() => offset++) };
            await s.write(rows, c.delivery === 'exactly_once' ? positions : undefined);
            await s.flush();
          };
          // The first write without the write mode, so that later writes meet what exists.
          const seed = await sinkOn(redis.server.url, seedTable);
          await write(seed, writes[0]);
          await seed.close();
          for (const r of writes[0]) model.apply(r, undefined);
          model.flushed();
          const sink = await sinkOn(redis.server.url, mainTable);
          for (const rows of writes.slice(1)) {
            await write(sink, rows);
            for (const r of rows) model.apply(r, c.writeMode);
            model.flushed();
          }
          await sink.close();

          const keys = ((await redis.client.send(['KEYS', `${prefix}*`])) as string[]).sort();
          const got: Record<string, unknown> = {};
          for (const k of keys) got[k] = normalized(await readKey(c, k));
          const want: Record<string, unknown> = {};
          for (const [k, v] of model.m.keys) want[k] = normalized(v);
          if (c.kind === 'stream' && c.streamMaxLength !== undefined && c.streamTrim === 'approximate') {
            // MAXLEN ~ trims whole nodes when Redis likes: never below the bound, and what stays
            // is the newest entries.
            for (const [k, v] of Object.entries(got)) {
              const all = (want[k] as { v: string[][] } | undefined)?.v ?? [];
              const kept = (v as { v: string[][] }).v;
              expect(kept.length).toBeGreaterThanOrEqual(Math.min(all.length, c.streamMaxLength));
              want[k] = { t: 'stream', v: all.slice(all.length - kept.length) };
            }
          }
          expect(got).toEqual(want);
          for (const k of keys) await expectTtl(c, k, model.m.ttls.get(k));
          const dead = Number(await redis.client.send(['LLEN', deadLetterKey]));
          expect(dead).toBe(c.deadLetter ? model.m.bad : 0);
        },
      ),
      { numRuns: Number(process.env.MODEL_RUNS ?? 600) },
    );
  });
});
