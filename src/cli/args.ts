/**
 * Argument parsing shared by the commands: node:util parseArgs (enough for a handful of flags per command), with
 * our own words for its errors. Its messages name flags in its own syntax and, for an unknown option, tell the user
 * to "place it at the end of the command after '--'", which is never what a podwhy user meant.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './io.ts';

/** Whether argv asks for help (`-h` / `--help` before any `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '-h' || arg === '--help');
}

export function parseCommandArgs<T extends ParseArgsConfig>(command: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError(describeParseError(command, error));
  }
}

function describeParseError(command: string, error: unknown): string {
  const { code, message } = error as { code?: string; message: string };
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? '';
  const more = `(podwhy ${command} --help lists the options)`;
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted} ${more}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const flag = quoted.replace(/ <value>$/, '').replace(', ', ' / ');
      return message.includes('argument missing') ? `${flag} needs a value` : `${flag} takes no value`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${quoted} ${more}`;
    default:
      return message.split('\n')[0] ?? 'bad arguments';
  }
}
