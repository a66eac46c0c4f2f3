/**
 * The answer of a coordinator that does not lead (a standby, or a leader that stepped down) to a
 * gRPC call, and how clients read it: status `UNAVAILABLE` — what older clients already take as
 * "ask the next coordinator" — with the trailers `laminar-code: ERR_NOT_LEADER` and, when the
 * leader is known, `laminar-leader: <host:port>`, its advertised gRPC address.
 */
import { Metadata, type ServiceError, type StatusObject, status } from '@grpc/grpc-js';

/** The stable code of a not-leader answer (`laminar-code` trailer, HTTP error body). */
export const NOT_LEADER_CODE = 'ERR_NOT_LEADER';
/** The trailer naming the leader's gRPC address. */
export const LEADER_TRAILER = 'laminar-leader';

/** `host:port` or `[v6]:port`, nothing else: a hint is used as a dial target. */
const ADDRESS = /^(\[[0-9A-Fa-f:.%A-Za-z]+\]|[A-Za-z0-9._-]+):[0-9]{1,5}$/;

/** The status a non-leader answers a call with, naming `leader` (a gRPC `host:port`) when known. */
export function notLeaderStatus(leader: string | undefined): Partial<ServiceError> {
  const metadata = new Metadata();
  metadata.set('laminar-code', NOT_LEADER_CODE);
  if (leader !== undefined) metadata.set(LEADER_TRAILER, leader);
  const details =
    leader === undefined
      ? 'this coordinator does not lead, and no leader is known now (none holds the lease, or it advertises no gRPC address)'
      : `this coordinator does not lead; the leader is at ${leader}`;
  return { code: status.UNAVAILABLE, details, message: details, metadata };
}

/**
 * The leader a failed call's status names (a grpc-js ServiceError or StatusObject), or
 * undefined when it is no not-leader answer or names nobody: for programs with clients of their
 * own, to call again there (`connectControl`'s client does it by itself).
 *
 * ```ts
 * const leader = leaderHint(err); // '10.0.0.7:9190'
 * ```
 */
export function leaderHint(err: unknown): string | undefined {
  const e = err as Partial<StatusObject> | null | undefined;
  if (e?.code !== status.UNAVAILABLE || !(e.metadata instanceof Metadata)) return undefined;
  if (e.metadata.get('laminar-code')[0] !== NOT_LEADER_CODE) return undefined;
  const leader = e.metadata.get(LEADER_TRAILER)[0];
  return typeof leader === 'string' && ADDRESS.test(leader) ? leader : undefined;
}
