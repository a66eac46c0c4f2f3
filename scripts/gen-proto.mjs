#!/usr/bin/env node
// Generates src/wire/gen/ from proto/ with protoc (from the `protoc` npm package) and ts-proto.
// `--check` generates into a temp directory and fails when src/wire/gen/ differs (stale or edited).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const protoDir = join(root, 'proto');
const target = join(root, 'src', 'wire', 'gen');
const check = process.argv.includes('--check');
const bin = (name) => join(root, 'node_modules', '.bin', name);

function files(dir) {
  const out = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else out.push(p);
  }
  return out.sort();
}

function generate(outDir) {
  const protos = files(protoDir)
    .filter((f) => f.endsWith('.proto'))
    .map((f) => relative(protoDir, f));
  execFileSync(
    bin('protoc'),
    [
      `--plugin=protoc-gen-ts_proto=${bin('protoc-gen-ts_proto')}`,
      `--ts_proto_out=${outDir}`,
      '--ts_proto_opt=outputServices=grpc-js,env=node,esModuleInterop=true,importSuffix=.js,forceLong=number,outputPartialMethods=true,useOptionals=none,oneof=unions-value,exportCommonSymbols=false',
      `-I${protoDir}`,
      ...protos,
    ],
    { cwd: root, stdio: 'inherit' },
  );
}

if (!check) {
  rmSync(target, { recursive: true, force: true });
  execFileSync('mkdir', ['-p', target]);
  generate(target);
  process.exit(0);
}

const temp = mkdtempSync(join(tmpdir(), 'laminar-gen-'));
try {
  generate(temp);
  const want = files(temp).map((f) => relative(temp, f));
  const have = files(target).map((f) => relative(target, f));
  const stale = [];
  for (const f of new Set([...want, ...have])) {
    const a = want.includes(f) ? readFileSync(join(temp, f), 'utf8') : null;
    const b = have.includes(f) ? readFileSync(join(target, f), 'utf8') : null;
    if (a !== b) stale.push(f);
  }
  if (stale.length > 0) {
    console.error(`src/wire/gen is stale (run npm run gen:proto): ${stale.join(', ')}`);
    process.exit(1);
  }
  console.log('src/wire/gen is up to date');
} finally {
  rmSync(temp, { recursive: true, force: true });
}
