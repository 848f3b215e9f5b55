/**
 * The delivering side of the notify seam (docs/architecture.md, "The notify seam"): one command from the
 * notify queue → the Notifier → where a new message landed, recorded through the incident store
 * (markPosted). Needs only a Notifier and the store, never the incident manager's process: the Slack gateway
 * runs this with Redis and Slack tokens, the single-process agent runs it in its own process.
 */
import type { NotifyCommand, PostedMessage } from '../contract/incident.ts';
import { markPosted } from '../incidents/posted.ts';
import type { IncidentStore } from '../incidents/store.ts';
import type { Notifier } from './notifier.ts';

export interface DeliveryDeps {
  notifier: Notifier;
  /** The incident store the agent records into (Redis when the delivering side is another process). */
  store: IncidentStore;
}

/**
 * 'delivered': the notifier ran (and a new message's place was recorded); 'already-posted': an open or a
 * digest post whose document already records a posted message was not posted again (a retried or
 * re-emitted delivery), so nothing is posted twice.
 */
export type DeliveryOutcome = { kind: 'delivered'; posted?: PostedMessage } | { kind: 'already-posted'; posted: PostedMessage };

/** Delivers one command. Throws when the notifier or the store fails: the queue retries it. */
export async function deliverNotification(command: NotifyCommand, deps: DeliveryDeps): Promise<DeliveryOutcome> {
  const tracked = trackedMessageOf(command);
  if (tracked) {
    const current = await deps.store.get(tracked.cluster, tracked.id);
    const posted = current?.doc.posted;
    if (posted) return { kind: 'already-posted', posted };
  }
  const posted = await deps.notifier.deliver(command);
  if (tracked && posted) {
    await markPosted(deps.store, tracked.id, posted);
    return { kind: 'delivered', posted };
  }
  return { kind: 'delivered' };
}

/** A new message whose place the incident store keeps: an open, or the post of a storm digest. */
export function isNewTrackedMessage(command: NotifyCommand): boolean {
  return command.type === 'open' || (command.type === 'digest' && !command.target);
}

/** The incident or digest document a new message belongs to; null for edits and replies. */
export function trackedMessageOf(command: NotifyCommand): { cluster: string; id: string } | null {
  if (command.type === 'open') return { cluster: command.incident.cluster, id: command.incident.id };
  if (command.type === 'digest' && !command.target) return { cluster: command.digest.cluster, id: command.digest.id };
  return null;
}

/** The Slack channel a command goes to. */
export function channelOf(command: NotifyCommand): string {
  switch (command.type) {
    case 'digest':
      return command.target?.channel ?? command.digest.channel;
    case 'reply':
      return command.replyTo.channel;
    case 'open':
      return command.incident.channel;
    default:
      return command.target.channel;
  }
}
