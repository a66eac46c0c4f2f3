/**
 * The two RESP scanners of the relay observer (relay-observer.ts), as pure classes: one reads the
 * commands a client sends and names the rows each carries, the other counts the replies Redis
 * sends back. Both are written here, not taken from the project's client, so the observer shares
 * no code with what it watches. Chunks may cut a frame anywhere; an unfinished frame waits for
 * the next chunk.
 */

const CR = 13;
const ID_MARK = Buffer.from('{"id":');

/** Reads `*N\r\n$L\r\n…` request frames and reports, per command, the row ids its arguments start with. */
export class RequestScanner {
  #rest: Buffer = Buffer.alloc(0);
  /** `onCommand(ids)` is called once per whole command, in order; `ids` is null when it carries no row. */
  constructor(private readonly onCommand: (ids: number[] | null) => void) {}

  feed(chunk: Buffer): void {
    const buf = this.#rest.length === 0 ? chunk : Buffer.concat([this.#rest, chunk]);
    let at = 0;
    for (let end = this.#command(buf, at); end !== -1; end = this.#command(buf, at)) at = end;
    this.#rest = at === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(at));
  }

  /** End of the whole command at `at`, or -1 when it is not all here yet. */
  #command(buf: Buffer, at: number): number {
    if (at >= buf.length) return -1;
    if (buf[at] !== 42 /* * */)
      throw new Error(`relay: a request frame starts with byte ${buf[at]}, not '*'`);
    const head = intLine(buf, at + 1);
    if (head === null) return -1;
    let p = head.next;
    let ids: number[] | null = null;
    for (let k = 0; k < head.value; k++) {
      if (p >= buf.length) return -1;
      if (buf[p] !== 36 /* $ */)
        throw new Error(`relay: a request argument starts with byte ${buf[p]}, not '$'`);
      const len = intLine(buf, p + 1);
      if (len === null || len.next + len.value + 2 > buf.length) return -1;
      const id = rowIdAt(buf, len.next, len.next + len.value);
      if (id !== -1) (ids ??= []).push(id);
      p = len.next + len.value + 2;
    }
    this.onCommand(ids);
    return p;
  }
}

/** Counts whole top-level RESP2/RESP3 replies; pushes (`>`) are not replies and are not counted. */
export class ReplyCounter {
  #rest: Buffer = Buffer.alloc(0);

  /** Replies completed by `chunk`. */
  feed(chunk: Buffer): number {
    const buf = this.#rest.length === 0 ? chunk : Buffer.concat([this.#rest, chunk]);
    let at = 0;
    let replies = 0;
    for (;;) {
      if (at >= buf.length) break;
      const push = buf[at] === 62; /* > */
      const end = skipValue(buf, at);
      if (end === -1) break;
      if (!push) replies++;
      at = end;
    }
    this.#rest = at === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(at));
    return replies;
  }
}

/** End of the RESP value at `at` (an attribute `|` and the value it annotates count as one), or -1. */
function skipValue(buf: Buffer, at: number): number {
  if (at >= buf.length) return -1;
  const type = buf[at];
  switch (type) {
    case 43: // + simple string
    case 45: // - error
    case 58: // : integer
    case 95: // _ null
    case 35: // # boolean
    case 44: // , double
    case 40: {
      // ( big number
      const cr = buf.indexOf(CR, at + 1);
      return cr === -1 || cr + 1 >= buf.length ? -1 : cr + 2;
    }
    case 36: // $ bulk string
    case 33: // ! bulk error
    case 61: {
      // = verbatim string
      const len = intLine(buf, at + 1);
      if (len === null) return -1;
      if (len.value < 0) return len.next;
      const end = len.next + len.value + 2;
      return end > buf.length ? -1 : end;
    }
    case 42: // * array
    case 126: // ~ set
    case 62: // > push
    case 37: // % map
    case 124: {
      // | attribute
      const count = intLine(buf, at + 1);
      if (count === null) return -1;
      const items = type === 37 || type === 124 ? count.value * 2 : count.value;
      let p = count.next;
      for (let k = 0; k < items; k++) {
        p = skipValue(buf, p);
        if (p === -1) return -1;
      }
      return type === 124 ? skipValue(buf, p) : p;
    }
    default:
      throw new Error(`relay: a reply starts with byte ${type}`);
  }
}

/** The integer on the line at `at` (up to its CRLF) and where the next line starts, or null. */
function intLine(buf: Buffer, at: number): { value: number; next: number } | null {
  const cr = buf.indexOf(CR, at);
  if (cr === -1 || cr + 1 >= buf.length) return null;
  let value = 0;
  let negative = false;
  for (let i = at; i < cr; i++) {
    const c = buf[i];
    if (c === 45 /* - */ && i === at) negative = true;
    else value = value * 10 + (c - 48);
  }
  return { value: negative ? -value : value, next: cr + 2 };
}

/** The row id when the bytes [start, end) begin with `{"id":N`, else -1. */
function rowIdAt(buf: Buffer, start: number, end: number): number {
  if (
    end - start <= ID_MARK.length ||
    buf.compare(ID_MARK, 0, ID_MARK.length, start, start + ID_MARK.length) !== 0
  )
    return -1;
  let id = 0;
  let digits = 0;
  for (let i = start + ID_MARK.length; i < end; i++, digits++) {
    const c = buf[i];
    if (c < 48 || c > 57) break;
    id = id * 10 + (c - 48);
  }
  return digits === 0 ? -1 : id;
}
