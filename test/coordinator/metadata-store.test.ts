import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { METADATA_FILE, MetadataStore, newId } from '../../src/coordinator/metadata-store.js';
import type { PipelineRecord, ProfileRecord, TableRecord } from '../../src/coordinator/records.js';
import { parseProfile, parseTable } from '../../src/sink/config/json.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laminar-meta-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const profileBody = {
  name: 'redis_cache',
  connector: 'redis' as const,
  config: {
    connection: { address: 'redis://cache.example.com:6379' },
    username: 'app_user',
    password: '{{ REDIS_PASSWORD }}',
  },
};

function profile(name = 'redis_cache'): ProfileRecord {
  return { id: newId('prof'), name, connector: 'redis', config: profileBody.config, createdAtMs: 1 };
}

function table(profileId: string, name = 'user_sessions'): TableRecord {
  const config = { connectorType: { target: { keyPrefix: 'session:', keyColumn: 'session_id' } } };
  const model = parseTable({ name, connector: 'redis', config }, parseProfile(profileBody));
  return {
    id: newId('tbl'),
    name,
    connector: 'redis',
    connectionProfileId: profileId,
    config,
    shards: 4,
    model,
    createdAtMs: 2,
  };
}

function pipeline(name = 'orders'): PipelineRecord {
  return {
    id: newId('pl'),
    name,
    spec: { name, sources: [], tables: [], checkpoint: { dir: '/tmp/x' } },
    state: 'pending',
    workerId: '',
    generation: 0,
    lastCheckpointId: -1,
    createdAtMs: 3,
    updatedAtMs: 3,
  };
}

describe('MetadataStore', () => {
  it('metadata store — ids have the documented shape', () => {
    expect(newId('prof')).toMatch(/^prof_[0-9a-z]{10}$/);
    expect(newId('tbl')).toMatch(/^tbl_[0-9a-z]{10}$/);
    expect(newId('pl')).toMatch(/^pl_[0-9a-z]{10}$/);
  });

  it('metadata store — reopening gives the same profiles, tables and pipelines, secrets as given', async () => {
    const store = await MetadataStore.open(dir);
    const p = await store.insertProfile(profile());
    const t = await store.insertTable(table(p.id));
    const pl = await store.insertPipeline(pipeline());
    await store.updatePipeline(pl.id, (r) => ({ ...r, state: 'running', workerId: 'w1', updatedAtMs: 9 }));

    const reopened = await MetadataStore.open(dir);
    expect(reopened.listProfiles()).toEqual([p]);
    expect(reopened.findProfile('redis_cache')?.config.password).toBe('{{ REDIS_PASSWORD }}');
    expect(reopened.listTables()).toEqual([t]);
    expect(reopened.findTable(t.id)?.model).toEqual(t.model);
    expect(reopened.findPipeline('orders')).toMatchObject({
      id: pl.id,
      state: 'running',
      workerId: 'w1',
      updatedAtMs: 9,
    });
  });

  it('metadata store — lookups return copies that cannot change the store', async () => {
    const store = await MetadataStore.open(dir);
    const p = await store.insertProfile(profile());
    const copy = store.findProfile(p.id)!;
    copy.name = 'changed';
    (copy.config as { password: string }).password = 'x';
    expect(store.findProfile(p.id)?.name).toBe('redis_cache');
    expect(store.findProfile(p.id)?.config.password).toBe('{{ REDIS_PASSWORD }}');
  });

  it('metadata store — epochs increase, never repeat under concurrency, and continue after reopening', async () => {
    const store = await MetadataStore.open(dir);
    const first = await Promise.all(Array.from({ length: 20 }, () => store.nextEpoch()));
    expect(new Set(first).size).toBe(20);
    expect([...first].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const reopened = await MetadataStore.open(dir);
    expect(await reopened.nextEpoch()).toBe(21);
    const again = await MetadataStore.open(dir);
    expect(await again.nextEpoch()).toBe(22);
  });

  it('metadata store — names are unique per kind (ERR_ALREADY_EXISTS), a failed insert changes nothing', async () => {
    const store = await MetadataStore.open(dir);
    await store.insertProfile(profile());
    await expect(store.insertProfile(profile())).rejects.toMatchObject({ code: 'ERR_ALREADY_EXISTS' });
    expect(store.listProfiles()).toHaveLength(1);
    // Another kind may reuse the name.
    await store.insertPipeline(pipeline('redis_cache'));
    expect((await MetadataStore.open(dir)).listProfiles()).toHaveLength(1);
  });

  it('metadata store — deleting a profile a table uses is ERR_FAILED_PRECONDITION; unknown ids ERR_NOT_FOUND', async () => {
    const store = await MetadataStore.open(dir);
    const p = await store.insertProfile(profile());
    const t = await store.insertTable(table(p.id));
    await expect(store.deleteProfile(p.id)).rejects.toMatchObject({
      code: 'ERR_FAILED_PRECONDITION',
      message: expect.stringContaining("'user_sessions'"),
    });
    await store.deleteTable(t.id);
    await store.deleteProfile(p.id);
    await expect(store.deleteProfile(p.id)).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    await expect(store.insertTable(table(p.id))).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    expect((await MetadataStore.open(dir)).listProfiles()).toEqual([]);
  });

  it('metadata store — a corrupt file is a clear error and is left untouched', async () => {
    const store = await MetadataStore.open(dir);
    await store.insertProfile(profile());
    const file = join(dir, METADATA_FILE);
    const good = await readFile(file, 'utf8');
    const doc = JSON.parse(good);
    const cases = [
      good.slice(0, good.length / 2), // cut short
      '{"format":"something-else"}',
      '[]',
      JSON.stringify({ ...doc, profiles: {} }),
      JSON.stringify({ ...doc, tables: [{ name: 'no id' }] }),
      JSON.stringify({ ...doc, lastEpoch: -1 }),
    ];
    for (const text of cases) {
      await writeFile(file, text);
      const err = await MetadataStore.open(dir).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ERR_METADATA_CORRUPT', file });
      expect((err as Error).message).toContain('damaged');
      expect(await readFile(file, 'utf8')).toBe(text);
    }
    await writeFile(file, good.replace('"version": 1', '"version": 99'));
    await expect(MetadataStore.open(dir)).rejects.toThrow(/version 99 is not supported/);
  });

  it('metadata store — temp files of an interrupted write are removed on open, the file keeps the last write', async () => {
    const store = await MetadataStore.open(dir);
    await store.insertProfile(profile());
    await writeFile(join(dir, `${METADATA_FILE}.0123456789ab.tmp`), '{"half');
    const reopened = await MetadataStore.open(dir);
    expect(reopened.listProfiles()).toHaveLength(1);
    expect((await readdir(dir)).sort()).toEqual([METADATA_FILE]);
  });

  it('metadata store — a write that fails leaves memory and disk as they were', async () => {
    const store = await MetadataStore.open(dir);
    await store.insertProfile(profile('a'));
    await rm(dir, { recursive: true, force: true }); // the directory vanishes: the next write fails
    await expect(store.insertProfile(profile('b'))).rejects.toMatchObject({ code: 'ERR_METADATA_IO' });
    expect(store.listProfiles().map((p) => p.name)).toEqual(['a']);
  });
});
