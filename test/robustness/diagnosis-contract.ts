/**
 * The shape every diagnosis must have whatever the input was (src/contract/diagnosis.ts), checked
 * field by field, plus what its rendering (src/cli/format.ts, text and JSON) must never show.
 * Returns the violations as readable strings so a failing fuzz case says what broke.
 */
import { formatDiagnoses } from '../../src/cli/format.ts';
import { ACTION_IDS, type Diagnosis, type Evidence } from '../../src/contract/diagnosis.ts';
import { isCauseId, SCENARIO_IDS, SCENARIOS } from '../../src/contract/scenarios.ts';

/** Longest line the text output may have: a 50 KB message must be clipped, not echoed. */
export const MAX_TEXT_LINE = 2_000;

/** What a rendering bug prints: an unset field, a failed number conversion, an object in a template. */
const RENDER_BUGS = ['NaN', 'undefined', '[object Object]', 'Infinity'];

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value);
}

function isNumberOrNull(value: unknown): boolean {
  return value === null || isCount(value);
}

function evidenceProblem(e: Evidence): string | null {
  switch (e.kind) {
    case 'status':
      return isText(e.field) && isString(e.value) ? null : 'status needs field and value strings';
    case 'spec':
      return isText(e.field) && isString(e.value) && (e.note === undefined || isString(e.note)) ? null : 'spec needs field and value strings';
    case 'event':
      return isText(e.object) && isString(e.type) && isString(e.reason) && isString(e.message) && isCount(e.count) && isNumberOrNull(e.ageSeconds)
        ? null
        : 'event needs object/type/reason/message strings, a finite count and ageSeconds number|null';
    case 'exit-code':
      return isString(e.container) && isCount(e.exitCode) && (e.reason === null || isString(e.reason)) && isText(e.meaning) &&
        isNumberOrNull(e.ranForSeconds) && (e.finishedAt === null || isString(e.finishedAt))
        ? null
        : 'exit-code needs container, a finite exitCode, meaning, reason/finishedAt string|null, ranForSeconds number|null';
    case 'node':
      return isString(e.node) && isText(e.detail) ? null : 'node needs node and detail strings';
    case 'quota':
      return isText(e.quota) && isText(e.resource) && isString(e.used) && isString(e.hard) && (e.requested === null || isString(e.requested))
        ? null
        : 'quota needs quota/resource/used/hard strings';
    case 'log':
      return isString(e.container) && typeof e.previous === 'boolean' && isString(e.line) ? null : 'log needs container, previous, line';
    case 'change':
      return isText(e.detail) ? null : 'change needs detail';
    default:
      return `unknown evidence kind ${JSON.stringify((e as { kind: unknown }).kind)}`;
  }
}

export function structuralViolations(d: Diagnosis): string[] {
  const problems: string[] = [];
  const where = `${d.subject?.kind}/${d.subject?.name}`;
  const add = (problem: string) => problems.push(`${where}: ${problem}`);
  if (![d.subject.kind, d.subject.namespace, d.subject.name, d.subject.uid].every(isString)) add('subject fields must be strings');
  if (!SCENARIO_IDS.includes(d.scenario)) add(`unknown scenario ${String(d.scenario)}`);
  const causes = (SCENARIOS[d.scenario] ?? []) as readonly string[];
  const isOwnCause = (id: unknown) => isString(id) && id.startsWith(`${d.scenario}.`) && causes.includes(id.slice(d.scenario.length + 1));
  if (!isOwnCause(d.cause)) add(`cause ${String(d.cause)} is not a cause of ${d.scenario}`);
  if (!Array.isArray(d.otherCauses)) add('otherCauses must be an array');
  else {
    // Other causes are full cause ids; those of another scenario (a readiness failure next to a liveness kill) come
    // after the primary scenario's own (Finding.relatedCauses, src/contract/diagnosis.ts).
    for (const other of d.otherCauses) if (!isString(other) || !isCauseId(other)) add(`otherCause ${String(other)} is not a cause id`);
    const firstForeign = d.otherCauses.findIndex((c) => !isOwnCause(c));
    if (firstForeign >= 0 && d.otherCauses.slice(firstForeign).some((c) => isOwnCause(c))) add(`otherCauses of ${d.scenario} must come before other scenarios' causes`);
    if (d.otherCauses.includes(d.cause)) add('otherCauses repeats the cause');
    if (new Set(d.otherCauses).size !== d.otherCauses.length) add('otherCauses has duplicates');
  }
  if (!isText(d.summary)) add('summary must be a non-empty string');
  if (!Array.isArray(d.evidence)) add('evidence must be an array');
  else for (const e of d.evidence) {
    const problem = evidenceProblem(e);
    if (problem) add(`evidence ${JSON.stringify(e).slice(0, 200)}: ${problem}`);
  }
  if (!Array.isArray(d.remediation)) add('remediation must be an array');
  else for (const r of d.remediation) {
    if (!isText(r.text) || (r.command !== undefined && !isText(r.command)) || (r.snippet !== undefined && !isText(r.snippet)) || (r.docsUrl !== undefined && !isText(r.docsUrl))) {
      add(`remediation ${JSON.stringify(r).slice(0, 200)} is malformed`);
    }
  }
  if (!Array.isArray(d.actions)) add('actions must be an array');
  else for (const a of d.actions) {
    if (!(ACTION_IDS as readonly string[]).includes(a.action) || !isText(a.reason)) add(`action ${JSON.stringify(a)} is malformed`);
  }
  return problems;
}

/** Problems in the rendered output: render bugs anywhere, and over-long lines in the text form. */
export function renderViolations(diagnoses: readonly Diagnosis[]): string[] {
  const problems: string[] = [];
  const text = formatDiagnoses(diagnoses, 'text', { pods: 1, workloads: 0 });
  const json = formatDiagnoses(diagnoses, 'json');
  for (const [name, output] of [['text', text], ['json', json]] as const) {
    for (const bug of RENDER_BUGS) {
      const at = output.indexOf(bug);
      if (at >= 0) problems.push(`${name} output shows "${bug}": …${output.slice(Math.max(0, at - 120), at + 40)}…`);
    }
  }
  try {
    JSON.parse(json);
  } catch (error) {
    problems.push(`json output does not parse: ${(error as Error).message}`);
  }
  for (const line of text.split('\n')) {
    if (line.length > MAX_TEXT_LINE) problems.push(`text line of ${line.length} chars: ${line.slice(0, 160)}…`);
  }
  return problems;
}

export function contractViolations(diagnoses: readonly Diagnosis[]): string[] {
  return [...diagnoses.flatMap(structuralViolations), ...renderViolations(diagnoses)];
}
