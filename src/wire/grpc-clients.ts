/**
 * Typed clients of the coordinator's `Control` service and a worker's `Ingest` service for
 * programs that talk gRPC themselves (the Producer wraps Ingest for writing rows; most programs
 * want it rather than {@link connectIngest}). The clients are ts-proto's, generated from
 * `proto/laminar/redis/v1/*.proto`; `google.protobuf.Struct` fields are plain JSON objects there.
 */
import {
  type CallOptions,
  type ChannelCredentials,
  Client,
  type ClientOptions,
  type ClientUnaryCall,
  credentials,
  InterceptingCall,
  type Interceptor,
  Metadata,
  type ServiceError,
} from '@grpc/grpc-js';
import { LaminarError } from '../errors.js';
import { followLeaderInterceptor } from './follow-leader.js';
import { ControlClient } from './gen/laminar/redis/v1/control.js';
import type { IngestClient } from './gen/laminar/redis/v1/ingest.js';
import { FastIngestClient } from './ingest-wire.js';

/** How to reach a coordinator (Control) or a worker (Ingest). */
export interface GrpcConnectOptions {
  /** `host:port` (IPv6 in brackets): the coordinator's gRPC address, or a worker's Ingest address. */
  address: string;
  /**
   * The API token, sent as `authorization: Bearer <token>` metadata on every call. Needed when
   * the server has one (`--token-file`, `LAMINAR_API_TOKEN`). Default: none.
   */
  token?: string;
  /**
   * TLS. `true`: verify the server with the system's root certificates. An object: PEM contents
   * (`readFileSync('ca.pem')`) of the CA that signed the server's certificate, and a client
   * certificate and key when the server asks for one. Default: plaintext.
   */
  tls?: true | GrpcTlsOptions;
  /** grpc-js channel options (keepalive, message sizes, ...). */
  channelOptions?: Partial<ClientOptions>;
}

/** PEM contents for {@link GrpcConnectOptions.tls}. */
export interface GrpcTlsOptions {
  /** CA certificate(s) the server's certificate must chain to. Default: the system's. */
  ca?: string | Buffer;
  /** Client certificate, with `key`. */
  cert?: string | Buffer;
  /** Client private key, with `cert`. */
  key?: string | Buffer;
}

/** Options of {@link connectControl} or {@link connectIngest} that cannot be used. */
export class GrpcConnectError extends LaminarError {
  constructor(
    /** The option at fault. */
    readonly option: string,
    message: string,
  ) {
    super('ERR_CONFIG', `option '${option}' ${message}`);
  }
}

/**
 * A typed client of the coordinator's control API (`laminar.redis.v1.Control`), the bearer token
 * attached to every call. Methods take callbacks (grpc-js); close it with `client.close()`.
 *
 * ```ts
 * const control = connectControl({ address: '127.0.0.1:9190', token: process.env.LAMINAR_API_TOKEN });
 * control.listPipelines({}, (err, res) => console.log(err ?? res.data));
 * ```
 *
 * A standby coordinator answers `UNAVAILABLE` naming the leader (`ERR_NOT_LEADER`,
 * docs/state-store.md): the client makes such a unary or server-streaming call once more at the
 * leader, so `address` may be any coordinator of a deployment.
 *
 * @throws GrpcConnectError (`ERR_CONFIG`) for unusable options; the channel itself connects
 *   lazily, so an unreachable server shows as `UNAVAILABLE` on the first call.
 */
export function connectControl(options: GrpcConnectOptions): ControlClient {
  const { address, creds, channelOptions } = parse(options);
  const { interceptors: _, ...plain } = channelOptions;
  const follow = followLeaderInterceptor((leader) => new Client(leader, creds, plain));
  return new ControlClient(address, creds, {
    ...channelOptions,
    interceptors: [...(channelOptions.interceptors ?? []), follow],
  });
}

/**
 * A typed client of a worker's `laminar.redis.v1.Ingest` service (see `proto/.../ingest.proto`
 * for the stream's protocol), the bearer token attached to every call.
 *
 * @throws GrpcConnectError (`ERR_CONFIG`) for unusable options.
 */
export function connectIngest(options: GrpcConnectOptions): IngestClient {
  const { address, creds, channelOptions } = parse(options);
  return new FastIngestClient(address, creds, channelOptions);
}

/** A grpc-js unary method in its (request, metadata, options, callback) form. */
type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/**
 * The request type of a client's unary method `K`; never for a streaming method, whose last
 * overload has no callback (a function with fewer parameters would match {@link UnaryMethod}).
 */
export type UnaryRequest<C, K extends keyof C> =
  C[K] extends UnaryMethod<infer Req, infer _>
    ? C[K] extends (...args: infer A) => unknown
      ? A['length'] extends 4
        ? Req
        : never
      : never
    : never;

/** The response type of a client's unary method `K`. */
export type UnaryResponse<C, K extends keyof C> = C[K] extends UnaryMethod<infer _, infer Res> ? Res : never;

/**
 * Calls a unary method of a grpc-js client and resolves with its response (rejects with the
 * grpc-js `ServiceError`: `code`, `details`, and the `laminar-code` trailer in `metadata`).
 *
 * ```ts
 * const { data } = await unary(control, 'listPipelines', {});
 * const table = await unary(control, 'getConnectionTable', { id: 'user_sessions' }, { deadline: Date.now() + 5_000 });
 * ```
 */
export function unary<C extends object, K extends keyof C>(
  client: C,
  method: K,
  request: UnaryRequest<C, K>,
  options: Partial<CallOptions> = {},
): Promise<UnaryResponse<C, K>> {
  const fn = client[method] as unknown as UnaryMethod<UnaryRequest<C, K>, UnaryResponse<C, K>>;
  return new Promise((resolve, reject) => {
    fn.call(client, request, new Metadata(), options, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

function parse(o: GrpcConnectOptions): {
  address: string;
  creds: ChannelCredentials;
  channelOptions: Partial<ClientOptions>;
} {
  if (typeof o !== 'object' || o === null) throw new GrpcConnectError('options', 'must be an object');
  if (typeof o.address !== 'string' || o.address === '') {
    throw new GrpcConnectError('address', "must be a non-empty 'host:port' string");
  }
  if (o.token !== undefined && typeof o.token !== 'string') {
    throw new GrpcConnectError('token', 'must be a string');
  }
  const channelOptions: Partial<ClientOptions> = { ...o.channelOptions };
  if (o.token !== undefined && o.token !== '') {
    channelOptions.interceptors = [...(channelOptions.interceptors ?? []), bearerInterceptor(o.token)];
  }
  return { address: o.address, creds: channelCredentials(o.tls), channelOptions };
}

function channelCredentials(tls: GrpcConnectOptions['tls']): ChannelCredentials {
  if (tls === undefined || (tls as unknown) === false) return credentials.createInsecure();
  if (tls === true) return credentials.createSsl();
  if (typeof tls !== 'object' || tls === null) {
    throw new GrpcConnectError('tls', 'must be true or { ca?, cert?, key? }');
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new GrpcConnectError('tls', 'needs both cert and key, or neither');
  }
  const pem = (v: string | Buffer | undefined) => (v === undefined ? null : Buffer.from(v));
  return credentials.createSsl(pem(tls.ca), pem(tls.key), pem(tls.cert));
}

/**
 * Adds the token to each call's metadata. An interceptor rather than call credentials: grpc-js
 * sends call credentials only over TLS, and a loopback coordinator with a token is plaintext.
 */
function bearerInterceptor(token: string): Interceptor {
  const value = `Bearer ${token}`;
  return (options, next) =>
    new InterceptingCall(next(options), {
      start(metadata, listener, start) {
        metadata.set('authorization', value);
        start(metadata, listener);
      },
    });
}
