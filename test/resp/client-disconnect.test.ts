import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient } from '../../src/index.js';
import { cli, parseInfo, type RedisServer, startRedis } from '../support/redis.js';

let server: RedisServer;
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server?.stop();
});

const connected = async () => Number(parseInfo(await cli(server, 'info', 'clients')).connected_clients);

it('client — disconnect() closes the socket at once', async () => {
  // Regression: disconnect() cleared the connection before destroying it, so the socket stayed
  // open (every cluster topology probe leaked one, and processes never exited).
  const before = await connected();
  const c = await createClient(server.url);
  await c.send(['PING']);
  expect(await connected()).toBe(before + 1);
  await c.disconnect();
  for (let i = 0; i < 100 && (await connected()) > before; i++) await new Promise((r) => setTimeout(r, 20));
  expect(await connected()).toBe(before);
});
