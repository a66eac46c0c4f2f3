import net from 'node:net';

/**
 * Whether a Redis answers on host:port: connects, sends an inline `PING` and expects `+PONG`.
 * `-NOAUTH` counts as reachable (a server requiring a password is up). Speaks raw TCP rather than
 * through the project's client, so a broken client never makes a healthy server look down.
 */
export function isRedisReachable(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let received = '';
    const done = (reachable: boolean) => {
      socket.destroy();
      resolve(reachable);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\r\n');
      if (end !== -1) done(received.startsWith('+PONG') || received.startsWith('-NOAUTH'));
    });
    socket.once('end', () => done(false));
  });
}
