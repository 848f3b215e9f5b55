/**
 * Hostile cluster strings (PLATFORM.md §6 item 12) and a factory for plain-data incidents to render.
 * Every string here is something a Pod name, label, Event or log line could carry.
 */
import type { Diagnosis } from '../../../src/contract/diagnosis.ts';
import type { Incident, IncidentPod } from '../../../src/contract/incident.ts';

export const MENTIONS = ['<!channel>', '<!here>', '<@U123>', '<!subteam^S123>', '<#C999|general>'] as const;
export const DISGUISED_LINK = '<http://evil.example|click here>';
/** Zero-width, bidi-override, tag and control characters around a word. */
export const INVISIBLES = 'a\u200Bb\u200Cc\u200Dd\u200Ee\u200Ff\u2060g\uFEFFh\u202Ei\u2066j\u0007k\u001b[2Jl\u{E0041}m\u0085n';
export const FENCE = '```';
export const BACKTICK_NAME = 'web`<!channel>`-1';
export const FIFTY_KB = `${MENTIONS.join(' ')} ${DISGUISED_LINK} ${'x'.repeat(50 * 1024)}`;
/** A secret that redaction must mask (src/contract/redact.ts). */
export const TOKEN_LINE = 'connecting with password=hunter2 token=xoxb-1234-abcd';

export const HOSTILE = `${MENTIONS.join(' ')} ${DISGUISED_LINK} *bold* _it_ ~s~ ${FENCE} & ${INVISIBLES}`;

/** The raw strings that must never reach Slack unescaped. */
export const RAW_MARKUP = [...MENTIONS, DISGUISED_LINK, '<http://evil.example'] as const;

export const OBSERVED_AT_MS = Date.parse('2026-11-20T12:00:00Z');

export function hostileDiagnosis(overrides: Partial<Diagnosis> = {}): Diagnosis {
  return {
    subject: { kind: 'Pod', namespace: 'shop', name: 'web-1', uid: '0a1b2c3d-eeee-4f00-a111-222233334401' },
    scenario: 'container-exit',
    cause: 'container-exit.immediate',
    otherCauses: ['container-exit.after-running'],
    summary: `Container app exits: ${HOSTILE}`,
    evidence: [
      { kind: 'status', field: `status.containerStatuses[${HOSTILE}].state.waiting.reason`, value: HOSTILE },
      { kind: 'spec', field: 'spec.containers[app].command', value: `["sh","-c","${FENCE}rm -rf /${FENCE}"]`, note: HOSTILE },
      { kind: 'event', object: `Pod/${BACKTICK_NAME}`, type: 'Warning', reason: `BackOff${FENCE}`, message: FIFTY_KB, count: 1234, ageSeconds: 42 },
      { kind: 'exit-code', container: HOSTILE, exitCode: 137, reason: HOSTILE, meaning: HOSTILE, ranForSeconds: 5, finishedAt: '2026-11-20T11:59:00Z' },
      { kind: 'node', node: HOSTILE, detail: FIFTY_KB },
      { kind: 'quota', quota: HOSTILE, resource: 'limits.memory', used: HOSTILE, hard: '8Gi', requested: HOSTILE },
      { kind: 'change', detail: `Deployment/web rolled out revision 9: ${HOSTILE}` },
      ...Array.from({ length: 500 }, (_, i) => ({ kind: 'log' as const, container: 'app', previous: true, line: i % 50 === 0 ? TOKEN_LINE : `line ${i} ${HOSTILE}` })),
    ],
    remediation: [
      { text: `Fix it: ${HOSTILE}`, command: `kubectl -n shop logs ${BACKTICK_NAME}\n${FENCE}\necho ${HOSTILE}`, docsUrl: 'javascript:alert(1)' },
      { text: FIFTY_KB, command: FIFTY_KB, docsUrl: 'https://kubernetes.io/docs/x|<!channel>' },
    ],
    actions: [{ action: 'show-logs', reason: 'read the crash' }, { action: 'rediagnose', reason: 'again' }],
    ...overrides,
  };
}

export function incidentPods(count: number, namespaces: readonly string[], state: IncidentPod['state'] = 'failing'): Record<string, IncidentPod> {
  const pods: Record<string, IncidentPod> = {};
  for (let i = 0; i < count; i++) {
    const uid = `uid-${i}`;
    pods[uid] = { uid, namespace: namespaces[i % namespaces.length] ?? 'default', name: `pod-${i}`, state, since: OBSERVED_AT_MS };
  }
  return pods;
}

export function makeIncident(overrides: Partial<Incident> = {}): Incident {
  const diagnosis = hostileDiagnosis({
    summary: 'Container app of Pod web-1 exits right after start with exit code 1.',
    evidence: [{ kind: 'exit-code', container: 'app', exitCode: 1, reason: 'Error', meaning: '1: application error', ranForSeconds: 2, finishedAt: null }],
    remediation: [{ text: 'Read the log of the previous run.', command: 'kubectl -n shop logs web-1 --previous' }],
  });
  return {
    type: 'incident',
    id: 'prod/shop/Deployment/web/container-exit.immediate',
    cluster: 'prod',
    scope: 'workload',
    namespace: 'shop',
    subject: { kind: 'Deployment', name: 'web' },
    cause: 'container-exit.immediate',
    channel: 'C0ALERTS',
    status: 'open',
    delivery: 'message',
    posted: { channel: 'C0ALERTS', ts: '1795176000.000100' },
    pods: { ...incidentPods(3, ['shop']), 'uid-h': { uid: 'uid-h', namespace: 'shop', name: 'web-h', state: 'healthy', since: OBSERVED_AT_MS } },
    diagnosis,
    fingerprint: 'f',
    lastObservedAt: '2026-11-20T12:00:00Z',
    firstSeenAt: OBSERVED_AT_MS - 600_000,
    lastSeenAt: OBSERVED_AT_MS,
    openedAt: OBSERVED_AT_MS - 540_000,
    occurrence: 1,
    pendingUpdate: false,
    pendingReopen: false,
    pendingResolve: false,
    dueAt: null,
    ...overrides,
  };
}
