/**
 * The HTTP/JSON mirror of the control API, on node:http, under `/v1` — it takes the `curl` bodies
 * of the Laminar Redis connector documentation as they are (the table example's profile id is an
 * example: docs/api.md says which examples run verbatim). JSON in camelCase; lists as
 * `{ "data": [...] }`; failures as `{ "error": { "code", "status", "message" } }` with the statuses
 * of grpc-status.ts. See docs/api.md.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ErrorCode } from '../errors.js';
import { type Logger, SILENT_LOGGER } from '../log.js';
import { assertBindAllowed, checkAuthorization } from '../wire/auth.js';
import { invalidArgument } from '../wire/control-errors.js';
import { statusOf } from '../wire/grpc-status.js';
import { listen } from '../wire/listen.js';
import { answerProbe, isProbePath } from '../wire/probes.js';
import { READY, type Readiness } from '../wire/readiness.js';
import type { ControlPlane } from './control-plane.js';
import type { HttpIngest } from './http-ingest.js';

/** Largest request body accepted, bytes (a pipeline script or spec fits easily). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Open connections served at once; more are closed as they arrive. */
export const DEFAULT_MAX_CONNECTIONS = 256;

/** Time a client has to send a request's headers. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;

/** Time a client has to send a whole request, body included (not the time to answer it). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface HttpApiOptions {
  plane: ControlPlane;
  /** Interface to listen on. Without a token only loopback is allowed. */
  host: string;
  /** 0: any free port. */
  port: number;
  /** Bearer token every request but the probes must carry (`/metrics` included); undefined or "": none. */
  token?: string;
  logger?: Logger;
  /**
   * What `GET /readyz` reports (`/healthz` and `/readyz` need no token). Default: always ready.
   */
  readiness?: Readiness;
  /** Serves `GET /metrics` when given (Prometheus text). */
  metrics?: () => Promise<{ contentType: string; body: string }>;
  /** Default {@link DEFAULT_MAX_BODY_BYTES}. */
  maxBodyBytes?: number;
  /** Serves the row ingest routes (docs/http-ingest.md), with their own body bound, when given. */
  ingest?: HttpIngest;
  /** Default {@link DEFAULT_MAX_CONNECTIONS}. */
  maxConnections?: number;
  /** Default {@link DEFAULT_HEADERS_TIMEOUT_MS}. */
  headersTimeoutMs?: number;
  /** Default {@link DEFAULT_REQUEST_TIMEOUT_MS}; at least `headersTimeoutMs`. */
  requestTimeoutMs?: number;
  /**
   * While `active()` (the coordinator stepped down), every request but the probes is answered by
   * `answer` (follower.ts: a redirect to the new leader) instead of this API.
   */
  follower?: {
    active(): boolean;
    answer(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>;
  };
}

export interface HttpApi {
  /** `host:port` actually bound (IPv6 hosts in brackets). */
  address: string;
  /** `http://host:port`. */
  url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

type Params = { id: string };
type Handler = (params: Params, body: () => Promise<unknown>) => Promise<unknown>;

/** A failure outside the control plane's codes (routing, body size), with its own HTTP status. */
class HttpProblem extends Error {
  constructor(
    readonly http: number,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Starts the HTTP API. @throws InsecureBindError for a non-loopback host without a token. */
export async function startHttpApi(options: HttpApiOptions): Promise<HttpApi> {
  assertBindAllowed(options.host, options.token);
  const logger = options.logger ?? SILENT_LOGGER;
  const routes = buildRoutes(options.plane, options.metrics);
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const readiness = options.readiness ?? { ready: () => READY };

  const headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const requestTimeout = Math.max(headersTimeout, options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  // Node's defaults (60 s for headers, 300 s for a request, no connection cap) let slow or
  // idle clients hold connections and memory for minutes.
  const server = createServer(
    {
      headersTimeout,
      requestTimeout,
      // How often those timeouts are checked (Node: every 30 s).
      connectionsCheckingInterval: Math.min(1_000, headersTimeout),
    },
    (req, res) => {
      handle(req, res).catch((err) => {
        logger.error({ err }, 'HTTP API response failed');
        res.destroy();
      });
    },
  );
  server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = pathOf(req.url ?? '/');
    if (isProbePath(path)) {
      answerProbe(req, res, path, readiness);
      return;
    }
    if (options.follower?.active()) {
      await options.follower.answer(req, res, path);
      return;
    }
    try {
      checkAuthorization(options.token, req.headers.authorization);
      const ingest = options.ingest?.route(method, path);
      if (ingest !== undefined) {
        const body = await readBytes(req, options.ingest!.maxBodyBytes);
        send(res, 200, await ingest(new URLSearchParams(queryOf(req.url ?? '')), body));
        return;
      }
      const { handler } = route(routes, method, path);
      const result = await handler.run(handler.params, () => readJson(req, maxBody));
      if (handler.raw) {
        const { contentType, body } = result as { contentType: string; body: string };
        res.writeHead(200, { 'content-type': contentType });
        res.end(body);
        return;
      }
      send(res, 200, result);
    } catch (err) {
      // A body still on its way (refused before it was read: no token, no route, too large) is
      // not waited for: the client could send it as slowly as it likes. The connection is
      // closed after the answer instead. (A turn of the event loop first: what arrived with the
      // headers is parsed after this handler returns.)
      if (bodyPending(req)) await new Promise((resolve) => setImmediate(resolve));
      const close: Record<string, string> = bodyPending(req) ? { connection: 'close' } : {};
      if (close.connection === undefined) req.resume();
      if (err instanceof HttpProblem) {
        send(
          res,
          err.http,
          { error: { code: err.code, message: err.message } },
          { ...err.headers, ...close },
        );
        return;
      }
      const s = statusOf(err);
      if (s.code === 'ERR_INTERNAL') logger.error({ err, method, path }, 'HTTP API call failed');
      const headers: Record<string, string> =
        s.http === 401 ? { 'www-authenticate': 'Bearer', ...close } : close;
      const error: Record<string, string> = { code: s.code, status: s.status, message: s.message };
      if (s.reason !== undefined) error.reason = s.reason;
      send(res, s.http, { error }, headers);
    }
  }

  await listen(server, options.host, options.port, 'HTTP API');
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' || bound.address.includes(':') ? `[${bound.address}]` : bound.address;
  const address = `${host}:${bound.port}`;
  return {
    address,
    url: `http://${address}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** True while a request's body is not wholly received. */
function bodyPending(req: IncomingMessage): boolean {
  if (req.complete) return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * The path of a request target, query and fragment cut off. Not through `new URL(target, base)`:
 * that throws on `//` and reads `//host/v1/...` as another host's `/v1/...`.
 */
function pathOf(target: string): string {
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw invalidArgument('the request needs a JSON body');
  try {
    return JSON.parse(text);
  } catch {
    throw invalidArgument('the request body is not valid JSON');
  }
}

/** A whole request body, refused past `maxBytes` (HTTP 413) as soon as that is known. */
async function readBytes(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The query of a request target (without `?`), '' when it has none. */
function queryOf(target: string): string {
  const q = target.indexOf('?');
  if (q === -1) return '';
  const hash = target.indexOf('#', q);
  return target.slice(q + 1, hash === -1 ? undefined : hash);
}

function tooLarge(maxBytes: number): HttpProblem {
  return new HttpProblem(413, 'ERR_PAYLOAD_TOO_LARGE', `the request body is larger than ${maxBytes} bytes`, {
    connection: 'close',
  });
}

// ---------------------------------------------------------------------------------------------
// Routing

interface Route {
  method: string;
  /** Path segments; `:id` matches one segment. */
  segments: string[];
  run: Handler;
  /** The handler returns `{ contentType, body }` to send as it is (metrics). */
  raw?: boolean;
}

function buildRoutes(plane: ControlPlane, metrics: HttpApiOptions['metrics']): Route[] {
  const r = (method: string, path: string, run: Handler, raw = false): Route => ({
    method,
    segments: path.split('/').filter((s) => s !== ''),
    run,
    raw,
  });
  const object = async (body: () => Promise<unknown>): Promise<Record<string, unknown>> => {
    const b = await body();
    if (typeof b !== 'object' || b === null || Array.isArray(b))
      throw invalidArgument('the request body must be a JSON object');
    return b as Record<string, unknown>;
  };
  const list = async <T>(items: Promise<T[]>) => ({ data: await items });
  const routes: Route[] = [
    r('POST', '/v1/connection_profiles', async (_, body) => plane.createProfile(await body())),
    r('GET', '/v1/connection_profiles', async () => list(plane.listProfiles())),
    r('POST', '/v1/connection_profiles/test', async (_, body) =>
      plane.testProfile({ profile: await body() }),
    ),
    r('GET', '/v1/connection_profiles/:id', async ({ id }) => plane.getProfile(id)),
    r('DELETE', '/v1/connection_profiles/:id', async ({ id }) => {
      await plane.deleteProfile(id);
      return {};
    }),
    r('POST', '/v1/connection_profiles/:id/test', async ({ id }) => plane.testProfile({ id })),
    r('POST', '/v1/connection_tables', async (_, body) => plane.createTable(await object(body))),
    r('GET', '/v1/connection_tables', async () => list(plane.listTables())),
    r('GET', '/v1/connection_tables/:id', async ({ id }) => plane.getTable(id)),
    r('DELETE', '/v1/connection_tables/:id', async ({ id }) => {
      await plane.deleteTable(id);
      return {};
    }),
    r('POST', '/v1/connection_tables/:id/test', async ({ id }) => plane.testTable(id)),
    r('GET', '/v1/connection_tables/:id/routing', async ({ id }) => plane.tableRouting(id)),
    r('POST', '/v1/pipelines', async (_, body) => plane.createPipeline(await object(body))),
    r('GET', '/v1/pipelines', async () => list(plane.listPipelines())),
    r('GET', '/v1/pipelines/:id', async ({ id }) => plane.getPipeline(id)),
    r('POST', '/v1/pipelines/:id/stop', async ({ id }) => plane.stopPipeline(id)),
    r('POST', '/v1/pipelines/:id/checkpoint', async ({ id }) => plane.triggerCheckpoint(id)),
    r('GET', '/v1/workers', async () => list(plane.listWorkers())),
  ];
  if (metrics !== undefined) routes.push(r('GET', '/metrics', () => metrics(), true));
  return routes;
}

function route(
  routes: readonly Route[],
  method: string,
  path: string,
): { handler: Route & { params: Params } } {
  const segments = path.split('/').filter((s) => s !== '');
  const allowed: string[] = [];
  for (const candidate of routes) {
    const params = match(candidate.segments, segments);
    if (params === undefined) continue;
    if (candidate.method === method) return { handler: { ...candidate, params } };
    allowed.push(candidate.method);
  }
  if (allowed.length > 0) {
    throw new HttpProblem(
      405,
      'ERR_METHOD_NOT_ALLOWED',
      `${method} is not allowed on ${path} (allowed: ${allowed.join(', ')})`,
      {
        allow: allowed.join(', '),
      },
    );
  }
  const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  throw new HttpProblem(404, 'ERR_NOT_FOUND', `no such endpoint: ${method.slice(0, 20)} ${shown}`);
}

function match(pattern: readonly string[], segments: readonly string[]): Params | undefined {
  if (pattern.length !== segments.length) return undefined;
  let id = '';
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === ':id') {
      try {
        id = decodeURIComponent(segments[i]);
      } catch {
        return undefined;
      }
    } else if (pattern[i] !== segments[i]) return undefined;
  }
  return { id };
}
