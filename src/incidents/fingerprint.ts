import { createHash } from 'node:crypto';
import type { Diagnosis, Evidence } from '../contract/diagnosis.ts';
import type { IncidentScope } from '../contract/incident.ts';

/**
 * A diagnosis's identity for "is this new evidence?": ages, event counts and exit timestamps change on
 * every look and are left out, and the subject's own name is masked, so two replicas failing the same
 * way look the same. Node incidents compare only the node facts.
 */
export function fingerprintOf(diagnosis: Diagnosis, scope: IncidentScope): string {
  const evidence = diagnosis.evidence.filter((e) => scope !== 'node' || e.kind === 'node').map(stableEvidence);
  const material = scope === 'node' ? { cause: diagnosis.cause, evidence } : { cause: diagnosis.cause, otherCauses: diagnosis.otherCauses, summary: diagnosis.summary, evidence };
  const name = diagnosis.subject.name;
  const text = name ? JSON.stringify(material).split(name).join('<subject>') : JSON.stringify(material);
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

function stableEvidence(evidence: Evidence): Evidence {
  switch (evidence.kind) {
    case 'event':
      return { ...evidence, count: 0, ageSeconds: null };
    case 'exit-code':
      return { ...evidence, ranForSeconds: null, finishedAt: null };
    default:
      return evidence;
  }
}
