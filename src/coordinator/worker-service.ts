/**
 * The gRPC `Coordination` service (proto/laminar/redis/v1/worker.proto) over the Orchestrator:
 * checks the bearer token of each Register stream, wants `hello` first, turns each later worker
 * message into the orchestrator call of its kind, and gives the orchestrator a WorkerLink to
 * write to the stream.
 */
import * as grpc from '@grpc/grpc-js';
import { checkGrpcAuth } from '../wire/auth.js';
import type {
  CoordinationServer,
  CoordinatorMessage,
  WorkerMessage,
} from '../wire/gen/laminar/redis/v1/worker.js';
import type { WorkerEvents, WorkerLink, WorkerSession } from './orchestrator.js';

type RegisterCall = grpc.ServerDuplexStream<WorkerMessage, CoordinatorMessage>;

export interface WorkerServiceOptions {
  /** Bearer token every Register stream must carry; undefined or "": no authentication (loopback only). */
  token?: string;
}

/** The `Coordination` service implementation, to pass to `server.addService(CoordinationService, ...)`. */
export function createCoordinationService(
  events: WorkerEvents,
  options: WorkerServiceOptions = {},
): CoordinationServer {
  return {
    register: (call: RegisterCall) => {
      try {
        checkGrpcAuth(options.token, call.metadata);
      } catch (err) {
        call.emit('error', { code: grpc.status.UNAUTHENTICATED, details: (err as Error).message });
        return;
      }
      const link = streamLink(call);
      let session: WorkerSession | undefined;
      call.on('data', (msg: WorkerMessage) => {
        if (session === undefined) {
          if (msg.kind?.$case !== 'hello') {
            call.emit('error', {
              code: grpc.status.INVALID_ARGUMENT,
              details: 'first message must be hello',
            });
            return;
          }
          session = events.workerJoined(link, msg.kind.value);
          return;
        }
        deliver(events, session, msg);
      });
      const gone = (reason: string) => {
        if (session !== undefined) events.workerLeft(session, reason);
      };
      call.on('end', () => {
        gone('stream ended');
        call.end();
      });
      call.on('cancelled', () => gone('stream cancelled'));
      call.on('error', () => gone('stream failed'));
    },
  };
}

/** The orchestrator's handle on one Register stream. */
function streamLink(call: RegisterCall): WorkerLink {
  return {
    send: (msg) => {
      if (!call.writableEnded && !call.destroyed) call.write(msg);
    },
    end: () => call.end(),
    cutOff: (details) => call.emit('error', { code: grpc.status.UNAVAILABLE, details }),
  };
}

/** Hands a message that follows hello to the orchestrator call of its kind. */
function deliver(events: WorkerEvents, s: WorkerSession, msg: WorkerMessage): void {
  // Any message shows the worker is alive: one busy sending reports is not silent.
  events.heartbeat(s);
  const k = msg.kind;
  if (k === undefined) return;
  switch (k.$case) {
    case 'heartbeat':
      return;
    case 'shardStarted':
      events.shardStarted(s, k.value);
      return;
    case 'shardStopped':
      events.shardStopped(s, k.value);
      return;
    case 'shardFailed':
      events.shardFailed(s, k.value);
      return;
    case 'barrierDone':
      events.barrierDone(s, k.value);
      return;
    case 'checkpointWanted':
      events.checkpointWanted(s, k.value);
      return;
    case 'pipelineEvent':
      events.pipelineEvent(s, k.value);
      return;
    case 'goodbye':
      events.workerStopped(s);
      return;
    case 'hello':
      // A second hello on a registered stream changes nothing.
      return;
  }
}
