import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsText } from '../metrics/index.js';
import { assertBindAllowed, checkAuthorization } from '../wire/auth.js';
import { listen } from '../wire/listen.js';

/** A `/metrics` endpoint of its own, for processes without the HTTP API (workers). */
export interface MetricsServer {
  /** `host:port` it listens on. */
  readonly address: string;
  close(): Promise<void>;
}

/**
 * Serves this process's Prometheus metrics at `GET /metrics`, behind the bearer token when one is
 * set (and, without one, on loopback only, like every server of the project).
 */
export async function startMetricsServer(host: string, port: number, token?: string): Promise<MetricsServer> {
  assertBindAllowed(host, token);
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    try {
      checkAuthorization(token, req.headers.authorization);
    } catch (err) {
      res.writeHead(401, { 'www-authenticate': 'Bearer' }).end(`${(err as Error).message}\n`);
      return;
    }
    metricsText().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      () => res.writeHead(500).end('metrics unavailable\n'),
    );
  });
  await listen(server, host, port, 'metrics');
  const a = server.address() as AddressInfo;
  return {
    address: `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
