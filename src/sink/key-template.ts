/**
 * Key templates: a key built from several columns, `'user:{user_id}:{region}'`. `{column}` is the
 * column's text form (as a key column's); `{{` and `}}` are literal braces, so a Redis Cluster
 * hash tag is written `'{{tenant}}:...'` (a fixed tag) or `'{{{tenant_id}}}:...'` (a tag made of
 * a column's value). Templates are not secrets: `{{ VAR }}` here is the literal text `{ VAR }`.
 */

import { text } from '../schema/text.js';

/** A parsed template: literal text and column references, in order. */
export interface KeyTemplate {
  /** Literal text before each column, then after the last: `columns.length + 1` entries. */
  readonly literals: readonly string[];
  readonly columns: readonly string[];
}

/** A template's syntax error, as a phrase (`has an unclosed '{' at 5`). */
export type TemplateProblem = string;

/** Parses a template; a string result is what is wrong with it. */
export function parseKeyTemplate(source: string): KeyTemplate | TemplateProblem {
  const literals: string[] = [];
  const columns: string[] = [];
  let lit = '';
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '{') {
      if (source[i + 1] === '{') {
        lit += '{';
        i++;
        continue;
      }
      const end = source.indexOf('}', i + 1);
      if (end < 0) return `has an unclosed '{' at character ${i + 1} (write '{{' for a literal brace)`;
      const name = source.slice(i + 1, end);
      if (name.length === 0)
        return `has an empty '{}' at character ${i + 1} (write '{{}}' for literal braces)`;
      if (name.includes('{')) return `has a '{' inside '{${name}}' at character ${i + 1}`;
      literals.push(lit);
      columns.push(name);
      lit = '';
      i = end;
    } else if (ch === '}') {
      if (source[i + 1] !== '}')
        return `has a lone '}' at character ${i + 1} (write '}}' for a literal brace)`;
      lit += '}';
      i++;
    } else {
      lit += ch;
    }
  }
  literals.push(lit);
  if (columns.length === 0 && lit.length === 0) return 'is empty';
  return { literals, columns };
}

/**
 * The key a template makes of its columns' values (each as `text()` gives it); undefined when a
 * value has no text form or is empty, which the sink refuses as a bad row.
 */
export function keyFromTemplate(t: KeyTemplate, values: readonly unknown[]): string | Buffer | undefined {
  let key = t.literals[0];
  let bytes: Buffer[] | null = null;
  for (let i = 0; i < t.columns.length; i++) {
    const part = text(values[i]);
    if (part === undefined || part.length === 0) return undefined;
    if (typeof part === 'string') key += part + t.literals[i + 1];
    else {
      bytes ??= [];
      bytes.push(Buffer.from(key, 'utf8'), part);
      key = t.literals[i + 1];
    }
  }
  if (bytes === null) return key;
  bytes.push(Buffer.from(key, 'utf8'));
  return Buffer.concat(bytes);
}
