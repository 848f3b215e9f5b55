/**
 * Prints what a Slack user sees when podwhy raises an alert: one real fixture's diagnosis goes through the
 * real incident manager (an `open` command) and the real Block Kit renderers (src/slack/render), and the
 * parent message and its thread reply are printed as plain text, block by block. The README's "In Slack"
 * section is this output. Not a benchmark: it sits in bench/ with the other scripts that print figures.
 *
 *   node bench/render-slack-thread.ts [fixture below test/fixtures/k8s]
 */
import type { KnownBlock } from '@slack/types';
import { IncidentManager } from '../src/incidents/manager.ts';
import { incidentOwnerOf } from '../src/incidents/keys.ts';
import { MemoryIncidentStore } from '../src/incidents/memory-store.ts';
import type { SlackMessage } from '../src/slack/render/blocks.ts';
import { renderNotifyCommand } from '../src/slack/render/incident.ts';
import { diagnose } from '../src/diagnosis/engine.ts';
import { FIXTURE_NOW, podSnapshot } from '../test/support/fixtures.ts';

const DEFAULT_FIXTURE = 'dependency/secret/env-secret-missing.yaml';

/** mrkdwn as a reader sees it: links show their label, entities are decoded. */
function readable(mrkdwn: string): string {
  return mrkdwn
    .replace(/<([^|>]+)\|([^>]+)>/g, '$2')
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function blockLines(block: KnownBlock): string[] {
  switch (block.type) {
    case 'header':
      return [`== ${block.text.text} ==`];
    case 'section':
      return [
        ...(block.text ? readable(block.text.text).split('\n') : []),
        ...(block.fields ?? []).map((field) => `  ${readable(field.text).replace(/\n/g, ' ')}`),
        ...(block.accessory && block.accessory.type === 'button' ? [`  [ ${block.accessory.text.text} ]`] : []),
      ];
    case 'context':
      return [block.elements.map((element) => ('text' in element ? readable(element.text) : '')).join('  ·  ')];
    case 'actions':
      return [block.elements.map((element) => (element.type === 'button' ? `[ ${element.text.text} ]` : `[${element.type}]`)).join(' ')];
    case 'divider':
      return ['----'];
    case 'rich_text':
      return ['(rich text)'];
    default:
      return [`(${block.type})`];
  }
}

function messageText(message: SlackMessage, indent: string): string {
  return message.blocks.flatMap(blockLines).map((line) => `${indent}${line}`.trimEnd()).join('\n');
}

/** The parent message and its thread reply as text, for one fixture's diagnosis (the README's "In Slack" block). */
export async function renderSlackThread(fixture: string = DEFAULT_FIXTURE): Promise<string> {
  const now = Date.parse(FIXTURE_NOW);
  const snapshot = podSnapshot(fixture);
  const diagnosis = diagnose(snapshot);
  if (!diagnosis) throw new Error(`${fixture}: no diagnosis`);
  const manager = new IncidentManager({ store: new MemoryIncidentStore({ now: () => now }), now: () => now });
  const command = await manager.record({ cluster: 'prod', diagnosis, owner: incidentOwnerOf(snapshot.owners), node: snapshot.pod.spec.nodeName, observedAt: snapshot.observedAt, channel: '#alerts' });
  if (command?.type !== 'open') throw new Error('expected the incident to open');
  const { parent, reply } = renderNotifyCommand(command, { issuedAt: now });
  return `#alerts\n${messageText(parent, '│ ')}\n${reply ? `│\n└─ thread reply\n${messageText(reply, '   │ ')}\n` : ''}`;
}

if (process.argv[1] === import.meta.filename) process.stdout.write(await renderSlackThread(process.argv[2]));
