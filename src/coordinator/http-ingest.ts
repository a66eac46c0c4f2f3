/**
 * Rows over HTTP (docs/http-ingest.md): `POST /v1/pipelines/{pipeline}/sources/{source}` into a
 * pipeline's ingest source and `POST /v1/connection_tables/{table}/rows` into a connection table,
 * with an NDJSON body (one row object per line) or a JSON array of row objects.
 *
 * A request is all or nothing as far as its body goes: every line is parsed before any row is
 * handed on, so a malformed line refuses the whole request (HTTP 400, `ERR_INGEST_BODY`, its line
 * number in the message) with nothing taken. The rows themselves travel the way the Producer's
 * do; the coordinator cannot reach the Producer (they are siblings), so whoever starts the
 * servers hands it an {@link IngestWriter} (the CLI's, src/cli/http-ingest-producers.ts).
 */
import { LaminarError } from '../errors.js';
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

/** Sends parsed rows on; rejects with a control error (`ERR_NOT_FOUND`, ...) or the producer's. */
export interface IngestWriter {
  write(target: IngestTarget, rows: Row[], wait: IngestWait): Promise<void>;
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
        const rows = parseRows(body);
        if (rows.length > 0) await writer.write(target, rows, wait);
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
 * The rows of a body: a JSON array of objects when its first non-blank character is `[`, else
 * NDJSON, one object per line (blank lines and a final newline are fine, `\r\n` too).
 *
 * @throws IngestBodyError at the first line (element) that is not a row object.
 */
export function parseRows(body: Buffer): Row[] {
  const text = body.toString('utf8');
  const first = text.search(/\S/);
  if (first === -1) return [];
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
    return value as Row[];
  }
  const rows: Row[] = [];
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
    rows.push(value);
  }
  return rows;
}

function isRow(v: unknown): v is Row {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
