/**
 * The App Home tab (issue 8, item 7): open incidents by cluster and namespace with links to their threads,
 * published with views.publish when a user opens the tab and again when incidents change.
 *
 * Rate: views.publish is Tier 4, 100+ calls per minute per workspace
 * (https://docs.slack.dev/reference/methods/views.publish, https://docs.slack.dev/apis/web-api/rate-limits).
 * A change re-publishes only for the users who opened the tab recently (at most `maxUsers`, the most recent
 * kept), at most once per user per `minIntervalMs`: with the defaults, 40 users × 2 per minute = 80 calls a
 * minute at worst, under Tier 4, however many incidents change. A burst of changes coalesces into one
 * publish per user, which renders the incidents as they are when it runs. Opening the tab always publishes
 * at once (a person is looking), and counts as that user's latest publish.
 */
import type { HomeView } from '@slack/web-api';
import type { Incident } from '../contract/incident.ts';
import type { Logger } from '../log.ts';
import { renderAppHome } from './render/app-home.ts';

/** Where open incidents are read: IncidentManager satisfies it (over the memory or the Redis store). */
export interface OpenIncidentSource {
  listOpen(cluster: string): Promise<Incident[]>;
}

/** The one Web API method the Home tab needs (a Bolt app's `app.client` or any WebClient). */
export interface ViewsPublishClient {
  views: { publish(args: { user_id: string; view: HomeView }): Promise<unknown> };
}

export interface AppHomePublisherOptions {
  client: ViewsPublishClient;
  incidents: OpenIncidentSource;
  /** The clusters whose incidents the tab lists (one agent per cluster shares the incident store). */
  clusters: readonly string[];
  log: Logger;
  /** Least time between two publishes for one user caused by changes. Default 30 s. */
  minIntervalMs?: number;
  /** Users remembered for re-publishing; the least recently opened is forgotten first. Default 40. */
  maxUsers?: number;
  /** A user who has not opened the tab for this long gets no more re-publishes. Default 1 hour. */
  recentForMs?: number;
  now?: () => number;
}

/** How long one rendered view serves other users' publishes. */
const RENDER_REUSE_MS = 1_000;

interface Viewer {
  openedAt: number;
  lastPublishedAt: number;
  timer?: NodeJS.Timeout;
}

export class AppHomePublisher {
  readonly #o: Required<AppHomePublisherOptions>;
  /** Insertion order is opening order: the first entry is the least recently opened. */
  readonly #viewers = new Map<string, Viewer>();
  /** One read of the store serves the publishes of the same moment (a change re-publishes for many users at once). */
  #rendering: { at: number; view: Promise<HomeView> } | undefined;
  #stopped = false;

  constructor(options: AppHomePublisherOptions) {
    this.#o = { minIntervalMs: 30_000, maxUsers: 40, recentForMs: 60 * 60_000, now: Date.now, ...options };
  }

  /** A user opened the Home tab: remember them and publish their view now. Never throws. */
  async opened(user: string): Promise<void> {
    const now = this.#o.now();
    const previous = this.#viewers.get(user);
    if (previous?.timer) clearTimeout(previous.timer);
    this.#viewers.delete(user);
    this.#viewers.set(user, { openedAt: now, lastPublishedAt: now });
    while (this.#viewers.size > this.#o.maxUsers) {
      const [oldest, viewer] = this.#viewers.entries().next().value as [string, Viewer];
      if (viewer.timer) clearTimeout(viewer.timer);
      this.#viewers.delete(oldest);
    }
    await this.#publish(user);
  }

  /**
   * Incidents opened, changed or resolved: re-publish, coalesced and rate-limited per user, for the users
   * who opened the tab recently. Returns at once; the publishes run on timers.
   */
  onIncidentsChanged(): void {
    if (this.#stopped) return;
    this.#rendering = undefined;
    const now = this.#o.now();
    for (const [user, viewer] of this.#viewers) {
      if (now - viewer.openedAt > this.#o.recentForMs) {
        if (viewer.timer) clearTimeout(viewer.timer);
        this.#viewers.delete(user);
        continue;
      }
      if (viewer.timer) continue; // one publish is already waiting; it will render the latest state
      const delay = Math.max(0, viewer.lastPublishedAt + this.#o.minIntervalMs - now);
      viewer.timer = setTimeout(() => {
        delete viewer.timer;
        viewer.lastPublishedAt = this.#o.now();
        void this.#publish(user);
      }, delay);
      viewer.timer.unref();
    }
  }

  /** The users re-published on change, least recently opened first (for tests and metrics). */
  viewers(): string[] {
    return [...this.#viewers.keys()];
  }

  /** Cancels the waiting publishes (on shutdown). */
  stop(): void {
    this.#stopped = true;
    for (const viewer of this.#viewers.values()) if (viewer.timer) clearTimeout(viewer.timer);
    this.#viewers.clear();
  }

  /** The Home view as the incidents are now. Throws when the store cannot be read. */
  async render(): Promise<HomeView> {
    const lists = await Promise.all(this.#o.clusters.map((cluster) => this.#o.incidents.listOpen(cluster)));
    return renderAppHome(lists.flat().map((incident) => ({ incident })));
  }

  #sharedRender(): Promise<HomeView> {
    const now = this.#o.now();
    if (!this.#rendering || now - this.#rendering.at > RENDER_REUSE_MS) {
      const view = this.render();
      view.catch(() => undefined); // awaited by the caller; a failed read is not reused
      this.#rendering = { at: now, view };
      const current = this.#rendering;
      view.catch(() => {
        if (this.#rendering === current) this.#rendering = undefined;
      });
    }
    return this.#rendering.view;
  }

  async #publish(user: string): Promise<void> {
    try {
      await this.#o.client.views.publish({ user_id: user, view: await this.#sharedRender() });
    } catch (error) {
      this.#o.log.warn({ err: error, user }, 'App Home publish failed');
    }
  }
}
