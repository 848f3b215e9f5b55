/**
 * Indexes of one snapshot, built at most once per diagnosis and shared by every detector: the Pod's container views,
 * every event newest first, the Pod's own events newest first and by reason. Thirteen detectors each scanning and
 * sorting snapshot.events, and each rebuilding the container list, were most of the engine's cost on healthy Pods.
 *
 * The engine stays pure: an index lives only for one synchronous diagnose() call (see withSnapshotIndex) and is keyed
 * by the very objects it indexes, so a caller that edits a snapshot between calls, or a detector called on its own
 * (tests), or on a derived snapshot, simply gets no index and the helpers in support.ts compute as before. What the
 * index hands out is frozen: a detector cannot change what the next detector sees.
 */
import type { KubeEvent, Pod } from '../contract/k8s.ts';
import type { Snapshot } from '../contract/snapshot.ts';

/** Whatever support.ts caches per snapshot; each field is filled the first time a detector asks. */
export interface SnapshotIndex {
  readonly snapshot: Snapshot;
  /** support.ts containers(pod) of the snapshot's Pod (typed loosely here to keep this module free of support.ts). */
  containerViews?: readonly unknown[];
  /** Every event of the snapshot, newest first (the order findEvents returns). */
  eventsNewestFirst?: readonly KubeEvent[];
  /** The events about the snapshot's Pod (by uid, else kind + namespace + name), newest first. */
  podEvents?: readonly KubeEvent[];
  /** podEvents by reason (the reason '' for an event without one), each newest first. */
  podEventsByReason?: ReadonlyMap<string, readonly KubeEvent[]>;
}

let current: SnapshotIndex | null = null;

/** Runs `work` (one diagnosis of `snapshot`) with an index of that snapshot available to support.ts. */
export function withSnapshotIndex<T>(snapshot: Snapshot, work: () => T): T {
  const previous = current;
  current = { snapshot };
  try {
    return work();
  } finally {
    current = previous;
  }
}

/** The index of `snapshot` when it is the one being diagnosed, else null. */
export function indexOf(snapshot: Snapshot): SnapshotIndex | null {
  return current !== null && current.snapshot === snapshot ? current : null;
}

/** The index whose snapshot is about `pod` (the Pod object itself, not a copy), else null. */
export function indexOfPod(pod: Pod): SnapshotIndex | null {
  return current !== null && current.snapshot.kind === 'Pod' && current.snapshot.pod === pod ? current : null;
}
