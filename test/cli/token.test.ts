import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveToken } from '../../src/cli/token.js';
import { buildCli } from '../support/job-process.js';
import { type Spawned, spawnCli, spawnCoordinator } from '../support/runtime-processes.js';
import { until } from '../support/until.js';

/** `--token-file`: the servers' token without showing it in `ps`. */

const TOKEN = 'file-token-0123456789';
let dir: string;
const spawned: Spawned[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laminar-token-'));
  await buildCli();
}, 120_000);

afterAll(async () => {
  for (const p of spawned.reverse()) await p.kill();
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content, { mode: 0o600 });
  return path;
}

describe('token flags', () => {
  it('token — read from --token-file (trimmed), else --token, else LAMINAR_API_TOKEN', async () => {
    const env = { LAMINAR_API_TOKEN: 'from-env' };
    expect(await resolveToken({ tokenFile: await file('t1', `${TOKEN}\n`) }, env)).toBe(TOKEN);
    expect(await resolveToken({ tokenFile: await file('t2', `  ${TOKEN}\r\n\n`) }, env)).toBe(TOKEN);
    expect(await resolveToken({ token: 'flag' }, env)).toBe('flag');
    expect(await resolveToken({}, env)).toBe('from-env');
    expect(await resolveToken({}, {})).toBeUndefined();
  });

  it('token — a bad token file is ERR_TOKEN_FILE, without quoting it', async () => {
    const cases: Array<[Parameters<typeof resolveToken>[0], RegExp]> = [
      [{ tokenFile: join(dir, 'missing') }, /cannot read the token file .*\(ENOENT\)/],
      [{ tokenFile: await file('empty', '\n') }, /is empty/],
      [{ tokenFile: await file('two', 'secret-one\nsecret-two\n') }, /must hold one token/],
      [{ tokenFile: await file('big', 'x'.repeat(5000)) }, /larger than 4096 bytes/],
      [{ tokenFile: await file('both', TOKEN), token: 'x' }, /not both/],
    ];
    for (const [flags, message] of cases) {
      const err = await resolveToken(flags, {}).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ERR_TOKEN_FILE', message: expect.stringMatching(message) });
      expect((err as Error).message).not.toMatch(/secret-|xxxx/);
    }
  });

  it('token — coordinator and worker take --token-file; the token is not on their command lines', async () => {
    const tokenFile = await file('token', `${TOKEN}\n`);
    const c = await spawnCoordinator(join(dir, 'data'), ['--token-file', tokenFile]);
    spawned.push(c);
    const http = c.info.http as string;
    const get = (token?: string) =>
      fetch(`http://${http}/v1/workers`, {
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      });
    expect((await get()).status).toBe(401);
    expect((await get('wrong')).status).toBe(401);
    expect((await get(TOKEN)).status).toBe(200);
    const w = await spawnCli(['worker', '--coordinator', c.info.grpc as string, '--token-file', tokenFile]);
    spawned.push(w);
    await until(
      'the worker registered with the file token',
      async () => (await (await get(TOKEN)).json()) as { data: Array<{ state: string }> },
      (r) => r.data.some((x) => x.state === 'ready'),
    );
    for (const p of [c, w]) expect(p.child.spawnargs.join(' ')).not.toContain(TOKEN);
  }, 60_000);
});
