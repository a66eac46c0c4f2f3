import { LaminarError } from '../errors.js';
import type { Command } from './reply.js';
import './buffer-internals.js';

/** An argument that cannot be sent (e.g. NaN, an object). */
export class InvalidArgumentError extends LaminarError {
  constructor(
    message: string,
    /** Position of the bad argument in its command. */
    readonly index: number,
    /** Position of the command in its pipeline (0 for a single command). */
    readonly commandIndex = 0,
    code: 'ERR_INVALID_ARGUMENT' | 'ERR_ARGUMENT_TOO_LARGE' = 'ERR_INVALID_ARGUMENT',
  ) {
    super(code, message);
  }
}

/**
 * An argument longer than the server accepts (`maxArgumentLength`, Redis' `proto-max-bulk-len`).
 * Refused before sending: Redis would answer a protocol error and close the connection, failing
 * every other command on it.
 */
export class ArgumentTooLargeError extends InvalidArgumentError {
  constructor(
    index: number,
    commandIndex: number,
    /** Size of the argument, bytes (UTF-8 for a string). */
    readonly bytes: number,
    /** The bound it exceeds, bytes. */
    readonly limit: number,
  ) {
    super(
      `argument ${index} is ${bytes} bytes, above maxArgumentLength (${limit} bytes, Redis' proto-max-bulk-len)`,
      index,
      commandIndex,
      'ERR_ARGUMENT_TOO_LARGE',
    );
  }
}

import { DEFAULT_MAX_ARGUMENT_LENGTH, DEFAULT_ZERO_COPY_BYTES } from './options.js';

/** Size of each arena block that small commands are encoded into. */
const BLOCK_BYTES = 256 * 1024;

const CR = 13;
const LF = 10;
const DOLLAR = 36;
const STAR = 42;

/**
 * Encodes commands as RESP arrays of bulk strings into an arena of blocks and hands out the
 * encoded bytes as chunks for one `writev`.
 *
 * ```
 *  block: [ taken by earlier flushes | pending (start..pos) | free (pos..end) ]
 *  chunks: [ slice, slice, big Buffer (by reference), slice, ... ]   <- take()
 * ```
 * Bytes once taken are never written again: `take()` only advances `start`, so a block is reused
 * until it is full and no per-flush allocation happens. Buffers of at least `zeroCopyBytes` are
 * not copied (a writev entry costs more than copying a small buffer); the caller must not mutate
 * them until the command's reply arrives.
 */
/** Longest string {@link CommandEncoder} copies byte by byte (two length digits at most). */
const SHORT_STRING = 32;

export class CommandEncoder {
  private block: Buffer = Buffer.allocUnsafeSlow(BLOCK_BYTES);
  private start = 0;
  private pos = 0;
  private chunks: Buffer[] = [];
  private chunkBytes = 0;

  constructor(
    private readonly zeroCopyBytes = DEFAULT_ZERO_COPY_BYTES,
    /** Longest argument {@link encode} and {@link encodeMany} accept, bytes. */
    private readonly maxArgumentLength = DEFAULT_MAX_ARGUMENT_LENGTH,
  ) {}

  /** Bytes encoded and not yet taken. */
  get pendingBytes(): number {
    return this.chunkBytes + this.pos - this.start;
  }

  /** Appends one command; throws InvalidArgumentError, keeping nothing of it, on a bad argument. */
  encode(command: Command): void {
    // Validate first so that a bad argument never leaves half a command in the arena.
    checkCommand(command, 0, this.maxArgumentLength);
    this.encodeChecked(command);
  }

  /** Appends a batch of commands, all or none: every command is checked before any is encoded. */
  encodeMany(commands: readonly Command[]): void {
    const n = commands.length;
    const max = this.maxArgumentLength;
    for (let c = 0; c < n; c++) checkCommand(commands[c], c, max);
    for (let c = 0; c < n; c++) this.encodeChecked(commands[c]);
  }

  private encodeChecked(command: Command): void {
    const n = command.length;
    this.ensure(16);
    this.pos = writeHeader(this.block, this.pos, STAR, n);
    for (let i = 0; i < n; i++) {
      const arg = command[i];
      if (typeof arg === 'string') this.writeString(arg);
      else if (typeof arg === 'object') this.writeBytes(arg);
      else this.writeString(scalarText(arg));
    }
  }

  /**
   * Starts a command of `argc` arguments, written next with {@link arg}, {@link argSlice} and
   * {@link raw}: for callers that build their own commands without arrays (a sink's batch). No
   * checks, not even `maxArgumentLength`: the caller writes exactly `argc` well-formed arguments.
   */
  beginCommand(argc: number): void {
    this.ensure(16);
    this.pos = writeHeader(this.block, this.pos, STAR, argc);
  }

  /** Writes one argument of the command begun by {@link beginCommand}. */
  arg(a: string | Buffer): void {
    if (typeof a === 'string') this.writeString(a);
    else this.writeBytes(a);
  }

  /** Writes bytes `start..end` of `src` as one argument (copied, or by reference when large). */
  argSlice(src: Buffer, start: number, end: number): void {
    const bytes = end - start;
    if (bytes >= this.zeroCopyBytes) {
      this.writeBytes(src.subarray(start, end));
      return;
    }
    this.ensure(bytes + 16);
    const b = this.block;
    const p = writeHeader(b, this.pos, DOLLAR, bytes);
    // A native copy costs more to call than a short loop takes.
    if (bytes <= SHORT_STRING) for (let i = 0; i < bytes; i++) b[p + i] = src[start + i];
    else src.copy(b, p, start, end);
    b[p + bytes] = CR;
    b[p + bytes + 1] = LF;
    this.pos = p + bytes + 2;
  }

  /** Writes `u` as one argument, copied whatever its size: it may change once this returns. */
  argCopy(u: Uint8Array): void {
    const bytes = u.byteLength;
    this.ensure(bytes + 16);
    const b = this.block;
    const p = writeHeader(b, this.pos, DOLLAR, bytes);
    b.set(u, p);
    b[p + bytes] = CR;
    b[p + bytes + 1] = LF;
    this.pos = p + bytes + 2;
  }

  /** Copies already encoded bytes (a constant run of arguments, e.g. `$2\r\nEX\r\n`). */
  raw(bytes: Buffer): void {
    const n = bytes.length;
    this.ensure(n);
    const b = this.block;
    const p = this.pos;
    for (let i = 0; i < n; i++) b[p + i] = bytes[i];
    this.pos = p + n;
  }

  /**
   * Appends bytes encoded elsewhere (a run of arguments): copied when small, by reference from
   * `zeroCopyBytes` on, like a large argument. Returns whether they were copied (the caller may
   * then write over them).
   */
  encoded(bytes: Buffer): boolean {
    const n = bytes.length;
    if (n >= this.zeroCopyBytes) {
      this.append([bytes]);
      return false;
    }
    this.ensure(n);
    bytes.copy(this.block, this.pos);
    this.pos += n;
    return true;
  }

  /** Appends chunks encoded elsewhere, by reference, after what is pending. */
  append(chunks: readonly Buffer[]): void {
    this.cut();
    for (const c of chunks) {
      this.chunks.push(c);
      this.chunkBytes += c.length;
    }
  }

  /** Takes everything encoded so far, as chunks in order. */
  take(): Buffer[] {
    this.cut();
    const out = this.chunks;
    this.chunks = [];
    this.chunkBytes = 0;
    return out;
  }

  private writeString(s: string): void {
    const len = s.length;
    if (len <= SHORT_STRING && this.writeShortAscii(s)) return;
    // UTF-8 needs between 1 and 3 bytes per UTF-16 unit, so when len and 3*len have the same
    // number of decimal digits, the length header's width is known before the string is written.
    let digits: number;
    if (len < 4) digits = 1;
    else if (len >= 10 && len < 34) digits = 2;
    else if (len >= 100 && len < 334) digits = 3;
    else if (len >= 1000 && len < 3334) digits = 4;
    else digits = 0;
    if (digits !== 0) {
      this.ensure(len * 3 + digits + 5);
      const b = this.block;
      const head = this.pos;
      b[head] = DOLLAR;
      const body = head + digits + 3;
      const bytes = len === 0 ? 0 : b.utf8Write(s, body);
      writeDigits(b, head + 1, digits, bytes);
      b[body - 2] = CR;
      b[body - 1] = LF;
      b[body + bytes] = CR;
      b[body + bytes + 1] = LF;
      this.pos = body + bytes + 2;
      return;
    }
    const bytes = isShortAscii(s) ? len : Buffer.byteLength(s, 'utf8');
    this.ensure(bytes + 16);
    const b = this.block;
    let p = writeHeader(b, this.pos, DOLLAR, bytes);
    p += b.utf8Write(s, p);
    b[p] = CR;
    b[p + 1] = LF;
    this.pos = p + 2;
  }

  /**
   * Writes a short string byte by byte when it is ASCII (command names, `EX`, TTLs, most keys):
   * a native UTF-8 write costs more to call than these few bytes cost to copy. Returns false,
   * writing nothing, when a character is not ASCII.
   */
  private writeShortAscii(s: string): boolean {
    const len = s.length;
    this.ensure(len + 7);
    const b = this.block;
    const head = this.pos;
    const body = head + (len < 10 ? 4 : 5);
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c > 127) return false;
      b[body + i] = c;
    }
    b[head] = DOLLAR;
    if (len < 10) {
      b[head + 1] = 48 + len;
    } else {
      b[head + 1] = 48 + ((len / 10) | 0);
      b[head + 2] = 48 + (len % 10);
    }
    b[body - 2] = CR;
    b[body - 1] = LF;
    b[body + len] = CR;
    b[body + len + 1] = LF;
    this.pos = body + len + 2;
    return true;
  }

  private writeBytes(u: Uint8Array): void {
    const bytes = u.byteLength;
    if (bytes >= this.zeroCopyBytes) {
      this.ensure(16);
      this.pos = writeHeader(this.block, this.pos, DOLLAR, bytes);
      this.cut();
      const buf = Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
      this.chunks.push(buf);
      this.chunkBytes += bytes;
      this.ensure(2);
      this.block[this.pos++] = CR;
      this.block[this.pos++] = LF;
      return;
    }
    this.ensure(bytes + 16);
    const b = this.block;
    let p = writeHeader(b, this.pos, DOLLAR, bytes);
    b.set(u, p);
    p += bytes;
    b[p] = CR;
    b[p + 1] = LF;
    this.pos = p + 2;
  }

  /** Moves the pending part of the current block into the chunk list. */
  private cut(): void {
    if (this.pos > this.start) {
      this.chunks.push(this.block.subarray(this.start, this.pos));
      this.chunkBytes += this.pos - this.start;
      this.start = this.pos;
    }
  }

  /** Makes room for `bytes` more bytes, moving to a fresh block when the current one is full. */
  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.block.length) return;
    this.cut();
    this.block = Buffer.allocUnsafeSlow(Math.max(BLOCK_BYTES, bytes));
    this.start = 0;
    this.pos = 0;
  }
}

function checkCommand(command: Command, commandIndex: number, max: number): void {
  const n = command.length;
  if (n === 0) throw new InvalidArgumentError(`command ${commandIndex} is empty`, 0, commandIndex);
  for (let i = 0; i < n; i++) checkArg(command[i], i, commandIndex, max);
}

function checkArg(arg: unknown, index: number, commandIndex: number, max: number): void {
  if (typeof arg === 'string') {
    // A UTF-16 unit takes at most 3 UTF-8 bytes: only a string that long is measured.
    if (arg.length * 3 > max) {
      const bytes = Buffer.byteLength(arg, 'utf8');
      if (bytes > max) throw new ArgumentTooLargeError(index, commandIndex, bytes, max);
    }
    return;
  }
  if (arg instanceof Uint8Array) {
    if (arg.byteLength > max) throw new ArgumentTooLargeError(index, commandIndex, arg.byteLength, max);
    return;
  }
  if (typeof arg === 'bigint') return;
  if (typeof arg === 'number') {
    if (Number.isNaN(arg)) throw new InvalidArgumentError(`argument ${index} is NaN`, index, commandIndex);
    return;
  }
  throw new InvalidArgumentError(
    `argument ${index} has type ${arg === null ? 'null' : typeof arg}; expected string, Buffer, number or bigint`,
    index,
    commandIndex,
  );
}

/** Text form of a number or bigint argument (already checked). */
function scalarText(arg: number | bigint): string {
  if (typeof arg === 'bigint' || Number.isFinite(arg)) return String(arg);
  return arg > 0 ? '+inf' : '-inf';
}

function isShortAscii(s: string): boolean {
  const len = s.length;
  if (len > 32) return false;
  for (let i = 0; i < len; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}

/** Decimal digits of a non-negative integer. */
export function digitCount(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

/** Writes `n` as exactly `digits` decimal digits at `at`. */
export function writeDigits(b: Buffer, at: number, digits: number, n: number): void {
  for (let i = at + digits - 1; i >= at; i--) {
    b[i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
}

/** Writes `<type><n>\r\n` and returns the position after it. */
export function writeHeader(b: Buffer, p: number, type: number, n: number): number {
  b[p] = type;
  const digits = digitCount(n);
  writeDigits(b, p + 1, digits, n);
  p += digits + 1;
  b[p] = CR;
  b[p + 1] = LF;
  return p + 2;
}
