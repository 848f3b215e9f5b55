/* global document, window, location, history, EventSource, fetch, URL, URLSearchParams */
// The local Slack workspace page (served by src/slack-emulator/workspace-page.ts). No framework, no build step.
// Every string shown comes from the cluster through the app, so it is hostile: the DOM is built with
// createElement and textContent only (never innerHTML), and links are followed only to http(s).
'use strict';

const params = new URLSearchParams(location.search);
const ui = {
  state: null,
  channel: null,
  thread: null,
  /** How many messages of each channel the person has seen (the unread counts). */
  seen: new Map(),
};

// ── DOM helpers ──────────────────────────────────────────────────────────────────────────────────

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const $ = (id) => document.getElementById(id);

// ── mrkdwn → DOM ─────────────────────────────────────────────────────────────────────────────────
// Slack's formatting (https://docs.slack.dev/messaging/formatting-message-text): ```code blocks```, `code`,
// *bold*, _italic_, ~strike~, "> " quotes, <url|label> links, <@U…> mentions, <#C…|name>, <!here>, and
// <!date^…|fallback>; the app escapes &, < and > in its text as &amp; &lt; &gt;, decoded here for display.

const EMOJI = {
  white_check_mark: '✅', information_source: 'ℹ️', warning: '⚠️', rotating_light: '🚨', x: '❌',
  red_circle: '🔴', large_green_circle: '🟢', large_yellow_circle: '🟡', hourglass: '⌛', mag: '🔍', wrench: '🔧',
  zzz: '💤', bell: '🔔', no_bell: '🔕', repeat: '🔁', fire: '🔥', eyes: '👀', lock: '🔒', memo: '📝',
};

function decodeEntities(text) {
  return text.replace(/&(amp|lt|gt);/g, (_, name) => ({ amp: '&', lt: '<', gt: '>' })[name]);
}

function withEmoji(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[name] ?? whole);
}

function safeHref(raw) {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'mailto:' ? url.href : null;
  } catch {
    return null;
  }
}

function personName(id) {
  const person = ui.state?.people.find((p) => p.id === id);
  return person ? person.name : id;
}

/** One `<…>` token: a link, a mention or a date; anything else is shown as it was written. */
function angleToken(inner) {
  const [target, label] = splitOnce(inner, '|');
  if (target.startsWith('@')) return el('span', 'mention', `@${label ?? personName(target.slice(1))}`);
  if (target.startsWith('#')) return el('span', 'mention', `#${label ?? target.slice(1)}`);
  if (target.startsWith('!date^')) return document.createTextNode(decodeEntities(label ?? target));
  if (target.startsWith('!')) return el('span', 'mention', `@${(label ?? target.slice(1)).replace(/^subteam\^\w+$/, 'group')}`);
  const href = safeHref(decodeEntities(target));
  if (!href) return document.createTextNode(decodeEntities(`<${inner}>`));
  const link = el('a', '', decodeEntities(label ?? target));
  link.href = href;
  link.target = '_blank';
  link.rel = 'noopener noreferrer';
  return link;
}

function splitOnce(text, separator) {
  const at = text.indexOf(separator);
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + 1)];
}

// Bold, italic and strike need a non-word character (or nothing) outside and non-space inside, as in Slack,
// so snake_case and 2*3*4 stay text.
const INLINE = /`([^`\n]+)`|<([^<>\n]+)>|(?<![\p{L}\p{N}])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\p{L}\p{N}])|(?<![\p{L}\p{N}])_(?!\s)([^_\n]+?)(?<!\s)_(?![\p{L}\p{N}])|(?<![\p{L}\p{N}])~(?!\s)([^~\n]+?)(?<!\s)~(?![\p{L}\p{N}])/gu;

function appendInline(parent, text) {
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > last) parent.append(withEmoji(decodeEntities(text.slice(last, match.index))));
    const [, code, angle, bold, italic, strike] = match;
    if (code !== undefined) parent.append(el('code', '', decodeEntities(code)));
    else if (angle !== undefined) parent.append(angleToken(angle));
    else {
      const node = el(bold !== undefined ? 'b' : italic !== undefined ? 'i' : 's');
      appendInline(node, bold ?? italic ?? strike);
      parent.append(node);
    }
    last = match.index + match[0].length;
  }
  if (last < text.length) parent.append(withEmoji(decodeEntities(text.slice(last))));
}

function appendLines(parent, text) {
  const lines = text.split('\n');
  let quote = null;
  lines.forEach((line, index) => {
    const quoted = /^&gt;\s?/.exec(line);
    if (quoted) {
      if (!quote) {
        quote = el('blockquote');
        parent.append(quote);
      } else quote.append('\n');
      appendInline(quote, line.slice(quoted[0].length));
      return;
    }
    quote = null;
    appendInline(parent, line);
    if (index < lines.length - 1 && !(lines[index + 1] ?? '').startsWith('&gt;')) parent.append('\n');
  });
}

function mrkdwn(text, className = 'mrkdwn') {
  const root = el('div', className);
  const parts = text.split('```');
  parts.forEach((part, index) => {
    const fenced = index % 2 === 1;
    // A block's own line breaks around the fences are the block's edges, not blank lines.
    if (fenced && index < parts.length - 1) root.append(el('pre', 'code-block', decodeEntities(part.replace(/^\n/, '').replace(/\n$/, ''))));
    else if (fenced) appendLines(root, `\`\`\`${part}`);
    else appendLines(root, part.replace(index > 0 ? /^\n/ : /^$/, '').replace(index < parts.length - 1 ? /\n$/ : /^$/, ''));
  });
  return root;
}

function textObject(object, className = '') {
  if (!object || typeof object.text !== 'string') return el('div', className);
  if (object.type === 'mrkdwn') return mrkdwn(object.text, `mrkdwn ${className}`);
  const text = decodeEntities(object.text);
  return el('div', `mrkdwn ${className}`, object.emoji === false ? text : withEmoji(text));
}

// ── Block Kit → DOM ──────────────────────────────────────────────────────────────────────────────

function renderBlocks(blocks, context) {
  const root = el('div', 'blocks');
  for (const block of blocks) root.append(renderBlock(block, context));
  return root;
}

function renderBlock(block, context) {
  const wrap = el('div', `block bk-${block?.type ?? 'unknown'}`);
  switch (block?.type) {
    case 'header':
      wrap.append(textObject(block.text));
      return wrap;
    case 'section': {
      const main = el('div', 'section-main');
      if (block.text) main.append(textObject(block.text));
      if (Array.isArray(block.fields)) {
        const fields = el('div', 'bk-fields');
        for (const field of block.fields) fields.append(textObject(field, 'bk-field'));
        main.append(fields);
      }
      wrap.append(main);
      if (block.accessory) wrap.append(renderElement(block.accessory, block, context));
      return wrap;
    }
    case 'context':
      for (const element of block.elements ?? []) {
        if (element.type === 'image') wrap.append(el('span', '', element.alt_text ?? ''));
        else wrap.append(textObject(element));
      }
      return wrap;
    case 'divider': {
      return el('hr', 'bk-divider');
    }
    case 'actions':
      for (const element of block.elements ?? []) wrap.append(renderElement(element, block, context));
      return wrap;
    case 'input': {
      const field = el('div', 'bk-input');
      const id = `input-${block.block_id}-${block.element?.action_id}`;
      const label = el('label', '', block.label?.text ?? '');
      label.htmlFor = id;
      const input = el('input');
      input.id = id;
      input.dataset.blockId = block.block_id ?? '';
      input.dataset.actionId = block.element?.action_id ?? '';
      if (block.element?.placeholder?.text) input.placeholder = block.element.placeholder.text;
      field.append(label, input);
      if (block.hint?.text) field.append(el('div', 'hint', block.hint.text));
      return field;
    }
    default:
      return el('div', 'bk-unsupported', "This content can't be displayed.");
  }
}

function renderElement(element, block, context) {
  if (element.type !== 'button') return el('span', 'bk-unsupported', "This content can't be displayed.");
  const button = el('button', `bk-button${element.style === 'primary' ? ' bk-primary' : element.style === 'danger' ? ' bk-danger' : ''}`, element.text?.text ?? '');
  button.type = 'button';
  button.dataset.actionId = element.action_id ?? '';
  button.addEventListener('click', () => {
    const href = element.url ? safeHref(element.url) : null;
    if (href) window.open(href, '_blank', 'noopener');
    if (!context.message) return;
    const send = () => clickButton(button, element, context);
    if (element.confirm) openConfirm(element.confirm, send);
    else send();
  });
  return button;
}

async function clickButton(button, element, context) {
  button.disabled = true;
  try {
    await post('/action', { channel: context.channel, ts: context.message.ts, actionId: element.action_id });
  } finally {
    window.setTimeout(() => (button.disabled = false), 600);
  }
}

// ── Dialogs: a button's confirm, and modals the app opens (views.open) ──────────────────────────

function showDialog({ title, body, confirm, deny, danger, onConfirm, onClose }) {
  $('dialog-title').textContent = title;
  $('dialog-body').replaceChildren(body);
  $('dialog-errors').hidden = true;
  const confirmButton = $('dialog-confirm');
  confirmButton.textContent = confirm;
  confirmButton.className = `bk-button ${danger ? 'bk-danger' : 'bk-primary'}`;
  confirmButton.hidden = !confirm;
  $('dialog-deny').textContent = deny;
  const close = () => {
    $('overlay').hidden = true;
    ui.dialog = null;
    onClose?.();
  };
  ui.dialog = { onConfirm, close };
  $('overlay').hidden = false;
  confirmButton.focus();
}

function openConfirm(confirm, onConfirm) {
  showDialog({
    title: confirm.title?.text ?? 'Are you sure?',
    body: textObject(confirm.text),
    confirm: confirm.confirm?.text ?? 'Yes',
    deny: confirm.deny?.text ?? 'Cancel',
    danger: confirm.style === 'danger',
    onConfirm: () => {
      ui.dialog.close();
      onConfirm();
    },
  });
}

function openModal(modal) {
  if (ui.dialog?.viewId === modal.id) return;
  const { view } = modal;
  showDialog({
    title: view.title?.text ?? '',
    body: renderBlocks(view.blocks ?? [], { channel: null, message: null }),
    confirm: view.submit?.text ?? '',
    deny: view.close?.text ?? 'Cancel',
    danger: false,
    onConfirm: async () => {
      const values = {};
      for (const input of $('dialog-body').querySelectorAll('input[data-block-id]')) {
        values[input.dataset.blockId] = { ...(values[input.dataset.blockId] ?? {}), [input.dataset.actionId]: input.value };
      }
      const answer = await post('/submit', { viewId: modal.id, values });
      if (answer.errors) {
        $('dialog-errors').textContent = Object.values(answer.errors).join(' ');
        $('dialog-errors').hidden = false;
      } else ui.dialog?.close();
    },
    onClose: () => void post('/close-view', { viewId: modal.id }),
  });
  ui.dialog.viewId = modal.id;
}

// ── Messages ─────────────────────────────────────────────────────────────────────────────────────

function timeOf(ts) {
  return new Date(Number(ts) * 1000).toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
}

function authorOf(message) {
  const person = ui.state.people.find((p) => p.id === message.user);
  return { name: person?.isBot !== false ? (person?.name ?? 'podwhy') : person.realName, isBot: person?.isBot !== false };
}

function renderMessage(message, channelId, options = {}) {
  const node = el('div', `message${message.ephemeral ? ' ephemeral' : ''}`);
  node.dataset.ts = message.ts;
  const author = authorOf(message);
  const avatar = el('div', `avatar${author.isBot ? '' : ' person'}`, author.name.slice(0, 1).toUpperCase());
  const body = el('div', 'message-body');
  if (message.ephemeral) body.append(el('div', 'only-you', '👁 Only visible to you'));
  const meta = el('div', 'message-meta');
  meta.append(el('span', 'author', author.name));
  if (author.isBot) meta.append(el('span', 'badge', 'APP'));
  meta.append(el('span', 'time', timeOf(message.ts)));
  body.append(meta);
  const context = { channel: channelId, message };
  if (Array.isArray(message.blocks) && message.blocks.length > 0) body.append(renderBlocks(message.blocks, context));
  else body.append(mrkdwn(message.text));
  if (message.edited) body.lastChild.append(el('span', 'edited', '(edited)'));
  if (options.replies?.length) {
    const link = el('button', 'replies');
    link.type = 'button';
    link.append(el('span', 'avatar mini-avatar', 'P'), el('span', '', `${options.replies.length} ${options.replies.length === 1 ? 'reply' : 'replies'}`), el('span', 'last-reply', `Last reply ${timeOf(options.replies.at(-1).ts)}`));
    link.addEventListener('click', () => openThread(message.ts));
    body.append(link);
  }
  node.append(avatar, body);
  return node;
}

/**
 * The node of a message unchanged since the last render is kept (not rebuilt), so a stream of edits elsewhere
 * leaves a selection, a hover or a pressed button alone. One cache per pane: a node sits in one place only.
 */
const rendered = { channel: new Map(), thread: new Map() };

function cachedMessage(pane, message, channelId, options = {}) {
  const key = `${channelId}:${message.ts}`;
  const signature = `${JSON.stringify(message)}|${options.replies?.length ?? 0}|${options.replies?.at(-1)?.ts ?? ''}|${ui.state.me.id}`;
  const hit = rendered[pane].get(key);
  if (hit?.signature === signature) return hit.node;
  const node = renderMessage(message, channelId, options);
  rendered[pane].set(key, { signature, node });
  return node;
}

function repliesOf(messages, ts) {
  return messages.filter((m) => m.threadTs === ts && m.ts !== ts);
}

// ── Rendering the whole page from the state ─────────────────────────────────────────────────────

function keepScroll(list, fill) {
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
  const top = list.scrollTop;
  fill();
  list.scrollTop = atBottom ? list.scrollHeight : top;
}

function render() {
  const { state } = ui;
  if (!state) return;
  $('team-name').textContent = state.team.name;
  if (!ui.channel || !state.channels.some((c) => c.id === ui.channel)) ui.channel = state.defaultChannel;
  const channel = state.channels.find((c) => c.id === ui.channel);
  const messages = state.messages[ui.channel] ?? [];
  ui.seen.set(ui.channel, topLevel(messages).length);

  const list = $('channels');
  list.replaceChildren(
    ...state.channels.filter((c) => c.kind !== 'im').map((c) => {
      const item = el('li');
      const link = el('a');
      link.href = `#${c.id}`;
      link.dataset.channel = c.id;
      const unread = topLevel(state.messages[c.id] ?? []).length - (ui.seen.get(c.id) ?? 0);
      if (c.id === ui.channel) link.classList.add('active');
      else if (unread > 0) link.classList.add('unread');
      link.append(el('span', 'hash', c.kind === 'private' ? '🔒' : '#'), el('span', 'name', c.name));
      if (c.id !== ui.channel && unread > 0) link.append(el('span', 'count', String(unread)));
      item.append(link);
      return item;
    }),
  );

  const select = $('user-select');
  if (select.options.length === 0) {
    for (const person of state.people.filter((p) => !p.isBot)) {
      const option = el('option', '', `${person.realName} (@${person.name})`);
      option.value = person.id;
      select.append(option);
    }
  }
  select.value = state.me.id;

  $('channel-title').textContent = `${channel?.kind === 'private' ? '🔒 ' : '# '}${channel?.name ?? ''}`;
  $('channel-note').textContent = channel && !channel.isBotMember ? 'podwhy is not in this channel' : '';
  $('composer-input').placeholder = `Message ${channel?.kind === 'private' ? '🔒' : '#'}${channel?.name ?? ''}`;
  const view = $('messages');
  keepScroll(view, () => {
    const top = topLevel(messages);
    view.replaceChildren(...(top.length === 0 ? [el('div', 'empty', 'No messages yet. podwhy posts here when a Pod breaks.')] : top.map((m) => cachedMessage('channel', m, ui.channel, { replies: repliesOf(messages, m.ts).filter((r) => !r.ephemeral) }))));
  });
  renderThread();
  if (state.modal) openModal(state.modal);
}

function topLevel(messages) {
  return messages.filter((m) => m.threadTs === undefined || m.threadTs === m.ts);
}

function renderThread() {
  const pane = $('thread');
  const messages = ui.state.messages[ui.channel] ?? [];
  const parent = ui.thread ? messages.find((m) => m.ts === ui.thread) : undefined;
  if (!parent) {
    pane.hidden = true;
    return;
  }
  pane.hidden = false;
  const channel = ui.state.channels.find((c) => c.id === ui.channel);
  $('thread-channel').textContent = `${channel?.kind === 'private' ? '🔒' : '#'}${channel?.name ?? ''}`;
  const replies = repliesOf(messages, parent.ts);
  const view = $('thread-messages');
  keepScroll(view, () => {
    const head = cachedMessage('thread', parent, ui.channel);
    head.classList.add('thread-parent');
    const count = replies.filter((r) => !r.ephemeral).length;
    view.replaceChildren(head, el('div', 'reply-count', `${count} ${count === 1 ? 'reply' : 'replies'}`), ...replies.map((m) => cachedMessage('thread', m, ui.channel)));
  });
}

function openThread(ts) {
  ui.thread = ts;
  renderThread();
  $('thread-messages').scrollTop = $('thread-messages').scrollHeight;
}

function selectChannel(id) {
  if (ui.channel !== id) ui.thread = null;
  ui.channel = id;
  render();
  $('messages').scrollTop = $('messages').scrollHeight;
}

// ── Talking to the page server ───────────────────────────────────────────────────────────────────

async function post(path, body) {
  const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, user: ui.state?.me.id }) });
  return response.json();
}

function connect() {
  const user = params.get('user');
  const source = new EventSource(`/events${user ? `?user=${encodeURIComponent(user)}` : ''}`);
  source.addEventListener('state', (event) => {
    ui.state = JSON.parse(event.data);
    document.body.dataset.ready = 'true';
    render();
  });
}

function start() {
  ui.channel = location.hash.slice(1) || null;
  window.addEventListener('hashchange', () => selectChannel(location.hash.slice(1)));
  $('thread-close').addEventListener('click', () => {
    ui.thread = null;
    renderThread();
  });
  $('dialog-deny').addEventListener('click', () => ui.dialog?.close());
  $('dialog-close').addEventListener('click', () => ui.dialog?.close());
  $('dialog-confirm').addEventListener('click', () => ui.dialog?.onConfirm());
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') ui.dialog?.close();
  });
  $('user-select').addEventListener('change', (event) => {
    params.set('user', event.target.value);
    history.replaceState(null, '', `?${params}${location.hash}`);
    window.location.reload();
  });
  $('composer').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = $('composer-input');
    const text = input.value.trim();
    const hint = $('composer-hint');
    if (text === '') return;
    if (!text.startsWith('/')) {
      hint.textContent = 'Only slash commands reach podwhy in this workspace: try /pod why <pod> -n <namespace>.';
      hint.classList.add('error');
      return;
    }
    hint.classList.remove('error');
    input.value = '';
    await post('/command', { channel: ui.channel, text });
  });
  connect();
}

start();
