import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { buildCli } from '../support/job-process.js';

/** An option as `laminar-redis <command> --help` lists it. */
export interface HelpOption {
  /** `--http-port`. */
  flag: string;
  /** True when it takes a value (`--http-port <port>`). */
  takesValue: boolean;
}

/** The options `laminar-redis <command>` accepts, read from its `--help`. */
export async function optionsOf(command: string): Promise<Map<string, HelpOption>> {
  const cli = await buildCli();
  const { stdout } = await promisify(execFile)(process.execPath, [cli, command, '--help']);
  const options = new Map<string, HelpOption>();
  for (const line of stdout.split('\n')) {
    const m = /^\s+(?:-\w, )?(--[\w-]+)(\s+[<[])?/.exec(line);
    if (m !== null) options.set(m[1], { flag: m[1], takesValue: m[2] !== undefined });
  }
  return options;
}

/**
 * What is wrong with `args` (after the command) for a command accepting `accepted`: an unknown
 * flag, a value where a flag should be, a flag without its value. Empty when nothing is.
 */
export function argProblems(args: readonly string[], accepted: ReadonlyMap<string, HelpOption>): string[] {
  const problems: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) {
      problems.push(`'${a}' is not a flag (a value without one?)`);
      continue;
    }
    const option = accepted.get(a);
    if (option === undefined) problems.push(`no such flag: ${a}`);
    else if (option.takesValue && ++i >= args.length) problems.push(`${a} needs a value`);
  }
  return problems;
}
