import { describe, expect, it } from 'vitest';
import {
  ChannelRouter,
  ChannelRouting,
  channelTakes,
  parseChannelAnnotation,
  parseChannelRoutes,
  parseChannelSeverities,
  routeChannel,
  routeChannelWithAnnotation,
} from '../../src/notify/channel-routing.ts';

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

describe('the podwhy.io/channel annotation', () => {
  const annotations: Record<string, string> = { 'team-a-payments': 'C0PAYOPS', shop: '#shop-alerts', 'team-b-web': 'web', ci: 'not a channel!' };
  const annotationOf = (namespace: string) => annotations[namespace];

  it.each([
    ['team-a-payments', 'C0PAYOPS', 'an id over an exact route'],
    ['shop', '#shop-alerts', 'a #name over an exact route'],
    ['team-b-web', 'web', 'a bare name over a glob route'],
    ['ci', 'C0DEFAULT', 'an invalid value is ignored: the routes decide'],
    ['team-a-search', 'C0TEAMA', 'no annotation: the routes decide'],
  ])('routes namespace %s to %s (%s)', (namespace, channel) => {
    expect(routeChannelWithAnnotation(routing, namespace, annotationOf)).toBe(channel);
  });

  it('plays no part for node incidents', () => {
    expect(routeChannelWithAnnotation(routing, null, () => 'C0NEVER')).toBe('C0NODES');
  });

  it.each([
    ['C0123ABC', 'C0123ABC'],
    ['G01PRIVATE9', 'G01PRIVATE9'],
    ['  #alerts ', '#alerts'],
    ['team_a-alerts', 'team_a-alerts'],
  ])('accepts %j as %j', (value, channel) => {
    expect(parseChannelAnnotation(value)).toBe(channel);
  });

  it.each(['', '#', 'Alerts', '#two words', '<!channel>', '<#C0123|x>', 'c0123abc-x.y', 'D0DIRECT', `#${'a'.repeat(81)}`])('rejects %j', (value) => {
    expect(parseChannelAnnotation(value)).toBeUndefined();
  });

  it('ChannelRouter warns once per namespace and value, again when the value changes', () => {
    let value = 'not a channel!';
    const warnings: string[] = [];
    const router = new ChannelRouter({ routing, annotationOf: () => value, onInvalidAnnotation: (ns, v) => warnings.push(`${ns}=${v}`) });

    const first = [router.channelFor('shop'), router.channelFor('shop'), router.channelFor('cart')];
    value = 'Still Bad';
    router.channelFor('shop');
    value = 'C0FIXED';
    const fixed = router.channelFor('shop');

    expect(first).toEqual(['C0SHOP', 'C0SHOP', 'C0DEFAULT']);
    expect(warnings).toEqual(['shop=not a channel!', 'cart=not a channel!', 'shop=Still Bad']);
    expect(fixed).toBe('C0FIXED');
  });
});

describe('minimum severity per channel', () => {
  it('parses channel=severity pairs, with #name and name as one channel', () => {
    const severities = parseChannelSeverities(' C0OPS=critical, #alerts=warning ,');

    expect([...severities]).toEqual([['C0OPS', 'critical'], ['alerts', 'warning']]);
  });

  it.each([
    ['C0OPS', 'no ='],
    ['C0OPS=urgent', 'an unknown severity'],
    ['=critical', 'no channel'],
    ['Ops Room=critical', 'not a channel'],
    ['alerts=warning,#alerts=critical', 'one channel twice'],
  ])('rejects %j (%s) with config-invalid and says what is expected', (text) => {
    expect(() => parseChannelSeverities(text)).toThrow(expect.objectContaining({ code: 'config-invalid', message: expect.stringMatching(/channel/i) }));
  });

  it('takes a cause at or above the channel\'s minimum, and everything where no minimum is set', () => {
    const severities = parseChannelSeverities('C0OPS=critical,alerts=warning');

    expect(channelTakes(severities, 'C0OPS', 'container-exit.immediate')).toBe(true);
    expect(channelTakes(severities, 'C0OPS', 'readiness-probe.failed')).toBe(false);
    expect(channelTakes(severities, 'C0OPS', 'hook.pre-stop')).toBe(false);
    expect(channelTakes(severities, '#alerts', 'readiness-probe.failed')).toBe(true);
    expect(channelTakes(severities, 'C0ELSEWHERE', 'evicted.memory')).toBe(true);
    expect(new ChannelRouter({ routing, severities }).takes('C0OPS', 'evicted.memory')).toBe(false);
    expect(new ChannelRouter({ routing }).takes('C0OPS', 'evicted.memory')).toBe(true);
  });
});
