/**
 * An HTTP server that answers the probes and nothing else, for a process whose real HTTP server
 * cannot start yet — a standby coordinator waiting for the state store lease — so that the
 * kubelet sees it alive (and not ready) rather than restarting it. Every other path is 503, or
 * what `other` answers (a standby sends control calls to the leader).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen } from './listen.js';
import { answerProbe, isProbePath } from './probes.js';
import type { Readiness } from './readiness.js';

export interface ProbeServerOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  readiness: Readiness;
  /** The server's name in a listen error: the one whose port it holds (`HTTP API`). */
  what: string;
  /** Answers every path that is not a probe (`path`: without its query). Default: 503. */
  other?: (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;
}

/** A running probe server. */
export interface ProbeServer {
  /** `host:port` it listens on. */
  readonly address: string;
  /** Stops listening and drops open connections, so the port can be bound again at once. */
  close(): Promise<void>;
}

/** Starts a probe server. @throws ListenError (`ERR_LISTEN`) naming `what`. */
export async function startProbeServer(options: ProbeServerOptions): Promise<ProbeServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split(/[?#]/)[0];
    if (isProbePath(path)) {
      answerProbe(req, res, path, options.readiness);
      return;
    }
    if (options.other !== undefined) {
      options.other(req, res, path).catch(() => res.destroy());
      return;
    }
    req.resume();
    const state = options.readiness.ready();
    const body = `not ready: ${state.ok ? 'starting' : (state.reason ?? 'starting')}\n`;
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end(body);
  });
  await listen(server, options.host, options.port, options.what);
  const a = server.address() as AddressInfo;
  return {
    address: `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
