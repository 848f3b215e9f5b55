import { describe, expect, it } from 'vitest';
import { isPodwhyError } from '../../src/errors.ts';
import { authorize, parseActionPolicy } from '../../src/slack/action-policy.ts';

const policy = parseActionPolicy(JSON.stringify([
  { users: ['U0ALICE'], clusters: ['prod'], namespaces: ['shop', 'team-*'], actions: ['remove-finalizer', 'restart-pod'] },
  { users: ['U0ALICE', 'U0BOB'], clusters: ['staging-?'], namespaces: ['*'], actions: ['force-delete'] },
]));

describe('ACTION_POLICY', () => {
  it('lets nobody mutate when empty (the default)', () => {
    expect(authorize(parseActionPolicy(''), { user: 'U0ALICE', cluster: 'prod', namespace: 'shop', action: 'restart-pod' })).toEqual({ allowed: false, reason: expect.stringContaining('until an action policy is configured') });
  });

  it.each([
    ['U0ALICE', 'prod', 'shop', 'restart-pod', true],
    ['U0ALICE', 'prod', 'team-a', 'remove-finalizer', true],
    ['U0ALICE', 'prod', 'kube-system', 'restart-pod', false],
    ['U0ALICE', 'prod', 'shop', 'force-delete', false],
    ['U0BOB', 'prod', 'shop', 'restart-pod', false],
    ['U0BOB', 'staging-1', 'anything', 'force-delete', true],
    ['U0BOB', 'staging-10', 'anything', 'force-delete', false],
    ['U0CAROL', 'prod', 'shop', 'restart-pod', false],
  ] as const)('%s on %s/%s %s → %s', (user, cluster, namespace, action, allowed) => {
    expect(authorize(policy, { user, cluster, namespace, action }).allowed).toBe(allowed);
  });

  it('says why a click is denied', () => {
    expect(authorize(policy, { user: 'U0CAROL', cluster: 'prod', namespace: 'shop', action: 'restart-pod' })).toEqual({ allowed: false, reason: 'the action policy grants you no actions' });
    expect(authorize(policy, { user: 'U0ALICE', cluster: 'prod', namespace: 'kube-system', action: 'restart-pod' })).toMatchObject({ reason: expect.stringContaining('namespace kube-system of cluster prod') });
    expect(authorize(policy, { user: 'U0ALICE', cluster: 'prod', namespace: 'shop', action: 'force-delete' })).toMatchObject({ reason: expect.stringContaining('does not let you force-delete') });
  });

  it.each([
    ['not JSON', '{'],
    ['an unknown action', '[{"users":["U0A"],"clusters":["prod"],"namespaces":["*"],"actions":["exec"]}]'],
    ['no users', '[{"users":[],"clusters":["prod"],"namespaces":["*"],"actions":["restart-pod"]}]'],
    ['an unknown key', '[{"users":["U0A"],"clusters":["prod"],"namespaces":["*"],"actions":["restart-pod"],"verbs":["*"]}]'],
  ])('refuses %s at start-up', (_what, text) => {
    let thrown: unknown;
    try {
      parseActionPolicy(text);
    } catch (error) {
      thrown = error;
    }
    expect(isPodwhyError(thrown, 'config-invalid')).toBe(true);
  });
});
