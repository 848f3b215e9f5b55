/** What a CLI command may touch, injected so tests run commands in-process and read what they print. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** The whole of standard input (for `-f -`); past `maxBytes` it stops reading and throws a DumpError. */
  readStdin(maxBytes?: number): Promise<string>;
  /** The wall clock, for the default of `--now`. */
  now(): Date;
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
/** Unusable input or arguments: bad JSON/YAML, no objects, an unknown option. */
export const EXIT_USAGE = 2;

/** Bad arguments: the command prints the message and its usage line, and exits with EXIT_USAGE. */
export class UsageError extends Error {
  override name = 'UsageError';
}
