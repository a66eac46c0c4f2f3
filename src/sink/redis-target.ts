import type { RedisTransport } from '../resp/target.js';

/**
 * What the sink writes through: a standalone client or a cluster client, behind the one
 * transport interface (the sink asks it for capabilities, never for its class).
 */
export type RedisTarget = RedisTransport;

/** Connects a profile, `{{ VAR }}` secrets resolved from the environment now (never stored). */
export { connectProfile } from '../schema/connect.js';
