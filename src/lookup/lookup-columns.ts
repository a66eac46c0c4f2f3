/**
 * The columns of a lookup table and its key column: `METADATA FROM 'key'` (rewritten to a marked
 * comment, see metadata-syntax.ts), a `PRIMARY KEY` column option, or a one-column `PRIMARY KEY (c)`
 * constraint. Exactly one key column; other constraints are refused.
 */

import { suggestionSuffix } from '../schema/did-you-mean.js';
import type { SqlPosition } from '../schema/errors.js';
import type { Reporter } from '../schema/reporter.js';
import { columnHead } from '../schema/sql-parser.js';
import { type Ident, ident, isNode, type Node } from '../schema/sql-tree.js';
import type { Column } from '../schema/sql-type.js';
import { metadataName } from './metadata-syntax.js';
import type { KeySource } from './model.js';

/** Key column types: the join value's text must read back as the column's value. */
export const KEY_TYPES: readonly string[] = ['TEXT', 'INTEGER', 'BIGINT'];

interface KeyMark {
  name: string;
  source: KeySource;
  position: SqlPosition | undefined;
}

/** The declared columns and the key column, or an error naming the column. */
export function tableColumns(
  r: Reporter,
  node: Node,
): { columns: Column[]; keyColumn: string; keySource: KeySource } {
  const defs = Array.isArray(node.columns) ? node.columns : [];
  if (defs.length === 0) r.failOption('columns', 'must declare the key column and at least one value column');
  const columns: Column[] = [];
  const marks: KeyMark[] = [];
  const mark = (m: KeyMark) => {
    const other = marks.find((k) => k.name !== m.name);
    if (other !== undefined) {
      r.failOption(
        'columns',
        `declares two key columns ('${other.name}' and '${m.name}'); a lookup table has one key column`,
        m.position,
      );
    }
    marks.push(m);
  };
  for (const def of defs) {
    const { name, type, options } = columnHead(r, def);
    if (columns.some((c) => c.name === name.value)) {
      r.failOption('columns', `declares column '${name.value}' twice`, name.position);
    }
    let nullable = true;
    for (const o of options) {
      const option = isNode(o) ? o.option : undefined;
      if (option === 'NotNull') nullable = false;
      else if (option === 'Null') nullable = true;
      else if (isNode(option) && isNode(option.PrimaryKey)) {
        mark({ name: name.value, source: 'primary_key', position: name.position });
      } else if (
        isNode(option) &&
        typeof option.Comment === 'string' &&
        metadataName(option.Comment) !== undefined
      ) {
        const meta = metadataName(option.Comment)!;
        if (meta.toLowerCase() !== 'key') {
          r.failOption(
            'columns',
            `declares column '${name.value}' METADATA FROM '${meta}'; a Redis lookup table offers only METADATA FROM 'key'`,
            name.position,
          );
        }
        if (type !== 'TEXT') {
          r.failOption(
            'columns',
            `declares column '${name.value}' METADATA FROM 'key' with type ${type}; the Redis key is TEXT`,
            name.position,
          );
        }
        mark({ name: name.value, source: 'metadata', position: name.position });
      } else {
        r.failOption(
          'columns',
          `declares column '${name.value}' with a constraint other than NULL, NOT NULL, PRIMARY KEY or METADATA FROM 'key'`,
          name.position,
        );
      }
    }
    columns.push({ name: name.value, type, nullable });
  }
  for (const c of Array.isArray(node.constraints) ? node.constraints : []) {
    const pk = isNode(c) && isNode(c.PrimaryKey) ? c.PrimaryKey : undefined;
    const cols = pk !== undefined && Array.isArray(pk.columns) ? pk.columns.map(constraintColumn) : [];
    if (pk === undefined || cols.length !== 1 || cols[0] === undefined) {
      r.failOption(
        'columns',
        'declares a table constraint other than PRIMARY KEY (one column); a lookup table supports only its key column',
      );
    }
    const col = cols[0];
    if (!columns.some((x) => x.name === col.value)) {
      const known = columns.map((x) => x.name);
      r.failOption(
        'columns',
        `declares PRIMARY KEY (${col.value}), which is not a column${suggestionSuffix(col.value, known)}`,
        col.position,
      );
    }
    mark({ name: col.value, source: 'primary_key', position: col.position });
  }
  if (marks.length === 0) {
    r.failOption(
      'columns',
      `declares no key column: mark the column the join compares with METADATA FROM 'key' or PRIMARY KEY`,
    );
  }
  const keyColumn = marks[0].name;
  const keySource: KeySource = marks.some((m) => m.source === 'metadata') ? 'metadata' : 'primary_key';
  const key = columns.find((c) => c.name === keyColumn)!;
  if (!KEY_TYPES.includes(key.type)) {
    r.failOption(
      'columns',
      `declares key column '${keyColumn}' with type ${key.type}; a key column is ${KEY_TYPES.join(', ')}`,
      marks[0].position,
    );
  }
  return { columns, keyColumn, keySource };
}

function constraintColumn(c: unknown): Ident | undefined {
  // `PRIMARY KEY (id)`: an index column `{ column: { expr: { Identifier } } }`, or a bare identifier.
  if (isNode(c) && isNode(c.column) && isNode(c.column.expr)) return ident(c.column.expr);
  return ident(c);
}
