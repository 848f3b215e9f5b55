/**
 * Server-side printing: the meta.k8s.io/v1 Table kube-apiserver returns when a client (kubectl get)
 * asks for `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. kubectl prints these columns
 * as-is (its client-side fallback only knows NAME and AGE), so the cells follow the real printers.
 * The server always generates the wide cells; kubectl hides priority-1 columns unless `-o wide`.
 *
 * source: kubernetes/kubernetes pkg/printers/internalversion/printers.go (AddHandlers column
 *   definitions, printPod, printEvent, printNode, printDeployment, printReplicaSet, printJob, ...)
 * source: staging/src/k8s.io/apimachinery/pkg/util/duration/duration.go (HumanDuration)
 * source: pkg/registry/core/pod/storage/... printerstorage.TableConvertor (GenerateOptions{Wide: true})
 */
import { POD_REASON_NODE_LOST } from '../contract/upstream.ts';
import type { ResourceInfo } from './resources.ts';
import type { KubeObject } from './store.ts';

interface Column {
  name: string;
  type: 'string' | 'integer' | 'boolean';
  format?: 'name';
  priority?: 1;
  description: string;
}

type Cell = string | number | boolean;
type Obj = Record<string, unknown>;

const NAME: Column = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.' };
const AGE: Column = { name: 'Age', type: 'string', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' };
const CONTAINERS: Column = { name: 'Containers', type: 'string', priority: 1, description: 'Names of each container in the template.' };
const IMAGES: Column = { name: 'Images', type: 'string', priority: 1, description: 'Images referenced by each container in the template.' };
const SELECTOR: Column = { name: 'Selector', type: 'string', priority: 1, description: 'A label query over pods.' };

function o(v: unknown): Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}
function arr(v: unknown): Obj[] {
  return Array.isArray(v) ? (v as Obj[]) : [];
}
function s(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}
function n(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

/** source: apimachinery/pkg/util/duration/duration.go HumanDuration */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const rem = seconds % 60;
    return rem === 0 ? `${minutes}m` : `${minutes}m${rem}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const rem = minutes % 60;
    return rem === 0 ? `${hours}h` : `${hours}h${rem}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const rem = hours % 24;
    return rem === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${rem}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

function since(ts: unknown, now: Date): string {
  if (typeof ts !== 'string' || ts === '') return '<unknown>';
  return humanDuration(now.getTime() - Date.parse(ts));
}

function containerCells(containers: Obj[]): [string, string] {
  return [containers.map((c) => s(c['name'])).join(','), containers.map((c) => s(c['image'])).join(',')];
}

function formatSelector(sel: unknown): string {
  const selector = o(sel);
  const parts: string[] = [];
  for (const [k, v] of Object.entries(o(selector['matchLabels'])).sort(([a], [b]) => (a < b ? -1 : 1))) parts.push(`${k}=${s(v)}`);
  for (const e of arr(selector['matchExpressions'])) {
    const values = Array.isArray(e['values']) ? (e['values'] as string[]).join(',') : '';
    const op = s(e['operator']);
    if (op === 'In') parts.push(`${s(e['key'])} in (${values})`);
    else if (op === 'NotIn') parts.push(`${s(e['key'])} notin (${values})`);
    else if (op === 'Exists') parts.push(s(e['key']));
    else if (op === 'DoesNotExist') parts.push(`!${s(e['key'])}`);
  }
  return parts.length === 0 ? '<none>' : parts.join(',');
}

function hasCondition(conditions: unknown, type: string): boolean {
  return arr(conditions).some((c) => c['type'] === type && c['status'] === 'True');
}

/** printPod, line by line (pkg/printers/internalversion/printers.go). */
function podRow(pod: KubeObject, now: Date): Cell[] {
  const spec = o(pod['spec']);
  const status = o(pod['status']);
  const specContainers = arr(spec['containers']);
  const initSpecs = arr(spec['initContainers']);
  const isRestartableInit = (name: string): boolean => initSpecs.some((c) => c['name'] === name && c['restartPolicy'] === 'Always');
  let totalContainers = specContainers.length + initSpecs.filter((c) => c['restartPolicy'] === 'Always').length;
  let restarts = 0;
  let restartableInitRestarts = 0;
  let readyContainers = 0;
  let lastRestart = 0;
  let lastRestartableInitRestart = 0;
  let reason = s(status['phase']);
  if (status['reason']) reason = s(status['reason']);
  for (const c of arr(status['conditions'])) {
    if (c['type'] === 'PodScheduled' && c['reason'] === 'SchedulingGated') reason = 'SchedulingGated';
  }
  const finishedAt = (cs: Obj): number => {
    const t = o(o(cs['lastState'])['terminated'])['finishedAt'];
    return typeof t === 'string' ? Date.parse(t) : 0;
  };
  let initializing = false;
  const initStatuses = arr(status['initContainerStatuses']);
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i] as Obj;
    const state = o(c['state']);
    const terminated = state['terminated'] === undefined ? undefined : o(state['terminated']);
    const waiting = state['waiting'] === undefined ? undefined : o(state['waiting']);
    restarts += n(c['restartCount']);
    lastRestart = Math.max(lastRestart, finishedAt(c));
    if (isRestartableInit(s(c['name']))) {
      restartableInitRestarts += n(c['restartCount']);
      lastRestartableInitRestart = Math.max(lastRestartableInitRestart, finishedAt(c));
    }
    if (terminated !== undefined && n(terminated['exitCode']) === 0) continue;
    if (isRestartableInit(s(c['name'])) && c['started'] === true) {
      if (c['ready'] === true) readyContainers++;
      continue;
    }
    if (terminated !== undefined) {
      if (!terminated['reason']) {
        reason = terminated['signal'] ? `Init:Signal:${n(terminated['signal'])}` : `Init:ExitCode:${n(terminated['exitCode'])}`;
      } else {
        reason = `Init:${s(terminated['reason'])}`;
      }
    } else if (waiting !== undefined && waiting['reason'] && waiting['reason'] !== 'PodInitializing') {
      reason = `Init:${s(waiting['reason'])}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }
  if (!initializing || hasCondition(status['conditions'], 'Initialized')) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses = arr(status['containerStatuses']);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i] as Obj;
      const state = o(c['state']);
      restarts += n(c['restartCount']);
      lastRestart = Math.max(lastRestart, finishedAt(c));
      const waiting = state['waiting'] === undefined ? undefined : o(state['waiting']);
      const terminated = state['terminated'] === undefined ? undefined : o(state['terminated']);
      if (waiting !== undefined && waiting['reason']) {
        reason = s(waiting['reason']);
      } else if (terminated !== undefined && terminated['reason']) {
        reason = s(terminated['reason']);
      } else if (terminated !== undefined) {
        reason = terminated['signal'] ? `Signal:${n(terminated['signal'])}` : `ExitCode:${n(terminated['exitCode'])}`;
      } else if (c['ready'] === true && state['running'] !== undefined) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = hasCondition(status['conditions'], 'Ready') ? 'Running' : 'NotReady';
  }
  const phase = s(status['phase']);
  if (pod.metadata.deletionTimestamp !== undefined && status['reason'] === POD_REASON_NODE_LOST) {
    // source: pkg/util/node/node.go NodeUnreachablePodReason = "NodeLost"
    reason = 'Unknown';
  } else if (pod.metadata.deletionTimestamp !== undefined && phase !== 'Succeeded' && phase !== 'Failed') {
    reason = 'Terminating';
  }
  const restartsStr = restarts !== 0 && lastRestart > 0 ? `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)` : String(restarts);
  const podIPs = arr(status['podIPs']);
  const podIP = s(podIPs[0]?.['ip']) || '<none>';
  const readinessGates = arr(spec['readinessGates']);
  let gates = '<none>';
  if (readinessGates.length > 0) {
    const trueCount = readinessGates.filter((g) => arr(status['conditions']).some((c) => c['type'] === g['conditionType'] && c['status'] === 'True')).length;
    gates = `${trueCount}/${readinessGates.length}`;
  }
  totalContainers = Math.max(totalContainers, 0);
  return [
    pod.metadata.name ?? '',
    `${readyContainers}/${totalContainers}`,
    reason,
    restartsStr,
    since(pod.metadata.creationTimestamp, now),
    podIP,
    s(spec['nodeName']) || '<none>',
    s(status['nominatedNodeName']) || '<none>',
    gates,
  ];
}

/** printEvent (wide cells). */
function eventRow(ev: KubeObject, now: Date): Cell[] {
  const involved = o(ev['involvedObject']);
  const micro = (v: unknown): string => (typeof v === 'string' && v !== '' ? since(v, now) : '<unknown>');
  let first = typeof ev['firstTimestamp'] === 'string' && ev['firstTimestamp'] !== '' ? since(ev['firstTimestamp'], now) : micro(ev['eventTime']);
  let last = typeof ev['lastTimestamp'] === 'string' && ev['lastTimestamp'] !== '' ? since(ev['lastTimestamp'], now) : first;
  let count = n(ev['count']);
  const series = ev['series'] === undefined || ev['series'] === null ? undefined : o(ev['series']);
  if (series !== undefined) {
    last = micro(series['lastObservedTime']);
    count = n(series['count']);
  } else if (count === 0) {
    count = 1;
  }
  first = first || '<unknown>';
  const kind = s(involved['kind']).toLowerCase();
  const target = involved['name'] ? `${kind}/${s(involved['name'])}` : kind;
  const source = o(ev['source']);
  const component = s(source['component']) || s(ev['reportingComponent']);
  const host = s(source['host']) || s(ev['reportingInstance']);
  return [last, s(ev['type']), s(ev['reason']), target, s(involved['fieldPath']), host === '' ? component : `${component}, ${host}`, s(ev['message']).trim(), first, count, ev.metadata.name ?? ''];
}

function nodeRow(node: KubeObject, now: Date): Cell[] {
  const spec = o(node['spec']);
  const status = o(node['status']);
  const ready = arr(status['conditions']).find((c) => c['type'] === 'Ready');
  const states: string[] = [];
  if (ready !== undefined) states.push(ready['status'] === 'True' ? 'Ready' : 'NotReady');
  if (states.length === 0) states.push('Unknown');
  if (spec['unschedulable'] === true) states.push('SchedulingDisabled');
  const roles = Object.keys(node.metadata.labels ?? {})
    .flatMap((k) => (k.startsWith('node-role.kubernetes.io/') ? [k.slice('node-role.kubernetes.io/'.length)] : k === 'kubernetes.io/role' ? [s(node.metadata.labels?.[k])] : []))
    .filter((r) => r !== '')
    .sort();
  const info = o(status['nodeInfo']);
  const address = (type: string): string => s(arr(status['addresses']).find((a) => a['type'] === type)?.['address']) || '<none>';
  return [
    node.metadata.name ?? '',
    states.join(','),
    roles.length === 0 ? '<none>' : roles.join(','),
    since(node.metadata.creationTimestamp, now),
    s(info['kubeletVersion']),
    address('InternalIP'),
    address('ExternalIP'),
    s(info['osImage']) || '<unknown>',
    s(info['kernelVersion']) || '<unknown>',
    s(info['containerRuntimeVersion']) || '<unknown>',
  ];
}

interface Printer {
  columns: Column[];
  row: (obj: KubeObject, now: Date) => Cell[];
}

function templateContainers(obj: KubeObject, ...path: string[]): Obj[] {
  let cur: unknown = obj;
  for (const p of path) cur = o(cur)[p];
  return arr(cur);
}

const PRINTERS: Record<string, Printer> = {
  pods: {
    columns: [
      NAME,
      { name: 'Ready', type: 'string', description: 'The aggregate readiness state of this pod for accepting traffic.' },
      { name: 'Status', type: 'string', description: 'The aggregate status of the containers in this pod.' },
      { name: 'Restarts', type: 'string', description: 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.' },
      AGE,
      { name: 'IP', type: 'string', priority: 1, description: 'podIP address allocated to the pod.' },
      { name: 'Node', type: 'string', priority: 1, description: 'NodeName indicates in which node this pod is scheduled.' },
      { name: 'Nominated Node', type: 'string', priority: 1, description: 'nominatedNodeName is set only when this pod preempts other pods on the node.' },
      { name: 'Readiness Gates', type: 'string', priority: 1, description: 'If specified, all readiness gates will be evaluated for pod readiness.' },
    ],
    row: podRow,
  },
  events: {
    columns: [
      { name: 'Last Seen', type: 'string', description: 'The time at which the most recent occurrence of this event was recorded.' },
      { name: 'Type', type: 'string', description: 'Type of this event (Normal, Warning), new types could be added in the future' },
      { name: 'Reason', type: 'string', description: 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.' },
      { name: 'Object', type: 'string', description: 'The object that this event is about.' },
      { name: 'Subobject', type: 'string', priority: 1, description: 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.' },
      { name: 'Source', type: 'string', priority: 1, description: 'The component reporting this event. Should be a short machine understandable string.' },
      { name: 'Message', type: 'string', description: 'A human-readable description of the status of this operation.' },
      { name: 'First Seen', type: 'string', priority: 1, description: 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)' },
      { name: 'Count', type: 'string', priority: 1, description: 'The number of times this event has occurred.' },
      { ...NAME, priority: 1 },
    ],
    row: eventRow,
  },
  nodes: {
    columns: [
      NAME,
      { name: 'Status', type: 'string', description: 'The status of the node' },
      { name: 'Roles', type: 'string', description: 'The roles of the node' },
      AGE,
      { name: 'Version', type: 'string', description: 'Kubelet Version reported by the node.' },
      { name: 'Internal-IP', type: 'string', priority: 1, description: 'List of addresses reachable to the node.' },
      { name: 'External-IP', type: 'string', priority: 1, description: 'List of addresses reachable to the node.' },
      { name: 'OS-Image', type: 'string', priority: 1, description: 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).' },
      { name: 'Kernel-Version', type: 'string', priority: 1, description: "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)." },
      { name: 'Container-Runtime', type: 'string', priority: 1, description: 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).' },
    ],
    row: nodeRow,
  },
  namespaces: {
    columns: [NAME, { name: 'Status', type: 'string', description: 'The status of the namespace' }, AGE],
    row: (ns, now) => [ns.metadata.name ?? '', s(o(ns['status'])['phase']), since(ns.metadata.creationTimestamp, now)],
  },
  deployments: {
    columns: [
      NAME,
      { name: 'Ready', type: 'string', description: 'Number of the pod with ready state' },
      { name: 'Up-to-date', type: 'string', description: 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.' },
      { name: 'Available', type: 'string', description: 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.' },
      AGE, CONTAINERS, IMAGES, SELECTOR,
    ],
    row: (d, now) => {
      const st = o(d['status']);
      const [names, images] = containerCells(templateContainers(d, 'spec', 'template', 'spec', 'containers'));
      return [d.metadata.name ?? '', `${n(st['readyReplicas'])}/${n(o(d['spec'])['replicas'])}`, n(st['updatedReplicas']), n(st['availableReplicas']), since(d.metadata.creationTimestamp, now), names, images, formatSelector(o(d['spec'])['selector'])];
    },
  },
  replicasets: {
    columns: [
      NAME,
      { name: 'Desired', type: 'integer', description: 'Replicas is the number of desired pods.' },
      { name: 'Current', type: 'integer', description: 'Replicas is the most recently observed number of replicas.' },
      { name: 'Ready', type: 'integer', description: 'The number of ready replicas for this replica set.' },
      AGE, CONTAINERS, IMAGES, SELECTOR,
    ],
    row: (rs, now) => {
      const st = o(rs['status']);
      const [names, images] = containerCells(templateContainers(rs, 'spec', 'template', 'spec', 'containers'));
      return [rs.metadata.name ?? '', n(o(rs['spec'])['replicas']), n(st['replicas']), n(st['readyReplicas']), since(rs.metadata.creationTimestamp, now), names, images, formatSelector(o(rs['spec'])['selector'])];
    },
  },
  statefulsets: {
    columns: [NAME, { name: 'Ready', type: 'string', description: 'Number of the pod with ready state' }, AGE, CONTAINERS, IMAGES],
    row: (sts, now) => {
      const [names, images] = containerCells(templateContainers(sts, 'spec', 'template', 'spec', 'containers'));
      return [sts.metadata.name ?? '', `${n(o(sts['status'])['readyReplicas'])}/${n(o(sts['spec'])['replicas'])}`, since(sts.metadata.creationTimestamp, now), names, images];
    },
  },
  daemonsets: {
    columns: [
      NAME,
      { name: 'Desired', type: 'integer', description: 'The total number of nodes that should be running the daemon pod.' },
      { name: 'Current', type: 'integer', description: 'The number of nodes that are running at least 1 daemon pod.' },
      { name: 'Ready', type: 'integer', description: 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.' },
      { name: 'Up-to-date', type: 'integer', description: 'The total number of nodes that are running updated daemon pod' },
      { name: 'Available', type: 'integer', description: 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.' },
      { name: 'Node Selector', type: 'string', description: 'NodeSelector is a selector which must be true for the pod to fit on a node.' },
      AGE, CONTAINERS, IMAGES, SELECTOR,
    ],
    row: (ds, now) => {
      const st = o(ds['status']);
      const nodeSelector = Object.entries(o(o(o(o(ds['spec'])['template'])['spec'])['nodeSelector'])).map(([k, v]) => `${k}=${s(v)}`).sort().join(',');
      const [names, images] = containerCells(templateContainers(ds, 'spec', 'template', 'spec', 'containers'));
      return [ds.metadata.name ?? '', n(st['desiredNumberScheduled']), n(st['currentNumberScheduled']), n(st['numberReady']), n(st['updatedNumberScheduled']), n(st['numberAvailable']), nodeSelector || '<none>', since(ds.metadata.creationTimestamp, now), names, images, formatSelector(o(ds['spec'])['selector'])];
    },
  },
  jobs: {
    columns: [
      NAME,
      { name: 'Status', type: 'string', description: 'Status of the job.' },
      { name: 'Completions', type: 'string', description: 'The number of pods which reached phase Succeeded.' },
      { name: 'Duration', type: 'string', description: 'Time required to complete the job.' },
      AGE, CONTAINERS, IMAGES, SELECTOR,
    ],
    row: (job, now) => {
      const spec = o(job['spec']);
      const st = o(job['status']);
      const parallelism = n(spec['parallelism']);
      const completions = typeof spec['completions'] === 'number'
        ? `${n(st['succeeded'])}/${spec['completions']}`
        : parallelism > 1 ? `${n(st['succeeded'])}/1 of ${parallelism}` : `${n(st['succeeded'])}/1`;
      let duration = '';
      if (typeof st['startTime'] === 'string') {
        const end = typeof st['completionTime'] === 'string' ? Date.parse(st['completionTime']) : now.getTime();
        duration = humanDuration(end - Date.parse(st['startTime']));
      }
      const conds = st['conditions'];
      const status = hasCondition(conds, 'Complete') ? 'Complete' : hasCondition(conds, 'Failed') ? 'Failed'
        : job.metadata.deletionTimestamp !== undefined ? 'Terminating' : hasCondition(conds, 'Suspended') ? 'Suspended'
          : hasCondition(conds, 'FailureTarget') ? 'FailureTarget' : 'Running';
      const [names, images] = containerCells(templateContainers(job, 'spec', 'template', 'spec', 'containers'));
      return [job.metadata.name ?? '', status, completions, duration, since(job.metadata.creationTimestamp, now), names, images, formatSelector(spec['selector'])];
    },
  },
  cronjobs: {
    columns: [
      NAME,
      { name: 'Schedule', type: 'string', description: 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.' },
      { name: 'Timezone', type: 'string', description: 'The time zone name for the given schedule.' },
      { name: 'Suspend', type: 'boolean', description: 'This flag tells the controller to suspend subsequent executions.' },
      { name: 'Active', type: 'integer', description: 'A list of pointers to currently running jobs.' },
      { name: 'Last Schedule', type: 'string', description: 'Information when was the last time the job was successfully scheduled.' },
      AGE, CONTAINERS, IMAGES, SELECTOR,
    ],
    row: (cj, now) => {
      const spec = o(cj['spec']);
      const st = o(cj['status']);
      const jobSpec = o(o(spec['jobTemplate'])['spec']);
      const [names, images] = containerCells(arr(o(o(jobSpec['template'])['spec'])['containers']));
      const suspend = typeof spec['suspend'] === 'boolean' ? (spec['suspend'] ? 'True' : 'False') : '<unset>';
      const last = typeof st['lastScheduleTime'] === 'string' ? since(st['lastScheduleTime'], now) : '<none>';
      return [cj.metadata.name ?? '', s(spec['schedule']), s(spec['timeZone']) || '<none>', suspend, arr(st['active']).length, last, since(cj.metadata.creationTimestamp, now), names, images, formatSelector(jobSpec['selector'])];
    },
  },
  resourcequotas: {
    columns: [
      NAME, AGE,
      { name: 'Request', type: 'string', description: 'Request represents a minimum amount of cpu/memory that a container may consume.' },
      { name: 'Limit', type: 'string', description: 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.' },
    ],
    row: (q, now) => {
      const st = o(q['status']);
      const hard = o(st['hard']);
      const used = o(st['used']);
      const request: string[] = [];
      const limit: string[] = [];
      for (const res of Object.keys(hard).sort()) {
        const entry = `${res}: ${s(used[res]) || '0'}/${s(hard[res])}`;
        if (res.split('.')[0] === 'limits' && res.includes('.')) limit.push(entry);
        else request.push(entry);
      }
      return [q.metadata.name ?? '', since(q.metadata.creationTimestamp, now), request.join(', '), limit.join(', ')];
    },
  },
  persistentvolumeclaims: {
    columns: [
      NAME,
      { name: 'Status', type: 'string', description: 'phase represents the current phase of PersistentVolumeClaim.' },
      { name: 'Volume', type: 'string', description: 'volumeName is the binding reference to the PersistentVolume backing this claim.' },
      { name: 'Capacity', type: 'string', description: 'capacity represents the actual resources of the underlying volume.' },
      { name: 'Access Modes', type: 'string', description: 'accessModes contains the actual access modes the volume backing the PVC has.' },
      { name: 'StorageClass', type: 'string', description: 'StorageClass of the pvc' },
      { name: 'VolumeAttributesClass', type: 'string', description: 'VolumeAttributesClass of the pvc' },
      AGE,
      { name: 'VolumeMode', type: 'string', priority: 1, description: 'volumeMode defines what type of volume is required by the claim.' },
    ],
    row: (pvc, now) => {
      const spec = o(pvc['spec']);
      const st = o(pvc['status']);
      const bound = s(spec['volumeName']) !== '';
      const modes = Array.isArray(st['accessModes']) ? (st['accessModes'] as string[]).map((m) => ({ ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' })[m] ?? m).join(',') : '';
      return [
        pvc.metadata.name ?? '', s(st['phase']), s(spec['volumeName']), bound ? s(o(st['capacity'])['storage']) : '', bound ? modes : '',
        s(spec['storageClassName']) || s(pvc.metadata.annotations?.['volume.beta.kubernetes.io/storage-class']), s(spec['volumeAttributesClassName']) || '<unset>',
        since(pvc.metadata.creationTimestamp, now), s(spec['volumeMode']),
      ];
    },
  },
};

/** Table for a list (or one object) of a resource. `includeObject` follows TableOptions (default Metadata). */
export function toTable(
  r: ResourceInfo,
  items: readonly KubeObject[],
  listMeta: { resourceVersion?: string; continue?: string; remainingItemCount?: number },
  now: Date,
  includeObject: 'None' | 'Metadata' | 'Object' = 'Metadata',
): Record<string, unknown> {
  const printer = PRINTERS[r.resource] ?? { columns: [NAME, AGE], row: (x: KubeObject, t: Date) => [x.metadata.name ?? '', since(x.metadata.creationTimestamp, t)] };
  const metadata: Record<string, unknown> = {};
  if (listMeta.resourceVersion !== undefined) metadata['resourceVersion'] = listMeta.resourceVersion;
  if (listMeta.continue !== undefined) metadata['continue'] = listMeta.continue;
  if (listMeta.remainingItemCount !== undefined) metadata['remainingItemCount'] = listMeta.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: printer.columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description, priority: c.priority ?? 0 })),
    rows: items.map((item) => {
      const row: Record<string, unknown> = { cells: printer.row(item, now) };
      if (includeObject === 'Object') row['object'] = item;
      else if (includeObject === 'Metadata') row['object'] = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: item.metadata };
      return row;
    }),
  };
}
