/**
 * What installing and loading laminar-redis costs a user, against node-redis (`redis`) and ioredis
 * in the same run: the packed tarball and each peer installed into its own fresh project (offline,
 * at the versions the repository's lockfile pins), then per project the bytes and files of
 * `node_modules` and the packages npm put there, and the cold import time of each entry point.
 *
 * Cold import: a fresh `node` process per sample, run in the project's folder, that imports the
 * entry by its package name; the child times the `import()` itself (`performance.now()` before and
 * after, Node's own start-up excluded), the parent the whole process (spawn to exit, start-up
 * included). Figures are medians over rounds that alternate the entries, so a slow spell of the
 * shared machine hits all of them alike; the file-system cache is warmed by one import of each
 * first.
 *
 * Run: `npm run bench:footprint [-- --rounds 11]`; writes
 * bench/results/package-footprint.json and prints the table docs/benchmarks.md shows.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machineInfo } from '../report.js';
import { installedPackages, installOffline, packProject, treeSize, type Wanted } from './pack.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url)); // dist/bench/package-footprint → root
const RESULT = join(ROOT, 'bench', 'results', 'package-footprint.json');

interface Project {
  client: string;
  wanted: (packed: Awaited<ReturnType<typeof packProject>>) => Wanted;
  entries: string[];
}

const PROJECTS: Project[] = [
  {
    client: 'laminar-redis',
    wanted: (packed) => ({ packed }),
    entries: [
      'laminar-redis/client',
      'laminar-redis/sink',
      'laminar-redis/producer',
      'laminar-redis/grpc',
      'laminar-redis',
    ],
  },
  { client: 'node-redis', wanted: () => ({ name: 'redis' }), entries: ['redis'] },
  { client: 'ioredis', wanted: () => ({ name: 'ioredis' }), entries: ['ioredis'] },
];

const PROBE =
  'const t = performance.now(); import(process.argv[1]).then(() => process.stdout.write(String(performance.now() - t)));';

/** One cold import of `entry` from `cwd`: the import alone and the whole process, ms. */
function sample(cwd: string, entry: string): { importMs: number; processMs: number } {
  const t = performance.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE, entry], {
    cwd,
    encoding: 'utf8',
  });
  const processMs = performance.now() - t;
  if (r.status !== 0) throw new Error(`import of ${entry} failed: ${r.stderr}`);
  return { importMs: Number(r.stdout), processMs };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '11' } } });
  const rounds = Math.max(5, Number.parseInt(values.rounds, 10) || 11);
  const machine = await machineInfo(); // its load average is the one at the start
  const work = mkdtempSync(join(tmpdir(), 'laminar-footprint-'));
  try {
    const packed = await packProject(ROOT, work);
    const installs = [];
    for (const p of PROJECTS) {
      const dir = join(work, p.client);
      const deps = await installOffline(ROOT, dir, [p.wanted(packed)]);
      const size = treeSize(join(dir, 'node_modules'));
      installs.push({
        client: p.client,
        dir,
        version: p.client === 'laminar-redis' ? packed.version : Object.values(deps)[0],
        packages: installedPackages(dir).length,
        installBytes: size.bytes,
        installFiles: size.files,
        entries: p.entries,
      });
    }
    const samples = new Map<string, { importMs: number[]; processMs: number[] }>();
    for (const i of installs) {
      for (const e of i.entries) {
        sample(i.dir, e);
        samples.set(e, { importMs: [], processMs: [] });
      }
    }
    for (let r = 0; r < rounds; r++) {
      for (const i of installs) {
        for (const e of i.entries) {
          const s = sample(i.dir, e);
          samples.get(e)!.importMs.push(s.importMs);
          samples.get(e)!.processMs.push(s.processMs);
        }
      }
    }
    const report = {
      date: new Date().toISOString(),
      machine,
      loadAverageAtEnd: (await machineInfo()).loadAverage,
      method: `npm ci --offline of each package into its own fresh project; cold import = fresh node process per sample, median of ${rounds} alternating rounds`,
      tarballBytes: packed.size,
      tarballFiles: packed.files.length,
      installs: installs.map(({ dir: _dir, entries: _entries, ...rest }) => rest),
      imports: installs.flatMap((i) =>
        i.entries.map((entry) => {
          const s = samples.get(entry)!;
          return {
            entry,
            client: i.client,
            importMs: round1(median(s.importMs)),
            processMs: round1(median(s.processMs)),
            minImportMs: round1(Math.min(...s.importMs)),
          };
        }),
      ),
    };
    writeFileSync(RESULT, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`${renderTable(report)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

type Report = {
  installs: {
    client: string;
    version: string;
    packages: number;
    installBytes: number;
    installFiles: number;
  }[];
  imports: { entry: string; importMs: number; processMs: number }[];
};

/** The Markdown of docs/benchmarks.md's package-footprint section. */
function renderTable(report: Report): string {
  const mb = (b: number) => (b / 1e6).toFixed(1);
  const lines = [
    '| package | version | packages installed | node_modules | files |',
    '|---|---|--:|--:|--:|',
    ...report.installs.map(
      (i) => `| ${i.client} | ${i.version} | ${i.packages} | ${mb(i.installBytes)} MB | ${i.installFiles} |`,
    ),
    '',
    '| entry | cold import, ms | whole process, ms |',
    '|---|--:|--:|',
    ...report.imports.map((i) => `| \`${i.entry}\` | ${i.importMs} | ${i.processMs} |`),
  ];
  return lines.join('\n');
}

await main();
