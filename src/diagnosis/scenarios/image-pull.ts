/**
 * image-pull: a container (init containers included) cannot get its image. The kubelet reports the
 * pull failure in the container's waiting state and in Warning events whose text carries the
 * runtime's own error, which names the cause (missing tag, denied access, DNS, deadline, rate limit).
 */
import type { Evidence, Finding, Remediation, Settling, SuggestedAction } from '../../contract/diagnosis.ts';
import type { KubeEvent, Pod } from '../../contract/k8s.ts';
import type { EngineSettings } from '../../contract/settings.ts';
import type { PodSnapshot, Snapshot } from '../../contract/snapshot.ts';
import {
  ERR_IMAGE_NEVER_PULL,
  ERR_IMAGE_PULL,
  EVENT_BACK_OFF,
  EVENT_FAILED,
  IMAGE_PULL_BACK_OFF,
  INVALID_IMAGE_NAME,
  REGISTRY_UNAVAILABLE,
} from '../../contract/upstream.ts';
import { shellQuote } from '../../contract/shell-quote.ts';
import type { Detector } from '../detector.ts';
import {
  clip,
  containers,
  eventCount,
  eventEvidence,
  kubectl,
  podEvents,
  secondsBetween,
  type ContainerView,
} from '../support.ts';
import { classifyPullError, parseImageRef, registryEndpoint, type ImageRef, type PullCause } from './image-pull-errors.ts';

// Waiting reasons the kubelet sets while it cannot get an image: IMAGE_PULL_BACK_OFF, ERR_IMAGE_PULL,
// ERR_IMAGE_NEVER_PULL, INVALID_IMAGE_NAME, REGISTRY_UNAVAILABLE (src/contract/upstream.ts).
const PULL_WAITING_REASONS: readonly string[] = [IMAGE_PULL_BACK_OFF, ERR_IMAGE_PULL, ERR_IMAGE_NEVER_PULL, INVALID_IMAGE_NAME, REGISTRY_UNAVAILABLE];
/** Reasons that no retry can fix: the reference itself is wrong or the policy forbids pulling. */
const DETERMINISTIC_REASONS: readonly string[] = [ERR_IMAGE_NEVER_PULL, INVALID_IMAGE_NAME];

// Event reasons: EVENT_FAILED, EVENT_BACK_OFF, ERR_IMAGE_NEVER_PULL (src/contract/upstream.ts), and
// source: kubernetes pkg/kubelet/events/event.go (FailedToInspectImage = "InspectFailed")
const EVENT_INSPECT_FAILED = 'InspectFailed';
const PULL_EVENT_REASONS: readonly string[] = [EVENT_FAILED, EVENT_BACK_OFF, EVENT_INSPECT_FAILED, ERR_IMAGE_NEVER_PULL];

// Event messages. source: kubernetes pkg/kubelet/images/image_manager.go
// ("Failed to pull image %q: %v", "Back-off pulling image %q")
const FAILED_TO_PULL_PREFIX = 'Failed to pull image ';
const BACK_OFF_PULLING_PREFIX = 'Back-off pulling image ';
// source: kubernetes pkg/kubelet/kuberuntime/kuberuntime_container.go startContainer ("Error: %v" with the pull error's name)
const ERROR_ERR_IMAGE_PULL = `Error: ${ERR_IMAGE_PULL}`;

/** A failing pull needs this many failed attempts before it is more than a hiccup (the kubelet retries with back-off). */
const MIN_FAILED_PULLS = 2;

interface PullFailure {
  view: ContainerView;
  reason: string;
  message: string;
  image: string;
  ref: ImageRef;
  /** Warning "Failed to pull image" events for this container, newest first. */
  failedPulls: KubeEvent[];
  /** BackOff / InspectFailed / ErrImageNeverPull / "Error: …" events, newest first. */
  otherEvents: KubeEvent[];
  failures: number;
  cause: PullCause;
  /** Other causes this container's messages point to (intermittent errors), newest first. */
  alsoSeen: PullCause[];
  /** The message the cause was read from. */
  causeText: string | null;
  /** The registry's answer fits a missing repository as well as a private one (see isAmbiguousDenial). */
  ambiguous: boolean;
}

// Answers registries give both for a repository that does not exist and for one the client may not pull:
// source: containerd core/remotes/docker/resolver.go ("pull access denied, repository does not exist or may require
// authorization: %w"); moby distribution/errors.go (Docker: "pull access denied for %s, repository does not exist or may
// require 'docker login'"); Docker Hub's token server (error "insufficient_scope"); distribution registry/api/errcode
// DENIED ("requested access to the resource is denied"); Quay's UNAUTHORIZED ("access to the requested resource is
// not authorized"), as printed by containers/image (CRI-O).
const AMBIGUOUS_DENIALS = ['pull access denied', 'repository does not exist', 'insufficient_scope', 'requested access to the resource is denied', 'access to the requested resource is not authorized'];
/** Registries that serve public images to anonymous clients; nodes do not carry credentials for them by default. */
const PUBLIC_REGISTRIES: readonly string[] = ['docker.io', 'quay.io', 'ghcr.io', 'registry.k8s.io', 'k8s.gcr.io', 'public.ecr.aws', 'mcr.microsoft.com', 'registry.gitlab.com'];

function isAmbiguousDenial(text: string): boolean {
  const lower = text.toLowerCase();
  return AMBIGUOUS_DENIALS.some((marker) => lower.includes(marker));
}

function isKubeletQpsText(text: string | null): boolean {
  return (text ?? '').toLowerCase().includes('pull qps exceeded');
}

export const imagePull: Detector<'image-pull'> = {
  scenario: 'image-pull',
  detect(snapshot: Snapshot, settings: EngineSettings): Finding<'image-pull'> | null {
    if (snapshot.kind !== 'Pod') return null;
    const pod = snapshot.pod;
    if (pod.metadata.deletionTimestamp) return null;
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return null;
    const all = containers(pod)
      .map((view) => pullFailure(snapshot, view, settings))
      .filter((f): f is PullFailure => f !== null);
    const persistent = all.filter((f) => isPersistent(snapshot, f, settings));
    // A first failed pull may still recover: reported as settling only when no container's failure persists.
    const failures = persistent.length > 0 ? persistent : all;
    const primary = failures[0];
    if (!primary) return null;
    const settling = persistent.length === 0 ? settlingOf(snapshot, primary, settings) : undefined;
    const otherCauses = [...new Set([...primary.alsoSeen, ...failures.slice(1).flatMap((f) => [f.cause, ...f.alsoSeen])])].filter(
      (c) => c !== primary.cause,
    );
    return {
      scenario: 'image-pull',
      cause: primary.cause,
      otherCauses,
      summary: summarize(pod, primary, failures.length),
      evidence: evidenceFor(snapshot, primary, failures.slice(1)),
      remediation: remediationFor(snapshot, primary),
      actions: actionsFor(primary),
      ...(settling ? { settling } : {}),
    };
  },
};

function settlingOf(snapshot: PodSnapshot, failure: PullFailure, settings: EngineSettings): Settling {
  return { state: failure.reason, forSeconds: failingSince(snapshot, failure), alertAfterSeconds: settings.stuckCreatingAfterSeconds };
}

/** Seconds since the first failed pull on record, else since the Pod started. */
function failingSince(snapshot: PodSnapshot, failure: PullFailure): number | null {
  const oldest = failure.failedPulls.at(-1);
  const since = oldest ? (oldest.firstTimestamp ?? oldest.eventTime ?? oldest.lastTimestamp) : (snapshot.pod.status?.startTime ?? snapshot.pod.metadata.creationTimestamp);
  return secondsBetween(since, snapshot.observedAt);
}

function pullFailure(snapshot: PodSnapshot, view: ContainerView, settings: EngineSettings): PullFailure | null {
  const waiting = view.status?.state?.waiting;
  const reason = waiting?.reason ?? '';
  if (!PULL_WAITING_REASONS.includes(reason)) return null;
  const image = view.spec?.image ?? view.status?.image ?? '';
  const events = podEvents(snapshot, PULL_EVENT_REASONS, settings.eventStaleSeconds).filter((e) => isAboutContainer(e, view, image));
  const failedPulls = events.filter((e) => e.type === 'Warning' && (e.message ?? '').startsWith(FAILED_TO_PULL_PREFIX));
  const otherEvents = events.filter((e) => !failedPulls.includes(e) && isPullEvent(e));
  const pullCount = failedPulls.reduce((n, e) => n + eventCount(e), 0);
  const errorCount = otherEvents.filter((e) => e.message === ERROR_ERR_IMAGE_PULL).reduce((n, e) => n + eventCount(e), 0);

  // The current waiting message first (it is the newest word), then the failed-pull events, newest first.
  const texts = [waiting?.message, ...failedPulls.map((e) => e.message), ...otherEvents.map((e) => e.message)];
  const seen: { cause: PullCause; text: string }[] = [];
  for (const text of texts) {
    const cause = classifyPullError(text);
    if (cause && text) seen.push({ cause, text });
  }
  const fromReason = causeFromReason(reason);
  // The kubelet's own pull limiter says nothing about the registry: another cause seen for the container comes first.
  const first = seen.find((s) => !isKubeletQpsText(s.text)) ?? seen[0];
  const ref = parseImageRef(image);
  let cause = first?.cause ?? fromReason ?? 'not-found';
  // Docker Hub and other public registries answer "pull access denied" for a repository that does not exist exactly
  // as for a private one. With no pull credentials on the Pod, a wrong name is the likelier story.
  const ambiguous = cause === 'unauthorized' && first !== undefined && isAmbiguousDenial(first.text) &&
    (snapshot.pod.spec.imagePullSecrets ?? []).length === 0 && PUBLIC_REGISTRIES.includes(ref.registry);
  if (ambiguous) cause = 'not-found';
  const alsoSeen = [...new Set([...(ambiguous ? ['unauthorized' as const] : []), ...seen.map((s) => s.cause)])].filter((c) => c !== cause);
  return {
    view,
    reason,
    message: waiting?.message ?? '',
    image,
    ref,
    ambiguous,
    failedPulls,
    otherEvents,
    failures: Math.max(pullCount, errorCount),
    cause,
    alsoSeen,
    causeText: first?.text ?? null,
  };
}

function causeFromReason(reason: string): PullCause | null {
  if (reason === INVALID_IMAGE_NAME || reason === ERR_IMAGE_NEVER_PULL) return 'not-found';
  if (reason === REGISTRY_UNAVAILABLE) return 'network';
  return null;
}

function isPullEvent(event: KubeEvent): boolean {
  const message = event.message ?? '';
  if (event.reason === EVENT_BACK_OFF) return message.startsWith(BACK_OFF_PULLING_PREFIX);
  if (event.reason === EVENT_FAILED) return message.startsWith(FAILED_TO_PULL_PREFIX) || message === ERROR_ERR_IMAGE_PULL || message === `Error: ${IMAGE_PULL_BACK_OFF}`;
  return true;
}

/**
 * Kubelet events name the container in involvedObject.fieldPath ("spec.containers{app}",
 * source: kubernetes pkg/kubelet/container/ref.go); dumps that lost it still quote the image.
 */
function isAboutContainer(event: KubeEvent, view: ContainerView, image: string): boolean {
  const fieldPath = event.involvedObject.fieldPath;
  if (fieldPath) return fieldPath === `spec.${view.isInit ? 'initContainers' : 'containers'}{${view.name}}`;
  return image !== '' && (event.message ?? '').includes(`"${image}"`);
}

/**
 * A first failed pull is retried after a short back-off and often succeeds (a registry blip, a tag
 * pushed a second late): only the second failure, a reference that can never work, or a Pod stuck
 * long enough (events expired from the dump) makes it a problem.
 */
function isPersistent(snapshot: PodSnapshot, failure: PullFailure, settings: EngineSettings): boolean {
  if (DETERMINISTIC_REASONS.includes(failure.reason)) return true;
  if (failure.failures >= MIN_FAILED_PULLS) return true;
  // Failing for long, though the dump holds fewer events than attempts (aggregated or expired events).
  const age = failingSince(snapshot, failure);
  return age !== null && age >= settings.stuckCreatingAfterSeconds;
}

function containerLabel(view: ContainerView): string {
  return `${view.isInit ? 'Init container' : 'Container'} ${view.name}`;
}

function summarize(pod: Pod, f: PullFailure, failingCount: number): string {
  const who = containerLabel(f.view);
  const attempts = f.failures > 0 ? `, ${f.failures} failed pull${f.failures === 1 ? '' : 's'}` : '';
  const state = `(${f.reason}${attempts})`;
  const more = failingCount > 1 ? ` ${failingCount - 1} more container(s) of the Pod fail to pull too.` : '';
  const image = `"${f.image}"`;
  const node = pod.spec.nodeName ?? 'its node';
  const why = (() => {
    switch (f.cause) {
      case 'not-found':
        if (f.reason === INVALID_IMAGE_NAME) return `cannot start: its image reference ${image} is not a valid image name`;
        if (f.reason === ERR_IMAGE_NEVER_PULL) return `cannot start: image ${image} is not on node ${node} and imagePullPolicy is Never`;
        if (!f.causeText) return `cannot pull image ${image}; the runtime's error was not recorded, and the usual cause is a wrong name or tag`;
        if (f.ambiguous) {
          return `cannot pull image ${image}: registry ${f.ref.registry} answers "pull access denied", which it says both for a repository that does not exist and for a private one; podwhy cannot tell which, and with no imagePullSecrets on the Pod a wrong name or tag is the likelier cause`;
        }
        return `cannot start: image ${image} does not exist in registry ${f.ref.registry}, so its name, tag or registry is wrong`;
      case 'unauthorized': {
        const secrets = (pod.spec.imagePullSecrets ?? []).map((s) => s.name);
        return secrets.length > 0
          ? `cannot pull image ${image}: registry ${f.ref.registry} rejects the Pod's imagePullSecrets (${secrets.join(', ')})`
          : `cannot pull image ${image}: registry ${f.ref.registry} denies access and the Pod has no imagePullSecrets`;
      }
      case 'network':
        return `cannot pull image ${image}: node ${node} cannot reach registry ${registryEndpoint(f.ref.registry)}`;
      case 'timeout':
        return `cannot pull image ${image}: the pull on node ${node} is cancelled before it finishes, typically a large image or a slow registry`;
      case 'throttled':
        return isKubeletQps(f)
          ? `cannot pull image ${image}: the kubelet on node ${node} refuses the pull because its registry pull QPS limit is exceeded`
          : `cannot pull image ${image}: registry ${f.ref.registry} is rate-limiting pulls (HTTP 429 toomanyrequests)`;
    }
  })();
  return `${who} ${why} ${state}.${more}`;
}

function hostOf(endpoint: string): string {
  return endpoint.split(':')[0] ?? endpoint;
}

/** `nginx`, `acme/payments`, `registry.example.com/shop/cart`: the repository as users write it. */
function shortRepository(ref: ImageRef): string {
  if (ref.registry !== 'docker.io') return `${ref.registry}/${ref.repository}`;
  return ref.repository.replace(/^library\//, '');
}

function isKubeletQps(f: PullFailure): boolean {
  return isKubeletQpsText(f.causeText);
}

function evidenceFor(snapshot: PodSnapshot, f: PullFailure, others: PullFailure[]): Evidence[] {
  const pod = snapshot.pod;
  const evidence: Evidence[] = [{ kind: 'status', field: `${f.view.statusPath}.state.waiting.reason`, value: f.reason }];
  if (f.message) evidence.push({ kind: 'status', field: `${f.view.statusPath}.state.waiting.message`, value: clip(f.message, 500) });
  evidence.push({
    kind: 'spec',
    field: `${f.view.specPath}.image`,
    value: f.image,
    note: `registry ${f.ref.registry}, repository ${f.ref.repository}${f.ref.tag ? `, tag ${f.ref.tag}` : ''}${f.ref.digest ? `, digest ${f.ref.digest}` : ''}`,
  });
  const secrets = (pod.spec.imagePullSecrets ?? []).map((s) => s.name);
  evidence.push({
    kind: 'spec',
    field: 'spec.imagePullSecrets',
    value: secrets.length > 0 ? secrets.join(', ') : '(not set)',
    note: secrets.length > 0 ? undefined : `no pull credentials from the Pod; only the node's own credentials (if any) and ServiceAccount ${pod.spec.serviceAccountName ?? 'default'}'s imagePullSecrets at admission apply`,
  });
  // The failed pulls with distinct messages (intermittent errors show as several), newest first.
  const distinct = new Map<string, KubeEvent>();
  for (const event of f.failedPulls) if (!distinct.has(event.message ?? '')) distinct.set(event.message ?? '', event);
  for (const event of [...distinct.values()].slice(0, 3)) evidence.push(eventEvidence(event, snapshot.observedAt));
  const special = f.otherEvents.find((e) => e.reason === EVENT_INSPECT_FAILED || e.reason === ERR_IMAGE_NEVER_PULL);
  if (special) evidence.push(eventEvidence(special, snapshot.observedAt));
  const backOff = f.otherEvents.find((e) => e.reason === EVENT_BACK_OFF);
  if (backOff) evidence.push(eventEvidence(backOff, snapshot.observedAt));
  for (const other of others) {
    evidence.push({ kind: 'status', field: `${other.view.statusPath}.state.waiting.reason`, value: `${other.reason} (image ${other.image})` });
  }
  return evidence;
}

function remediationFor(snapshot: PodSnapshot, f: PullFailure): Remediation[] {
  const pod = snapshot.pod;
  const ns = pod.metadata.namespace;
  const target = setImageTarget(snapshot);
  const container = f.view.name;
  const registry = f.ref.registry;
  const endpoint = registryEndpoint(registry);
  const node = pod.spec.nodeName;
  const sa = pod.spec.serviceAccountName ?? 'default';
  const repo = shortRepository(f.ref);
  const fixImage = target ? kubectl(ns, `set image ${shellQuote(target)} ${shellQuote(container)}=${shellQuote(repo)}:<existing-tag>`) : undefined;
  const out: Remediation[] = [];
  switch (f.cause) {
    case 'not-found': {
      if (f.ambiguous) {
        out.push({
          text: `Check whether ${repo}${f.ref.tag ? `:${f.ref.tag}` : ''} exists: run this logged out of ${registry}, then logged in with an account that may pull it; if both fail the name or tag is wrong, so fix ${f.view.specPath}.image.`,
          command: `docker manifest inspect ${shellQuote(f.image)}`,
        });
        out.push({
          text: `If the repository is private, give the Pod credentials: a pull secret for ${registry} in spec.imagePullSecrets or on ServiceAccount ${sa}.`,
          command: kubectl(ns, `create secret docker-registry ${shellQuote(hostOf(endpoint).replace(/\./g, '-'))}-pull --docker-server=${shellQuote(registry === 'docker.io' ? 'https://index.docker.io/v1/' : registry)} --docker-username=<user> --docker-password=<token>`),
          docsUrl: 'https://kubernetes.io/docs/tasks/configure-pod-container/pull-image-private-registry/',
        });
        break;
      }
      if (f.reason === ERR_IMAGE_NEVER_PULL) {
        out.push({
          text: `${f.view.specPath}.imagePullPolicy is Never, so the kubelet will only use an image already on node ${node ?? '?'}. Pre-load "${f.image}" on every node that may run the Pod, or set imagePullPolicy to IfNotPresent.`,
          docsUrl: 'https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy',
        });
        break;
      }
      if (f.reason === INVALID_IMAGE_NAME) {
        out.push({
          text: `"${f.image}" does not parse as an image reference (lowercase repository, optional ":tag" and "@sha256:digest", no spaces). Fix ${f.view.specPath}.image in the Pod template.`,
          command: fixImage,
          docsUrl: 'https://kubernetes.io/docs/concepts/containers/images/#image-names',
        });
        break;
      }
      out.push({
        text: `Check that ${f.ref.tag ? `tag "${f.ref.tag}"` : 'the reference'} exists in repository ${f.ref.repository} on ${registry} (typo, tag never pushed or deleted, wrong registry), then fix ${f.view.specPath}.image in the Pod template.`,
        command: fixImage,
      });
      out.push({ text: 'List the tags the registry actually has (here with crane from go-containerregistry; skopeo list-tags works too).', command: `crane ls ${shellQuote(repo)}` });
      break;
    }
    case 'unauthorized': {
      const secrets = (pod.spec.imagePullSecrets ?? []).map((s) => s.name);
      if (secrets.length === 0) {
        const secret = `${hostOf(endpoint).replace(/\./g, '-')}-pull`;
        out.push({
          text: `Create a pull secret for ${registry} with an account that may pull ${f.ref.repository}.`,
          command: kubectl(ns, `create secret docker-registry ${shellQuote(secret)} --docker-server=${shellQuote(registry === 'docker.io' ? 'https://index.docker.io/v1/' : registry)} --docker-username=<user> --docker-password=<token>`),
          docsUrl: 'https://kubernetes.io/docs/tasks/configure-pod-container/pull-image-private-registry/',
        });
        out.push({
          text: `Attach it: add it to spec.imagePullSecrets in the Pod template, or to ServiceAccount ${sa} (applies to Pods created afterwards, so delete this Pod once it is attached).`,
          command: kubectl(ns, `patch serviceaccount ${shellQuote(sa)} -p ${shellQuote(JSON.stringify({ imagePullSecrets: [{ name: secret }] }))}`),
        });
      } else {
        out.push({
          text: `The Pod sends imagePullSecrets ${secrets.join(', ')}, but ${registry} rejects them: check the secret is for server ${registry}, its credentials are current, and the account may pull ${f.ref.repository}.`,
          command: kubectl(ns, `get secret ${shellQuote(secrets[0] ?? '<secret>')} -o jsonpath='{.data.\\.dockerconfigjson}' | base64 -d`),
        });
      }
      if (registry === 'docker.io') {
        out.push({ text: `Docker Hub answers "pull access denied" for a repository that does not exist too: check the name ${f.ref.repository} is spelled right.` });
      }
      break;
    }
    case 'network': {
      out.push({
        text: `Check DNS and egress from node ${node ?? '?'} to ${endpoint.includes(':') ? endpoint : `${endpoint}:443`} (firewall, proxy settings of the container runtime, NAT gateway, registry mirror configuration).`,
        command: node ? `kubectl debug node/${shellQuote(node)} -it --image=busybox:1.36 -- sh -c ${shellQuote(`nslookup ${shellQuote(hostOf(endpoint))} && wget -S --spider ${shellQuote(`https://${endpoint}/v2/`)}`)}` : undefined,
      });
      if ((f.causeText ?? '').includes('x509: ')) {
        out.push({ text: `The node does not trust ${endpoint}'s TLS certificate: install the registry's CA on the nodes (containerd: /etc/containerd/certs.d/${endpoint}/ca.crt).` });
      }
      break;
    }
    case 'timeout': {
      out.push({
        text: 'The pull was cancelled before it finished. Raise the runtime\'s pull deadline (containerd: image_pull_progress_timeout in the CRI plugin config; dockershim/cri-dockerd: --image-pull-progress-deadline), or make the image smaller.',
        docsUrl: 'https://github.com/containerd/containerd/blob/main/docs/cri/config.md',
      });
      out.push({ text: `Pre-pull "${f.image}" on the nodes (a DaemonSet that runs the image with a no-op command), or serve it from a registry mirror close to the cluster.` });
      break;
    }
    case 'throttled': {
      if (isKubeletQps(f)) {
        out.push({
          text: `The kubelet's own pull rate limit refused the pull. Raise registryPullQPS / registryBurst in node ${node ?? '?'}'s KubeletConfiguration (0 disables the limit), or spread out the rollout so fewer Pods start at once.`,
          docsUrl: 'https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/',
        });
      } else {
        out.push({
          text: `${registry} is rate-limiting anonymous or free-tier pulls from the cluster's egress IP. Pull with an authenticated account (imagePullSecrets on the Pod or ServiceAccount ${sa}), or configure a registry mirror / pull-through cache and reference it.`,
          docsUrl: 'https://docs.docker.com/docker-hub/usage/',
        });
      }
      break;
    }
  }
  out.push({ text: 'See every pull attempt and its error.', command: kubectl(ns, `describe pod ${shellQuote(pod.metadata.name)}`) });
  return out;
}

/** Controllers whose Pod template `kubectl set image` can change. */
const SET_IMAGE_KINDS: readonly string[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'ReplicationController'];

/** `deployment/web` for the Pod's top controller, `pod/<name>` for a bare Pod (a Pod's image is mutable). */
function setImageTarget(snapshot: PodSnapshot): string | undefined {
  const top = [...snapshot.owners].reverse().find((o) => SET_IMAGE_KINDS.includes(o.kind));
  if (top) return `${top.kind.toLowerCase()}/${top.metadata.name}`;
  const ref = snapshot.pod.metadata.ownerReferences?.find((r) => r.controller);
  if (!ref) return `pod/${snapshot.pod.metadata.name}`;
  // A Deployment's ReplicaSet is named <deployment>-<pod-template-hash> (the owner chain may not be in the dump).
  const hash = snapshot.pod.metadata.labels?.['pod-template-hash'];
  if (ref.kind === 'ReplicaSet' && hash && ref.name.endsWith(`-${hash}`)) return `deployment/${ref.name.slice(0, -hash.length - 1)}`;
  if (SET_IMAGE_KINDS.includes(ref.kind)) return `${ref.kind.toLowerCase()}/${ref.name}`;
  return undefined;
}

function actionsFor(f: PullFailure): SuggestedAction[] {
  const actions: SuggestedAction[] = [];
  if (f.cause !== 'not-found') {
    actions.push({
      action: 'restart-pod',
      reason: 'Once the registry side is fixed, a new Pod pulls right away instead of waiting out the pull back-off (up to 5 minutes).',
    });
  }
  actions.push({ action: 'rediagnose', reason: 'Check again after fixing the image, credentials or network.' });
  return actions;
}
