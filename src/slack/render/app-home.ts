/**
 * The App Home tab: open incidents grouped by cluster and namespace, each with a link to its thread,
 * bounded to a view's 100 blocks ("+N more in #channel" for what does not fit). Pure.
 */
import type { HomeView } from '@slack/web-api';
import { context, draft, header, listSections, section, type DraftBlock } from './blocks.ts';
import { channelMention, formatCount, inlineCode, plainText } from './escape.ts';
import { compareIncidentLinks, incidentListLine, type IncidentLink } from './incident.ts';
import { fitHomeView, MAX_SECTION_TEXT, MAX_VIEW_BLOCKS } from './limits.ts';

/** Incidents listed per namespace before "+N more in #channel". */
export const HOME_INCIDENTS_PER_NAMESPACE = 10;
/** Blocks kept free at the end of the view for the "more" notes. */
const TAIL_BLOCKS = 3;

interface Group {
  cluster: string;
  /** null: node incidents, which span namespaces. */
  namespace: string | null;
  items: IncidentLink[];
}

/** "+3 more in #alerts, +1 more in #team-a": where the incidents not listed are posted. */
function moreIn(items: readonly IncidentLink[]): string {
  const perChannel = new Map<string, number>();
  for (const { incident } of items) perChannel.set(incident.channel, (perChannel.get(incident.channel) ?? 0) + 1);
  return [...perChannel]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([channel, count]) => `+${formatCount(count)} more in ${channelMention(channel)}`)
    .join(', ');
}

function groupsOf(items: readonly IncidentLink[]): Group[] {
  const groups: Group[] = [];
  for (const item of [...items].sort(compareIncidentLinks)) {
    const last = groups.at(-1);
    if (last && last.cluster === item.incident.cluster && last.namespace === item.incident.namespace) last.items.push(item);
    else groups.push({ cluster: item.incident.cluster, namespace: item.incident.namespace, items: [item] });
  }
  return groups;
}

/** The Home tab for the open incidents in `items` (resolved ones are left out). */
export function renderAppHome(items: readonly IncidentLink[]): HomeView {
  const open = items.filter((i) => i.incident.status === 'open');
  const groups = groupsOf(open);
  const clusters = new Set(open.map((i) => i.incident.cluster));
  const blocks: DraftBlock[] = [
    draft(header('podwhy: open incidents'), 'essential'),
    draft(
      section(
        open.length === 0
          ? '✅ No open incidents.'
          : `*${formatCount(open.length)} open ${open.length === 1 ? 'incident' : 'incidents'}* in ${formatCount(clusters.size)} ${clusters.size === 1 ? 'cluster' : 'clusters'}`,
      ),
      'essential',
    ),
  ];
  const budget = MAX_VIEW_BLOCKS - TAIL_BLOCKS;
  let cluster: string | null = null;
  const leftOut: IncidentLink[] = [];
  for (const group of groups) {
    const listed = group.items.slice(0, HOME_INCIDENTS_PER_NAMESPACE);
    const title = `*${group.namespace === null ? 'Nodes' : `Namespace ${inlineCode(group.namespace, 100)}`}*`;
    const groupBlocks = [
      ...(group.cluster !== cluster ? [draft(header(plainText(`Cluster ${group.cluster}`, 150)), 'essential')] : []),
      ...listSections(title, listed.map((item) => incidentListLine(item, { withPlace: false })), 'essential', MAX_SECTION_TEXT),
      ...(group.items.length > listed.length ? [draft(context([moreIn(group.items.slice(listed.length))]), 'essential')] : []),
    ];
    if (blocks.length + groupBlocks.length > budget) {
      leftOut.push(...group.items);
      continue;
    }
    blocks.push(...groupBlocks);
    cluster = group.cluster;
  }
  if (leftOut.length > 0) blocks.push(draft(context([`Not shown here: ${moreIn(leftOut)}`]), 'essential'));
  return fitHomeView(blocks);
}
