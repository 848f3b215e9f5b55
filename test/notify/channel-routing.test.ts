import { describe, expect, it } from 'vitest';
import { ChannelRouting, parseChannelRoutes, routeChannel } from '../../src/notify/channel-routing.ts';

const routing = ChannelRouting.parse({
  defaultChannel: 'C0DEFAULT',
  nodeChannel: 'C0NODES',
  routes: [
    { namespace: 'team-*', channel: 'C0TEAMS' },
    { namespace: 'team-a-*', channel: 'C0TEAMA' },
    { namespace: 'team-a-payments', channel: 'C0PAYMENTS' },
    { namespace: 'shop', channel: 'C0SHOP' },
    { namespace: 'ci-??', channel: 'C0CI' },
  ],
});

describe('routeChannel', () => {
  it.each([
    ['shop', 'C0SHOP', 'an exact name'],
    ['team-a-payments', 'C0PAYMENTS', 'an exact name over matching globs'],
    ['team-a-search', 'C0TEAMA', 'the most specific glob'],
    ['team-b-web', 'C0TEAMS', 'a broader glob'],
    ['ci-42', 'C0CI', '? as one character'],
    ['ci-421', 'C0DEFAULT', 'no match: ? is exactly one character'],
    ['shopping', 'C0DEFAULT', 'no match: an exact name is not a prefix'],
  ])('routes namespace %s to %s (%s)', (namespace, channel) => {
    expect(routeChannel(routing, namespace)).toBe(channel);
  });

  it('routes node incidents (no namespace) to the node channel, or the default without one', () => {
    expect(routeChannel(routing, null)).toBe('C0NODES');
    expect(routeChannel({ defaultChannel: 'C0DEFAULT', routes: [] }, null)).toBe('C0DEFAULT');
  });
});

describe('parseChannelRoutes', () => {
  it('parses namespace=channel pairs separated by commas', () => {
    expect(parseChannelRoutes(' team-a-*=C0TEAMA, shop=C0SHOP ,')).toEqual([
      { namespace: 'team-a-*', channel: 'C0TEAMA' },
      { namespace: 'shop', channel: 'C0SHOP' },
    ]);
  });

  it.each(['shop', '=C0SHOP', 'shop=', 'Shop=C0SHOP'])('rejects %j with config-invalid', (text) => {
    expect(() => parseChannelRoutes(text)).toThrow(expect.objectContaining({ code: 'config-invalid' }));
  });
});
