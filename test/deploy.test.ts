import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';

const DEPLOY = join(import.meta.dirname, '..', 'deploy');

interface Rule { apiGroups: string[]; resources: string[]; verbs: string[] }

function rulesOf(file: string): Rule[] {
  return parseAllDocuments(readFileSync(join(DEPLOY, file), 'utf8'))
    .map((d) => d.toJS() as { kind: string; rules?: Rule[] })
    .filter((d) => d.kind === 'ClusterRole' || d.kind === 'Role')
    .flatMap((d) => d.rules ?? []);
}

const readRules = rulesOf('base/rbac-read.yaml');
const actionRules = rulesOf('components/actions/rbac-actions.yaml');

describe('RBAC', () => {
  it('never grants Secrets, wildcards or escalation verbs', () => {
    for (const rule of [...readRules, ...actionRules]) {
      expect(rule.resources).not.toContain('secrets');
      expect([...rule.resources, ...rule.verbs, ...rule.apiGroups]).not.toContain('*');
      expect(rule.verbs).not.toEqual(expect.arrayContaining(['impersonate']));
      expect(rule.verbs).not.toEqual(expect.arrayContaining(['escalate']));
    }
  });

  it('reads only: the base role has no mutating verb', () => {
    const verbs = new Set(readRules.flatMap((r) => r.verbs));

    expect([...verbs].sort()).toEqual(['get', 'list', 'watch']);
  });

  it('lets actions delete and patch Pods and ask SubjectAccessReviews, nothing else', () => {
    expect(actionRules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['delete', 'patch'] },
      { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
    ]);
  });

  it('covers what the informers and the collector read', () => {
    const can = (group: string, resource: string, verb: string) =>
      readRules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));

    for (const [group, resource] of [['', 'pods'], ['', 'nodes'], ['', 'resourcequotas'], ['', 'persistentvolumeclaims'], ['apps', 'replicasets'], ['apps', 'deployments'], ['apps', 'statefulsets'], ['apps', 'daemonsets'], ['batch', 'jobs']] as const) {
      expect(can(group, resource, 'list') && can(group, resource, 'watch'), `${group}/${resource}`).toBe(true);
    }
    expect(can('', 'events', 'watch')).toBe(true);
    expect(can('', 'pods/log', 'get')).toBe(true);
    // Channel routing reads each Namespace's podwhy.io/channel annotation from the informer cache.
    expect(can('', 'namespaces', 'list') && can('', 'namespaces', 'watch') && can('', 'namespaces', 'get')).toBe(true);
  });

  it('keeps every manifest parseable', () => {
    const files = readdirSync(DEPLOY, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml'));

    for (const file of files) {
      for (const doc of parseAllDocuments(readFileSync(join(DEPLOY, file), 'utf8'))) expect(doc.errors, file).toEqual([]);
    }
    expect(files.length).toBeGreaterThan(5);
  });
});
