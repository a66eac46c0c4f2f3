import type { Arg } from '../resp/reply.js';
import { groupByKey, type KeyGroup, MAX_VALUES_PER_COMMAND } from './writers/by-key.js';
import type { Retraction, Target, TargetWriter } from './writers/index.js';
import type { FlushCommands, FlushRows } from './writers/writer.js';

/** A delete as a writer's {@link Retraction} says it. */
export type RemoveForm = Extract<Retraction, { kind: 'delete' }>;

/**
 * The at-least-once commands of a flush whose rows include removals (`removes[r]`: row `r`
 * removes what its identity holds, an `upsert` table's delete): the same end state as applying
 * the rows one by one, with each key's writes still grouped as the writer groups them.
 *
 * Each key's rows split into runs of writes and runs of removals, in input order. Runs are sent
 * in rounds: round n holds every key's n-th run of writes, then every key's n-th run of
 * removals (a key that starts with a removal has no writes in round 0). A key's runs therefore
 * reach Redis in its input order, while keys stay independent; most flushes have one round.
 *
 * ```
 * key a:  W W D W      round 0: W(a: 2 rows) W(b)   D(a)   round 1: W(a)
 * key b:  W            key c:   D D → round 0: D(c: one command)
 * ```
 */
export function changelogCommands(
  t: Target,
  w: TargetWriter<Target>,
  rows: FlushRows,
  removes: readonly boolean[],
  remove: RemoveForm,
  out: FlushCommands,
): void {
  const writes: number[][] = [];
  const removals: KeyGroup[][] = [];
  for (const g of rows.groups()) {
    let round = 0;
    let removing: boolean | null = null;
    let run: number[] = [];
    for (const r of g.rows) {
      const rm = removes[r];
      if (rm !== removing) {
        if (removing === false) {
          (writes[round] ??= []).push(...run);
        } else if (removing === true) {
          (removals[round] ??= []).push({ key: g.key, rows: run });
          round++;
        }
        removing = rm;
        run = [];
      }
      run.push(r);
    }
    if (removing === false) (writes[round] ??= []).push(...run);
    else if (removing === true) (removals[round] ??= []).push({ key: g.key, rows: run });
  }
  const rounds = Math.max(writes.length, removals.length);
  for (let n = 0; n < rounds; n++) {
    const ws = writes[n];
    if (ws !== undefined && ws.length > 0) w.commands(t, new RowSubset(rows, ws), out);
    for (const g of removals[n] ?? []) removeCommands(remove, g, rows, out);
  }
}

/** One key's run of removals: one DEL, or variadic HDEL/SREM/ZREM of the fields or members. */
function removeCommands(remove: RemoveForm, g: KeyGroup, rows: FlushRows, out: FlushCommands): void {
  if (remove.arg === 'none') {
    out.commands.push([remove.verb, g.key]);
    out.rowsPerCommand.push(g.rows.length);
    return;
  }
  const parts = remove.arg === 'field' ? rows.fields : rows.values;
  for (let from = 0; from < g.rows.length; from += MAX_VALUES_PER_COMMAND) {
    const to = Math.min(g.rows.length, from + MAX_VALUES_PER_COMMAND);
    const cmd: Arg[] = [remove.verb, g.key];
    for (let j = from; j < to; j++) cmd.push(parts[g.rows[j]]);
    out.commands.push(cmd);
    out.rowsPerCommand.push(to - from);
  }
}

/** Some rows of a flush, in the order given, as a flush of their own (arrays copied). */
class RowSubset implements FlushRows {
  readonly keys: (string | Buffer)[];
  readonly fields: (string | Buffer)[];
  readonly values: (string | Buffer)[];
  readonly ttls: number[];
  readonly pairs: (readonly (string | Buffer)[])[];
  readonly deletes: (readonly string[] | null)[];
  readonly positions: string[];
  #groups: KeyGroup[] | null = null;

  constructor(all: FlushRows, rows: readonly number[]) {
    const pick = <T>(a: readonly T[]): T[] => (a.length === 0 ? [] : rows.map((r) => a[r]));
    this.keys = pick(all.keys);
    this.fields = pick(all.fields);
    this.values = pick(all.values);
    this.ttls = pick(all.ttls);
    this.pairs = pick(all.pairs);
    this.deletes = pick(all.deletes);
    this.positions = pick(all.positions);
  }

  groups(): readonly KeyGroup[] {
    this.#groups ??= groupByKey(this.keys);
    return this.#groups;
  }
}
