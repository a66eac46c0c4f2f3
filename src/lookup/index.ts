/**
 * Redis lookup tables for enrichment joins: the declaration (lookup-config.ts), the model
 * (model.ts), the cache (lookup-cache.ts) and the batch reader (redis-lookup.ts). See docs/lookup.md.
 */

export { LookupConfigError, LookupError, type LookupErrorContext, LookupValueError } from './errors.js';
export { joinKeyText } from './join-key.js';
export {
  type CacheClock,
  ENTRY_OVERHEAD,
  entryBytes,
  LookupCache,
  type LookupCacheOptions,
  type LookupCacheStats,
} from './lookup-cache.js';
export {
  isLookupTableStatement,
  LOOKUP_OPTIONS,
  lookupTableFromStatement,
  MAX_LOOKUP_ATTEMPTS,
  type ParseLookupTableOptions,
  parseLookupTable,
  parseLookupTableSync,
} from './lookup-config.js';
export { LookupRegistry, type LookupRegistryOptions } from './lookup-registry.js';
export { type LookupSpec, lookupTableOf, validateLookupModel } from './lookup-spec.js';
export { attemptTimeout, connectLookupTarget, type LookupTarget } from './lookup-target.js';
export { METADATA_MARKER, rewriteLookupSyntax } from './metadata-syntax.js';
export {
  type BadValuePolicy,
  DEFAULT_CACHE_MAX_BYTES,
  DEFAULT_LOOKUP_MAX_ATTEMPTS,
  DEFAULT_LOOKUP_TIMEOUT_MS,
  type HashFetch,
  type KeySource,
  type LookupCacheConfig,
  type LookupRow,
  type LookupTable,
  type LookupValueType,
  valueColumns,
} from './model.js';
export {
  createRedisLookup,
  DEFAULT_RETRY_DELAY_MS,
  type LookupStats,
  RedisLookup,
  type RedisLookupOptions,
} from './redis-lookup.js';
export { parseByteSize, parseDuration } from './units.js';
