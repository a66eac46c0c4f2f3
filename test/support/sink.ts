import { pino } from 'pino';
import { expect } from 'vitest';
import type { Logger } from '../../src/log.js';
import { createClient } from '../../src/resp/client.js';
import type { Arg } from '../../src/resp/reply.js';
import { Batch } from '../../src/sink/batch.js';
import type { PayloadRow } from '../../src/sink/encoded-row.js';
import type { EncodedFlush, RowPipeline } from '../../src/sink/grouped-pipeline.js';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_FLUSH_INTERVAL_MS,
  type SinkTable,
  type Target,
} from '../../src/sink/model.js';
import type { Row, RowEncoder } from '../../src/sink/row-encoder.js';
import { RedisSink, type SinkLimits } from '../../src/sink/sink.js';
import { decodeKeyedRows, EncodedRow, keyedPayload } from '../../src/wire/keyed-rows.js';
import { respReference } from './resp-reference.js';

/** A logger that records entries instead of printing them, for assertions on what gets logged. */
export function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => lines.push(s) });
  return { logger, lines };
}

/** A sink table with defaults, for tests that build the model directly (the TypeScript door). */
export function table(target: Target, extra: Partial<SinkTable> = {}): SinkTable {
  return {
    name: 't',
    profile: { name: 'p', connection: { kind: 'standalone', address: 'redis://127.0.0.1:6379' } },
    target,
    format: 'json',
    onError: 'fail',
    batchSize: DEFAULT_BATCH_SIZE,
    flushIntervalMs: DEFAULT_FLUSH_INTERVAL_MS,
    delivery: target.type === 'list' ? 'exactly_once' : 'at_least_once',
    ...extra,
  };
}

/** A sink on a standalone server, bypassing profile resolution. */
export async function sinkOn(
  url: string,
  t: SinkTable,
  limits?: SinkLimits,
  logger?: Logger,
): Promise<RedisSink> {
  const client = await createClient(url);
  return new RedisSink(t, client, logger ?? pino({ level: 'silent' }), limits);
}

/**
 * Adds a row to a pipeline as a JSON row's bytes come (RowEncoder.valueInBytes): from a buffer
 * written over right after the call.
 */
export function addReused(
  pipe: RowPipeline,
  key: string | Buffer,
  field: string | Buffer,
  value: string | Buffer,
): void {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const reused = Buffer.alloc(bytes.length + 7, 0x2a);
  bytes.copy(reused);
  pipe.addBytes(key, field, new Uint8Array(reused.buffer, reused.byteOffset, bytes.length));
  reused.fill(0x21);
}

/** How a byte-identity property adds a row to a pipeline: as text, as reused bytes, as a worker's row. */
export type AddedAs = 'row' | 'bytes' | 'payload';

/**
 * Adds the rows of `batch` to `pipe` the way each came (`as[i]`; payload rows from `payloads`, in
 * order), then the dead-letter push of `dead` when there is one, and takes the flush.
 */
export function feedPipeline(
  pipe: RowPipeline,
  batch: Batch,
  as: readonly AddedAs[],
  payloads: readonly PayloadRow[],
  withField: boolean,
  dead: readonly (string | Buffer)[],
): EncodedFlush {
  let next = 0;
  for (let i = 0; i < as.length; i++) {
    const field = withField ? batch.fields[i] : '';
    if (as[i] === 'payload') pipe.addPayload(payloads[next++]);
    else if (as[i] === 'bytes') addReused(pipe, batch.keys[i], field, batch.values[i]);
    else pipe.add(batch.keys[i], field, batch.values[i]);
  }
  if (dead.length > 0) pipe.addCommand(['RPUSH', 't:dead_letter', ...dead]);
  return pipe.take();
}

/** Asserts a pipeline's flush is `want`'s commands, their rows per command, and `wantBytes` exactly. */
export function expectFlush(
  got: EncodedFlush,
  want: { commands: readonly unknown[]; rowsPerCommand: readonly number[] },
  wantBytes: Buffer,
): void {
  expect(got.count).toBe(want.commands.length);
  expect(got.rowsPerCommand).toEqual(want.rowsPerCommand);
  expect(Buffer.concat(got.chunks as Buffer[])).toEqual(wantBytes);
}

/**
 * The array path's flush of the rows a byte-identity property adds to a pipeline: each row
 * encoded by `enc` (then `adjust`ed) into a Batch of `target`, the `payload` ones also as a
 * worker's batch payload would bring them, and the commands the writer makes of the batch, with
 * the dead-letter push of `dead` after them, as commands and as bytes.
 */
export function arrayFlush(
  target: Target,
  enc: RowEncoder,
  rows: readonly (readonly [row: Row, as: AddedAs])[],
  withField: boolean,
  dead: readonly string[],
  adjust?: (enc: RowEncoder, i: number) => void,
): {
  batch: Batch;
  payloads: PayloadRow[];
  want: { commands: Arg[][]; rowsPerCommand: number[] };
  wantBytes: Buffer;
} {
  const batch = new Batch(target);
  const keyed: EncodedRow[] = [];
  rows.forEach(([row, as], i) => {
    expect(enc.encode(row)).toBeNull();
    adjust?.(enc, i);
    batch.add(enc);
    if (as === 'payload') keyed.push(new EncodedRow(enc.key, enc.field, enc.value));
  });
  const payloads = decodeKeyedRows(keyedPayload(keyed, withField), keyed.length) as PayloadRow[];
  const want = batch.commands(undefined) as { commands: Arg[][]; rowsPerCommand: number[] };
  if (dead.length > 0) {
    want.commands.push(['RPUSH', 't:dead_letter', ...dead]);
    want.rowsPerCommand.push(0);
  }
  return { batch, payloads, want, wantBytes: respReference(want.commands) };
}
