/**
 * The options several types share (the key template, TTLs), checked and applied the same way for
 * each: a writer lists them among its options and calls these.
 */

import type { Arg, Command } from '../../resp/reply.js';
import type { KeyTemplateOption, RowShape, TargetChecks, TargetOption, TtlOptions } from './writer.js';

/** The key template's option. */
export const KEY_TEMPLATE_OPTION = { field: 'keyTemplate', sql: 'sink.key_template', shared: true } as const;

/** The TTL options of every keyed type. */
export const TTL_OPTIONS = [
  { field: 'ttlSecs', sql: 'sink.ttl_secs', shared: true },
  { field: 'ttlColumn', sql: 'sink.ttl_column', shared: true },
  { field: 'ttlKind', sql: 'sink.ttl_kind', shared: true },
  { field: 'ttlRefresh', sql: 'sink.ttl_refresh', shared: true },
] as const;

/** The options every keyed type shares: the key template, then the TTLs. */
export const KEYED_OPTIONS = [KEY_TEMPLATE_OPTION, ...TTL_OPTIONS] as const;

/** The write-mode option (types whose command has NX/XX). */
export const WRITE_MODE_OPTION = { field: 'writeMode', sql: 'sink.write_mode', shared: true } as const;
export type WriteMode = 'upsert' | 'if_absent' | 'if_present';
export const WRITE_MODES: readonly WriteMode[] = ['upsert', 'if_absent', 'if_present'];

/** The member column of sets and sorted sets. */
export const MEMBER_COLUMN_OPTION = {
  field: 'memberColumn',
  sql: 'sink.member_column',
  shared: true,
} as const;

/** Options of `T` as a writer lists them (the shared constants are typed by their field names). */
export function optionsOf<T>(...options: readonly { field: string; sql: string; shared?: true }[]) {
  return options as readonly TargetOption<T>[];
}

/** How each row's key is made: prefix (+ column), or a template. */
export interface KeyChoice {
  prefix: string;
  column?: string;
  template?: string;
}

/**
 * Checks the key options: a prefix and maybe a key column, or a key template instead of both.
 * `F` are the field names of the type at hand.
 */
export function checkKey<F extends string>(
  c: TargetChecks<F | 'keyTemplate'>,
  prefixField: F,
  columnField: F,
): KeyChoice {
  if (c.has('keyTemplate')) {
    for (const f of [prefixField, columnField]) {
      if (c.has(f))
        c.fail(
          f,
          `does not apply with ${c.option('keyTemplate')} (give ${c.option(prefixField)} and ${c.option(columnField)}, or the template)`,
        );
    }
    return { prefix: '', template: c.template('keyTemplate')! };
  }
  const prefix = c.prefix(prefixField, true)!;
  const column = c.column(columnField, false);
  return column === undefined ? { prefix } : { prefix, column };
}

/** Checks the TTL options; returns those given. */
export function checkTtl<F extends string>(c: TargetChecks<F | keyof TtlOptions>): TtlOptions {
  const out: TtlOptions = {};
  const ttlSecs = c.positiveInteger('ttlSecs');
  const ttlColumn = c.column('ttlColumn', false);
  if (ttlSecs !== undefined && ttlColumn !== undefined) {
    c.fail('ttlColumn', `does not apply with ${c.option('ttlSecs')}: give one TTL, fixed or per row`);
  }
  const ttlKind = c.choice('ttlKind', ['seconds', 'timestamp'] as const, false);
  if (ttlKind !== undefined && ttlColumn === undefined)
    c.fail('ttlKind', `applies only with ${c.option('ttlColumn')}`);
  if (ttlColumn !== undefined) {
    const declared = c.columnType(ttlColumn);
    const fits = ttlKind === 'timestamp' ? ['TIMESTAMP', 'BIGINT', 'TEXT'] : ['BIGINT', 'INTEGER'];
    if (declared !== undefined && !fits.includes(declared)) {
      c.fail(
        'ttlColumn',
        `names column '${ttlColumn}' of type ${declared}; a TTL in ${ttlKind === 'timestamp' ? 'a timestamp must be TIMESTAMP, BIGINT (milliseconds) or TEXT (ISO-8601)' : 'seconds must be BIGINT or INTEGER'}`,
      );
    }
  }
  const ttlRefresh = c.choice('ttlRefresh', ['always', 'on_create'] as const, false);
  if (ttlRefresh !== undefined && ttlSecs === undefined && ttlColumn === undefined) {
    c.fail('ttlRefresh', `applies only with ${c.option('ttlSecs')} or ${c.option('ttlColumn')}`);
  }
  if (ttlSecs !== undefined) out.ttlSecs = ttlSecs;
  if (ttlColumn !== undefined) out.ttlColumn = ttlColumn;
  if (ttlKind !== undefined) out.ttlKind = ttlKind;
  if (ttlRefresh !== undefined) out.ttlRefresh = ttlRefresh;
  return out;
}

/** The per-row TTL of a shape, when the table takes it from a column. */
export function ttlShape(t: TtlOptions): Pick<RowShape, 'ttl'> {
  return t.ttlColumn === undefined ? {} : { ttl: { column: t.ttlColumn, kind: t.ttlKind ?? 'seconds' } };
}

/** Whether the table sets a TTL at all. */
export function hasTtl(t: TtlOptions): boolean {
  return t.ttlSecs !== undefined || t.ttlColumn !== undefined;
}

/**
 * The command giving `key` its TTL after a flush: from `ttlSecs`, or from `ttl`, the last row's
 * per-row TTL (seconds, or ms since the epoch). `NX` with `on_create`: only a key without a TTL
 * gets one (Redis 7).
 */
export function expireCommand(t: TtlOptions, key: string | Buffer, ttl: number | undefined): Command {
  const cmd: Arg[] =
    t.ttlSecs !== undefined
      ? ['EXPIRE', key, t.ttlSecs]
      : t.ttlKind === 'timestamp'
        ? ['PEXPIREAT', key, ttl!]
        : ['EXPIRE', key, ttl!];
  if (t.ttlRefresh === 'on_create') cmd.push('NX');
  return cmd;
}

/** The key options as a target holds them. */
export function keyFields<P extends string, C extends string>(
  k: KeyChoice,
  prefixField: P,
  columnField: C,
): Partial<Record<P | C, string>> & KeyTemplateOption {
  if (k.template !== undefined)
    return { keyTemplate: k.template } as Partial<Record<P | C, string>> & KeyTemplateOption;
  const out: Partial<Record<P | C, string>> = { [prefixField]: k.prefix } as Partial<Record<P | C, string>>;
  if (k.column !== undefined) out[columnField] = k.column;
  return out;
}

/** Column types that hold numbers. */
export const NUMERIC_TYPES: readonly string[] = ['BIGINT', 'INTEGER', 'DOUBLE'];
