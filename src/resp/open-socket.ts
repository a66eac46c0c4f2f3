import net from 'node:net';
import { ConnectionError, TimeoutError } from './errors.js';
import type { NormalizedClientOptions } from './options.js';
import { connectTls, loadTls, tlsFailure } from './tls.js';
import { formatAddress } from './url.js';

/**
 * A connected socket (TLS when the options say so) to the options' node, with keep-alive set:
 * the common start of a command connection (connection.ts) and a subscriber's (subscriber-socket.ts).
 *
 * Rejects with ConnectionError (nothing sent), a TLS failure that says which side is wrong, or
 * TimeoutError after `connectTimeout`.
 */
export async function openSocket(options: NormalizedClientOptions, noDelay: boolean): Promise<net.Socket> {
  const { host, port } = options;
  const address = formatAddress(host, port);
  const tlsOptions = options.tls === undefined ? undefined : await loadTls(options.tls);
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let socket: net.Socket | undefined;
    const fail = (err: Error): void => {
      if (timer !== undefined) clearTimeout(timer);
      socket?.destroy();
      reject(
        err instanceof TimeoutError
          ? err
          : (tlsFailure(err, address, options.tls) ??
              new ConnectionError(`cannot connect to ${address}: ${err.message}`, false, { cause: err })),
      );
    };
    try {
      socket = tlsOptions ? connectTls(host, port, tlsOptions) : net.connect({ host, port });
    } catch (err) {
      // A CA, certificate or key Node cannot use throws here, before any socket exists.
      fail(err as Error);
      return;
    }
    const s = socket;
    if (options.connectTimeout > 0) {
      timer = setTimeout(
        () => fail(new TimeoutError(`connect to ${address} timed out`, options.connectTimeout)),
        options.connectTimeout,
      );
    }
    s.once('error', fail);
    s.once(tlsOptions ? 'secureConnect' : 'connect', () => {
      if (timer !== undefined) clearTimeout(timer);
      s.removeListener('error', fail);
      s.setNoDelay(noDelay);
      if (options.keepAlive !== false) s.setKeepAlive(true, options.keepAlive);
      resolve(s);
    });
  });
}
