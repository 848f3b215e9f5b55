/**
 * Slack's payload limits for messages and views, checked the way Slack answers them: the first
 * broken rule family becomes Slack's error code, every broken rule becomes one
 * `<reason> [json-pointer:<path>]` line in `errors` and `response_metadata.messages` ("[ERROR] …").
 * Pure: payload in, verdict out.
 *
 * Sources for the numbers (see each constant):
 * - [TYPES] @slack/types 3.2 TSDoc (node_modules/@slack/types/dist/block-kit/*.d.ts, views.d.ts), which
 *   mirrors https://docs.slack.dev/reference/block-kit/blocks and …/composition-objects.
 * - [PM] https://docs.slack.dev/reference/methods/chat.postMessage (4,000 recommended, 40,000 truncation,
 *   `msg_too_long`, `no_text`, `invalid_blocks`, `invalid_blocks_format`, `invalid_metadata_format`,
 *   `invalid_metadata_schema`, `link_names`).
 * - [2509] https://github.com/slackapi/bolt-js/issues/2509: `msg_blocks_too_long` at ~13,297 characters
 *   of blocks, below every documented per-block limit.
 * - Error wording and pointers as Slack sends them, quoted in public code: "must be less than 3001
 *   characters [json-pointer:/blocks/0/text/text]", "no more than 50 items allowed [json-pointer:/blocks]",
 *   "no more than 100 items allowed [json-pointer:/view/blocks]" (grafana/oncall#210), views answering
 *   `invalid_arguments` with "[ERROR] must be less than 76 characters [json-pointer:/view/blocks/1/…]".
 *
 * Where Slack's rule is unpublished the emulator is stricter than Slack, on purpose: a payload it
 * accepts must be one Slack accepts. Lengths are UTF-16 code units (JS `length`), which counts an emoji
 * as 2 and so never undercounts.
 */

export const BLOCK_KIT_LIMITS = {
  /** [PM]/[TYPES] blocks.d.ts: "Blocks per message" 50; views.d.ts: "Max of 100 blocks" in modals and Home tabs. */
  messageBlocks: 50,
  viewBlocks: 100,
  /** [TYPES] SectionBlock.text: "minimum length … is 1 and maximum length is 3000 characters". */
  sectionText: 3_000,
  /** [TYPES] SectionBlock.fields: "Maximum number of items is 10 … each item is 2000 characters". */
  sectionFields: 10,
  sectionFieldText: 2_000,
  /** [TYPES] HeaderBlock.text: 150. */
  headerText: 150,
  /** [TYPES] ContextBlock.elements: "Maximum number of items is 10". */
  contextElements: 10,
  /** [TYPES] ActionsBlock.elements: "a maximum of 25 elements". */
  actionsElements: 25,
  /** [TYPES] Button: text 75, value 2000, url 3000, accessibility_label 75. */
  buttonText: 75,
  buttonValue: 2_000,
  buttonUrl: 3_000,
  accessibilityLabel: 75,
  /** [TYPES] Actionable.action_id and Block.block_id: 255. */
  actionId: 255,
  blockId: 255,
  /** [TYPES] ConfirmationDialog: title 100, text 300, confirm/deny 30. */
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  /** [TYPES] MarkdownBlock.text: "Limit 12,000 characters max." */
  markdownText: 12_000,
  /** [TYPES] ImageBlock alt_text and title: 2000. */
  imageAltText: 2_000,
  /** [TYPES] Option text 75, value 150 is not podwhy's concern; options ≤ 100 per select. */
  optionText: 75,
  selectOptions: 100,
  /** [TYPES] InputBlock label/hint: 2000. */
  inputLabel: 2_000,
  /** [TYPES] views.d.ts: private_metadata 3000, callback_id 255, modal title/submit/close 24. */
  viewPrivateMetadata: 3_000,
  viewCallbackId: 255,
  modalTitle: 24,
  modalButton: 24,
  /** [PM] Slack truncates `text` above 40,000 (warning `message_truncated`); the emulator refuses with `msg_too_long`. */
  messageText: 40_000,
  /** [PM] "For best results, limit the number of characters in the text field to 4,000" — recorded as a violation. */
  recommendedMessageText: 4_000,
  /**
   * [2509] Sum of every `text` in a message's blocks. Slack refused ~13,297 characters of markdown blocks
   * with `msg_blocks_too_long`; 12,000 keeps a margin under the measured edge.
   */
  blocksTextTotal: 12_000,
} as const;

export type BlockKitLimits = { -readonly [K in keyof typeof BLOCK_KIT_LIMITS]: number };

/** Where a payload is shown: messages answer `invalid_blocks`, views answer `invalid_arguments` ([PM], oncall#210). */
export type Surface = 'message' | 'view';

/** One broken rule, with Slack's JSON pointer to the offending value. */
export interface BlockProblem {
  reason: string;
  pointer: string;
}

/** Something Slack would accept but podwhy must never send (tests assert on these; Slack stays silent). */
export type ViolationKind =
  | 'link-names' // [PM] link_names=true turns plain @name / #channel text into live mentions.
  | 'broadcast-mention' // <!channel>, <!here>, <!everyone>, <!subteam^…>: notify everyone.
  | 'user-mention' // <@U…>: notifies that person.
  | 'text-over-recommended-length' // [PM] text > 4,000.
  | 'missing-fallback-text'; // [PM] blocks without `text`: Slack "highly recommended" including it.

export interface PayloadViolation {
  kind: ViolationKind;
  detail: string;
  pointer: string;
}

/** Slack's error answer: `error` plus, for schema problems, the per-rule lines. */
export interface SlackApiError {
  error: string;
  problems?: BlockProblem[];
}

export type PayloadVerdict =
  | { ok: true; violations: PayloadViolation[] }
  | { ok: false; failure: SlackApiError; violations: PayloadViolation[] };

/** The body Slack sends for an error: `{ ok:false, error, errors?, response_metadata.messages? }`. */
export function slackErrorBody(failure: SlackApiError): Record<string, unknown> {
  const body: Record<string, unknown> = { ok: false, error: failure.error };
  if (failure.problems && failure.problems.length > 0) {
    const lines = failure.problems.map((p) => `${p.reason} [json-pointer:${p.pointer}]`);
    body['errors'] = lines;
    body['response_metadata'] = { messages: lines.map((line) => `[ERROR] ${line}`) };
  }
  return body;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Block types @slack/types 3.2 knows (blocks.d.ts); anything else is "unsupported type", as Slack answers. */
const KNOWN_BLOCK_TYPES = new Set([
  'actions', 'alert', 'card', 'carousel', 'container', 'context', 'context_actions', 'data_table', 'divider', 'file',
  'header', 'image', 'input', 'markdown', 'plan', 'rich_text', 'section', 'table', 'task_card', 'video',
]);

/** Checks one Block Kit list, collecting every problem in document order. */
export function findBlockProblems(blocks: unknown, pointer: string, surface: Surface, limits: BlockKitLimits = BLOCK_KIT_LIMITS): BlockProblem[] {
  const problems: BlockProblem[] = [];
  if (!Array.isArray(blocks)) {
    problems.push({ reason: 'must provide an array', pointer });
    return problems;
  }
  const max = surface === 'message' ? limits.messageBlocks : limits.viewBlocks;
  if (blocks.length > max) problems.push({ reason: `no more than ${max} items allowed`, pointer });
  blocks.forEach((block, index) => checkBlock(block, `${pointer}/${index}`, limits, problems));
  return problems;
}

function tooLong(value: string, max: number, pointer: string, problems: BlockProblem[]): void {
  if (value.length > max) problems.push({ reason: `must be less than ${max + 1} characters`, pointer });
}

function optionalString(holder: Json, key: string, max: number, pointer: string, problems: BlockProblem[]): void {
  const value = holder[key];
  if (value === undefined) return;
  if (typeof value !== 'string') problems.push({ reason: 'must be a string', pointer: `${pointer}/${key}` });
  else tooLong(value, max, `${pointer}/${key}`, problems);
}

interface TextRule {
  max: number;
  plainTextOnly?: boolean;
  required?: boolean;
}

/** A composition text object: `{ type: 'plain_text' | 'mrkdwn', text }` (emoji only on plain_text, verbatim only on mrkdwn). */
function checkText(value: unknown, pointer: string, rule: TextRule, problems: BlockProblem[]): void {
  if (value === undefined) {
    if (rule.required) problems.push({ reason: 'missing required field', pointer });
    return;
  }
  if (!isObject(value)) {
    problems.push({ reason: 'must provide an object', pointer });
    return;
  }
  const type = value['type'];
  if (type !== 'plain_text' && type !== 'mrkdwn') {
    problems.push({ reason: 'must be one of plain_text, mrkdwn', pointer: `${pointer}/type` });
    return;
  }
  if (rule.plainTextOnly && type !== 'plain_text') problems.push({ reason: 'must be plain_text', pointer: `${pointer}/type` });
  if (type === 'mrkdwn' && value['emoji'] !== undefined) problems.push({ reason: 'emoji is only allowed on plain_text', pointer: `${pointer}/emoji` });
  const text = value['text'];
  if (typeof text !== 'string') {
    problems.push({ reason: 'must be a string', pointer: `${pointer}/text` });
    return;
  }
  if (text.length === 0) problems.push({ reason: 'must be more than 0 characters', pointer: `${pointer}/text` });
  tooLong(text, rule.max, `${pointer}/text`, problems);
}

function checkConfirm(value: unknown, pointer: string, limits: BlockKitLimits, problems: BlockProblem[]): void {
  if (value === undefined) return;
  if (!isObject(value)) {
    problems.push({ reason: 'must provide an object', pointer });
    return;
  }
  checkText(value['title'], `${pointer}/title`, { max: limits.confirmTitle, plainTextOnly: true }, problems);
  checkText(value['text'], `${pointer}/text`, { max: limits.confirmText, required: true }, problems);
  checkText(value['confirm'], `${pointer}/confirm`, { max: limits.confirmButton, plainTextOnly: true }, problems);
  checkText(value['deny'], `${pointer}/deny`, { max: limits.confirmButton, plainTextOnly: true }, problems);
  const style = value['style'];
  if (style !== undefined && style !== 'primary' && style !== 'danger') problems.push({ reason: 'must be one of primary, danger', pointer: `${pointer}/style` });
}

/** Interactive elements: every one has action_id ≤ 255 and an optional confirm; buttons and selects have more rules. */
function checkElement(element: unknown, pointer: string, limits: BlockKitLimits, problems: BlockProblem[]): void {
  if (!isObject(element)) {
    problems.push({ reason: 'must provide an object', pointer });
    return;
  }
  if (typeof element['type'] !== 'string') {
    problems.push({ reason: 'missing required field', pointer: `${pointer}/type` });
    return;
  }
  optionalString(element, 'action_id', limits.actionId, pointer, problems);
  checkConfirm(element['confirm'], `${pointer}/confirm`, limits, problems);
  switch (element['type']) {
    case 'button': {
      checkText(element['text'], `${pointer}/text`, { max: limits.buttonText, plainTextOnly: true, required: true }, problems);
      optionalString(element, 'value', limits.buttonValue, pointer, problems);
      optionalString(element, 'url', limits.buttonUrl, pointer, problems);
      optionalString(element, 'accessibility_label', limits.accessibilityLabel, pointer, problems);
      const style = element['style'];
      if (style !== undefined && style !== 'primary' && style !== 'danger') problems.push({ reason: 'must be one of primary, danger', pointer: `${pointer}/style` });
      break;
    }
    case 'overflow':
    case 'static_select':
    case 'multi_static_select':
    case 'radio_buttons':
    case 'checkboxes': {
      const options = element['options'];
      if (options === undefined) break;
      if (!Array.isArray(options)) {
        problems.push({ reason: 'must provide an array', pointer: `${pointer}/options` });
        break;
      }
      if (options.length > limits.selectOptions) problems.push({ reason: `no more than ${limits.selectOptions} items allowed`, pointer: `${pointer}/options` });
      options.forEach((option, i) => {
        const at = `${pointer}/options/${i}`;
        if (!isObject(option)) problems.push({ reason: 'must provide an object', pointer: at });
        else checkText(option['text'], `${at}/text`, { max: limits.optionText, required: true }, problems);
      });
      break;
    }
    default:
      break;
  }
}

function checkBlock(block: unknown, pointer: string, limits: BlockKitLimits, problems: BlockProblem[]): void {
  if (!isObject(block)) {
    problems.push({ reason: 'must provide an object', pointer });
    return;
  }
  const type = block['type'];
  if (typeof type !== 'string') {
    problems.push({ reason: 'missing required field', pointer: `${pointer}/type` });
    return;
  }
  if (!KNOWN_BLOCK_TYPES.has(type)) {
    problems.push({ reason: `unsupported type: ${type}`, pointer: `${pointer}/type` });
    return;
  }
  optionalString(block, 'block_id', limits.blockId, pointer, problems);
  switch (type) {
    case 'section': {
      const text = block['text'];
      const fields = block['fields'];
      if (text === undefined && fields === undefined) {
        problems.push({ reason: 'must define either `text` or `fields`', pointer: `${pointer}/type` });
        break;
      }
      checkText(text, `${pointer}/text`, { max: limits.sectionText }, problems);
      if (fields !== undefined) {
        if (!Array.isArray(fields)) problems.push({ reason: 'must provide an array', pointer: `${pointer}/fields` });
        else {
          if (fields.length > limits.sectionFields) problems.push({ reason: `no more than ${limits.sectionFields} items allowed`, pointer: `${pointer}/fields` });
          fields.forEach((field, i) => checkText(field, `${pointer}/fields/${i}`, { max: limits.sectionFieldText, required: true }, problems));
        }
      }
      if (block['accessory'] !== undefined) {
        const accessory = block['accessory'];
        // An image accessory is not interactive; everything else is an element.
        if (isObject(accessory) && accessory['type'] === 'image') optionalString(accessory, 'alt_text', limits.imageAltText, `${pointer}/accessory`, problems);
        else checkElement(accessory, `${pointer}/accessory`, limits, problems);
      }
      break;
    }
    case 'header':
      checkText(block['text'], `${pointer}/text`, { max: limits.headerText, plainTextOnly: true, required: true }, problems);
      break;
    case 'context': {
      const elements = block['elements'];
      if (!Array.isArray(elements)) {
        problems.push({ reason: 'must provide an array', pointer: `${pointer}/elements` });
        break;
      }
      if (elements.length > limits.contextElements) problems.push({ reason: `no more than ${limits.contextElements} items allowed`, pointer: `${pointer}/elements` });
      elements.forEach((element, i) => {
        const at = `${pointer}/elements/${i}`;
        if (isObject(element) && element['type'] === 'image') optionalString(element, 'alt_text', limits.imageAltText, at, problems);
        else checkText(element, at, { max: limits.sectionText, required: true }, problems);
      });
      break;
    }
    case 'actions': {
      const elements = block['elements'];
      if (!Array.isArray(elements)) {
        problems.push({ reason: 'must provide an array', pointer: `${pointer}/elements` });
        break;
      }
      if (elements.length > limits.actionsElements) problems.push({ reason: `no more than ${limits.actionsElements} items allowed`, pointer: `${pointer}/elements` });
      elements.forEach((element, i) => checkElement(element, `${pointer}/elements/${i}`, limits, problems));
      break;
    }
    case 'markdown': {
      const text = block['text'];
      if (typeof text !== 'string') problems.push({ reason: 'must be a string', pointer: `${pointer}/text` });
      else tooLong(text, limits.markdownText, `${pointer}/text`, problems);
      break;
    }
    case 'image':
      optionalString(block, 'alt_text', limits.imageAltText, pointer, problems);
      checkText(block['title'], `${pointer}/title`, { max: limits.imageAltText, plainTextOnly: true }, problems);
      break;
    case 'input':
      checkText(block['label'], `${pointer}/label`, { max: limits.inputLabel, plainTextOnly: true, required: true }, problems);
      checkText(block['hint'], `${pointer}/hint`, { max: limits.inputLabel, plainTextOnly: true }, problems);
      if (block['element'] === undefined) problems.push({ reason: 'missing required field', pointer: `${pointer}/element` });
      else checkElement(block['element'], `${pointer}/element`, limits, problems);
      break;
    default:
      break;
  }
}

/** Sum of every `text` string anywhere in the blocks (text objects, markdown blocks, rich_text runs): [2509]'s hidden total. */
export function blocksTextLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + blocksTextLength(item), 0);
  if (!isObject(value)) return 0;
  let sum = 0;
  for (const [key, child] of Object.entries(value)) {
    if (key === 'text' && typeof child === 'string') sum += child.length;
    else sum += blocksTextLength(child);
  }
  return sum;
}

// Slack's control sequences: https://docs.slack.dev/messaging/formatting-message-text (mentions, special mentions).
const BROADCAST_MENTION = /<!(?:channel|here|everyone|subteam\^[A-Z0-9]+)(?:\|[^>]*)?>/g;
const USER_MENTION = /<@[UW][A-Z0-9]+(?:\|[^>]*)?>/g;

function scanMentions(text: string, pointer: string, violations: PayloadViolation[]): void {
  for (const match of text.matchAll(BROADCAST_MENTION)) violations.push({ kind: 'broadcast-mention', detail: match[0], pointer });
  for (const match of text.matchAll(USER_MENTION)) violations.push({ kind: 'user-mention', detail: match[0], pointer });
}

/** Mentions only render in mrkdwn: text objects of type mrkdwn and markdown blocks. */
function scanBlockMentions(value: unknown, pointer: string, violations: PayloadViolation[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => scanBlockMentions(item, `${pointer}/${i}`, violations));
    return;
  }
  if (!isObject(value)) return;
  const text = value['text'];
  if (typeof text === 'string' && (value['type'] === 'mrkdwn' || value['type'] === 'markdown')) scanMentions(text, `${pointer}/text`, violations);
  for (const [key, child] of Object.entries(value)) {
    if (typeof child === 'object' && child !== null) scanBlockMentions(child, `${pointer}/${key}`, violations);
  }
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1;
}

/** Message arguments as the emulator parsed them (JSON fields already decoded where they were valid JSON). */
export interface MessagePayload {
  text?: unknown;
  blocks?: unknown;
  attachments?: unknown;
  metadata?: unknown;
  link_names?: unknown;
}

export interface MessageCheckOptions {
  limits?: BlockKitLimits;
  /** chat.update may omit text and blocks (Slack keeps the old ones); chat.postMessage may not. */
  isContentRequired?: boolean;
}

/** `metadata` must be `{ event_type: string, event_payload: object }` ([PM] invalid_metadata_format / invalid_metadata_schema). */
export function checkMetadata(metadata: unknown): SlackApiError | undefined {
  if (metadata === undefined || metadata === '') return undefined;
  if (!isObject(metadata)) return { error: 'invalid_metadata_format' };
  const eventType = metadata['event_type'];
  if (typeof eventType !== 'string' || eventType.length === 0) return { error: 'invalid_metadata_schema', problems: [{ reason: 'must be a string', pointer: '/metadata/event_type' }] };
  if (!isObject(metadata['event_payload'])) return { error: 'invalid_metadata_schema', problems: [{ reason: 'must provide an object', pointer: '/metadata/event_payload' }] };
  return undefined;
}

/** Checks a chat.postMessage / chat.update / chat.postEphemeral / response_url payload. */
export function checkMessagePayload(payload: MessagePayload, options: MessageCheckOptions = {}): PayloadVerdict {
  const limits = options.limits ?? BLOCK_KIT_LIMITS;
  const isContentRequired = options.isContentRequired ?? true;
  const violations: PayloadViolation[] = [];
  const { text, blocks } = payload;

  if (isTrue(payload.link_names)) violations.push({ kind: 'link-names', detail: 'link_names is set', pointer: '/link_names' });
  if (typeof text === 'string') {
    scanMentions(text, '/text', violations);
    if (text.length > limits.recommendedMessageText) violations.push({ kind: 'text-over-recommended-length', detail: `${text.length} characters`, pointer: '/text' });
  }
  if (blocks !== undefined) {
    scanBlockMentions(blocks, '/blocks', violations);
    if (typeof text !== 'string' || text.length === 0) violations.push({ kind: 'missing-fallback-text', detail: 'blocks without text', pointer: '/text' });
  }

  const fail = (failure: SlackApiError): PayloadVerdict => ({ ok: false, failure, violations });
  if (blocks !== undefined && !Array.isArray(blocks)) return fail({ error: 'invalid_blocks_format' });
  if (Array.isArray(blocks)) {
    const problems = findBlockProblems(blocks, '/blocks', 'message', limits);
    if (problems.length > 0) return fail({ error: 'invalid_blocks', problems });
  }
  const hasText = typeof text === 'string' && text.length > 0;
  const hasBlocks = Array.isArray(blocks) && blocks.length > 0;
  const hasAttachments = Array.isArray(payload.attachments) && payload.attachments.length > 0;
  if (isContentRequired && !hasText && !hasBlocks && !hasAttachments) return fail({ error: 'no_text' });
  if (typeof text === 'string' && text.length > limits.messageText) return fail({ error: 'msg_too_long' });
  if (Array.isArray(blocks) && blocksTextLength(blocks) > limits.blocksTextTotal) return fail({ error: 'msg_blocks_too_long' });
  const metadataFailure = checkMetadata(payload.metadata);
  if (metadataFailure) return fail(metadataFailure);
  return { ok: true, violations };
}

/** Checks a views.open / views.publish / views.update `view` (`invalid_arguments`, pointers under /view). */
export function checkViewPayload(view: unknown, expectedType: 'home' | 'modal' | undefined, limits: BlockKitLimits = BLOCK_KIT_LIMITS): PayloadVerdict {
  const violations: PayloadViolation[] = [];
  const fail = (failure: SlackApiError): PayloadVerdict => ({ ok: false, failure, violations });
  if (!isObject(view)) return fail({ error: 'invalid_arguments', problems: [{ reason: 'must provide an object', pointer: '/view' }] });
  const problems: BlockProblem[] = [];
  const type = view['type'];
  if (type !== 'home' && type !== 'modal') problems.push({ reason: 'must be one of home, modal', pointer: '/view/type' });
  else if (expectedType !== undefined && type !== expectedType) problems.push({ reason: `must be ${expectedType}`, pointer: '/view/type' });
  problems.push(...findBlockProblems(view['blocks'], '/view/blocks', 'view', limits));
  optionalString(view, 'private_metadata', limits.viewPrivateMetadata, '/view', problems);
  optionalString(view, 'callback_id', limits.viewCallbackId, '/view', problems);
  if (type === 'modal') {
    checkText(view['title'], '/view/title', { max: limits.modalTitle, plainTextOnly: true, required: true }, problems);
    checkText(view['submit'], '/view/submit', { max: limits.modalButton, plainTextOnly: true }, problems);
    checkText(view['close'], '/view/close', { max: limits.modalButton, plainTextOnly: true }, problems);
  }
  scanBlockMentions(view['blocks'], '/view/blocks', violations);
  if (problems.length > 0) return fail({ error: 'invalid_arguments', problems });
  return { ok: true, violations };
}
