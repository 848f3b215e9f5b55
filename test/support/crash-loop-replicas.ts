import { createHash } from 'node:crypto';
import type { Observation } from '../../src/incidents/keys.ts';
import type { Diagnosis } from '../../src/contract/diagnosis.ts';
import type { PodSnapshot } from '../../src/contract/snapshot.ts';
import { diagnose } from '../../src/diagnosis/engine.ts';
import { FIXTURE_NOW, podSnapshot } from './fixtures.ts';

/**
 * Crash-looping replicas with real diagnoses: a real fixture Pod (kubectl output with upstream strings),
 * renamed per replica and diagnosed by the real engine. For the Slack notifier's tests and bench:slack.
 */
export const CRASH_LOOP_TEMPLATES = [
  { deployment: 'api', fixture: 'container-exit/immediate/exit-127-crashloop.yaml' },
  { deployment: 'orders-api', fixture: 'oom/container-limit/jvm-heap-over-limit.yaml' },
  { deployment: 'web', fixture: 'liveness-probe/failed/wrong-port-refused-137.yaml' },
  { deployment: 'notifier', fixture: 'container-exit/after-running/go-panic-exit-2.yaml' },
] as const;

export interface Replica {
  namespace: string;
  deployment: string;
  name: string;
  uid: string;
  diagnosis: Diagnosis;
}

/** One fixture, parsed once, renamed many times. */
export class ReplicaFactory {
  readonly #json: string;
  readonly #name: string;
  readonly #uid: string;

  constructor(fixture: string) {
    const template = podSnapshot(fixture);
    this.#json = JSON.stringify(template);
    this.#name = template.pod.metadata.name;
    this.#uid = template.pod.metadata.uid ?? '';
  }

  /** Replica `index` of `deployment` in `namespace`, diagnosed. */
  replica(namespace: string, deployment: string, index: number): Replica {
    const digest = createHash('sha256').update(`${namespace}/${deployment}/${index}`).digest('hex');
    const name = `${deployment}-7c9d8b6f5-${digest.slice(0, 5)}`;
    const uid = `${digest.slice(0, 8)}-${digest.slice(8, 12)}-4${digest.slice(13, 16)}-a${digest.slice(17, 20)}-${digest.slice(20, 32)}`;
    const snapshot = JSON.parse(this.#json.split(this.#name).join(name).split(this.#uid).join(uid)) as PodSnapshot;
    snapshot.pod.metadata.namespace = namespace;
    const diagnosis = diagnose(snapshot);
    if (!diagnosis) throw new Error(`replica ${namespace}/${name} has no diagnosis`);
    return { namespace, deployment, name, uid, diagnosis };
  }
}

/** `deployments` Deployments (cycling through CRASH_LOOP_TEMPLATES) × `podsPerDeployment` in each namespace. */
export function crashLoopReplicas(options: { namespaces: readonly string[]; deployments: number; podsPerDeployment: number }): Replica[] {
  const factories = CRASH_LOOP_TEMPLATES.map((template) => ({ ...template, factory: new ReplicaFactory(template.fixture) }));
  const replicas: Replica[] = [];
  for (const namespace of options.namespaces) {
    for (let d = 0; d < options.deployments; d += 1) {
      const template = factories[d % factories.length] as (typeof factories)[number];
      const deployment = d < factories.length ? template.deployment : `${template.deployment}-${Math.floor(d / factories.length)}`;
      for (let i = 0; i < options.podsPerDeployment; i += 1) replicas.push(template.factory.replica(namespace, deployment, i));
    }
  }
  return replicas;
}

/** What the alert pipeline would record for the replica: owned by its Deployment, routed to `channel`. */
export function replicaObservation(replica: Replica, channel: string, cluster = 'prod'): Observation {
  return { cluster, diagnosis: replica.diagnosis, owner: { kind: 'Deployment', name: replica.deployment }, channel, observedAt: FIXTURE_NOW };
}
