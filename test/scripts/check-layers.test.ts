import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error the checker is a plain .mjs script without type declarations
import { checkLayers, importsOf } from '../../scripts/check-layers.mjs';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
const LAYERS = [['errors.ts'], ['resp'], ['sink', 'lookup'], ['index.ts']];

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A throw-away src/ tree made of `files` (path → text). */
function tree(files: Record<string, string>): string {
  dir = mkdtempSync(join(tmpdir(), 'laminar-layers-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('layer check', () => {
  it('layer check — the project itself has only downward imports and no unit cycle', () => {
    expect(checkLayers(SRC)).toEqual([]);
  });

  it('layer check — a downward import passes', () => {
    const root = tree({
      'errors.ts': 'export class E {}\n',
      'resp/client.ts': "import { E } from '../errors.js';\nexport const c = E;\n",
      'sink/sink.ts': "import { c } from '../resp/client.js';\nexport const s = c;\n",
      'index.ts': "export { s } from './sink/sink.js';\n",
    });
    expect(checkLayers(root, LAYERS)).toEqual([]);
  });

  it('layer check — an upward import fails, naming the file and both folders', () => {
    const root = tree({
      'resp/client.ts': "import type { S } from '../sink/sink.js';\nexport type C = S;\n",
      'sink/sink.ts': 'export type S = string;\n',
    });
    const problems = checkLayers(root, LAYERS);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('resp/client.ts: upward import');
    expect(problems[0]).toContain('resp may not import sink');
  });

  it('layer check — a sideways import between siblings fails', () => {
    const root = tree({
      'sink/sink.ts': "import { l } from '../lookup/lookup.js';\nexport const s = l;\n",
      'lookup/lookup.ts': 'export const l = 1;\n',
    });
    expect(checkLayers(root, LAYERS)).toEqual([expect.stringContaining('sideways import')]);
  });

  it('layer check — a folder in no layer fails', () => {
    const root = tree({ 'misc/x.ts': 'export const x = 1;\n' });
    expect(checkLayers(root, LAYERS)).toEqual([expect.stringContaining("'misc' is in no layer")]);
  });

  it('layer check — a cycle between two units is reported when the layers would allow it', () => {
    const root = tree({
      'resp/a.ts': "import { b } from '../sink/b.js';\nexport const a = b;\n",
      'sink/b.ts': "import { a } from '../resp/a.js';\nexport const b = a;\n",
    });
    const flat = [['resp', 'sink']];
    const problems = checkLayers(root, flat);
    expect(problems.some((p: string) => p.startsWith('folder cycle: '))).toBe(true);
  });

  it('layer check — dynamic imports and re-exports count; comments do not', () => {
    expect(
      importsOf(
        [
          "export * from './a.js';",
          "const m = await import('../b.js');",
          "// import { x } from '../c.js';",
          "/* import { y } from '../d.js'; */",
          "import type { T } from '../e.js';",
        ].join('\n'),
      ),
    ).toEqual(['./a.js', '../b.js', '../e.js']);
  });
});
