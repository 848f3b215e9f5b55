import type { PacerClock } from '../../src/notify/channel-pacer.ts';

/** A clock that moves only when the test says so: sleeps resolve in time order as `advance` passes them. */
export class ManualClock implements PacerClock {
  #now: number;
  #timers: { at: number; seq: number; resolve: () => void }[] = [];
  #seq = 0;

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#timers.push({ at: this.#now + Math.max(0, ms), seq: (this.#seq += 1), resolve });
    });
  }

  /** Moves time forward by `ms`, waking each sleeper at its own moment and letting it run before the next. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.#timers[0];
      if (!next || next.at > target) break;
      this.#timers.shift();
      this.#now = Math.max(this.#now, next.at);
      next.resolve();
      await settle();
    }
    this.#now = target;
    await settle();
  }
}

/** Lets pending promise callbacks run (a few macrotask turns: chains of awaits settle within them). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
}
