import type { NotifyCommand } from '../contract/incident.ts';

/**
 * The notify queue: the seam between the incident stage (which decides what to say) and the delivering side
 * (which holds the Slack tokens). Like the diagnosis queue, one interface with two implementations:
 * - notify-in-process.ts: the single-process default; enqueue IS the delivery (a direct call);
 * - notify-bullmq.ts: BullMQ on Redis (`podwhy-notify`), consumed by another process (the Slack gateway),
 *   with retries and back-off.
 * Commands are validated on both sides (notify-jobs.ts). Delivery reports where a new message landed
 * through the incident store (src/incidents/posted.ts), never back through the queue, so the producing
 * process never waits for Slack and never holds its token (docs/architecture.md, "The notify seam").
 */

/** One queue for every cluster: the gateway serves them all (the commands carry their cluster). */
export const NOTIFY_QUEUE_NAME = 'podwhy-notify';

export interface NotifyDeliveryContext {
  /** 1 for the first run, 2 for the first retry, … */
  attempt: number;
  /** The queue's id of this job. */
  jobId: string;
}

/**
 * Delivers one command (src/notify/deliver.ts's deliverNotification, usually). Throw a PodwhyError
 * 'bad-input' (or UnrecoverableJobError) to stop retrying; any other error is retried with back-off
 * (BullMQ) or reaches the enqueuer (in-process).
 */
export type NotifyHandler = (command: NotifyCommand, ctx: NotifyDeliveryContext) => Promise<void>;

export interface NotifyDeliveryOptions {
  /** Commands delivered in parallel by this process; 1 keeps the edits of one message in order. */
  concurrency?: number;
}

export interface NotifyQueue {
  readonly name: string;
  /**
   * Validates and hands a command to the delivering side. In-process: delivers it now and throws what the
   * delivery throws. BullMQ: queues it; throws PodwhyError 'redis-unavailable' at once when Redis is down.
   * Either way the incident manager has booked the command: an open never marked posted is emitted again
   * after repostAfterMs, and a lost edit is superseded by the next one.
   */
  enqueue(command: NotifyCommand): Promise<void>;
  /** Starts the delivering side in this process; call once. */
  startDelivery(handler: NotifyHandler, options?: NotifyDeliveryOptions): Promise<void>;
  /** Stops delivering (waiting for active deliveries) and closes connections. */
  close(): Promise<void>;
}
