/**
 * Process-wide counts of routing and connection events, summed over every client of the process.
 * Plain numbers bumped where the event is handled (never per command); the metrics module reads
 * them when scraped, so the RESP layer needs no metrics library.
 */
export const respTotals = {
  /** `-MOVED` redirections followed. */
  moved: 0,
  /** `-ASK` redirections followed. */
  ask: 0,
  /** Transient cluster replies retried, by error prefix (TRYAGAIN, CLUSTERDOWN, LOADING, MASTERDOWN). */
  transient: {} as Record<string, number>,
  /** Cluster sub-batches resent because their node could not be reached (never written). */
  unreachable: 0,
  /** Reconnect attempts scheduled by standalone connections. */
  reconnects: 0,
};
