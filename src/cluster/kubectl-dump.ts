/**
 * Reads what `kubectl get … -o json` or `-o yaml` prints: one object, a `List` (or any *List),
 * several JSON documents, or multi-document YAML. Pure: text in, objects out.
 */
import { parseAllDocuments } from 'yaml';
import { isRecord } from './normalize.ts';

export class DumpError extends Error {
  override name = 'DumpError';
}

export function parseKubectlDump(text: string): Record<string, unknown>[] {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new DumpError('input is empty');
  const documents = trimmed.startsWith('{') || trimmed.startsWith('[') ? parseJsonDocuments(trimmed) : parseYamlDocuments(trimmed);
  const objects: Record<string, unknown>[] = [];
  for (const doc of documents) flatten(doc, objects);
  if (objects.length === 0) throw new DumpError('no Kubernetes objects found (expected objects with kind and metadata)');
  return objects;
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

function parseYamlDocuments(text: string): unknown[] {
  const docs = parseAllDocuments(text);
  const values: unknown[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const error = doc.errors[0];
    if (error) throw new DumpError(`invalid YAML: ${error.message.split('\n')[0]}`);
    values.push(doc.toJS());
  }
  return values;
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
