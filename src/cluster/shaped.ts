/**
 * Shaped storage: how the cache keeps its Pods (issue 14 item 1, "shared shapes"). A slimmed Pod
 * as a tree of plain objects costs ~1.9 KB in V8 besides its strings: a header per object (its
 * metadata, spec, status, each condition, container, container status, state, volume and volume
 * mount), and a field per key in each. Yet the Pods of one template have the same tree: the same
 * keys in the same order, the same shared parts (StringPool.share) in the same places, and
 * mostly the same enum values ("True", "Running", "Always"). Only some leaves differ: names, uid,
 * resourceVersion, timestamps, IPs, restart counts.
 *
 * So a Pod is stored as a Shape (the tree without its per-Pod leaves, one frozen copy for every
 * Pod that has it) and its leaves in one array: ~50 slots, ~0.5 KB with the headers, instead of
 * ~30 objects. Reading it back (unshape) builds the same tree: the same keys in the same order,
 * the same values, the shared parts the very same frozen objects. What goes in: plain JSON values
 * as slim.ts leaves them (no undefined, no Dates, no cycles). test/cluster/shaped.test.ts proves
 * the round trip on every fixture's objects.
 *
 * Hand-written: no kept library stores JSON values as shared shapes plus leaves (V8's own hidden
 * classes do it for objects built alike, but not across ~30 small objects per Pod).
 */

const LEAF = 0;
const CONSTANT = 1;
const OBJECT = 2;
const ARRAY = 3;

type Shape =
  | { readonly kind: typeof LEAF; readonly id: number }
  | { readonly kind: typeof CONSTANT; readonly id: number; readonly value: unknown }
  | { readonly kind: typeof OBJECT; readonly id: number; readonly keys: readonly string[]; readonly children: readonly Shape[] }
  | { readonly kind: typeof ARRAY; readonly id: number; readonly children: readonly Shape[] };

/**
 * A stored object: one array holding its shape, a tag the caller chose (the cache: the object's
 * resourceVersion, so the informer compares versions without rebuilding the object), then its
 * leaves in the order unshape reads them. One array rather than an object holding two: ~50 bytes
 * less per Pod.
 */
export type Shaped = readonly unknown[];
const SHAPE_SLOT = 0;
const TAG_SLOT = 1;
const FIRST_LEAF = 2;

/**
 * Keys whose string values are enums (the same few words across a cluster): they go into the shape
 * rather than the leaves. Only a question of size: a value that varies more makes more shapes,
 * never a wrong one.
 */
const ENUM_KEYS: ReadonlySet<string> = new Set([
  'type',
  'status',
  'phase',
  'qosClass',
  'restartPolicy',
  'dnsPolicy',
  'schedulerName',
  'preemptionPolicy',
  'imagePullPolicy',
  'terminationMessagePolicy',
  'terminationMessagePath',
  'kind',
  'apiVersion',
  'reason',
]);

const LEAF_SHAPE: Shape = Object.freeze({ kind: LEAF, id: 0 });

/**
 * A step in the table's transition tree (as V8's own hidden classes): from the empty object (or
 * array) one step per (key, child shape), so that finding an object's shape costs a Map lookup by
 * number per key, with no signature string to build and hash per object.
 */
interface Step {
  readonly parent: Step | undefined;
  readonly key: string;
  readonly child: Shape | undefined;
  next: Map<number, Step> | undefined;
  shape: Shape | undefined;
}

const rootStep = (): Step => ({ parent: undefined, key: '', child: undefined, next: undefined, shape: undefined });

/**
 * Shapes seen so far, deduplicated. Bounded like StringPool: when full it starts over; objects
 * already stored keep their shapes (an old shape lives as long as one object uses it), new ones
 * get fresh copies.
 */
export class ShapeTable {
  #objectRoot = rootStep();
  #arrayRoot = rootStep();
  #keyIds = new Map<string, number>();
  #steps = 0;
  readonly #primitives = new Map<unknown, Shape>();
  readonly #limit: number;
  readonly #scratch: unknown[] = [];
  #nextId = 1;

  constructor(limit = 100_000) {
    this.#limit = limit;
  }

  /** `value` as a shape and leaves, with `tag` kept beside them (tagOf). */
  shape(value: unknown, tag?: string): Shaped {
    if (this.#steps >= this.#limit) this.#startOver();
    const scratch = this.#scratch;
    scratch.length = FIRST_LEAF;
    scratch[SHAPE_SLOT] = this.#shapeOf(value, scratch, false);
    scratch[TAG_SLOT] = tag;
    // A copy of exactly its length: the scratch array grew with spare capacity as leaves were pushed.
    const record = scratch.slice();
    scratch.length = 0;
    return record;
  }

  /** Steps of the transition tree kept (for tests and bench figures). */
  get size(): number {
    return this.#steps;
  }

  #shapeOf(value: unknown, leaves: unknown[], enumValue: boolean): Shape {
    if (typeof value !== 'object' || value === null) {
      if (enumValue || typeof value === 'boolean' || value === null) return this.#primitive(value);
      leaves.push(value);
      return LEAF_SHAPE;
    }
    // Shared parts (StringPool.share) are frozen: kept by reference, as leaves. In the shape they
    // would make one shape per template (and per label set, owner, …), which costs more than the
    // leaf slot when a template has a few Pods.
    if (Object.isFrozen(value)) {
      leaves.push(value);
      return LEAF_SHAPE;
    }
    if (Array.isArray(value)) {
      let step = this.#arrayRoot;
      for (const item of value as unknown[]) step = this.#step(step, '', this.#shapeOf(item, leaves, false));
      return (step.shape ??= this.#make(step, ARRAY));
    }
    const record = value as Record<string, unknown>;
    let step = this.#objectRoot;
    for (const key in record) {
      const item = record[key];
      step = this.#step(step, key, this.#shapeOf(item, leaves, typeof item === 'string' && ENUM_KEYS.has(key)));
    }
    return (step.shape ??= this.#make(step, OBJECT));
  }

  #step(from: Step, key: string, child: Shape): Step {
    let keyId = this.#keyIds.get(key);
    if (keyId === undefined) {
      keyId = this.#keyIds.size;
      this.#keyIds.set(key, keyId);
    }
    // Exact as long as there are fewer than 2^21 distinct keys and 2^32 shape ids (2^53 in all).
    const edge = keyId * 0x1_0000_0000 + child.id;
    from.next ??= new Map();
    let to = from.next.get(edge);
    if (to === undefined) {
      to = { parent: from, key, child, next: undefined, shape: undefined };
      from.next.set(edge, to);
      this.#steps++;
    }
    return to;
  }

  /** The shape at the end of a path: its keys and children, read back up the path. */
  #make(end: Step, kind: typeof OBJECT | typeof ARRAY): Shape {
    const keys: string[] = [];
    const children: Shape[] = [];
    for (let step: Step | undefined = end; step?.child; step = step.parent) {
      keys.push(step.key);
      children.push(step.child);
    }
    keys.reverse();
    children.reverse();
    const id = this.#nextId++;
    return Object.freeze(kind === OBJECT ? { kind, id, keys: Object.freeze(keys), children: Object.freeze(children) } : { kind, id, children: Object.freeze(children) });
  }

  #primitive(value: unknown): Shape {
    let shape = this.#primitives.get(value);
    if (shape === undefined) {
      shape = Object.freeze({ kind: CONSTANT, id: this.#nextId++, value });
      this.#primitives.set(value, shape);
      this.#steps++;
    }
    return shape;
  }

  #startOver(): void {
    this.#objectRoot = rootStep();
    this.#arrayRoot = rootStep();
    this.#keyIds = new Map();
    this.#primitives.clear();
    this.#steps = 0;
  }
}

/** The value `shaped` was made from: equal keys in equal order, equal leaves, the same shared objects. */
export function unshape<T>(shaped: Shaped): T {
  const reader = { leaves: shaped, next: FIRST_LEAF };
  return build(shaped[SHAPE_SLOT] as Shape, reader) as T;
}

/** The tag given to ShapeTable.shape. */
export function tagOf(shaped: Shaped): string | undefined {
  return shaped[TAG_SLOT] as string | undefined;
}

function build(shape: Shape, reader: { leaves: readonly unknown[]; next: number }): unknown {
  switch (shape.kind) {
    case LEAF:
      return reader.leaves[reader.next++];
    case CONSTANT:
      return shape.value;
    case ARRAY: {
      const out: unknown[] = [];
      for (const child of shape.children) out.push(build(child, reader));
      return out;
    }
    case OBJECT: {
      const out: Record<string, unknown> = {};
      const { keys, children } = shape;
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        const value = build(children[i] as Shape, reader);
        // JSON.parse makes "__proto__" an own key; an assignment would set the prototype instead.
        if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
        else out[key] = value;
      }
      return out;
    }
  }
}
