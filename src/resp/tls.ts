/**
 * TLS options of a client in the form users write them (a CA file, a client certificate and key,
 * the server's name), their validation, and the one place that tells why a TLS connection failed.
 *
 * Files are read at each connect rather than once, so a rotated certificate is picked up by the
 * next reconnect. Messages name the option to check and, for the CA and certificate, the path;
 * never the contents of a key or certificate, and never the key's path or text (a key given
 * inline without its PEM header would otherwise be echoed as if it were a path).
 */

import { readFile } from 'node:fs/promises';
import net from 'node:net';
import tls, { type ConnectionOptions as NodeTlsOptions } from 'node:tls';
import { ConfigError, ConnectionError } from './errors.js';

/** Minimum TLS versions a client accepts; older ones are refused outright. */
export const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];

/**
 * TLS settings of a connection. `ca`, `cert` and `key` are each PEM text, the path of a PEM file,
 * or a Buffer (or a list of them); a string holding `-----BEGIN` is PEM text, any other string a
 * path. Node's own TLS options (`servername`, `rejectUnauthorized`, `ciphers`, ...) are accepted
 * as well, so any `tls.ConnectionOptions` object fits.
 */
export interface TlsOptions extends NodeTlsOptions {
  /** CA certificate(s) trusted instead of the process' trust store. Default: Node's trust store. */
  ca?: NodeTlsOptions['ca'];
  /** Client certificate presented to a server that asks for one (mutual TLS). Needs `key`. */
  cert?: NodeTlsOptions['cert'];
  /** Private key of `cert`. Never logged, never part of an error message. */
  key?: NodeTlsOptions['key'];
  /**
   * The name the server certificate must hold (and the SNI sent), when it differs from the host
   * connected to. Default: the host (IP addresses are checked against the certificate's IP names).
   */
  serverName?: string;
  /** Oldest TLS version accepted: `'TLSv1.2'` (default) or `'TLSv1.3'`; older ones are refused. */
  minVersion?: NodeTlsOptions['minVersion'];
  /**
   * Skips verifying the server certificate (any certificate, any name, expired or not). Only for
   * tests: anyone on the path can read and change the traffic. Default false.
   */
  insecure?: boolean;
}

/** The TLS material options a path may be given for. */
export type TlsFileOption = 'ca' | 'cert' | 'key';

/** TLS options after validation: Node's options, with file paths still to read. */
export interface NormalizedTls {
  node: NodeTlsOptions;
  /** Options given as paths; read at each connect. */
  files: ReadonlyArray<{ option: TlsFileOption; path: string; index?: number }>;
}

const PEM = '-----BEGIN';

/**
 * Validates TLS options and turns the friendly form into Node's.
 *
 * @throws ConfigError naming the option (`tls.minVersion`, ...).
 */
export function parseTlsOptions(tls: TlsOptions): NormalizedTls {
  if (tls === null || typeof tls !== 'object' || Array.isArray(tls)) {
    throw new ConfigError(`option 'tls' must be true, false or an object`, 'tls');
  }
  const { ca, cert, key, serverName, minVersion, insecure, ...node } = tls;
  const out: NodeTlsOptions = { ...node };
  const files: Array<{ option: TlsFileOption; path: string; index?: number }> = [];
  const one = (option: TlsFileOption, value: unknown, index?: number): unknown => {
    if (typeof value !== 'string') {
      // Buffers, and Node's `{ pem, passphrase }` key objects, are handed to Node as they are.
      if (value === null || typeof value !== 'object') {
        const name = index === undefined ? `tls.${option}` : `tls.${option}[${index}]`;
        throw new ConfigError(`option '${name}' must be PEM text, a file path or a Buffer`, name);
      }
      return value;
    }
    if (value.trim() === '') {
      const name = index === undefined ? `tls.${option}` : `tls.${option}[${index}]`;
      throw new ConfigError(`option '${name}' must not be empty`, name);
    }
    if (!value.includes(PEM)) files.push({ option, path: value, index });
    return value;
  };
  const material = (option: TlsFileOption, value: unknown): void => {
    if (value === undefined) return;
    (out as Record<string, unknown>)[option] = Array.isArray(value)
      ? value.map((v, i) => one(option, v, i))
      : one(option, value);
  };
  material('ca', ca);
  material('cert', cert);
  material('key', key);
  if ((cert === undefined) !== (key === undefined)) {
    const missing = cert === undefined ? 'cert' : 'key';
    throw new ConfigError(
      `option 'tls.${missing}' is required with 'tls.${missing === 'cert' ? 'key' : 'cert'}': a client certificate needs its key`,
      `tls.${missing}`,
    );
  }
  if (serverName !== undefined) {
    if (typeof serverName !== 'string' || serverName === '') {
      throw new ConfigError(`option 'tls.serverName' must be a non-empty string`, 'tls.serverName');
    }
    out.servername = serverName;
  }
  if (minVersion !== undefined) {
    if (!(TLS_VERSIONS as readonly unknown[]).includes(minVersion)) {
      throw new ConfigError(`option 'tls.minVersion' must be 'TLSv1.2' or 'TLSv1.3'`, 'tls.minVersion');
    }
    out.minVersion = minVersion;
  } else {
    out.minVersion ??= 'TLSv1.2';
  }
  if (insecure !== undefined && typeof insecure !== 'boolean') {
    throw new ConfigError(`option 'tls.insecure' must be true or false`, 'tls.insecure');
  }
  if (insecure === true) out.rejectUnauthorized = false;
  return { node: out, files };
}

/**
 * Node's TLS options with every path replaced by the file's contents.
 *
 * @throws TlsError `ERR_TLS_FILE` naming the option whose file cannot be read.
 */
export async function loadTls(tls: NormalizedTls): Promise<NodeTlsOptions> {
  if (tls.files.length === 0) return tls.node;
  const out: NodeTlsOptions = { ...tls.node };
  for (const option of ['ca', 'cert', 'key'] as const) {
    const value = out[option];
    if (Array.isArray(value)) (out as Record<string, unknown>)[option] = [...value];
  }
  await Promise.all(
    tls.files.map(async ({ option, path, index }) => {
      let contents: Buffer;
      try {
        contents = await readFile(path);
      } catch (err) {
        const name = index === undefined ? `tls.${option}` : `tls.${option}[${index}]`;
        const shown = option === 'key' ? '' : ` ${path}`;
        const why = (err as NodeJS.ErrnoException).code ?? 'unreadable';
        throw new TlsError(
          'ERR_TLS_FILE',
          `cannot read the file${shown} given as '${name}' (${why}): check the path and its permissions`,
          name,
          undefined,
          { cause: err },
        );
      }
      if (index !== undefined) (out[option] as unknown[])[index] = contents;
      else out[option] = contents;
    }),
  );
  return out;
}

/** What a TLS failure was. */
export type TlsErrorCode =
  | 'ERR_TLS_UNKNOWN_CA'
  | 'ERR_TLS_NAME_MISMATCH'
  | 'ERR_TLS_CERT_EXPIRED'
  | 'ERR_TLS_CLIENT_CERT_REFUSED'
  | 'ERR_TLS_FILE';

/**
 * A TLS connection failed: `option` names the TLS option to check (undefined when the fix is on
 * the server, as for an expired certificate), `reason` holds Node's or OpenSSL's code
 * (`SELF_SIGNED_CERT_IN_CHAIN`, ...). It is a {@link ConnectionError} whose command was never
 * sent (`written: false`), with its own code.
 */
export class TlsError extends ConnectionError {
  constructor(
    code: TlsErrorCode,
    message: string,
    readonly option: string | undefined,
    readonly reason?: string,
    options?: { cause?: unknown },
  ) {
    super(message, false, { cause: options?.cause, code });
  }
}

const UNKNOWN_CA = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
]);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
/**
 * Alerts a server sends when it does not accept the client's certificate (or its absence). Node's
 * codes are written here without their `ERR_` prefix, so that they are not taken for ours.
 */
const CLIENT_REFUSED = new Set([
  'SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'SSL_TLSV1_ALERT_UNKNOWN_CA',
  'SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'SSL_TLSV1_ALERT_ACCESS_DENIED',
  'SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE',
]);
/** Node's code for a certificate that does not hold the name, without its `ERR_` prefix. */
const ALTNAME_INVALID = 'TLS_CERT_ALTNAME_INVALID';
/** Material OpenSSL cannot use (`OSSL_PEM_NO_START_LINE`, `OSSL_X509_KEY_VALUES_MISMATCH`, ...). */
const UNUSABLE_MATERIAL = /^OSSL_/;

/** Node's and OpenSSL's code without Node's `ERR_` prefix (OpenSSL's verify codes have none). */
function bare(code: string): string {
  return code.startsWith('ERR_') ? code.slice(4) : code;
}

/**
 * The {@link TlsError} a failed connect (or handshake) stands for, or undefined when it is not a
 * TLS failure of its own. Looks through `cause` links, since a handshake reply lost to a TLS
 * alert arrives as a ConnectionError whose cause is the alert.
 */
export function tlsFailure(
  err: unknown,
  address: string,
  tls: NormalizedTls | undefined,
): TlsError | undefined {
  if (tls === undefined) return undefined;
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof TlsError) return e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === undefined) continue;
    const known = classify(code, address, tls);
    if (known !== undefined) return new TlsError(known[0], known[1], known[2], code, { cause: e });
    if (UNUSABLE_MATERIAL.test(bare(code))) {
      const option = code.includes('KEY') ? 'tls.key' : undefined;
      return new TlsError(
        'ERR_TLS_FILE',
        `the CA, certificate or key given as 'tls.ca', 'tls.cert' or 'tls.key' cannot be used (${code}): check that each is PEM and that the key belongs to the certificate`,
        option,
        code,
        { cause: e },
      );
    }
  }
  return undefined;
}

function classify(
  code: string,
  address: string,
  tls: NormalizedTls,
): [TlsErrorCode, string, string | undefined] | undefined {
  const trusted = tls.node.ca === undefined ? "the process' trust store" : "the CA given as 'tls.ca'";
  if (UNKNOWN_CA.has(code)) {
    return [
      'ERR_TLS_UNKNOWN_CA',
      `the certificate of ${address} is not signed by a CA trusted here (${code}): ${trusted} did not sign it; give the server's CA as 'tls.ca'`,
      'tls.ca',
    ];
  }
  if (bare(code) === ALTNAME_INVALID) {
    const name = tls.node.servername;
    const expected = name === undefined ? `the address ${address}` : `'${name}' (tls.serverName)`;
    return [
      'ERR_TLS_NAME_MISMATCH',
      `the certificate of ${address} is not for ${expected}: connect by a name the certificate holds, or set 'tls.serverName' to it`,
      'tls.serverName',
    ];
  }
  if (EXPIRED.has(code)) {
    const when = code === 'CERT_HAS_EXPIRED' ? 'has expired' : 'is not valid yet';
    return [
      'ERR_TLS_CERT_EXPIRED',
      `the certificate of ${address} ${when} (${code}): renew the server's certificate, or check this machine's clock`,
      undefined,
    ];
  }
  if (CLIENT_REFUSED.has(bare(code))) {
    const given = tls.node.cert !== undefined;
    return [
      'ERR_TLS_CLIENT_CERT_REFUSED',
      given
        ? `${address} refused the client certificate given as 'tls.cert' (${code}): it must be signed by a CA the server trusts (its tls-ca-cert-file), be valid now, and allow client authentication`
        : `${address} asks for a client certificate (${code}): give 'tls.cert' and 'tls.key'`,
      'tls.cert',
    ];
  }
  return undefined;
}

/** Opens a TLS socket; SNI is the host unless `servername` says otherwise (never an IP address). */
export function connectTls(host: string, port: number, options: NodeTlsOptions): tls.TLSSocket {
  return tls.connect({
    host,
    port,
    // SNI must be a host name; Node refuses IP addresses there.
    servername: options.servername ?? (net.isIP(host) === 0 ? host : undefined),
    ...options,
  });
}

/**
 * Why a TLS 1.3 server dropped the connection right after the handshake, found by a second
 * connection that sends nothing: such a server checks the client certificate only after the
 * client's handshake is done, and its refusal (an alert) is lost when a command written meanwhile
 * meets the closed socket (ECONNRESET). Waiting, the alert arrives, or the session tickets of an
 * accepted connection do. Runs only on that failure path; resolves undefined when nothing is
 * learnt within `timeoutMs`.
 */
export async function probeTlsRefusal(
  host: string,
  port: number,
  address: string,
  normalized: NormalizedTls,
  timeoutMs: number,
): Promise<TlsError | undefined> {
  const options = await loadTls(normalized);
  return new Promise((resolve) => {
    let socket: tls.TLSSocket;
    try {
      socket = connectTls(host, port, options);
    } catch {
      resolve(undefined);
      return;
    }
    const done = (found: TlsError | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(found);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.once('session', () => done(undefined));
    socket.once('error', (err) => done(tlsFailure(err, address, normalized)));
    socket.once('close', () => done(undefined));
  });
}
