import { describe, expect, it } from 'vitest';
import type { KnownBlock } from '@slack/web-api';
import { actions, button, context, draft, fieldsSection, header, section, type DraftBlock } from '../../../src/slack/render/blocks.ts';
import { blockChars, fitHomeView, fitMessage, MAX_MESSAGE_BLOCK_CHARS, MAX_MESSAGE_BLOCKS } from '../../../src/slack/render/limits.ts';
import { blockKitViolations, visibleTexts } from './block-kit-check.ts';

const NOTE = /^_\d+ more parts? left out to fit Slack's message limits\._$/;

function sections(count: number, text: (i: number) => string, importance: DraftBlock['importance']): DraftBlock[] {
  return Array.from({ length: count }, (_, i) => draft(section(text(i)), importance));
}

function textsOf(blocks: readonly KnownBlock[]): string[] {
  return visibleTexts({ blocks });
}

describe('fitMessage', () => {
  it('passes a message that fits through unchanged', () => {
    const blocks = [draft(header('Title'), 'essential'), draft(section('body'), 'normal')];

    const message = fitMessage({ text: 'fallback', blocks });

    expect(message).toEqual({ text: 'fallback', blocks: blocks.map((b) => b.block) });
  });

  it('cuts 80 blocks to 50, dropping the least important, latest first, and says so', () => {
    const blocks = [
      draft(section('what is wrong'), 'essential'),
      ...sections(40, (i) => `evidence ${i}`, 'normal'),
      ...sections(39, (i) => `log ${i}`, 'low'),
      draft(actions([button('Re-diagnose', 'podwhy.rediagnose', '{}')]), 'essential'),
    ];

    const message = fitMessage({ text: 'fallback', blocks });

    expect(message.blocks).toHaveLength(MAX_MESSAGE_BLOCKS);
    const texts = textsOf(message.blocks);
    expect(texts).toContain('what is wrong');
    expect(texts).toContain('evidence 39');
    expect(texts).toContain('log 6');
    expect(texts).not.toContain('log 7');
    expect(message.blocks.at(-1)?.type).toBe('actions');
    const note = message.blocks.at(-2);
    expect(note?.type === 'context' && 'text' in note.elements[0]! ? note.elements[0].text : '').toMatch(/^_32 more parts left out/);
    expect(blockKitViolations(message)).toEqual([]);
  });

  it('keeps the total under the character budget by dropping low before normal before high', () => {
    const big = (label: string) => (i: number) => `${label} ${i} ${'x'.repeat(2_500)}`;
    const blocks = [
      draft(section('what is wrong'), 'essential'),
      ...sections(3, big('fix'), 'high'),
      ...sections(3, big('evidence'), 'normal'),
      ...sections(3, big('log'), 'low'),
    ];

    const message = fitMessage({ text: 'fallback', blocks });

    expect(blockChars(message.blocks)).toBeLessThanOrEqual(MAX_MESSAGE_BLOCK_CHARS);
    const labels = textsOf(message.blocks).map((t) => t.replace(/ x+$/, ''));
    expect(labels).toEqual(['what is wrong', 'fix 0', 'fix 1', 'fix 2', 'evidence 0', expect.stringMatching(NOTE)]);
    expect(blockKitViolations(message)).toEqual([]);
  });

  it('clips essential blocks when dropping the others is not enough', () => {
    const blocks = sections(6, (i) => `essential ${i} ${'y'.repeat(2_990)}`, 'essential');

    const message = fitMessage({ text: 'fallback', blocks });

    expect(message.blocks).toHaveLength(6);
    expect(blockKitViolations(message)).toEqual([]);
    expect(textsOf(message.blocks).filter((t) => /more characters\)$/.test(t)).length).toBeGreaterThan(0);
  });

  it('clips every field to its own limit, with a visible marker', () => {
    const blocks = [
      draft(header(`H${'h'.repeat(400)}`), 'essential'),
      draft(section(`S${'s'.repeat(5_000)}`), 'essential'),
      draft(fieldsSection(Array.from({ length: 14 }, (_, i) => `field ${i} ${'f'.repeat(i === 0 ? 3_000 : 10)}`)), 'essential'),
      draft(context(Array.from({ length: 12 }, (_, i) => `c${i}`)), 'essential'),
      draft(actions([button(`B${'b'.repeat(100)}`, 'podwhy.rediagnose', 'v')]), 'essential'),
    ];

    const message = fitMessage({ text: 'fallback', blocks });

    expect(blockKitViolations(message)).toEqual([]);
    const [head, body, fields, ctx, buttons] = message.blocks;
    expect(head?.type === 'header' && head.text.text).toMatch(/^Hh+ … \(\d+ more characters\)$/);
    expect(body?.type === 'section' && body.text?.text).toMatch(/^Ss+ … \(\d,\d{3} more characters\)$/);
    expect(fields?.type === 'section' && fields.fields?.map((f) => f.text).at(-1)).toBe('… 5 more');
    expect(fields?.type === 'section' && fields.fields?.[0]?.text).toMatch(/more characters\)$/);
    expect(ctx?.type === 'context' && ctx.elements).toHaveLength(10);
    expect(buttons?.type === 'actions' && 'text' in buttons.elements[0]! && buttons.elements[0].text.text).toMatch(/^Bb+ … \(\d+ more characters\)$/);
  });

  it('leaves out a button whose value is too long rather than sending a clipped record', () => {
    const blocks = [draft(actions([button('Keep', 'podwhy.rediagnose', 'ok'), button('Drop', 'podwhy.show-logs', 'v'.repeat(2_001))]), 'essential')];

    const message = fitMessage({ text: 'fallback', blocks });

    expect(message.blocks).toEqual([actions([button('Keep', 'podwhy.rediagnose', 'ok')])]);
  });

  it('drops a block_id over 255 characters and blocks left empty', () => {
    const blocks = [draft({ ...section('kept'), block_id: 'b'.repeat(256) }, 'normal'), draft(section(''), 'normal'), draft(actions([]), 'normal')];

    const message = fitMessage({ text: 'fallback', blocks });

    expect(message.blocks).toEqual([section('kept')]);
  });

  it('bounds the fallback text and never leaves it empty', () => {
    expect(fitMessage({ text: 'z'.repeat(10_000), blocks: [] }).text.length).toBeLessThanOrEqual(4_000);
    expect(fitMessage({ text: '', blocks: [] }).text).toBe('podwhy');
  });

  it('does not change the draft it was given', () => {
    const block = section('s'.repeat(4_000));
    const before = structuredClone(block);

    fitMessage({ text: 't', blocks: [draft(block, 'essential')] });

    expect(block).toEqual(before);
  });
});

describe('fitHomeView', () => {
  it('holds at most 100 blocks', () => {
    const view = fitHomeView(sections(150, (i) => `row ${i}`, 'normal'));

    expect(view.type).toBe('home');
    expect(view.blocks).toHaveLength(100);
    expect(blockKitViolations(view, 'view')).toEqual([]);
  });
});
