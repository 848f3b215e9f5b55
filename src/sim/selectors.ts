/**
 * Label and field selectors with the syntax and errors of apimachinery.
 *
 * source: kubernetes/kubernetes staging/src/k8s.io/apimachinery/pkg/labels/selector.go (Parse: =, ==, !=, in,
 *   notin, exists, !exists, gt, lt) and staging/src/k8s.io/apimachinery/pkg/fields/selector.go
 *   (ParseSelector: =, ==, != with backslash escapes).
 */
import { badRequest } from './status.ts';
import type { ResourceInfo } from './resources.ts';
import type { KubeObject } from './store.ts';

type LabelOp = 'eq' | 'neq' | 'in' | 'notin' | 'exists' | 'notexists' | 'gt' | 'lt';

interface LabelRequirement {
  key: string;
  op: LabelOp;
  values: string[];
}

export type LabelSelector = (labels: Record<string, string> | undefined) => boolean;
export type FieldSelector = (obj: KubeObject) => boolean;

const MATCH_ALL_LABELS: LabelSelector = () => true;
const MATCH_ALL_FIELDS: FieldSelector = () => true;

/** Splits on commas that are not inside parentheses (`a in (x,y),b`). */
function splitTerms(raw: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of raw) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter((t) => t !== '');
}

function parseLabelTerm(term: string): LabelRequirement {
  const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
  if (setMatch) {
    const [, key, op, list] = setMatch as unknown as [string, string, 'in' | 'notin', string];
    return { key, op, values: list.split(',').map((v) => v.trim()) };
  }
  if (term.startsWith('!')) return { key: term.slice(1).trim(), op: 'notexists', values: [] };
  const opMatch = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$/.exec(term);
  if (opMatch) {
    const [, key, op, value] = opMatch as unknown as [string, string, string, string];
    const map: Record<string, LabelOp> = { '=': 'eq', '==': 'eq', '!=': 'neq', '>': 'gt', '<': 'lt' };
    return { key, op: map[op] ?? 'eq', values: [value.trim()] };
  }
  if (/^[^\s=!<>(),]+$/.test(term)) return { key: term, op: 'exists', values: [] };
  // source: labels/selector.go — the lexer reports the unexpected token
  throw badRequest(`unable to parse requirement: found '${term}', expected: ',' or 'end of string'`);
}

function matchesRequirement(req: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, req.key);
  const value = labels[req.key];
  switch (req.op) {
    case 'eq':
      return has && value === req.values[0];
    case 'neq':
      return !has || value !== req.values[0];
    case 'in':
      return has && req.values.includes(value ?? '');
    case 'notin':
      return !has || !req.values.includes(value ?? '');
    case 'exists':
      return has;
    case 'notexists':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has) return false;
      const n = Number(value);
      const bound = Number(req.values[0]);
      if (Number.isNaN(n) || Number.isNaN(bound)) return false;
      return req.op === 'gt' ? n > bound : n < bound;
    }
  }
}

export function parseLabelSelector(raw: string | undefined | null): LabelSelector {
  if (raw === undefined || raw === null || raw.trim() === '') return MATCH_ALL_LABELS;
  const requirements = splitTerms(raw).map(parseLabelTerm);
  return (labels) => requirements.every((r) => matchesRequirement(r, labels ?? {}));
}

interface FieldRequirement {
  field: string;
  value: string;
  negate: boolean;
}

/** Splits a field selector on unescaped commas and unescapes `\,` `\=` `\\`. */
function parseFieldTerms(raw: string): FieldRequirement[] {
  const terms: string[] = [];
  let current = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (ch === '\\' && i + 1 < raw.length) {
      current += ch + raw[i + 1];
      i++;
      continue;
    }
    if (ch === ',') {
      terms.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  terms.push(current);
  return terms
    .filter((t) => t.trim() !== '')
    .map((term) => {
      const m = /^(.*?)(!=|==|=)(.*)$/.exec(term);
      if (!m) {
        // source: fields/selector.go parseSelector — `invalid selector: '%s'; can't understand '%s'`
        throw badRequest(`invalid selector: '${raw}'; can't understand '${term}'`);
      }
      const [, field, op, value] = m as unknown as [string, string, string, string];
      return { field: field.trim(), value: value.replace(/\\(.)/g, '$1'), negate: op === '!=' };
    });
}

/** The value of a selectable field on an object, as the registry's ToSelectableFields renders it. */
export function selectableFieldValue(obj: KubeObject, field: string): string {
  if (field === 'metadata.name') return obj.metadata.name ?? '';
  if (field === 'metadata.namespace') return obj.metadata.namespace ?? '';
  if (field === 'source') {
    // source: pkg/registry/core/event/strategy.go — "source": event.Source.Component
    return str(path(obj, ['source', 'component']));
  }
  if (field === 'reportingComponent') return str(obj['reportingComponent']);
  if (field === 'spec.hostNetwork') return String(path(obj, ['spec', 'hostNetwork']) === true);
  if (field === 'spec.unschedulable') return String(path(obj, ['spec', 'unschedulable']) === true);
  if (field === 'status.successful') return String(path(obj, ['status', 'succeeded']) ?? 0);
  if (field === 'status.replicas') return String(path(obj, ['status', 'replicas']) ?? 0);
  if (field === 'status.podIP') {
    const ips = path(obj, ['status', 'podIPs']);
    if (Array.isArray(ips) && ips.length > 0) return str((ips[0] as Record<string, unknown>)['ip']);
    return str(path(obj, ['status', 'podIP']));
  }
  return str(path(obj, field.split('.')));
}

function path(obj: unknown, keys: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function str(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : String(v);
}

/**
 * Parses a field selector and checks every label against what the resource supports. An unknown
 * label is a 400, as the apiserver's field label conversion answers.
 * source: pkg/apis/core/v1/conversion.go (AddFieldLabelConversionFunc) — `field label not supported: %s`
 */
export function parseFieldSelector(raw: string | undefined | null, resource: ResourceInfo): FieldSelector {
  if (raw === undefined || raw === null || raw.trim() === '') return MATCH_ALL_FIELDS;
  const requirements = parseFieldTerms(raw);
  for (const r of requirements) {
    const supported =
      r.field === 'metadata.name' ||
      (resource.namespaced && r.field === 'metadata.namespace') ||
      resource.selectableFields.includes(r.field);
    if (!supported) throw badRequest(`field label not supported: ${r.field}`);
  }
  return (obj) => requirements.every((r) => (selectableFieldValue(obj, r.field) === r.value) !== r.negate);
}
