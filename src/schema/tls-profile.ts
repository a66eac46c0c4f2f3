/**
 * The `tls` block of a connection profile: its fields in every front door's spelling, its checks,
 * and what it becomes for the client once its `{{ VAR }}` references are resolved.
 *
 * A profile with a `tls` block always connects with TLS. Addresses written out must then say
 * `rediss://`: a `redis://` address beside a `tls` block is refused rather than silently upgraded,
 * so that what a profile reads is what it does.
 */

import { ConfigError } from '../resp/errors.js';
import { TLS_VERSIONS, type TlsOptions, type TlsVersion } from '../resp/tls.js';
import { parseRedisUrl } from '../resp/url.js';
import type { Reporter } from './reporter.js';
import { hasMalformedReference, hasSecretReference } from './secrets.js';

/**
 * TLS settings of a connection profile. `ca`, `cert` and `key` are PEM text or the path of a PEM
 * file on the host that connects; every string may hold `{{ VAR }}` references, resolved only when
 * connecting.
 */
export interface TlsProfile {
  /** CA certificate(s) trusted instead of the process' trust store (a private CA). */
  ca?: string;
  /** Client certificate, for servers that ask for one (`tls-auth-clients yes`). Needs `key`. */
  cert?: string;
  /** Private key of `cert`. Never shown: redacted as a password is. */
  key?: string;
  /** The name the server certificate must hold, when it differs from the address's host. */
  serverName?: string;
  /** Oldest TLS version accepted. Default `'TLSv1.2'`. */
  minVersion?: TlsVersion;
  /** Skips verifying the server certificate; logged as a warning at each connect. Default false. */
  insecure?: boolean;
}

/** The validator's name of each `tls` field. */
export type TlsField = 'tlsCa' | 'tlsCert' | 'tlsKey' | 'tlsServerName' | 'tlsMinVersion' | 'tlsInsecure';

const MODEL_KEYS: Readonly<Record<TlsField, keyof TlsProfile>> = {
  tlsCa: 'ca',
  tlsCert: 'cert',
  tlsKey: 'key',
  tlsServerName: 'serverName',
  tlsMinVersion: 'minVersion',
  tlsInsecure: 'insecure',
};

/** Every `tls` field. */
export const TLS_FIELDS = Object.keys(MODEL_KEYS) as readonly TlsField[];

/** The keys of a `tls` object (JSON `config.tls`, TypeScript `tls`). */
export const TLS_KEYS: readonly string[] = Object.values(MODEL_KEYS);

/** How a door that nests the block under `prefix` spells each field (`config.tls.ca`). */
export function tlsOptionNames(prefix: string): Readonly<Record<TlsField, string>> {
  return Object.fromEntries(
    Object.entries(MODEL_KEYS).map(([field, key]) => [field, `${prefix}${key}`]),
  ) as Record<TlsField, string>;
}

/** SQL `WITH` spelling of each field. */
export const TLS_SQL_OPTIONS: Readonly<Record<TlsField, string>> = {
  tlsCa: 'tls.ca',
  tlsCert: 'tls.cert',
  tlsKey: 'tls.key',
  tlsServerName: 'tls.server_name',
  tlsMinVersion: 'tls.min_version',
  tlsInsecure: 'tls.insecure',
};

/** The `tls` fields as a door read them, before validation. */
export type TlsDraft = Partial<Record<TlsField, unknown>>;

/** A `tls` object (JSON, TypeScript) as a {@link TlsDraft}; its keys are checked by the caller. */
export function tlsDraftOf(tls: Record<string, unknown>): TlsDraft {
  const draft: TlsDraft = {};
  for (const [field, key] of Object.entries(MODEL_KEYS) as [TlsField, string][]) {
    if (tls[key] !== undefined) draft[field] = tls[key];
  }
  return draft;
}

/**
 * Validates the `tls` fields of a profile whose addresses are `addresses` (as written).
 * Undefined when none is given.
 */
export function checkTls<F extends string>(
  r: Reporter<F | TlsField>,
  draft: TlsDraft,
  addresses: readonly { field: F; value: string }[],
): TlsProfile | undefined {
  const given = TLS_FIELDS.filter((f) => draft[f] !== undefined);
  if (given.length === 0) return undefined;
  const tls: TlsProfile = {};
  for (const field of ['tlsCa', 'tlsCert', 'tlsKey', 'tlsServerName'] as const) {
    const value = draft[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') {
      const got = field === 'tlsKey' ? 'not a string' : r.got(field, value);
      const expected = field === 'tlsServerName' ? 'a host name' : 'PEM text or a file path';
      r.fail(field, `must be ${expected} (${got})`);
    }
    if (value.trim() === '') r.fail(field, 'must not be empty');
    if (hasMalformedReference(value)) {
      r.fail(
        field,
        'has a malformed {{ VAR }} reference (expected {{ NAME }} with NAME of letters, digits, _)',
      );
    }
    tls[MODEL_KEYS[field] as 'ca' | 'cert' | 'key' | 'serverName'] = value;
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    const [missing, other] =
      tls.cert === undefined ? (['tlsCert', 'tlsKey'] as const) : (['tlsKey', 'tlsCert'] as const);
    r.fail(missing, `is required with '${r.door.option(other)}': a client certificate needs its key`);
  }
  const minVersion = r.oneOf('tlsMinVersion', draft.tlsMinVersion, TLS_VERSIONS);
  if (minVersion !== undefined) tls.minVersion = minVersion;
  const insecure = checkBoolean(r, 'tlsInsecure', draft.tlsInsecure);
  if (insecure !== undefined) tls.insecure = insecure;
  for (const a of addresses) {
    if (hasSecretReference(a.value)) continue;
    let secure = false;
    try {
      secure = parseRedisUrl(a.value).tls === true;
    } catch (e) {
      // The address check reports a URL that does not parse; no scheme to judge here.
      if (e instanceof ConfigError) continue;
      throw e;
    }
    if (!secure) {
      r.fail(
        given[0],
        `needs TLS addresses: '${r.door.option(a.field)}' says redis://; write rediss:// to connect with TLS`,
      );
    }
  }
  return tls;
}

function checkBoolean<F extends string>(r: Reporter<F>, field: F, value: unknown): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  if (r.door.numbersAsText && typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (text === 'true' || text === 'false') return text === 'true';
  }
  const expected = r.door.numbersAsText ? "'true' or 'false'" : 'true or false';
  return r.fail(field, `must be ${expected} (${r.got(field, value)})`);
}

/** The client's TLS options for a profile's `tls` block whose references are resolved. */
export function tlsClientOptions(tls: TlsProfile | undefined): TlsOptions | undefined {
  if (tls === undefined) return undefined;
  const out: TlsOptions = {};
  if (tls.ca !== undefined) out.ca = tls.ca;
  if (tls.cert !== undefined) out.cert = tls.cert;
  if (tls.key !== undefined) out.key = tls.key;
  if (tls.serverName !== undefined) out.serverName = tls.serverName;
  if (tls.minVersion !== undefined) out.minVersion = tls.minVersion;
  if (tls.insecure === true) out.insecure = true;
  return out;
}

/** A copy with every string's `{{ VAR }}` references resolved by `resolve(value, option)`. */
export function resolveTls(tls: TlsProfile, resolve: (value: string, option: string) => string): TlsProfile {
  const out: TlsProfile = { ...tls };
  for (const key of ['ca', 'cert', 'key', 'serverName'] as const) {
    const value = tls[key];
    if (value !== undefined) out[key] = resolve(value, `tls.${key}`);
  }
  return out;
}

/** A copy safe to show: the key becomes `redacted(key)`; certificates are public. */
export function redactTls(tls: TlsProfile, redacted: (value: string) => string): TlsProfile {
  return tls.key === undefined ? { ...tls } : { ...tls, key: redacted(tls.key) };
}
