import { z } from 'zod';
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

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}
