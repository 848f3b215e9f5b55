import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { RESOURCES } from '../src/cluster/resources.ts';
import { loadConfig, slackSettingsOf } from '../src/config.ts';

const DEPLOY = join(import.meta.dirname, '..', 'deploy');
const KUSTOMIZE = join(DEPLOY, 'kubernetes');
const OVERLAYS = readdirSync(join(KUSTOMIZE, 'overlays')).sort();

interface Rule { apiGroups: string[]; resources: string[]; verbs: string[] }
interface Manifest { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [key: string]: unknown }
interface Probe { httpGet?: unknown; tcpSocket?: unknown; exec?: unknown }
interface Container {
  name: string;
  image: string;
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string } } }[];
  envFrom?: { secretRef?: { name: string }; configMapRef?: { name: string } }[];
  ports?: { containerPort: number }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  securityContext?: SecurityContext;
}
interface SecurityContext {
  runAsNonRoot?: boolean;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
}
interface PodSpec { serviceAccountName?: string; automountServiceAccountToken?: boolean; securityContext?: SecurityContext; containers: Container[] }
interface Workload extends Manifest { spec: { template: { spec: PodSpec } } }
interface NetworkPolicy extends Manifest { spec: { podSelector: unknown; policyTypes: string[]; egress?: { ports?: { port: number }[] }[] } }

function parse(text: string, source: string): Manifest[] {
  return parseAllDocuments(text).map((doc) => {
    expect(doc.errors, source).toEqual([]);
    return doc.toJS() as Manifest;
  }).filter((m) => m !== null);
}

function rulesOf(manifests: Manifest[]): Rule[] {
  return manifests.filter((m) => m.kind === 'ClusterRole' || m.kind === 'Role').flatMap((m) => (m as unknown as { rules?: Rule[] }).rules ?? []);
}

const readRules = rulesOf(parse(readFileSync(join(KUSTOMIZE, 'base', 'rbac-read.yaml'), 'utf8'), 'rbac-read.yaml'));
const actionRules = rulesOf(parse(readFileSync(join(KUSTOMIZE, 'actions', 'rbac-actions.yaml'), 'utf8'), 'rbac-actions.yaml'));
const can = (rules: Rule[], group: string, resource: string, verb: string) =>
  rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '');

describe('RBAC files', () => {
  it('reads only: the base role has no mutating verb', () => {
    expect([...new Set(readRules.flatMap((r) => r.verbs))].sort()).toEqual(['get', 'list', 'watch']);
  });

  it('lets actions delete and patch Pods (and check access) and nothing else', () => {
    const granted = actionRules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`))));

    expect(granted.sort()).toEqual(['/pods:delete', '/pods:patch', 'authorization.k8s.io/subjectaccessreviews:create']);
  });

  it('covers every type the informers list and watch (src/cluster/resources.ts), Pod logs, and nothing more', () => {
    for (const [resource, info] of Object.entries(RESOURCES)) {
      const group = groupOf(info.apiVersion);
      expect(can(readRules, group, resource, 'list') && can(readRules, group, resource, 'watch'), `${group}/${resource}`).toBe(true);
    }
    expect(can(readRules, '', 'pods/log', 'get')).toBe(true);
    // Channel routing reads a Namespace's podwhy.io/channel annotation.
    expect(can(readRules, '', 'namespaces', 'get')).toBe(true);

    const known = new Set([...Object.entries(RESOURCES).map(([resource, info]) => `${groupOf(info.apiVersion)}/${resource}`), '/pods/log']);
    for (const rule of readRules) {
      for (const group of rule.apiGroups) for (const resource of rule.resources) expect(known, `${group}/${resource} is granted but never read`).toContain(`${group}/${resource}`);
    }
  });

  it('keeps every manifest parseable, and the Slack Secret a template without real tokens', () => {
    const files = readdirSync(DEPLOY, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml'));

    for (const file of files) parse(readFileSync(join(DEPLOY, file), 'utf8'), file);
    expect(files.length).toBeGreaterThan(10);
    const template = readFileSync(join(KUSTOMIZE, 'slack-secret.example.yaml'), 'utf8');
    expect(template).toMatch(/SLACK_BOT_TOKEN: "xoxb-REPLACE-ME"/);
    expect(template).not.toMatch(/xox[abp]-\d|xapp-\d/);
  });
});

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
const kubectlMissing = kubectl.error !== undefined || kubectl.status !== 0;
if (kubectlMissing) console.warn('test/deploy.test.ts: kubectl is not on PATH, so the overlays are not rendered (.ci/run installs it)');

function render(overlay: string): Manifest[] {
  // The kustomize built into kubectl: Debian's kubectl 1.20 carries kustomize v2, newer ones v5; both must render.
  const text = execFileSync('kubectl', ['kustomize', join(KUSTOMIZE, 'overlays', overlay)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return parse(text, overlay);
}

const workloadKinds = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
const workloadsOf = (manifests: Manifest[]) => manifests.filter((m): m is Workload => workloadKinds.has(m.kind));
const byName = (manifests: Manifest[], kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.name === name);
const slackSecretRefs = (c: Container) => [
  ...(c.envFrom ?? []).flatMap((e) => (e.secretRef ? [e.secretRef.name] : [])),
  ...(c.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.name] : [])),
];

describe.skipIf(kubectlMissing)(`kubectl kustomize deploy/kubernetes/overlays/{${OVERLAYS.join(',')}}`, () => {
  // The describe body is collected even when skipped: render only where kubectl exists.
  const rendered = new Map(kubectlMissing ? [] : OVERLAYS.map((overlay) => [overlay, render(overlay)]));

  it('has the single, scaled and actions overlays, each rendering podwhy into its namespace', () => {
    expect(OVERLAYS).toEqual(expect.arrayContaining(['actions', 'scaled', 'single']));
    for (const [overlay, manifests] of rendered) {
      expect(workloadsOf(manifests).length, overlay).toBeGreaterThan(0);
      for (const m of manifests) if (!['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(m.kind)) expect(m.metadata.namespace, `${overlay} ${m.kind}/${m.metadata.name}`).toBe('podwhy');
    }
  });

  it('never grants a wildcard, Secrets, or an escalation verb, and ships no Secret', () => {
    for (const [overlay, manifests] of rendered) {
      for (const rule of rulesOf(manifests)) {
        expect([...rule.resources, ...rule.verbs, ...rule.apiGroups], overlay).not.toContain('*');
        expect(rule.resources, overlay).not.toContain('secrets');
        for (const verb of ['impersonate', 'escalate', 'bind']) expect(rule.verbs, overlay).not.toContain(verb);
      }
      // The Slack tokens come from a Secret the user creates; apply -k must never overwrite it with placeholders.
      expect(manifests.filter((m) => m.kind === 'Secret'), overlay).toEqual([]);
    }
  });

  it('gives every container resources, probes, a hardened securityContext and a pinned image', () => {
    for (const [overlay, manifests] of rendered) {
      for (const workload of workloadsOf(manifests)) {
        const pod = workload.spec.template.spec;
        for (const c of pod.containers) {
          const where = `${overlay} ${workload.metadata.name}/${c.name}`;
          expect(c.resources?.requests?.cpu && c.resources.requests.memory && c.resources.limits?.memory, where).toBeTruthy();
          expect(c.readinessProbe, where).toBeDefined();
          expect(c.livenessProbe, where).toBeDefined();
          expect(c.image, where).toMatch(/:[\w.-]+$/);
          expect(c.image, where).not.toMatch(/:latest$/);
          const sc = { ...pod.securityContext, ...c.securityContext };
          expect(sc, where).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, seccompProfile: { type: 'RuntimeDefault' } });
          expect(sc.capabilities?.drop, where).toEqual(['ALL']);
          expect(sc.capabilities?.add, where).toBeUndefined();
        }
      }
    }
  });

  it('mounts a service-account token only into the processes that read the cluster', () => {
    for (const [overlay, manifests] of rendered) {
      for (const workload of workloadsOf(manifests)) {
        const pod = workload.spec.template.spec;
        const args = pod.containers.flatMap((c) => (c as unknown as { args?: string[] }).args ?? []);
        const readsCluster = args[0] === 'agent' || args[0] === 'worker';
        if (readsCluster) expect(pod.serviceAccountName, `${overlay} ${workload.metadata.name}`).toBe('podwhy');
        else expect(pod.automountServiceAccountToken, `${overlay} ${workload.metadata.name}`).toBe(false);
      }
    }
  });

  it('single: one process with the Slack Secret and the read RBAC, no Redis', () => {
    const manifests = rendered.get('single') ?? [];
    const workloads = workloadsOf(manifests);

    expect(workloads.map((w) => w.metadata.name)).toEqual(['podwhy-agent']);
    const agent = workloads[0]?.spec.template.spec.containers[0];
    expect(agent && slackSecretRefs(agent)).toEqual(['podwhy-slack']);
    expect(JSON.stringify(manifests)).not.toContain('REDIS_URL');
    expect(byName(manifests, 'ClusterRoleBinding', 'podwhy-read')).toBeDefined();
    expect(byName(manifests, 'ClusterRole', 'podwhy-actions')).toBeUndefined();
  });

  it('scaled: the gateway holds the Slack tokens only, the agent and workers the cluster credentials only', () => {
    const manifests = rendered.get('scaled') ?? [];
    const workloads = workloadsOf(manifests);
    const container = (name: string): Container => {
      const found = (byName(workloads, 'Deployment', name) as Workload | undefined)?.spec.template.spec.containers[0];
      if (!found) throw new Error(`no container in Deployment ${name}`);
      return found;
    };

    expect(workloads.map((w) => w.metadata.name).sort()).toEqual(['podwhy-agent', 'podwhy-gateway', 'podwhy-redis', 'podwhy-worker']);
    for (const name of ['podwhy-agent', 'podwhy-worker']) {
      const c = container(name);
      expect(slackSecretRefs(c), name).toEqual([]);
      expect((c.env ?? []).map((e) => e.name).filter((n) => n.startsWith('SLACK_')), name).toEqual([]);
      expect((c.ports ?? []).map((p) => p.containerPort), name).toEqual([9464]);
    }
    expect(slackSecretRefs(container('podwhy-gateway'))).toEqual(['podwhy-slack']);
    // No binding names the gateway's account, so even a mounted token could not read the cluster.
    const bindings = manifests.filter((m) => m.kind === 'ClusterRoleBinding' || m.kind === 'RoleBinding') as unknown as { subjects: { name: string }[] }[];
    expect(bindings.flatMap((b) => b.subjects.map((s) => s.name))).not.toContain('podwhy-gateway');
    expect(byName(manifests, 'ServiceAccount', 'podwhy-gateway')).toMatchObject({ automountServiceAccountToken: false });
    const config = byName(manifests, 'ConfigMap', 'podwhy-config') as unknown as { data: Record<string, string> };
    expect(config.data.REDIS_URL).toMatch(/^redis:\/\/podwhy-redis\./);
    expect(byName(manifests, 'PodDisruptionBudget', 'podwhy-worker')).toBeDefined();
  });

  it('scaled: the agent reaches only the API server and Redis, the gateway only Slack and Redis', () => {
    const manifests = rendered.get('scaled') ?? [];
    const egressPorts = (name: string) => {
      const policy = byName(manifests, 'NetworkPolicy', name) as NetworkPolicy;
      expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      return [...new Set((policy.spec.egress ?? []).flatMap((rule) => (rule.ports ?? []).map((p) => p.port)))].sort((a, b) => a - b);
    };

    expect(egressPorts('podwhy-agent')).toEqual([53, 443, 6379, 6443]);
    expect(egressPorts('podwhy-gateway')).toEqual([53, 443, 6379]);
    expect(egressPorts('podwhy-redis')).toEqual([]);
  });

  it('configures every process with values src/config.ts accepts (the ConfigMap plus the Secret template)', () => {
    const template = parse(readFileSync(join(KUSTOMIZE, 'slack-secret.example.yaml'), 'utf8'), 'slack-secret.example.yaml')[0] as unknown as { stringData: Record<string, string> };
    for (const [overlay, manifests] of rendered) {
      const data = (byName(manifests, 'ConfigMap', 'podwhy-config') as unknown as { data: Record<string, string> }).data;
      const config = loadConfig({ ...data, ...template.stringData });

      expect(slackSettingsOf(config)?.mode, overlay).toBe('socket');
      expect(config.REDIS_URL !== undefined, overlay).toBe(overlay === 'scaled');
    }
  });

  it('actions: adds pods delete/patch and turns ACTIONS_ENABLED on; the others keep it off', () => {
    for (const [overlay, manifests] of rendered) {
      const config = byName(manifests, 'ConfigMap', 'podwhy-config') as unknown as { data: Record<string, string> };
      const rules = rulesOf(manifests);
      const deletes = can(rules, '', 'pods', 'delete') && can(rules, '', 'pods', 'patch');
      expect({ overlay, enabled: config.data.ACTIONS_ENABLED, deletes }).toEqual({ overlay, enabled: overlay === 'actions' ? 'true' : 'false', deletes: overlay === 'actions' });
    }
  });
});
