/**
 * A grpc-js client interceptor that follows a coordinator's not-leader answer (not-leader.ts):
 * a unary or server-streaming call answered `ERR_NOT_LEADER` naming the leader is made once
 * more, the same request and metadata (token included), on a channel to that leader; its answer
 * is the call's. Nothing of the first answer reaches the caller, and a second redirect is not
 * followed (the leader changed meanwhile: the caller's own retry asks again).
 *
 * Client- and bidi-streaming calls are not followed: their messages are not kept to resend.
 */
import {
  type Client,
  type ClientReadableStream,
  type ClientUnaryCall,
  InterceptingCall,
  type InterceptingListener,
  type Interceptor,
  type InterceptorOptions,
  type Metadata,
  type ServiceError,
  type StatusObject,
} from '@grpc/grpc-js';
import { leaderHint } from './not-leader.js';

/** Makes the client of a leader's address (no interceptors: the metadata carries the token). */
export type LeaderChannel = (address: string) => Client;

/**
 * The interceptor. `channel` makes a client for a leader's address; the interceptor keeps the
 * last one and closes it when another leader is named.
 */
export function followLeaderInterceptor(channel: LeaderChannel): Interceptor {
  let last: { address: string; client: Client } | undefined;
  const clientOf = (address: string): Client => {
    if (last?.address !== address) {
      last?.client.close();
      last = { address, client: channel(address) };
    }
    return last.client;
  };
  return (options, nextCall) => {
    if (options.method_definition.requestStream) return new InterceptingCall(nextCall(options));
    const unary = !options.method_definition.responseStream;
    let sent: Metadata | undefined;
    let request: unknown;
    let cancelled = false;
    let again: ClientUnaryCall | ClientReadableStream<unknown> | undefined;
    return new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        sent = metadata.clone();
        // Held back until the answer is known to be this server's: a not-leader answer's headers
        // must not reach the caller before the leader's.
        let headers: Metadata | undefined;
        let passed = false;
        // A unary call's one message, held with the headers: grpc-js hands a unary listener a
        // null message before any status, a not-leader one included.
        let held: { message: unknown } | undefined;
        const pass = () => {
          if (passed) return;
          passed = true;
          if (headers !== undefined) listener.onReceiveMetadata(headers);
          if (held !== undefined) listener.onReceiveMessage(held.message);
        };
        next(metadata, {
          onReceiveMetadata(md: Metadata) {
            headers = md;
          },
          onReceiveMessage(message: unknown) {
            if (!unary) {
              pass();
              listener.onReceiveMessage(message);
            } else if (passed) listener.onReceiveMessage(message);
            else held = { message };
          },
          onReceiveStatus(status: StatusObject) {
            const leader = passed || cancelled ? undefined : leaderHint(status);
            if (leader === undefined || sent === undefined) {
              pass();
              listener.onReceiveStatus(status);
              return;
            }
            again = callAgain(clientOf(leader), options, request, sent, listener);
          },
        });
      },
      sendMessage(message, next) {
        request = message;
        next(message);
      },
      cancel(next) {
        cancelled = true;
        again?.cancel();
        next();
      },
    });
  };
}

/** The call once more on `client`, its answer fed to `listener`. */
function callAgain(
  client: Client,
  options: InterceptorOptions,
  request: unknown,
  metadata: Metadata,
  listener: InterceptingListener,
): ClientUnaryCall | ClientReadableStream<unknown> {
  const def = options.method_definition;
  const callOptions = { deadline: options.deadline };
  if (!def.responseStream) {
    const call = client.makeUnaryRequest(
      def.path,
      def.requestSerialize,
      def.responseDeserialize,
      request,
      metadata,
      callOptions,
      (err: ServiceError | null, response?: unknown) => {
        if (err === null) listener.onReceiveMessage(response);
      },
    );
    call.on('metadata', (md: Metadata) => listener.onReceiveMetadata(md));
    call.on('status', (status: StatusObject) => listener.onReceiveStatus(status));
    return call;
  }
  const stream = client.makeServerStreamRequest(
    def.path,
    def.requestSerialize,
    def.responseDeserialize,
    request,
    metadata,
    callOptions,
  );
  stream.on('metadata', (md: Metadata) => listener.onReceiveMetadata(md));
  stream.on('data', (message: unknown) => listener.onReceiveMessage(message));
  // The status says it all; the stream's error event repeats it.
  stream.on('error', () => {});
  stream.on('status', (status: StatusObject) => listener.onReceiveStatus(status));
  return stream;
}
