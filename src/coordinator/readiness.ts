/**
 * The coordinator's readiness, as `/readyz` reports it: ready once its metadata is loaded and
 * its gRPC and HTTP servers listen, until it starts stopping, and while every other part says so.
 * Leadership between coordinators is meant to be such a part ("leader, or follower ready"); a
 * coordinator without one is always the leader.
 */
import { allReady, notReady, READY, type Readiness, type ReadinessState } from '../wire/readiness.js';

type Phase = 'starting' | 'serving' | 'stopping';

const STARTING = notReady('starting');
const STOPPING = notReady('stopping');

/** The coordinator's lifecycle, then its other parts. */
export class CoordinatorReadiness implements Readiness {
  #phase: Phase = 'starting';
  readonly #parts: Readiness;

  /** @param parts conditions checked, in order, once the coordinator serves. */
  constructor(parts: readonly Readiness[] = []) {
    this.#parts = allReady(parts);
  }

  /** Metadata loaded, servers listening. */
  serving(): void {
    if (this.#phase === 'starting') this.#phase = 'serving';
  }

  /** Stopping: take no new traffic (a Service drops the pod before its servers close). */
  stopping(): void {
    this.#phase = 'stopping';
  }

  ready(): ReadinessState {
    if (this.#phase === 'starting') return STARTING;
    if (this.#phase === 'stopping') return STOPPING;
    const parts = this.#parts.ready();
    return parts.ok ? READY : parts;
  }
}
