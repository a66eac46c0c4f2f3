/*
 * Servers must not outlive this process. 'exit' covers normal ends and process.exit(); a plain
 * SIGTERM (how vitest ends its forks) or SIGINT/SIGHUP ends Node without 'exit', so those get a
 * listener too. A listener disables Node's default of terminating; when ours is the only one we
 * re-raise the signal after removing it, so the process still ends as it would have.
 */

/** A running server as the guard sees it. */
export interface Guarded {
  /** Whether a signal another listener handles still kills this server. */
  readonly killOnSignals: boolean;
  /** Kills the server at once, synchronously (it may run inside an 'exit' listener). */
  killNow(): void;
}

const running = new Set<Guarded>();
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

function killAll(): void {
  for (const server of running) server.killNow();
  running.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  const alone = process.listenerCount(signal) === 1;
  if (!alone) {
    // Another listener keeps the process alive: servers whose owner handles signals stay up.
    for (const server of [...running]) {
      if (!server.killOnSignals) continue;
      server.killNow();
      unguard(server);
    }
    return;
  }
  killAll();
  unguard();
  process.kill(process.pid, signal);
}

/** Kills `server` when this process exits or is ended by a signal, until {@link unguard}. */
export function guard(server: Guarded): void {
  if (running.size === 0) {
    process.on('exit', killAll);
    for (const signal of SIGNALS) process.on(signal, onSignal);
  }
  running.add(server);
}

/** Stops guarding `server` (all servers when omitted); the listeners go with the last one. */
export function unguard(server?: Guarded): void {
  if (server !== undefined) running.delete(server);
  if (running.size === 0) {
    process.off('exit', killAll);
    for (const signal of SIGNALS) process.off(signal, onSignal);
  }
}
