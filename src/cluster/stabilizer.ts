/**
 * Debounces candidates: a failure is handed on only once it has lasted its stabilization window
 * and still holds when re-checked, so transients and flapping stay silent. A candidate that keeps
 * holding is handed on again at most once per refresh interval (the incident then updates,
 * coalesced); one that stops holding is dropped and reported as recovered. Part of the watch side
 * (alert-source.ts): `tick()` returns what is due, and the alert source turns it into jobs.
 */
import type { Candidate } from './candidates.ts';

export interface StabilizerOptions {
  now: () => number;
  /** Re-evaluates a pending candidate from current state; null means it no longer holds. */
  recheck: (candidate: Candidate) => Candidate | null;
  /** Called when an emitted candidate stops holding (the subject recovered or is gone). */
  onRecovered?: (candidate: Candidate) => void;
  /** Minimum time between two hand-offs of the same candidate. */
  refreshMs: number;
}

interface Entry {
  candidate: Candidate;
  emittedAtMs: number | null;
}

export class Stabilizer {
  private readonly entries = new Map<string, Entry>();
  private readonly options: StabilizerOptions;

  constructor(options: StabilizerOptions) {
    this.options = options;
  }

  static keyOf(candidate: Candidate): string {
    return `${candidate.subject.kind}/${candidate.subject.uid}`;
  }

  /** Records (or refreshes) a candidate; the earliest `since` for the same hint wins. */
  offer(candidate: Candidate): void {
    const key = Stabilizer.keyOf(candidate);
    const existing = this.entries.get(key);
    if (!existing) {
      this.entries.set(key, { candidate, emittedAtMs: null });
      return;
    }
    if (existing.candidate.hint === candidate.hint && existing.candidate.dueAtMs <= candidate.dueAtMs) return;
    // A new kind of failure for the same subject is a new story: re-arm it, but keep the emission clock
    // so a flapping subject cannot be handed on faster than refreshMs.
    existing.candidate = candidate;
  }

  /** The subject is healthy or deleted. */
  withdraw(kind: Candidate['subject']['kind'], uid: string): void {
    const key = `${kind}/${uid}`;
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    if (entry.emittedAtMs !== null) this.options.onRecovered?.(entry.candidate);
  }

  /** What is due and still holds, to hand on now; call it on a timer (about once a second) and after bursts of events. */
  tick(): Candidate[] {
    const now = this.options.now();
    const due: Candidate[] = [];
    for (const [key, entry] of this.entries) {
      if (entry.candidate.dueAtMs > now) continue;
      if (entry.emittedAtMs !== null && now - entry.emittedAtMs < this.options.refreshMs) continue;
      const rechecked = this.options.recheck(entry.candidate);
      // A state with no timestamp of its own (an image pull back-off) reads "since now" on every check:
      // for the same hint, the earliest since and due time stand, or it would never come due.
      const current =
        rechecked && rechecked.hint === entry.candidate.hint && rechecked.dueAtMs > entry.candidate.dueAtMs
          ? { ...rechecked, since: entry.candidate.since, dueAtMs: entry.candidate.dueAtMs }
          : rechecked;
      if (!current) {
        this.entries.delete(key);
        if (entry.emittedAtMs !== null) this.options.onRecovered?.(entry.candidate);
        continue;
      }
      if (current.dueAtMs > now) {
        entry.candidate = current;
        continue;
      }
      entry.candidate = current;
      entry.emittedAtMs = now;
      due.push(current);
    }
    return due;
  }

  /** Whether the subject has a candidate of its own (pending or handed on). */
  has(kind: Candidate['subject']['kind'], uid: string): boolean {
    return this.entries.has(`${kind}/${uid}`);
  }

  get size(): number {
    return this.entries.size;
  }

  pending(): Candidate[] {
    return [...this.entries.values()].filter((e) => e.emittedAtMs === null).map((e) => e.candidate);
  }
}
