export interface IncidentSettings {
  /** At most one edit per incident (and per digest) message per this interval (~10 s). */
  minUpdateIntervalMs: number;
  /** All Pods healthy or gone this long: resolved (long enough to ride out a crash loop's Running moments). */
  resolveAfterMs: number;
  /** A recurrence within this long after resolving re-opens in the same thread. */
  reopenWindowMs: number;
  /** More than this many new incidents for one channel in stormWindowMs: digest instead of posts. */
  stormThresholdPerMinute: number;
  stormWindowMs: number;
  /** An open that was emitted but never marked posted (delivery failed) is emitted again after this long. */
  repostAfterMs: number;
  /** How long resolved incidents and digests are kept (at least reopenWindowMs). */
  retentionMs: number;
  digestMaxEntries: number;
}

export const DEFAULT_INCIDENT_SETTINGS: IncidentSettings = {
  minUpdateIntervalMs: 10_000,
  resolveAfterMs: 2 * 60_000,
  reopenWindowMs: 60 * 60_000,
  stormThresholdPerMinute: 10,
  stormWindowMs: 60_000,
  repostAfterMs: 5 * 60_000,
  retentionMs: 24 * 60 * 60_000,
  digestMaxEntries: 50,
};
