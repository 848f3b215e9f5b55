import { describe, expect, it } from 'vitest';
import { isPodwhyError } from '../../src/errors.ts';
import { authorize, groupsThatCouldGrant, parseActionPolicy } from '../../src/slack/action-policy.ts';

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

  it('grants through a user group the caller found the user in (by id or @handle), and names the groups worth looking up', () => {
    const grouped = parseActionPolicy(JSON.stringify([
      { groups: ['@oncall', 'S0PLATFORM'], clusters: ['prod'], namespaces: ['shop'], actions: ['restart-pod', 'snooze', 'mark-resolved'] },
      { users: ['U0ALICE'], groups: ['S0DBA'], clusters: ['prod'], namespaces: ['db'], actions: ['force-delete'] },
    ]));
    const request = { user: 'U0BOB', cluster: 'prod', namespace: 'shop', action: 'snooze' } as const;

    expect(authorize(grouped, request)).toEqual({ allowed: false, reason: 'the action policy grants you no actions' });
    expect(authorize(grouped, request, new Set(['@oncall']))).toEqual({ allowed: true });
    expect(authorize(grouped, { ...request, namespace: 'db' }, new Set(['@oncall'])).allowed).toBe(false);
    expect(authorize(grouped, { ...request, namespace: 'db', action: 'force-delete' }, new Set(['S0DBA'])).allowed).toBe(true);
    expect(groupsThatCouldGrant(grouped, { cluster: 'prod', namespace: 'shop', action: 'mark-resolved' })).toEqual(['@oncall', 'S0PLATFORM']);
    expect(groupsThatCouldGrant(grouped, { cluster: 'prod', namespace: 'shop', action: 'force-delete' })).toEqual([]);
  });

  it.each([
    ['neither users nor groups', '[{"clusters":["prod"],"namespaces":["*"],"actions":["snooze"]}]'],
    ['a group that is neither an id nor a @handle', '[{"groups":["oncall"],"clusters":["prod"],"namespaces":["*"],"actions":["snooze"]}]'],
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
