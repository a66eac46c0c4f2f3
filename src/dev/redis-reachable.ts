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

/**
 * The process id of the Redis answering on host:port (`INFO server`'s `process_id`), `'auth'`
 * when it wants a password first, or undefined when nothing Redis-like answers. Lets a launcher
 * tell its own server from another one already holding the port.
 */
export function redisProcessId(
  host: string,
  port: number,
  timeoutMs = 1_000,
): Promise<number | 'auth' | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let received = '';
    const done = (answer: number | 'auth' | undefined) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (received.startsWith('-NOAUTH')) return done('auth');
      if (!received.startsWith('$')) return received.includes('\r\n') ? done(undefined) : undefined;
      const head = received.indexOf('\r\n');
      if (head === -1) return;
      const length = Number(received.slice(1, head));
      if (received.length < head + 2 + length) return;
      const m = /^process_id:(\d+)\r?$/m.exec(received.slice(head + 2, head + 2 + length));
      done(m === null ? undefined : Number(m[1]));
    });
    socket.once('end', () => done(undefined));
  });
}
