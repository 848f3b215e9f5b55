import { LogLevel, type Logger } from '@slack/web-api';

/** A @slack/logger Logger that keeps lines instead of printing them (WebClient and Bolt accept it). */
export function recordingLogger(): Logger & { lines: { level: string; text: string }[] } {
  const lines: { level: string; text: string }[] = [];
  let level = LogLevel.DEBUG;
  const push = (at: string) => (...msg: unknown[]) => {
    lines.push({ level: at, text: msg.map(String).join(' ') });
  };
  return {
    lines,
    debug: push('debug'),
    info: push('info'),
    warn: push('warn'),
    error: push('error'),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

/** Polls until `check` returns true, or throws after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
