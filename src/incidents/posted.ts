import type { PostedMessage } from '../contract/incident.ts';
import { PodwhyError } from '../errors.ts';
import { clusterOfId } from './keys.ts';
import type { IncidentStore } from './store.ts';

/** Due at once: the manager's next flushDue (whatever its clock) re-derives the schedule with its settings. */
const DUE_AT_ONCE = 0;
const MAX_ATTEMPTS = 50;

/**
 * Records where an open (or a digest) was posted, so the manager's later edits and re-opens go to that
 * message. The report-back of the notify seam: it needs only the incident store, so the delivering side may
 * be another process (the Slack gateway) that shares nothing with the manager but Redis. The document is
 * made due at once: the manager's next flushDue then schedules the updates held back until it was posted
 * (the delivering side does not know the manager's settings). Returns false when the document is gone
 * (expired); throws PodwhyError 'conflict' when it kept changing under every attempt.
 */
export async function markPosted(store: IncidentStore, id: string, posted: PostedMessage): Promise<boolean> {
  const cluster = clusterOfId(id);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const current = await store.get(cluster, id);
    if (!current) return false;
    const { doc } = current;
    if (doc.posted?.channel === posted.channel && doc.posted.ts === posted.ts) return true;
    doc.posted = { channel: posted.channel, ts: posted.ts };
    if (await store.replace(cluster, doc, current.version, DUE_AT_ONCE)) return true;
    // The manager wrote in between (compare-and-set): read again; jitter breaks lock-step retries.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 3 * attempt));
  }
  throw new PodwhyError('conflict', `Incident ${id} kept changing under ${MAX_ATTEMPTS} attempts to mark it posted`, { id });
}
