import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLoggerOptions } from '../../src/cli/json-logger.js';
import { type Runtime, startRuntime } from '../../src/cli/runtime.js';
import { Producer } from '../../src/producer/producer.js';
import { createClient, type RedisClient } from '../../src/resp/client.js';
import { startWorker } from '../../src/worker/worker.js';
import { makeTlsMaterial, type RedisServer, startRedis, type TlsMaterial } from '../support/redis.js';

/**
 * The runtime with a bearer token and gRPC TLS everywhere: coordinator (Control + Coordination),
 * workers' Ingest service, producers. Wrong or missing credentials are refused; secrets stay out
 * of logs; workers serve their own /metrics behind the token.
 */
describe('runtime — bearer token and gRPC TLS', () => {
  const TOKEN = 'tok-3f9a1c-very-secret';
  let redis: RedisServer;
  let client: RedisClient;
  let tls: TlsMaterial;
  let rt: Runtime;
  let dir: string;
  // The CLI's logger options (redaction included), recorded in memory.
  const lines: string[] = [];
  const log = {
    logger: pino(jsonLoggerOptions('debug'), { write: (l: string) => lines.push(l) }),
  };

  beforeAll(async () => {
    [redis, tls] = await Promise.all([startRedis(), makeTlsMaterial()]);
    client = await createClient(redis.url);
    dir = await mkdtemp(join(tmpdir(), 'laminar-tls-rt-'));
    const key = await readFile(tls.files.serverKeyFile);
    const cert = await readFile(tls.files.serverCertFile);
    const server = () => grpc.ServerCredentials.createSsl(null, [{ cert_chain: cert, private_key: key }]);
    rt = await startRuntime({
      dataDir: dir,
      token: TOKEN,
      grpcPort: 0,
      httpPort: 0,
      grpcCredentials: server(),
      checkpointIntervalMs: 100,
      workers: 1,
      worker: {
        credentials: grpc.credentials.createSsl(tls.ca),
        serverCredentials: server(),
        metricsPort: 0,
      },
      logger: log.logger,
    });
  }, 60_000);

  afterAll(async () => {
    await rt?.stop();
    await client?.close();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
    if (tls !== undefined) await rm(tls.files.dir, { recursive: true, force: true });
  });

  const http = (path: string, init: RequestInit = {}) =>
    fetch(`http://${rt.httpAddress}${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
    });

  it('producer over TLS with the token writes; without the token it is refused', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    let res = await http('/v1/connection_profiles', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'p', connector: 'redis', config: { connection: { address: redis.url } } }),
    });
    expect(res.status).toBe(200);
    res = await http('/v1/connection_tables', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        name: 'secure',
        connector: 'redis',
        connectionProfileId: 'p',
        config: { connectorType: { target: { keyPrefix: 'sec:', keyColumn: 'k' } } },
        shards: 2,
      }),
    });
    expect(res.status).toBe(200);
    expect((await http('/v1/workers')).status).toBe(401);

    const credentials = grpc.credentials.createSsl(tls.ca);
    const p = new Producer({ coordinator: rt.grpcAddress, table: 'secure', token: TOKEN, credentials });
    await p.write(Array.from({ length: 2_000 }, (_, i) => ({ k: `k${i % 10}`, i })));
    await p.flush();
    await p.close();
    expect(JSON.parse(String(await client.send(['GET', 'sec:k3']))).i).toBe(1_993);

    const anonymous = new Producer({ coordinator: rt.grpcAddress, table: 'secure', credentials });
    await expect(anonymous.write([{ k: 'x', i: 0 }]).then(() => anonymous.flush())).rejects.toMatchObject({
      code: 'ERR_PRODUCER_FAILED',
    });
    await anonymous.close().catch(() => {});

    // Plain text against the TLS port fails.
    const plain = new Producer({
      coordinator: rt.grpcAddress,
      table: 'secure',
      token: TOKEN,
      retryTimeoutMs: 1_000,
    });
    await expect(plain.write([{ k: 'x', i: 0 }]).then(() => plain.flush())).rejects.toMatchObject({
      code: 'ERR_PRODUCER_FAILED',
    });
    await plain.close().catch(() => {});
  });

  it('a worker with a wrong token is refused and does not register', async () => {
    const before = rt.workers.length;
    const w = await startWorker({
      coordinator: rt.grpcAddress,
      token: 'wrong',
      credentials: grpc.credentials.createSsl(tls.ca),
      logger: log.logger,
    });
    try {
      const res = await http('/v1/workers', { headers: { authorization: `Bearer ${TOKEN}` } });
      const body = (await res.json()) as { data: Array<{ state: string }> };
      await new Promise((r) => setTimeout(r, 300));
      expect(body.data.filter((x) => x.state === 'ready')).toHaveLength(before);
      expect(w.id).toBeUndefined();
    } finally {
      await w.stop();
    }
  });

  it("a worker's /metrics needs the token and shows its sinks' counters", async () => {
    const addr = rt.workers[0].metricsAddress!;
    expect((await fetch(`http://${addr}/metrics`)).status).toBe(401);
    const res = await fetch(`http://${addr}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/laminar_rows_out_total\{table="secure"\} \d+/);
    expect(text).toContain('laminar_ingest_batches_total{table="secure"}');
  });

  it('the token never appears in logs', () => {
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('')).not.toContain(TOKEN);
  });
});
