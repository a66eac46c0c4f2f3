import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The process's one metrics registry: every laminar instrument, plus prom-client's default Node
 * process metrics (CPU, memory, event-loop lag, GC, handles). Each coordinator or worker process
 * has its own; scrape each process.
 */
export const metricsRegistry = new Registry();

collectDefaultMetrics({ register: metricsRegistry });

/** The registry in the Prometheus text exposition format, for an HTTP `GET /metrics`. */
export async function metricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: metricsRegistry.contentType, body: await metricsRegistry.metrics() };
}
