/**
 * Readiness: whether a process should be sent traffic now. The coordinator and workers each
 * compose theirs from small parts (started, registered, later leadership), and the probe routes
 * (probes.ts) only ask the composed one, so a new condition never touches HTTP code.
 */

/** The answer of a readiness check. */
export interface ReadinessState {
  readonly ok: boolean;
  /**
   * Why not, when `ok` is false: a fixed phrase such as `starting` or `not registered with the
   * coordinator`. It is shown to anyone who asks (probes carry no token), so it never holds an
   * address, a name given by a user, or a secret.
   */
  readonly reason?: string;
}

/** One condition a process needs before it takes traffic. Cheap and synchronous: probes call it often. */
export interface Readiness {
  ready(): ReadinessState;
}

/** The state of something ready. */
export const READY: ReadinessState = Object.freeze({ ok: true });

/** A state that is not ready, for `reason` (see {@link ReadinessState.reason}). */
export function notReady(reason: string): ReadinessState {
  return { ok: false, reason };
}

/** Ready when every part is; otherwise the first unready part's state, in the order given. */
export function allReady(parts: readonly Readiness[]): Readiness {
  return {
    ready() {
      for (const part of parts) {
        const state = part.ready();
        if (!state.ok) return state;
      }
      return READY;
    },
  };
}
