import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MetadataStore, newId } from '../../src/coordinator/metadata-store.js';
import type { ProfileRecord } from '../../src/coordinator/records.js';

/**
 * Group commit: parallel changes share whole-file writes, yet each is on disk before its caller
 * is answered, in call order, and a refused change or a failed write touches nothing else.
 */

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laminar-group-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const profile = (name: string): ProfileRecord => ({
  id: newId('prof'),
  name,
  connector: 'redis',
  config: { connection: { address: 'redis://127.0.0.1:6390' } },
  createdAtMs: 1,
});

describe('metadata store — group commit', () => {
  it('group commit — 600 parallel creates take a few writes, and all of them are on disk when answered', async () => {
    const store = await MetadataStore.open(dir);
    const names = Array.from({ length: 600 }, (_, i) => `p${i}`);
    const stored = await Promise.all(names.map((n) => store.insertProfile(profile(n))));
    expect(stored.map((p) => p.name)).toEqual(names);
    expect(store.writeCount).toBeLessThanOrEqual(10);
    const reopened = await MetadataStore.open(dir);
    expect(reopened.listProfiles().map((p) => p.name)).toEqual(names);
  });

  it('group commit — a refused change in a batch fails alone; the others are kept, in call order', async () => {
    const store = await MetadataStore.open(dir);
    const results = await Promise.allSettled(
      ['a', 'b', 'a', 'c', 'b'].map((n) => store.insertProfile(profile(n))),
    );
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
    ]);
    expect(results[2]).toMatchObject({ reason: { code: 'ERR_ALREADY_EXISTS' } });
    const epochs = await Promise.all(Array.from({ length: 50 }, () => store.nextEpoch()));
    expect(epochs).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const reopened = await MetadataStore.open(dir);
    expect(reopened.listProfiles().map((p) => p.name)).toEqual(['a', 'b', 'c']);
    expect(await reopened.nextEpoch()).toBe(51);
  });

  it('group commit — callers that change again as soon as they are answered are all served', async () => {
    const store = await MetadataStore.open(dir);
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        await store.insertProfile(profile(`x${i}`));
        await store.nextEpoch();
        await store.insertProfile(profile(`y${i}`));
      }),
    );
    await store.flush();
    expect(store.listProfiles()).toHaveLength(80);
    expect((await MetadataStore.open(dir)).listProfiles()).toHaveLength(80);
  });

  it('group commit — a failed write refuses every change it carried and changes nothing', async () => {
    const store = await MetadataStore.open(dir);
    await store.insertProfile(profile('kept'));
    await rm(dir, { recursive: true, force: true });
    const results = await Promise.allSettled(['a', 'b', 'c'].map((n) => store.insertProfile(profile(n))));
    for (const r of results)
      expect(r).toMatchObject({ status: 'rejected', reason: { code: 'ERR_METADATA_IO' } });
    expect(store.listProfiles().map((p) => p.name)).toEqual(['kept']);
  });
});
