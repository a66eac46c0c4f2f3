/**
 * Observability: one process-wide Prometheus registry ({@link metricsRegistry}) with default Node
 * process metrics and laminar's instruments, and {@link metricsText} for a `/metrics` endpoint.
 * docs/metrics.md lists every metric.
 */
export * from './metrics/instruments.js';
export { metricsRegistry, metricsText } from './metrics/registry.js';
export { errorCodeLabel, SinkMetrics } from './metrics/sink-metrics.js';
