import { ProtocolError } from './errors.js';

/**
 * Commands a caller already encoded as RESP arrays of bulk strings (with a {@link CommandEncoder}
 * of its own), sent as they are by `RedisClient.pipelineEncoded`: the bytes go to the socket by
 * reference, with no command arrays and no second encoding. The chunks must not change until the
 * replies arrive.
 */
export interface EncodedCommands {
  readonly chunks: readonly Buffer[];
  /** Commands in the chunks: the replies the pipeline waits for. */
  readonly count: number;
  /** Name of the first command, for timeouts and errors. */
  readonly name: string;
}

/**
 * The arguments of command `index` of an encoded pipeline, for an error message about it (never
 * on a hot path: it copies the chunks into one buffer and walks the commands before it).
 *
 * @throws ProtocolError when the bytes are not RESP arrays of bulk strings.
 */
export function encodedCommandAt(encoded: EncodedCommands, index: number): Buffer[] {
  const b = Buffer.concat(encoded.chunks as Buffer[]);
  let at = 0;
  const line = (type: number): number => {
    if (b[at] !== type)
      throw new ProtocolError(`encoded command: expected '${String.fromCharCode(type)}' at ${at}`);
    const end = b.indexOf('\r\n', at);
    if (end < 0) throw new ProtocolError(`encoded command: truncated at ${at}`);
    const n = Number(b.latin1Slice(at + 1, end));
    at = end + 2;
    return n;
  };
  for (let c = 0; ; c++) {
    if (at >= b.length) throw new ProtocolError(`encoded command ${index} is past the end`);
    const argc = line(42 /* * */);
    const args: Buffer[] = [];
    for (let i = 0; i < argc; i++) {
      const len = line(36 /* $ */);
      args.push(b.subarray(at, at + len));
      at += len + 2;
    }
    if (c === index) return args;
  }
}
