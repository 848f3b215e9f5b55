import type { HomeView } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import type { Incident } from '../../../src/contract/incident.ts';
import { renderAppHome } from '../../../src/slack/render/app-home.ts';
import { blockKitViolations, isOwnMarkup, liveMarkup, visibleTexts } from './block-kit-check.ts';
import { HOSTILE, makeIncident, RAW_MARKUP } from './hostile.ts';

function incident(cluster: string, namespace: string | null, name: string, channel = 'C0ALERTS'): Incident {
  return makeIncident({
    id: `${cluster}/${namespace ?? '_node'}/Deployment/${name}/oom.container-limit`,
    cluster,
    namespace,
    scope: namespace === null ? 'node' : 'workload',
    subject: { kind: namespace === null ? 'Node' : 'Deployment', name },
    cause: 'oom.container-limit',
    channel,
  });
}

function textOf(view: HomeView): string {
  return visibleTexts({ blocks: view.blocks }).join('\n');
}

describe('renderAppHome', () => {
  it('groups open incidents by cluster, then namespace (nodes last), each linking to its thread', () => {
    const view = renderAppHome([
      { incident: incident('stage', 'shop', 'web') },
      { incident: incident('prod', null, 'node-3') },
      { incident: incident('prod', 'shop', 'web') },
      { incident: incident('prod', 'data', 'db'), link: 'https://example.slack.com/archives/C0ALERTS/p1' },
      { incident: { ...incident('prod', 'data', 'old'), status: 'resolved' } },
    ]);

    expect(view.type).toBe('home');
    expect(visibleTexts({ blocks: view.blocks })).toEqual([
      'podwhy: open incidents',
      '*4 open incidents* in 2 clusters',
      'Cluster prod',
      '*Namespace `data`*\n🔴 `Deployment/db` · `oom.container-limit` · 3 of 4 failing · <https://example.slack.com/archives/C0ALERTS/p1|thread>',
      '*Namespace `shop`*\n🔴 `Deployment/web` · `oom.container-limit` · 3 of 4 failing · <https://slack.com/archives/C0ALERTS/p1795176000000100|thread>',
      '*Nodes*\n🔴 `Node/node-3` · `oom.container-limit` · 3 of 4 failing · <https://slack.com/archives/C0ALERTS/p1795176000000100|thread>',
      'Cluster stage',
      '*Namespace `shop`*\n🔴 `Deployment/web` · `oom.container-limit` · 3 of 4 failing · <https://slack.com/archives/C0ALERTS/p1795176000000100|thread>',
    ]);
  });

  it('lists at most 10 per namespace and says how many more are in which channel', () => {
    const items = Array.from({ length: 14 }, (_, i) => ({ incident: incident('prod', 'shop', `w${String(i).padStart(2, '0')}`, i % 2 ? 'C0TEAM' : 'C0ALERTS') }));

    const view = renderAppHome(items);

    const text = textOf(view);
    expect(text.match(/^🔴 /gm)).toHaveLength(10);
    expect(text).toContain('+2 more in <#C0ALERTS>, +2 more in <#C0TEAM>');
  });

  it('stays within 100 blocks for 2,000 incidents in 400 namespaces and says where the rest are', () => {
    const items = Array.from({ length: 2_000 }, (_, i) => ({ incident: incident(`c${i % 3}`, `ns-${String(i % 400).padStart(3, '0')}`, `w${i}`) }));

    const view = renderAppHome(items);

    expect(blockKitViolations(view, 'view')).toEqual([]);
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    const last = visibleTexts({ blocks: view.blocks }).at(-1);
    expect(last).toMatch(/^Not shown here: \+\d{1},\d{3} more in <#C0ALERTS>$/);
    const shown = textOf(view).match(/^🔴 /gm)?.length ?? 0;
    expect(shown + Number(last?.match(/\+([\d,]+) more/)?.[1]?.replace(',', ''))).toBe(2_000);
  });

  it('says when nothing is open', () => {
    expect(visibleTexts({ blocks: renderAppHome([]).blocks })).toEqual(['podwhy: open incidents', '✅ No open incidents.']);
  });

  it('escapes hostile cluster, namespace and workload names', () => {
    const view = renderAppHome([{ incident: incident('prod', HOSTILE, HOSTILE) }]);

    const text = textOf(view);
    for (const raw of RAW_MARKUP) expect(text).not.toContain(raw);
    expect(liveMarkup({ blocks: view.blocks }).filter((t) => !isOwnMarkup(t))).toEqual([]);
    expect(blockKitViolations(view, 'view')).toEqual([]);
  });
});
