import { describe, expect, it } from 'vitest';
import {
  BLOCK_KIT_LIMITS,
  blocksTextLength,
  checkMessagePayload,
  checkViewPayload,
  findBlockProblems,
  slackErrorBody,
} from '../../src/slack-emulator/block-kit-limits.ts';

const plain = (text: string) => ({ type: 'plain_text', text });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const button = (extra: Record<string, unknown> = {}) => ({ type: 'button', text: plain('Restart'), action_id: 'restart', value: '{}', ...extra });
const actions = (...elements: unknown[]) => ({ type: 'actions', elements });

/** The problem lines for one block, as Slack would list them. */
function problemsOf(block: unknown): string[] {
  return findBlockProblems([block], '/blocks', 'message').map((p) => `${p.reason} [json-pointer:${p.pointer}]`);
}

describe('Block Kit limits', () => {
  it.each([
    ['section text', (n: number) => ({ type: 'section', text: mrkdwn('a'.repeat(n)) }), 3_000, '/blocks/0/text/text'],
    ['section field', (n: number) => ({ type: 'section', fields: [mrkdwn('a'.repeat(n))] }), 2_000, '/blocks/0/fields/0/text'],
    ['header text', (n: number) => ({ type: 'header', text: plain('a'.repeat(n)) }), 150, '/blocks/0/text/text'],
    ['button text', (n: number) => actions(button({ text: plain('a'.repeat(n)) })), 75, '/blocks/0/elements/0/text/text'],
    ['button value', (n: number) => actions(button({ value: 'a'.repeat(n) })), 2_000, '/blocks/0/elements/0/value'],
    ['button url', (n: number) => actions(button({ url: 'a'.repeat(n) })), 3_000, '/blocks/0/elements/0/url'],
    ['action_id', (n: number) => actions(button({ action_id: 'a'.repeat(n) })), 255, '/blocks/0/elements/0/action_id'],
    ['block_id', (n: number) => ({ type: 'divider', block_id: 'a'.repeat(n) }), 255, '/blocks/0/block_id'],
    ['confirm title', (n: number) => actions(button({ confirm: { title: plain('a'.repeat(n)), text: plain('Sure?') } })), 100, '/blocks/0/elements/0/confirm/title/text'],
    ['confirm text', (n: number) => actions(button({ confirm: { text: mrkdwn('a'.repeat(n)) } })), 300, '/blocks/0/elements/0/confirm/text/text'],
    ['confirm button', (n: number) => actions(button({ confirm: { text: plain('Sure?'), confirm: plain('a'.repeat(n)) } })), 30, '/blocks/0/elements/0/confirm/confirm/text'],
    ['confirm deny', (n: number) => actions(button({ confirm: { text: plain('Sure?'), deny: plain('a'.repeat(n)) } })), 30, '/blocks/0/elements/0/confirm/deny/text'],
    ['markdown block', (n: number) => ({ type: 'markdown', text: 'a'.repeat(n) }), 12_000, '/blocks/0/text'],
  ])('%s: accepts the maximum and refuses one character more, naming the path', (_name, build, max, pointer) => {
    expect(problemsOf(build(max))).toEqual([]);
    expect(problemsOf(build(max + 1))).toEqual([`must be less than ${max + 1} characters [json-pointer:${pointer}]`]);
  });

  it.each([
    ['section fields', (n: number) => ({ type: 'section', fields: Array.from({ length: n }, () => mrkdwn('f')) }), 10, '/blocks/0/fields'],
    ['context elements', (n: number) => ({ type: 'context', elements: Array.from({ length: n }, () => mrkdwn('c')) }), 10, '/blocks/0/elements'],
    ['actions elements', (n: number) => actions(...Array.from({ length: n }, (_, i) => button({ action_id: `a${i}` }))), 25, '/blocks/0/elements'],
  ])('%s: accepts the maximum count and refuses one more', (_name, build, max, pointer) => {
    expect(problemsOf(build(max))).toEqual([]);
    expect(problemsOf(build(max + 1))).toEqual([`no more than ${max} items allowed [json-pointer:${pointer}]`]);
  });

  it('requires plain_text where Slack does: headers, buttons, confirm titles and buttons', () => {
    expect(problemsOf({ type: 'header', text: mrkdwn('H') })).toEqual(['must be plain_text [json-pointer:/blocks/0/text/type]']);
    expect(problemsOf(actions(button({ text: mrkdwn('Go') })))).toEqual(['must be plain_text [json-pointer:/blocks/0/elements/0/text/type]']);
    expect(problemsOf(actions(button({ confirm: { title: mrkdwn('T'), text: mrkdwn('ok'), confirm: mrkdwn('Y'), deny: plain('N') } })))).toEqual([
      'must be plain_text [json-pointer:/blocks/0/elements/0/confirm/title/type]',
      'must be plain_text [json-pointer:/blocks/0/elements/0/confirm/confirm/type]',
    ]);
  });

  it('refuses emoji on mrkdwn, empty section text, sections without text or fields, and unknown block types', () => {
    expect(problemsOf({ type: 'section', text: { type: 'mrkdwn', text: 'x', emoji: true } })).toEqual(['emoji is only allowed on plain_text [json-pointer:/blocks/0/text/emoji]']);
    expect(problemsOf({ type: 'section', text: mrkdwn('') })).toEqual(['must be more than 0 characters [json-pointer:/blocks/0/text/text]']);
    expect(problemsOf({ type: 'section' })).toEqual(['must define either `text` or `fields` [json-pointer:/blocks/0/type]']);
    expect(problemsOf({ type: 'sektion', text: mrkdwn('x') })).toEqual(['unsupported type: sektion [json-pointer:/blocks/0/type]']);
  });

  it('checks a confirm dialog\'s style', () => {
    expect(problemsOf(actions(button({ confirm: { text: plain('Sure?'), style: 'danger' } })))).toEqual([]);
    expect(problemsOf(actions(button({ confirm: { text: plain('Sure?'), style: 'scary' } })))).toEqual(['must be one of primary, danger [json-pointer:/blocks/0/elements/0/confirm/style]']);
  });

  it('counts every text in the blocks towards the hidden total', () => {
    const blocks = [{ type: 'section', text: mrkdwn('abc'), fields: [mrkdwn('de')] }, { type: 'markdown', text: 'fgh' }, actions(button())];

    expect(blocksTextLength(blocks)).toBe(3 + 2 + 3 + 'Restart'.length);
  });

  it('puts every problem in errors and response_metadata.messages, as Slack does', () => {
    const verdict = checkMessagePayload({ text: 'x', blocks: [{ type: 'header', text: plain('h'.repeat(151)) }, { type: 'section' }] });

    expect(verdict.ok).toBe(false);
    expect(verdict.ok ? undefined : slackErrorBody(verdict.failure)).toEqual({
      ok: false,
      error: 'invalid_blocks',
      errors: ['must be less than 151 characters [json-pointer:/blocks/0/text/text]', 'must define either `text` or `fields` [json-pointer:/blocks/1/type]'],
      response_metadata: {
        messages: ['[ERROR] must be less than 151 characters [json-pointer:/blocks/0/text/text]', '[ERROR] must define either `text` or `fields` [json-pointer:/blocks/1/type]'],
      },
    });
  });

  it('records text over the 4,000 recommended characters and blocks without fallback text as violations, not errors', () => {
    const verdict = checkMessagePayload({ text: 'x'.repeat(4_001) });
    const noFallback = checkMessagePayload({ blocks: [{ type: 'divider' }, { type: 'section', text: mrkdwn('hi') }] });

    expect(verdict).toMatchObject({ ok: true, violations: [{ kind: 'text-over-recommended-length' }] });
    expect(noFallback).toMatchObject({ ok: true, violations: [{ kind: 'missing-fallback-text' }] });
  });

  it('checks modals: title required and ≤ 24 plain_text characters, submit ≤ 24', () => {
    const ok = checkViewPayload({ type: 'modal', title: plain('Restart api-7f9c'), submit: plain('Restart'), blocks: [] }, 'modal');
    const bad = checkViewPayload({ type: 'modal', title: plain('t'.repeat(25)), submit: mrkdwn('Go'), blocks: [] }, 'modal');
    const missing = checkViewPayload({ type: 'modal', blocks: [] }, 'modal');

    expect(ok.ok).toBe(true);
    expect(bad.ok ? [] : bad.failure.problems).toEqual([
      { reason: 'must be less than 25 characters', pointer: '/view/title/text' },
      { reason: 'must be plain_text', pointer: '/view/submit/type' },
    ]);
    expect(missing.ok ? [] : missing.failure).toEqual({ error: 'invalid_arguments', problems: [{ reason: 'missing required field', pointer: '/view/title' }] });
  });

  it('has the documented numbers', () => {
    expect(BLOCK_KIT_LIMITS).toMatchObject({ messageBlocks: 50, viewBlocks: 100, sectionText: 3_000, sectionFields: 10, sectionFieldText: 2_000, headerText: 150, buttonText: 75, buttonValue: 2_000, actionId: 255, blockId: 255, contextElements: 10, messageText: 40_000 });
  });
});
