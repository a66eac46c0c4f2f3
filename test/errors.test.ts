import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorCode, LaminarError } from '../src/errors.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
const DOC = join(ROOT, 'docs', 'errors.md');
/** The list itself: scanning it would find every code it holds. */
const LIST = join(SRC, 'errors.ts');
/** Codes Node.js itself raises that src/ recognises: not ours to list or document. */
const NODE_CODES: ReadonlySet<string> = new Set(['ERR_STRING_TOO_LONG']);
/** A quoted code (`'ERR_X'`, `"ERR_X"`, or `` `ERR_X` `` as comments name them). */
const QUOTED_CODE = /['"`](ERR_[A-Z0-9_]+)['"`]/g;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      // Generated protobuf code holds no codes of ours.
      if (relative(SRC, path) !== join('wire', 'gen')) out.push(...sourceFiles(path));
    } else if (path.endsWith('.ts') && path !== LIST) {
      out.push(path);
    }
  }
  return out;
}

/** Code → the files (relative to src/) that quote it. */
function codesInSource(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    for (const m of readFileSync(file, 'utf8').matchAll(QUOTED_CODE)) {
      if (NODE_CODES.has(m[1])) continue;
      const files = found.get(m[1]) ?? [];
      if (!files.includes(relative(SRC, file))) files.push(relative(SRC, file));
      found.set(m[1], files);
    }
  }
  return found;
}

/** The codes docs/errors.md names in backticks. */
function codesInDoc(): Set<string> {
  return new Set([...readFileSync(DOC, 'utf8').matchAll(/`(ERR_[A-Z0-9_]+)`/g)].map((m) => m[1]));
}

describe('error codes', () => {
  it('error codes — every code quoted in src/ is listed in ERROR_CODES', () => {
    const listed = new Set<string>(ERROR_CODES);
    // A code missing here must be added to ERROR_CODES in src/errors.ts and documented in
    // docs/errors.md.
    const unlisted = [...codesInSource()]
      .filter(([code]) => !listed.has(code))
      .map(([c, f]) => `${c} (${f})`);
    expect(unlisted).toEqual([]);
  });

  it('error codes — every code in ERROR_CODES is raised somewhere in src/', () => {
    const used = codesInSource();
    expect(ERROR_CODES.filter((code) => !used.has(code))).toEqual([]);
  });

  it('error codes — ERROR_CODES holds each code once', () => {
    expect(ERROR_CODES.filter((code, i) => ERROR_CODES.indexOf(code) !== i)).toEqual([]);
  });

  it('error codes — docs/errors.md documents every code, and no other', () => {
    const documented = codesInDoc();
    const listed = new Set<string>(ERROR_CODES);
    expect(ERROR_CODES.filter((code) => !documented.has(code))).toEqual([]);
    expect([...documented].filter((code) => !listed.has(code))).toEqual([]);
  });

  it('error codes — a LaminarError carries its code and name', () => {
    const code: ErrorCode = 'ERR_CONFIG';
    const err = new LaminarError(code, 'bad option', { cause: 'x' });
    expect(err.code).toBe('ERR_CONFIG');
    expect(err.name).toBe('LaminarError');
    expect(err.cause).toBe('x');
  });
});
