import { rm } from 'node:fs/promises';
import { type RedisServer, type RedisServerOptions, startRedisServer } from './redis-server.js';
import { makeTlsMaterial, type TlsMaterial } from './tls-files.js';

export interface TlsRedis extends TlsMaterial {
  server: RedisServer;
  /** Stops the server and removes the certificates. */
  stop(): Promise<void>;
}

/**
 * A TLS-only server with fresh certificates. `authClients` defaults to `optional` here, so
 * clients with only the CA and clients with a certificate both connect; pass `yes` for mTLS tests.
 */
export async function startTlsRedis(
  opts: RedisServerOptions & { authClients?: 'no' | 'optional' | 'yes' } = {},
): Promise<TlsRedis> {
  const { authClients = 'optional', ...rest } = opts;
  const material = await makeTlsMaterial();
  const { files } = material;
  try {
    const server = await startRedisServer({
      ...rest,
      tls: {
        certFile: files.serverCertFile,
        keyFile: files.serverKeyFile,
        caFile: files.caFile,
        authClients,
      },
    });
    const stop = async () => {
      await server.stop();
      await rm(files.dir, { recursive: true, force: true });
    };
    return { ...material, server, stop };
  } catch (err) {
    await rm(files.dir, { recursive: true, force: true });
    throw err;
  }
}
