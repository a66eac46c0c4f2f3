import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LaminarError } from './errors.js';

const PACKAGE_NAME = 'laminar-redis';

/**
 * The version in this package's package.json, read at run time so that it never drifts from
 * the release (the CLI's `--version`, a worker's hello to its coordinator). Searched upwards from
 * this module: it sits two folders down once built (`dist/src/`) and one from the sources
 * (`src/`), and the test suite runs transpiled copies from elsewhere inside the project.
 */
export function packageVersion(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; ) {
    const found = versionIn(join(dir, 'package.json'));
    if (found !== undefined) return found;
    const up = dirname(dir);
    if (up === dir)
      throw new LaminarError('ERR_INTERNAL', `no package.json of ${PACKAGE_NAME} above ${from}`);
    dir = up;
  }
}

function versionIn(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const pkg = JSON.parse(text) as { name?: unknown; version?: unknown };
  return pkg.name === PACKAGE_NAME && typeof pkg.version === 'string' ? pkg.version : undefined;
}
