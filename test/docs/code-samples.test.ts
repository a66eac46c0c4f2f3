import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CodeSample, extractSamples } from './code-samples.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Samples are compiled as if they were files of this (virtual) folder, so packages resolve as in the repo. */
const SAMPLE_DIR = join(REPO, 'test', 'docs', '.samples');

/** `laminar-redis/x` → `src/x.ts` for every export of package.json whose types come from a source entry. */
function entryPaths(): Record<string, string[]> {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
    name: string;
    exports: Record<string, string | { types?: string }>;
  };
  const paths: Record<string, string[]> = {};
  for (const [key, target] of Object.entries(pkg.exports)) {
    const types = typeof target === 'string' ? target : target.types;
    const m = types === undefined ? null : /^\.\/dist\/(src\/.+)\.d\.ts$/.exec(types);
    if (m === null || !existsSync(join(REPO, `${m[1]}.ts`))) continue;
    paths[key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`] = [join(REPO, `${m[1]}.ts`)];
  }
  return paths;
}

function markdownFiles(): string[] {
  const docs = readdirSync(join(REPO, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

interface Compiled {
  sample: CodeSample;
  /** Lines the context comment adds before the sample's code. */
  contextLines: number;
  path: string;
}

/** Where a diagnostic is, in the Markdown file the sample came from. */
function format(c: Compiled, d: ts.Diagnostic): string {
  const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  if (d.file === undefined || d.start === undefined)
    return `${c.sample.file}:${c.sample.line}: TS${d.code} ${text}`;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  const where =
    line < c.contextLines
      ? `${c.sample.file}:${c.sample.line - 1} (sample-context)`
      : `${c.sample.file}:${c.sample.line + line - c.contextLines}:${character + 1}`;
  return `${where}: TS${d.code} ${text}`;
}

/**
 * One program for every sample (and the synthetic ones of the tests): the package's sources are
 * read and checked once. Each sample is an ES module of its own, so samples cannot see each
 * other's names.
 */
function compile(samples: readonly CodeSample[]): Map<Compiled, ts.Diagnostic[]> {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(REPO, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  const options: ts.CompilerOptions = {
    ...config!.options,
    noEmit: true,
    allowJs: true,
    checkJs: true,
    declaration: false,
    paths: entryPaths(),
  };
  const compiled = samples
    .filter((s) => !s.fragment)
    .map((sample, i): Compiled => {
      const base = `${sample.file.replace(/[^\w]+/g, '-')}-${sample.line}-${i}`;
      return {
        sample,
        contextLines: sample.context === '' ? 0 : sample.context.split('\n').length,
        path: join(SAMPLE_DIR, `${base}.${sample.lang === 'ts' ? 'mts' : 'mjs'}`),
      };
    });
  const texts = new Map(
    compiled.map((c) => [
      c.path,
      `${c.sample.context === '' ? '' : `${c.sample.context}\n`}${c.sample.code}\nexport {};\n`,
    ]),
  );
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => texts.has(f) || fileExists.call(host, f);
  host.readFile = (f) => texts.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, onError, create) => {
    const text = texts.get(f);
    return text === undefined
      ? getSourceFile.call(host, f, lang, onError, create)
      : ts.createSourceFile(f, text, lang);
  };
  const program = ts.createProgram({ rootNames: [...texts.keys()], options, host });
  const global = program.getOptionsDiagnostics();
  if (global.length > 0) throw new Error(ts.formatDiagnostics(global, host));
  return new Map(
    compiled.map((c) => {
      const sf = program.getSourceFile(c.path)!;
      return [c, [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]];
    }),
  );
}

/** Samples that must fail, and the diagnostic each must get. */
const BROKEN: { lang: 'ts' | 'js'; code: string; expected: number }[] = [
  // An internal function, never exported (the docs once named two: loadSqlParser, parseCreateTableSync).
  {
    lang: 'ts',
    code: "import { parseStatements } from 'laminar-redis';\nparseStatements('SELECT 1');",
    expected: 2305, // Module has no exported member
  },
  {
    lang: 'js',
    code: "import { loadSqlParser } from 'laminar-redis/sink';\nawait loadSqlParser();",
    expected: 2305,
  },
  // A source path instead of the package.
  {
    lang: 'ts',
    code: "import { defineTable } from './sink/config/index.js';\ndefineTable;",
    expected: 2307, // Cannot find module
  },
];

describe('docs code samples', () => {
  let samples: CodeSample[];
  let results: Map<Compiled, ts.Diagnostic[]>;

  beforeAll(() => {
    samples = markdownFiles().flatMap((f) => extractSamples(f, readFileSync(join(REPO, f), 'utf8')));
    const broken = BROKEN.map(
      ({ lang, code }, i): CodeSample => ({
        file: 'broken.md',
        line: i + 1,
        lang,
        context: '',
        code,
        fragment: false,
      }),
    );
    results = compile([...samples, ...broken]);
  });

  it('docs samples — every ts/js sample of README.md and docs/*.md type-checks against the package entries', () => {
    const problems = [...results]
      .filter(([c]) => c.sample.file !== 'broken.md')
      .flatMap(([c, ds]) => ds.map((d) => format(c, d)));
    expect(samples.filter((s) => !s.fragment).length).toBeGreaterThan(10);
    expect(problems).toEqual([]);
  });

  it('docs samples — a ts or js sample naming an unexported function or a source path fails', () => {
    const broken = [...results].filter(([c]) => c.sample.file === 'broken.md');
    expect(broken).toHaveLength(BROKEN.length);
    broken.forEach(([c, ds], i) => {
      expect(
        ds.map((d) => d.code),
        c.sample.code,
      ).toContain(BROKEN[i].expected);
    });
  });

  it('docs samples — fragments are few, and each says why it is one', () => {
    const fragments = samples.filter((s) => s.fragment);
    expect(fragments.length).toBeLessThanOrEqual(3);
    for (const f of fragments) expect(f.context, `${f.file}:${f.line}`).not.toBe('');
  });
});

describe('docs code samples — extraction', () => {
  it('docs samples — fences, indentation, context comments and fragments are read as written', () => {
    const md = [
      'Text.',
      '<!-- sample-context',
      'declare const rows: number[];',
      '-->',
      '```ts',
      'rows.push(1);',
      '```',
      '',
      '- item:',
      '  ```js',
      '  const x = 1;',
      '  ```',
      '```sql',
      'SELECT 1;',
      '```',
      '<!-- sample-context why: shows one option alone -->',
      '```ts fragment',
      '{ natMap }',
      '```',
      '<!-- sample-context declare const a: 1; -->',
      'Text.',
      '<!-- another comment -->',
      '```ts',
      'b;',
      '```',
    ].join('\n');
    const found = extractSamples('x.md', md);
    expect(found.map((s) => ({ ...s, file: undefined }))).toEqual([
      {
        line: 6,
        lang: 'ts',
        context: 'declare const rows: number[];',
        code: 'rows.push(1);',
        fragment: false,
      },
      { line: 11, lang: 'js', context: '', code: 'const x = 1;', fragment: false },
      { line: 18, lang: 'ts', context: 'why: shows one option alone', code: '{ natMap }', fragment: true },
      { line: 24, lang: 'ts', context: '', code: 'b;', fragment: false },
    ]);
  });
});
