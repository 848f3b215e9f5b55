import { describe, expect, it } from 'vitest';
import {
  BACKTICK_LOOKALIKE,
  channelMention,
  clipMrkdwn,
  codeBlock,
  escapeMrkdwn,
  inlineCode,
  mrkdwnLink,
  mrkdwnProse,
  plainText,
  sanitize,
  slackDate,
  userMention,
} from '../../../src/slack/render/escape.ts';
import { DISGUISED_LINK, INVISIBLES, MENTIONS } from './hostile.ts';

describe('escapeMrkdwn', () => {
  it.each([...MENTIONS, DISGUISED_LINK])('makes %s inert by escaping &, < and >', (markup) => {
    const escaped = escapeMrkdwn(`see ${markup} & more`);

    expect(escaped).not.toMatch(/[<>]/);
    expect(escaped).toBe(`see ${markup.replace(/</g, '&lt;').replace(/>/g, '&gt;')} &amp; more`);
  });

  it('escapes only &, < and >, not the whole text as HTML', () => {
    expect(escapeMrkdwn(`"quotes" 'apostrophes' é ü 日本`)).toBe(`"quotes" 'apostrophes' é ü 日本`);
  });

  it('removes zero-width, bidi-override, tag and control characters', () => {
    expect(escapeMrkdwn(INVISIBLES)).toBe('abcdefghijk[2Jlm n');
  });

  it('turns line breaks into spaces unless the text may span lines', () => {
    expect(sanitize('a\r\nb\nc\u2028d')).toBe('a b c d');
    expect(sanitize('a\r\nb\nc\u2028d', { multiline: true })).toBe('a\nb\nc\nd');
  });

  it('replaces a lone surrogate, which Slack could not store, with U+FFFD', () => {
    expect(sanitize('a\uD800b')).toBe('a\uFFFDb');
  });
});

describe('inlineCode', () => {
  it('wraps a cluster string in a code span whose backticks cannot end it', () => {
    const code = inlineCode('web`<!channel>`-1', 100);

    expect(code).toBe(`\`web${BACKTICK_LOOKALIKE}&lt;!channel&gt;${BACKTICK_LOOKALIKE}-1\``);
    expect(code.match(/`/g)).toHaveLength(2);
  });

  it('clips a 50 KB string to its budget and says how much it left out', () => {
    const code = inlineCode('x'.repeat(50_000), 200);

    expect(code.length).toBeLessThanOrEqual(200);
    expect(code).toMatch(/^`x+… \(49,\d{3} more characters\)`$/);
  });

  it('shows an empty string as "(empty)" rather than an empty span', () => {
    expect(inlineCode('  ', 20)).toBe('_(empty)_');
  });
});

describe('clipping', () => {
  it('never cuts a surrogate pair in half', () => {
    const emoji = '😀'.repeat(100);

    const clipped = plainText(emoji, 60);

    expect(clipped.length).toBeLessThanOrEqual(60);
    expect(clipped.toWellFormed()).toBe(clipped);
    expect(clipped).toMatch(/^(😀)+… \(\d+ more characters\)$/);
  });

  it('never cuts an escape entity in half, and counts the characters of the original text', () => {
    const clipped = plainText('&'.repeat(1_000), 100);

    const [, entities = '', omitted = ''] = /^((?:&amp;)+)… \((\d+) more characters\)$/.exec(clipped) ?? [];
    expect(entities.length / '&amp;'.length + Number(omitted)).toBe(1_000);
  });

  it('leaves text that fits untouched', () => {
    expect(plainText('web-1', 10)).toBe('web-1');
  });

  it('clips mrkdwn after rendering without opening a link, splitting an entity or leaving a code block open', () => {
    const text = `intro <https://example.com/a|a link> &amp; more\n\`\`\`\n${'line\n'.repeat(200)}\`\`\``;

    const clipped = clipMrkdwn(text, 300);

    expect(clipped.length).toBeLessThanOrEqual(300);
    expect((clipped.match(/```/g) ?? []).length % 2).toBe(0);
    expect(clipped).toMatch(/… \(\d+ more characters\)\n```$/);
    const cutInLink = clipMrkdwn(`abc <https://example.com/x|label> ${'tail '.repeat(20)}`, 40);
    expect(cutInLink).toMatch(/^abc +… \(\d+ more characters\)$/);
  });
});

describe('mrkdwnProse', () => {
  it('keeps balanced code spans the engine writes', () => {
    expect(mrkdwnProse('use `docker create` + `docker export`', 100)).toBe('use `docker create` + `docker export`');
  });

  it('neutralises a code fence or an unpaired backtick, which would swallow what follows', () => {
    expect(mrkdwnProse('a ``` b', 100)).toBe(`a ${BACKTICK_LOOKALIKE.repeat(3)} b`);
    expect(mrkdwnProse('a ` b', 100)).toBe(`a ${BACKTICK_LOOKALIKE} b`);
  });
});

describe('codeBlock', () => {
  it('keeps the end of 500 log lines, each escaped, and says how many lines it left out', () => {
    const lines = Array.from({ length: 500 }, (_, i) => `line ${i} <!channel>`);

    const block = codeBlock(lines, { maxLines: 20, maxLineChars: 300, maxChars: 2_600, keep: 'tail' });

    expect(block.startsWith('```\n… 480 more lines\n')).toBe(true);
    expect(block).toContain('line 499 &lt;!channel&gt;');
    expect(block).not.toContain('line 479 ');
    expect(block.endsWith('\n```')).toBe(true);
  });

  it('keeps the head of a command and its line breaks', () => {
    const block = codeBlock(['kubectl apply -f - <<EOF\napiVersion: v1\nkind: Pod\nEOF'], { maxLines: 25, maxLineChars: 500, maxChars: 1_500, keep: 'head' });

    expect(block).toBe('```\nkubectl apply -f - &lt;&lt;EOF\napiVersion: v1\nkind: Pod\nEOF\n```');
  });

  it('cannot be closed early by a fence inside a line', () => {
    const block = codeBlock(['echo ```', '```', 'after'], { maxLines: 10, maxLineChars: 100, maxChars: 500, keep: 'head' });

    expect(block.match(/```/g)).toHaveLength(2);
    expect(block).toContain(`echo ${BACKTICK_LOOKALIKE.repeat(3)}`);
  });

  it('fits its character budget even when one line is 50 KB', () => {
    const block = codeBlock(['y'.repeat(50_000)], { maxLines: 10, maxLineChars: 300, maxChars: 250, keep: 'tail' });

    expect(block.length).toBeLessThanOrEqual(250);
    expect(block).toMatch(/… \(\d{2},\d{3} more characters\)\n```$/);
  });
});

describe('links and mentions podwhy writes itself', () => {
  it('links only https URLs that cannot break out of the link', () => {
    expect(mrkdwnLink('https://kubernetes.io/docs/a?b=1&c=2', 'Docs')).toBe('<https://kubernetes.io/docs/a?b=1&amp;c=2|Docs>');
    expect(mrkdwnLink('javascript:alert(1)', 'Docs')).toBe('`javascript:alert(1)`');
    expect(mrkdwnLink('http://plain.example', 'Docs')).toBe('`http://plain.example`');
    expect(mrkdwnLink('https://x.example/a|<!channel>', 'Docs')).toBe('`https://x.example/a|&lt;!channel&gt;`');
  });

  it('escapes the label of a link', () => {
    expect(mrkdwnLink('https://x.example', '<!here>')).toBe('<https://x.example|&lt;!here&gt;>');
  });

  it('mentions only well-formed user and channel ids', () => {
    expect(userMention('U0123ABC')).toBe('<@U0123ABC>');
    expect(userMention('<!channel>')).toBe('`&lt;!channel&gt;`');
    expect(channelMention('C0ALERTS')).toBe('<#C0ALERTS>');
    expect(channelMention('C1|x>')).toBe('`C1|x&gt;`');
  });

  it('writes times as Slack date tokens with a UTC fallback', () => {
    expect(slackDate(Date.parse('2026-11-20T12:00:30Z'))).toBe('<!date^1795176030^{date_short_pretty} {time}|2026-11-20 12:00 UTC>');
    expect(slackDate(Number.NaN)).toBe('unknown time');
    expect(slackDate(1e20)).toBe('unknown time');
  });
});
