/**
 * The health probes every HTTP server of the project answers, for Kubernetes and load balancers:
 * `GET /healthz` (alive: the event loop answered) and `GET /readyz` (ready for traffic, see
 * readiness.ts). They answer before the bearer token is checked, because kubelet probes carry
 * none, and so they say nothing but `ok` or `not ready: <reason>`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readiness, ReadinessState } from './readiness.js';

/** Liveness: 200 `ok` whenever the process answers at all. */
export const HEALTH_PATH = '/healthz';
/** Readiness: 200 `ok`, or 503 `not ready: <reason>`. */
export const READY_PATH = '/readyz';

/** True for the paths {@link answerProbe} serves (the path without its query). */
export function isProbePath(path: string): boolean {
  return path === HEALTH_PATH || path === READY_PATH;
}

/**
 * Answers a probe request at `path` (its query already cut off): 200 or 503 in plain text, never
 * cached; 405 for methods other than GET and HEAD.
 */
export function answerProbe(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  readiness: Readiness,
): void {
  // A body sent with a probe is not wanted; drain it so the connection can be reused.
  req.resume();
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    reply(res, 405, `${method.slice(0, 20)} is not allowed on ${path} (allowed: GET, HEAD)`, {
      allow: 'GET, HEAD',
    });
    return;
  }
  if (path === HEALTH_PATH) {
    reply(res, 200, 'ok');
    return;
  }
  let state: ReadinessState;
  try {
    state = readiness.ready();
  } catch {
    // A failing check must not take the server down with it (nor show its message to anyone).
    state = { ok: false, reason: 'readiness check failed' };
  }
  if (state.ok) reply(res, 200, 'ok');
  else reply(res, 503, `not ready: ${oneLine(state.reason ?? 'unknown')}`);
}

function reply(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  const body = `${text}\n`;
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...headers,
  });
  // Node sends no body in answer to HEAD.
  res.end(body);
}

/** A reason fit for one line of text, whatever a part returned. */
function oneLine(reason: string): string {
  const line = reason.replace(/[\r\n]+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
