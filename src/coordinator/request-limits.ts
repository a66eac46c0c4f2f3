/**
 * Bounds on what callers of the control API send, checked before anything else looks at it: ids
 * and names (length and characters) and the nesting of JSON bodies. A 100 KB id echoed in a
 * NOT_FOUND message made a gRPC status too large to send (the call was never answered); a
 * deeply nested body overflowed the stack of whatever walked it next (a 500).
 */
import { nestedTooDeep } from '../plan/json-depth.js';
import { invalidArgument } from '../wire/control-errors.js';

/** Longest name of a profile, table or pipeline. */
export const MAX_NAME_LENGTH = 128;

/** Names of profiles, tables and pipelines: letters, digits, `_ . : -`. */
export const NAME_PATTERN = /^[A-Za-z0-9_.:-]+$/;

/**
 * Longest id or name a lookup takes: a name, or `<pipeline>/<source>` for a pipeline's ingest
 * source.
 */
export const MAX_REF_LENGTH = 2 * MAX_NAME_LENGTH + 1;

/** Deepest nesting of arrays and objects in a request body. */
export const MAX_BODY_DEPTH = 64;

/**
 * Checks an id or name given to look something up. Stored names are not re-checked against
 * {@link NAME_PATTERN} here, so records created before it stay reachable.
 *
 * @throws ControlError `ERR_INVALID_ARGUMENT`, quoting nothing of the value but its length.
 */
export function checkRef(ref: string): void {
  if (ref.length === 0 || ref.length > MAX_REF_LENGTH) {
    throw invalidArgument(`an id or name must have 1 to ${MAX_REF_LENGTH} characters (got ${ref.length})`);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
  if (/[\u0000-\u001f\u007f]/.test(ref))
    throw invalidArgument('an id or name must not contain control characters');
}

/**
 * Checks the name of a new profile, table or pipeline.
 *
 * @throws ControlError `ERR_INVALID_ARGUMENT` naming the kind, quoting nothing of a long name.
 */
export function checkName(kind: string, name: string): void {
  if (name.length > MAX_NAME_LENGTH) {
    throw invalidArgument(
      `${kind} name must have at most ${MAX_NAME_LENGTH} characters (got ${name.length})`,
    );
  }
  if (!NAME_PATTERN.test(name)) {
    throw invalidArgument(`${kind} name '${name}' may only contain letters, digits, '_', '.', ':' and '-'`);
  }
}

/**
 * Checks the nesting of a request body.
 *
 * @throws ControlError `ERR_INVALID_ARGUMENT` naming where it nests too deep (`spec.sources[0]...`).
 */
export function checkDepth(what: string, body: unknown): void {
  const at = nestedTooDeep(body, MAX_BODY_DEPTH);
  if (at !== undefined) throw invalidArgument(`${what}${at}: nests deeper than ${MAX_BODY_DEPTH} levels`);
}
