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
