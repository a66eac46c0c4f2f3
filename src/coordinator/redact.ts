/**
 * Redaction of every control API response. The metadata store keeps profiles, tables and
 * pipelines as given (passwords included, `{{ VAR }}` unresolved: the store is the operator's);
 * whatever leaves the coordinator goes through here first, and shows each password as
 * {@link REDACTED_PASSWORD}:
 *
 * - any object field named `password` (profile config, table model, job specs), whatever it holds
 *   (a `{{ VAR }}` reference included: one rule is easier to trust than exceptions), and the `key`
 *   of any `tls` object (a client certificate's private key, PEM text or its path);
 * - the password in the user info of `redis://user:password@host` strings, wherever they appear;
 * - `password = '...'` and `'tls.key' = '...'` options (and addresses with user info) in SQL
 *   text, found through the parser's tree rather than a regular expression, so quoting and
 *   comments cannot hide one.
 */

import { rewriteLookupSyntax } from '../lookup/metadata-syntax.js';
import { parseStatements } from '../schema/sql-parser.js';
import { SqlText } from '../schema/sql-script.js';
import { isNode, withOptions } from '../schema/sql-tree.js';

/** SQL options whose value is secret (SQL keys are matched lower-cased). */
const SECRET_SQL_OPTIONS: ReadonlySet<string> = new Set(['password', 'tls.key']);

/** What every response shows instead of a password. */
export const REDACTED_PASSWORD = '********';

/** What a response shows instead of SQL text that cannot be parsed (so cannot be redacted safely). */
export const UNREDACTABLE_SQL = '-- (not shown: this text could not be parsed to hide its passwords)';

const URL_START = /^\s*[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/**
 * `scheme://user:password@host` → `scheme://user:********@host`. The last `@` ends the user info:
 * a password written without percent-encoding may itself hold `@`. A user name alone is kept.
 */
export function redactUrl(address: string): string {
  const scheme = URL_START.exec(address);
  if (scheme === null) return address;
  const start = scheme[0].length;
  const at = address.lastIndexOf('@');
  if (at < start) return address;
  const colon = address.indexOf(':', start);
  if (colon === -1 || colon > at) return address;
  return `${address.slice(0, colon + 1)}${REDACTED_PASSWORD}${address.slice(at)}`;
}

/** {@link redactUrl} over a string that may hold several comma-separated URLs (cluster seeds). */
export function redactUrls(text: string): string {
  if (!URL_START.test(text) || !text.includes('@')) return text;
  // Split only where a new URL starts, so a comma inside a password does not cut it in two.
  return text
    .split(/,(?=\s*[A-Za-z][A-Za-z0-9+.-]*:\/\/)/)
    .map((part) => redactUrl(part))
    .join(',');
}

/**
 * Free text (a message) with the password of every `scheme://user:password@` inside it redacted.
 * Stops at white space, so it suits messages; use {@link redactUrls} for a value that is a URL.
 */
export function redactUrlsInText(text: string): string {
  return text.replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:@/]*):[^\s]*@/g, `$1:${REDACTED_PASSWORD}@`);
}

/**
 * A deep copy of a JSON-like value with every secret replaced: `password` fields (any case),
 * user info in URL strings, and `sql` fields through {@link redactSql}. Needs the SQL parser
 * loaded (`await loadSqlParser()`) when the value holds SQL.
 */
export function redactJson<T>(value: T): T {
  return redactValue(value, undefined) as T;
}

function redactValue(value: unknown, key: string | undefined): unknown {
  if (key !== undefined && key.toLowerCase() === 'password' && value !== undefined && value !== null) {
    return REDACTED_PASSWORD;
  }
  if (typeof value === 'string') return key === 'sql' ? redactSql(value) : redactUrls(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, undefined));
  if (isNode(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactValue(v, k);
    if (key?.toLowerCase() === 'tls' && value.key !== undefined && value.key !== null) {
      out.key = REDACTED_PASSWORD;
    }
    return out;
  }
  return value;
}

/**
 * SQL text with every `password` option's value replaced by `'********'` and the user info of
 * every URL option value redacted; the rest of the text (comments, layout) is kept. Text that
 * does not parse is replaced as a whole by {@link UNREDACTABLE_SQL}. Needs the SQL parser loaded.
 * Lookup tables' `METADATA FROM 'key'` is read as the pipeline compiler reads it.
 */
export function redactSql(input: string): string {
  // The rewrite keeps every line's length (so every position) as a rule; when it cannot, the
  // rewritten text is what is shown, so that edits land where the parser saw the values.
  const rewritten = rewriteLookupSyntax(input);
  const sql = sameLayout(rewritten, input) ? input : rewritten;
  let statements: unknown[];
  try {
    statements = parseStatements(rewritten);
  } catch {
    return UNREDACTABLE_SQL;
  }
  const text = new SqlText(sql);
  const edits: Array<{ from: number; to: number; text: string }> = [];
  for (const statement of statements) {
    const create = isNode(statement) && isNode(statement.CreateTable) ? statement.CreateTable : undefined;
    if (create === undefined) continue;
    for (const option of withOptions(create.table_options)) {
      const secret = SECRET_SQL_OPTIONS.has(option.key.toLowerCase());
      const replaced = secret ? REDACTED_PASSWORD : redactUrls(option.value ?? '');
      if (!secret && replaced === (option.value ?? '')) continue;
      // Secret options whose value is not a literal (an identifier) are replaced all the same.
      if (option.valueSpan === undefined) return UNREDACTABLE_SQL;
      edits.push({
        from: text.offset(option.valueSpan.start),
        to: text.offset(option.valueSpan.end),
        text: `'${replaced.replaceAll("'", "''")}'`,
      });
    }
  }
  let out = sql;
  for (const e of edits.sort((a, b) => b.from - a.from))
    out = out.slice(0, e.from) + e.text + out.slice(e.to);
  return out;
}

/** Whether two texts have the same lines, each of the same length. */
function sameLayout(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  const x = a.split('\n');
  const y = b.split('\n');
  return x.length === y.length && x.every((line, i) => line.length === y[i].length);
}
