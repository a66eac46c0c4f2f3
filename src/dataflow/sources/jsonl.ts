import { type FileHandle, open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LaminarError } from '../../errors.js';
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
 */
export class JsonLinesSource implements Source {
  readonly name: string;
  readonly #files: string[];

  constructor(name: string, files: readonly string[]) {
    if (files.length === 0) throw new RangeError(`jsonl source ${name}: no files`);
    this.name = name;
    this.#files = files.map((f) => resolve(f));
  }

  async open(restored: Readonly<Record<string, number | string>>): Promise<SourceReader[]> {
    const readers: SourceReader[] = [];
    for (const file of this.#files) {
      readers.push(new JsonLinesReader(file, numericPosition(restored[file], file)));
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

  constructor(file: string, from: number) {
    this.channel = file;
    this.#skip = from;
  }

  async read(max: number): Promise<ReadBatch | null> {
    this.#fh ??= await open(this.channel, 'r');
    const rows: Row[] = [];
    const offsets: number[] = [];
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
      rows.push(row);
      offsets.push(this.#line);
    }
    if (rows.length === 0 && this.#eof && this.#pending.length === 0) return null;
    return { rows, partition: this.channel, offsets };
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
