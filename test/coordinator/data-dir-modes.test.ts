import { chmod, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoordinator } from '../../src/coordinator/coordinator.js';
import { METADATA_FILE, MetadataStore } from '../../src/coordinator/metadata-store.js';
import { until } from '../support/until.js';
import { quietLogger } from './fake-runtime.js';

/**
 * The coordinator's data directory holds connection passwords as given: it, the metadata file
 * and the table checkpoints are the owner's only, also after an older version made them wider.
 */

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'laminar-datamodes-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const mode = async (p: string) => (await stat(p)).mode & 0o777;

describe.skipIf(process.platform === 'win32')('data directory modes', () => {
  it('modes — a new store: directory 0700, metadata 0600', async () => {
    const dir = join(root, 'new', 'data');
    const store = await MetadataStore.open(dir);
    await store.nextEpoch();
    expect(await mode(dir)).toBe(0o700);
    expect(await mode(join(root, 'new'))).toBe(0o700);
    expect(await mode(join(dir, METADATA_FILE))).toBe(0o600);
  });

  it('modes — an existing 0755 data directory with a 0644 metadata file is made private by the coordinator', async () => {
    const dir = join(root, 'old');
    await mkdir(dir, { mode: 0o755 });
    await chmod(dir, 0o755);
    const seeded = await MetadataStore.open(dir);
    await seeded.nextEpoch();
    await chmod(join(dir, METADATA_FILE), 0o644);
    const c = await startCoordinator({ dataDir: dir, grpcPort: 0, httpPort: null, logger: quietLogger });
    try {
      expect(await mode(dir)).toBe(0o700);
      await c.plane.createProfile({
        name: 'p',
        connector: 'redis',
        config: { connection: { address: 'redis://127.0.0.1:6390' }, password: 'pw' },
      });
      expect(await mode(join(dir, METADATA_FILE))).toBe(0o600);
      await c.plane.createTable({
        sql: `CREATE TABLE t (k TEXT) WITH (connector = 'redis', type = 'sink',
          address = 'redis://127.0.0.1:6390', 'sink.key_prefix' = 's:', 'sink.key_column' = 'k')`,
      });
      const tables = await until(
        'the table checkpoint directory',
        () => readdir(join(dir, 'tables')).catch(() => []),
        (l) => l.length === 1,
      );
      expect(await mode(join(dir, 'tables'))).toBe(0o700);
      expect(await mode(join(dir, 'tables', tables[0]))).toBe(0o700);
    } finally {
      await c.stop();
    }
  });
});
