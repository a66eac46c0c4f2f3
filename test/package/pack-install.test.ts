/**
 * The package as a user meets it: `npm pack` (its `prepack` builds, as on a clean clone), the
 * tarball installed without the network into a fresh TypeScript project, the README's quick start
 * type-checked there with the project's own compiler and run against a real redis-server.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installOffline, type Packed, packProject, run } from '../../bench/package-footprint/pack.js';
import { cli, type RedisServer, startRedis } from '../support/redis.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const MANIFEST = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  engines: { node: string };
  exports: Record<string, string | { default: string }>;
  bin: Record<string, string>;
};
/** The address the README's samples write to; the test points it at its own server. */
const README_REDIS = 'redis://127.0.0.1:6379';

/** The first TypeScript block of the README section titled `heading`. */
function readmeSample(heading: string): string {
  const section = README.slice(README.indexOf(`\n## ${heading}\n`));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error(`README: no ts block under "## ${heading}"`);
  return block[1];
}

/** Relative links and images of the README (`docs/api.md`, `examples/`, `LICENSE`, ...). */
function readmeTargets(): string[] {
  const targets = [...README.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]);
  return [...new Set(targets.filter((t) => !/^[a-z]+:/.test(t)))];
}

const RELATIVE_IMPORT = /(?:from\s*|import\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/** Package-relative paths of the modules `entries` load, following relative imports. */
function reachableFrom(pkg: string, entries: string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...entries];
  for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
    if (seen.has(file) || !existsSync(join(pkg, file))) continue;
    seen.add(file);
    for (const m of readFileSync(join(pkg, file), 'utf8').matchAll(RELATIVE_IMPORT)) {
      todo.push(
        relative(pkg, resolve(dirname(join(pkg, file)), m[1]))
          .split(sep)
          .join('/'),
      );
    }
  }
  return seen;
}

/** `[major, minor, patch]` of a version or of a `>=x.y.z` range's floor. */
const semver = (v: string) =>
  v
    .replace(/^[^\d]*/, '')
    .split('.')
    .map(Number);
const atLeast = (have: number[], floor: number[]) => {
  for (let i = 0; i < 3; i++) if (have[i] !== floor[i]) return have[i] > floor[i];
  return true;
};

describe('package — packed, installed offline and used as the README says', () => {
  let work: string;
  let app: string;
  let installed: string;
  let packed: Packed;
  let redis: RedisServer;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'laminar-pack-'));
    app = join(work, 'app');
    // Both at once; settled so that a failed pack still leaves the server to afterAll to stop.
    const [pack, server] = await Promise.allSettled([packProject(ROOT, work), startRedis()]);
    if (server.status === 'fulfilled') redis = server.value;
    if (pack.status === 'rejected') throw pack.reason;
    if (server.status === 'rejected') throw server.reason;
    packed = pack.value;
    await installOffline(ROOT, app, [{ packed }, { name: '@types/node' }]);
    installed = join(app, 'node_modules', MANIFEST.name);
  }, 150_000);

  afterAll(async () => {
    await redis?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('package — the tarball holds LICENSE, the docs, chart and files the README links', () => {
    expect(packed.files).toContain('LICENSE');
    expect(packed.files).toContain('package.json');
    const targets = readmeTargets();
    expect(targets).toEqual(
      expect.arrayContaining(['LICENSE', 'docs/api.md', 'bench/results/throughput.svg']),
    );
    const missing = targets.filter((t) => !existsSync(join(installed, t)));
    expect(missing).toEqual([]);
    for (const doc of readdirSync(join(ROOT, 'docs'))) expect(packed.files).toContain(`docs/${doc}`);
  });

  it('package — no source maps, benchmarks, tests or test-server launchers are shipped', () => {
    expect(packed.files.filter((f) => f.endsWith('.map'))).toEqual([]);
    const shipped =
      /^(dist\/src\/|docs\/|examples\/|proto\/|(README|CHANGELOG)\.md$|LICENSE$|package\.json$|bench\/results\/throughput\.svg$)/;
    expect(packed.files.filter((f) => !shipped.test(f))).toEqual([]);
    // src/dev also holds the test suite's server launchers: only what an entry point loads ships.
    const entries = [
      ...Object.values(MANIFEST.exports).flatMap((e) => (typeof e === 'string' ? [] : [e.default])),
      ...Object.values(MANIFEST.bin),
    ].map((e) => e.replace(/^\.\//, ''));
    expect(entries).toContain('dist/src/cli.js');
    const reached = reachableFrom(installed, entries);
    const devShipped = packed.files.filter((f) => f.startsWith('dist/src/dev/') && f.endsWith('.js'));
    expect(devShipped.filter((f) => !reached.has(f))).toEqual([]);
    expect(devShipped).toContain('dist/src/dev/redis-server.js');
    expect(packed.files).not.toContain('dist/src/dev/redis-cluster.js');
    const js = readFileSync(join(installed, 'dist/src/dataflow/shard-actor.js'), 'utf8');
    expect(js).not.toContain('sourceMappingURL');
  });

  it('package — every relative import of a shipped module resolves to a shipped file', () => {
    const unresolved: string[] = [];
    for (const file of packed.files.filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'))) {
      const text = readFileSync(join(installed, file), 'utf8');
      for (const m of text.matchAll(RELATIVE_IMPORT)) {
        const target = resolve(dirname(join(installed, file)), m[1]);
        if (!existsSync(target)) unresolved.push(`${file} → ${m[1]}`);
      }
    }
    expect(unresolved).toEqual([]);
  });

  it('package — the README quick start type-checks against the installed package', async () => {
    const sample = readmeSample('Quick start: a sink');
    expect(sample).toContain(README_REDIS);
    expect(sample).toMatch(/from 'laminar-redis(\/[a-z]+)?'/);
    writeFileSync(join(app, 'quickstart.ts'), sample.replaceAll(README_REDIS, redis.url));
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          types: ['node'],
          outDir: 'out',
        },
        include: ['quickstart.ts'],
      }),
    );
    const tsc = await run(process.execPath, [TSC, '-p', '.'], { cwd: app, timeoutMs: 90_000 });
    expect(`${tsc.stdout}${tsc.stderr}`).toBe('');
    expect(tsc.code).toBe(0);
  }, 100_000);

  it('package — the README quick start writes its rows to a real Redis and the library prints nothing', async () => {
    expect(existsSync(join(app, 'out', 'quickstart.js'))).toBe(true);
    const ran = await run(process.execPath, ['out/quickstart.js'], { cwd: app, timeoutMs: 30_000 });
    expect({ code: ran.code, stdout: ran.stdout, stderr: ran.stderr }).toEqual({
      code: 0,
      stdout: '',
      stderr: '',
    });
    expect(JSON.parse(await cli(redis, 'GET', 'session:s1'))).toEqual({
      session_id: 's1',
      user_id: 'u1',
      score: 10,
    });
    expect(JSON.parse(await cli(redis, 'GET', 'session:s2'))).toEqual({
      session_id: 's2',
      user_id: 'u2',
      score: 7,
    });
    const ttl = Number(await cli(redis, 'TTL', 'session:s1'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1800);
  });

  it('package — .proto files and package.json resolve by package path, from ESM and CommonJS', async () => {
    const proto = `${MANIFEST.name}/proto/laminar/redis/v1/control.proto`;
    const esm = await run(
      process.execPath,
      ['--input-type=module', '-e', `process.stdout.write(import.meta.resolve(${JSON.stringify(proto)}))`],
      { cwd: app },
    );
    expect(esm.stderr).toBe('');
    expect(fileURLToPath(esm.stdout)).toBe(join(installed, 'proto/laminar/redis/v1/control.proto'));
    const cjs = await run(
      process.execPath,
      [
        '-e',
        `const p = require.resolve(${JSON.stringify(proto)});
         const { version } = require('${MANIFEST.name}/package.json');
         process.stdout.write(JSON.stringify({ p, version, text: require('node:fs').readFileSync(p, 'utf8').length > 0 }))`,
      ],
      { cwd: app },
    );
    expect(cjs.stderr).toBe('');
    expect(JSON.parse(cjs.stdout)).toEqual({
      p: join(installed, 'proto/laminar/redis/v1/control.proto'),
      version: MANIFEST.version,
      text: true,
    });
  });

  it('package — require() loads every entry on this Node, which meets the engines floor', async () => {
    expect(MANIFEST.engines.node).toBe('>=20.19.0');
    expect(atLeast(semver(process.versions.node), semver(MANIFEST.engines.node))).toBe(true);
    const probe = `const out = {};
      for (const e of ['', '/client', '/sink', '/producer', '/grpc']) {
        const m = require('${MANIFEST.name}' + e);
        out[e || '.'] = typeof (m.createClient ?? m.Producer ?? m.connectControl);
      }
      process.stdout.write(JSON.stringify(out));`;
    const ran = await run(process.execPath, ['-e', probe], { cwd: app });
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual({
      '.': 'function',
      '/client': 'function',
      '/sink': 'function',
      '/producer': 'function',
      '/grpc': 'function',
    });
  });

  it('package — the installed bin runs from node_modules/.bin', async () => {
    const ran = await run(join(app, 'node_modules', '.bin', 'laminar-redis'), ['--help'], { cwd: app });
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('Usage: laminar-redis');
  });
});
