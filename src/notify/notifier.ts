import type { NotifyCommand, PostedMessage } from '../contract/incident.ts';

/**
 * Delivers what the incident manager decided. Implementations: console-notifier.ts (demo, users without
 * Slack); the Slack notifier (gateway) comes later and paces chat.postMessage per channel.
 * - open / digest without `target`: post a new message and return where it landed (channel + ts), so the
 *   manager can remember it (IncidentManager.deliver does the markPosted);
 * - update / resolve / digest with `target`: edit that message;
 * - reopen: reply in the thread of `target` and edit it back to open.
 * Throw when delivery fails: the caller keeps the command (or lets the manager re-emit the open after
 * repostAfterMs).
 */
export interface Notifier {
  deliver(command: NotifyCommand): Promise<PostedMessage | void>;
}
