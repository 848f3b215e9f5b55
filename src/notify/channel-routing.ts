import { z } from 'zod';
import type { CauseId } from '../contract/scenarios.ts';
import { meetsSeverity, SEVERITIES, severityOf, type Severity } from '../contract/severity.ts';
import { PodwhyError } from '../errors.ts';

/**
 * Which channel an incident goes to, by namespace. Pure. A route's `namespace` is an exact name or a
 * glob (`*` any run of characters, `?` one character), e.g. `team-a-*`. Precedence: an exact match, then
 * the glob with the most literal characters (the most specific), then the first declared; else the
 * default. Node incidents (no namespace) go to `nodeChannel`, or the default.
 */
export const ChannelRoute = z.strictObject({
  namespace: z.string().regex(/^[a-z0-9*?]([-a-z0-9*?]*)$/, 'a namespace or a glob of one'),
  channel: z.string().min(1),
});
export type ChannelRoute = z.infer<typeof ChannelRoute>;

export const ChannelRouting = z.strictObject({
  defaultChannel: z.string().min(1),
  routes: z.array(ChannelRoute).default([]),
  nodeChannel: z.string().min(1).optional(),
});
export type ChannelRouting = z.infer<typeof ChannelRouting>;

export function routeChannel(routing: ChannelRouting, namespace: string | null): string {
  if (namespace === null) return routing.nodeChannel ?? routing.defaultChannel;
  const exact = routing.routes.find((route) => !isGlob(route.namespace) && route.namespace === namespace);
  if (exact) return exact.channel;
  let best: { route: ChannelRoute; literal: number } | undefined;
  for (const route of routing.routes) {
    if (!isGlob(route.namespace) || !globToRegExp(route.namespace).test(namespace)) continue;
    const literal = route.namespace.replace(/[*?]/g, '').length;
    if (!best || literal > best.literal) best = { route, literal };
  }
  return best?.route.channel ?? routing.defaultChannel;
}

/**
 * Parses `team-a-*=C0123,shop=C0456` (a config value) into routes. Throws PodwhyError 'config-invalid'.
 */
export function parseChannelRoutes(text: string): ChannelRoute[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry) => {
      const eq = entry.indexOf('=');
      const parsed = ChannelRoute.safeParse({ namespace: entry.slice(0, Math.max(0, eq)).trim(), channel: entry.slice(eq + 1).trim() });
      if (eq <= 0 || !parsed.success) {
        throw new PodwhyError('config-invalid', `Channel route "${entry}" is not namespace=channel (namespace: a name or a glob like team-a-*)`);
      }
      return parsed.data;
    });
}

function isGlob(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/** A `*` / `?` glob as an anchored RegExp (also the action policy's namespace and cluster patterns). */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/**
 * The Namespace annotation that sends a namespace's alerts to a channel of its own, over CHANNEL_ROUTES and
 * DEFAULT_CHANNEL: the team that owns a namespace can route it without a change to podwhy's configuration.
 */
export const CHANNEL_ANNOTATION = 'podwhy.io/channel';

/**
 * A channel id (C…, or G… for an older private channel: an upper-case letter then upper-case letters and
 * digits), or a channel name with or without `#`. Slack's rule for names: "lower case letters, numbers,
 * hyphens, and underscores, and must be 80 characters or less"
 * (https://docs.slack.dev/reference/methods/conversations.create, `name`).
 */
const CHANNEL_ID = /^[CG][A-Z0-9]+$/;
const CHANNEL_NAME = /^#?[a-z0-9_-]{1,80}$/;

/** The channel an annotation value names, trimmed; undefined when it is not a channel id or name. */
export function parseChannelAnnotation(value: string): string | undefined {
  const channel = value.trim();
  return CHANNEL_ID.test(channel) || CHANNEL_NAME.test(channel) ? channel : undefined;
}

/**
 * How a channel is compared across the routes, the annotation and CHANNEL_MIN_SEVERITY: `#alerts` and
 * `alerts` are the same channel. An id and a name of one channel cannot be told apart without asking Slack,
 * so a minimum severity must name a channel the way its routes do.
 */
export function channelKeyOf(channel: string): string {
  return channel.startsWith('#') ? channel.slice(1) : channel;
}

/** Reads a namespace's `podwhy.io/channel` annotation (undefined: no annotation, or the Namespace is unknown). */
export type ChannelAnnotationLookup = (namespace: string) => string | undefined;

/** The route for a namespace, with its annotation first. Pure; an invalid annotation value is ignored. */
export function routeChannelWithAnnotation(routing: ChannelRouting, namespace: string | null, annotationOf: ChannelAnnotationLookup): string {
  const value = namespace === null ? undefined : annotationOf(namespace);
  const annotated = value === undefined ? undefined : parseChannelAnnotation(value);
  return annotated ?? routeChannel(routing, namespace);
}

/** Per channel (by channelKeyOf), the least severity it takes. */
export type ChannelSeverities = ReadonlyMap<string, Severity>;

/**
 * Parses `C0OPS=critical,alerts=warning` (CHANNEL_MIN_SEVERITY) into minimum severities per channel.
 * A channel named twice, an unknown severity or a malformed entry throws PodwhyError 'config-invalid'.
 */
export function parseChannelSeverities(text: string): ChannelSeverities {
  const severities = new Map<string, Severity>();
  for (const entry of text.split(',').map((e) => e.trim()).filter((e) => e.length > 0)) {
    const eq = entry.indexOf('=');
    const channel = entry.slice(0, Math.max(0, eq)).trim();
    const severity = entry.slice(eq + 1).trim();
    if (eq <= 0 || parseChannelAnnotation(channel) === undefined || !isSeverity(severity)) {
      throw new PodwhyError('config-invalid', `Channel minimum severity "${entry}" is not channel=severity (channel: an id like C0123ABC or a name like alerts; severity: ${SEVERITIES.join(' or ')})`);
    }
    const key = channelKeyOf(channel);
    if (severities.has(key)) throw new PodwhyError('config-invalid', `Channel minimum severity names "${channel}" twice`);
    severities.set(key, severity);
  }
  return severities;
}

/** Whether a diagnosis with this cause is posted in `channel` (a channel with no minimum takes everything). */
export function channelTakes(severities: ChannelSeverities, channel: string, cause: CauseId): boolean {
  const minimum = severities.get(channelKeyOf(channel));
  return minimum === undefined || meetsSeverity(severityOf(cause), minimum);
}

function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}

export interface ChannelRouterOptions {
  routing: ChannelRouting;
  /** From parseChannelSeverities (CHANNEL_MIN_SEVERITY); absent: every channel takes every severity. */
  severities?: ChannelSeverities;
  /** The Namespace annotation, e.g. from the informer cache; absent: annotations are not read. */
  annotationOf?: ChannelAnnotationLookup;
  /** Told once per (namespace, value) about an annotation value that names no channel. */
  onInvalidAnnotation?: (namespace: string, value: string) => void;
}

/**
 * Routing as the incident recorder asks for it: `channelFor` and `takes`. The routing itself is the pure
 * functions above; this only remembers which invalid annotations it has already reported, so a namespace
 * with a bad value warns once, not on every diagnosis (a changed value warns again).
 */
export class ChannelRouter {
  readonly #o: ChannelRouterOptions;
  readonly #warned = new Set<string>();

  constructor(options: ChannelRouterOptions) {
    this.#o = options;
  }

  channelFor(namespace: string | null): string {
    const { routing, annotationOf } = this.#o;
    if (!annotationOf || namespace === null) return routeChannel(routing, namespace);
    const value = annotationOf(namespace);
    if (value !== undefined && parseChannelAnnotation(value) === undefined) this.#warnOnce(namespace, value);
    return routeChannelWithAnnotation(routing, namespace, () => value);
  }

  takes(channel: string, cause: CauseId): boolean {
    return channelTakes(this.#o.severities ?? new Map(), channel, cause);
  }

  #warnOnce(namespace: string, value: string): void {
    const key = `${namespace}\u0000${value}`;
    if (this.#warned.has(key)) return;
    // Bounded: one entry per (namespace, bad value) seen; a cluster has few namespaces with a bad annotation.
    if (this.#warned.size >= 10_000) this.#warned.clear();
    this.#warned.add(key);
    this.#o.onInvalidAnnotation?.(namespace, value);
  }
}
