import { ConfigError } from './errors.js';
import type { ClientOptions } from './options.js';

/**
 * Parses `redis://[[user]:password@]host[:port][/db][?protocol=2|3&name=...]` and `rediss://` (TLS).
 * IPv6 hosts are written in brackets (`redis://[::1]:6379`). User and password are
 * percent-decoded. Errors never echo the URL, which may hold a password.
 */
export function parseRedisUrl(url: string): ClientOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError('invalid Redis URL (expected redis://host:port or rediss://host:port)', 'url');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new ConfigError(`unsupported URL scheme '${u.protocol}' (expected redis: or rediss:)`, 'url');
  }
  const out: ClientOptions = {};
  if (u.hostname !== '') {
    out.host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  }
  if (u.port !== '') out.port = Number(u.port);
  if (u.username !== '') out.username = decode(u.username, 'username');
  if (u.password !== '') out.password = decode(u.password, 'password');
  const path = u.pathname.replace(/^\/+/, '');
  if (path !== '') {
    if (!/^\d+$/.test(path)) throw new ConfigError(`database in the URL path must be a number`, 'db');
    out.db = Number(path);
  }
  if (u.protocol === 'rediss:') out.tls = true;
  for (const [key, value] of u.searchParams) {
    if (key === 'protocol') {
      if (value !== '2' && value !== '3')
        throw new ConfigError(`URL parameter 'protocol' must be 2 or 3`, 'protocol');
      out.protocol = value === '2' ? 2 : 3;
    } else if (key === 'name') {
      out.name = value;
    } else if (key === 'db') {
      if (!/^\d+$/.test(value)) throw new ConfigError(`URL parameter 'db' must be a number`, 'db');
      out.db = Number(value);
    } else {
      throw new ConfigError(`unknown URL parameter '${key}'`, key);
    }
  }
  return out;
}

function decode(s: string, what: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new ConfigError(`the ${what} in the URL is not valid percent-encoding`, what);
  }
}

/** `host:port` as shown in messages; IPv6 in brackets. Never includes credentials. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
