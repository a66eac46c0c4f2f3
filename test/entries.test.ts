import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
/** Static imports and re-exports only: a dynamic `import()` loads on use, not on import. */
const STATIC = /^\s*(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+from\s+)?['"]([^'"]+)['"]/gm;

/** Every source file and package a static import of `entry` loads, type-only imports left out. */
function importGraph(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(STATIC)) {
      if (/^\s*(?:import|export)\s+type\b/.test(m[0])) continue;
      const spec = m[1];
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
      else if (!spec.startsWith('node:'))
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
    }
  };
  visit(join(SRC, entry));
  return { files: [...files].map((f) => relative(SRC, f)).sort(), packages: [...packages].sort() };
}

const HEAVY_FOLDERS = ['coordinator/', 'worker/', 'wire/', 'job/', 'sql/', 'dataflow/', 'cli/', 'producer/'];

describe('package entries', () => {
  it('entries — laminar-redis/client loads the RESP client only: no gRPC, no SQL parser, no runtime', () => {
    const { files, packages } = importGraph('client.ts');
    expect(packages).not.toContain('@grpc/grpc-js');
    expect(packages).not.toContain('@guanmingchiu/sqlparser-ts');
    expect(packages).not.toContain('pino');
    expect(files.filter((f) => !f.startsWith('resp/') && !['client.ts', 'errors.ts'].includes(f))).toEqual(
      [],
    );
  });

  it('entries — laminar-redis/sink loads no gRPC, no pino, no SQL parser module and no runtime folder', () => {
    const { files, packages } = importGraph('sink.ts');
    expect(packages).not.toContain('pino');
    expect(packages).not.toContain('@grpc/grpc-js');
    expect(packages).not.toContain('@bufbuild/protobuf');
    expect(packages).not.toContain('@guanmingchiu/sqlparser-ts');
    expect(files.filter((f) => HEAVY_FOLDERS.some((h) => f.startsWith(h)))).toEqual([]);
  });

  it('entries — laminar-redis/producer loads no pino and no coordinator, worker, SQL or job code', () => {
    const { files, packages } = importGraph('producer.ts');
    expect(packages).not.toContain('pino');
    expect(packages).not.toContain('@guanmingchiu/sqlparser-ts');
    const heavy = ['coordinator/', 'worker/', 'job/', 'sql/', 'dataflow/', 'cli/'];
    expect(files.filter((f) => heavy.some((h) => f.startsWith(h)))).toEqual([]);
  });

  it('entries — laminar-redis/grpc loads grpc-js and generated code only: no runtime, sink or SQL', () => {
    const { files, packages } = importGraph('grpc.ts');
    expect(packages).not.toContain('pino');
    expect(packages).not.toContain('@guanmingchiu/sqlparser-ts');
    expect(files.filter((f) => !f.startsWith('wire/') && !['grpc.ts', 'errors.ts'].includes(f))).toEqual([]);
  });

  it('entries — the main entry still exports every name the README and docs import', async () => {
    const main = await import('../src/index.js');
    for (const name of [
      'createClient',
      'createCluster',
      'createSink',
      'startRuntime',
      'Producer',
      'compileSqlScript',
      'runJob',
      'startJob',
      'connectControl',
      'toStruct',
    ]) {
      expect(main).toHaveProperty(name);
    }
  });

  it('entries — package.json maps each subpath to its compiled entry', () => {
    const pkg = JSON.parse(readFileSync(join(SRC, '..', 'package.json'), 'utf8')) as {
      exports: Record<string, { default: string; types: string }>;
    };
    for (const [sub, file] of [
      ['./client', 'client'],
      ['./sink', 'sink'],
      ['./producer', 'producer'],
      ['./grpc', 'grpc'],
      ['.', 'index'],
    ]) {
      expect(pkg.exports[sub]).toEqual({
        types: `./dist/src/${file}.d.ts`,
        default: `./dist/src/${file}.js`,
      });
    }
  });
});
