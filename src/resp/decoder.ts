/**
 * Incremental RESP2/RESP3 decoder: bytes in, replies out to a {@link ReplyHandler}. It never
 * touches a socket and knows nothing about commands or promises.
 *
 * Two paths share one set of value rules:
 *
 * - The fast path (`parseValue`) parses a whole value straight out of the current chunk by
 *   recursive descent over offsets, allocating nothing but the value itself. When the value does
 *   not end inside the chunk it gives up (`NEED_SLOW`), handing over what it built: every
 *   aggregate it had opened, with the elements parsed so far, becomes a frame of the slow path's
 *   stack, and the slow path goes on at the innermost value that did not end. Aggregates whose
 *   declared count cannot fit in the rest of the chunk give up at once.
 * - The slow path (`resume`) is an explicit state machine that survives chunk boundaries: a stack
 *   of open aggregates with their remaining counts, a partial line, or a partial bulk payload.
 *   At every element boundary it tries the fast path again, so only the values that really
 *   straddle a boundary are parsed byte-wise.
 *
 * Every byte is therefore looked at a bounded number of times (by the fast path, and again by the
 * slow path only within the one value it was cut in), whatever the chunking: decoding is linear
 * in the input. A large reply spread over many socket reads (an `XREADGROUP` of a thousand
 * entries) is parsed once, not once per level of nesting on each read.
 */
import { isAscii } from 'node:buffer';
import { ConfigError, ProtocolError, toReplyError } from './errors.js';
import type { Reply, ReplyHandler } from './reply.js';

/** Default bound on a declared bulk length: Redis' own `proto-max-bulk-len`. */
export const DEFAULT_MAX_BULK_LENGTH = 512 * 1024 * 1024;
/** Default bound on aggregate nesting (attributes included). */
export const DEFAULT_MAX_DEPTH = 64;
/** Default bound on a simple string, error, number or header line (without its CRLF). */
export const DEFAULT_MAX_LINE_LENGTH = 64 * 1024;
/**
 * Default bound on the elements of one array, set or push, or the entries of one map or attribute:
 * 2^24, the most entries a JS Map or Set can hold. Real replies stay far below it; a hostile count
 * fails at its header instead of growing an array until V8 aborts the process.
 */
export const DEFAULT_MAX_AGGREGATE_LENGTH = 2 ** 24;
/**
 * Highest accepted `maxAggregateLength`: growing a JS array past about 1.1e8 elements is a fatal
 * V8 error, not an exception, so no setting may let a reply get there.
 */
export const MAX_AGGREGATE_LENGTH = 2 ** 26;

export interface DecoderOptions {
  /**
   * Deliver bulk, verbatim and streamed strings as Buffer (exact bytes) instead of UTF-8 strings.
   * Buffers may be views of the chunks passed to `feed()`: never reuse a chunk after feeding it.
   * Default `false`.
   */
  returnBuffers?: boolean;
  /** Largest accepted bulk length in bytes; beyond it the stream is a ProtocolError. Default 512 MiB. */
  maxBulkLength?: number;
  /** Deepest accepted nesting of aggregates; beyond it the stream is a ProtocolError. Default 64. */
  maxDepth?: number;
  /** Longest accepted line (simple string, error, number, header) without CRLF. Default 64 KiB. */
  maxLineLength?: number;
  /**
   * Most elements of one array, set or push, or entries of one map or attribute (streamed ones
   * included); beyond it the stream is a ProtocolError. Default 2^24, at most 2^26.
   */
  maxAggregateLength?: number;
}

// Type markers (first byte of every value) and delimiters.
const CR = 13;
const LF = 10;
const T_SIMPLE = 43; // +
const T_ERROR = 45; // -
const T_INTEGER = 58; // :
const T_BULK = 36; // $
const T_ARRAY = 42; // *
const T_NULL = 95; // _
const T_DOUBLE = 44; // ,
const T_BOOLEAN = 35; // #
const T_BIG_NUMBER = 40; // (
const T_BLOB_ERROR = 33; // !
const T_VERBATIM = 61; // =
const T_MAP = 37; // %
const T_SET = 126; // ~
const T_ATTRIBUTE = 124; // |
const T_PUSH = 62; // >
const T_CHUNK = 59; // ;  streamed string part
const T_END = 46; // .  end of a streamed aggregate

// Results of readLength() besides a count.
const LEN_NULL = -1; // -1
const LEN_STREAMED = -2; // ?
const LEN_INCOMPLETE = -3; // the header does not end inside the chunk
/** Largest count or length the syntax accepts; `maxBulkLength` and `maxAggregateLength` bound them further. */
const MAX_COUNT = 2 ** 32 - 1;
/** Smallest encoded element (`_\r\n`, `+\r\n`): lets the fast path reject a count the chunk cannot hold. */
const MIN_ELEMENT_BYTES = 3;
/**
 * Levels one fast-path call may descend before handing over to the slow path, whose explicit
 * stack cannot overflow: keeps recursion shallow even when `maxDepth` is configured huge.
 */
const FAST_NESTING = 64;

/** Returned by the fast path when the value has to be decoded by the resumable state machine. */
const NEED_SLOW: unique symbol = Symbol('need-slow');
type Parsed = Reply | typeof NEED_SLOW;

// Slow-path states.
const S_VALUE = 0; // at a value boundary: next byte is a type marker
const S_LINE = 1; // inside a line, looking for CR
const S_LINE_LF = 2; // CR seen, LF expected
const S_BULK = 3; // inside a bulk payload, `bulkLeft` bytes to go
const S_BULK_CR = 4; // payload done, CR expected
const S_BULK_LF = 5; // CR seen, LF expected

interface FastSlices {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
}

/** UTF-8 decode without `toString()`'s argument juggling (measurably faster on short strings). */
function utf8(buf: Buffer, start: number, end: number): string {
  return (buf as unknown as FastSlices).utf8Slice(start, end);
}

function latin1(buf: Buffer, start: number, end: number): string {
  return (buf as unknown as FastSlices).latin1Slice(start, end);
}

const fromCharCode = String.fromCharCode;

/**
 * An ASCII string of at most 12 bytes built in JS: cheaper than a call into C++ for the short keys,
 * field names and numbers replies are full of. (12: V8 keeps strings this short flat anyway.)
 */
function shortAscii(b: Buffer, s: number, n: number): string {
  switch (n) {
    case 0:
      return '';
    case 1:
      return fromCharCode(b[s]);
    case 2:
      return fromCharCode(b[s], b[s + 1]);
    case 3:
      return fromCharCode(b[s], b[s + 1], b[s + 2]);
    case 4:
      return fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3]);
    case 5:
      return fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4]);
    case 6:
      return fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5]);
    case 7:
      return fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6]);
    case 8:
      return fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7]);
    default:
      return (
        fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7]) +
        shortAscii(b, s + 8, n - 8)
      );
  }
}

function fail(message: string): ProtocolError {
  return new ProtocolError(`RESP protocol error: ${message}`);
}

function describeByte(b: number | undefined): string {
  return b === undefined ? 'end of input' : `byte 0x${b.toString(16).padStart(2, '0')}`;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

/** `:` integer from its digits: number inside ±(2^53-1), bigint outside. */
function integerValue(buf: Buffer, start: number, end: number): number | bigint {
  let i = start;
  const sign = buf[i];
  if (sign === T_ERROR || sign === T_SIMPLE) i++;
  if (i === end) throw fail('integer without digits');
  let n = 0;
  for (let j = i; j < end; j++) {
    const d = buf[j] - 48;
    if (d < 0 || d > 9) throw fail(`${describeByte(buf[j])} in an integer`);
    n = n * 10 + d;
  }
  if (end - i > 15) return exactInteger(buf, start, end);
  return sign === T_ERROR ? 0 - n : n;
}

/** Integers of 16+ digits: decide number vs bigint exactly, never through a rounded double. */
function exactInteger(buf: Buffer, start: number, end: number): number | bigint {
  const big = BigInt(latin1(buf, start, end));
  return big > MAX_SAFE || big < MIN_SAFE ? big : Number(big);
}

const DOUBLE_SYNTAX = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/** `,` double, including `inf`, `-inf` and `nan`. */
function doubleValue(buf: Buffer, start: number, end: number): number {
  const text = latin1(buf, start, end);
  switch (text) {
    case 'inf':
    case '+inf':
      return Number.POSITIVE_INFINITY;
    case '-inf':
      return Number.NEGATIVE_INFINITY;
    case 'nan':
    case '-nan':
    case '+nan':
      return Number.NaN;
  }
  // Number() alone would also take '', ' 1', '0x1f' and 'Infinity'.
  if (!DOUBLE_SYNTAX.test(text)) throw fail('malformed double');
  return Number(text);
}

const BIG_NUMBER_SYNTAX = /^[-+]?\d+$/;

/** `(` big number: always bigint. */
function bigNumberValue(buf: Buffer, start: number, end: number): bigint {
  const text = latin1(buf, start, end);
  if (!BIG_NUMBER_SYNTAX.test(text)) throw fail('malformed big number');
  return BigInt(text);
}

/** The value of a complete line-shaped reply; `start..end` excludes the type byte and CRLF. */
function lineValue(type: number, buf: Buffer, start: number, end: number): Reply {
  switch (type) {
    case T_SIMPLE:
      return utf8(buf, start, end);
    case T_ERROR:
      return toReplyError(utf8(buf, start, end));
    case T_INTEGER:
      return integerValue(buf, start, end);
    case T_DOUBLE:
      return doubleValue(buf, start, end);
    case T_BOOLEAN:
      if (end - start === 1) {
        if (buf[start] === 116 /* t */) return true;
        if (buf[start] === 102 /* f */) return false;
      }
      throw fail('malformed boolean');
    case T_BIG_NUMBER:
      return bigNumberValue(buf, start, end);
    case T_NULL:
      if (end !== start) throw fail('null with a payload');
      return null;
    default:
      throw fail(`unknown type ${describeByte(type)}`);
  }
}

/**
 * A count or length from a header line already cut out (slow path). Mirrors readLength(), which
 * parses the same syntax straight from a chunk.
 */
function lengthValue(buf: Buffer, start: number, end: number): number {
  const size = end - start;
  if (size === 2 && buf[start] === 45 /* - */ && buf[start + 1] === 49 /* 1 */) return LEN_NULL;
  if (size === 1 && buf[start] === 63 /* ? */) return LEN_STREAMED;
  if (size === 0 || size > 10) throw fail('malformed length');
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) throw fail(`${describeByte(buf[i])} in a length`);
    n = n * 10 + d;
  }
  if (n > MAX_COUNT) throw fail('length out of range');
  return n;
}

/**
 * Collects the pieces of a line or payload that straddles chunks, then joins them once.
 * Large pieces are kept as views; small ones are copied into a staging buffer so that a stream
 * fed byte by byte costs one copy per byte, not one Buffer object per byte.
 */
class ByteList {
  private pieces: Buffer[] = [];
  private staging: Buffer | null = null;
  private stageStart = 0;
  private stageUsed = 0;
  /** Bytes collected so far. */
  length = 0;

  append(buf: Buffer, start: number, end: number): void {
    const n = end - start;
    this.length += n;
    if (n >= 512) {
      this.flushStage();
      this.pieces.push(buf.subarray(start, end));
      return;
    }
    let stage = this.staging;
    if (stage === null || this.stageUsed + n > stage.length) {
      this.flushStage();
      stage = this.staging = Buffer.allocUnsafe(1024);
      this.stageStart = this.stageUsed = 0;
    }
    buf.copy(stage, this.stageUsed, start, end);
    this.stageUsed += n;
  }

  /** Everything collected, as one Buffer; the list starts over empty. */
  take(): Buffer {
    this.flushStage();
    const pieces = this.pieces;
    // A fresh empty Buffer each time: a shared one would make two empty members of a RESP3 set
    // the same object, and the Set would keep only one of them.
    const out =
      pieces.length === 1
        ? pieces[0]
        : pieces.length === 0
          ? Buffer.alloc(0)
          : Buffer.concat(pieces, this.length);
    this.clear();
    return out;
  }

  clear(): void {
    if (this.pieces.length !== 0) this.pieces = [];
    // A taken value may be a view of the staging buffer: never write into it again.
    this.staging = null;
    this.stageStart = this.stageUsed = 0;
    this.length = 0;
  }

  private flushStage(): void {
    if (this.stageUsed > this.stageStart) {
      this.pieces.push(this.staging!.subarray(this.stageStart, this.stageUsed));
      this.stageStart = this.stageUsed;
    }
  }
}

/** An aggregate the slow path has opened and not finished yet. */
class Frame {
  /** For maps and attributes: the key waiting for its value. */
  key: Reply = null;
  hasKey = false;
  /** Streamed aggregate only: elements received so far (a map entry counts twice). */
  received = 0;
  constructor(
    readonly type: number,
    /** Elements still expected (a map entry counts twice); -1 for a streamed aggregate. */
    public left: number,
    readonly value: Reply[] | Map<Reply, Reply> | Set<Reply>,
  ) {}
}

/** Validates options up front and fills in the defaults. */
function parseOptions(options: DecoderOptions): Required<DecoderOptions> {
  const bound = (name: keyof DecoderOptions, fallback: number, max = Number.MAX_SAFE_INTEGER): number => {
    const value = options[name] ?? fallback;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) {
      throw new ConfigError(`decoder option ${name} must be an integer in 1..${max}`, name);
    }
    return value;
  };
  return {
    returnBuffers: options.returnBuffers === true,
    maxBulkLength: bound('maxBulkLength', DEFAULT_MAX_BULK_LENGTH),
    maxDepth: bound('maxDepth', DEFAULT_MAX_DEPTH),
    maxLineLength: bound('maxLineLength', DEFAULT_MAX_LINE_LENGTH),
    maxAggregateLength: bound('maxAggregateLength', DEFAULT_MAX_AGGREGATE_LENGTH, MAX_AGGREGATE_LENGTH),
  };
}

/**
 * Incremental RESP2/RESP3 decoder. Feed it chunks in stream order; it calls the handler once per
 * complete top-level reply, push frame or attribute.
 */
export class Decoder {
  /** Deliver strings as Buffer; may change between top-level replies. */
  returnBuffers: boolean;
  private readonly handler: ReplyHandler;
  private readonly maxBulkLength: number;
  private readonly maxDepth: number;
  private readonly maxLineLength: number;
  private readonly maxAggregateLength: number;

  /** Fast path: offset just past the value it returned last. */
  private at = 0;

  // Slow-path state.
  private state = S_VALUE;
  private readonly stack: Frame[] = [];
  /**
   * Aggregates the fast path opened in a value that did not end in the chunk, innermost first,
   * each with its elements so far; {@link handOver} moves them onto {@link stack}.
   */
  private readonly spill: Frame[] = [];
  /** With {@link spill}: offset of the innermost value that did not end (the slow path's start). */
  private spillAt = 0;
  private lineType = 0;
  private readonly line = new ByteList();
  private bulkType = 0;
  private bulkLeft = 0;
  /** Payload of the bulk being received, or of all parts of a streamed string so far. */
  private readonly payload = new ByteList();
  /** Inside a streamed string (`$?`): only `;` parts may follow. */
  private streaming = false;

  /** Set once decoding failed; the stream position is lost until reset(). */
  private failure: Error | null = null;
  private inHandler = false;
  /** Whether the chunk being decoded is all ASCII: 0 not checked yet, 1 yes, 2 no. */
  private chunkAscii = 0;

  constructor(handler: ReplyHandler, options: DecoderOptions = {}) {
    const o = parseOptions(options);
    this.handler = handler;
    this.returnBuffers = o.returnBuffers;
    this.maxBulkLength = o.maxBulkLength;
    this.maxDepth = o.maxDepth;
    this.maxLineLength = o.maxLineLength;
    this.maxAggregateLength = o.maxAggregateLength;
  }

  /** True while a reply is partially received. */
  get hasPartial(): boolean {
    return this.state !== S_VALUE || this.stack.length !== 0 || this.streaming;
  }

  /** Drops all partial state (and a previous failure): the next byte must start a reply. */
  reset(): void {
    this.state = S_VALUE;
    this.stack.length = 0;
    this.spill.length = 0;
    this.line.clear();
    this.payload.clear();
    this.streaming = false;
    this.failure = null;
    this.inHandler = false;
  }

  /**
   * Decodes one chunk, calling the handler for every value it completes. Throws ProtocolError on
   * a protocol violation; an exception thrown by the handler propagates as it is. Either way the
   * rest of the chunk is lost, so the decoder refuses further input until reset().
   */
  feed(chunk: Buffer): void {
    if (this.failure !== null) {
      throw new ProtocolError('decoder stopped after an earlier failure; reset() it first', {
        cause: this.failure,
      });
    }
    try {
      this.decode(chunk);
    } catch (err) {
      if (this.inHandler) {
        this.failure = err instanceof Error ? err : new Error(String(err));
        this.inHandler = false;
        throw err;
      }
      // Anything else escaping the decoder (e.g. an allocation failure) is the stream's fault too.
      const error =
        err instanceof ProtocolError ? err : new ProtocolError('undecodable input', { cause: err });
      this.failure = error;
      throw error;
    }
  }

  private decode(buf: Buffer): void {
    const end = buf.length;
    let pos = 0;
    this.chunkAscii = 0;
    if (this.hasPartial) pos = this.resume(buf, 0, end);
    const handler = this.handler;
    while (pos < end) {
      const type = buf[pos];
      // +OK\r\n, the reply to most writes. (`pos + 4 < end` first: it lets V8 drop the bounds
      // checks of the four loads, which makes this path much faster; docs/benchmarks.md.)
      if (
        type === T_SIMPLE &&
        pos + 4 < end &&
        buf[pos + 1] === 79 /* O */ &&
        buf[pos + 2] === 75 /* K */ &&
        buf[pos + 3] === CR &&
        buf[pos + 4] === LF
      ) {
        pos += 5;
        this.inHandler = true;
        handler.onReply('OK');
        this.inHandler = false;
        continue;
      }
      // Integers skip the dispatch: measurably faster on INCR/counter-heavy streams.
      const value =
        type === T_INTEGER ? this.parseInteger(buf, pos) : this.parseValue(buf, pos, 0, FAST_NESTING);
      if (value !== NEED_SLOW) {
        pos = this.at;
        this.inHandler = true;
        if (type === T_PUSH) handler.onPush(value as Reply[]);
        else handler.onReply(value);
        this.inHandler = false;
        continue;
      }
      pos = this.resume(buf, this.handOver(buf, pos, end), end);
    }
  }

  /**
   * After the fast path gave up on the value at `pos`: the aggregates it opened go onto the stack
   * (outermost first), and the slow path takes over inside the innermost value that did not end,
   * just after its type byte (or at the chunk's end, when that value starts there). Returns the
   * offset it goes on from.
   */
  private handOver(buf: Buffer, pos: number, end: number): number {
    const spill = this.spill;
    if (spill.length > 0) {
      for (let i = spill.length - 1; i >= 0; i--) this.stack.push(spill[i]);
      spill.length = 0;
      pos = this.spillAt;
      if (pos >= end) {
        this.state = S_VALUE;
        return end;
      }
    }
    this.lineType = buf[pos];
    this.state = S_LINE;
    return pos + 1;
  }

  /**
   * Fast path: the value starting at `buf[pos]` if it ends inside `buf` (then `this.at` is the
   * offset after it), else NEED_SLOW. Throws on malformed input exactly where the slow path would.
   * `depth` counts the aggregates open around the value; past `limit` the slow path takes over.
   */
  private parseValue(buf: Buffer, pos: number, depth: number, limit: number): Parsed {
    const type = buf[pos];
    switch (type) {
      case T_BULK:
      case T_BLOB_ERROR:
      case T_VERBATIM:
        return this.parseBulk(buf, pos, type);
      case T_INTEGER:
        return this.parseInteger(buf, pos);
      case T_ARRAY:
      case T_PUSH:
      case T_SET:
      case T_MAP:
        return this.parseAggregate(buf, pos, type, depth, limit);
      case T_SIMPLE:
      case T_ERROR:
      case T_DOUBLE:
      case T_BOOLEAN:
      case T_BIG_NUMBER:
      case T_NULL:
        return this.parseLine(buf, pos, type);
      // An attribute has a side effect (onAttribute) that must not happen twice, and `.` depends
      // on the enclosing streamed aggregate: both belong to the slow path.
      case T_ATTRIBUTE:
      case T_END:
        return NEED_SLOW;
      case T_CHUNK:
        throw fail('streamed string part outside a streamed string');
      default:
        if (pos >= buf.length) return NEED_SLOW;
        throw fail(`unknown type ${describeByte(type)}`);
    }
  }

  /** `:` integer, digits parsed straight from the bytes. */
  private parseInteger(buf: Buffer, pos: number): Parsed {
    const end = buf.length;
    let i = pos + 1;
    if (i >= end) return NEED_SLOW;
    const sign = buf[i];
    if (sign === T_ERROR || sign === T_SIMPLE) i++;
    const digits = i;
    let n = 0;
    for (;;) {
      if (i >= end) return NEED_SLOW;
      const c = buf[i];
      if (c === CR) break;
      const d = (c - 48) >>> 0; // one unsigned compare tells digits from everything else
      if (d > 9) throw fail(`${describeByte(c)} in an integer`);
      n = n * 10 + d;
      i++;
    }
    if (i === digits) throw fail('integer without digits');
    if (i + 1 >= end) return NEED_SLOW;
    if (buf[i + 1] !== LF) throw fail(`${describeByte(buf[i + 1])} after CR`);
    if (i - pos - 1 > this.maxLineLength) throw fail('line longer than maxLineLength');
    this.at = i + 2;
    // 15 digits are always exact in a double; longer ones are decided exactly.
    if (i - digits > 15) return exactInteger(buf, pos + 1, i);
    return sign === T_ERROR ? 0 - n : n;
  }

  /** `$` bulk string, `!` blob error, `=` verbatim string: a jump over the payload. */
  private parseBulk(buf: Buffer, pos: number, type: number): Parsed {
    const n = this.readLength(buf, pos + 1);
    if (n < 0) {
      if (n === LEN_INCOMPLETE || (n === LEN_STREAMED && type === T_BULK)) return NEED_SLOW;
      if (n === LEN_NULL && type === T_BULK) return null;
      throw fail(`invalid length for type ${describeByte(type)}`);
    }
    this.checkBulkLength(type, n);
    const start = this.at;
    const stop = start + n;
    if (stop + 2 > buf.length) return NEED_SLOW;
    if (buf[stop] !== CR || buf[stop + 1] !== LF) throw fail('bulk payload not followed by CRLF');
    this.at = stop + 2;
    if (type !== T_BULK) return this.blobValue(type, buf, start, stop);
    return this.returnBuffers ? buf.subarray(start, stop) : this.chunkText(buf, start, stop);
  }

  /** Simple string, error, double, boolean, big number, null: one line each. */
  private parseLine(buf: Buffer, pos: number, type: number): Parsed {
    const end = buf.length;
    let i = pos + 1;
    while (i < end && buf[i] !== CR) i++;
    if (i + 1 >= end) return NEED_SLOW;
    if (buf[i + 1] !== LF) throw fail(`${describeByte(buf[i + 1])} after CR`);
    if (i - pos - 1 > this.maxLineLength) throw fail('line longer than maxLineLength');
    this.at = i + 2;
    return type === T_SIMPLE ? this.chunkText(buf, pos + 1, i) : lineValue(type, buf, pos + 1, i);
  }

  /** Array, push, set, map: elements by recursion, bounded by `limit` (and `maxDepth`). */
  private parseAggregate(buf: Buffer, pos: number, type: number, depth: number, limit: number): Parsed {
    const n = this.readLength(buf, pos + 1);
    if (n < 0) {
      if (n === LEN_NULL && type === T_ARRAY) return null;
      if (n === LEN_NULL) throw fail(`invalid length for type ${describeByte(type)}`);
      return NEED_SLOW;
    }
    this.checkAggregateLength(n);
    if (depth >= this.maxDepth) throw fail('nesting deeper than maxDepth');
    if (depth >= limit) return NEED_SLOW;
    let p = this.at;
    const count = type === T_MAP ? 2 * n : n;
    // Cannot end inside this chunk: give up before allocating or parsing anything.
    if (count * MIN_ELEMENT_BYTES > buf.length - p) return NEED_SLOW;
    const inner = depth + 1;
    if (type === T_MAP) {
      const map = new Map<Reply, Reply>();
      for (let k = 0; k < n; k++) {
        const key = this.parseValue(buf, p, inner, limit);
        if (key === NEED_SLOW) return this.cut(type, 2 * (n - k), map, p);
        const at = this.at;
        const value = this.parseValue(buf, at, inner, limit);
        if (value === NEED_SLOW) {
          this.cut(type, 2 * (n - k) - 1, map, at);
          const frame = this.spill[this.spill.length - 1];
          frame.key = key;
          frame.hasKey = true;
          return NEED_SLOW;
        }
        p = this.at;
        map.set(key, value);
      }
      this.at = p;
      return map;
    }
    if (type === T_SET) {
      const set = new Set<Reply>();
      for (let k = 0; k < n; k++) {
        const value = this.parseValue(buf, p, inner, limit);
        if (value === NEED_SLOW) return this.cut(type, n - k, set, p);
        p = this.at;
        set.add(value);
      }
      this.at = p;
      return set;
    }
    // `count * 3 <= bytes left` above bounds this allocation by the chunk size.
    const array: Reply[] = new Array(n);
    for (let k = 0; k < n; k++) {
      const value = this.parseValue(buf, p, inner, limit);
      if (value === NEED_SLOW) {
        array.length = k; // the slow path appends the rest
        return this.cut(type, n - k, array, p);
      }
      p = this.at;
      array[k] = value;
    }
    this.at = p;
    return array;
  }

  /**
   * Fast path: an aggregate whose element at `elementAt` did not end in the chunk is handed to the
   * slow path as a frame with `left` elements to go. The first aggregate to give up (the
   * innermost) also records where the slow path starts: at that element.
   */
  private cut(
    type: number,
    left: number,
    value: Reply[] | Map<Reply, Reply> | Set<Reply>,
    elementAt: number,
  ): typeof NEED_SLOW {
    const spill = this.spill;
    if (spill.length === 0) this.spillAt = elementAt;
    spill.push(new Frame(type, left, value));
    return NEED_SLOW;
  }

  /**
   * A count or length straight from the chunk (`pos` is just after the type byte): the value and
   * `this.at` after its CRLF, or LEN_NULL, LEN_STREAMED, LEN_INCOMPLETE. Same syntax as lengthValue().
   */
  private readLength(buf: Buffer, pos: number): number {
    const end = buf.length;
    if (pos >= end) return LEN_INCOMPLETE;
    let c = buf[pos];
    if (c === 45 /* - */ || c === 63 /* ? */) {
      const size = c === 45 ? 2 : 1;
      if (pos + size + 2 > end) return LEN_INCOMPLETE;
      if (size === 2 && buf[pos + 1] !== 49 /* 1 */) throw fail('malformed length');
      if (buf[pos + size] !== CR || buf[pos + size + 1] !== LF) throw fail('malformed length');
      this.at = pos + size + 2;
      return c === 45 ? LEN_NULL : LEN_STREAMED;
    }
    let n = 0;
    let i = pos;
    for (;;) {
      if (i >= end) return LEN_INCOMPLETE;
      c = buf[i];
      if (c === CR) break;
      const d = (c - 48) >>> 0;
      if (d > 9) throw fail(`${describeByte(c)} in a length`);
      n = n * 10 + d;
      if (++i - pos > 10) throw fail('malformed length');
    }
    if (i === pos) throw fail('malformed length');
    if (i + 1 >= end) return LEN_INCOMPLETE;
    if (buf[i + 1] !== LF) throw fail(`${describeByte(buf[i + 1])} after CR`);
    if (n > MAX_COUNT) throw fail('length out of range');
    this.at = i + 2;
    return n;
  }

  /**
   * UTF-8 text of `buf[start..end)`, where `buf` is the chunk being decoded. Once per chunk
   * (simdutf, cheap next to the decoding) we learn whether it is all ASCII; if so, every string in it is
   * Latin-1 (a plain copy, no UTF-8 validation) or, when short, built in JS without a C++ call.
   */
  private chunkText(buf: Buffer, start: number, end: number): string {
    let ascii = this.chunkAscii;
    if (ascii === 0) ascii = this.chunkAscii = isAscii(buf) ? 1 : 2;
    if (ascii === 2) return utf8(buf, start, end);
    const n = end - start;
    return n <= 12 ? shortAscii(buf, start, n) : latin1(buf, start, end);
  }

  private checkBulkLength(type: number, n: number): void {
    if (n > this.maxBulkLength) throw fail(`bulk length ${n} above maxBulkLength (${this.maxBulkLength})`);
    if (type === T_VERBATIM && n < 4) throw fail('verbatim string without format');
  }

  /** `n` elements (map entries) announced or received for one aggregate. */
  private checkAggregateLength(n: number): void {
    if (n > this.maxAggregateLength) {
      throw fail(`aggregate of ${n} elements above maxAggregateLength (${this.maxAggregateLength})`);
    }
  }

  /** `!` blob error or `=` verbatim string (the `$` case is inlined by the callers). */
  private blobValue(type: number, buf: Buffer, start: number, end: number): Reply {
    if (type === T_BLOB_ERROR) return toReplyError(utf8(buf, start, end));
    if (type === T_VERBATIM) {
      // =<len>\r\n<3-byte format>:<payload>\r\n
      if (buf[start + 3] !== 58 /* : */) throw fail('verbatim string without format');
      return this.returnBuffers ? buf.subarray(start + 4, end) : utf8(buf, start + 4, end);
    }
    return this.returnBuffers ? buf.subarray(start, end) : utf8(buf, start, end);
  }

  /**
   * Slow path: runs the state machine from the saved state over `buf[pos..end)`. Returns the
   * offset after the top-level value it completed (the caller goes back to the fast path), or
   * `end` when the chunk ran out first.
   */
  private resume(buf: Buffer, pos: number, end: number): number {
    while (pos < end) {
      switch (this.state) {
        case S_VALUE: {
          const type = buf[pos];
          if (this.streaming) {
            if (type !== T_CHUNK) throw fail(`${describeByte(type)} inside a streamed string`);
          } else {
            const depth = this.stack.length;
            const value = this.parseValue(buf, pos, depth, depth + FAST_NESTING);
            if (value !== NEED_SLOW) {
              pos = this.at;
              if (this.complete(value, type)) return pos;
              continue;
            }
            pos = this.handOver(buf, pos, end);
            continue;
          }
          this.lineType = type;
          this.state = S_LINE;
          pos++;
          continue;
        }

        case S_LINE: {
          let cr = buf.indexOf(CR, pos);
          if (cr === -1) cr = end;
          if (this.line.length + (cr - pos) > this.maxLineLength) {
            throw fail('line longer than maxLineLength');
          }
          if (cr > pos) this.line.append(buf, pos, cr);
          if (cr === end) return end;
          this.state = S_LINE_LF;
          pos = cr + 1;
          continue;
        }

        case S_LINE_LF: {
          if (buf[pos] !== LF) throw fail(`${describeByte(buf[pos])} after CR`);
          pos++;
          this.state = S_VALUE;
          if (this.onLine(this.lineType, this.line.take())) return pos;
          continue;
        }

        case S_BULK: {
          const take = Math.min(this.bulkLeft, end - pos);
          this.payload.append(buf, pos, pos + take);
          pos += take;
          this.bulkLeft -= take;
          if (this.bulkLeft === 0) this.state = S_BULK_CR;
          continue;
        }

        case S_BULK_CR:
          if (buf[pos] !== CR) throw fail('bulk payload not followed by CRLF');
          pos++;
          this.state = S_BULK_LF;
          continue;

        case S_BULK_LF: {
          if (buf[pos] !== LF) throw fail('bulk payload not followed by CRLF');
          pos++;
          this.state = S_VALUE;
          if (this.bulkType === T_CHUNK) continue; // part of a streamed string: stays in `payload`
          const data = this.payload.take();
          if (this.complete(this.blobValue(this.bulkType, data, 0, data.length), this.bulkType)) return pos;
          continue;
        }
      }
    }
    return end;
  }

  /** Slow path: a complete line of type `type`. Returns true when a top-level value completed. */
  private onLine(type: number, line: Buffer): boolean {
    switch (type) {
      case T_BULK:
      case T_BLOB_ERROR:
      case T_VERBATIM: {
        const n = lengthValue(line, 0, line.length);
        if (n === LEN_NULL && type === T_BULK) return this.complete(null, T_NULL);
        if (n === LEN_STREAMED && type === T_BULK) {
          this.streaming = true;
          return false;
        }
        if (n < 0) throw fail(`invalid length for type ${describeByte(type)}`);
        this.checkBulkLength(type, n);
        this.bulkType = type;
        this.bulkLeft = n;
        this.state = n === 0 ? S_BULK_CR : S_BULK;
        return false;
      }

      case T_CHUNK: {
        const n = lengthValue(line, 0, line.length);
        if (n < 0) throw fail('invalid streamed string part length');
        if (n === 0) {
          this.streaming = false;
          const data = this.payload.take();
          return this.complete(this.returnBuffers ? data : utf8(data, 0, data.length), T_BULK);
        }
        if (this.payload.length + n > this.maxBulkLength) {
          throw fail(`streamed string longer than maxBulkLength (${this.maxBulkLength})`);
        }
        this.bulkType = T_CHUNK;
        this.bulkLeft = n;
        this.state = S_BULK;
        return false;
      }

      case T_ARRAY:
      case T_PUSH:
      case T_SET:
      case T_MAP:
      case T_ATTRIBUTE: {
        const n = lengthValue(line, 0, line.length);
        if (n === LEN_NULL) {
          if (type === T_ARRAY) return this.complete(null, T_NULL);
          throw fail(`invalid length for type ${describeByte(type)}`);
        }
        if (n === LEN_STREAMED && (type === T_PUSH || type === T_ATTRIBUTE)) {
          throw fail(`type ${describeByte(type)} cannot be streamed`);
        }
        if (n !== LEN_STREAMED) this.checkAggregateLength(n);
        if (this.stack.length >= this.maxDepth) throw fail('nesting deeper than maxDepth');
        const value: Reply[] | Map<Reply, Reply> | Set<Reply> =
          type === T_MAP || type === T_ATTRIBUTE ? new Map() : type === T_SET ? new Set() : [];
        if (n === 0) return this.complete(value, type);
        const left = n === LEN_STREAMED ? -1 : type === T_MAP || type === T_ATTRIBUTE ? 2 * n : n;
        this.stack.push(new Frame(type, left, value));
        return false;
      }

      case T_END: {
        // .\r\n closes the innermost streamed aggregate, never in the middle of a map entry.
        const top = this.stack[this.stack.length - 1];
        if (line.length !== 0 || top === undefined || top.left !== -1 || top.hasKey) {
          throw fail('unexpected end of streamed aggregate');
        }
        this.stack.pop();
        return this.complete(top.value, top.type);
      }

      default:
        return this.complete(lineValue(type, line, 0, line.length), type);
    }
  }

  /**
   * Slow path: hands a finished value to the innermost open aggregate, closing every aggregate it
   * completes, or to the handler at top level. Returns true when a top-level value was delivered.
   */
  private complete(value: Reply, type: number): boolean {
    const stack = this.stack;
    for (;;) {
      if (stack.length === 0) {
        this.deliver(value, type);
        return true;
      }
      if (type === T_ATTRIBUTE) {
        // A nested attribute annotates the next element; it is not an element itself.
        this.deliver(value, type);
        return false;
      }
      const top = stack[stack.length - 1];
      switch (top.type) {
        case T_MAP:
        case T_ATTRIBUTE:
          if (top.hasKey) {
            (top.value as Map<Reply, Reply>).set(top.key, value);
            top.key = null;
            top.hasKey = false;
          } else {
            top.key = value;
            top.hasKey = true;
          }
          break;
        case T_SET:
          (top.value as Set<Reply>).add(value);
          break;
        default:
          (top.value as Reply[]).push(value);
      }
      if (top.left === -1) {
        // A streamed aggregate announces no count: bound what actually arrives instead.
        const entries = top.type === T_MAP ? ++top.received / 2 : ++top.received;
        if (entries > this.maxAggregateLength) this.checkAggregateLength(Math.ceil(entries));
        return false;
      }
      if (--top.left !== 0) return false;
      stack.pop();
      value = top.value;
      type = top.type;
    }
  }

  private deliver(value: Reply, type: number): void {
    this.inHandler = true;
    if (type === T_ATTRIBUTE) this.handler.onAttribute?.(value as Map<Reply, Reply>);
    else if (type === T_PUSH && this.stack.length === 0) this.handler.onPush(value as Reply[]);
    else this.handler.onReply(value);
    this.inHandler = false;
  }
}
