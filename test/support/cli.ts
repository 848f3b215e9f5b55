import type { CliIo } from '../../src/cli/io.ts';

export interface CapturedIo extends CliIo {
  out: string;
  err: string;
}

/** A CliIo that records what a command prints, with a fixed clock and optional stdin. */
export function captureIo(options: { stdin?: string; now?: string } = {}): CapturedIo {
  const io: CapturedIo = {
    out: '',
    err: '',
    stdout: (text) => {
      io.out += text;
    },
    stderr: (text) => {
      io.err += text;
    },
    readStdin: async () => options.stdin ?? '',
    now: () => new Date(options.now ?? '2026-11-20T12:00:00Z'),
  };
  return io;
}
