import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonLinesSource, SourceFormatError } from '../../src/dataflow/sources/jsonl.js';

/**
 * A JSON-lines source's errors reach API responses (a pipeline's `error`): they name the file
 * and line, never what the line holds.
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laminar-jsonl-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('JSON-lines source errors', () => {
  it('jsonl — a line that is not JSON is reported by file and line, without its bytes', async () => {
    const file = join(dir, 'shadow');
    await writeFile(file, 'root:$6$TOPSECRETHASH:19000:0:99999:7:::\n');
    const [r] = await new JsonLinesSource('files', [file]).open({});
    const err = await r.read(10, new AbortController().signal).catch((e: unknown) => e);
    await r.close();
    expect(err).toBeInstanceOf(SourceFormatError);
    expect(err).toMatchObject({ code: 'ERR_SOURCE_FORMAT', file, line: 1 });
    expect((err as Error).message).toBe(`${file}:1: not valid JSON`);
    expect((err as Error).message).not.toMatch(/root|TOPSECRET/);
  });
});
