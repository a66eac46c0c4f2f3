/**
 * Stream entries as rows: `json` (one field holding the row as a JSON object) or `fields` (one
 * column per field; declared numeric, boolean and JSON columns are converted from the text).
 */

import type { Reply } from '../../resp/reply.js';
import type { Column } from '../../schema/sql-type.js';
import type { Row } from '../../sink/row-encoder.js';
import { StreamEntryFormatError } from './redis-stream-errors.js';
import { text } from './redis-stream-replies.js';

/** How an entry's fields become a row. */
export type StreamRowFormat = 'json' | 'fields';

/** The field holding the row in the `json` format; the stream sink's default field too. */
export const DEFAULT_JSON_FIELD = 'row';

/** Turns one entry's fields (`[f1, v1, f2, v2, ...]`) into a row. */
export type EntryDecoder = (stream: string, id: string, fields: Reply[]) => Row;

export function entryDecoder(
  format: StreamRowFormat,
  jsonField: string,
  columns?: readonly Column[],
): EntryDecoder {
  if (format === 'json') {
    return (stream, id, fields) => {
      for (let i = 0; i + 1 < fields.length; i += 2) {
        if (text(fields[i]) !== jsonField) continue;
        let row: unknown;
        try {
          row = JSON.parse(text(fields[i + 1]));
        } catch {
          // Not the parser's message: it would quote the entry.
          throw new StreamEntryFormatError(stream, id, `field '${jsonField}' is not valid JSON`);
        }
        if (typeof row !== 'object' || row === null || Array.isArray(row))
          throw new StreamEntryFormatError(stream, id, `field '${jsonField}' is not a JSON object`);
        return row as Row;
      }
      throw new StreamEntryFormatError(stream, id, `has no field '${jsonField}'`);
    };
  }
  const types = new Map((columns ?? []).map((c) => [c.name, c.type]));
  return (stream, id, fields) => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const name = text(fields[i]);
      row[name] = typed(stream, id, name, text(fields[i + 1]), types.get(name));
    }
    return row;
  };
}

function typed(stream: string, id: string, name: string, value: string, type: string | undefined): unknown {
  switch (type) {
    case 'INTEGER':
    case 'BIGINT':
    case 'DOUBLE': {
      const n = Number(value);
      if (value.trim() === '' || Number.isNaN(n))
        throw new StreamEntryFormatError(stream, id, `field '${name}' is not a number`);
      return type === 'BIGINT' && !Number.isSafeInteger(n) && /^-?\d+$/.test(value) ? BigInt(value) : n;
    }
    case 'BOOLEAN':
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      throw new StreamEntryFormatError(stream, id, `field '${name}' is not true or false`);
    case 'JSON':
      try {
        return JSON.parse(value);
      } catch {
        throw new StreamEntryFormatError(stream, id, `field '${name}' is not valid JSON`);
      }
    default:
      return value;
  }
}
