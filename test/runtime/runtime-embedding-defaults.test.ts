import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime } from '../../src/cli/runtime.js';

/**
 * Embedded, a runtime asks for its data directory (or a temporary one it removes) and binds any
 * free ports, reporting the bound addresses.
 */

let dir: string;
let busy: Server;
const savedTmp = process.env.TMPDIR;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laminar-embed-'));
  // os.tmpdir() reads TMPDIR: the temporary data directories land here, where the test sees them.
  process.env.TMPDIR = join(dir, 'tmp');
  await mkdir(join(dir, 'tmp'));
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  await new Promise((resolve) => busy.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

const temporaries = async () =>
  (await readdir(join(dir, 'tmp'))).filter((d) => d.startsWith('laminar-runtime-'));

describe('startRuntime — embedding defaults', () => {
  it('runtime defaults — without dataDir or temporaryDataDir, or with both, ERR_CONFIG naming dataDir', async () => {
    await expect(startRuntime({ workers: 0 })).rejects.toMatchObject({
      code: 'ERR_CONFIG',
      option: 'dataDir',
      message: expect.stringMatching(/needs a dataDir, .* or temporaryDataDir: true/),
    });
    await expect(
      startRuntime({ dataDir: join(dir, 'both'), temporaryDataDir: true, workers: 0 }),
    ).rejects.toMatchObject({ code: 'ERR_CONFIG', option: 'dataDir' });
    expect(existsSync(join(dir, 'both'))).toBe(false);
    expect(existsSync(join(process.cwd(), 'laminar-data'))).toBe(false);
  });

  it('runtime defaults — temporaryDataDir: any free ports, bound addresses reported, the directory removed on stop', async () => {
    const a = await startRuntime({ temporaryDataDir: true });
    // A second one at once: no fixed port to collide on.
    const b = await startRuntime({ temporaryDataDir: true, workers: 0 });
    try {
      for (const rt of [a, b]) {
        expect(rt.grpcAddress).toMatch(/^127\.0\.0\.1:\d+$/);
        expect(rt.grpcAddress).not.toBe('127.0.0.1:9190');
        expect(rt.httpUrl).toBe(`http://${rt.httpAddress}`);
        expect(rt.httpAddress).not.toBe('127.0.0.1:8000');
        expect(existsSync(join(rt.dataDir, 'LOCK'))).toBe(true);
      }
      expect(a.grpcAddress).not.toBe(b.grpcAddress);
      const res = await fetch(`${a.httpUrl}/v1/workers`);
      expect(((await res.json()) as { data: Array<{ state: string }> }).data).toMatchObject([
        { state: 'ready' },
      ]);
      expect((await temporaries()).sort()).toEqual(
        [a.dataDir, b.dataDir].map((d) => d.slice(join(dir, 'tmp').length + 1)).sort(),
      );
    } finally {
      await a.stop();
      await b.stop();
    }
    expect(await temporaries()).toEqual([]);
  });

  it('runtime defaults — a named dataDir stays after stop, is locked while running, and httpPort null means no HTTP', async () => {
    const dataDir = join(dir, 'kept');
    const rt = await startRuntime({ dataDir, workers: 0, httpPort: null });
    try {
      expect(rt.dataDir).toBe(dataDir);
      expect([rt.httpAddress, rt.httpUrl]).toEqual([undefined, undefined]);
      await expect(startRuntime({ dataDir, workers: 0 })).rejects.toMatchObject({
        code: 'ERR_DATA_DIR_LOCKED',
      });
    } finally {
      await rt.stop();
    }
    expect(existsSync(dataDir)).toBe(true);
    const again = await startRuntime({ dataDir, workers: 0 });
    await again.stop();
  });

  it('runtime defaults — a temporary runtime that cannot start leaves no directory behind', async () => {
    const port = (busy.address() as { port: number }).port;
    await expect(startRuntime({ temporaryDataDir: true, grpcPort: port })).rejects.toMatchObject({
      code: 'ERR_LISTEN',
      address: `127.0.0.1:${port}`,
    });
    expect(await temporaries()).toEqual([]);
  });
});
