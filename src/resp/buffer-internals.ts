/**
 * Node's Buffer has unchecked encode/decode methods (`utf8Write`, `utf8Slice`, `latin1Slice`) that
 * the public `write`/`toString` wrap with argument checks. They have been stable since Node 0.x
 * and are used by the hot paths of the encoder and decoder; @types/node does not declare them.
 */
declare global {
  interface Buffer<TArrayBuffer extends ArrayBufferLike = ArrayBufferLike> {
    utf8Write(s: string, offset: number, length?: number): number;
    utf8Slice(start: number, end: number): string;
    latin1Slice(start: number, end: number): string;
    asciiSlice(start: number, end: number): string;
  }
}

export {};
