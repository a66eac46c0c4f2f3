/**
 * `key_col TEXT METADATA FROM 'key'` — Arroyo's way of saying "this column is the Redis key" — is
 * not SQL the parser (datafusion-sqlparser-rs, as published) accepts: Arroyo parses it with a
 * fork. Before parsing, {@link rewriteLookupSyntax} turns each such clause into a column comment
 * with a marker, which the parser does accept and the lookup front door reads back:
 *
 * ```
 * id TEXT METADATA FROM 'key' PRIMARY KEY
 * id TEXT COMMENT '@meta:key' PRIMARY KEY     -- same length: later columns keep their positions
 * ```
 *
 * The rewrite skips string literals, quoted identifiers and comments, so an option value or a
 * comment that happens to contain the words is left alone. It keeps every line break, and on a
 * line where the clause is written with single spaces every position stays exact.
 */

/** Prefix of the comment a rewritten `METADATA FROM '<name>'` becomes. */
export const METADATA_MARKER = '@meta:';

/** `METADATA <ws> FROM <ws> '`, matched at a word start (sticky, case-insensitive). */
const CLAUSE = /METADATA(\s+)FROM(\s+)'/iy;
const HEAD = `COMMENT '${METADATA_MARKER}`;

/**
 * The SQL with every `METADATA FROM '<name>'` column clause replaced by `COMMENT '@meta:<name>'`.
 * Text without the clause is returned unchanged (the same string), so applying it to a whole
 * script before `parseStatements` is cheap and harmless.
 */
export function rewriteLookupSyntax(sql: string): string {
  if (!/metadata/i.test(sql)) return sql;
  let out = '';
  let copied = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === 0x27 /* ' */ || c === 0x22 /* " */ || c === 0x60 /* ` */) {
      i = skipQuoted(sql, i, c);
    } else if (c === 0x2d /* - */ && sql.charCodeAt(i + 1) === 0x2d) {
      const eol = sql.indexOf('\n', i);
      i = eol === -1 ? n : eol;
    } else if (c === 0x2f /* / */ && sql.charCodeAt(i + 1) === 0x2a /* * */) {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? n : end + 2;
    } else if ((c === 0x4d || c === 0x6d) /* M m */ && !isWordChar(sql.charCodeAt(i - 1))) {
      CLAUSE.lastIndex = i;
      const m = CLAUSE.exec(sql);
      if (m === null) {
        i++;
        continue;
      }
      const literalStart = CLAUSE.lastIndex - 1;
      const literalEnd = skipQuoted(sql, literalStart, 0x27);
      const literal = sql.slice(literalStart + 1, literalEnd); // name and closing quote
      const whitespace = m[1] + m[2];
      const original = sql.slice(i, literalEnd);
      let replacement = `${HEAD}${literal}`;
      // Keep line breaks so later lines keep their numbers; otherwise pad to the same length.
      if (whitespace.includes('\n'))
        replacement = `COMMENT${whitespace.replace(/[^\n]/g, '')} '${METADATA_MARKER}${literal}`;
      else replacement = replacement.padEnd(original.length, ' ');
      out += sql.slice(copied, i) + replacement;
      copied = literalEnd;
      i = literalEnd;
    } else {
      i++;
    }
  }
  return copied === 0 ? sql : out + sql.slice(copied);
}

/** The index after the quoted run starting at `start` (doubled quotes are escapes). */
function skipQuoted(sql: string, start: number, quote: number): number {
  let i = start + 1;
  for (;;) {
    const end = sql.indexOf(String.fromCharCode(quote), i);
    if (end === -1) return sql.length;
    if (sql.charCodeAt(end + 1) === quote) {
      i = end + 2;
      continue;
    }
    return end + 1;
  }
}

function isWordChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c > 0x7f
  );
}

/** The metadata name of a rewritten column comment (`'@meta:key'` → `key`), or undefined. */
export function metadataName(comment: string): string | undefined {
  return comment.startsWith(METADATA_MARKER) ? comment.slice(METADATA_MARKER.length) : undefined;
}
