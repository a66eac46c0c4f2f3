import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlPlane } from '../../src/coordinator/control-plane.js';
import { MetadataStore } from '../../src/coordinator/metadata-store.js';
import { statusOf } from '../../src/wire/grpc-status.js';
import { FakeRuntime, quietLogger } from './fake-runtime.js';

/**
 * Pipelines created through the control API read JSON-lines files and write checkpoints only
 * inside the data directory (away from the coordinator's own files) or a directory the operator
 * allowed.
 */

const SINK_SQL = `CREATE TABLE s (k TEXT) WITH (connector = 'redis', type = 'sink',
  address = 'redis://127.0.0.1:6390', 'sink.key_prefix' = 's:', 'sink.key_column' = 'k')`;

let root: string;
let data: string;
let input: string;
let outside: string;
let store: MetadataStore;
let runtime: FakeRuntime;
let plane: ControlPlane;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'laminar-paths-'));
  data = join(root, 'data');
  input = join(root, 'input');
  outside = join(root, 'outside');
  await Promise.all([mkdir(data), mkdir(input), mkdir(outside)]);
  await writeFile(join(outside, 'secret.txt'), 'TOP-SECRET-CONTENT\n');
  store = await MetadataStore.open(data);
  runtime = new FakeRuntime(store);
  plane = new ControlPlane({ store, runtime, dataDir: data, allowedDirs: [input], logger: quietLogger });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

let n = 0;
const spec = (files: string[], checkpoint?: { dir: string }) => ({
  name: `p${n++}`,
  sources: [{ type: 'jsonl', name: 'in', files }],
  tables: [{ sql: SINK_SQL }],
  ...(checkpoint === undefined ? {} : { checkpoint }),
});

async function refusal(p: Promise<unknown>): Promise<{ status: string; message: string }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected the call to fail').toBeDefined();
  const s = statusOf(err);
  return { status: s.status, message: s.message };
}

describe('pipeline paths', () => {
  it('paths — JSON-lines files outside the data directory and the allowed ones are refused', async () => {
    await symlink(join(outside, 'secret.txt'), join(data, 'link.jsonl'));
    await symlink(outside, join(input, 'escape'));
    for (const file of [
      '/etc/passwd',
      join(outside, 'secret.txt'),
      '../outside/secret.txt',
      'link.jsonl',
      join(input, 'escape', 'secret.txt'),
      'metadata.json',
      'LOCK',
      'tables/tbl_x/checkpoint-00000000000000000001.json',
      'pipelines/pl_x/generation',
      data,
    ]) {
      const r = await refusal(plane.createPipeline({ spec: spec([file]) }));
      expect(r, file).toEqual({
        status: 'INVALID_ARGUMENT',
        message: expect.stringMatching(
          /^job spec: sources\[0\]\.files\[0\]: must be a file in the data directory/,
        ),
      });
      expect(r.message).not.toContain('TOP-SECRET');
    }
    // The same through a SQL script.
    const sql = `CREATE TABLE in_ WITH (connector = 'jsonl', files = '/etc/passwd');\n${SINK_SQL}`;
    expect(await refusal(plane.createPipeline({ name: 'scripted', sql }))).toMatchObject({
      status: 'INVALID_ARGUMENT',
      message: expect.stringContaining('sources[0].files[0]'),
    });
    expect(store.listPipelines()).toEqual([]);
  });

  it('paths — files in the data directory and in an allowed directory are accepted', async () => {
    const view = await plane.createPipeline({ spec: spec(['in.jsonl', join(input, 'a.jsonl')]) });
    const files = (view.spec.sources as Array<{ files: string[] }>)[0].files;
    expect(files).toEqual([join(data, 'in.jsonl'), join(input, 'a.jsonl')]);
  });

  it('paths — checkpoint directories only under pipelines/ of the data directory or in an allowed one', async () => {
    await symlink(outside, join(input, 'escape'));
    for (const dir of [
      '/tmp/laminar-anywhere',
      join(outside, 'cp'),
      '..',
      '.',
      'tables/tbl_x',
      'pipelines',
      'cp',
      join(input, 'escape', 'cp'),
    ]) {
      expect(await refusal(plane.createPipeline({ spec: spec(['in.jsonl'], { dir }) })), dir).toEqual({
        status: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/^job spec: checkpoint\.dir: must be a directory under pipelines\//),
      });
    }
    const a = await plane.createPipeline({ spec: spec(['in.jsonl'], { dir: 'pipelines/mine' }) });
    expect(a.spec.checkpoint).toMatchObject({ dir: join(data, 'pipelines', 'mine') });
    const b = await plane.createPipeline({ spec: spec(['in.jsonl'], { dir: join(input, 'cp') }) });
    expect(b.spec.checkpoint).toMatchObject({ dir: join(input, 'cp') });
  });

  it('paths — a live pipeline keeps its checkpoint directory to itself; an ended one hands it on', async () => {
    const first = await plane.createPipeline({ spec: spec(['in.jsonl'], { dir: 'pipelines/shared/a' }) });
    for (const dir of ['pipelines/shared/a', 'pipelines/shared', 'pipelines/shared/a/b']) {
      expect(await refusal(plane.createPipeline({ spec: spec(['in.jsonl'], { dir }) })), dir).toEqual({
        status: 'FAILED_PRECONDITION',
        message: expect.stringContaining(`pipeline '${first.name}' keeps its checkpoints there`),
      });
    }
    await plane.stopPipeline(first.id);
    const next = await plane.createPipeline({ spec: spec(['in.jsonl'], { dir: 'pipelines/shared/a' }) });
    expect(next.spec.checkpoint).toMatchObject({ dir: join(data, 'pipelines', 'shared', 'a') });
  });
});
