/**
 * Servers that cannot listen fail with one coded error naming the server and its address, the
 * same whether grpc-js (which folds the socket error into its message) or Node's `net` refused.
 */
import type { Server } from 'node:net';
import { LaminarError } from '../errors.js';

/** Why each common listen failure happens, in the words an operator acts on. */
const REASONS: Record<string, string> = {
  EADDRINUSE: 'the address is in use (another process listens there)',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'the address is not one of this machine',
};

/** A server could not listen on its address. */
export class ListenError extends LaminarError {
  constructor(
    /** Which server: `gRPC`, `HTTP API`, `metrics`. */
    readonly server: string,
    /** `host:port` it was to listen on. */
    readonly address: string,
    /** The system's error code (`EADDRINUSE`, `EACCES`, ...), or `undefined` when none was given. */
    readonly errno: string | undefined,
    options: { cause: unknown },
  ) {
    const why = errno === undefined ? (options.cause as Error).message : (REASONS[errno] ?? errno);
    super('ERR_LISTEN', `${server}: cannot listen on ${address}: ${why}`, options);
  }
}

/** `host:port`, with an IPv6 host in brackets. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The first `E...` system error code of an error (its `.code`, else one in its message). */
export function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  return /\b(E[A-Z]{3,})\b/.exec(String((err as Error | null)?.message ?? ''))?.[1];
}

/**
 * `server.listen(port, host)` as a promise.
 *
 * @throws ListenError (`ERR_LISTEN`) naming `what` and the address.
 */
export function listen(server: Server, host: string, port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (cause: unknown) =>
      reject(new ListenError(what, hostPort(host, port), errnoOf(cause), { cause }));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
