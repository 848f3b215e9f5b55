import type { ChildProcess } from 'node:child_process';

/** The lines a child process writes to stdout, as they arrive. */
export function linesOf(child: ChildProcess): string[] {
  const lines: string[] = [];
  let pending = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    lines.push(...parts);
  });
  return lines;
}
