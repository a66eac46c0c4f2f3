/**
 * How the CLI reports a failure: one line on stderr, `laminar-redis: [CODE] message`, whatever
 * failed — a command line commander refused, a server that cannot listen, a failed run. Scripts
 * match on the code; people read one line instead of a stack or a page of help.
 */
import type { Command } from 'commander';
import { ERROR_CODES, type ErrorCode, LaminarError } from '../errors.js';

/** A command line the CLI does not accept. */
export class UsageError extends LaminarError {
  constructor(message: string) {
    super('ERR_USAGE', message);
  }
}

const KNOWN: ReadonlySet<string> = new Set(ERROR_CODES);

/** The code of `err` when it is one of laminar-redis' codes, else `ERR_INTERNAL`. */
export function codeOf(err: unknown): ErrorCode {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && KNOWN.has(code) ? (code as ErrorCode) : 'ERR_INTERNAL';
}

/**
 * `laminar-redis: [CODE] message`, on one line (a message's own line breaks become spaces);
 * `context` (which job, which example) goes before the message.
 */
export function errorLine(err: unknown, context?: string): string {
  const message = oneLine(err instanceof Error ? err.message : String(err));
  return `laminar-redis: [${codeOf(err)}] ${context === undefined ? '' : `${context}: `}${message}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * Makes commander report usage errors of `program` and its commands as one `ERR_USAGE` line
 * pointing at the command's `--help`, instead of `error: ...` followed by the whole help text.
 * Call it once every command is defined.
 */
export function oneLineUsageErrors(program: Command): void {
  const configure = (cmd: Command, name: string) =>
    cmd.showHelpAfterError(false).configureOutput({
      outputError: (text, write) => {
        const message = oneLine(text).replace(/^error: /, '');
        write(`${errorLine(new UsageError(`${message} (see ${name} --help)`))}\n`);
      },
    });
  configure(program, program.name());
  for (const cmd of program.commands) configure(cmd, `${program.name()} ${cmd.name()}`);
}
