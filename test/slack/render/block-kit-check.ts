/**
 * An independent check of Slack's Block Kit limits for the renderer tests (the gateway tests check the
 * same through the Slack emulator). Written from the limits as documented, not from src/slack/render/limits.ts,
 * so a wrong constant there fails here. Sources: docs.slack.dev/reference/block-kit/blocks, @slack/types
 * TSDoc, chat.postMessage docs, bolt-js#2509.
 */

interface TextObject {
  type: string;
  text: string;
  verbatim?: boolean;
}

/** Everything the limits say about one message or view, as a list of violations (empty: it fits). */
export function blockKitViolations(surface: { text?: string; blocks: readonly unknown[] }, kind: 'message' | 'view' = 'message'): string[] {
  const problems: string[] = [];
  const maxBlocks = kind === 'message' ? 50 : 100;
  if (surface.blocks.length > maxBlocks) problems.push(`${surface.blocks.length} blocks > ${maxBlocks}`);
  if (kind === 'message') {
    if (typeof surface.text !== 'string' || surface.text.length === 0) problems.push('no fallback text');
    else if (surface.text.length > 4_000) problems.push(`fallback text ${surface.text.length} > 4000`);
    let chars = 0;
    JSON.stringify(surface.blocks, (_key, value: unknown) => {
      if (typeof value === 'string') chars += value.length;
      return value;
    });
    if (chars > 12_000) problems.push(`blocks carry ${chars} characters > 12000`);
  }
  if ('link_names' in surface) problems.push('link_names is set');

  surface.blocks.forEach((raw, i) => {
    const block = raw as Record<string, unknown>;
    const at = `block ${i} (${String(block['type'])})`;
    const blockId = block['block_id'];
    if (typeof blockId === 'string' && blockId.length > 255) problems.push(`${at}: block_id > 255`);
    const check = (text: unknown, max: number, what: string) => {
      const t = text as TextObject | undefined;
      if (!t || typeof t.text !== 'string') return problems.push(`${at}: ${what} has no text`);
      if (t.text.length === 0) problems.push(`${at}: ${what} is empty`);
      if (t.text.length > max) problems.push(`${at}: ${what} ${t.text.length} > ${max}`);
      if (t.type === 'mrkdwn' && t.verbatim !== true) problems.push(`${at}: ${what} mrkdwn without verbatim`);
      if (((t.text.match(/```/g) ?? []).length) % 2 === 1) problems.push(`${at}: ${what} leaves a code block open`);
      return undefined;
    };
    switch (block['type']) {
      case 'section': {
        const fields = block['fields'] as unknown[] | undefined;
        if (!block['text'] && !fields) problems.push(`${at}: neither text nor fields`);
        if (block['text']) check(block['text'], 3_000, 'text');
        if (fields) {
          if (fields.length > 10) problems.push(`${at}: ${fields.length} fields > 10`);
          fields.forEach((f, j) => check(f, 2_000, `field ${j}`));
        }
        const accessory = block['accessory'] as Record<string, unknown> | undefined;
        if (accessory?.['type'] === 'button') checkButton(accessory, `${at} accessory`, problems);
        break;
      }
      case 'header': {
        const text = block['text'] as TextObject;
        if (text.type !== 'plain_text') problems.push(`${at}: header is not plain_text`);
        check(text, 150, 'header');
        break;
      }
      case 'context': {
        const elements = block['elements'] as unknown[];
        if (elements.length === 0 || elements.length > 10) problems.push(`${at}: ${elements.length} elements`);
        elements.forEach((e, j) => check(e, 3_000, `element ${j}`));
        break;
      }
      case 'actions': {
        const elements = block['elements'] as Record<string, unknown>[];
        if (elements.length === 0 || elements.length > 25) problems.push(`${at}: ${elements.length} elements`);
        elements.forEach((e, j) => checkButton(e, `${at} element ${j}`, problems));
        break;
      }
      case 'divider':
        break;
      default:
        problems.push(`${at}: unexpected block type`);
    }
  });
  return problems;
}

function checkButton(element: Record<string, unknown>, at: string, problems: string[]): void {
  const text = element['text'] as TextObject;
  if (text.type !== 'plain_text' || text.text.length === 0 || text.text.length > 75) problems.push(`${at}: button text`);
  const value = element['value'];
  if (typeof value === 'string' && value.length > 2_000) problems.push(`${at}: value ${value.length} > 2000`);
  const actionId = element['action_id'];
  if (typeof actionId !== 'string' || actionId.length === 0 || actionId.length > 255) problems.push(`${at}: action_id`);
}

/** Every text a person sees in a message or view: fallback, block texts, fields, context, buttons. */
export function visibleTexts(surface: { text?: string; blocks: readonly unknown[] }): string[] {
  const texts: string[] = surface.text === undefined ? [] : [surface.text];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if ((record['type'] === 'mrkdwn' || record['type'] === 'plain_text') && typeof record['text'] === 'string') texts.push(record['text']);
      Object.values(record).forEach(visit);
    }
  };
  visit(surface.blocks);
  return texts;
}

/**
 * Slack's live markup in the texts: every `<…>` sequence. A renderer may write only its own links
 * (https), date tokens, and mentions of the ids it was given; anything else came from the input.
 */
export function liveMarkup(surface: { text?: string; blocks: readonly unknown[] }): string[] {
  return visibleTexts(surface).flatMap((text) => text.match(/<[^>]*>?/g) ?? []);
}

/** Markup a renderer writes itself: https links, Slack date tokens, and the given user/channel mentions. */
export function isOwnMarkup(token: string, allowedIds: readonly string[] = []): boolean {
  if (/^<https:\/\/[^\s<>|]+\|[^<>]+>$/.test(token)) return true;
  if (/^<!date\^\d+\^\{date_short_pretty\} \{time\}\|[^<>]+>$/.test(token)) return true;
  return allowedIds.some((id) => token === `<@${id}>` || token === `<#${id}>`);
}
