import type { NotifyCommand, PostedMessage } from '../contract/incident.ts';
import { renderNotifyCommand } from '../render/text.ts';
import { channelOf, isNewTrackedMessage } from './deliver.ts';
import type { Notifier } from './notifier.ts';

export interface ConsoleNotifierOptions {
  /** Where to print, e.g. process.stdout. */
  out: { write(text: string): unknown };
  /** Clock for the fake message ts. */
  now?: () => number;
  /** Evidence lines shown per message. */
  maxEvidence?: number;
}

/**
 * Prints notify commands as readable text (src/render/text.ts): for the demo and for users without Slack.
 * Returns a Slack-like fake ts for new messages, so edits and re-opens refer to "the same message" as they
 * would in Slack.
 */
export class ConsoleNotifier implements Notifier {
  readonly #out: ConsoleNotifierOptions['out'];
  readonly #now: () => number;
  readonly #maxEvidence: number;
  #sequence = 0;

  constructor(options: ConsoleNotifierOptions) {
    this.#out = options.out;
    this.#now = options.now ?? Date.now;
    this.#maxEvidence = options.maxEvidence ?? 3;
  }

  async deliver(command: NotifyCommand): Promise<PostedMessage | void> {
    const posted = isNewTrackedMessage(command) ? { channel: channelOf(command), ts: this.#nextTs() } : undefined;
    this.#out.write(`${renderNotifyCommand(command, { maxEvidence: this.#maxEvidence, ts: posted?.ts })}\n`);
    return posted;
  }

  #nextTs(): string {
    this.#sequence += 1;
    return `${Math.floor(this.#now() / 1000)}.${String(this.#sequence).padStart(6, '0')}`;
  }
}
