import type { Arg } from '../../src/resp/reply.js';

/** RESP of `commands` as arrays of bulk strings, built without the project's encoder: a reference. */
export function respReference(commands: readonly (readonly Arg[])[]): Buffer {
  const parts: Buffer[] = [];
  for (const cmd of commands) {
    parts.push(Buffer.from(`*${cmd.length}\r\n`));
    for (const a of cmd) {
      const bytes = Buffer.isBuffer(a) ? a : Buffer.from(String(a), 'utf8');
      parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
    }
  }
  return Buffer.concat(parts);
}
