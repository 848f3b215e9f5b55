/**
 * The Slack storm measurement behind `npm run bench:slack` and test/bench/slack-bench.test.ts: crash-looping
 * Pods across many namespaces and Deployments, routed to a few channels, through the real IncidentManager
 * (memory store) and SlackNotifier to the Slack Web API emulator with Slack's default rate limits.
 *
 * The Pods' diagnoses are real: fixture Pods (kubectl output with upstream strings) renamed per replica
 * and diagnosed by the engine (test/support/crash-loop-replicas.ts). The alert pipeline in front of the
 * incident manager (informers, stabilization windows, diagnosis jobs) is not part of this bench: a Pod's
 * "window end" is the moment its observation is recorded, and those moments are spread over `spreadMs`
 * in a shuffled order, as many windows ending at about the same time.
 *
 * Everything Slack saw is read back from the emulator: what was posted and edited, when it was accepted,
 * 429s sent and 429s ignored. A Pod counts as accounted for when a message shows it: its incident's parent
 * message (latest version) counts at least as many failing Pods as were recorded for the incident up to
 * and including it, or, for incidents listed in a storm digest, the digest lists its workload (a digest
 * lists workloads, not Pods).
 */
import { MemoryIncidentStore } from '../src/incidents/memory-store.ts';
import { markPosted } from '../src/incidents/posted.ts';
import { deliverNotification } from '../src/notify/deliver.ts';
import { routeChannel, type ChannelRouting } from '../src/notify/channel-routing.ts';
import { IncidentManager } from '../src/incidents/manager.ts';
import { incidentKeyOf } from '../src/incidents/keys.ts';
import type { IncidentSettings } from '../src/incidents/settings.ts';
import type { NotifyCommand } from '../src/contract/incident.ts';
import type { Logger } from '../src/log.ts';
import type { PacingSettings } from '../src/notify/channel-pacer.ts';
import { createSlackWebClient, SlackNotifier } from '../src/notify/slack-notifier.ts';
import { inlineCode } from '../src/slack/render/escape.ts';
import { highestCountInWindow } from '../src/slack-emulator/rate-limits.ts';
import { startSlackEmulator, type SlackEmulator } from '../src/slack-emulator/server.ts';
import type { RecordedCall } from '../src/slack-emulator/workspace.ts';
import { crashLoopReplicas, replicaObservation, type Replica } from '../test/support/crash-loop-replicas.ts';
import { createRng } from '../src/sim/kit/ids.ts';

const CLUSTER = 'bench';

/** Teams whose namespaces are routed to their own channel; the last team goes to the default channel. */
const TEAMS = [
  { team: 'checkout', channel: { id: 'C0CHECKOUT', name: 'checkout-alerts' } },
  { team: 'search', channel: { id: 'C0SEARCH', name: 'search-alerts' } },
  { team: 'platform', channel: { id: 'C0PLATFORM', name: 'platform-alerts' } },
  { team: 'data', channel: { id: 'C0DATA', name: 'data-alerts' } },
  { team: 'mobile', channel: { id: 'C0MOBILE', name: 'mobile-alerts' } },
] as const;

export interface SlackStormOptions {
  namespaces: number;
  deploymentsPerNamespace: number;
  podsPerDeployment: number;
  /** 1–5 channels; namespaces are spread over them round-robin by name (`<team>-NN`, routed by glob). */
  channels: number;
  /** Window ends (records) are spread over this long. Default 2,000 ms. */
  spreadMs?: number;
  incidentSettings?: Partial<IncidentSettings>;
  pacing?: Partial<PacingSettings>;
  /** How often flushDue runs (the agent's timer). Default 250 ms. */
  flushEveryMs?: number;
  /** Stop waiting for the storm to settle after this long. Default 5 min. */
  deadlineMs?: number;
  /** Seed of the record order. */
  seed?: number;
  log: Logger;
  progress?: (message: string) => void;
}

export interface Distribution {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface ChannelFigures {
  channel: string;
  posts: number;
  /** Most chat.postMessage calls Slack accepted in this channel within any 1 s, 3 s and 60 s. */
  max1s: number;
  max3s: number;
  max60s: number;
}

export interface SlackStormFigures {
  pods: number;
  namespaces: number;
  channels: number;
  incidents: number;
  /** Incidents with a message of their own, and incidents listed in a storm digest instead. */
  incidentsWithMessage: number;
  incidentsInDigest: number;
  digests: number;
  /** Accepted chat.postMessage calls: parents, thread replies, digests. */
  posts: number;
  topLevelPosts: number;
  replies: number;
  /** Accepted chat.update calls. */
  updates: number;
  /** (posts + updates) / incidents, and top-level posts / incidents. */
  messagesPerIncident: number;
  topLevelPostsPerIncident: number;
  /** 429s the emulator sent; the notifier's count of those it received; calls that ignored a Retry-After. */
  rateLimited: number;
  rateLimitedSeen: number;
  ignoredRetryAfters: number;
  deliveryFailures: number;
  violations: number;
  perChannel: ChannelFigures[];
  /** The configured per-channel limit of the emulator (Slack: 1/s with short bursts). */
  channelLimit: { limit: number; windowMs: number };
  /** Most chat.update calls accepted in any 60 s (Tier 3: 50). */
  maxUpdates60s: number;
  /** First window end → the first message Slack accepted. */
  firstMessageMs: number;
  /** Per incident: its first Pod's window end → its parent message (or the digest listing it) accepted. */
  incidentLatencyMs: Distribution;
  /** Per Pod: its window end → the first message that shows it (see the file comment). */
  podLatencyMs: Distribution;
  accounted: { pods: number; inIncidentMessages: number; inDigests: number; missing: string[] };
  /** First window end → the storm settled (nothing queued, nothing due within the coalescing interval). */
  wallMs: number;
  settled: boolean;
}

/** Nearest-rank percentiles, rounded to whole ms. */
export function distribution(values: readonly number[]): Distribution {
  if (values.length === 0) return { count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
  return { count: sorted.length, p50: Math.round(rank(50)), p99: Math.round(rank(99)), max: Math.round(sorted.at(-1) as number) };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** "3 of 50 Pods failing" in an incident message's fallback text (src/slack/render/incident.ts incidentFallback). */
function failingInText(text: unknown): number {
  const match = typeof text === 'string' ? /, (\d+) of (\d+) Pods failing\./.exec(text) : null;
  return match ? Number(match[1]) : 0;
}

interface PodRecord {
  replica: Replica;
  incidentId: string;
  channel: string;
  recordedAt: number;
  /** 1 for the incident's first Pod recorded, 2 for the next, … */
  rank: number;
}

export async function measureSlackStorm(options: SlackStormOptions): Promise<SlackStormFigures> {
  const progress = options.progress ?? (() => undefined);
  const teams = TEAMS.slice(0, Math.max(1, Math.min(TEAMS.length, options.channels)));
  const spreadMs = options.spreadMs ?? 2_000;
  const flushEveryMs = options.flushEveryMs ?? 250;
  const deadlineMs = options.deadlineMs ?? 5 * 60_000;

  const routing: ChannelRouting = {
    defaultChannel: (teams.at(-1) as (typeof teams)[number]).channel.id,
    routes: teams.slice(0, -1).map(({ team, channel }) => ({ namespace: `${team}-*`, channel: channel.id })),
  };
  const namespaces = Array.from({ length: options.namespaces }, (_, i) => `${(teams[i % teams.length] as (typeof teams)[number]).team}-${String(i).padStart(2, '0')}`);
  progress(`diagnosing ${options.namespaces * options.deploymentsPerNamespace * options.podsPerDeployment} replicas`);
  const replicas = crashLoopReplicas({ namespaces, deployments: options.deploymentsPerNamespace, podsPerDeployment: options.podsPerDeployment });
  const observations = shuffle(
    replicas.map((replica) => ({ replica, observation: replicaObservation(replica, routeChannel(routing, replica.namespace), CLUSTER) })),
    createRng(options.seed ?? 7).next,
  );

  const slack: SlackEmulator = await startSlackEmulator({
    workspace: { channels: teams.map(({ channel }) => ({ ...channel, kind: 'public' as const, isBotMember: true })) },
  });
  const client = createSlackWebClient({ token: slack.botToken, slackApiUrl: slack.apiUrl, timeoutMs: 10_000 });
  const store = new MemoryIncidentStore();
  const incidents = new IncidentManager({ store, ...(options.incidentSettings ? { settings: options.incidentSettings } : {}) });
  const notifier = new SlackNotifier({
    client,
    log: options.log,
    ...(options.pacing ? { pacing: options.pacing } : {}),
    // Record the parent as soon as it is posted (IncidentManager.deliver records it again after the
    // thread reply): its edits need not wait for the reply, which queues behind the channel's other posts.
    onParentPosted: async (command, posted) => void await markPosted(store, command.type === 'digest' ? command.digest.id : command.type === 'open' ? command.incident.id : '', posted),
  });
  const coalesceMs = incidents.settings.minUpdateIntervalMs;

  const inFlight = new Set<Promise<void>>();
  let deliveryFailures = 0;
  const deliver = (command: NotifyCommand): void => {
    const delivery = deliverNotification(command, { notifier, store }).then(() => undefined, (err: unknown) => {
      deliveryFailures += 1;
      options.log.warn({ err, type: command.type }, 'Delivery failed');
    });
    inFlight.add(delivery);
    void delivery.finally(() => inFlight.delete(delivery));
  };

  let flushing = false;
  const flushTimer = setInterval(() => {
    if (flushing) return;
    flushing = true;
    incidents
      .flushDue(CLUSTER)
      .then((commands) => commands.forEach(deliver))
      .catch((err: unknown) => options.log.warn({ err }, 'flushDue failed'))
      .finally(() => {
        flushing = false;
      });
  }, flushEveryMs);

  const pods: PodRecord[] = [];
  const ranks = new Map<string, number>();
  const startedAt = Date.now();
  try {
    progress(`recording ${observations.length} window ends over ${spreadMs} ms into ${teams.length} channels`);
    for (let i = 0; i < observations.length; ) {
      const due = Math.min(observations.length, Math.floor(((Date.now() - startedAt) / spreadMs) * observations.length) + 1);
      for (; i < due; i += 1) {
        const { replica, observation } = observations[i] as (typeof observations)[number];
        const incidentId = incidentKeyOf(observation).id;
        const rank = (ranks.get(incidentId) ?? 0) + 1;
        ranks.set(incidentId, rank);
        pods.push({ replica, incidentId, channel: observation.channel, recordedAt: Date.now(), rank });
        const command = await incidents.record(observation);
        if (command) deliver(command);
      }
      await sleep(5);
    }

    progress('waiting for the storm to settle');
    let settled = false;
    while (Date.now() - startedAt < deadlineMs) {
      await sleep(250);
      const soon = await store.dueIds(CLUSTER, Date.now() + coalesceMs + 2_000, 1);
      if (inFlight.size === 0 && !flushing && notifier.stats().pending === 0 && soon.length === 0) {
        settled = true;
        break;
      }
    }
    const settledAt = Date.now();
    clearInterval(flushTimer);
    return summarize({ slack, notifier, store, pods, teams, startedAt, settledAt, settled, deliveryFailures, options });
  } finally {
    clearInterval(flushTimer);
    await notifier.close();
    await slack.close();
  }
}

interface SummaryInput {
  slack: SlackEmulator;
  notifier: SlackNotifier;
  store: MemoryIncidentStore;
  pods: PodRecord[];
  teams: readonly (typeof TEAMS)[number][];
  startedAt: number;
  settledAt: number;
  settled: boolean;
  deliveryFailures: number;
  options: SlackStormOptions;
}

async function summarize(input: SummaryInput): Promise<SlackStormFigures> {
  const { slack, notifier, store, pods, teams } = input;
  const accepted = (method: string): RecordedCall[] => slack.calls(method).filter((c) => c.status === 200 && c.response['ok'] === true);
  const posts = accepted('chat.postMessage');
  const updates = accepted('chat.update');
  const topLevel = posts.filter((c) => c.args['thread_ts'] === undefined);
  const payloadOf = (call: RecordedCall): Record<string, unknown> => ((call.args['metadata'] as { event_payload?: Record<string, unknown> } | undefined)?.event_payload ?? {});
  const eventTypeOf = (call: RecordedCall): unknown => (call.args['metadata'] as { event_type?: unknown } | undefined)?.event_type;

  // Parent message of each incident: its post, then its edits (chat.update carries the channel id and ts).
  const parentByIncident = new Map<string, { channel: string; ts: string; postedAt: number }>();
  for (const call of topLevel) {
    if (eventTypeOf(call) !== 'podwhy_incident') continue;
    const id = String(payloadOf(call)['incident_id']);
    if (!parentByIncident.has(id)) parentByIncident.set(id, { channel: String(call.response['channel']), ts: String(call.response['ts']), postedAt: call.at });
  }
  const versionsOf = (parent: { channel: string; ts: string }): RecordedCall[] => [
    ...topLevel.filter((c) => c.response['channel'] === parent.channel && c.response['ts'] === parent.ts),
    ...updates.filter((c) => c.args['channel'] === parent.channel && c.args['ts'] === parent.ts),
  ];
  const digestCalls = [...topLevel, ...updates].filter((c) => eventTypeOf(c) === 'podwhy_digest').sort((a, b) => a.at - b.at);
  const listingAt = (replica: Replica): number | undefined => {
    const entry = `${inlineCode(replica.namespace, 100)} ${inlineCode(`Deployment/${replica.deployment}`, 300)}`;
    return digestCalls.find((c) => JSON.stringify(c.args['blocks']).includes(entry))?.at;
  };

  const incidentIds = new Set(pods.map((p) => p.incidentId));
  const firstRecord = new Map<string, number>();
  for (const pod of pods) if (!firstRecord.has(pod.incidentId)) firstRecord.set(pod.incidentId, pod.recordedAt);
  let inDigestCount = 0;
  const incidentLatency: number[] = [];
  for (const id of incidentIds) {
    const parent = parentByIncident.get(id);
    const first = pods.find((p) => p.incidentId === id) as PodRecord;
    const shownAt = parent?.postedAt ?? listingAt(first.replica);
    if (!parent && shownAt !== undefined) inDigestCount += 1;
    if (shownAt !== undefined) incidentLatency.push(shownAt - (firstRecord.get(id) as number));
  }

  const podLatency: number[] = [];
  const missing: string[] = [];
  let inIncidentMessages = 0;
  let inDigests = 0;
  const versionCache = new Map<string, RecordedCall[]>();
  for (const pod of pods) {
    const parent = parentByIncident.get(pod.incidentId);
    if (parent) {
      let versions = versionCache.get(pod.incidentId);
      if (!versions) {
        versions = versionsOf(parent).sort((a, b) => a.at - b.at);
        versionCache.set(pod.incidentId, versions);
      }
      const showing = versions.find((v) => failingInText(v.args['text']) >= pod.rank);
      if (showing) {
        inIncidentMessages += 1;
        podLatency.push(Math.max(0, showing.at - pod.recordedAt));
        continue;
      }
    } else {
      const listedAt = listingAt(pod.replica);
      if (listedAt !== undefined) {
        inDigests += 1;
        podLatency.push(Math.max(0, listedAt - pod.recordedAt));
        continue;
      }
    }
    missing.push(`${pod.replica.namespace}/${pod.replica.name}`);
  }

  const postStats = slack.channelRates('chat.postMessage');
  const perChannel: ChannelFigures[] = teams.map(({ channel }) => {
    const acceptedAt = postStats.find((s) => s.channel === channel.id)?.acceptedAt ?? [];
    return {
      channel: channel.id,
      posts: acceptedAt.length,
      max1s: highestCountInWindow(acceptedAt, 1_000),
      max3s: highestCountInWindow(acceptedAt, 3_000),
      max60s: highestCountInWindow(acceptedAt, 60_000),
    };
  });
  const firstPost = Math.min(...posts.map((c) => c.at));
  const openIds = await store.openIds(CLUSTER);
  const digests = new Set(digestCalls.filter((c) => c.args['thread_ts'] === undefined && c.args['ts'] === undefined).map((c) => String(c.response['ts'])));
  const incidentsCount = openIds.filter((id) => !id.includes('/_digest/')).length;
  const stats = notifier.stats();

  return {
    pods: pods.length,
    namespaces: input.options.namespaces,
    channels: teams.length,
    incidents: incidentsCount,
    incidentsWithMessage: parentByIncident.size,
    incidentsInDigest: inDigestCount,
    digests: digests.size,
    posts: posts.length,
    topLevelPosts: topLevel.length,
    replies: posts.length - topLevel.length,
    updates: updates.length,
    messagesPerIncident: round2((posts.length + updates.length) / Math.max(1, incidentsCount)),
    topLevelPostsPerIncident: round2(topLevel.length / Math.max(1, incidentsCount)),
    rateLimited: slack.rateLimited().length,
    rateLimitedSeen: stats.rateLimited,
    ignoredRetryAfters: slack.ignoredRetryAfters().length,
    deliveryFailures: input.deliveryFailures,
    violations: slack.violations().length,
    perChannel,
    channelLimit: slack.rateLimiter.config.postMessagePerChannel,
    maxUpdates60s: highestCountInWindow(updates.map((c) => c.at), 60_000),
    firstMessageMs: Number.isFinite(firstPost) ? firstPost - input.startedAt : Number.NaN,
    incidentLatencyMs: distribution(incidentLatency),
    podLatencyMs: distribution(podLatency),
    accounted: { pods: inIncidentMessages + inDigests, inIncidentMessages, inDigests, missing: missing.slice(0, 20) },
    wallMs: input.settledAt - input.startedAt,
    settled: input.settled,
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** The figures as lines for a person. */
export function formatSlackReport(f: SlackStormFigures): string {
  const ms = (d: Distribution): string => `p50 ${d.p50} ms, p99 ${d.p99} ms, max ${d.max} ms (n=${d.count})`;
  const lines = [
    `storm: ${f.pods} crash-looping Pods in ${f.namespaces} namespaces → ${f.channels} channels`,
    `incidents: ${f.incidents} (${f.incidentsWithMessage} with a message of their own, ${f.incidentsInDigest} listed in ${f.digests} storm digest(s))`,
    `messages: ${f.posts} chat.postMessage (${f.topLevelPosts} top-level, ${f.replies} thread replies) + ${f.updates} chat.update = ${f.messagesPerIncident} per incident (${f.topLevelPostsPerIncident} top-level posts per incident)`,
    `accounted for: ${f.accounted.pods} of ${f.pods} Pods (${f.accounted.inIncidentMessages} counted in incident messages, ${f.accounted.inDigests} in workloads listed in a digest)${f.accounted.missing.length > 0 ? `; missing e.g. ${f.accounted.missing.slice(0, 3).join(', ')}` : ''}`,
    `429s: ${f.rateLimited} received (${f.rateLimitedSeen} seen by the notifier), ${f.ignoredRetryAfters} ignored; delivery failures ${f.deliveryFailures}; payload violations ${f.violations}`,
    `per-channel rate (limit ${f.channelLimit.limit} per ${f.channelLimit.windowMs} ms): ${f.perChannel.map((c) => `${c.channel} ${c.posts} posts, max ${c.max1s}/1 s, ${c.max3s}/3 s, ${c.max60s}/60 s`).join('; ')}`,
    `chat.update: max ${f.maxUpdates60s} in any 60 s (Tier 3: 50)`,
    `first message: ${f.firstMessageMs} ms after the first window end`,
    `window end → incident's chat.postMessage (per incident): ${ms(f.incidentLatencyMs)}`,
    `window end → first message showing the Pod (per Pod): ${ms(f.podLatencyMs)}`,
    `wall: ${f.wallMs} ms until settled${f.settled ? '' : ' (NOT settled: deadline reached)'}`,
  ];
  return lines.join('\n');
}
