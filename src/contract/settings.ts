/**
 * Thresholds that keep the engine silent on normal transients. Each is a named, documented
 * setting; callers may override any of them (e.g. the CLI for a dump taken mid-rollout).
 */
export interface EngineSettings {
  /** A Pod must be unschedulable (PodScheduled=False) at least this long; the scheduler retries and autoscalers add nodes. */
  unschedulableAfterSeconds: number;
  /** ContainerCreating / Pending-on-a-node with a mount or config problem this long is stuck, not starting. */
  stuckCreatingAfterSeconds: number;
  /** An init container still running after this long, with no failure, counts as Init:N/M stuck. */
  initStuckAfterSeconds: number;
  /** A restart whose container finished longer ago than this, on a Pod that is Ready now, is history, not a failure. */
  recentRestartSeconds: number;
  /** A container that ran less than this before exiting exited "immediately" (container-exit.immediate). */
  immediateExitSeconds: number;
  /** A Running Pod whose containers stay not Ready this long has a readiness problem. */
  notReadyAfterSeconds: number;
  /** Terminating this long past deletionTimestamp + grace period is stuck. */
  terminatingOverdueSeconds: number;
  /** Events last seen longer ago than this are stale and ignored as evidence of a current failure. */
  eventStaleSeconds: number;
  /** A rollout this long (or less) before the observation is reported as change context. */
  rolloutContextSeconds: number;
}

export const DEFAULT_ENGINE_SETTINGS: EngineSettings = {
  unschedulableAfterSeconds: 30,
  stuckCreatingAfterSeconds: 120,
  initStuckAfterSeconds: 600,
  recentRestartSeconds: 600,
  immediateExitSeconds: 10,
  notReadyAfterSeconds: 60,
  terminatingOverdueSeconds: 60,
  eventStaleSeconds: 3600,
  rolloutContextSeconds: 3600,
};
