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
 * comment that happens to contain the words is left alone. It keeps every line break and the
 * clause's length, so every offset, line and column after a clause is that of the original text
 * (a clause broken over lines right before its literal, as in `FROM\n'key'`, keeps offsets and
 * lines only; one with nothing but line breaks between its words, `METADATA\nFROM\n'key'`,
 * keeps lines only). A script whose rewrite has the original's length can therefore be parsed
 * rewritten and sliced or edited by the parser's positions in the original.
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
      const replacement = replacementOf(sql.slice(i, literalEnd), literal);
      out += sql.slice(copied, i) + replacement;
      copied = literalEnd;
      i = literalEnd;
    } else {
      i++;
    }
  }
  return copied === 0 ? sql : out + sql.slice(copied);
}

/**
 * The text replacing one clause `original` whose literal (name and closing quote) is `literal`.
 * Same line: `COMMENT '@meta:<name>'` padded to the clause's length. With line breaks, the same
 * line breaks, and, in order of preference: every position after the clause exact (the last line
 * break where it was); the same length (later lines exact, the rest of the clause's last line
 * shifted); or, for a clause too short for either (`METADATA\nFROM\n'key'`), longer.
 */
function replacementOf(original: string, literal: string): string {
  const value = `'${METADATA_MARKER}${literal}`;
  const lastBreak = original.lastIndexOf('\n');
  if (lastBreak === -1) return `${HEAD}${literal}`.padEnd(original.length, ' ');
  const breaks = original.split('\n').length - 1;
  const tail = original.length - lastBreak - 1;
  if (tail >= value.length && lastBreak >= 'COMMENT'.length + breaks - 1) {
    const head = `COMMENT${'\n'.repeat(breaks - 1)}`.padEnd(lastBreak, ' ');
    return `${head}\n${value.padStart(tail, ' ')}`;
  }
  const fill = original.length - 'COMMENT'.length - breaks - value.length;
  return `COMMENT${'\n'.repeat(breaks)}${fill >= 0 ? ' '.repeat(fill) : ' '}${value}`;
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
