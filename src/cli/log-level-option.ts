import { type Command, Option } from 'commander';
import { LOG_LEVELS } from '../log.js';
import { chooseLogLevel, LOG_LEVEL_ENV } from './json-logger.js';

/**
 * Gives every command of `program` a `--log-level` option. It outranks `LAMINAR_LOG_LEVEL`, which
 * outranks the command's own default (info; warn while progress bars are drawn).
 */
export function addLogLevelOption(program: Command): Command {
  for (const cmd of program.commands) {
    cmd.addOption(
      new Option(
        '--log-level <level>',
        `lowest level of the JSON log lines on stderr (default: $${LOG_LEVEL_ENV}, else info; warn under progress bars)`,
      ).choices(LOG_LEVELS),
    );
  }
  program.hook('preAction', (_program, action) => {
    chooseLogLevel(action.opts().logLevel);
  });
  return program;
}
