import { describe, expect, it } from 'vitest';
import { ConsoleNotifier } from '../../src/notify/console-notifier.ts';
import { MemoryIncidentStore } from '../../src/incidents/memory-store.ts';
import { IncidentManager } from '../../src/incidents/manager.ts';
import { deliverNotification } from '../../src/notify/deliver.ts';
import type { NotifyCommand } from '../../src/contract/incident.ts';
import type { Diagnosis } from '../../src/contract/diagnosis.ts';

const T0 = Date.parse('2026-11-20T12:00:00Z');

const diagnosis: Diagnosis = {
  subject: { kind: 'Pod', namespace: 'shop', name: 'web-7d9f8b6c5-x2x9k', uid: 'uid-1' },
  scenario: 'image-pull',
  cause: 'image-pull.unauthorized',
  otherCauses: [],
  summary: 'Container web of Pod web-7d9f8b6c5-x2x9k cannot pull registry.example.com/shop/web:1.4: the registry refused the credentials',
  evidence: [
    // source: kubernetes pkg/kubelet/images/types.go (ErrImagePullBackOff = "ImagePullBackOff")
    { kind: 'status', field: 'status.containerStatuses[web].state.waiting.reason', value: 'ImagePullBackOff' },
    // source: kubernetes pkg/kubelet/images/image_manager.go ("Back-off pulling image %q")
    { kind: 'event', object: 'Pod/web-7d9f8b6c5-x2x9k', type: 'Normal', reason: 'BackOff', message: 'Back-off pulling image "registry.example.com/shop/web:1.4"', count: 7, ageSeconds: 12 },
    { kind: 'spec', field: 'spec.imagePullSecrets', value: '(none)' },
    { kind: 'node', node: 'node-1', detail: 'Ready' },
  ],
  remediation: [{ text: 'Add an imagePullSecret for registry.example.com', command: 'kubectl -n shop create secret docker-registry regcred --docker-server=registry.example.com' }],
  actions: [],
};

async function commandsFor(): Promise<{ open: NotifyCommand; manager: IncidentManager; store: MemoryIncidentStore; clock: { now: number } }> {
  const clock = { now: T0 };
  const store = new MemoryIncidentStore();
  const manager = new IncidentManager({ store, now: () => clock.now, settings: { resolveAfterMs: 0 } });
  const open = await manager.record({ cluster: 'prod', diagnosis, owner: { kind: 'Deployment', name: 'web' }, channel: 'C0ALERTS', observedAt: '2026-11-20T12:00:00Z' });
  if (!open) throw new Error('expected an open');
  return { open, manager, store, clock };
}

describe('ConsoleNotifier', () => {
  it('prints an open with scenario, cause, summary, top evidence, remediation and pod count, and returns a fake ts', async () => {
    const printed: string[] = [];
    const notifier = new ConsoleNotifier({ out: { write: (text: string) => printed.push(text) }, now: () => T0, maxEvidence: 2 });
    const { open } = await commandsFor();

    const posted = await notifier.deliver(open);

    expect(posted).toEqual({ channel: 'C0ALERTS', ts: `${T0 / 1000}.000001` });
    expect(printed.join('').split('\n')).toEqual([
      `[C0ALERTS] OPEN prod/shop Deployment/web: image-pull.unauthorized (ts ${T0 / 1000}.000001)`,
      '  1 pod failing',
      `  ${diagnosis.summary}`,
      '  Evidence:',
      '    - status.containerStatuses[web].state.waiting.reason = ImagePullBackOff',
      '    - event Normal BackOff on Pod/web-7d9f8b6c5-x2x9k (x7, 12s ago): Back-off pulling image "registry.example.com/shop/web:1.4"',
      '    … 2 more',
      '  Fix:',
      '    - Add an imagePullSecret for registry.example.com',
      '      $ kubectl -n shop create secret docker-registry regcred --docker-server=registry.example.com',
      '',
    ]);
  });

  it('prints "updated" and "resolved" lines that name the message they edit, and returns nothing for edits', async () => {
    const printed: string[] = [];
    const notifier = new ConsoleNotifier({ out: { write: (text: string) => printed.push(text) }, now: () => T0 });
    const { open, manager, store, clock } = await commandsFor();
    await deliverNotification(open, { notifier, store });
    clock.now += 20_000;
    const update = await manager.record({ cluster: 'prod', diagnosis: { ...diagnosis, subject: { ...diagnosis.subject, name: 'web-7d9f8b6c5-abcde', uid: 'uid-2' } }, owner: { kind: 'Deployment', name: 'web' }, channel: 'C0ALERTS', observedAt: '2026-11-20T12:00:20Z' });
    await manager.podHealthy('prod', 'uid-1');
    const [resolve] = await manager.resolvePod('prod', 'uid-2');

    const results = [await notifier.deliver(update as NotifyCommand), await notifier.deliver(resolve as NotifyCommand)];

    expect(results).toEqual([undefined, undefined]);
    expect(printed.slice(1).join('')).toContain(`[C0ALERTS] UPDATED ts ${T0 / 1000}.000001: prod/shop Deployment/web: image-pull.unauthorized\n  2 of 2 pod(s) failing`);
    expect(printed.slice(1).join('')).toContain(`[C0ALERTS] RESOLVED ts ${T0 / 1000}.000001: prod/shop Deployment/web: image-pull.unauthorized: all 2 pod(s) healthy or gone`);
  });
});
