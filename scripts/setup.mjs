#!/usr/bin/env node
// `npm start`'s set-up on a fresh machine (run by `prestart`, before the build): installs the
// dependencies when node_modules is missing or older than package-lock.json, and redis-server
// when it is not on PATH and no Redis answers at REDIS_URL (apt-get, as .ci/run does; root or
// sudo). Plain Node, no dependencies: it runs before they exist.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => console.error(`[setup] ${line}`);

function run(cmd, args) {
  say(`${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
}

function dependenciesStale() {
  const installed = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(installed)) return true;
  return statSync(join(root, 'package-lock.json')).mtimeMs > statSync(installed).mtimeMs;
}

function onPath(binary) {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;
}

function reachable(url) {
  let host = '127.0.0.1';
  let port = 6379;
  try {
    const u = new URL(url);
    host = u.hostname.replace(/^\[|\]$/g, '') || host;
    port = Number(u.port) || port;
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

if (dependenciesStale()) run('npm', ['ci', '--no-audit', '--no-fund']);

if (!onPath('redis-server') && !(await reachable(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'))) {
  const asRoot = process.getuid?.() === 0;
  if (!onPath('apt-get') || !(asRoot || onPath('sudo'))) {
    say(
      'no Redis answers at REDIS_URL and redis-server is not on PATH: install Redis 7 ' +
        '(e.g. `apt-get install redis-server`, `brew install redis`) or set REDIS_URL',
    );
    process.exit(1);
  }
  const runAsRoot = (args) => (asRoot ? run(args[0], args.slice(1)) : run('sudo', args));
  runAsRoot(['apt-get', 'update']);
  runAsRoot(['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', 'redis-server']);
}

try {
  const version = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim();
  say(version);
} catch {
  // A Redis answers at REDIS_URL; no local server needed.
}
