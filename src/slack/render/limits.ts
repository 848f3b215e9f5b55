/**
 * Slack's Block Kit limits, and the final guard every renderer's output passes through. Pure.
 *
 * Sources: https://docs.slack.dev/reference/block-kit/blocks (blocks per message and view), the
 * TSDoc of @slack/types `block-kit/{blocks,block-elements,composition-objects}.ts` (per-field maxima),
 * https://docs.slack.dev/reference/methods/chat.postMessage (message `text`), and
 * https://github.com/slackapi/bolt-js/issues/2509 (an undocumented aggregate: chat.postMessage fails
 * with `msg_blocks_too_long` at about 13,297 characters of blocks, below every documented limit).
 */
import type { ActionsBlockElement, Button, HomeView, KnownBlock, MrkdwnElement, PlainTextElement } from '@slack/web-api';
import { context, type DraftBlock, type Importance, type MessageDraft, type SlackMessage } from './blocks.ts';
import { clipMrkdwn, formatCount } from './escape.ts';

/** Blocks in one message. Source: docs.slack.dev/reference/block-kit/blocks. */
export const MAX_MESSAGE_BLOCKS = 50;
/** Blocks in a modal or Home tab. Source: docs.slack.dev/reference/block-kit/blocks. */
export const MAX_VIEW_BLOCKS = 100;
/** A section's `text`, and any text object. Source: @slack/types SectionBlock.text, MrkdwnElement.text. */
export const MAX_SECTION_TEXT = 3_000;
/** Fields in one section. Source: @slack/types SectionBlock.fields. */
export const MAX_SECTION_FIELDS = 10;
/** Each section field. Source: @slack/types SectionBlock.fields. */
export const MAX_FIELD_TEXT = 2_000;
/** A header's plain_text. Source: @slack/types HeaderBlock.text. */
export const MAX_HEADER_TEXT = 150;
/** Elements in a context block. Source: @slack/types ContextBlock.elements. */
export const MAX_CONTEXT_ELEMENTS = 10;
/** Elements in an actions block. Source: @slack/types ActionsBlock.elements. */
export const MAX_ACTIONS_ELEMENTS = 25;
/** A button's text (Slack may cut it visually at about 30). Source: @slack/types Button.text. */
export const MAX_BUTTON_TEXT = 75;
/** A button's value. Source: @slack/types Button.value. */
export const MAX_BUTTON_VALUE = 2_000;
/** A button's url. Source: @slack/types Button.url. */
export const MAX_BUTTON_URL = 3_000;
/** An element's action_id. Source: @slack/types Actionable.action_id. */
export const MAX_ACTION_ID = 255;
/** A block's block_id. Source: @slack/types Block.block_id. */
export const MAX_BLOCK_ID = 255;
/** Message `text`: Slack asks for at most 4,000 and truncates above 40,000. Source: chat.postMessage docs. */
export const MAX_MESSAGE_TEXT = 4_000;
/**
 * The characters of all blocks of one message together: every string the blocks carry (texts, values,
 * ids, types), a deliberately generous count against a limit Slack does not document. Slack staff
 * describe it as "12,000 text characters with a buffer for block containers"; the failure was seen at
 * about 13,297 (bolt-js#2509).
 */
export const MAX_MESSAGE_BLOCK_CHARS = 12_000;

const RANK: Record<Importance, number> = { low: 0, normal: 1, high: 2, essential: 3 };

interface SurfaceLimits {
  maxBlocks: number;
  maxChars: number;
}

const MESSAGE_SURFACE: SurfaceLimits = { maxBlocks: MAX_MESSAGE_BLOCKS, maxChars: MAX_MESSAGE_BLOCK_CHARS };
/** Views have no documented aggregate; the per-block limits and 100 blocks still hold. */
const VIEW_SURFACE: SurfaceLimits = { maxBlocks: MAX_VIEW_BLOCKS, maxChars: Number.POSITIVE_INFINITY };

/** The guard's measure of a block list: the length of every string in it. */
export function blockChars(blocks: readonly unknown[]): number {
  let total = 0;
  const visit = (value: unknown): void => {
    if (typeof value === 'string') total += value.length;
    else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  blocks.forEach(visit);
  return total;
}

/**
 * The final guard for a message: each block clipped to its own limits, then, while the message has too
 * many blocks or characters, the least important blocks dropped (the latest of the lowest importance
 * first) with a visible note saying how many; if only essential blocks are left, the longest texts are
 * clipped. The result passes every limit above whatever the draft holds.
 */
export function fitMessage(draft: MessageDraft): SlackMessage {
  const message: SlackMessage = {
    text: clipMrkdwn(draft.text.trim() === '' ? 'podwhy' : draft.text, MAX_MESSAGE_TEXT),
    blocks: fitBlocks(draft.blocks, MESSAGE_SURFACE),
  };
  if (draft.metadata) message.metadata = draft.metadata;
  return message;
}

/** The final guard for a Home tab: per-block limits and at most 100 blocks. */
export function fitHomeView(blocks: readonly DraftBlock[]): HomeView {
  return { type: 'home', blocks: fitBlocks(blocks, VIEW_SURFACE) };
}

function fitBlocks(drafts: readonly DraftBlock[], surface: SurfaceLimits): KnownBlock[] {
  let parts = drafts.flatMap((d) => {
    const block = clipBlock(d.block);
    return block ? [{ block, importance: d.importance }] : [];
  });
  let dropped = 0;
  const assemble = () => withDropNote(parts.map((p) => p.block), dropped);
  const fits = (blocks: KnownBlock[]) => blocks.length <= surface.maxBlocks && blockChars(blocks) <= surface.maxChars;

  let blocks = assemble();
  while (!fits(blocks)) {
    const victim = leastImportant(parts);
    if (victim >= 0) {
      parts = parts.filter((_, i) => i !== victim);
      dropped += 1;
    } else if (!shrinkLongestText(parts)) {
      // Nothing droppable and nothing left to clip: keep the head of the message.
      parts = parts.slice(0, -1);
      dropped += 1;
    }
    blocks = assemble();
  }
  return blocks;
}

/** Index of the block to drop next: the last one of the lowest importance below essential; -1 if none. */
function leastImportant(parts: readonly DraftBlock[]): number {
  let victim = -1;
  parts.forEach((p, i) => {
    if (p.importance === 'essential') return;
    const best = parts[victim];
    if (!best || RANK[p.importance] <= RANK[best.importance]) victim = i;
  });
  return victim;
}

/** Halves the longest section text of at least 400 characters; false when none is left to clip. */
function shrinkLongestText(parts: DraftBlock[]): boolean {
  let longest: { text: MrkdwnElement | PlainTextElement; length: number } | null = null;
  for (const { block } of parts) {
    const texts = block.type === 'section' ? [block.text, ...(block.fields ?? [])] : block.type === 'context' ? block.elements : [];
    for (const text of texts) {
      if (text && 'text' in text && typeof text.text === 'string' && (text.type === 'mrkdwn' || text.type === 'plain_text')) {
        if (!longest || text.text.length > longest.length) longest = { text, length: text.text.length };
      }
    }
  }
  if (!longest || longest.length < 400) return false;
  longest.text.text = clipMrkdwn(longest.text.text, Math.floor(longest.length / 2));
  return true;
}

/** The visible note that blocks were left out, placed before a trailing actions block so buttons stay last. */
function withDropNote(blocks: KnownBlock[], dropped: number): KnownBlock[] {
  if (dropped === 0) return blocks;
  const note = context([`_${formatCount(dropped)} more ${dropped === 1 ? 'part' : 'parts'} left out to fit Slack's message limits._`]);
  const last = blocks.at(-1);
  return last?.type === 'actions' ? [...blocks.slice(0, -1), note, last] : [...blocks, note];
}

/** One block within its own limits, or null when nothing valid is left of it. Never mutates the input. */
function clipBlock(input: KnownBlock): KnownBlock | null {
  const block = structuredClone(input);
  if (block.block_id !== undefined && (block.block_id.length === 0 || block.block_id.length > MAX_BLOCK_ID)) delete block.block_id;
  switch (block.type) {
    case 'section': {
      if (block.text) {
        block.text.text = clipText(block.text, MAX_SECTION_TEXT);
        if (block.text.text.length === 0) delete block.text;
      }
      if (block.fields) {
        const fields = block.fields.filter((f) => f.text.length > 0);
        const kept = fields.length > MAX_SECTION_FIELDS ? [...fields.slice(0, MAX_SECTION_FIELDS - 1), moreItems(fields.length - MAX_SECTION_FIELDS + 1)] : fields;
        block.fields = kept.map((f) => ({ ...f, text: clipText(f, MAX_FIELD_TEXT) }));
        if (block.fields.length === 0) delete block.fields;
      }
      if (block.accessory?.type === 'button') {
        const accessory = clipButton(block.accessory);
        if (accessory) block.accessory = accessory;
        else delete block.accessory;
      }
      return block.text || block.fields ? block : null;
    }
    case 'header':
      block.text.text = clipText(block.text, MAX_HEADER_TEXT);
      return block.text.text.length > 0 ? block : null;
    case 'context': {
      const elements = block.elements.filter((e) => !('text' in e) || e.text.length > 0);
      const kept = elements.length > MAX_CONTEXT_ELEMENTS ? [...elements.slice(0, MAX_CONTEXT_ELEMENTS - 1), moreItems(elements.length - MAX_CONTEXT_ELEMENTS + 1)] : elements;
      block.elements = kept.map((e) => ('text' in e && (e.type === 'mrkdwn' || e.type === 'plain_text') ? { ...e, text: clipText(e, MAX_SECTION_TEXT) } : e));
      return block.elements.length > 0 ? block : null;
    }
    case 'actions': {
      const elements: ActionsBlockElement[] = [];
      for (const element of block.elements) {
        const kept = element.type === 'button' ? clipButton(element) : element;
        if (kept) elements.push(kept);
      }
      block.elements = elements.slice(0, MAX_ACTIONS_ELEMENTS);
      return block.elements.length > 0 ? block : null;
    }
    default:
      return block;
  }
}

function moreItems(count: number): MrkdwnElement {
  return { type: 'mrkdwn', text: `… ${formatCount(count)} more`, verbatim: true };
}

function clipText(text: MrkdwnElement | PlainTextElement, max: number): string {
  return clipMrkdwn(text.text, max);
}

/**
 * A button within its limits, or null: a value, url or action_id that is too long cannot be clipped
 * (a clipped record or link is a wrong one), so such a button is left out.
 */
function clipButton(input: Button): Button | null {
  if (input.action_id !== undefined && (input.action_id.length === 0 || input.action_id.length > MAX_ACTION_ID)) return null;
  if (input.value !== undefined && input.value.length > MAX_BUTTON_VALUE) return null;
  if (input.url !== undefined && input.url.length > MAX_BUTTON_URL) return null;
  const text = clipMrkdwn(input.text.text, MAX_BUTTON_TEXT);
  return text.length > 0 ? { ...input, text: { ...input.text, text } } : null;
}
