import type { Arg } from '../../resp/reply.js';
import { KeyMap } from '../key-map.js';
import type { FlushCommands, FlushRows } from './writer.js';

/** Most values one variadic command (RPUSH, LPUSH, HSET, SADD, ZADD) carries; longer runs are split. */
export const MAX_VALUES_PER_COMMAND = 1024;

/** The rows of one key in a flush, in input order. */
export interface KeyGroup {
  key: string | Buffer;
  rows: number[];
}

/**
 * The rows of a flush as one variadic `verb key [flags] ...` per key (the same as sending them one
 * by one, in order), keys in order of first appearance. `withField`: each row adds its field
 * before its value (HSET field value, ZADD score member; a repeated field keeps its last value,
 * as sequential commands would).
 */
export function pushByKey(
  verb: string,
  rows: FlushRows,
  withField: boolean,
  out: FlushCommands,
  flags: readonly string[] = [],
): void {
  const perRow = withField ? 2 : 1;
  const head = 2 + flags.length;
  const { fields, values } = rows;
  for (const g of rows.groups()) {
    for (let from = 0; from < g.rows.length; from += MAX_VALUES_PER_COMMAND) {
      const to = Math.min(g.rows.length, from + MAX_VALUES_PER_COMMAND);
      const cmd: Arg[] = new Array(head + (to - from) * perRow);
      cmd[0] = verb;
      cmd[1] = g.key;
      for (let f = 0; f < flags.length; f++) cmd[2 + f] = flags[f];
      let p = head;
      for (let j = from; j < to; j++) {
        const r = g.rows[j];
        if (perRow === 2) cmd[p++] = fields[r];
        cmd[p++] = values[r];
      }
      out.commands.push(cmd);
      out.rowsPerCommand.push(to - from);
    }
  }
}

/** Rows grouped by key, groups in order of first appearance. */
export function groupByKey(keys: readonly (string | Buffer)[]): KeyGroup[] {
  const groups = new KeyMap<KeyGroup>();
  const out: KeyGroup[] = [];
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    let g = groups.get(k);
    if (g === undefined) {
      g = { key: k, rows: [] };
      groups.setLast(g);
      out.push(g);
    }
    g.rows.push(i);
  }
  return out;
}
