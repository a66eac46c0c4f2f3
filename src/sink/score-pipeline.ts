import type { CommandEncoder } from '../resp/encoder.js';
import type { Command } from '../resp/reply.js';
import type { PayloadRow } from './encoded-row.js';
import { type EncodedFlush, encodeAppended, type RowPipeline } from './grouped-pipeline.js';
import { KeyMap } from './key-map.js';
import { MAX_VALUES_PER_COMMAND } from './writers/by-key.js';
import { type KeepScore, MemberScores } from './writers/member-scores.js';

/** A run of one key's rows: members with their scores, or (an `upsert` table's deletes) removals. */
type Segment = { removing: false; scores: MemberScores } | { removing: true; members: (string | Buffer)[] };

/** One key's rows in a flush, in runs of writes and removals as they came. */
interface KeyRows {
  key: string | Buffer;
  segments: Segment[];
  /** Some row of the key wrote: the commands after its rows (a trim, a TTL) follow. */
  wrote: boolean;
}

/**
 * The at-least-once commands of a Sorted Set table whose members come from a column, where the
 * writer keeps one score per member and flush (TargetWriter.memberScores): each row's score is
 * kept against its member as it arrives, and a take encodes one `ZADD key [flags] score member ...`
 * per key (split every MAX_VALUES_PER_COMMAND members), each member once with the score its rows
 * leave it — the commands the writer makes from arrays (writers/member-scores.ts), byte for byte —
 * then each key's trim and TTL. A removal (`ZREM`, an `upsert` table's delete) ends the key's run
 * of writes, so rows on either side of it are never merged.
 */
export class ScorePipeline implements RowPipeline {
  readonly #encoder: CommandEncoder;
  readonly #flags: readonly string[];
  readonly #keep: KeepScore;
  readonly #after: (key: string | Buffer, wrote: boolean) => readonly Command[];
  #keys = new KeyMap<KeyRows>();
  #order: KeyRows[] = [];
  #extra: (readonly (string | Buffer)[])[] = [];

  constructor(
    encoder: CommandEncoder,
    flags: readonly string[],
    keep: KeepScore,
    after: (key: string | Buffer, wrote: boolean) => readonly Command[],
  ) {
    this.#encoder = encoder;
    this.#flags = flags;
    this.#keep = keep;
    this.#after = after;
  }

  add(key: string | Buffer, field: string | Buffer, value: string | Buffer): void {
    this.#writing(key).add(field, value);
  }

  addBytes(key: string | Buffer, field: string | Buffer, value: Uint8Array): void {
    // The caller writes these bytes again once this returns: the member keeps a copy.
    this.#writing(key).add(field, Buffer.from(value));
  }

  addPayload(row: PayloadRow): void {
    const src = row.src;
    this.#writing(row.key).add(
      src.toString('latin1', row.fieldAt, row.fieldEnd),
      Buffer.from(src.subarray(row.valueAt, row.valueEnd)),
    );
  }

  addRemove(key: string | Buffer, _field: string | Buffer, value: string | Buffer): void {
    const rows = this.#rows(key);
    const last = rows.segments[rows.segments.length - 1];
    if (last?.removing === true) last.members.push(value);
    else rows.segments.push({ removing: true, members: [value] });
  }

  addCommand(args: readonly (string | Buffer)[]): void {
    this.#extra.push(args);
  }

  take(): EncodedFlush {
    const e = this.#encoder;
    const rowsPerCommand: number[] = [];
    const flags = this.#flags;
    for (const { key, segments } of this.#order) {
      for (const seg of segments) {
        if (seg.removing) {
          const m = seg.members;
          for (let from = 0; from < m.length; from += MAX_VALUES_PER_COMMAND) {
            const to = Math.min(m.length, from + MAX_VALUES_PER_COMMAND);
            e.beginCommand(2 + to - from);
            e.arg('ZREM');
            e.arg(key);
            for (let j = from; j < to; j++) e.arg(m[j]);
            rowsPerCommand.push(to - from);
          }
          continue;
        }
        const { scores, members } = seg.scores;
        seg.scores.commands((from, to, rows) => {
          e.beginCommand(2 + flags.length + 2 * (to - from));
          e.arg('ZADD');
          e.arg(key);
          for (const f of flags) e.arg(f);
          for (let j = from; j < to; j++) {
            e.arg(scores[j]);
            e.arg(members[j]);
          }
          rowsPerCommand.push(rows);
        });
      }
    }
    for (const rows of this.#order) {
      for (const cmd of this.#after(rows.key, rows.wrote)) {
        e.encode(cmd);
        rowsPerCommand.push(0);
      }
    }
    encodeAppended(e, this.#extra, rowsPerCommand);
    this.#keys = new KeyMap();
    this.#order = [];
    this.#extra = [];
    return { chunks: e.take(), count: rowsPerCommand.length, name: 'ZADD', rowsPerCommand };
  }

  #rows(key: string | Buffer): KeyRows {
    let rows = this.#keys.get(key);
    if (rows === undefined) {
      rows = { key, segments: [], wrote: false };
      this.#keys.setLast(rows);
      this.#order.push(rows);
    }
    return rows;
  }

  /** The key's open run of writes, a new one after a removal. */
  #writing(key: string | Buffer): MemberScores {
    const rows = this.#rows(key);
    rows.wrote = true;
    const last = rows.segments[rows.segments.length - 1];
    if (last !== undefined && !last.removing) return last.scores;
    const scores = new MemberScores(this.#keep);
    rows.segments.push({ removing: false, scores });
    return scores;
  }
}
