/**
 * The simulated clock. Share one between the ObjectStore and the simulator so that what the store
 * stamps (graceful deletion's deletionTimestamp, namespaces' creationTimestamp) agrees with what the
 * simulator writes:
 *
 *   const clock = createSimClock('2026-11-20T12:00:00Z');
 *   const store = new ObjectStore({ now: clock.now });
 *   const sim = createClusterSimulator({ store, now: clock.now });
 */

export interface SimClock {
  /** The current simulated time (a fresh Date each call). */
  readonly now: () => Date;
  nowMs(): number;
  /** Moves the clock forward; never backward. */
  advance(seconds: number): void;
  /** Moves the clock to `ms` when that is later than now. */
  advanceTo(ms: number): void;
}

const registry = new WeakMap<() => Date, SimClock>();

export function createSimClock(start: Date | string | number = '2026-11-20T12:00:00Z'): SimClock {
  let ms = typeof start === 'number' ? start : new Date(start).getTime();
  if (Number.isNaN(ms)) throw new Error(`sim: invalid clock start ${String(start)}`);
  const now = (): Date => new Date(ms);
  const clock: SimClock = {
    now,
    nowMs: () => ms,
    advance(seconds) {
      if (seconds > 0) ms += seconds * 1000;
    },
    advanceTo(target) {
      if (target > ms) ms = target;
    },
  };
  registry.set(now, clock);
  return clock;
}

/**
 * The clock behind a `now` function: the SimClock that made it, or a clock that runs `now` plus an
 * offset that `advance` grows (for a plain function such as a store's real-time clock).
 */
export function clockFor(now: () => Date): SimClock {
  const known = registry.get(now);
  if (known) return known;
  let offset = 0;
  const wrapped = (): Date => new Date(now().getTime() + offset);
  return {
    now: wrapped,
    nowMs: () => now().getTime() + offset,
    advance(seconds) {
      if (seconds > 0) offset += seconds * 1000;
    },
    advanceTo(target) {
      const current = now().getTime() + offset;
      if (target > current) offset += target - current;
    },
  };
}

/**
 * Makes `clock` run with real time (checked every `everyMs`), so a story can still jump it forward with
 * `advance`; returns the stop. The timer is unref'd: a clock never keeps a process alive on its own.
 */
export function followRealTime(clock: SimClock, everyMs = 50): () => void {
  let lastReal = Date.now();
  const timer = setInterval(() => {
    const real = Date.now();
    clock.advance((real - lastReal) / 1000);
    lastReal = real;
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
