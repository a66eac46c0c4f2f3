/**
 * How a source's rows say what they do to the table (docs/changelogs.md): Debezium-style
 * envelopes, or plain rows with an operation column. A source without one reads every row as an
 * insert.
 */
import { JobSpecError } from './job-spec-error.js';

/** The formats of a changelog source. */
export const CHANGELOG_FORMATS = ['debezium', 'json'] as const;

/**
 * What an update must carry. `retract` (default): the old row too (Debezium's `before`), since
 * a GROUP BY takes it back out of its groups; `upsert`: the new row is enough (the key says what
 * it replaces), for queries that write rows as they come.
 */
export const CHANGELOG_UPDATES = ['retract', 'upsert'] as const;

/** What a bad envelope does: fail the job (default), or skip the line. */
export const CHANGELOG_ON_ERROR = ['fail', 'skip'] as const;

export interface ChangelogFormat {
  /**
   * `debezium`: each line is an envelope (`before`, `after`, `op` = c/r/u/d), bare, wrapped in
   * `payload` (the JSON converter's form), or as `{ "key": ..., "value": envelope | null }` (a
   * null value is a tombstone: the key's row is deleted). `json`: plain rows whose
   * {@link opColumn} holds the operation.
   */
  format: (typeof CHANGELOG_FORMATS)[number];
  /** The operation column of `json` rows (c/r/u/d, or `+I`, `-U`, `+U`, `-D`); it is removed from the row. */
  opColumn?: string;
  updates?: (typeof CHANGELOG_UPDATES)[number];
  onError?: (typeof CHANGELOG_ON_ERROR)[number];
}

/** Parses the `changelog` object of a source in a job spec. */
export function parseChangelogFormat(v: unknown, at: string): ChangelogFormat | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new JobSpecError(at, 'must be an object');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!['format', 'opColumn', 'updates', 'onError'].includes(k))
      throw new JobSpecError(`${at}.${k}`, 'is not a known field (format, opColumn, updates, onError)');
  }
  const format = oneOf(o.format, CHANGELOG_FORMATS, `${at}.format`);
  if (format === undefined)
    throw new JobSpecError(`${at}.format`, `is required (${CHANGELOG_FORMATS.join(', ')})`);
  const opColumn = o.opColumn;
  if (format === 'json' && (typeof opColumn !== 'string' || opColumn === '')) {
    throw new JobSpecError(
      `${at}.opColumn`,
      "is required with format 'json' (the column holding the operation)",
    );
  }
  if (format === 'debezium' && opColumn !== undefined) {
    throw new JobSpecError(`${at}.opColumn`, "is for format 'json' (a Debezium envelope has its own 'op')");
  }
  const out: ChangelogFormat = { format };
  if (typeof opColumn === 'string') out.opColumn = opColumn;
  const updates = oneOf(o.updates, CHANGELOG_UPDATES, `${at}.updates`);
  if (updates !== undefined) out.updates = updates;
  const onError = oneOf(o.onError, CHANGELOG_ON_ERROR, `${at}.onError`);
  if (onError !== undefined) out.onError = onError;
  return out;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], at: string): T | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new JobSpecError(
      at,
      `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(v)}`,
    );
  }
  return v as T;
}
