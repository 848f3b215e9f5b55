/**
 * Objects reach podwhy in three dialects: kubectl JSON/YAML (strings), watch events (strings)
 * and client-node list results (Date objects; see podman-desktop/extension-kubernetes-dashboard#483).
 * normalizeObject turns all of them into the JSON shape the engine reads, and drops what the engine
 * never reads but costs memory (managedFields are 2–4 KB per Pod, ~30% of the object).
 */
import { z } from 'zod';
import { isRecord } from '../contract/is-record.ts';

const DROPPED_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration'];

export function normalizeObject<T = unknown>(value: unknown): T {
  return normalizeValue(value, 0) as T;
}

function normalizeValue(value: unknown, depth: number): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString().replace('.000Z', 'Z');
  if (Array.isArray(value)) return value.map((item) => normalizeValue(item, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    if (key === 'managedFields') continue;
    // JSON.parse makes "__proto__" an own key; assigning it would set the copy's prototype, and a crafted
    // dump could slip inherited fields (a deletionTimestamp, finalizers) past the engine. No API field has this name.
    if (key === '__proto__') continue;
    out[key] = normalizeValue(item, depth + 1);
  }
  if (depth <= 1 && isRecord(out.annotations)) {
    const annotations = { ...out.annotations };
    for (const key of DROPPED_ANNOTATIONS) delete annotations[key];
    out.annotations = annotations;
  }
  return out;
}

/*
 * Conforming hand-made or hostile dumps to the engine's types (src/contract/k8s.ts), with zod.
 *
 * Objects from the API server always have the types the contract declares; a kubectl dump a person
 * edited (or crafted) may not: `containerStatuses: "x"`, `exitCode: .nan`, a condition that is null.
 * The engine trusts its types, so `classifyObjects` conforms every object once, at the boundary,
 * leniently rather than all-or-nothing: a field of the wrong type is dropped (as if the server had
 * omitted it), a list element or map entry that is not of the declared type is dropped, a shape
 * missing a field the contract requires is dropped (and so is the field or element holding it), and a
 * number that is not an API integer (YAML's .nan/.inf, 1e308, 0.5) is dropped. Fields the contract
 * does not declare pass through (z.looseObject); detectors that read them (affinity, workload status
 * counters) check them. classifyObjects files each schema's output under its contract type, so a
 * schema that drifts from src/contract/k8s.ts fails the type check.
 *
 * The schemas are plain (strict) zod; leniency comes from `conform`, which drops what zod's issues
 * point at and parses again. A dump from a real cluster passes in one parse. Wrapping every field in
 * `.optional().catch(undefined)` and every list and map in a filtering transform says the same in
 * zod alone, but conformed a 20 MB dump 2–4× slower than the hand-written combinators these schemas
 * replace; the plain schemas take about 0.6× their time.
 */

/** Every number the contract declares is an int32 or int64 in the API; 1e308 or 0.5 is not one, and sums of them overflow. */
const int = z.int();
const intOrString = z.union([z.int(), z.string()]);
const str = z.string();
const bool = z.boolean();
const record = z.record(z.string(), z.unknown());

/** labels, annotations, nodeSelector, matchLabels. */
const strMap = z.record(z.string(), str);
/** Resource quantities: YAML written by hand says `cpu: 1` or `cpu: 0.5`, which are the quantities "1" and "0.5". */
const quantityMap = z.record(z.string(), z.union([str, z.number().transform(String)]));

const ownerReference = z.looseObject({ apiVersion: str.optional(), kind: str, name: str, uid: str, controller: bool.optional() });
const objectMetaFields = {
  namespace: str.optional(), uid: str.optional(), resourceVersion: str.optional(), generation: int.optional(),
  creationTimestamp: str.optional(), deletionTimestamp: str.optional(), deletionGracePeriodSeconds: int.optional(),
  finalizers: z.array(str).optional(), labels: strMap.optional(), annotations: strMap.optional(), ownerReferences: z.array(ownerReference).optional(),
};
/** Every object the engine reads is named; only an Event's own name is never read. */
const objectMeta = z.looseObject({ name: str, ...objectMetaFields });
const eventMeta = z.looseObject({ name: str.default(''), ...objectMetaFields });
const templateMeta = z.looseObject({ name: str.optional(), ...objectMetaFields });
const objectReference = z.looseObject({
  kind: str.optional(), namespace: str.optional(), name: str.optional(), uid: str.optional(), apiVersion: str.optional(), fieldPath: str.optional(),
});

const command = z.array(str).optional();
const probe = z.looseObject({
  httpGet: z.looseObject({ path: str.optional(), port: intOrString, scheme: str.optional(), host: str.optional() }).optional(),
  tcpSocket: z.looseObject({ port: intOrString, host: str.optional() }).optional(),
  grpc: z.looseObject({ port: int, service: str.optional() }).optional(),
  exec: z.looseObject({ command }).optional(),
  initialDelaySeconds: int.optional(), periodSeconds: int.optional(), timeoutSeconds: int.optional(),
  failureThreshold: int.optional(), successThreshold: int.optional(),
});
const keyRef = z.looseObject({ name: str, key: str, optional: bool.optional() });
const envVar = z.looseObject({
  name: str,
  value: str.optional(),
  valueFrom: z.looseObject({
    configMapKeyRef: keyRef.optional(),
    secretKeyRef: keyRef.optional(),
    fieldRef: z.looseObject({ fieldPath: str }).optional(),
    resourceFieldRef: z.looseObject({ resource: str, containerName: str.optional() }).optional(),
  }).optional(),
});
const sourceRef = z.looseObject({ name: str, optional: bool.optional() });
const lifecycleHandler = z.looseObject({
  exec: z.looseObject({ command }).optional(),
  httpGet: z.looseObject({ path: str.optional(), port: intOrString, scheme: str.optional() }).optional(),
  tcpSocket: z.looseObject({ port: intOrString }).optional(),
  sleep: z.looseObject({ seconds: int }).optional(),
});
const container = z.looseObject({
  name: str, image: str.optional(), command, args: command, workingDir: str.optional(),
  env: z.array(envVar).optional(),
  envFrom: z.array(z.looseObject({ configMapRef: sourceRef.optional(), secretRef: sourceRef.optional(), prefix: str.optional() })).optional(),
  ports: z.array(z.looseObject({ containerPort: int, name: str.optional(), protocol: str.optional() })).optional(),
  resources: z.looseObject({ limits: quantityMap.optional(), requests: quantityMap.optional() }).optional(),
  livenessProbe: probe.optional(), readinessProbe: probe.optional(), startupProbe: probe.optional(),
  lifecycle: z.looseObject({ postStart: lifecycleHandler.optional(), preStop: lifecycleHandler.optional() }).optional(),
  volumeMounts: z.array(z.looseObject({
    name: str, mountPath: str, subPath: str.optional(), subPathExpr: str.optional(), readOnly: bool.optional(),
  })).optional(),
  securityContext: record.optional(),
  restartPolicy: str.optional(),
});
const keyToPath = z.array(z.looseObject({ key: str, path: str })).optional();
const volume = z.looseObject({
  name: str,
  persistentVolumeClaim: z.looseObject({ claimName: str, readOnly: bool.optional() }).optional(),
  configMap: z.looseObject({ name: str, optional: bool.optional(), items: keyToPath }).optional(),
  secret: z.looseObject({ secretName: str, optional: bool.optional(), items: keyToPath }).optional(),
  projected: z.looseObject({ sources: z.array(z.looseObject({ configMap: sourceRef.optional(), secret: sourceRef.optional() })).optional() }).optional(),
  hostPath: z.looseObject({ path: str, type: str.optional() }).optional(),
  emptyDir: record.optional(),
});
const podSpec = z.looseObject({
  nodeName: str.optional(), nodeSelector: strMap.optional(), affinity: record.optional(),
  tolerations: z.array(z.looseObject({ key: str.optional(), operator: str.optional(), value: str.optional(), effect: str.optional(), tolerationSeconds: int.optional() })).optional(),
  containers: z.array(container).default(() => []), initContainers: z.array(container).optional(), volumes: z.array(volume).optional(),
  serviceAccountName: str.optional(), imagePullSecrets: z.array(z.looseObject({ name: str })).optional(), restartPolicy: str.optional(),
  terminationGracePeriodSeconds: int.optional(), priorityClassName: str.optional(), schedulerName: str.optional(),
});
const containerState = z.looseObject({
  waiting: z.looseObject({ reason: str.optional(), message: str.optional() }).optional(),
  running: z.looseObject({ startedAt: str.optional() }).optional(),
  terminated: z.looseObject({
    exitCode: int, signal: int.optional(), reason: str.optional(), message: str.optional(),
    startedAt: str.optional(), finishedAt: str.optional(), containerID: str.optional(),
  }).optional(),
});
const containerStatus = z.looseObject({
  name: str, ready: bool.default(false), restartCount: int.default(0), started: bool.optional(),
  image: str.optional(), imageID: str.optional(), containerID: str.optional(),
  state: containerState.optional(), lastState: containerState.optional(),
});
const condition = z.looseObject({
  type: str, status: str, reason: str.optional(), message: str.optional(),
  lastTransitionTime: str.optional(), lastHeartbeatTime: str.optional(), lastProbeTime: str.optional(),
});
const conditions = z.array(condition).optional();
const podStatus = z.looseObject({
  phase: str.optional(), reason: str.optional(), message: str.optional(), conditions,
  containerStatuses: z.array(containerStatus).optional(), initContainerStatuses: z.array(containerStatus).optional(),
  qosClass: str.optional(), startTime: str.optional(), nominatedNodeName: str.optional(), hostIP: str.optional(), podIP: str.optional(),
});

export const PodSchema = z.looseObject({
  kind: z.literal('Pod').optional(),
  metadata: objectMeta,
  spec: podSpec.default(() => ({ containers: [] })),
  status: podStatus.optional(),
});
export const EventSchema = z.looseObject({
  kind: z.literal('Event').optional(),
  metadata: eventMeta.default(() => ({ name: '' })),
  involvedObject: objectReference.optional(),
  reason: str.optional(), message: str.optional(), type: str.optional(), count: int.optional(),
  firstTimestamp: str.optional(), lastTimestamp: str.optional(), eventTime: str.optional(),
  series: z.looseObject({ count: int.optional(), lastObservedTime: str.optional() }).optional(),
  source: z.looseObject({ component: str.optional(), host: str.optional() }).optional(),
  reportingComponent: str.optional(), reportingInstance: str.optional(),
  // events.k8s.io/v1 names, converted by toCoreEvent.
  regarding: objectReference.optional(), note: str.optional(), deprecatedCount: int.optional(),
  deprecatedFirstTimestamp: str.optional(), deprecatedLastTimestamp: str.optional(), reportingController: str.optional(),
});
export const NodeSchema = z.looseObject({
  kind: z.literal('Node').optional(),
  metadata: objectMeta,
  spec: z.looseObject({
    taints: z.array(z.looseObject({ key: str, value: str.optional(), effect: str, timeAdded: str.optional() })).optional(),
    unschedulable: bool.optional(),
    podCIDR: str.optional(),
  }).optional(),
  status: z.looseObject({ conditions, capacity: quantityMap.optional(), allocatable: quantityMap.optional() }).optional(),
});
/** A Pod's owner, or any other controller: read by the fields every workload kind shares. */
export const WorkloadSchema = z.looseObject({
  kind: str,
  metadata: objectMeta,
  spec: z.looseObject({
    replicas: int.optional(),
    selector: z.looseObject({ matchLabels: strMap.optional() }).optional(),
    template: z.looseObject({ metadata: templateMeta.optional(), spec: podSpec.optional() }).optional(),
  }).optional(),
  status: z.looseObject({ replicas: int.optional(), readyReplicas: int.optional(), availableReplicas: int.optional(), conditions }).optional(),
});
export const ResourceQuotaSchema = z.looseObject({
  kind: z.literal('ResourceQuota').optional(),
  metadata: objectMeta,
  spec: z.looseObject({ hard: quantityMap.optional() }).optional(),
  status: z.looseObject({ hard: quantityMap.optional(), used: quantityMap.optional() }).optional(),
});
export const PersistentVolumeClaimSchema = z.looseObject({
  kind: z.literal('PersistentVolumeClaim').optional(),
  metadata: objectMeta,
  spec: z.looseObject({
    storageClassName: str.optional(), volumeName: str.optional(), accessModes: z.array(str).optional(),
    resources: z.looseObject({ requests: quantityMap.optional() }).optional(),
  }).optional(),
  status: z.looseObject({ phase: str.optional(), conditions }).optional(),
});

/** `object` conformed to `schema` (see above), or null when what is left cannot be one (an unnamed Pod). */
export function conform<S extends z.ZodType>(schema: S, object: unknown): z.output<S> | null {
  let result = schema.safeParse(object);
  if (result.success) return result.data;
  // A dump with fields of the wrong type: drop from a copy what zod rejected, and parse the rest again.
  const copy = structuredClone(object);
  while (!result.success) {
    if (!dropRejected(copy, result.error.issues)) return null;
    result = schema.safeParse(copy);
  }
  return result.data;
}

const DROPPED = Symbol('dropped');

/**
 * Drops the value each issue points at; a required field that is missing (or was dropped in an
 * earlier round) drops the shape holding it. False when that leaves nothing to parse again: the root
 * itself is dropped.
 */
function dropRejected(root: unknown, issues: readonly z.core.$ZodIssue[]): boolean {
  const holders = new Set<Record<PropertyKey, unknown> | unknown[]>();
  for (const issue of issues) {
    const path = valueAt(root, issue.path) === undefined ? issue.path.slice(0, -1) : issue.path;
    const key = path.at(-1);
    if (key === undefined) return false;
    const holder = valueAt(root, path.slice(0, -1));
    if (typeof holder !== 'object' || holder === null) continue; // inside something this round already dropped
    (holder as Record<PropertyKey, unknown>)[key] = DROPPED;
    holders.add(holder as Record<PropertyKey, unknown> | unknown[]);
  }
  for (const holder of holders) {
    if (Array.isArray(holder)) {
      for (let i = holder.length - 1; i >= 0; i--) if (holder[i] === DROPPED) holder.splice(i, 1);
    } else {
      for (const key of Object.keys(holder)) if (holder[key] === DROPPED) delete holder[key];
    }
  }
  return holders.size > 0;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

const SCHEMA_BY_KIND: Record<string, z.ZodType<Record<string, unknown>>> = {
  Pod: PodSchema, Event: EventSchema, Node: NodeSchema, ResourceQuota: ResourceQuotaSchema, PersistentVolumeClaim: PersistentVolumeClaimSchema,
};

/** `object` conformed by its kind; kinds other than the engine's own are read as workloads. */
export function conformObject(kind: string, object: unknown): Record<string, unknown> | null {
  return conform(SCHEMA_BY_KIND[kind] ?? WorkloadSchema, object);
}
