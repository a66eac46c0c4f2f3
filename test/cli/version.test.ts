import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { packageVersion } from '../../src/version.js';
import { buildCli } from '../support/job-process.js';

async function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [await buildCli(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, stdout, stderr };
}

const manifest = async () =>
  JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('laminar-redis --version', () => {
  it('version — --version and -V print the version of package.json and exit 0', async () => {
    const { version } = await manifest();
    for (const flag of ['--version', '-V']) {
      const r = await cli([flag]);
      expect(r).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  }, 60_000);

  it('version — read from the package.json above the module, wherever the module runs from', async () => {
    const { version } = await manifest();
    expect(packageVersion()).toBe(version);
    // The transpiled copy the CLI tests run lives deeper inside the project.
    expect(packageVersion(new URL('../../.tmp/x/y/src/cli', import.meta.url).pathname)).toBe(version);
  });
});
