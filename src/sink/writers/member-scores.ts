import type { Arg } from '../../resp/reply.js';
import { KeyMap } from '../key-map.js';
import { MAX_VALUES_PER_COMMAND } from './by-key.js';
import type { FlushCommands, FlushRows } from './writer.js';

/**
 * Which of a member's scores in one flush decides where `ZADD` leaves it, the rows applied in
 * turn: the last (replace, `XX`), the first (`NX`: later rows find it there), the highest (`GT`),
 * the lowest (`LT`).
 */
export type KeepScore = 'last' | 'first' | 'max' | 'min';

/** A score's value as Redis reads it (the texts are finite decimals: see numbers.ts). */
function scoreOf(s: string | Buffer): number {
  return Number(typeof s === 'string' ? s : s.toString('latin1'));
}

/**
 * One key's members in a flush, each once, with the score its rows leave it and how many rows it
 * stands for; members in order of first appearance (`ZADD` of distinct members in any order ends
 * the same). Members are told apart as Redis does: by their bytes, text as UTF-8.
 */
export class MemberScores {
  readonly members: (string | Buffer)[] = [];
  readonly scores: (string | Buffer)[] = [];
  readonly rows: number[] = [];
  readonly #index = new KeyMap<number>();
  readonly #keep: KeepScore;

  constructor(keep: KeepScore) {
    this.#keep = keep;
  }

  add(score: string | Buffer, member: string | Buffer): void {
    const at = this.#index.get(member);
    if (at === undefined) {
      this.#index.setLast(this.members.length);
      this.members.push(member);
      this.scores.push(score);
      this.rows.push(1);
      return;
    }
    this.rows[at]++;
    const keep = this.#keep;
    if (
      keep === 'last' ||
      (keep === 'max' && scoreOf(score) >= scoreOf(this.scores[at])) ||
      (keep === 'min' && scoreOf(score) <= scoreOf(this.scores[at]))
    ) {
      this.scores[at] = score;
    }
  }

  /**
   * Calls `emit` once per command of at most MAX_VALUES_PER_COMMAND members: the index of its
   * first and one past its last member, and the rows they stand for.
   */
  commands(emit: (from: number, to: number, rows: number) => void): void {
    const n = this.members.length;
    for (let from = 0; from < n; from += MAX_VALUES_PER_COMMAND) {
      const to = Math.min(n, from + MAX_VALUES_PER_COMMAND);
      let rows = 0;
      for (let j = from; j < to; j++) rows += this.rows[j];
      emit(from, to, rows);
    }
  }
}

/**
 * The rows of a flush as one `ZADD key [flags] score member ...` per key, each member once with the
 * score the rows would leave it ({@link MemberScores}): the same end state as sending the rows one
 * by one, with less work for Redis when members repeat (a leaderboard's players). Keys in order of
 * first appearance.
 */
export function zaddByMember(
  rows: FlushRows,
  flags: readonly string[],
  keep: KeepScore,
  out: FlushCommands,
): void {
  const { fields, values } = rows;
  for (const g of rows.groups()) {
    const scores = new MemberScores(keep);
    for (const r of g.rows) scores.add(fields[r], values[r]);
    scores.commands((from, to, n) => {
      const cmd: Arg[] = ['ZADD', g.key, ...flags];
      for (let j = from; j < to; j++) cmd.push(scores.scores[j], scores.members[j]);
      out.commands.push(cmd);
      out.rowsPerCommand.push(n);
    });
  }
}
