/** Test helper: reads a watch (newline-delimited JSON over a chunked response) with plain fetch. */

export interface WatchEventLine {
  type: string;
  object: { kind?: string; apiVersion?: string; metadata?: { name?: string; resourceVersion?: string; [k: string]: unknown }; [k: string]: unknown };
}

export interface OpenWatch {
  status: number;
  contentType: string | null;
  events: WatchEventLine[];
  /** Resolves when the server ends the stream (or it is aborted/broken); the value says which. */
  ended: Promise<'ended' | 'error'>;
  close(): void;
}

export async function openWatch(url: string, init: RequestInit = {}): Promise<OpenWatch> {
  const controller = new AbortController();
  const res = await fetch(url, { ...init, signal: controller.signal });
  const events: WatchEventLine[] = [];
  const body = res.body;
  const ended = (async (): Promise<'ended' | 'error'> => {
    if (body === null) return 'ended';
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return 'ended';
        buffer += decoder.decode(value, { stream: true });
        let newline = buffer.indexOf('\n');
        while (newline !== -1) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          if (line.trim() !== '') events.push(JSON.parse(line) as WatchEventLine);
          newline = buffer.indexOf('\n');
        }
      }
    } catch {
      return 'error';
    }
  })();
  return { status: res.status, contentType: res.headers.get('content-type'), events, ended, close: () => controller.abort() };
}

/** Polls until `check` returns true (or throws after `timeoutMs`). */
export async function until(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
