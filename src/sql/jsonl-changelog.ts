/**
 * The changelog options of a `jsonl` source table (docs/changelogs.md): `'source.format'`
 * (`json`, the default, or `debezium`), `'source.op_column'` (a `json` changelog's operation
 * column), `'source.updates'` (`retract` or `upsert`) and `'source.on_error'` (`fail` or `skip`).
 */
import { CHANGELOG_ON_ERROR, CHANGELOG_UPDATES, type ChangelogFormat } from '../plan/changelog-format.js';
import type { SqlOption } from '../schema/sql-tree.js';
import { PipelineSqlError } from './errors.js';

export const JSONL_CHANGELOG_OPTIONS = [
  'source.format',
  'source.op_column',
  'source.updates',
  'source.on_error',
];

/** The table's changelog format, or undefined when its rows are plain inserts. */
export function jsonlChangelog(
  table: string,
  byKey: ReadonlyMap<string, SqlOption>,
): ChangelogFormat | undefined {
  const value = (key: string, allowed: readonly string[]): string | undefined => {
    const o = byKey.get(key);
    if (o === undefined) return undefined;
    const v = o.value ?? '';
    if (!allowed.includes(v)) {
      throw new PipelineSqlError(
        `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got '${v}'`,
        table,
        key,
        o.valueSpan?.start,
      );
    }
    return v;
  };
  const format = value('source.format', ['json', 'debezium']) ?? 'json';
  const opColumn = byKey.get('source.op_column');
  const updates = value('source.updates', CHANGELOG_UPDATES) as ChangelogFormat['updates'];
  const onError = value('source.on_error', CHANGELOG_ON_ERROR) as ChangelogFormat['onError'];
  if (format === 'debezium' && opColumn !== undefined) {
    throw new PipelineSqlError(
      "is for 'source.format' = 'json' (a Debezium envelope has its own 'op')",
      table,
      'source.op_column',
      opColumn.valueSpan?.start,
    );
  }
  if (format === 'json' && (opColumn?.value ?? '') === '') {
    const given = updates !== undefined || onError !== undefined;
    if (!given && opColumn === undefined) return undefined;
    throw new PipelineSqlError(
      "is needed for a changelog of plain JSON rows (the column holding c/r/u/d or +I/-U/+U/-D), or set 'source.format' = 'debezium'",
      table,
      'source.op_column',
      opColumn?.valueSpan?.start,
    );
  }
  const out: ChangelogFormat = { format: format as ChangelogFormat['format'] };
  if (format === 'json') out.opColumn = opColumn!.value;
  if (updates !== undefined) out.updates = updates;
  if (onError !== undefined) out.onError = onError;
  return out;
}
