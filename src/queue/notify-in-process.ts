import type { NotifyCommand } from '../contract/incident.ts';
import { PodwhyError } from '../errors.ts';
import { NOTIFY_QUEUE_NAME, type NotifyHandler, type NotifyQueue } from './notify-queue.ts';
import { parseNotifyCommand } from './notify-jobs.ts';

/**
 * The single-process default: enqueue validates the command and delivers it at once, in the caller's turn,
 * so an incident's open is posted (and marked posted) before the worker's job completes, as it was before
 * the seam existed. No retries of its own: a failed delivery reaches the enqueuer (the job is retried, or
 * the incident manager re-emits the open after repostAfterMs).
 */
export class InProcessNotifyQueue implements NotifyQueue {
  readonly name = NOTIFY_QUEUE_NAME;
  #handler: NotifyHandler | undefined;
  #sequence = 0;
  #closed = false;
  readonly #active = new Set<Promise<void>>();

  async enqueue(command: NotifyCommand): Promise<void> {
    if (this.#closed) throw new PodwhyError('bad-input', `Queue ${this.name} is closed`);
    const handler = this.#handler;
    if (!handler) throw new PodwhyError('bad-input', `Nothing delivers from ${this.name} in this process: call startDelivery first`);
    // Parsed, like the BullMQ side: the deliverer gets its own copy and only what the contract allows.
    const parsed = parseNotifyCommand(command);
    this.#sequence += 1;
    const delivery = handler(parsed, { attempt: 1, jobId: `${parsed.type}-${this.#sequence}` });
    this.#active.add(delivery);
    try {
      await delivery;
    } finally {
      this.#active.delete(delivery);
    }
  }

  async startDelivery(handler: NotifyHandler): Promise<void> {
    if (this.#handler) throw new PodwhyError('bad-input', `Delivery from ${this.name} is already started`);
    this.#handler = handler;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#active]);
  }
}
