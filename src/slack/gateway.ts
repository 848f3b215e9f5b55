/**
 * Composition root of the Slack gateway (docs/architecture.md, "Processes"): the Bolt app with its listeners,
 * the Slack notifier for incident messages and the replier for command answers (one pacer for both), and the
 * command side that turns `/pod` into jobs. It holds Slack tokens only: cluster access is the agents'. Two
 * ways to run it:
 * - in `podwhy agent` (single process): commands go to the agent's in-process queue, and the agent delivers
 *   its notify commands through `notifier`;
 * - as `podwhy gateway` (scaled out): commands go to each cluster's BullMQ queue, and the gateway consumes the
 *   BullMQ notify queue itself (src/cli/gateway.ts).
 * Stop order: the Bolt receiver first (no new requests), then the caller's queues, then the notifier.
 */
import { registerHandlers } from '../../handlers/index.ts';
import type { SlackSettings } from '../config.ts';
import type { Incident, NotifyCommand, PostedMessage } from '../contract/incident.ts';
import type { Logger } from '../log.ts';
import { SlackPacer, type PacingSettings } from '../notify/channel-pacer.ts';
import type { Notifier } from '../notify/notifier.ts';
import { SlackNotifier } from '../notify/slack-notifier.ts';
import { SlackReplier } from '../notify/slack-replier.ts';
import type { ActJob, CommandJob, IncidentActionJob } from '../queue/jobs.ts';
import { UserGroups } from './user-groups.ts';
import { MemoryActionClaims, type ActionClaims } from './action-claims.ts';
import type { ActionPolicy } from './action-policy.ts';
import { RemediationRequests } from './remediation.ts';
import { AppHomePublisher } from './app-home.ts';
import { createSlackApp, type SlackApp } from './app.ts';
import { actionSigning, generateSigningKey } from './action-signing.ts';
import { ButtonRequests } from './button-requests.ts';
import { PodCommands } from './commands.ts';
import { ResponseUrls, SeenRequests } from './response-urls.ts';

export interface SlackGatewayOptions {
  settings: SlackSettings;
  log: Logger;
  /** The clusters served; the first answers `/pod` without --cluster. */
  clusters: readonly string[];
  /** Puts a command job on its cluster's diagnosis queue (called after the ack). */
  enqueueCommand(job: CommandJob): Promise<unknown>;
  /** Open incidents of a cluster, for /pod list. */
  openIncidents(cluster: string): Promise<Incident[]>;
  /** HTTP mode: the interface to listen on. */
  host?: string;
  pacing?: Partial<PacingSettings>;
  /** Called when a new incident parent is posted, before its thread reply (markPosted early). */
  onParentPosted?: (command: NotifyCommand, posted: PostedMessage) => Promise<void>;
  /** ACTION_SIGNING_KEY: signs every button value and verifies every click. Unset: a random key for this process. */
  actionSigningKey?: string | undefined;
  /** The buttons that change the cluster; absent: none are shown, clicks are refused. */
  actions?: GatewayActionSettings | undefined;
}

export interface GatewayActionSettings {
  /** ACTIONS_ENABLED. */
  enabled: boolean;
  /** ACTION_POLICY, parsed (action-policy.ts). */
  policy: ActionPolicy;
  /** ACTION_MAX_AGE_SECONDS. */
  maxAgeSeconds: number;
  /** ACTION_AUTHORIZATION (default policy). */
  authorization?: 'policy' | 'kubernetes';
  /** Idempotency keys: Redis when scaled out (RedisActionClaims); default in memory. */
  claims?: ActionClaims;
  /** Puts an `act` job, or an `incident-action` job (snooze, mark resolved), on its cluster's queue. */
  enqueue(job: ActJob | IncidentActionJob): Promise<unknown>;
  now?: () => number;
}

export interface SlackGateway {
  slack: SlackApp;
  /** Delivers every notify command: incident messages and digests (SlackNotifier), replies (SlackReplier). */
  notifier: Notifier;
  /** Starts taking Slack requests; HTTP mode: the port. */
  start(): Promise<{ port?: number }>;
  /** Stops taking requests (the receiver); call close() after the queues that deliver through `notifier`. */
  stopReceiving(): Promise<void>;
  close(): Promise<void>;
}

export async function createSlackGateway(options: SlackGatewayOptions): Promise<SlackGateway> {
  const { log } = options;
  const slack = await createSlackApp({ settings: options.settings, log, ...(options.host !== undefined && { host: options.host }) });
  // Every button value carries an HMAC (action-signing.ts); a click is verified before anything else reads it.
  if (options.actionSigningKey === undefined) log.warn('ACTION_SIGNING_KEY is not set: button values are signed with a random key of this process; buttons posted before a restart will be refused');
  const signing = actionSigning(options.actionSigningKey ?? generateSigningKey());
  const pacer = new SlackPacer(options.pacing ? { settings: options.pacing } : {});
  const mutating = options.actions?.enabled ?? false;
  const incidentNotifier = new SlackNotifier({ client: slack.client, log, pacer, sign: signing.sign, mutating, ...(options.onParentPosted && { onParentPosted: options.onParentPosted }) });
  const responseUrls = new ResponseUrls();
  const seen = new SeenRequests();
  const replier = new SlackReplier({ client: slack.client, pacer, responseUrls, log, sign: signing.sign, mutating });
  const commands = new PodCommands({ clusters: options.clusters, enqueue: options.enqueueCommand, openIncidents: options.openIncidents, replier, responseUrls, seen, log });
  const buttons = new ButtonRequests({ clusters: options.clusters, enqueue: options.enqueueCommand, responseUrls, seen, log, verify: signing.verify });
  const actions = options.actions;
  const remediation = new RemediationRequests({
    clusters: options.clusters,
    enabled: mutating,
    policy: actions?.policy ?? [],
    maxAgeSeconds: actions?.maxAgeSeconds ?? 900,
    authorization: actions?.authorization ?? 'policy',
    // users.info's profile.email needs users:read.email (only ACTION_AUTHORIZATION=kubernetes asks for it).
    emailOf: async (user) => (await slack.client.users.info({ user })).user?.profile?.email ?? null,
    // User groups named in ACTION_POLICY (usergroups:read), looked up at click time and kept 60 s.
    groups: new UserGroups({
      api: {
        list: async () => ((await slack.client.usergroups.list({})).usergroups ?? []).flatMap((g) => (g.id && g.handle ? [{ id: g.id, handle: g.handle }] : [])),
        members: async (usergroup) => (await slack.client.usergroups.users.list({ usergroup })).users ?? [],
      },
      ...(actions?.now && { now: actions.now }),
    }),
    ...(actions && { enqueueIncidentAction: actions.enqueue }),
    claims: actions?.claims ?? new MemoryActionClaims(),
    enqueue: actions?.enqueue ?? (async () => Promise.reject(new Error('one-click fixes are not wired in this gateway'))),
    openView: (triggerId, view) => slack.client.views.open({ trigger_id: triggerId, view }),
    verify: signing.verify,
    log,
    ...(actions?.now && { now: actions.now }),
  });
  // The Home tab lists open incidents: published when a user opens it and re-published (rate-limited) on change.
  const publisher = new AppHomePublisher({ client: slack.client, incidents: { listOpen: options.openIncidents }, clusters: options.clusters, log });
  registerHandlers(slack.app, { commands, buttons, remediation, publisher });

  const notifier: Notifier = {
    async deliver(command) {
      if (command.type === 'reply') return replier.deliver(command);
      const posted = await incidentNotifier.deliver(command);
      publisher.onIncidentsChanged();
      return posted;
    },
  };
  let receiving = false;
  const stopReceiving = async (): Promise<void> => {
    if (!receiving) return;
    receiving = false;
    await slack.stop();
  };
  return {
    slack,
    notifier,
    async start() {
      const started = await slack.start();
      receiving = true;
      log.info({ mode: options.settings.mode, port: started.port, clusters: options.clusters }, 'Slack gateway listening');
      return started;
    },
    stopReceiving,
    async close() {
      await stopReceiving();
      publisher.stop();
      await incidentNotifier.close();
    },
  };
}
