/**
 * The one rule for text that reaches Slack from anywhere we do not control (Pod names, labels, Event
 * messages, log lines, error messages). Pure.
 *
 * Slack treats `&`, `<` and `>` as control characters in mrkdwn: `<!channel>`, `<@U123>` and
 * `<http://x|y>` are a mention, a ping and a disguised link. Escaping exactly those three as `&amp;`,
 * `&lt;`, `&gt;` is Slack's own rule ("You shouldn't HTML entity-encode the entire text", see
 * https://api.slack.com/reference/surfaces/formatting#escaping), so it is applied to every string a
 * renderer interpolates, in mrkdwn and plain_text alike, and to the notification fallback. Renderers
 * never set `link_names`, and every mrkdwn object carries `verbatim: true` (blocks.ts), so a bare
 * `@here` or `#channel` in cluster text stays text as well.
 *
 * Formatting: Slack has no escape character for `*`, `_`, `~` or a backtick. Cluster strings are
 * therefore shown inside code (a code span or a code block), where Slack applies no formatting; the
 * only character that can break out of code is the backtick itself, which becomes a look-alike
 * (U+02CB MODIFIER LETTER GRAVE ACCENT, as jsx-slack's <Escape> does). Prose (summaries, advice) keeps
 * the engine's own balanced `code` spans but can never open a code block.
 *
 * Invisible characters are removed, not replaced: C0/C1 controls (a terminal escape sequence in an
 * Event message), the bidirectional overrides and isolates that reorder what a reader sees
 * (CVE-2021-42574, "Trojan Source"), zero-width characters that hide text or split a keyword, and the
 * Unicode tag block that carries invisible ASCII.
 *
 * Clipping keeps the start (or, for log tails, the end), never cuts a surrogate pair or an entity, and
 * always says what it left out: "… (12,345 more characters)", "… 38 more lines".
 */

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
/**
 * Bidi marks, embeddings, overrides and isolates (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069);
 * zero-width and invisible format characters (U+00AD soft hyphen, U+034F, U+115F/U+1160, U+17B4/5,
 * U+180B–U+180F, U+200B–U+200D, U+2060–U+2064, U+206A–U+206F, U+3164, U+FEFF, U+FFA0, U+FFF9–U+FFFB);
 * the tag block U+E0000–U+E007F.
 */
const INVISIBLE_CHARACTERS =
  // eslint-disable-next-line no-misleading-character-class -- U+034F and U+180B–U+180F are listed to be removed one by one, not read as combined sequences
  /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\u3164\uFEFF\uFFA0\uFFF9-\uFFFB]|\u{E0000}|[\u{E0001}-\u{E007F}]/gu;
const LINE_BREAKS = /\r\n|[\n\r\u0085\u2028\u2029]/g;
const BACKTICK = /`/g;
/** What a backtick inside code becomes: it looks the same and cannot close the span or the block. */
export const BACKTICK_LOOKALIKE = '\u02CB';

const COUNT_FORMAT = new Intl.NumberFormat('en-US');

/** 12345 → "12,345" (a fixed locale: renderers are pure, whatever the host's locale). */
export function formatCount(count: number): string {
  return COUNT_FORMAT.format(count);
}

/**
 * Removes controls and invisible characters and makes the string well-formed UTF-16 (a lone surrogate
 * becomes U+FFFD). Line breaks become `\n`, or a space when `multiline` is false; a tab becomes a space.
 */
export function sanitize(text: string, options: { multiline?: boolean } = {}): string {
  const breaks = options.multiline ? '\n' : ' ';
  return text
    .toWellFormed()
    .replace(LINE_BREAKS, breaks)
    .replace(/\t/g, ' ')
    .replace(CONTROL_CHARACTERS, '')
    .replace(INVISIBLE_CHARACTERS, '');
}

/** Slack's escaping of `&`, `<`, `>`: the one rule, applied after sanitize(). */
export function escapeMrkdwn(text: string, options: { multiline?: boolean } = {}): string {
  return escapeControlCharacters(sanitize(text, options));
}

function escapeControlCharacters(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeCodePoint(char: string): string {
  if (char === '&') return '&amp;';
  if (char === '<') return '&lt;';
  if (char === '>') return '&gt;';
  return char;
}

/**
 * Escapes `text` (already sanitized) and clips the result to `max` characters including the marker,
 * walking code points only as far as the budget: code points are never split, nor are entities.
 */
function escapeAndClip(text: string, max: number): string {
  const escaped = escapeControlCharacters(text);
  if (escaped.length <= max) return escaped;
  const total = text.length - (text.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g)?.length ?? 0);
  const budget = max - characterMarker(total).length;
  if (budget <= 0) return clipMarkerToFit(characterMarker(total), max);
  const kept: string[] = [];
  let used = 0;
  for (const char of text) {
    const unit = escapeCodePoint(char);
    if (used + unit.length > budget) break;
    kept.push(unit);
    used += unit.length;
  }
  return kept.join('') + characterMarker(total - kept.length);
}

/** The visible marker for clipped characters, counted in code points of the original text. */
export function characterMarker(omitted: number): string {
  return `… (${formatCount(omitted)} more characters)`;
}

/** The visible marker for clipped lines. */
export function lineMarker(omitted: number): string {
  return `… ${formatCount(omitted)} more ${omitted === 1 ? 'line' : 'lines'}`;
}

function clipMarkerToFit(marker: string, max: number): string {
  return max <= 0 ? '' : marker.slice(0, max);
}

/**
 * One line of prose for mrkdwn (a summary, a piece of advice, an error message): escaped, at most
 * `max` characters. Balanced `code` spans survive (the engine writes them on purpose); a code fence or
 * an unpaired backtick, which would swallow what follows, becomes the look-alike.
 */
export function mrkdwnProse(text: string, max: number): string {
  const line = sanitize(text);
  const backticks = line.match(BACKTICK)?.length ?? 0;
  const neutral = line.includes('```') || backticks % 2 === 1 ? line.replace(BACKTICK, BACKTICK_LOOKALIKE) : line;
  return escapeAndClip(neutral, max);
}

/**
 * A cluster string as an inline code span, `like-this`: one line, escaped, its backticks replaced, at
 * most `max` characters including the two backticks. Slack formats nothing inside a code span.
 */
export function inlineCode(text: string, max: number): string {
  const line = sanitize(text).replace(BACKTICK, BACKTICK_LOOKALIKE);
  if (line.trim() === '') return '_(empty)_';
  return `\`${escapeAndClip(line, Math.max(1, max - 2))}\``;
}

/** A string for a plain_text object or the notification fallback: one line, escaped, at most `max` characters. */
export function plainText(text: string, max: number): string {
  return escapeAndClip(sanitize(text), max);
}

export interface CodeBlockOptions {
  /** The most lines shown; the rest is counted in a marker line. */
  maxLines: number;
  /** The longest any one line may be (escaped), marker included. */
  maxLineChars: number;
  /** The most characters of the whole block, fences and markers included. */
  maxChars: number;
  /** Which end to keep when lines must go: 'head' for commands, 'tail' for logs (the end of a log matters). */
  keep: 'head' | 'tail';
}

/**
 * Lines as a ``` code block: each line sanitized, escaped and clipped, backticks replaced (so no line
 * can close the block), the block bounded in lines and characters with a visible marker line.
 * Multi-line input keeps its line breaks.
 */
export function codeBlock(lines: readonly string[], options: CodeBlockOptions): string {
  const split = lines.flatMap((line) => sanitize(line, { multiline: true }).split('\n'));
  const all = split.length > 0 ? split : ['(no lines)'];
  const toShow = (line: string) => escapeAndClip(line.replace(BACKTICK, BACKTICK_LOOKALIKE), options.maxLineChars) || ' ';
  const fences = '```\n'.length + '\n```'.length;
  const markerRoom = lineMarker(all.length).length + 1;
  const maxLines = Math.max(1, options.maxLines);
  let shown = options.keep === 'head' ? all.slice(0, maxLines) : all.slice(-maxLines);
  let body = shown.map(toShow);
  const size = () => body.reduce((sum, line) => sum + line.length + 1, 0) + fences + (shown.length < all.length ? markerRoom : 0);
  while (body.length > 1 && size() > options.maxChars) {
    if (options.keep === 'head') {
      body = body.slice(0, -1);
      shown = shown.slice(0, -1);
    } else {
      body = body.slice(1);
      shown = shown.slice(1);
    }
  }
  if (body.length === 1 && size() > options.maxChars) {
    const room = Math.max(1, options.maxChars - fences - (shown.length < all.length ? markerRoom : 0));
    body = [escapeAndClip((shown[0] ?? '').replace(BACKTICK, BACKTICK_LOOKALIKE), room)];
  }
  const omitted = all.length - shown.length;
  const withMarker = omitted === 0 ? body : options.keep === 'head' ? [...body, lineMarker(omitted)] : [lineMarker(omitted), ...body];
  return `\`\`\`\n${withMarker.join('\n')}\n\`\`\``;
}

/**
 * Clips text that is already mrkdwn (escaped by the functions above) to `max` characters for the final
 * guard: cuts before an entity or surrogate pair, not inside it, closes a code block left open and
 * says how much it left out.
 */
export function clipMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  const closing = '\n```';
  const marker = characterMarker(text.length);
  let end = Math.max(0, max - marker.length - closing.length - 1);
  if (/[\uD800-\uDBFF]/.test(text[end - 1] ?? '')) end -= 1;
  const entityStart = text.lastIndexOf('&', end - 1);
  if (entityStart >= 0 && entityStart >= end - 5 && !text.slice(entityStart, end).includes(';')) end = entityStart;
  // Escaped text has no '<' of its own: one is a link, mention or date token we wrote; never cut one open.
  const linkStart = text.lastIndexOf('<', end - 1);
  const linkEnd = linkStart >= 0 ? text.indexOf('>', linkStart) : -1;
  if (linkStart >= 0 && (linkEnd === -1 || linkEnd >= end)) end = linkStart;
  let kept = text.slice(0, end);
  const openFence = (kept.match(/```/g)?.length ?? 0) % 2 === 1;
  const omitted = Array.from(text.slice(end)).length;
  kept = `${kept}${openFence ? '\n' : ' '}${characterMarker(omitted)}${openFence ? closing : ''}`;
  return kept.length <= max ? kept : clipMarkerToFit(kept, max);
}

/** Slack user ids look like U0123ABCD (or W… on Enterprise Grid); anything else is shown as text. */
const USER_ID = /^[UW][A-Z0-9]{2,20}$/;
/** Channel ids: C… (public), G… (private, legacy), D… (direct message). */
const CHANNEL_ID = /^[CGD][A-Z0-9]{2,20}$/;

/** A mention of a Slack user by id (`<@U123>`): only for a well-formed id, else the escaped text. */
export function userMention(userId: string): string {
  return USER_ID.test(userId) ? `<@${userId}>` : inlineCode(userId, 40);
}

/** A link to a channel by id (`<#C123>`, Slack shows its name): only for a well-formed id. */
export function channelMention(channelId: string): string {
  return CHANNEL_ID.test(channelId) ? `<#${channelId}>` : inlineCode(channelId, 40);
}

/**
 * A link we write ourselves (a thread permalink, a docs page): only https URLs without whitespace,
 * `<`, `>` or `|`, which could end the link early; `&` is escaped as Slack asks. Anything else is
 * shown as code, never as a link.
 */
export function mrkdwnLink(url: string, label: string, maxLabel = 75): string {
  const safe = /^https:\/\/[^\s<>|`]+$/.test(url) && url.length <= 3_000;
  return safe ? `<${url.replace(/&/g, '&amp;')}|${plainText(label, maxLabel)}>` : inlineCode(url, 200);
}

/**
 * A time in the reader's own time zone: Slack's date token `<!date^seconds^{format}|fallback>` (see
 * https://api.slack.com/reference/surfaces/formatting#date-formatting); the fallback is UTC.
 */
export function slackDate(epochMs: number): string {
  // Date's range is ±8.64e15 ms; beyond it toISOString() throws.
  if (!Number.isFinite(epochMs) || Math.abs(epochMs) > 8.64e15) return 'unknown time';
  const seconds = Math.floor(epochMs / 1000);
  const fallback = `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${seconds}^{date_short_pretty} {time}|${fallback}>`;
}
