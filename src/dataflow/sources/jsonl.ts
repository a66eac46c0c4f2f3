import { type FileHandle, open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LaminarError } from '../../errors.js';
import { ChangelogDecoder } from '../../plan/changelog-decoder.js';
import type { ChangelogFormat } from '../../plan/changelog-format.js';
import { ROW_UPDATE_BEFORE } from '../../sink/changelog.js';
import type { Row } from '../../sink/row-encoder.js';
import { numericPosition, type ReadBatch, type Source, type SourceReader } from './source.js';

const CHUNK = 256 * 1024;
const NEWLINE = 0x0a;

/** A line of a JSON-lines file is not a JSON object. Names the file and line. */
export class SourceFormatError extends LaminarError {
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super('ERR_SOURCE_FORMAT', `${file}:${line}: ${reason}`);
  }
}

/**
 * JSON-lines files, one channel (and partition) per file: the partition is the file's absolute
 * path, the offset of a row its 1-based line number. Blank lines count as lines but carry no row.
 * The files are read to their end once (bounded). Resuming at position `n` skips the first `n`
 * lines — a rescan, cheap next to writing them.
 *
 * With a {@link ChangelogFormat} the lines are changelog entries (plan/changelog-decoder.ts) and
 * the rows carry kinds. An update's two rows need offsets of their own (an exactly-once table applies an
 * offset once), so there a row's offset is twice its line number, less one for an update's old
 * row. A bad entry fails the read ({@link SourceFormatError}) or, with `onError: 'skip'`, is
 * passed over.
 */
export class JsonLinesSource implements Source {
  readonly name: string;
  readonly #files: string[];

  readonly #changelog: ChangelogFormat | undefined;

  constructor(name: string, files: readonly string[], changelog?: ChangelogFormat) {
    if (files.length === 0) throw new RangeError(`jsonl source ${name}: no files`);
    this.name = name;
    this.#files = files.map((f) => resolve(f));
    this.#changelog = changelog;
  }

  async open(restored: Readonly<Record<string, number | string>>): Promise<SourceReader[]> {
    const readers: SourceReader[] = [];
    for (const file of this.#files) {
      readers.push(new JsonLinesReader(file, numericPosition(restored[file], file), this.#changelog));
    }
    return readers;
  }
}

class JsonLinesReader implements SourceReader {
  readonly channel: string;
  #fh: FileHandle | undefined;
  #pending: Buffer = Buffer.alloc(0);
  #eof = false;
  /** Lines consumed so far (returned or skipped). */
  #line = 0;
  readonly #skip: number;
  readonly #decoder: ChangelogDecoder | undefined;
  readonly #skipBad: boolean;

  constructor(file: string, from: number, changelog: ChangelogFormat | undefined) {
    this.channel = file;
    this.#skip = from;
    this.#decoder = changelog === undefined ? undefined : new ChangelogDecoder(changelog);
    this.#skipBad = changelog?.onError === 'skip';
  }

  async read(max: number): Promise<ReadBatch | null> {
    this.#fh ??= await open(this.channel, 'r');
    const rows: Row[] = [];
    const offsets: number[] = [];
    const kinds: number[] | undefined = this.#decoder === undefined ? undefined : [];
    while (rows.length < max) {
      const line = await this.#nextLine();
      if (line === null) break;
      this.#line++;
      if (this.#line <= this.#skip) continue;
      const text = line.toString('utf8').trim();
      if (text === '') continue;
      let row: unknown;
      try {
        row = JSON.parse(text);
      } catch {
        // Not the parser's message: it quotes the line, and the file may be anything readable.
        throw new SourceFormatError(this.channel, this.#line, 'not valid JSON');
      }
      if (typeof row !== 'object' || row === null || Array.isArray(row)) {
        throw new SourceFormatError(this.channel, this.#line, 'not a JSON object');
      }
      if (kinds === undefined) {
        rows.push(row);
        offsets.push(this.#line);
        continue;
      }
      const first = rows.length;
      const bad = this.#decoder!.decode(row as Record<string, unknown>, rows, kinds);
      if (bad !== undefined) {
        if (this.#skipBad) continue;
        throw new SourceFormatError(this.channel, this.#line, bad);
      }
      for (let j = first; j < rows.length; j++)
        offsets.push(2 * this.#line - (kinds[j] === ROW_UPDATE_BEFORE ? 1 : 0));
    }
    if (rows.length === 0 && this.#eof && this.#pending.length === 0) return null;
    return kinds === undefined
      ? { rows, partition: this.channel, offsets }
      : { rows, partition: this.channel, offsets, kinds: Uint8Array.from(kinds) };
  }

  position(): number {
    return Math.max(this.#line, this.#skip);
  }

  async close(): Promise<void> {
    await this.#fh?.close();
    this.#fh = undefined;
  }

  /** The next line without its newline, or null at the end of the file. */
  async #nextLine(): Promise<Buffer | null> {
    for (;;) {
      const nl = this.#pending.indexOf(NEWLINE);
      if (nl !== -1) {
        const line = this.#pending.subarray(0, nl);
        this.#pending = this.#pending.subarray(nl + 1);
        return line;
      }
      if (this.#eof) {
        if (this.#pending.length === 0) return null;
        const last = this.#pending;
        this.#pending = Buffer.alloc(0);
        return last;
      }
      const chunk = Buffer.allocUnsafe(CHUNK);
      const { bytesRead } = await this.#fh!.read(chunk, 0, CHUNK, null);
      if (bytesRead === 0) this.#eof = true;
      else this.#pending = Buffer.concat([this.#pending, chunk.subarray(0, bytesRead)]);
    }
  }
}
