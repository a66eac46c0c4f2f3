/**
 * Scripts of several SQL statements: where each statement is in the text. The parser gives spans
 * to identifiers and literals, not to whole statements, so statement bounds are found from the
 * spans they contain (sql-tree.ts reads them).
 */

import type { SqlPosition } from './errors.js';
import { commentSpans } from './sql-parser.js';
import { extent } from './sql-tree.js';

/**
 * Offsets (UTF-16 code units) of the start of every line, for turning the parser's positions
 * into string indices. Columns count code points, as the parser (Rust `char`s) does.
 */
export class SqlText {
  readonly #lineStarts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.#lineStarts.push(i + 1);
  }

  /** The string index of a 1-based line and column (clamped to the text). */
  offset(p: SqlPosition): number {
    const lineStart = this.#lineStarts[Math.min(p.line, this.#lineStarts.length) - 1] ?? this.text.length;
    let i = lineStart;
    for (let col = 1; col < p.column && i < this.text.length; col++) {
      i += (this.text.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
    }
    return i;
  }
}

/**
 * The text range `[start, end)` of each statement. Between the last span of one statement and
 * the first of the next there are only keywords, punctuation and comments, so the `;` outside a
 * comment in that gap is where one statement ends; the first starts at 0 and the last ends at
 * the end of the text.
 */
export function statementRanges(sql: string, statements: readonly unknown[]): Array<[number, number]> {
  const text = new SqlText(sql);
  const comments: Array<[number, number]> = commentSpans(sql).map((c) => [
    text.offset({ line: c.startLine, column: c.startColumn }),
    text.offset({ line: c.endLine, column: c.endColumn }),
  ]);
  const inComment = (i: number) => comments.some(([s, e]) => i >= s && i < e);
  const extents = statements.map((s) => extent(s));
  const ranges: Array<[number, number]> = [];
  let start = 0;
  for (let k = 0; k < statements.length; k++) {
    let end = sql.length;
    if (k + 1 < statements.length) {
      const from = extents[k] === undefined ? start : text.offset(extents[k]!.end);
      const next = extents[k + 1];
      const to = next === undefined ? sql.length : text.offset(next.start);
      for (let i = from; i < to; i++) {
        if (sql.charCodeAt(i) === 59 /* ; */ && !inComment(i)) {
          end = i + 1;
          break;
        }
      }
    }
    ranges.push([start, end]);
    start = end;
  }
  return ranges;
}

/**
 * The script with everything outside `[start, end)` blanked (newlines kept): parsing it gives
 * the one statement, and its errors carry the line and column of the whole script.
 */
export function isolate(sql: string, [start, end]: [number, number]): string {
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  return blank(sql.slice(0, start)) + sql.slice(start, end) + blank(sql.slice(end));
}
