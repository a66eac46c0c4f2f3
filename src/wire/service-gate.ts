/**
 * A gRPC service that answers every call with a refusal until it is opened with its
 * implementation. A standby coordinator serves its gRPC port this way: callers are told where
 * the leader is (not-leader.ts) instead of finding the port closed, and once the standby takes
 * the lease over the same server, on the same port, serves the real services.
 */
import type {
  Metadata,
  ServerDuplexStream,
  ServerReadableStream,
  ServerUnaryCall,
  ServerWritableStream,
  ServiceDefinition,
  ServiceError,
  sendUnaryData,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';

/** The status a closed gate answers a call with, from the call's metadata (its token). */
export type Refusal = (metadata: Metadata) => Promise<Partial<ServiceError>>;

type UnaryLike = (
  call: ServerUnaryCall<unknown, unknown> | ServerReadableStream<unknown, unknown>,
  callback: sendUnaryData<unknown>,
) => void;
type StreamLike = (
  call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>,
) => void;

/** Refuses calls until {@link open}; {@link close} refuses them again (a leader that stepped down). */
export class ServiceGate<S extends UntypedServiceImplementation> {
  #impl: S | undefined;
  /** The implementation to `addService` with the definition. */
  readonly handlers: S;

  constructor(definition: ServiceDefinition, refuse: Refusal) {
    const handlers: Record<string, UnaryLike | StreamLike> = {};
    for (const [name, method] of Object.entries(definition)) {
      if (method.responseStream) {
        handlers[name] = (call: Parameters<StreamLike>[0]) => {
          const impl = this.#impl?.[name] as StreamLike | undefined;
          if (impl !== undefined) {
            impl(call);
            return;
          }
          void refuse(call.metadata).then((status) => call.emit('error', status));
        };
      } else {
        handlers[name] = (call: Parameters<UnaryLike>[0], callback: sendUnaryData<unknown>) => {
          const impl = this.#impl?.[name] as UnaryLike | undefined;
          if (impl !== undefined) {
            impl(call, callback);
            return;
          }
          void refuse(call.metadata).then((status) => callback(status));
        };
      }
    }
    this.handlers = handlers as unknown as S;
  }

  /** From now on, calls go to `impl`. */
  open(impl: S): void {
    this.#impl = impl;
  }

  /** From now on, calls are refused again. */
  close(): void {
    this.#impl = undefined;
  }
}
