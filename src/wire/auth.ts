/**
 * Bearer-token authentication of the control API (gRPC metadata and HTTP headers alike), and the
 * rule that keeps an unauthenticated server off the network.
 */

import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { Metadata } from '@grpc/grpc-js';
import { LaminarError } from '../errors.js';
import { ControlError } from './control-errors.js';

/**
 * True when `presented` equals `expected`. Both are hashed first so the comparison takes the
 * same time whatever the tokens' lengths and contents: timingSafeEqual alone would still leak
 * the length (it refuses inputs of different sizes).
 */
export function tokenMatches(expected: string, presented: string): boolean {
  const a = createHash('sha256').update(expected, 'utf8').digest();
  const b = createHash('sha256').update(presented, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` value (scheme in any case), else undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(header);
  return m === null ? undefined : m[1];
}

/**
 * Checks an `Authorization` header value against the server's token. Without a server token
 * every call is allowed (such a server binds only to loopback, see {@link assertBindAllowed}).
 *
 * @throws ControlError `ERR_UNAUTHENTICATED`; the message never echoes what was presented.
 */
export function checkAuthorization(token: string | undefined, header: string | undefined): void {
  if (token === undefined || token === '') return;
  const presented = bearerToken(header);
  if (presented === undefined) {
    throw new ControlError('ERR_UNAUTHENTICATED', 'missing bearer token (Authorization: Bearer <token>)');
  }
  if (!tokenMatches(token, presented)) throw new ControlError('ERR_UNAUTHENTICATED', 'invalid bearer token');
}

/** {@link checkAuthorization} for gRPC call metadata (`authorization: Bearer <token>`). */
export function checkGrpcAuth(token: string | undefined, metadata: Metadata): void {
  const values = metadata.get('authorization');
  const header = typeof values[0] === 'string' ? values[0] : undefined;
  checkAuthorization(token, header);
}

/** A server was asked to listen beyond loopback without a token. */
export class InsecureBindError extends LaminarError {
  constructor(readonly host: string) {
    super(
      'ERR_INSECURE_BIND',
      `refusing to listen on ${host} without a token: without one, servers bind only to loopback ` +
        '(127.0.0.1, ::1, localhost); set a token or bind to loopback',
    );
  }
}

/** True for 127.0.0.0/8, ::1 (and its IPv4-mapped form) and `localhost`. */
export function isLoopback(host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (h.toLowerCase() === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) {
    const lower = h.toLowerCase();
    return lower === '::1' || lower === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(lower);
  }
  return false;
}

/**
 * Refuses to serve the control API beyond loopback without a token: anyone who can reach the
 * port could otherwise read profiles, create pipelines that write anywhere, and so on.
 *
 * @throws InsecureBindError (`ERR_INSECURE_BIND`) for a non-loopback host (including `0.0.0.0`
 *   and `::`) when `token` is empty.
 */
export function assertBindAllowed(host: string, token: string | undefined): void {
  if (token !== undefined && token !== '') return;
  if (!isLoopback(host)) throw new InsecureBindError(host);
}
