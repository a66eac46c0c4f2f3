/**
 * Connections of the peer libraries, set up the same way in every suite: RESP3, no retries or
 * reconnects, errors surfacing through the commands. Each library is imported lazily, so a worker
 * loads only the one it measures.
 */

/** Every client connects with this protocol where the library lets us choose (SET replies +OK either way). */
export const PROTOCOL = 3;

/** An ioredis connection for explicit pipelines (auto-pipelining off). */
export async function connectIoredis(host: string, port: number) {
  const { Redis } = await import('ioredis');
  const redis = new Redis({
    host,
    port,
    protocol: PROTOCOL,
    lazyConnect: true,
    enableAutoPipelining: false, // batches are explicit pipelines already
    maxRetriesPerRequest: 0,
  });
  redis.on('error', () => {}); // failures surface through connect() and the rejected commands
  await redis.connect();
  return redis;
}

/** A node-redis client. */
export async function connectNodeRedis(host: string, port: number) {
  const { createClient } = await import('redis');
  const client = createClient({ socket: { host, port, reconnectStrategy: false }, RESP: PROTOCOL });
  client.on('error', () => {}); // failures surface through the rejected commands
  await client.connect();
  return client;
}
