/**
 * Packs the project as `npm publish` would and installs packages into fresh projects without the
 * network: shared by the pack-and-install acceptance test and the package-footprint benchmark.
 *
 * The pack runs in a copy of the working tree without `dist/` (a clean clone, uncommitted edits
 * included), so the `prepack` build is the one under test and the tree's own `dist/` — which a
 * running benchmark executes from — is never rebuilt under its feet.
 *
 * Installs are `npm ci --offline` from a lockfile cut out of the repository's own: after `npm ci`
 * the npm cache holds every tarball that lockfile names, but not the registry metadata a plain
 * `npm install <name>` needs to resolve a range, so only a lockfile install works offline.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** What a child process printed, and how it ended. */
export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; never throws on a non-zero exit (the caller asserts on it). */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; timeoutMs?: number; env?: NodeJS.ProcessEnv },
): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: 64 << 20,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, stdout, stderr: err && code === null ? `${stderr}\n${err.message}` : stderr });
      },
    );
  });
}

/** The `npm` on PATH (the one the developer or CI installed with). */
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The tarball `npm pack` made, and what `npm pack --json` says it holds. */
export interface Packed {
  /** Absolute path of the `.tgz`. */
  tarball: string;
  name: string;
  version: string;
  /** Paths inside the package, `/`-separated. */
  files: string[];
  /** Bytes of the gzipped tarball. */
  size: number;
  /** Bytes of its files, uncompressed. */
  unpackedSize: number;
}

/** Top-level entries of the tree a clean clone would not have, or that pack never reads. */
const NOT_STAGED = new Set(['node_modules', '.git', 'dist', '.tmp', 'coverage']);

/**
 * Copies the project at `root` into `work/stage` (without `dist/`, sharing `node_modules` by a
 * link), runs `npm pack` there — its `prepack` builds — and leaves the tarball in `work`.
 */
export async function packProject(root: string, work: string): Promise<Packed> {
  const stage = join(work, 'stage');
  cpSync(root, stage, {
    recursive: true,
    filter: (from) => !NOT_STAGED.has(relative(root, from).split(sep)[0] ?? ''),
  });
  symlinkSync(join(root, 'node_modules'), join(stage, 'node_modules'), 'dir');
  const out = await run(NPM, ['pack', '--json', '--pack-destination', work], {
    cwd: stage,
    timeoutMs: 180_000,
  });
  if (out.code !== 0) throw new Error(`npm pack failed (${out.code}):\n${out.stderr}\n${out.stdout}`);
  // Lifecycle scripts print their banners before the JSON: the report is the last array printed.
  const json = out.stdout.slice(out.stdout.lastIndexOf('\n[') + 1);
  const [report] = JSON.parse(json) as {
    filename: string;
    name: string;
    version: string;
    size: number;
    unpackedSize: number;
    files: { path: string }[];
  }[];
  return {
    tarball: join(work, report.filename),
    name: report.name,
    version: report.version,
    files: report.files.map((f) => f.path),
    size: report.size,
    unpackedSize: report.unpackedSize,
  };
}

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  dev?: boolean;
  devOptional?: boolean;
  [key: string]: unknown;
}

type LockPackages = Record<string, LockEntry>;

/** Where Node would find `dep` from the package installed at `from` (`''` is the root). */
function locate(packages: LockPackages, from: string, dep: string): string | undefined {
  let dir = from;
  for (;;) {
    const at = `${dir ? `${dir}/` : ''}node_modules/${dep}`;
    if (packages[at]) return at;
    if (!dir) return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut < 0 ? '' : dir.slice(0, cut);
  }
}

/** Every lock entry reachable from `starts`, at the path the repository's lock gives it. */
function closure(packages: LockPackages, starts: Map<string, LockEntry>): LockPackages {
  const all: LockPackages = { ...packages, ...Object.fromEntries(starts) };
  const out: LockPackages = {};
  const todo = [...starts.keys()];
  for (let path = todo.pop(); path !== undefined; path = todo.pop()) {
    if (out[path]) continue;
    const { dev: _dev, devOptional: _devOptional, ...entry } = all[path]!;
    out[path] = entry;
    // npm installs a peer unless it is marked optional; the repository's lock may hold one anyway.
    const optionalPeers = (entry.peerDependenciesMeta ?? {}) as Record<string, { optional?: boolean }>;
    const peers = Object.keys(entry.peerDependencies ?? {}).filter((name) => !optionalPeers[name]?.optional);
    const deps = [...Object.keys({ ...entry.dependencies, ...entry.optionalDependencies }), ...peers];
    for (const name of deps) {
      const at = locate(all, path, name);
      if (at && !out[at]) todo.push(at);
    }
  }
  return out;
}

/** A dependency of the fresh project: a package the repository's lockfile pins, or a tarball. */
export type Wanted = { name: string } | { packed: Packed };

/**
 * Makes `dir` a fresh ES-module project depending on `wanted` at the versions the lockfile of
 * `root` pins, and installs it with `npm ci --offline`. Returns its `dependencies` (name → spec).
 */
export async function installOffline(
  root: string,
  dir: string,
  wanted: Wanted[],
): Promise<Record<string, string>> {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: LockPackages;
  };
  const deps: Record<string, string> = {};
  const starts = new Map<string, LockEntry>();
  for (const w of wanted) {
    if ('packed' in w) {
      const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as LockEntry;
      const spec = `file:${relative(dir, w.packed.tarball).split(sep).join('/')}`;
      deps[w.packed.name] = spec;
      starts.set(`node_modules/${w.packed.name}`, {
        version: w.packed.version,
        resolved: spec,
        license: manifest.license,
        dependencies: manifest.dependencies,
        bin: manifest.bin,
        engines: manifest.engines,
      });
    } else {
      const at = `node_modules/${w.name}`;
      const entry = lock.packages[at];
      if (!entry?.version) throw new Error(`${w.name} is not in the root of ${root}/package-lock.json`);
      deps[w.name] = entry.version;
      starts.set(at, entry);
    }
  }
  const manifest = {
    name: 'laminar-redis-consumer',
    version: '1.0.0',
    private: true,
    type: 'module',
    dependencies: deps,
  };
  const packages = {
    '': { name: manifest.name, version: manifest.version, dependencies: deps },
    ...closure(lock.packages, starts),
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(
    join(dir, 'package-lock.json'),
    `${JSON.stringify({ name: manifest.name, version: manifest.version, lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
  );
  const out = await run(NPM, ['ci', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    timeoutMs: 120_000,
  });
  if (out.code !== 0) {
    // ENOTCACHED: the cache lacks a tarball of the lockfile (node_modules not made by `npm ci`?).
    throw new Error(
      `npm ci --offline failed (${out.code}); it reads only the npm cache, which \`npm ci\` in ${root} fills:\n${out.stderr}\n${out.stdout}`,
    );
  }
  return deps;
}

/** Bytes and files under `dir`, links not followed (what the install put on disk). */
export function treeSize(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      const sub = treeSize(p);
      bytes += sub.bytes;
      files += sub.files;
    } else if (e.isFile()) {
      bytes += statSync(p).size;
      files += 1;
    }
  }
  return { bytes, files };
}

/** Packages npm installed into the project at `dir` (direct and transitive). */
export function installedPackages(dir: string): string[] {
  const hidden = JSON.parse(readFileSync(join(dir, 'node_modules', '.package-lock.json'), 'utf8')) as {
    packages: LockPackages;
  };
  return Object.keys(hidden.packages).filter((p) => p.startsWith('node_modules/'));
}
