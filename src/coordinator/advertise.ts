/**
 * The addresses a coordinator advertises beside the state store's lease while it leads, where
 * standbys send callers (follower.ts). Only addresses: the record is readable by anyone with
 * access to the store's keys, and shown to any caller a standby redirects.
 */
import { isIP } from 'node:net';
import { LaminarError } from '../errors.js';
import { hostPort } from '../wire/listen.js';

/** The advertise options, checked. */
export interface AdvertiseOptions {
  host?: string;
  grpc?: string;
  http?: string;
}

const HOST = /^[A-Za-z0-9._-]{1,253}$/;
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]{1,253}):([0-9]{1,5})$/;

/**
 * Checks `advertiseHost`, `advertiseGrpc` and `advertiseHttp`.
 *
 * @throws LaminarError `ERR_CONFIG` naming the option.
 */
export function parseAdvertiseOptions(o: {
  advertiseHost?: string;
  advertiseGrpc?: string;
  advertiseHttp?: string;
}): AdvertiseOptions {
  const out: AdvertiseOptions = {};
  if (o.advertiseHost !== undefined) {
    const h =
      o.advertiseHost.startsWith('[') && o.advertiseHost.endsWith(']')
        ? o.advertiseHost.slice(1, -1)
        : o.advertiseHost;
    if (!(isIP(h) !== 0 || HOST.test(h)) || isWildcard(h)) {
      throw new LaminarError(
        'ERR_CONFIG',
        "option 'advertiseHost' (--advertise) must be a host name or IP that others can reach, not a wildcard",
      );
    }
    out.host = h;
  }
  for (const [key, name] of [
    ['grpc', 'advertiseGrpc'],
    ['http', 'advertiseHttp'],
  ] as const) {
    const v = o[name];
    if (v === undefined) continue;
    const m = typeof v === 'string' ? HOST_PORT.exec(v) : null;
    if (m === null || Number(m[2]) < 1 || Number(m[2]) > 65_535 || isWildcard(m[1].replace(/^\[|\]$/g, ''))) {
      throw new LaminarError('ERR_CONFIG', `option '${name}' must be host:port ([v6]:port), not a wildcard`);
    }
    out[key] = v;
  }
  return out;
}

/** True for the addresses that mean "every interface": nobody can dial them. */
export function isWildcard(host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return h === '' || h === '0.0.0.0' || h === '::' || h === '0:0:0:0:0:0:0:0';
}

/**
 * One advertised address: the explicit one, else `host` (or the listen host when it is no
 * wildcard) with the bound port; undefined when there is none to give.
 */
export function advertisedAddress(
  explicit: string | undefined,
  host: string | undefined,
  listenHost: string,
  port: number,
): string | undefined {
  if (explicit !== undefined) return explicit;
  const h = host ?? (isWildcard(listenHost) ? undefined : listenHost);
  return h === undefined ? undefined : hostPort(h, port);
}
