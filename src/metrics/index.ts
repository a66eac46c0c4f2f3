/**
 * Observability: one process-wide Prometheus registry ({@link metricsRegistry}) with default Node
 * process metrics and laminar's instruments, and {@link metricsText} for a `/metrics` endpoint.
 * docs/metrics.md lists every metric.
 */
export * from './instruments.js';
export { metricsRegistry, metricsText } from './registry.js';
export { errorCodeLabel, SinkMetrics } from './sink-metrics.js';
