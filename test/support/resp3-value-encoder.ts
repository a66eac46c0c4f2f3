/**
 * Test-only, server-side RESP3 encoder: a tagged model of every RESP3 value (so a test can say
 * "simple string" vs "bulk" vs "verbatim", which all decode to string), its wire bytes, the
 * events a correct decoder must produce for it, and fast-check arbitraries over the model.
 *
 * Written from the RESP3 specification, independently of src/resp/decoder.ts; the harness at the
 * end feeds a real Decoder.
 */
import fc from 'fast-check';
import { Decoder, type DecoderOptions } from '../../src/resp/decoder.js';
import { type ReplyError, toReplyError } from '../../src/resp/errors.js';
import type { Reply } from '../../src/resp/reply.js';

export type Entry = readonly [Resp3Value, Resp3Value];

export type Resp3Value =
  | { readonly type: 'simple'; readonly value: string }
  | { readonly type: 'error'; readonly value: string }
  | { readonly type: 'integer'; readonly value: bigint }
  /** `parts` set: sent as a streamed string `$?` with these part sizes (summing to the length). */
  | { readonly type: 'bulk'; readonly value: Buffer; readonly parts?: readonly number[] }
  | { readonly type: 'null'; readonly form: '_' | '$-1' | '*-1' }
  | { readonly type: 'double'; readonly value: number }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'bignum'; readonly value: bigint }
  | { readonly type: 'verbatim'; readonly format: string; readonly value: Buffer }
  | { readonly type: 'blobError'; readonly value: Buffer }
  | {
      readonly type: 'array' | 'set' | 'push';
      readonly items: readonly Resp3Value[];
      readonly streamed?: boolean;
    }
  | { readonly type: 'map'; readonly entries: readonly Entry[]; readonly streamed?: boolean }
  /** A value preceded by an attribute (`|`), which the decoder reports apart from the value. */
  | { readonly type: 'attributed'; readonly attribute: readonly Entry[]; readonly value: Resp3Value };

const CRLF = '\r\n';

function formatDouble(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Number.POSITIVE_INFINITY) return 'inf';
  if (n === Number.NEGATIVE_INFINITY) return '-inf';
  if (Object.is(n, -0)) return '-0';
  return String(n);
}

function push(out: Buffer[], text: string): void {
  out.push(Buffer.from(text, 'utf8'));
}

function encodeInto(v: Resp3Value, out: Buffer[]): void {
  switch (v.type) {
    case 'simple':
      push(out, `+${v.value}${CRLF}`);
      break;
    case 'error':
      push(out, `-${v.value}${CRLF}`);
      break;
    case 'integer':
      push(out, `:${v.value}${CRLF}`);
      break;
    case 'bulk':
      if (v.parts === undefined) {
        push(out, `$${v.value.length}${CRLF}`);
        out.push(v.value);
        push(out, CRLF);
      } else {
        push(out, `$?${CRLF}`);
        let at = 0;
        for (const size of v.parts) {
          push(out, `;${size}${CRLF}`);
          out.push(v.value.subarray(at, at + size));
          push(out, CRLF);
          at += size;
        }
        push(out, `;0${CRLF}`);
      }
      break;
    case 'null':
      push(out, `${v.form}${CRLF}`);
      break;
    case 'double':
      push(out, `,${formatDouble(v.value)}${CRLF}`);
      break;
    case 'boolean':
      push(out, `#${v.value ? 't' : 'f'}${CRLF}`);
      break;
    case 'bignum':
      push(out, `(${v.value}${CRLF}`);
      break;
    case 'verbatim':
      push(out, `=${v.value.length + 4}${CRLF}${v.format}:`);
      out.push(v.value);
      push(out, CRLF);
      break;
    case 'blobError':
      push(out, `!${v.value.length}${CRLF}`);
      out.push(v.value);
      push(out, CRLF);
      break;
    case 'array':
    case 'set':
    case 'push': {
      const marker = v.type === 'array' ? '*' : v.type === 'set' ? '~' : '>';
      push(out, `${marker}${v.streamed ? '?' : v.items.length}${CRLF}`);
      for (const item of v.items) encodeInto(item, out);
      if (v.streamed) push(out, `.${CRLF}`);
      break;
    }
    case 'map':
      push(out, `%${v.streamed ? '?' : v.entries.length}${CRLF}`);
      for (const [k, val] of v.entries) {
        encodeInto(k, out);
        encodeInto(val, out);
      }
      if (v.streamed) push(out, `.${CRLF}`);
      break;
    case 'attributed':
      push(out, `|${v.attribute.length}${CRLF}`);
      for (const [k, val] of v.attribute) {
        encodeInto(k, out);
        encodeInto(val, out);
      }
      encodeInto(v.value, out);
      break;
  }
}

/** The wire bytes of a sequence of top-level values. */
export function encodeResp3(...values: Resp3Value[]): Buffer {
  const out: Buffer[] = [];
  for (const v of values) encodeInto(v, out);
  return Buffer.concat(out);
}

/** What a decoder hands its ReplyHandler, in order. */
export type DecoderEvent =
  | { readonly kind: 'reply'; readonly value: Reply }
  | { readonly kind: 'push'; readonly value: Reply[] }
  | { readonly kind: 'attribute'; readonly value: Map<Reply, Reply> };

function text(b: Buffer): string {
  return b.toString('utf8');
}

/**
 * The decoded value of `v`, appending to `events` the attributes met on the way, in the order a
 * streaming decoder finishes them (an attribute's own attributes first).
 */
function expectValue(v: Resp3Value, returnBuffers: boolean, events: DecoderEvent[]): Reply {
  switch (v.type) {
    case 'simple':
      return text(Buffer.from(v.value, 'utf8'));
    case 'error':
      return toReplyError(text(Buffer.from(v.value, 'utf8')));
    case 'integer':
      return v.value > BigInt(Number.MAX_SAFE_INTEGER) || v.value < -BigInt(Number.MAX_SAFE_INTEGER)
        ? v.value
        : Number(v.value);
    case 'bulk':
    case 'verbatim':
      return returnBuffers ? Buffer.from(v.value) : text(v.value);
    case 'null':
      return null;
    case 'double':
    case 'boolean':
    case 'bignum':
      return v.value;
    case 'blobError':
      return toReplyError(text(v.value));
    case 'array':
    case 'push':
      return v.items.map((item) => expectValue(item, returnBuffers, events));
    case 'set': {
      const set = new Set<Reply>();
      for (const item of v.items) set.add(expectValue(item, returnBuffers, events));
      return set;
    }
    case 'map':
      return expectMap(v.entries, returnBuffers, events);
    case 'attributed': {
      const attribute = expectMap(v.attribute, returnBuffers, events);
      events.push({ kind: 'attribute', value: attribute });
      return expectValue(v.value, returnBuffers, events);
    }
  }
}

function expectMap(
  entries: readonly Entry[],
  returnBuffers: boolean,
  events: DecoderEvent[],
): Map<Reply, Reply> {
  const map = new Map<Reply, Reply>();
  for (const [k, val] of entries) {
    const key = expectValue(k, returnBuffers, events);
    map.set(key, expectValue(val, returnBuffers, events));
  }
  return map;
}

function topLevel(v: Resp3Value): Resp3Value {
  return v.type === 'attributed' ? topLevel(v.value) : v;
}

/** The handler events a correct decoder produces for these top-level values. */
export function expectedEvents(values: readonly Resp3Value[], returnBuffers = false): DecoderEvent[] {
  const events: DecoderEvent[] = [];
  for (const v of values) {
    const value = expectValue(v, returnBuffers, events);
    if (topLevel(v).type === 'push') events.push({ kind: 'push', value: value as Reply[] });
    else events.push({ kind: 'reply', value });
  }
  return events;
}

/**
 * A plain, order-preserving picture of a reply for deep equality: tells Buffer from string, Map
 * from Set from array, ReplyError subclasses apart, and bigint from number.
 */
export function describeReply(r: Reply): unknown {
  if (r === null || typeof r === 'string' || typeof r === 'boolean') return r;
  if (typeof r === 'number') return Number.isNaN(r) ? 'NaN' : Object.is(r, -0) ? '-0' : r;
  if (typeof r === 'bigint') return { bigint: r.toString() };
  if (Buffer.isBuffer(r)) return { buffer: r.toString('hex') };
  if (Array.isArray(r)) return r.map(describeReply);
  if (r instanceof Map) return { map: [...r].map(([k, v]) => [describeReply(k), describeReply(v)]) };
  if (r instanceof Set) return { set: [...r].map(describeReply) };
  const e = r as ReplyError;
  return { error: e.name, code: e.code, prefix: e.prefix, message: e.message, ...slotFields(e) };
}

function slotFields(e: ReplyError): Record<string, unknown> {
  const { slot, host, port } = e as unknown as { slot?: number; host?: string; port?: number };
  return slot === undefined ? {} : { slot, host, port };
}

export function describeEvents(events: readonly DecoderEvent[]): unknown[] {
  return events.map((e) => ({ kind: e.kind, value: describeReply(e.value) }));
}

// ---- fast-check arbitraries -------------------------------------------------------------------

/** Text without CR or LF (simple strings and errors cannot carry them). */
const lineText = fc.string({ unit: 'grapheme', maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, ' '));

const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
  fc.string({ unit: 'grapheme', maxLength: 30 }).map((s) => Buffer.from(s, 'utf8')),
);

/** Splits `length` into part sizes >= 1 for a streamed string. */
function partsOf(value: Buffer): fc.Arbitrary<number[]> {
  if (value.length <= 1) return fc.constant(value.length === 0 ? [] : [1]);
  return fc
    .uniqueArray(fc.integer({ min: 1, max: value.length - 1 }), { maxLength: Math.min(4, value.length - 1) })
    .map((cuts) => {
      const sorted = [...cuts].sort((a, b) => a - b);
      const sizes: number[] = [];
      let prev = 0;
      for (const c of [...sorted, value.length]) {
        sizes.push(c - prev);
        prev = c;
      }
      return sizes;
    });
}

const leaf: fc.Arbitrary<Resp3Value> = fc.oneof(
  lineText.map((value) => ({ type: 'simple' as const, value })),
  fc.oneof(
    lineText.map((value) => ({ type: 'error' as const, value: `ERR ${value}` })),
    fc
      .tuple(
        fc.constantFrom('MOVED', 'ASK'),
        fc.integer({ min: 0, max: 16383 }),
        fc.integer({ min: 1, max: 65535 }),
      )
      .map(([kind, slot, port]) => ({ type: 'error' as const, value: `${kind} ${slot} 10.0.0.1:${port}` })),
  ),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((value) => ({ type: 'integer' as const, value })),
  fc.integer().map((n) => ({ type: 'integer' as const, value: BigInt(n) })),
  bytes.map((value) => ({ type: 'bulk' as const, value })),
  bytes.chain((value) => partsOf(value).map((parts) => ({ type: 'bulk' as const, value, parts }))),
  fc.constantFrom('_', '$-1', '*-1').map((form) => ({ type: 'null' as const, form })),
  fc.double().map((value) => ({ type: 'double' as const, value })),
  fc.boolean().map((value) => ({ type: 'boolean' as const, value })),
  fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }).map((value) => ({ type: 'bignum' as const, value })),
  fc
    .tuple(fc.constantFrom('txt', 'mkd'), bytes)
    .map(([format, value]) => ({ type: 'verbatim' as const, format, value })),
  bytes.map((value) => ({ type: 'blobError' as const, value: Buffer.concat([Buffer.from('ERR '), value]) })),
);

/** Any RESP3 value, aggregates nested a few levels deep. */
export const resp3Value: fc.Arbitrary<Resp3Value> = fc.letrec<{ value: Resp3Value; entry: Entry }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc
      .record({
        type: fc.constantFrom('array' as const, 'set' as const, 'push' as const),
        items: fc.array(tie('value'), { maxLength: 5 }),
        streamed: fc.boolean(),
      })
      // Streamed pushes do not exist in RESP3.
      .map((v) => (v.type === 'push' ? { ...v, streamed: false } : v)),
    fc.record({
      type: fc.constant('map' as const),
      entries: fc.array(tie('entry'), { maxLength: 4 }),
      streamed: fc.boolean(),
    }),
    fc.record({
      type: fc.constant('attributed' as const),
      attribute: fc.array(tie('entry'), { minLength: 1, maxLength: 2 }),
      value: tie('value'),
    }),
  ),
  entry: fc.tuple(tie('value'), tie('value')),
})).value;

// ---- decoder harness: a recording handler and ways to chop a byte stream -----------------------

export interface Recorder {
  decoder: Decoder;
  events: DecoderEvent[];
}

export function record(options?: DecoderOptions): Recorder {
  const events: DecoderEvent[] = [];
  const decoder = new Decoder(
    {
      onReply: (value: Reply) => events.push({ kind: 'reply', value }),
      onPush: (value: Reply[]) => events.push({ kind: 'push', value }),
      onAttribute: (value: Map<Reply, Reply>) => events.push({ kind: 'attribute', value }),
    },
    options,
  );
  return { decoder, events };
}

/** Feeds `chunks` in order to a fresh decoder; returns the events in comparable form. */
export function decodeChunks(chunks: readonly Buffer[], options?: DecoderOptions): unknown[] {
  const { decoder, events } = record(options);
  for (const c of chunks) decoder.feed(c);
  if (decoder.hasPartial) throw new Error('decoder still holds a partial reply after the last chunk');
  return describeEvents(events);
}

/** Copies so that no chunk shares memory with another or with the source. */
export function splitAt(buf: Buffer, points: readonly number[]): Buffer[] {
  const cuts = [...new Set(points.map((p) => Math.min(Math.max(p, 0), buf.length)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let prev = 0;
  for (const c of [...cuts, buf.length]) {
    chunks.push(Buffer.from(buf.subarray(prev, c)));
    prev = c;
  }
  return chunks;
}

export function byteByByte(buf: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length; i++) chunks.push(Buffer.from(buf.subarray(i, i + 1)));
  return chunks;
}

/** Whole, byte by byte, and every split into two chunks. */
export function chunkings(buf: Buffer): { name: string; chunks: Buffer[] }[] {
  const out = [
    { name: 'whole', chunks: [Buffer.from(buf)] },
    { name: 'byte by byte', chunks: byteByByte(buf) },
  ];
  for (let i = 1; i < buf.length; i++) out.push({ name: `split at ${i}`, chunks: splitAt(buf, [i]) });
  return out;
}

/** Runs `fn` and returns what it threw (or fails when it throws nothing). */
export function thrown(fn: () => void): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}
