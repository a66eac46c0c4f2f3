/** `*`, `?`, `[`, `]` and `\` of literal text escaped for a SCAN MATCH pattern. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
