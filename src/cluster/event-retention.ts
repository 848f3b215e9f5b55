/**
 * Which Events the cache keeps: those the engine can use. An event storm (100,000 FailedMount
 * Events about one Pod) or a cluster with a long event TTL (a million old Events) must not grow
 * the agent's memory without bound (issue 14).
 *
 * What the engine reads of Events (src/diagnosis, through snapshot.ts, which hands a snapshot every
 * Event about its Pod, the Pod's owners, its node and its PVCs):
 * - Order: newest first by `eventLastSeen` (support.ts): series.lastObservedTime, else
 *   lastTimestamp, else eventTime, else firstTimestamp, else metadata.creationTimestamp.
 * - By age: nearly every detector filters with `maxAgeSeconds: settings.eventStaleSeconds`
 *   (3600 s): probe kills and failures, kubelet `Failed` errors, mount failures, FailedCreate,
 *   quota, eviction thresholds, system OOM, node-loss evidence, PVC provisioning, last-resort's
 *   Warnings.
 * - Newest of a reason, whatever its age: FailedScheduling (unschedulable.ts, which then ignores it
 *   past eventStaleSeconds when the Pod has no condition), an init container's BackOff (init.ts),
 *   hook Killing (hook.ts), a `Failed` "Error: …" (dependency.ts, container-create.ts), a node's
 *   NodeNotReady (unknown-node-loss.ts).
 * - Any Event at all: healthy.ts sends a Pod with any Event but a Normal start-up one to the
 *   detectors; input-gaps.ts notes a troubled Pod that has none.
 * - By count: never across Events; a repeated Event's own `count` / `series.count` is quoted.
 *   last-resort.ts quotes the 3 newest Warnings within the window.
 * So the window is eventStaleSeconds. It is also the API server's default Event TTL (1 h after the
 * last update, kube-apiserver --event-ttl): on such a cluster the reads without an age limit never
 * see older Events either. Only on a cluster with a longer TTL do they lose what they would have
 * quoted from an Event over an hour old. test/cluster/event-retention.test.ts diagnoses every
 * fixture with and without the retention (the corpus holds Events from 2 to 75 hours old).
 *
 * Constants, not configuration: the window follows the engine's own setting, which is not
 * configurable either, and the bound is far above what a well-behaved writer produces.
 */
import { eventLastSeen } from '../diagnosis/support.ts';
import type { KubeEvent } from '../contract/k8s.ts';
import { DEFAULT_ENGINE_SETTINGS } from '../contract/settings.ts';
import { involvedKey } from './cache-indexes.ts';
import type { CachedObject } from './slim.ts';
import type { StoreRetention } from './watch/store-retention.ts';

export interface EventRetentionLimits {
  /** Events last seen longer ago than this are not kept. */
  maxAgeSeconds: number;
  /** At most this many Events per involved object; the newest are kept. */
  perObject: number;
  /** How often Events that aged past the window are dropped. */
  sweepEveryMs: number;
}

export const EVENT_RETENTION: EventRetentionLimits = {
  maxAgeSeconds: DEFAULT_ENGINE_SETTINGS.eventStaleSeconds,
  // client-go's event recorder folds repeats into one Event's count, combines more than 10 similar
  // Events of a reason within 10 minutes into one, and lets a source write about an object in a
  // burst of 25, then one per 5 minutes (tools/record/events_cache.go): a kubelet, a scheduler and
  // a controller write a few dozen Events about one object in an hour. 100 keeps all of those;
  // past it something writes Events without those limits, and the newest 100 are what the engine
  // reads first (newest of each reason, the newest Warnings).
  perObject: 100,
  // An Event lingers at most a minute past the window; each sweep compares one number per Event.
  sweepEveryMs: 60_000,
};

/** The informer retention for Events, on the wall clock `now` (ms since the epoch). */
export function eventRetention(now: () => number, limits: Partial<EventRetentionLimits> = {}): StoreRetention<CachedObject> {
  const { maxAgeSeconds, perObject, sweepEveryMs } = { ...EVENT_RETENTION, ...limits };
  return {
    groupOf: (object) => {
      const ref = (object as unknown as KubeEvent).involvedObject;
      return ref.uid || involvedKey(ref.kind, ref.namespace, ref.name);
    },
    lastSeenOf: (object) => {
      const seen = eventLastSeen(object as unknown as KubeEvent);
      return seen ? Date.parse(seen) : NaN;
    },
    maxAgeMs: maxAgeSeconds * 1000,
    maxPerGroup: perObject,
    sweepEveryMs,
    now,
  };
}
