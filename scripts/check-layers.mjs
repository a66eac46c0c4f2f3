#!/usr/bin/env node
// Checks that src/ keeps its one-way layers: a module imports only from its own folder or from
// folders in a lower layer, never upward and never sideways into a sibling of the same layer,
// and no two units import each other through a cycle. A unit is a top-level folder of src/ (its
// subfolders are its own business) or a file directly in src/.
// Run: node scripts/check-layers.mjs [srcDir]   (exit 1 and one line per problem on failure)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Bottom to top. A unit is a top-level folder of src/, or a file directly in src/. Units on one
 * line are siblings: neither may import the other.
 */
export const LAYERS = [
  ['errors.ts', 'log.ts'],
  ['actors', 'version.ts'],
  ['resp'],
  ['dev', 'metrics', 'schema'],
  ['sink', 'lookup', 'storage'],
  ['plan'],
  ['sql', 'dataflow'],
  ['job', 'wire'],
  ['producer', 'worker', 'coordinator'],
  ['harness'],
  ['cli'],
  ['client.ts'],
  ['sink.ts', 'producer.ts', 'grpc.ts'],
  ['index.ts', 'internal.ts', 'cli.ts'],
];

const IMPORT =
  /(?:^|[^.\w])(?:import|export)\s*(?:type\s+)?(?:[\w*{}\s,$]+from\s*)?\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

function sourceFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out.sort();
}

/** The relative imports of a source text, without comments. */
export function importsOf(text) {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  return [...code.matchAll(IMPORT)].map((m) => m[1]);
}

/** Problems found in the tree under `srcDir`, one readable line each; empty when it holds. */
export function checkLayers(srcDir, layers = LAYERS) {
  const root = resolve(srcDir);
  const rank = new Map();
  layers.forEach((units, i) => {
    for (const u of units) rank.set(u, i);
  });
  const unitOf = (file) => relative(root, file).split(sep)[0];
  const problems = [];
  const folderEdges = new Map();
  for (const file of sourceFiles(root)) {
    const from = unitOf(file);
    if (!rank.has(from)) {
      problems.push(
        `${relative(root, file)}: '${from}' is in no layer (add it to LAYERS in scripts/check-layers.mjs)`,
      );
      continue;
    }
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), spec);
      const rel = relative(root, target);
      if (rel.startsWith('..')) continue;
      const to = unitOf(target.replace(/\.js$/, '.ts'));
      if (from !== to) {
        if (!folderEdges.has(from)) folderEdges.set(from, new Map());
        if (!folderEdges.get(from).has(to)) folderEdges.get(from).set(to, relative(root, file));
      }
      if (to === from) continue;
      if (!rank.has(to)) {
        problems.push(`${relative(root, file)}: imports '${spec}' from '${to}', which is in no layer`);
      } else if (rank.get(to) > rank.get(from)) {
        problems.push(
          `${relative(root, file)}: upward import '${spec}' (${from} may not import ${to}, a higher layer)`,
        );
      } else if (rank.get(to) === rank.get(from)) {
        problems.push(
          `${relative(root, file)}: sideways import '${spec}' (${from} and ${to} are siblings in one layer)`,
        );
      }
    }
  }
  for (const cycle of folderCycles(folderEdges)) {
    problems.push(
      `folder cycle: ${cycle.join(' -> ')} (first step in ${folderEdges.get(cycle[0]).get(cycle[1])})`,
    );
  }
  return problems;
}

/** Strongly connected groups of folders, each reported as one cycle through its members. */
function folderCycles(edges) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cycles = [];
  let next = 0;
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) !== index.get(v)) return;
    const group = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1) cycles.push(cycleThrough(group, edges));
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

/** A closed path inside one strongly connected group, starting and ending at its first member. */
function cycleThrough(group, edges) {
  const members = new Set(group);
  const start = group[group.length - 1];
  const prev = new Map([[start, undefined]]);
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift();
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let x = v; x !== start; x = prev.get(x)) path.splice(1, 0, x);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [...group, group[0]];
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
  const problems = checkLayers(dir);
  if (problems.length > 0) {
    for (const p of problems) console.error(p);
    console.error(`layers: ${problems.length} problem(s); the layers are listed in scripts/check-layers.mjs`);
    process.exit(1);
  }
  console.log('layers: every import points down');
}
