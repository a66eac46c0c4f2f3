/**
 * Where a Redis state store keeps what. Every key of one store carries the hash tag
 * `{laminar-state:<name>}`, so on a Redis Cluster they all live in one hash slot and each write
 * is one atomic script over keys of that slot:
 *
 *   {laminar-state:<name>}:format                    format version ("1")
 *   {laminar-state:<name>}:id                        the store's identity (32 hex)
 *   {laminar-state:<name>}:epoch                     the current coordinator epoch (fencing token)
 *   {laminar-state:<name>}:lease                     the lease holder's token, with a TTL
 *   {laminar-state:<name>}:leader                    the holder's epoch and advertised addresses, same TTL
 *   {laminar-state:<name>}:meta                      the metadata document (JSON)
 *   {laminar-state:<name>}:meta:version              times it was written
 *   {laminar-state:<name>}:job:<scope>:gen           the job's generation
 *   {laminar-state:<name>}:job:<scope>:identity      the job's identity (owner of its fences)
 *   {laminar-state:<name>}:job:<scope>:checkpoints   hash: checkpoint id → manifest (version, chunks, bytes)
 *   {laminar-state:<name>}:job:<scope>:high          the highest checkpoint id ever published
 *   {laminar-state:<name>}:job:<scope>:chunk:<version>:<n>   the n-th chunk of a checkpoint version
 */
import { StateStoreError } from './state-errors.js';

/** A store name: what follows `laminar-state:` in the hash tag. */
export const STORE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** A job scope: `tables/<id>`, `pipelines/<id>`, or any such path. */
const SCOPE = /^[A-Za-z0-9_.:/-]{1,200}$/;

/** The keys of one store. */
export class StateKeys {
  readonly tag: string;
  readonly format: string;
  readonly id: string;
  readonly epoch: string;
  readonly lease: string;
  readonly leader: string;
  readonly meta: string;
  readonly metaVersion: string;

  constructor(readonly name: string) {
    if (!STORE_NAME.test(name)) {
      throw new StateStoreError(
        'ERR_STATE_URL',
        'a state store name is 1 to 64 letters, digits, `_`, `.` or `-`',
      );
    }
    this.tag = `{laminar-state:${name}}`;
    this.format = `${this.tag}:format`;
    this.id = `${this.tag}:id`;
    this.epoch = `${this.tag}:epoch`;
    this.lease = `${this.tag}:lease`;
    this.leader = `${this.tag}:leader`;
    this.meta = `${this.tag}:meta`;
    this.metaVersion = `${this.tag}:meta:version`;
  }

  /** The keys of one job scope. */
  job(scope: string): JobKeys {
    if (!SCOPE.test(scope) || scope.includes('{') || scope.includes('}')) {
      throw new StateStoreError('ERR_STATE_URL', `invalid job scope for the state store`);
    }
    const base = `${this.tag}:job:${scope}`;
    return {
      generation: `${base}:gen`,
      identity: `${base}:identity`,
      checkpoints: `${base}:checkpoints`,
      high: `${base}:high`,
      chunkPrefix: `${base}:chunk:`,
    };
  }
}

/** The keys of one job scope (see the file comment). */
export interface JobKeys {
  generation: string;
  identity: string;
  checkpoints: string;
  high: string;
  /** `<chunkPrefix><version>:<n>` is a chunk. */
  chunkPrefix: string;
}

/** The key of chunk `n` of checkpoint version `version`. */
export function chunkKey(keys: JobKeys, version: string, n: number): string {
  return `${keys.chunkPrefix}${version}:${n}`;
}
