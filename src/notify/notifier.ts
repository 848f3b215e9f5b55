import type { NotifyCommand, PostedMessage } from '../contract/incident.ts';

/**
 * Delivers what the incident manager decided, in the delivering process (the agent's own by default, the
 * Slack gateway when scaled out). Implementations: console-notifier.ts (demo, users without Slack); the Slack
 * notifier (gateway) comes later and paces chat.postMessage per channel. deliver.ts calls it:
 * - open / digest without `target`: post a new message and return where it landed (channel + ts), which
 *   deliver.ts records in the incident store (markPosted);
 * - update / resolve / digest with `target`: edit that message;
 * - reopen: reply in the thread of `target` and edit it back to open;
 * - reply: answer a person's command where `replyTo` says.
 * Throw when delivery fails: the notify queue retries it (BullMQ), or the enqueuer sees the error (in
 * process) and the manager re-emits an open after repostAfterMs.
 */
export interface Notifier {
  deliver(command: NotifyCommand): Promise<PostedMessage | void>;
}
