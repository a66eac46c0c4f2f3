/**
 * A loopback server speaking raw RESP, for faults a real Redis never shows (a reply announcing 2^32-1
 * elements, a reply cut off halfway). Requests are parsed with the client's own decoder; the test
 * decides, per connection, what bytes answer each command.
 */
import net from 'node:net';
import { Decoder } from '../../src/resp/decoder.js';
import type { Reply } from '../../src/resp/reply.js';

export interface FakeServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Sockets still open. */
  readonly open: number;
  close(): Promise<void>;
}

/**
 * `answer(command, socket, connection)` is called for each command, in order; `connection` counts
 * accepted connections from 0. It writes whatever it likes to the socket (or nothing).
 */
export async function startFakeServer(
  answer: (command: string[], socket: net.Socket, connection: number) => void,
): Promise<FakeServer> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    const index = connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const decoder = new Decoder({
      onReply: (cmd: Reply) => {
        if (!socket.destroyed) answer((cmd as unknown[]).map(String), socket, index);
      },
      onPush: () => {},
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        decoder.feed(chunk);
      } catch {
        socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    get open() {
      return sockets.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
