/**
 * Errors about configuration, raised in the spelling of the front door the user wrote it in
 * (JSON body, SQL `WITH` option, TypeScript field): every validator reports through one.
 */

import { suggestionSuffix } from './did-you-mean.js';
import { SinkConfigError, type SqlPosition } from './errors.js';
import { hasMalformedReference } from './secrets.js';

/** How one front door spells its options; messages use the user's own spelling. */
export interface Door<F extends string = string> {
  option(field: F): string;
  /** Where the field was written (SQL DDL only). */
  position?(field: F): SqlPosition | undefined;
  /** SQL option values are text: `'86400'` is a number there, while JSON needs `86400`. */
  numbersAsText: boolean;
}

/** Who the error is about: a table (profile options written inside it count as its own) or a profile. */
export type Subject = { table: string } | { profile: string } | { unnamed: true };

/** Options that hold (or may hold) secrets: their values are never part of a message. */
const SECRET_FIELDS: ReadonlySet<string> = new Set([
  'address',
  'addresses',
  'username',
  'password',
  'sentinels',
  'sentinelUsername',
  'sentinelPassword',
]);

/** Raises errors about one subject in one door's spelling. */
export class Reporter<F extends string = string> {
  constructor(
    readonly subject: Subject,
    readonly door: Door<F>,
  ) {}

  fail(field: F | undefined, problem: string, cause?: unknown): never {
    throw new SinkConfigError(problem, {
      ...this.context(),
      option: field === undefined ? undefined : this.door.option(field),
      position: field === undefined ? undefined : this.door.position?.(field),
      cause,
    });
  }

  /** A problem with an option that is not one of the canonical fields (a JSON object level, a column). */
  failOption(option: string, problem: string, position?: SqlPosition): never {
    throw new SinkConfigError(problem, { ...this.context(), option, position });
  }

  private context(): { table?: string; profile?: string } {
    if ('table' in this.subject) return { table: this.subject.table };
    if ('profile' in this.subject) return { profile: this.subject.profile };
    return {};
  }

  /** The value as an object, or an error naming `path`. */
  object(path: string, value: unknown, what = 'an object'): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.failOption(path, `must be ${what} (${gotType(value)})`);
    }
    return value as Record<string, unknown>;
  }

  /** Rejects keys outside `known`, suggesting the closest; a key set to `undefined` counts as absent. */
  knownKeys(obj: Record<string, unknown>, known: readonly string[], path: string): void {
    for (const key of Object.keys(obj)) {
      if (!known.includes(key) && obj[key] !== undefined) {
        this.unknown(
          path + key,
          known.map((k) => path + k),
        );
      }
    }
  }

  /** An option this door does not know, with a suggestion drawn from those it does. */
  unknown(option: string, known: readonly string[], position?: SqlPosition): never {
    throw new SinkConfigError(`is not a known option${suggestionSuffix(option, known)}`, {
      ...this.context(),
      option,
      position,
    });
  }

  /** `(got 'x')` for harmless values; a bare type description for secrets. */
  got(field: F | undefined, value: unknown): string {
    if (field !== undefined && SECRET_FIELDS.has(field)) return gotType(value);
    if (typeof value === 'string') {
      const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
      return `got '${shown}'`;
    }
    if (typeof value === 'number' || typeof value === 'boolean') return `got ${String(value)}`;
    return `got ${describeType(value)}`;
  }

  string(field: F, value: unknown, { required = false, nonEmpty = true } = {}): string | undefined {
    if (value === undefined) {
      if (required) this.fail(field, 'is required');
      return undefined;
    }
    if (typeof value !== 'string') this.fail(field, `must be a string (${this.got(field, value)})`);
    if (nonEmpty && value === '') this.fail(field, 'must not be empty');
    if (SECRET_FIELDS.has(field) && hasMalformedReference(value)) {
      this.fail(
        field,
        'has a malformed {{ VAR }} reference (expected {{ NAME }} with NAME of letters, digits, _)',
      );
    }
    return value;
  }

  positiveInteger(field: F, value: unknown): number | undefined {
    if (value === undefined) return undefined;
    let n: number | undefined;
    if (typeof value === 'number') n = value;
    else if (typeof value === 'string' && this.door.numbersAsText && /^\s*[-+]?\d+(\.\d+)?\s*$/.test(value)) {
      n = Number(value);
    }
    if (n === undefined) {
      const expected = this.door.numbersAsText ? 'a positive integer' : 'a positive integer (a JSON number)';
      this.fail(field, `must be ${expected} (${this.got(field, value)})`);
    }
    if (!Number.isSafeInteger(n) || n <= 0)
      this.fail(field, `must be a positive integer (${this.got(field, value)})`);
    return n;
  }

  /** Case-insensitive choice among `choices` (canonical spelling of each). */
  oneOf<T extends string>(field: F, value: unknown, choices: readonly T[]): T | undefined {
    if (value === undefined) return undefined;
    const list = choices.map((c) => `'${c}'`).join(', ');
    if (typeof value !== 'string') this.fail(field, `must be one of ${list} (${this.got(field, value)})`);
    const found = choices.find((c) => c.toLowerCase() === value.toLowerCase());
    if (found === undefined) this.fail(field, `must be one of ${list} (${this.got(field, value)})`);
    return found;
  }
}

/** `got a string`: the kind of value only, for values that may hold anything (a whole body). */
export function gotType(value: unknown): string {
  return `got ${describeType(value)}`;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return `a ${typeof value}`;
}
