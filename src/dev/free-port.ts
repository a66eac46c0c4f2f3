import net from 'node:net';

/**
 * A port nothing listens on right now: the kernel picks it. Another process may still take it
 * before the caller binds it, so starters retry on `addressInUse` rather than trust it.
 * `avoid` lists ports not to return (e.g. the client port, when picking a cluster bus port).
 */
export async function findFreePort(host = '127.0.0.1', avoid: number[] = []): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen({ host, port: 0, exclusive: true }, () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    if (!avoid.includes(port)) return port;
  }
}
