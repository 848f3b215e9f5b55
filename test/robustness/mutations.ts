/**
 * A seeded mutation fuzzer over plain Kubernetes objects (what parseKubectlDump returns): each mutation
 * is one kind of bad input a hand-edited or hostile kubectl dump can carry (PLATFORM.md §6 item 12).
 * Deterministic: the same seed gives the same mutations, so a failure is replayed from its seed.
 */
import { isRecord } from '../../src/contract/is-record.ts';

type Random = () => number;
type Container = Record<string, unknown> | unknown[];
type PathStep = string | number;

interface Slot {
  parent: Container;
  key: PathStep;
  path: string;
}

export const HUGE_LENGTH = 50 * 1024;

/** Unicode that breaks naive rendering: RTL override, zero-width joiners, BOM, combining marks, emoji, NUL. */
const NASTY_UNICODE = ['\u202Eevil\u202C', 'a\u200Bb\u200Dc\uFEFF', 'e\u0301\u0301\u0301', '😀👩‍👩‍👧', '\u0000nul', 'line\nbreak\r\n', '<!channel> *bold* ```'];

const BAD_NUMBERS: unknown[] = [-1, -2147483648, 2 ** 53 + 1, 1e308, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.5, -0];

const BAD_TIMESTAMPS = ['not-a-time', '', '9999-12-31T23:59:59Z', '2027-11-20T12:00:00Z', '1970-01-01T00:00:00Z', '2026-02-30T25:61:61Z', '0', '2026-11-20T12:00:00+99:00'];

export const MUTATION_KINDS = [
  'delete',
  'null',
  'wrong-type',
  'empty-array',
  'huge-string',
  'unicode',
  'bad-number',
  'bad-timestamp',
  'duplicate-container',
  'many-containers',
  'event-without-involved-object',
] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

export interface AppliedMutation {
  kind: MutationKind;
  /** Where it was applied, e.g. `[0].status.containerStatuses[0].state`. */
  path: string;
}

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function slotsOf(root: unknown[]): Slot[] {
  const slots: Slot[] = [];
  const walk = (value: unknown, path: string) => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        slots.push({ parent: value, key: i, path: `${path}[${i}]` });
        walk(item, `${path}[${i}]`);
      });
    } else if (isRecord(value)) {
      for (const [key, item] of Object.entries(value)) {
        slots.push({ parent: value, key, path: `${path}.${key}` });
        walk(item, `${path}.${key}`);
      }
    }
  };
  root.forEach((object, i) => walk(object, `[${i}]`));
  return slots;
}

function read(slot: Slot): unknown {
  return (slot.parent as Record<PathStep, unknown>)[slot.key];
}

function write(slot: Slot, value: unknown): void {
  (slot.parent as Record<PathStep, unknown>)[slot.key] = value;
}

function remove(slot: Slot): void {
  if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
  else delete slot.parent[slot.key as string];
}

function wrongType(value: unknown, random: Random): unknown {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return /^\d+$/.test(value) ? Number(value) : pick(random, [42, true, { text: value }, [value]]);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return Object.fromEntries(value.map((item, i) => [String(i), item]));
  if (isRecord(value)) return pick(random, [Object.values(value), 'object', 7]);
  return pick(random, [{}, [], 'x', 0]);
}

function keyOf(slot: Slot): string {
  return typeof slot.key === 'string' ? slot.key : '';
}

/** Every array of containers or container statuses in the objects. */
function containerArrays(slots: readonly Slot[]): Slot[] {
  return slots.filter((s) => /^(containers|initContainers|containerStatuses|initContainerStatuses)$/.test(keyOf(s)) && Array.isArray(read(s)));
}

/**
 * Applies one mutation of `kind` somewhere in `objects` (in place). Returns where, or null when the
 * objects hold nothing that kind applies to (e.g. no Event for `event-without-involved-object`).
 */
export function mutate(objects: unknown[], kind: MutationKind, random: Random): AppliedMutation | null {
  const slots = slotsOf(objects);
  const applied = (slot: Slot): AppliedMutation => ({ kind, path: slot.path });
  switch (kind) {
    case 'delete': {
      const slot = slots.length ? pick(random, slots) : undefined;
      if (!slot) return null;
      remove(slot);
      return applied(slot);
    }
    case 'null': {
      const slot = slots.length ? pick(random, slots) : undefined;
      if (!slot) return null;
      write(slot, null);
      return applied(slot);
    }
    case 'wrong-type': {
      const slot = slots.length ? pick(random, slots) : undefined;
      if (!slot) return null;
      write(slot, wrongType(read(slot), random));
      return applied(slot);
    }
    case 'empty-array': {
      const arrays = slots.filter((s) => Array.isArray(read(s)));
      const slot = arrays.length ? pick(random, arrays) : undefined;
      if (!slot) return null;
      write(slot, []);
      return applied(slot);
    }
    case 'huge-string': {
      // Any string: messages and args are unbounded upstream, and a crafted dump can lengthen names too.
      const texts = slots.filter((s) => typeof read(s) === 'string');
      const slot = texts.length ? pick(random, texts) : undefined;
      if (!slot) return null;
      const original = read(slot) as string;
      // Keep the original at the front: detectors match on prefixes of upstream messages.
      write(slot, `${original} ${'x'.repeat(HUGE_LENGTH)}`);
      return applied(slot);
    }
    case 'unicode': {
      const texts = slots.filter((s) => typeof read(s) === 'string');
      const slot = texts.length ? pick(random, texts) : undefined;
      if (!slot) return null;
      const nasty = pick(random, NASTY_UNICODE);
      write(slot, random() < 0.5 ? `${read(slot) as string}${nasty}` : nasty);
      return applied(slot);
    }
    case 'bad-number': {
      const numbers = slots.filter((s) => typeof read(s) === 'number');
      const slot = numbers.length ? pick(random, numbers) : undefined;
      if (!slot) return null;
      write(slot, pick(random, BAD_NUMBERS));
      return applied(slot);
    }
    case 'bad-timestamp': {
      const times = slots.filter((s) => /(Time|Timestamp|At|Heartbeat)$/.test(keyOf(s)));
      const slot = times.length ? pick(random, times) : undefined;
      if (!slot) return null;
      write(slot, pick(random, BAD_TIMESTAMPS));
      return applied(slot);
    }
    case 'duplicate-container': {
      const arrays = containerArrays(slots).filter((s) => (read(s) as unknown[]).length > 0);
      const slot = arrays.length ? pick(random, arrays) : undefined;
      if (!slot) return null;
      const list = read(slot) as unknown[];
      list.push(structuredClone(list[0]));
      return applied(slot);
    }
    case 'many-containers': {
      const arrays = containerArrays(slots).filter((s) => (read(s) as unknown[]).length > 0);
      if (arrays.length === 0) return null;
      // Grow every container list of the Pod alike, so specs and statuses keep matching by name.
      for (const slot of arrays) {
        const list = read(slot) as unknown[];
        const template = list[0];
        for (let i = list.length; i < 200; i++) {
          const copy = structuredClone(template);
          if (isRecord(copy) && typeof copy.name === 'string') copy.name = `${copy.name}-${i}`;
          list.push(copy);
        }
      }
      return { kind, path: arrays.map((s) => s.path).join(', ') };
    }
    case 'event-without-involved-object': {
      const events = objects.filter((o): o is Record<string, unknown> => isRecord(o) && o.kind === 'Event');
      const event = events.length ? pick(random, events) : undefined;
      if (!event) return null;
      const ref = event.involvedObject;
      const field = pick(random, ['involvedObject', 'kind', 'name', 'namespace', 'uid']);
      if (field === 'involvedObject' || !isRecord(ref)) delete event.involvedObject;
      else delete ref[field];
      return { kind, path: `[${objects.indexOf(event)}].involvedObject${field === 'involvedObject' ? '' : `.${field}`}` };
    }
  }
}
