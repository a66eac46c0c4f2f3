/**
 * Rows over HTTP (docs/http-ingest.md): `POST /v1/pipelines/{pipeline}/sources/{source}` into a
 * pipeline's ingest source and `POST /v1/connection_tables/{table}/rows` into a connection table,
 * with an NDJSON body (one row object per line) or a JSON array of row objects.
 *
 * A request is all or nothing as far as its body goes: every line is parsed before any row is
 * handed on, so a malformed line refuses the whole request (HTTP 400, `ERR_INGEST_BODY`, its line
 * number in the message) with nothing taken. With `?format=debezium` or `?op_column=<column>` the
 * lines are a changelog (docs/changelogs.md), read by the same decoder as a JSON-lines source's,
 * and an entry it cannot read (an unknown op, a delete without a key) refuses the request alike. The rows themselves travel the way the Producer's
 * do; the coordinator cannot reach the Producer (they are siblings), so whoever starts the
 * servers hands it an {@link IngestWriter} (the CLI's, src/cli/http-ingest-producers.ts).
 */
import { LaminarError } from '../errors.js';
import { ChangelogDecoder } from '../plan/changelog-decoder.js';
import { CHANGELOG_UPDATES, type ChangelogFormat } from '../plan/changelog-format.js';
import type { Row } from '../sink/row-encoder.js';
import { invalidArgument } from '../wire/control-errors.js';

/** Largest ingest body, bytes: 100 000 rows of ~600 bytes. */
export const DEFAULT_MAX_INGEST_BODY_BYTES = 64 * 1024 * 1024;

/** Where the rows of a request go. */
export type IngestTarget =
  | { kind: 'source'; pipeline: string; source: string }
  | { kind: 'table'; table: string };

/**
 * What a request waits for before it is answered: `none` (the rows were accepted, i.e. taken into
 * the producer's window), `checkpoint` (a pipeline's checkpoint covers them) or `ack` (a table's
 * workers acknowledged them durable in Redis). `checkpoint` and `ack` mean the same wait, the
 * acknowledgement of a checkpoint that covers the rows, and both are accepted for either target.
 */
export type IngestWait = 'none' | 'checkpoint' | 'ack';

/** The kinds of a changelog body's rows, and the body line (1-based) each row came from. */
export interface IngestChangelog {
  /** One kind per row (`ROW_INSERT` ... `ROW_DELETE`). */
  kinds: number[];
  /** One line per row: a Debezium update's two rows share theirs. */
  lines: number[];
}

/** Sends parsed rows on; rejects with a control error (`ERR_NOT_FOUND`, ...) or the producer's. */
export interface IngestWriter {
  /**
   * `changelog`: the rows' kinds, for a request whose body is a changelog; undefined: all inserts.
   * A kind the destination cannot apply (a delete into an `append` table) refuses the request
   * with nothing taken, as an {@link IngestBodyError} naming its line.
   */
  write(target: IngestTarget, rows: Row[], wait: IngestWait, changelog?: IngestChangelog): Promise<void>;
  /** Flushes and closes what the writer opened. */
  close(): Promise<void>;
}

/** The ingest routes of the HTTP API. */
export interface HttpIngest {
  /** Largest body accepted, bytes (HTTP 413 above it). */
  readonly maxBodyBytes: number;
  /** The call serving `method path`, or undefined when it is no ingest route. */
  route(
    method: string,
    path: string,
  ): ((query: URLSearchParams, body: Buffer) => Promise<unknown>) | undefined;
  close(): Promise<void>;
}

/** An ingest body that is not NDJSON nor a JSON array of row objects. */
export class IngestBodyError extends LaminarError {
  constructor(
    /** 1-based line of NDJSON, or 1-based element of a JSON array. */
    readonly line: number,
    problem: string,
  ) {
    super('ERR_INGEST_BODY', `${problem}; no row of the request was taken`);
  }
}

/** The HTTP ingest of `writer`; see the module comment. */
export function httpIngest(writer: IngestWriter, maxBodyBytes = DEFAULT_MAX_INGEST_BODY_BYTES): HttpIngest {
  return {
    maxBodyBytes,
    route(method, path) {
      if (method !== 'POST') return undefined;
      const target = ingestTarget(path);
      if (target === undefined) return undefined;
      return async (query, body) => {
        const wait = waitOf(query);
        const format = changelogOf(query);
        if (format === undefined) {
          const rows = parseRows(body);
          if (rows.length > 0) await writer.write(target, rows, wait);
          return { accepted: rows.length, waited: wait };
        }
        const { rows, kinds, lines } = parseChangelog(body, format);
        if (rows.length > 0) await writer.write(target, rows, wait, { kinds, lines });
        return { accepted: rows.length, waited: wait };
      };
    },
    close: () => writer.close(),
  };
}

/** The target of an ingest path, or undefined. */
export function ingestTarget(path: string): IngestTarget | undefined {
  const s = path.split('/').filter((x) => x !== '');
  const name = (x: string): string | undefined => {
    try {
      const d = decodeURIComponent(x);
      return d === '' || d.includes('/') ? undefined : d;
    } catch {
      return undefined;
    }
  };
  if (s.length === 5 && s[0] === 'v1' && s[1] === 'pipelines' && s[3] === 'sources') {
    const pipeline = name(s[2]);
    const source = name(s[4]);
    return pipeline === undefined || source === undefined ? undefined : { kind: 'source', pipeline, source };
  }
  if (s.length === 4 && s[0] === 'v1' && s[1] === 'connection_tables' && s[3] === 'rows') {
    const table = name(s[2]);
    return table === undefined ? undefined : { kind: 'table', table };
  }
  return undefined;
}

function waitOf(query: URLSearchParams): IngestWait {
  const w = query.get('wait');
  if (w === null || w === '' || w === 'none') return 'none';
  if (w === 'checkpoint' || w === 'ack') return w;
  throw invalidArgument(`'wait' must be 'checkpoint', 'ack' or 'none' (got '${w.slice(0, 40)}')`);
}

/**
 * The changelog format a request's query asks for: `format=debezium` (envelopes), or
 * `op_column=<column>` (plain rows whose column holds the operation); `updates=upsert` takes an
 * update without its old row. Undefined: plain rows, every one an insert.
 */
export function changelogOf(query: URLSearchParams): ChangelogFormat | undefined {
  const format = query.get('format');
  const opColumn = query.get('op_column');
  const updates = query.get('updates');
  if (format !== null && format !== 'debezium' && format !== 'json') {
    throw invalidArgument(`'format' must be 'debezium' or 'json' (got '${format.slice(0, 40)}')`);
  }
  if (format === 'debezium' && opColumn !== null) {
    throw invalidArgument("'op_column' is for plain rows: a Debezium envelope has its own 'op'");
  }
  if (opColumn === '') throw invalidArgument("'op_column' must name the column holding the operation");
  if (updates !== null && !(CHANGELOG_UPDATES as readonly string[]).includes(updates)) {
    throw invalidArgument(`'updates' must be 'retract' or 'upsert' (got '${updates.slice(0, 40)}')`);
  }
  if (format !== 'debezium' && opColumn === null) {
    if (updates !== null)
      throw invalidArgument("'updates' is for changelogs: add 'format=debezium' or 'op_column'");
    return undefined;
  }
  const out: ChangelogFormat =
    format === 'debezium' ? { format: 'debezium' } : { format: 'json', opColumn: opColumn! };
  if (updates !== null) out.updates = updates as ChangelogFormat['updates'];
  return out;
}

/**
 * The rows of a changelog body (NDJSON or a JSON array, as {@link parseRows}) with their kinds and
 * lines: each line decoded as a JSON-lines source decodes it (docs/changelogs.md).
 *
 * @throws IngestBodyError at the first line that is no object, or no changelog entry (its reason).
 */
export function parseChangelog(
  body: Buffer,
  format: ChangelogFormat,
): Required<IngestChangelog> & { rows: Row[] } {
  const decoder = new ChangelogDecoder(format);
  const rows: Row[] = [];
  const kinds: number[] = [];
  const lines: number[] = [];
  eachRow(body, (value, line, what) => {
    const problem = decoder.decode(value as Record<string, unknown>, rows, kinds);
    if (problem !== undefined) throw new IngestBodyError(line, `${what} ${line}: ${problem}`);
    while (lines.length < rows.length) lines.push(line);
  });
  return { rows, kinds, lines };
}

/**
 * The rows of a body: a JSON array of objects when its first non-blank character is `[`, else
 * NDJSON, one object per line (blank lines and a final newline are fine, `\r\n` too).
 *
 * @throws IngestBodyError at the first line (element) that is not a row object.
 */
export function parseRows(body: Buffer): Row[] {
  const rows: Row[] = [];
  eachRow(body, (value) => {
    rows.push(value);
  });
  return rows;
}

/**
 * Calls `take` with each row object of a body, its 1-based line (or array element) and what that
 * is called in messages.
 *
 * @throws IngestBodyError at the first line (element) that is not a row object.
 */
function eachRow(body: Buffer, take: (row: Row, line: number, what: 'line' | 'element') => void): void {
  const text = body.toString('utf8');
  const first = text.search(/\S/);
  if (first === -1) return;
  if (text[first] === '[') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new IngestBodyError(
        1,
        `the body starts as a JSON array but is not valid JSON (${(err as Error).message})`,
      );
    }
    if (!Array.isArray(value)) throw new IngestBodyError(1, 'the body is not a JSON array');
    value.forEach((v, i) => {
      if (!isRow(v)) throw new IngestBodyError(i + 1, `element ${i + 1} of the array is not a JSON object`);
    });
    for (let i = 0; i < value.length; i++) take(value[i] as Row, i + 1, 'element');
    return;
  }
  let line = 0;
  let at = 0;
  while (at <= text.length) {
    const end = text.indexOf('\n', at);
    const stop = end === -1 ? text.length : end;
    line++;
    const raw = text.slice(at, stop).trim();
    at = stop + 1;
    if (raw === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new IngestBodyError(line, `line ${line} is not valid JSON`);
    }
    if (!isRow(value)) throw new IngestBodyError(line, `line ${line} is not a JSON object`);
    take(value, line, 'line');
  }
}

function isRow(v: unknown): v is Row {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
