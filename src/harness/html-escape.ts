/**
 * Text made safe for HTML and SVG, in element content and in double- or single-quoted attribute
 * values alike. The report carries strings the user chose (key prefixes, sample file names, Redis
 * addresses, server error text), so every one of them goes through here before it reaches the page.
 */

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** `value` as text with `& < > " '` replaced by character references. */
export function escapeHtml(value: string | number | boolean): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}
