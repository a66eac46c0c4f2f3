/**
 * The TypeScript and JavaScript code samples of the Markdown docs, as modules to type-check.
 *
 * Conventions (docs/architecture.md, "Writing docs"):
 * - a fence whose info string starts with `ts`, `typescript`, `js`, `javascript` (or `mjs`) is a
 *   sample: one ES module that imports what it uses from the package's entries;
 * - names a sample uses without defining (`rows`, `sql`, ...) are declared by an HTML comment on
 *   the lines right before the fence, `<!-- sample-context ... -->`, whose text is TypeScript
 *   placed before the sample and which renders as nothing;
 * - a fence with the word `fragment` in its info string (` ```ts fragment `) is not checked.
 */

/** One fenced sample of a Markdown file. */
export interface CodeSample {
  /** The Markdown file, relative to the repository. */
  file: string;
  /** 1-based line of the sample's first code line in the Markdown file. */
  line: number;
  lang: 'ts' | 'js';
  /** The sample-context comment's text, or ''. */
  context: string;
  code: string;
  fragment: boolean;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)(.*)$/;
const LANGS: Readonly<Record<string, 'ts' | 'js'>> = {
  ts: 'ts',
  typescript: 'ts',
  js: 'js',
  javascript: 'js',
  mjs: 'js',
};
const CONTEXT_OPEN = '<!-- sample-context';

/** Every TypeScript/JavaScript fenced block of one Markdown text. */
export function extractSamples(file: string, markdown: string): CodeSample[] {
  const lines = markdown.split('\n');
  const out: CodeSample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (open === null) continue;
    const [, indent, fence, info, rest] = open;
    const close = lines.findIndex((l, j) => j > i && closes(l, fence));
    const end = close === -1 ? lines.length : close;
    const lang = LANGS[info.toLowerCase()];
    if (lang !== undefined) {
      const body = lines.slice(i + 1, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l));
      out.push({
        file,
        line: i + 2,
        lang,
        context: contextBefore(lines, i),
        code: body.join('\n'),
        fragment: /\bfragment\b/.test(rest),
      });
    }
    i = end;
  }
  return out;
}

/** A closing fence: the opening fence's character only, at least as many. */
function closes(line: string, fence: string): boolean {
  const t = line.trim();
  return t.length >= fence.length && t === fence[0].repeat(t.length);
}

/**
 * The text of a `<!-- sample-context ... -->` comment ending on the line before `fenceLine`; ''
 * when that line ends no comment, or ends another kind of comment.
 */
function contextBefore(lines: readonly string[], fenceLine: number): string {
  const last = fenceLine - 1;
  if (last < 0 || !lines[last].trimEnd().endsWith('-->')) return '';
  for (let first = last; first >= 0; first--) {
    const open = lines[first].lastIndexOf('<!--');
    if (open === -1) {
      if (first < last && lines[first].includes('-->')) return '';
      continue;
    }
    const text = lines
      .slice(first, last + 1)
      .join('\n')
      .slice(open);
    if (!text.startsWith(CONTEXT_OPEN)) return '';
    return text.slice(CONTEXT_OPEN.length, text.lastIndexOf('-->')).trim();
  }
  return '';
}
