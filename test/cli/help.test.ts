import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildCli } from '../support/job-process.js';

/** The help texts are written for someone who installed the package, not for its developers. */

const COMMANDS = ['examples', 'run', 'demo', 'job', 'coordinator', 'worker', 'start', 'bench'];
const DOCS = 'https://github.com/laminar-redis/laminar-redis/blob/main/docs/';

async function help(args: string[]): Promise<string> {
  const child = spawn(process.execPath, [await buildCli(), ...args, '--help'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  expect(code).toBe(0);
  return out;
}

const shipped = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    files: string[];
  }
).files;

describe('laminar-redis --help', () => {
  it('help — every command lists its usage; none mentions npm or a document by a path of the repository', async () => {
    const top = await help([]);
    for (const cmd of COMMANDS) expect(top).toMatch(new RegExp(`^  ${cmd} `, 'm'));
    expect(top).toContain('Documentation: https://github.com/laminar-redis/laminar-redis#readme');
    for (const args of [[], ...COMMANDS.map((c) => [c])]) {
      const text = (await help(args)).replace(/\s+/g, ' ');
      expect(text).toMatch(new RegExp(`^Usage: laminar-redis ${args[0] ?? ''}`));
      expect(text).not.toMatch(/\bnpm\b|DESIGN\.md|\bthe seed\b/i);
      // A document is named by a link that resolves, to a page the package ships too.
      const links = [...text.matchAll(/[^\s(]*docs\/[\w-]+\.md/g)].map((m) => m[0]);
      for (const link of links) {
        expect(link.startsWith(DOCS), `${args[0] ?? 'laminar-redis'}: ${link}`).toBe(true);
        expect(existsSync(new URL(`../../docs/${link.slice(DOCS.length)}`, import.meta.url)), link).toBe(
          true,
        );
      }
      if (links.length > 0) expect(shipped).toContain('docs');
      // One default per option.
      for (const option of text.split(/ (?=--?[\w-]+[ ,])/))
        expect(option.match(/\(default/g)?.length ?? 0).toBeLessThan(2);
    }
  }, 120_000);

  it('help — the servers keep the documented ports and data directory', async () => {
    for (const cmd of ['coordinator', 'start']) {
      const text = (await help([cmd])).replace(/\s+/g, ' ');
      expect(text).toMatch(/--data-dir <dir> metadata and checkpoints \(default: "\.\/laminar-data"\)/);
      expect(text).toMatch(/--grpc-port <port> .*\(default: 9190\)/);
      expect(text).toMatch(/--http-port <port> .*\(default: 8000\)/);
    }
  }, 60_000);
});
