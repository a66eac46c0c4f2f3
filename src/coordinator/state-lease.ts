import type { Logger } from '../log.js';
import { StateLeaseHeldError } from '../storage/state-errors.js';
import type { LeaderAddresses, LeaseGrant, StateStore } from '../storage/state-store.js';

/**
 * Default time to live of the coordinator lease in a Redis state store. A standby takes over at
 * most this long after a leader dies: 2 s keeps the whole failover (leader SIGKILL to the first
 * acknowledged write) near 4 s, where 10 s made it 16 s (docs/benchmarks.md, `failover`); a
 * leader stalled past it (renewals every third of it) steps down, its writes fenced.
 */
export const DEFAULT_LEASE_TTL_MS = 2_000;

/** A lease the coordinator holds: its epoch fences every write it makes to the state store. */
export interface HeldLease {
  readonly epoch: number;
  /**
   * Records where this coordinator answers beside the lease, at once and with every renewal
   * after, so standbys can send callers here. Resolves false when the lease is no longer ours.
   */
  advertise(addresses: LeaderAddresses): Promise<boolean>;
  /** Stops renewing and gives the lease up, so a standby takes over at once. */
  release(): Promise<void>;
}

export interface HoldLeaseOptions {
  /** Default {@link DEFAULT_LEASE_TTL_MS}. */
  ttlMs?: number;
  logger: Logger;
  /** Told when the lease was lost (it lapsed and another coordinator took it). */
  onLost?: () => void;
  /** Called once before waiting for a lease another coordinator holds (a standby starts here). */
  onWaiting?: () => Promise<void>;
  /** False: a lease another coordinator holds fails at once (`ERR_STATE_LEASE_HELD`). Default true. */
  wait?: boolean;
}

/**
 * Takes the state store's coordinator lease and keeps renewing it (every third of its TTL).
 * While another coordinator holds it, this one waits — the standby's part — and takes it over
 * when it lapses or is released; the new epoch is above every earlier holder's, so the writes of
 * a holder that was paused past its lease are refused (`ERR_STATE_FENCED`).
 *
 * The local store's lease is the data directory lock: a held one is refused at once
 * (`ERR_DATA_DIR_LOCKED`) rather than waited for, as before.
 */
export async function holdLease(state: StateStore, options: HoldLeaseOptions): Promise<HeldLease> {
  const ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const log = options.logger;
  let grant: LeaseGrant | null = await state.lease.acquire(ttlMs);
  if (grant === null && options.wait === false) throw new StateLeaseHeldError(state.where);
  if (grant === null) {
    log.info({ state: state.where }, 'another coordinator holds the state store lease; waiting for it');
    await options.onWaiting?.();
    while (grant === null) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(100, Math.floor(ttlMs / 4))));
      grant = await state.lease.acquire(ttlMs);
    }
  }
  const held = grant;
  if (state.kind === 'local') {
    return {
      epoch: held.epoch,
      advertise: (addresses) => state.lease.renew(held, ttlMs, addresses),
      release: () => state.lease.release(held),
    };
  }
  let lastRenewed = Date.now();
  let lost = false;
  // Carried by every renewal: a record lost with its key (a Redis restarted without AOF) comes back.
  let advertised: LeaderAddresses | undefined;
  const timer = setInterval(
    () => {
      state.lease.renew(held, ttlMs, advertised).then(
        (ok) => {
          if (ok) {
            lastRenewed = Date.now();
            return;
          }
          if (lost) return;
          lost = true;
          clearInterval(timer);
          log.error(
            { state: state.where, epoch: held.epoch },
            'the state store lease was taken by another coordinator; this one can no longer write',
          );
          options.onLost?.();
        },
        (err: unknown) => {
          // Redis unreachable: keep trying; past the TTL others may have taken over, and the epoch
          // fence refuses this coordinator's writes then.
          log.warn(
            { err, state: state.where, sinceRenewalMs: Date.now() - lastRenewed },
            'cannot renew the state store lease',
          );
        },
      );
    },
    Math.max(50, Math.floor(ttlMs / 3)),
  );
  timer.unref();
  return {
    epoch: held.epoch,
    async advertise(addresses) {
      advertised = addresses;
      if (lost) return false;
      return state.lease.renew(held, ttlMs, addresses);
    },
    async release() {
      clearInterval(timer);
      if (!lost) await state.lease.release(held).catch(() => {});
    },
  };
}
