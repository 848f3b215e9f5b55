/**
 * The JVM heap a container asks for, from -Xmx / -XX:MaxHeapSize / -XX:MaxRAMPercentage / -XX:MaxRAM in
 * its command, args and the JVM's option environment variables, compared with its memory limit.
 *
 * Option sources, in the order the JVM applies them (a later one overrides an earlier one): JAVA_TOOL_OPTIONS
 * (read by the VM before the command line), JDK_JAVA_OPTIONS (prepended by the java launcher), JAVA_OPTS
 * (a convention of start scripts, which put it on the command line), the command line itself, and last
 * _JAVA_OPTIONS (HotSpot applies it after everything else). Sizes use binary units: -Xmx1g = 1 GiB.
 */
import type { Container } from '../../contract/k8s.ts';

export interface JvmHeap {
  heapBytes: number;
  /** The option(s) that decided the heap, e.g. `-Xmx1g` or `-XX:MaxRAMPercentage=90`. */
  flags: string;
  /** Where the deciding option is set, e.g. `spec.containers[app].env[JAVA_TOOL_OPTIONS]`. */
  field: string;
  /**
   * The JVM's -X options at that field, and only those: the rest of an env value or command line can
   * carry credentials (`-Dspring.datasource.password=…`, `--token …`), and evidence is posted to chat.
   */
  value: string;
  /** Typical non-heap memory (metaspace, thread stacks, code cache, GC structures, direct buffers). */
  overheadBytes: number;
  verdict: 'heap-over-limit' | 'heap-plus-overhead-over-limit' | 'fits';
}

const ENV_BEFORE_COMMAND = ['JAVA_TOOL_OPTIONS', 'JDK_JAVA_OPTIONS', 'JAVA_OPTS'] as const;
const ENV_AFTER_COMMAND = ['_JAVA_OPTIONS'] as const;
/** HotSpot's default MaxRAMPercentage (share of the container limit used for the heap). */
const DEFAULT_MAX_RAM_PERCENTAGE = 25;
const MIN_OVERHEAD_BYTES = 128 * 2 ** 20;
const OVERHEAD_SHARE = 0.25;

interface Token {
  flag: string;
  field: string;
  value: string;
}

const SIZE = /^([0-9]+)([kKmMgGtT]?)$/;
const UNIT: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

function size(text: string): number | null {
  const match = SIZE.exec(text);
  if (!match) return null;
  return Number(match[1]) * (UNIT[(match[2] ?? '').toLowerCase()] ?? 1);
}

function tokensOf(container: Container, specPath: string): Token[] {
  const tokens: Token[] = [];
  const add = (field: string, value: string) => {
    const options = value.split(/\s+/).map((flag) => flag.replace(/^['"]|['";]$/g, '')).filter((flag) => flag.startsWith('-X'));
    for (const flag of options) tokens.push({ flag, field, value: options.join(' ') });
  };
  const env = (name: string) => container.env?.find((e) => e.name === name && typeof e.value === 'string');
  for (const name of ENV_BEFORE_COMMAND) {
    const e = env(name);
    if (e?.value) add(`${specPath}.env[${name}]`, e.value);
  }
  if (container.command) add(`${specPath}.command`, container.command.join(' '));
  if (container.args) add(`${specPath}.args`, container.args.join(' '));
  for (const name of ENV_AFTER_COMMAND) {
    const e = env(name);
    if (e?.value) add(`${specPath}.env[${name}]`, e.value);
  }
  return tokens;
}

function last<T>(items: readonly T[], pick: (item: T) => boolean): T | undefined {
  return [...items].reverse().find(pick);
}

/** The heap the JVM options set, against `limitBytes`; null when no heap option is set. */
export function jvmHeap(container: Container, specPath: string, limitBytes: number): JvmHeap | null {
  const tokens = tokensOf(container, specPath);
  const xmx = last(tokens, (t) => /^-Xmx[0-9]+[kKmMgGtT]?$/.test(t.flag) || /^-XX:MaxHeapSize=[0-9]+[kKmMgGtT]?$/.test(t.flag));
  let heapBytes: number | null;
  let decided: Token[];
  if (xmx) {
    heapBytes = size(xmx.flag.replace(/^-Xmx|^-XX:MaxHeapSize=/, ''));
    decided = [xmx];
  } else {
    const percentage = last(tokens, (t) => /^-XX:MaxRAMPercentage=[0-9.]+$/.test(t.flag));
    const maxRam = last(tokens, (t) => /^-XX:MaxRAM=[0-9]+[kKmMgGtT]?$/.test(t.flag));
    if (!percentage && !maxRam) return null;
    const pct = percentage ? Number(percentage.flag.split('=')[1]) : DEFAULT_MAX_RAM_PERCENTAGE;
    const ram = maxRam ? size(maxRam.flag.split('=')[1] ?? '') : limitBytes;
    if (ram === null || Number.isNaN(pct)) return null;
    heapBytes = (ram * pct) / 100;
    decided = [maxRam, percentage].filter((t): t is Token => t !== undefined);
  }
  const main = decided.at(-1);
  if (heapBytes === null || !main) return null;
  const overheadBytes = Math.max(MIN_OVERHEAD_BYTES, heapBytes * OVERHEAD_SHARE);
  const verdict = heapBytes >= limitBytes ? 'heap-over-limit' : heapBytes + overheadBytes >= limitBytes ? 'heap-plus-overhead-over-limit' : 'fits';
  return { heapBytes, flags: decided.map((t) => t.flag).join(' '), field: main.field, value: main.value, overheadBytes, verdict };
}
