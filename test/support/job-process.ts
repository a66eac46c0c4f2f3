/**
 * The CLI as a child process, for crash tests: `src/` transpiled (no type check — tsc checks the
 * suite separately) into `.tmp/cli-<hash of the sources>/`, inside the project so that bare
 * imports resolve from its node_modules. Built once per source state; concurrent test files
 * share the build (written to a temporary directory, then renamed into place).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function sourcesOf(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sourcesOf(p)));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

let built: Promise<string> | undefined;

/** Path of the transpiled `cli.js`. */
export function buildCli(): Promise<string> {
  built ??= (async () => {
    const files = await sourcesOf(join(ROOT, 'src'));
    const texts = await Promise.all(files.map((f) => readFile(f, 'utf8')));
    const hash = createHash('sha256');
    for (let i = 0; i < files.length; i++)
      hash.update(relative(ROOT, files[i])).update('\0').update(texts[i]).update('\0');
    const dir = join(ROOT, '.tmp', `cli-${hash.digest('hex').slice(0, 16)}`);
    const cli = join(dir, 'src', 'cli.js');
    if (existsSync(cli)) return cli;
    const temp = `${dir}.${process.pid}.${Date.now()}`;
    for (let i = 0; i < files.length; i++) {
      const out = ts.transpileModule(texts[i], {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false },
        fileName: files[i],
      });
      const dest = join(temp, relative(ROOT, files[i]).replace(/\.ts$/, '.js'));
      await mkdir(dirname(dest), { recursive: true });
      await writeFile(dest, out.outputText);
    }
    try {
      await rename(temp, dir);
    } catch {
      await rm(temp, { recursive: true, force: true }); // another worker won the race
    }
    return cli;
  })();
  return built;
}

/** A JSON line the job printed on stdout. */
export type JobEvent = { event: string } & Record<string, unknown>;

export interface JobProcess {
  child: ChildProcess;
  events: JobEvent[];
  stderr: () => string;
  /** Resolves with the exit code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when an event matching `pred` has been printed (or rejects when the process ends first). */
  waitFor(pred: (e: JobEvent) => boolean): Promise<JobEvent>;
}

/** Runs `laminar-redis job <spec>`; `env` adds to the environment (e.g. LAMINAR_FAULT). */
export async function spawnJob(specFile: string, env: Record<string, string> = {}): Promise<JobProcess> {
  const cli = await buildCli();
  const child = spawn(process.execPath, [cli, 'job', specFile], {
    env: { ...process.env, LAMINAR_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: JobEvent[] = [];
  const watchers: Array<{ pred: (e: JobEvent) => boolean; resolve: (e: JobEvent) => void }> = [];
  let err = '';
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    let nl = partial.indexOf('\n');
    while (nl !== -1) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      nl = partial.indexOf('\n');
      let e: JobEvent;
      try {
        e = JSON.parse(line) as JobEvent;
      } catch {
        continue;
      }
      events.push(e);
      for (let i = watchers.length - 1; i >= 0; i--) {
        if (watchers[i].pred(e)) watchers.splice(i, 1)[0].resolve(e);
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err = (err + chunk).slice(-20_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    events,
    stderr: () => err,
    exited,
    waitFor(pred) {
      const seen = events.find(pred);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        watchers.push({ pred, resolve });
        void exited.then(({ code, signal }) =>
          reject(new Error(`job exited (${code ?? signal}) before the awaited event\n${err.slice(-3000)}`)),
        );
      });
    },
  };
}
