/**
 * Objects reach podwhy in three dialects: kubectl JSON/YAML (strings), watch events (strings)
 * and client-node list results (Date objects; see podman-desktop/extension-kubernetes-dashboard#483).
 * normalizeObject turns all of them into the JSON shape the engine reads, and drops what the engine
 * never reads but costs memory (managedFields are 2–4 KB per Pod, ~30% of the object).
 */
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

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/*
 * Conforming hand-made or hostile dumps to the engine's types (src/contract/k8s.ts).
 *
 * Objects from the API server always have the types the contract declares; a kubectl dump a person
 * edited (or crafted) may not: `containerStatuses: "x"`, `exitCode: .nan`, a condition that is null.
 * The engine trusts its types, so `classifyObjects` conforms every object once, at the boundary:
 * a field of the wrong type is dropped (as if the server had omitted it), a list element that is not
 * the declared shape is dropped, a shape missing a field the contract requires is dropped, and a
 * number that is not an integer (YAML's .nan/.inf, 1e308) is dropped. Fields the contract does not
 * declare pass through; detectors that read them (affinity, workload status counters) check them.
 */
type Conform = (value: unknown) => unknown;

const str: Conform = (v) => (typeof v === 'string' ? v : undefined);
/** Every number the contract declares is an int32 or int64 in the API; 1e308 or 0.5 is not one, and sums of them overflow. */
const num: Conform = (v) => (Number.isSafeInteger(v) ? v : undefined);
const bool: Conform = (v) => (typeof v === 'boolean' ? v : undefined);
const intOrStr: Conform = (v) => num(v) ?? str(v);
const record: Conform = (v) => (isRecord(v) ? v : undefined);

function listOf(item: Conform): Conform {
  return (v) => (Array.isArray(v) ? v.map(item).filter((x) => x !== undefined) : undefined);
}

function mapOf(value: Conform): Conform {
  return (v) => {
    if (!isRecord(v)) return undefined;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(v)) {
      const conformed = value(item);
      if (conformed !== undefined) out[key] = conformed;
    }
    return out;
  };
}

/** labels, annotations, nodeSelector, matchLabels. */
const strMap = mapOf(str);
/** Resource quantities: YAML written by hand says `cpu: 1` or `cpu: 0.5`, which are the quantities "1" and "0.5". */
const quantityMap = mapOf((v) => str(v) ?? (typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined));

function shape(fields: Record<string, Conform>, required: readonly string[] = [], defaults: Record<string, () => unknown> = {}): Conform {
  return (v) => {
    if (!isRecord(v)) return undefined;
    const out: Record<string, unknown> = { ...v };
    for (const [key, conform] of Object.entries(fields)) {
      if (!(key in out)) continue;
      const conformed = conform(out[key]);
      if (conformed === undefined) delete out[key];
      else out[key] = conformed;
    }
    for (const [key, make] of Object.entries(defaults)) if (out[key] === undefined) out[key] = make();
    return required.every((key) => out[key] !== undefined) ? out : undefined;
  };
}

const ownerReference = shape({ apiVersion: str, kind: str, name: str, uid: str, controller: bool }, ['kind', 'name', 'uid']);
const objectMetaFields = {
  name: str, namespace: str, uid: str, resourceVersion: str, generation: num, creationTimestamp: str, deletionTimestamp: str,
  deletionGracePeriodSeconds: num, finalizers: listOf(str), labels: strMap, annotations: strMap, ownerReferences: listOf(ownerReference),
};
/** Every object the engine reads is named; only an Event's own name is never read. */
const objectMeta = shape(objectMetaFields, ['name']);
const eventMeta = shape(objectMetaFields, [], { name: () => '' });
const objectReference = shape({ kind: str, namespace: str, name: str, uid: str, apiVersion: str, fieldPath: str });

const command = listOf(str);
const probe = shape({
  httpGet: shape({ path: str, port: intOrStr, scheme: str, host: str }, ['port']),
  tcpSocket: shape({ port: intOrStr, host: str }, ['port']),
  grpc: shape({ port: num, service: str }, ['port']),
  exec: shape({ command }),
  initialDelaySeconds: num, periodSeconds: num, timeoutSeconds: num, failureThreshold: num, successThreshold: num,
});
const keyRef = shape({ name: str, key: str, optional: bool }, ['name', 'key']);
const envVar = shape({
  name: str,
  value: str,
  valueFrom: shape({
    configMapKeyRef: keyRef,
    secretKeyRef: keyRef,
    fieldRef: shape({ fieldPath: str }, ['fieldPath']),
    resourceFieldRef: shape({ resource: str, containerName: str }, ['resource']),
  }),
}, ['name']);
const sourceRef = shape({ name: str, optional: bool }, ['name']);
const lifecycleHandler = shape({
  exec: shape({ command }),
  httpGet: shape({ path: str, port: intOrStr, scheme: str }, ['port']),
  tcpSocket: shape({ port: intOrStr }, ['port']),
  sleep: shape({ seconds: num }, ['seconds']),
});
const container = shape({
  name: str, image: str, command, args: command, workingDir: str,
  env: listOf(envVar),
  envFrom: listOf(shape({ configMapRef: sourceRef, secretRef: sourceRef, prefix: str })),
  ports: listOf(shape({ containerPort: num, name: str, protocol: str }, ['containerPort'])),
  resources: shape({ limits: quantityMap, requests: quantityMap }),
  livenessProbe: probe, readinessProbe: probe, startupProbe: probe,
  lifecycle: shape({ postStart: lifecycleHandler, preStop: lifecycleHandler }),
  volumeMounts: listOf(shape({ name: str, mountPath: str, subPath: str, subPathExpr: str, readOnly: bool }, ['name', 'mountPath'])),
  securityContext: record,
  restartPolicy: str,
}, ['name']);
const keyToPath = listOf(shape({ key: str, path: str }, ['key', 'path']));
const volume = shape({
  name: str,
  persistentVolumeClaim: shape({ claimName: str, readOnly: bool }, ['claimName']),
  configMap: shape({ name: str, optional: bool, items: keyToPath }, ['name']),
  secret: shape({ secretName: str, optional: bool, items: keyToPath }, ['secretName']),
  projected: shape({ sources: listOf(shape({ configMap: sourceRef, secret: sourceRef })) }),
  hostPath: shape({ path: str, type: str }, ['path']),
  emptyDir: record,
}, ['name']);
const podSpec = shape({
  nodeName: str, nodeSelector: strMap, affinity: record,
  tolerations: listOf(shape({ key: str, operator: str, value: str, effect: str, tolerationSeconds: num })),
  containers: listOf(container), initContainers: listOf(container), volumes: listOf(volume),
  serviceAccountName: str, imagePullSecrets: listOf(shape({ name: str }, ['name'])), restartPolicy: str,
  terminationGracePeriodSeconds: num, priorityClassName: str, schedulerName: str,
}, [], { containers: () => [] });
const containerState = shape({
  waiting: shape({ reason: str, message: str }),
  running: shape({ startedAt: str }),
  terminated: shape({
    exitCode: num, signal: num, reason: str, message: str, startedAt: str, finishedAt: str, containerID: str,
  }, ['exitCode']),
});
const containerStatus = shape({
  name: str, ready: bool, restartCount: num, started: bool, image: str, imageID: str, containerID: str,
  state: containerState, lastState: containerState,
}, ['name'], { ready: () => false, restartCount: () => 0 });
const condition = shape({
  type: str, status: str, reason: str, message: str, lastTransitionTime: str, lastHeartbeatTime: str, lastProbeTime: str,
}, ['type', 'status']);
const conditions = listOf(condition);
const podStatus = shape({
  phase: str, reason: str, message: str, conditions,
  containerStatuses: listOf(containerStatus), initContainerStatuses: listOf(containerStatus),
  qosClass: str, startTime: str, nominatedNodeName: str, hostIP: str, podIP: str,
});

const pod = shape({ metadata: objectMeta, spec: podSpec, status: podStatus }, ['metadata'], { spec: () => ({ containers: [] }) });
const event = shape({
  metadata: eventMeta,
  involvedObject: objectReference,
  reason: str, message: str, type: str, count: num, firstTimestamp: str, lastTimestamp: str, eventTime: str,
  series: shape({ count: num, lastObservedTime: str }),
  source: shape({ component: str, host: str }),
  reportingComponent: str, reportingInstance: str,
  // events.k8s.io/v1 names, converted by toCoreEvent.
  regarding: objectReference, note: str, deprecatedCount: num, deprecatedFirstTimestamp: str, deprecatedLastTimestamp: str,
  reportingController: str,
}, ['metadata'], { metadata: () => ({ name: '' }) });
const node = shape({
  metadata: objectMeta,
  spec: shape({ taints: listOf(shape({ key: str, value: str, effect: str, timeAdded: str }, ['key', 'effect'])), unschedulable: bool, podCIDR: str }),
  status: shape({ conditions, capacity: quantityMap, allocatable: quantityMap }),
}, ['metadata']);
const workload = shape({
  metadata: objectMeta,
  spec: shape({
    replicas: num,
    selector: shape({ matchLabels: strMap }),
    template: shape({ metadata: shape(objectMetaFields), spec: podSpec }),
  }),
  status: shape({ replicas: num, readyReplicas: num, availableReplicas: num, conditions }),
}, ['metadata']);
const resourceQuota = shape({
  metadata: objectMeta,
  spec: shape({ hard: quantityMap }),
  status: shape({ hard: quantityMap, used: quantityMap }),
}, ['metadata']);
const persistentVolumeClaim = shape({
  metadata: objectMeta,
  spec: shape({ storageClassName: str, volumeName: str, accessModes: listOf(str), resources: shape({ requests: quantityMap }) }),
  status: shape({ phase: str, conditions }),
}, ['metadata']);

const CONFORM_BY_KIND: Record<string, Conform> = { Pod: pod, Event: event, Node: node, ResourceQuota: resourceQuota, PersistentVolumeClaim: persistentVolumeClaim };

/**
 * `object` with every field the engine reads of the declared type (see above), or null when what is
 * left cannot be one (an unnamed Pod). `kind` selects the shape; other kinds are read as workloads.
 */
export function conformObject(kind: string, object: Record<string, unknown>): Record<string, unknown> | null {
  const conformed = (CONFORM_BY_KIND[kind] ?? workload)(object);
  return isRecord(conformed) ? conformed : null;
}
