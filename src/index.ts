/** Public embedding API of laminar-redis. */
export * from './resp/errors.js';
export type { Reply, Arg, Command } from './resp/reply.js';
