/**
 * The shapes every renderer returns, and small builders for the few block types they use. Pure.
 * Block Kit types come from @slack/types through @slack/web-api's re-export (type-only: @slack/types
 * is not a direct dependency of podwhy).
 */
import type { ActionsBlock, Button, ContextBlock, HeaderBlock, KnownBlock, MrkdwnElement, PlainTextElement, SectionBlock } from '@slack/web-api';
import { clipMrkdwn } from './escape.ts';

/** Machine-readable facts about a message (Slack message metadata): see metadata.ts. */
export interface SlackMessageMetadata {
  event_type: string;
  event_payload: Record<string, string | number | boolean>;
}

/** A message ready for chat.postMessage / chat.update / respond: every field within Slack's limits. */
export interface SlackMessage {
  /** Notification and screen-reader fallback: plain, escaped, bounded; always set. */
  text: string;
  blocks: KnownBlock[];
  metadata?: SlackMessageMetadata;
}

/**
 * How much a block matters when a message must shrink to fit (limits.ts): 'low' blocks go first (log
 * tails, other causes), then 'normal' (evidence), then 'high' (remediation); 'essential' blocks (what
 * is wrong, where, the buttons) are only ever clipped, never dropped.
 */
export type Importance = 'essential' | 'high' | 'normal' | 'low';

export interface DraftBlock {
  block: KnownBlock;
  importance: Importance;
}

/** A message before the final guard (limits.ts fitMessage) has made it fit. */
export interface MessageDraft {
  text: string;
  blocks: readonly DraftBlock[];
  metadata?: SlackMessageMetadata;
}

/** mrkdwn with `verbatim: true`: Slack does not auto-link URLs, channel names or mentions in it. */
export function mrkdwn(text: string): MrkdwnElement {
  return { type: 'mrkdwn', text, verbatim: true };
}

/** plain_text with `emoji: false`: a `:name:` inside a cluster string stays text. */
export function plain(text: string): PlainTextElement {
  return { type: 'plain_text', text, emoji: false };
}

export function section(text: string, accessory?: Button): SectionBlock {
  return accessory ? { type: 'section', text: mrkdwn(text), accessory } : { type: 'section', text: mrkdwn(text) };
}

export function fieldsSection(fields: readonly string[]): SectionBlock {
  return { type: 'section', fields: fields.map(mrkdwn) };
}

export function header(text: string): HeaderBlock {
  return { type: 'header', text: plain(text) };
}

export function context(texts: readonly string[]): ContextBlock {
  return { type: 'context', elements: texts.map(mrkdwn) };
}

export function actions(buttons: readonly Button[]): ActionsBlock {
  return { type: 'actions', elements: [...buttons] };
}

export function button(text: string, actionId: string, value: string): Button {
  return { type: 'button', text: plain(text), action_id: actionId, value };
}

export function draft(block: KnownBlock, importance: Importance): DraftBlock {
  return { block, importance };
}

/**
 * Items (already-escaped mrkdwn lines) packed into as few sections as fit `max` characters each: the
 * first section starts with `title`, an item too long for a section of its own is clipped.
 */
export function listSections(title: string, items: readonly string[], importance: Importance, max: number): DraftBlock[] {
  if (items.length === 0) return [];
  const sections: string[] = [];
  let current = title;
  for (const item of items) {
    const line = clipMrkdwn(item, max - title.length - 1);
    if (current.length + 1 + line.length > max) {
      sections.push(current);
      current = line;
    } else {
      current = current === '' ? line : `${current}\n${line}`;
    }
  }
  if (current !== '') sections.push(current);
  return sections.map((text) => draft(section(text), importance));
}
