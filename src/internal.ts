/** Internals for tests, benchmarks and tools. Not a stable API. */

export { generatedRow } from './dataflow/sources/generator.js';
export * from './metrics/index.js';
export { Connection } from './resp/connection.js';
export { Decoder, type DecoderOptions } from './resp/decoder.js';
export { CommandEncoder } from './resp/encoder.js';
export { parseClientOptions } from './resp/options.js';
export { respTotals } from './resp/totals.js';
export { formatAddress, parseRedisUrl } from './resp/url.js';
