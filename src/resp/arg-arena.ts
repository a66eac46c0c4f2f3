import './buffer-internals.js';
import { digitCount, writeDigits, writeHeader } from './encoder.js';

const CR = 13;
const LF = 10;
const DOLLAR = 36;

/**
 * A run of RESP bulk-string arguments encoded into one growable buffer: the values of one key's
 * variadic command (`RPUSH key v1 v2 ...`) written as its rows arrive, so the rows' strings die
 * young instead of waiting for the flush in command arrays. The buffer is handed out by
 * reference ({@link bytes}) and must not change until the command's reply arrives: an arena is
 * filled once, then dropped, or emptied ({@link reset}) once its bytes were copied.
 */
export class ArgArena {
  #buf: Buffer;
  #pos = 0;
  /** Arguments written. */
  count = 0;

  constructor(initialBytes = 256) {
    this.#buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Empties the arena for another command, keeping its buffer: only once its bytes were copied. */
  reset(): void {
    this.#pos = 0;
    this.count = 0;
  }

  /** Bytes written. */
  get length(): number {
    return this.#pos;
  }

  arg(a: string | Buffer): void {
    if (typeof a === 'string') this.#string(a);
    else this.argSlice(a, 0, a.length);
  }

  /** Bytes `start..end` of `src` as one argument. */
  argSlice(src: Buffer, start: number, end: number): void {
    const n = end - start;
    this.#ensure(n + 16);
    const b = this.#buf;
    const p = writeHeader(b, this.#pos, DOLLAR, n);
    src.copy(b, p, start, end);
    b[p + n] = CR;
    b[p + n + 1] = LF;
    this.#pos = p + n + 2;
    this.count++;
  }

  /** `u` as one argument (a typed array view: no Buffer made for it). */
  argBytes(u: Uint8Array): void {
    const n = u.byteLength;
    this.#ensure(n + 16);
    const b = this.#buf;
    const p = writeHeader(b, this.#pos, DOLLAR, n);
    b.set(u, p);
    b[p + n] = CR;
    b[p + n + 1] = LF;
    this.#pos = p + n + 2;
    this.count++;
  }

  /** The encoded arguments (a view: the arena must not be written again while it is in use). */
  bytes(): Buffer {
    return this.#buf.subarray(0, this.#pos);
  }

  #string(s: string): void {
    const len = s.length;
    if (len < 10 && this.#shortAscii(s)) return;
    // The header is written for the most bytes the text can take (3 per UTF-16 unit), then moved
    // back over the digits it did not need: one native write, whatever the text.
    const most = len * 3;
    const wide = digitCount(most);
    const head = this.#pos;
    const body = head + wide + 3;
    // Room for the text and its CRLF where the buffer stands. Reserving the worst case for every
    // text would grow (allocate and copy) an arena that its real bytes fit: try the room first.
    const room = this.#buf.length - body - 2;
    let bytes = -1;
    if (room < most && room >= len + 4) {
      // A write cut short stops at a character that did not fit, so within 4 bytes of the end.
      const wrote = this.#buf.utf8Write(s, body, room);
      if (wrote <= room - 4) bytes = wrote;
    }
    if (bytes < 0) {
      this.#ensure(most + wide + 5);
      bytes = len === 0 ? 0 : this.#buf.utf8Write(s, body);
    }
    const b = this.#buf;
    const digits = digitCount(bytes);
    let at = body;
    if (digits < wide) {
      at = head + digits + 3;
      b.copyWithin(at, body, body + bytes);
    }
    b[head] = DOLLAR;
    writeDigits(b, head + 1, digits, bytes);
    b[at - 2] = CR;
    b[at - 1] = LF;
    b[at + bytes] = CR;
    b[at + bytes + 1] = LF;
    this.#pos = at + bytes + 2;
    this.count++;
  }

  /**
   * Copies a text of fewer than 10 units byte by byte when it is ASCII (hash fields, ids): two
   * native calls (the UTF-8 write, the move over the header's spare digits) cost more than these
   * few bytes. Returns false, writing nothing, when a character is not ASCII.
   */
  #shortAscii(s: string): boolean {
    const len = s.length;
    this.#ensure(len + 6);
    const b = this.#buf;
    const head = this.#pos;
    const body = head + 4;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c > 127) return false;
      b[body + i] = c;
    }
    b[head] = DOLLAR;
    b[head + 1] = 48 + len;
    b[head + 2] = CR;
    b[head + 3] = LF;
    b[body + len] = CR;
    b[body + len + 1] = LF;
    this.#pos = body + len + 2;
    this.count++;
    return true;
  }

  #ensure(bytes: number): void {
    const need = this.#pos + bytes;
    if (need <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(need, this.#buf.length * 2));
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
  }
}
