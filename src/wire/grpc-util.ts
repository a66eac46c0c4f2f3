import * as grpc from '@grpc/grpc-js';
import { errnoOf, hostPort, ListenError } from './listen.js';

/**
 * Binds `server` to `host:port` (0: any free port) and resolves with the bound port.
 *
 * @throws ListenError (`ERR_LISTEN`) when it cannot listen there.
 */
export function bindServer(
  server: grpc.Server,
  host: string,
  port: number,
  credentials: grpc.ServerCredentials,
): Promise<number> {
  const address = hostPort(host, port);
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (err, bound) =>
      err ? reject(new ListenError('gRPC', address, errnoOf(err), { cause: err })) : resolve(bound),
    );
  });
}

/** Call metadata carrying `authorization: Bearer <token>` (empty without a token). */
export function bearer(token: string | undefined): grpc.Metadata {
  const md = new grpc.Metadata();
  if (token !== undefined && token !== '') md.set('authorization', `Bearer ${token}`);
  return md;
}

/** The stable code of an error (`.code` when it is a string), else `ERR_INTERNAL`. */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'ERR_INTERNAL';
}

/** An error's message, for reports that cross process boundaries. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
