import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GRPC_PORT, DEFAULT_HTTP_PORT } from '../../src/coordinator/coordinator.js';
import { HEALTH_PATH, READY_PATH } from '../../src/wire/probes.js';
import { buildCli } from '../support/job-process.js';
import { plainRequest } from '../support/plain-http.js';
import { type Spawned, spawnCli } from '../support/runtime-processes.js';
import { optionsOf } from './cli-help.js';
import { all, execForm, last, parseDockerfile } from './dockerfile-parse.js';

/**
 * The image, as far as it can be checked without a Docker daemon: the Dockerfile's stages and
 * user, that its build context holds what it copies, and that its ENTRYPOINT + CMD — run as the
 * image would, on the compiled CLI — starts and answers the probes.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(dockerfile);
const [build, runtime] = stages;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  files: string[];
};
const TOKEN = 'image-test-token';

let dir: string;
const spawned: Spawned[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laminar-image-'));
  await buildCli();
}, 120_000);

afterAll(async () => {
  for (const p of spawned) await p.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('Dockerfile', () => {
  it('Dockerfile — two stages from node:20-bookworm-slim: build, then runtime', () => {
    expect(stages).toHaveLength(2);
    for (const s of stages) expect(s.from).toBe('node:20-bookworm-slim');
    expect(build.name).toBe('build');
    const buildRuns = all(build, 'RUN').map((i) => i.args);
    expect(buildRuns).toContain('npm ci');
    expect(buildRuns).toContain('npm run build');
  });

  it('Dockerfile — the runtime stage installs production dependencies only and copies the build', () => {
    const runs = all(runtime, 'RUN').map((i) => i.args);
    expect(runs.some((r) => /^npm ci --omit=dev\b/.test(r))).toBe(true);
    expect(runs.some((r) => /npm (ci|install)(?!.*--omit=dev)/.test(r))).toBe(false);
    const copies = all(runtime, 'COPY').map((i) => i.args);
    expect(copies).toContain('--from=build /app/dist/src dist/src');
  });

  it('Dockerfile — the runtime stage holds every path the npm package ships', () => {
    const copied = all(runtime, 'COPY').flatMap((i) => {
      const parts = i.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      return parts.slice(0, -1);
    });
    const shipped = pkg.files.filter((f) => !f.startsWith('!') && !f.includes('{'));
    for (const f of shipped) {
      const inImage = f === 'dist/src' ? copied.includes('/app/dist/src') : copied.includes(f);
      expect(inImage, `${f} is in package.json "files" but not copied into the image`).toBe(true);
    }
  });

  it('Dockerfile — runs as the unprivileged node user', () => {
    const user = last(runtime, 'USER')?.args;
    expect(user).toBe('node');
    expect(['root', '0', '0:0']).not.toContain(user);
    // USER comes before the entry point, after the steps that need root.
    const names = runtime.instructions.map((i) => i.name);
    expect(names.lastIndexOf('USER')).toBeLessThan(names.indexOf('ENTRYPOINT'));
    expect(names.lastIndexOf('RUN')).toBeLessThan(names.lastIndexOf('USER'));
  });

  it('Dockerfile — exposes the default HTTP and gRPC ports', () => {
    const exposed = all(runtime, 'EXPOSE').flatMap((i) => i.args.split(/\s+/).map(Number));
    expect(exposed).toEqual(expect.arrayContaining([DEFAULT_HTTP_PORT, DEFAULT_GRPC_PORT]));
  });

  it('Dockerfile — ENTRYPOINT is the package bin, run by node', () => {
    const entry = execForm(last(runtime, 'ENTRYPOINT'));
    expect(entry).toEqual(['node', pkg.bin['laminar-redis'].replace(/^\.\//, '')]);
  });

  it('Dockerfile — the build context (.dockerignore) keeps what the COPY steps take, and no node_modules', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(ignore[0]).toBe('**');
    const kept = new Set(ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1)));
    const sources = stages.flatMap((s) =>
      all(s, 'COPY')
        .filter((i) => !i.args.startsWith('--from'))
        .flatMap((i) => i.args.split(/\s+/).slice(0, -1)),
    );
    for (const src of sources) {
      const top = src.split('/')[0];
      expect(kept.has(src) || kept.has(top), `${src} is copied but left out of the build context`).toBe(true);
      expect(existsSync(join(ROOT, src)), `${src} is copied but does not exist`).toBe(true);
    }
    for (const k of kept) expect(k).not.toMatch(/node_modules|dist|\.git|\.tmp/);
  });

  it('Dockerfile — CMD holds only options its command accepts', async () => {
    const [command, ...args] = execForm(last(runtime, 'CMD'));
    const accepted = await optionsOf(command);
    for (const a of args.filter((x) => x.startsWith('--'))) expect(accepted.has(a), a).toBe(true);
  });

  it('Dockerfile — ENTRYPOINT + CMD starts and answers /healthz and /readyz without the token', async () => {
    const cmd = execForm(last(runtime, 'CMD'));
    // The image's command as it is; then free ports and a scratch data directory, which the
    // CLI takes over the earlier values (commander keeps the last).
    const p = await spawnCli(
      [...cmd, '--grpc-port', '0', '--http-port', '0', '--data-dir', join(dir, 'data')],
      {
        LAMINAR_API_TOKEN: TOKEN,
      },
    );
    spawned.push(p);
    const http = String(p.info.http).replace(/^0\.0\.0\.0:/, '127.0.0.1:');
    expect(String(p.info.http)).toMatch(/^0\.0\.0\.0:\d+$/);
    expect(await plainRequest(http, HEALTH_PATH)).toMatchObject({ status: 200, text: 'ok\n' });
    expect(await plainRequest(http, READY_PATH)).toMatchObject({ status: 200, text: 'ok\n' });
    expect((await plainRequest(http, '/v1/workers')).status).toBe(401);
    await p.kill('SIGTERM');
    expect(p.child.exitCode).toBe(0);
  });

  it('Dockerfile — the default CMD refuses to serve beyond loopback without a token', async () => {
    const cmd = execForm(last(runtime, 'CMD'));
    await expect(
      spawnCli([...cmd, '--grpc-port', '0', '--http-port', '0', '--data-dir', join(dir, 'no-token')], {
        LAMINAR_API_TOKEN: '',
      }),
    ).rejects.toThrow(/ERR_INSECURE_BIND/);
  });
});
