/**
 * The bearer token of the `coordinator`, `start` and `worker` commands. `--token <t>` shows the
 * token to every local user in `ps` and in shell history; `--token-file <file>` and
 * `LAMINAR_API_TOKEN` do not.
 */
import { readFile } from 'node:fs/promises';
import { LaminarError } from '../errors.js';

/** Largest token file read (a token is a line; anything larger is not a token file). */
export const MAX_TOKEN_FILE_BYTES = 4096;

/** `--token-file` cannot be read, holds no token, or was given together with `--token`. */
export class TokenFileError extends LaminarError {
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('ERR_TOKEN_FILE', message, options);
  }
}

/** Token flags of a command. */
export interface TokenFlags {
  /** `--token`. */
  token?: string;
  /** `--token-file`. */
  tokenFile?: string;
}

/**
 * The token: from `--token-file` (its content, surrounding whitespace and line ends removed),
 * else `--token`, else `LAMINAR_API_TOKEN`; undefined when none is set.
 *
 * @throws TokenFileError `ERR_TOKEN_FILE` for an unreadable, empty, oversized or multi-line file,
 *   or both flags at once. The message never contains the file's content.
 */
export async function resolveToken(
  flags: TokenFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  const file = flags.tokenFile;
  if (file === undefined) return flags.token ?? (env.LAMINAR_API_TOKEN || undefined);
  if (flags.token !== undefined) {
    throw new TokenFileError(file, 'give --token or --token-file, not both');
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new TokenFileError(file, `cannot read the token file ${file} (${code})`, { cause: err });
  }
  if (bytes.length > MAX_TOKEN_FILE_BYTES) {
    throw new TokenFileError(file, `the token file ${file} is larger than ${MAX_TOKEN_FILE_BYTES} bytes`);
  }
  const token = bytes.toString('utf8').trim();
  if (token === '') throw new TokenFileError(file, `the token file ${file} is empty`);
  if (/\s/.test(token)) {
    throw new TokenFileError(file, `the token file ${file} must hold one token (no spaces, one line)`);
  }
  return token;
}
