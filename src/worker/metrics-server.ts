import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsText } from '../metrics/index.js';
import { assertBindAllowed, checkAuthorization } from '../wire/auth.js';
import { listen } from '../wire/listen.js';
import { answerProbe, isProbePath } from '../wire/probes.js';
import { READY, type Readiness } from '../wire/readiness.js';

/**
 * A small HTTP server of its own, for processes without the HTTP API (workers): `/metrics` and
 * the probes `/healthz` and `/readyz`.
 */
export interface MetricsServer {
  /** `host:port` it listens on. */
  readonly address: string;
  close(): Promise<void>;
}

export interface MetricsServerOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  /** Bearer token `/metrics` requires (the probes never do); undefined or "": none. */
  token?: string;
  /** What `/readyz` reports. Default: always ready. */
  readiness?: Readiness;
}

/**
 * Serves this process's Prometheus metrics at `GET /metrics`, behind the bearer token when one is
 * set (and, without one, on loopback only, like every server of the project), and the probes
 * without it.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { host, port, token } = options;
  const readiness = options.readiness ?? { ready: () => READY };
  assertBindAllowed(host, token);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split(/[?#]/)[0];
    if (isProbePath(path)) {
      answerProbe(req, res, path, readiness);
      return;
    }
    if (req.method !== 'GET' || path !== '/metrics') {
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
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Probes and scrapers keep connections alive; they must not hold the worker's stop.
        server.closeAllConnections();
      }),
  };
}
