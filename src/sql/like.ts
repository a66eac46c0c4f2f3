/**
 * `LIKE` patterns: `%` matches any run of characters, `_` exactly one, the escape character
 * (default `\`) makes the next character literal. The whole value must match.
 */

/** A pattern ends with the escape character: nothing to escape. */
export class LikePatternError extends Error {}

/** The regular expression of a LIKE pattern (`i` for ILIKE). */
export function likeRegExp(pattern: string, escapeChar = '\\', caseInsensitive = false): RegExp {
  let src = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (escapeChar !== '' && c === escapeChar) {
      i++;
      if (i >= pattern.length)
        throw new LikePatternError('LIKE pattern must not end with the escape character');
      src += quoteChar(pattern[i]);
    } else if (c === '%') src += '[\\s\\S]*';
    else if (c === '_') src += '[\\s\\S]';
    else src += quoteChar(c);
  }
  return new RegExp(`${src}$`, caseInsensitive ? 'iu' : 'u');
}

function quoteChar(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}
