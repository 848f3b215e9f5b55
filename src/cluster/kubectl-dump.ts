/**
 * Reads what `kubectl get … -o json` or `-o yaml` prints: one object, a `List` (or any *List),
 * several JSON documents, or multi-document YAML. Pure: text in, objects out.
 *
 * The input may be hostile or simply wrong (PLATFORM.md §6 item 12), so every failure is a DumpError
 * with a one-line message (the CLI exits 2 on it), never a crash: YAML alias bombs are refused, nesting
 * is bounded, and a UTF-16 file (what Windows PowerShell's `>` writes) is named as such.
 */
import { parseAllDocuments } from 'yaml';
import { isRecord } from '../contract/is-record.ts';

export class DumpError extends Error {
  override name = 'DumpError';

  constructor(message: string) {
    // Parser messages quote the input, which may hold line breaks or terminal escape sequences.
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    super(message.replace(/[\u0000-\u001F\u007F-\u009F]+/g, ' ').slice(0, 500));
  }
}

/**
 * How many alias references a YAML document may resolve (the `yaml` package's default, made explicit):
 * kubectl never prints aliases, and a "billion laughs" document expands exponentially through them.
 */
export const MAX_YAML_ALIAS_COUNT = 100;
/**
 * Deepest nesting accepted. The deepest field the engine reads is ~15 levels down (a List item's
 * pod anti-affinity match expression values); CRD schemas go deeper, but not near this. Deeper input
 * would only exhaust the call stack of the code that walks it.
 */
export const MAX_NESTING_DEPTH = 256;

/**
 * Largest dump accepted, in UTF-16 code units of the text (about bytes for kubectl's ASCII-heavy output). A
 * namespace's Pods, Events and workloads are a few MB even at thousands of Pods; 20 MB lists parse in seconds.
 */
export const MAX_DUMP_CHARS = 256 * 2 ** 20;

export function parseKubectlDump(text: string): Record<string, unknown>[] {
  if (text.length > MAX_DUMP_CHARS) throw new DumpError(`input is larger than ${MAX_DUMP_CHARS / 2 ** 20} MB; diagnose one namespace or a few objects at a time`);
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new DumpError('input is empty');
  // Before any parser builds a value: 20 MB of "[[[…" would otherwise become ten million arrays (over 1 GB and
  // seconds of work) before assertNesting could refuse it. One pass over the text, constant memory.
  assertBracketNesting(trimmed);
  if (trimmed.includes('\u0000')) {
    throw new DumpError('input contains NUL characters, so it is not JSON or YAML text (a UTF-16 file? Windows PowerShell writes UTF-16 with ">"; save it as UTF-8)');
  }
  const documents = trimmed.startsWith('{') || trimmed.startsWith('[') ? parseJsonDocuments(trimmed) : parseYamlDocuments(trimmed);
  for (const doc of documents) assertNesting(doc);
  const objects: Record<string, unknown>[] = [];
  for (const doc of documents) flatten(doc, objects);
  if (objects.length === 0) throw new DumpError('no Kubernetes objects found (expected objects with kind and metadata)');
  return objects;
}

/**
 * The deepest run of `{` / `[` outside double-quoted strings, refused past MAX_NESTING_DEPTH with assertNesting's
 * message. Exact for JSON. For YAML it counts flow collections; a bracket inside a single-quoted or block scalar
 * is counted too, and a surplus of closers is clamped at 0, so only 256 unclosed brackets in a row (which no
 * Kubernetes object holds) could refuse valid YAML. Block nesting is left to the YAML parser's own check below.
 */
function assertBracketNesting(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c /* \ */) i++;
      else if (code === 0x22 /* " */) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x7b /* { */ || code === 0x5b /* [ */) {
      // The root value is depth 0 in assertNesting: the (MAX+1)th open bracket is one level too deep.
      if (++depth > MAX_NESTING_DEPTH) throw new DumpError(`input nests deeper than ${MAX_NESTING_DEPTH} levels; no Kubernetes object does`);
    } else if ((code === 0x7d /* } */ || code === 0x5d /* ] */) && depth > 0) {
      depth--;
    }
    if (code === 0x0a /* newline */) {
      // A JSON string holds no raw line break; in YAML a double quote inside a plain or single-quoted scalar
      // (it's "x") opens no string, so it must not hide the rest of the text from the count.
      inString = false;
    }
  }
}

/** Iterative, so it cannot itself overflow the stack it protects. */
function assertNesting(root: unknown): void {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_NESTING_DEPTH) throw new DumpError(`input nests deeper than ${MAX_NESTING_DEPTH} levels; no Kubernetes object does`);
    for (const item of Array.isArray(value) ? value : Object.values(value)) {
      if (typeof item === 'object' && item !== null) stack.push([item, depth + 1]);
    }
  }
}

function parseJsonDocuments(text: string): unknown[] {
  try {
    return [JSON.parse(text)];
  } catch (first) {
    // `kubectl get pod a -o json; kubectl get events -o json` concatenates documents.
    const docs = splitConcatenatedJson(text);
    if (docs) return docs;
    throw new DumpError(`invalid JSON: ${(first as Error).message}`);
  }
}

function splitConcatenatedJson(text: string): unknown[] | null {
  const docs: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0 && start >= 0) {
        try {
          docs.push(JSON.parse(text.slice(start, i + 1)));
        } catch {
          return null;
        }
        start = -1;
      }
    } else if (depth === 0 && !/\s/.test(ch ?? '')) return null;
  }
  return depth === 0 && docs.length > 0 ? docs : null;
}

/** JSON has no NaN or Infinity, so a kubectl dump never does; YAML's `.nan` and `.inf` are dropped like absent fields. */
function dropNonFinite(_key: unknown, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? undefined : value;
}

function parseYamlDocuments(text: string): unknown[] {
  try {
    const docs = parseAllDocuments(text);
    const values: unknown[] = [];
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
      const error = doc.errors[0];
      // The parser reports running out of stack on deep block nesting as a document error.
      if (error && /Maximum call stack/.test(error.message)) throw new DumpError('YAML nests too deeply to read; no Kubernetes object does');
      if (error) throw new DumpError(`invalid YAML: ${error.message.split('\n')[0]}`);
      values.push(doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT, reviver: dropNonFinite }));
    }
    return values;
  } catch (error) {
    if (error instanceof DumpError) throw error;
    // source: yaml src/nodes/Alias.ts throws this ReferenceError when aliases exceed maxAliasCount.
    if (error instanceof ReferenceError && /Excessive alias count/.test(error.message)) {
      throw new DumpError(`YAML aliases expand beyond ${MAX_YAML_ALIAS_COUNT} references (a "billion laughs" document?); kubectl never prints aliases`);
    }
    if (error instanceof RangeError) throw new DumpError('YAML nests too deeply to read; no Kubernetes object does');
    throw new DumpError(`invalid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}

function flatten(doc: unknown, out: Record<string, unknown>[]): void {
  if (Array.isArray(doc)) {
    for (const item of doc) flatten(item, out);
    return;
  }
  if (!isRecord(doc)) return;
  if (Array.isArray(doc.items) && (typeof doc.kind !== 'string' || doc.kind.endsWith('List'))) {
    const itemKind = typeof doc.kind === 'string' && doc.kind !== 'List' ? doc.kind.replace(/List$/, '') : undefined;
    for (const item of doc.items) {
      // `kubectl get pods -o json` items may omit kind; the List's kind names it.
      if (isRecord(item) && typeof item.kind !== 'string' && itemKind) flatten({ ...item, kind: itemKind }, out);
      else flatten(item, out);
    }
    return;
  }
  if (typeof doc.kind === 'string' && isRecord(doc.metadata)) out.push(doc);
}
