/**
 * The incident stage's entry point (docs/architecture.md, "Alert"): diagnoses from the workers and recoveries
 * from the watch side are recorded into incidents (manager.ts), and whatever the manager decides to say is
 * handed to the notify queue. A timer emits what has come due (coalesced updates, resolutions, digest edits).
 */
import type { Diagnosis } from '../contract/diagnosis.ts';
import type { Incident, IncidentIntervention, NotifyCommand } from '../contract/incident.ts';
import type { CauseId } from '../contract/scenarios.ts';
import type { Snapshot } from '../contract/snapshot.ts';
import type { Logger } from '../log.ts';
import { incidentKeyOf, incidentOwnerOf, type Observation } from './keys.ts';
import type { IncidentManager } from './manager.ts';

/** The next stage: the notify queue, delivering in this process or in another one reached through Redis. */
export interface NotifySink {
  /** Hands a command on; throws when it could not be (the command is then re-emitted or superseded later). */
  enqueue(command: NotifyCommand): Promise<void>;
}

export interface IncidentRecorderOptions {
  cluster: string;
  manager: IncidentManager;
  /**
   * The channel for an incident in this namespace (null: a node incident). The agent passes
   * src/notify/channel-routing.ts's routeChannel over the configured routes.
   */
  channelFor: (namespace: string | null) => string;
  /**
   * Whether `channel` takes a diagnosis with this cause (its minimum severity, CHANNEL_MIN_SEVERITY); the
   * agent passes ChannelRouter.takes. Absent: every channel takes everything. A diagnosis its channel does
   * not take is not recorded at all: no incident, no message, no place in a storm digest. Since the cause is
   * part of an incident's key, an incident's severity never changes, so "held forever" (a snooze that never
   * ends) and "not recorded" would look the same in the channel; not recording also keeps it out of
   * `/pod list` and App Home, which list what was posted.
   */
  takes?: (channel: string, cause: CauseId) => boolean;
  notify: NotifySink;
  log: Logger;
  /** How often flushDue runs; short enough to keep latency after a coalescing interval well under 1 s. */
  tickMs?: number;
}

export class IncidentRecorder {
  readonly #o: Required<Omit<IncidentRecorderOptions, 'takes'>> & Pick<IncidentRecorderOptions, 'takes'>;
  #timer: NodeJS.Timeout | undefined;
  /** The pass running now, and the one queued behind it (see flushDue). */
  #flushing: Promise<void> | undefined;
  #flushAgain: Promise<void> | undefined;

  constructor(options: IncidentRecorderOptions) {
    this.#o = { ...options, tickMs: options.tickMs ?? 200 };
  }

  /** Records a worker's diagnosis and hands on what to notify. Throws (the job is retried) when the store or the notify queue fails. */
  async record(diagnosis: Diagnosis, snapshot: Snapshot): Promise<void> {
    const { cluster, channelFor, manager } = this.#o;
    // A workload subject (a ReplicaSet that cannot create its Pods) keys on its top owner like its Pods would:
    // the Deployment, not the ReplicaSet of one rollout.
    const owner =
      snapshot.kind === 'Pod'
        ? incidentOwnerOf(snapshot.owners)
        : (incidentOwnerOf(snapshot.owners) ?? { kind: snapshot.workload.kind, name: snapshot.workload.metadata.name });
    const observed: Omit<Observation, 'channel'> = {
      cluster,
      diagnosis,
      owner,
      node: snapshot.kind === 'Pod' ? snapshot.pod.spec.nodeName : undefined,
      observedAt: snapshot.observedAt,
    };
    // Node incidents have no namespace: they go to the node channel.
    const channel = channelFor(incidentKeyOf(observed).namespace);
    if (this.#o.takes && !this.#o.takes(channel, diagnosis.cause)) {
      this.#o.log.debug({ channel, cause: diagnosis.cause, podUid: diagnosis.subject.uid }, 'Diagnosis below its channel\'s minimum severity; not recorded');
      return;
    }
    const command = await manager.record({ ...observed, channel });
    if (command) await this.#o.notify.enqueue(command);
  }

  /** A Pod (or workload subject) that was handed on looks healthy now. Never throws. */
  podHealthy(uid: string): Promise<void> {
    return this.#settle(() => this.#o.manager.podHealthy(this.#o.cluster, uid));
  }

  /** A Pod that was handed on is gone. Never throws. */
  podGone(uid: string): Promise<void> {
    return this.#settle(() => this.#o.manager.resolvePod(this.#o.cluster, uid));
  }

  /** "Snooze" from Slack (manager.ts snoozeIncident): hands on the edits that show it on the parents it holds. Throws when the store or the notify queue fails (the job is retried). */
  async snoozeIncident(id: string, scope: 'workload' | 'namespace', forMs: number, by: string): ReturnType<IncidentManager['snoozeIncident']> {
    const change = await this.#o.manager.snoozeIncident(this.#o.cluster, id, scope, forMs, by);
    for (const command of [change.command, ...change.others]) if (command) await this.#o.notify.enqueue(command);
    return change;
  }

  /** "Mark resolved" from Slack: resolves it and hands on the edit of its parent. Throws when the store or the notify queue fails. */
  async markResolved(id: string, by: string): ReturnType<IncidentManager['markResolved']> {
    const change = await this.#o.manager.markResolved(this.#o.cluster, id, by);
    if (change.command) await this.#o.notify.enqueue(change.command);
    return change;
  }

  /** A one-click fix was done on a Pod of incident `id`: its parent shows it. Throws when the store or the notify queue fails. */
  async noteIntervention(id: string, intervention: Omit<IncidentIntervention, 'at'>): Promise<void> {
    const change = await this.#o.manager.noteIntervention(this.#o.cluster, id, intervention);
    if (change.command) await this.#o.notify.enqueue(change.command);
  }

  /**
   * Emits what has come due. One pass at a time; never throws. A call while a pass runs (the timer's, which may
   * have read the clock before something came due) waits for it and for one more pass: what is due when
   * flushDue is called has been handed on when it returns (agent.tick() promises that). Callers arriving during
   * the same pass share the one queued behind it.
   */
  flushDue(): Promise<void> {
    if (this.#flushing) {
      this.#flushAgain ??= this.#flushing.then(() => {
        this.#flushAgain = undefined;
        return this.flushDue();
      });
      return this.#flushAgain;
    }
    this.#flushing = this.#flushPass().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #flushPass(): Promise<void> {
    try {
      for (const command of await this.#o.manager.flushDue(this.#o.cluster)) await this.#o.notify.enqueue(command);
    } catch (error) {
      this.#o.log.warn({ err: error }, 'Incident flush failed');
    }
  }

  /** The cluster's open incidents (the watch side reconciles them with its cache at start). */
  openIncidents(): Promise<Incident[]> {
    return this.#o.manager.listOpen(this.#o.cluster);
  }

  start(): void {
    this.#timer = setInterval(() => void this.flushDue(), this.#o.tickMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #settle(change: () => Promise<NotifyCommand[]>): Promise<void> {
    try {
      for (const command of await change()) await this.#o.notify.enqueue(command);
    } catch (error) {
      this.#o.log.warn({ err: error }, 'Incident update failed');
    }
  }
}
