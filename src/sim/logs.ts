/**
 * The pods/log subresource: container choice, the errors the apiserver and the kubelet answer, and the
 * handler that serves it (tailLines, limitBytes, previous, follow).
 *
 * - Container validation happens in the apiserver.
 *   source: kubernetes/kubernetes pkg/registry/core/pod/strategy.go (LogLocation, validateContainer):
 *   `a container name must be specified for pod %s, choose one of: %s` (Go prints the []string of
 *   init, regular and ephemeral container names as "[a b]"), `container %s is not valid for pod %s`.
 * - A Pod not bound to a node has no log location: the apiserver answers 200 with an empty body.
 * - Which instance's log is served, and the "not found" errors, come from the kubelet; its 400 is
 *   passed through by the apiserver as a BadRequest Status.
 *   source: pkg/kubelet/kubelet_pods.go (validateContainerLogStatus), pkg/kubelet/server/server.go
 *   (getContainerLogs: response.WriteError(http.StatusBadRequest, err)),
 *   staging/src/k8s.io/apiserver/pkg/registry/generic/rest/response_checker.go (400 → NewBadRequest)
 *
 * The simulator does not require containerID on lastState.terminated (newer kubelets do); fixtures
 * often omit it. With follow=true the stream stays open and carries the lines appended to the current
 * log until the Pod is deleted.
 */
import type { ServerResponse } from 'node:http';
import { ERR_IMAGE_PULL, IMAGE_PULL_BACK_OFF } from '../contract/upstream.ts';
import { boolParam, intParam, send } from './http-io.ts';
import type { RequestRecord } from './routing.ts';
import { badRequest, goQuote, notFound } from './status.ts';
import type { KubeObject, ObjectStore } from './store.ts';

export interface LogOptions {
  container?: string;
  previous?: boolean;
  tailLines?: number;
  limitBytes?: number;
  timestamps?: boolean;
}

type Obj = Record<string, unknown>;

function o(v: unknown): Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}
function arr(v: unknown): Obj[] {
  return Array.isArray(v) ? (v as Obj[]) : [];
}

/** The container the request is for, or the apiserver's 400. */
export function chooseContainer(pod: KubeObject, requested: string | undefined): string {
  const spec = o(pod['spec']);
  const regular = arr(spec['containers']).map((c) => String(c['name']));
  const all = [...arr(spec['initContainers']), ...arr(spec['containers']), ...arr(spec['ephemeralContainers'])].map((c) => String(c['name']));
  const podName = pod.metadata.name ?? '';
  if (requested === undefined || requested === '') {
    if (regular.length === 1) return regular[0] as string;
    if (regular.length === 0) throw badRequest(`a container name must be specified for pod ${podName}`);
    throw badRequest(`a container name must be specified for pod ${podName}, choose one of: [${all.join(' ')}]`);
  }
  if (!all.includes(requested)) throw badRequest(`container ${requested} is not valid for pod ${podName}`);
  return requested;
}

/**
 * Which log (current or previous instance) the kubelet serves for this container, or its error.
 * Returns undefined for a Pod with no node: an empty 200.
 */
export function resolveLog(store: ObjectStore, pod: KubeObject, container: string, previous: boolean): string[] | undefined {
  if (!o(pod['spec'])['nodeName']) return undefined;
  const status = o(pod['status']);
  const podName = pod.metadata.name ?? '';
  const namespace = pod.metadata.namespace ?? '';
  const cs = [...arr(status['containerStatuses']), ...arr(status['initContainerStatuses']), ...arr(status['ephemeralContainerStatuses'])].find(
    (c) => c['name'] === container,
  );
  if (cs === undefined) throw badRequest(`container ${goQuote(container)} in pod ${goQuote(podName)} is not available`);
  const logs = store.getLogs(namespace, podName, container);
  const state = o(cs['state']);
  const lastTerminated = o(cs['lastState'])['terminated'];
  if (previous) {
    if (lastTerminated === undefined) throw badRequest(`previous terminated container ${goQuote(container)} in pod ${goQuote(podName)} not found`);
    return logs.previous;
  }
  if (state['running'] !== undefined || state['terminated'] !== undefined) return logs.current;
  if (lastTerminated !== undefined) {
    // A restarting (CrashLoopBackOff) container: the kubelet serves the last terminated instance.
    return logs.previous;
  }
  if (state['waiting'] !== undefined) {
    const reason = String(o(state['waiting'])['reason'] ?? '');
    // source: pkg/kubelet/images/types.go ErrImagePull = "ErrImagePull", ErrImagePullBackOff = "ImagePullBackOff"
    if (reason === ERR_IMAGE_PULL) throw badRequest(`container ${goQuote(container)} in pod ${goQuote(podName)} is waiting to start: image can't be pulled`);
    if (reason === IMAGE_PULL_BACK_OFF) throw badRequest(`container ${goQuote(container)} in pod ${goQuote(podName)} is waiting to start: trying and failing to pull image`);
    throw badRequest(`container ${goQuote(container)} in pod ${goQuote(podName)} is waiting to start: ${reason}`);
  }
  throw badRequest(`container ${goQuote(container)} in pod ${goQuote(podName)} is waiting to start - no logs yet`);
}

/** Applies tailLines then limitBytes (a byte cut, as the kubelet's limit writer makes). */
export function renderLog(lines: readonly string[], options: LogOptions): Buffer {
  let selected = [...lines];
  if (options.tailLines !== undefined && options.tailLines >= 0) selected = options.tailLines === 0 ? [] : selected.slice(-options.tailLines);
  const bytes = Buffer.from(selected.map((l) => `${l}\n`).join(''), 'utf8');
  if (options.limitBytes !== undefined && options.limitBytes > 0 && bytes.length > options.limitBytes) return bytes.subarray(0, options.limitBytes);
  return bytes;
}

/** GET …/pods/NAME/log: the chosen container's log, or a stream of it with follow=true. */
export function serveLog(store: ObjectStore, res: ServerResponse, record: RequestRecord, namespace: string, name: string, query: URLSearchParams): void {
  const pod = store.get('pods', namespace, name);
  if (pod === undefined) throw notFound('pods', '', name);
  const container = chooseContainer(pod, query.get('container') ?? undefined);
  const previous = boolParam(query.get('previous'));
  const options = {
    tailLines: intParam(query.get('tailLines'), 'tailLines'),
    limitBytes: intParam(query.get('limitBytes'), 'limitBytes'),
  };
  const lines = resolveLog(store, pod, container, previous);
  const text = lines === undefined ? Buffer.alloc(0) : renderLog(lines, options);
  if (!boolParam(query.get('follow')) || previous || lines === undefined) {
    send(res, record, 200, text, 'text/plain');
    return;
  }
  // follow=true: send what exists, then lines appended to the current log, until the Pod goes away.
  record.status = 200;
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
  res.write(text);
  let sent = store.getLogs(namespace, name, container).current.length;
  const stopLogs = store.onLogs((ns, pod2, c) => {
    if (ns !== namespace || pod2 !== name || c !== container || res.destroyed || res.writableEnded) return;
    const current = store.getLogs(namespace, name, container).current;
    for (const line of current.slice(sent)) res.write(`${line}\n`);
    sent = current.length;
  });
  const stopPod = store.subscribe((change) => {
    if (change.resource === 'pods' && change.type === 'DELETED' && change.object.metadata.namespace === namespace && change.object.metadata.name === name) res.end();
  });
  res.on('close', () => {
    stopLogs();
    stopPod();
  });
}
