/**
 * What the container runtime said when a pull failed, sorted into the image-pull causes.
 * The kubelet embeds the runtime's error verbatim in the `Failed` event ("Failed to pull image %q: %v")
 * and in the waiting message, so the cause is read from containerd / CRI-O / registry text.
 */
import type { CauseOf } from '../../contract/scenarios.ts';

export type PullCause = CauseOf<'image-pull'>;

interface Marker {
  cause: PullCause;
  /** Matched case-insensitively as a substring. */
  text: string;
}

/**
 * Checked in this order: the first cause with a matching marker wins. Rate limits and auth come
 * first because their messages also carry generic words ("failed to resolve reference", "timeout");
 * network comes before timeout because "dial tcp …: i/o timeout" is a connection failure, not a slow pull.
 */
const MARKERS: readonly Marker[] = [
  // source: Docker Hub rate limit, as relayed by containerd (registry error code TOOMANYREQUESTS):
  // "429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit." (namespacelabs/foundation#846)
  { cause: 'throttled', text: 'toomanyrequests' },
  // source: containerd core/remotes/errors/errors.go ("unexpected status from %s request to %s: %s") with HTTP 429
  { cause: 'throttled', text: '429 Too Many Requests' },
  // source: kubernetes pkg/kubelet/images/helpers.go throttledImageService ("pull QPS exceeded", older releases with a trailing ".")
  { cause: 'throttled', text: 'pull QPS exceeded' },
  // source: kubernetes pkg/kubelet/images/helpers.go errPullBurstExceeded (forks with a burst limiter)
  { cause: 'throttled', text: 'pull burst exceeded' },

  // source: containerd core/remotes/docker/resolver.go ("pull access denied, repository does not exist or may require authorization: %w")
  { cause: 'unauthorized', text: 'pull access denied' },
  // source: containerd core/remotes/docker/authorizer.go invalidAuthorization ("server message: %s: %w", ErrInvalidAuthorization "authorization failed")
  { cause: 'unauthorized', text: 'insufficient_scope' },
  { cause: 'unauthorized', text: 'authorization failed' },
  // source: containerd core/remotes/docker/resolver.go request.do ("failed to authorize: %w")
  { cause: 'unauthorized', text: 'failed to authorize' },
  // source: containerd core/remotes/errors/errors.go with HTTP 401 / 403 ("unexpected status from HEAD request to …: 401 Unauthorized")
  { cause: 'unauthorized', text: '401 Unauthorized' },
  { cause: 'unauthorized', text: '403 Forbidden' },
  // source: distribution registry/api/errcode (UNAUTHORIZED "authentication required", DENIED "requested access to the resource is denied")
  // and Quay's UNAUTHORIZED "access to the requested resource is not authorized", as printed by containers/image (CRI-O)
  { cause: 'unauthorized', text: 'unauthorized: ' },
  { cause: 'unauthorized', text: 'authentication required' },
  { cause: 'unauthorized', text: 'requested access to the resource is denied' },
  // source: containerd core/remotes/docker/authorizer.go ("%w: no basic auth credentials")
  { cause: 'unauthorized', text: 'no basic auth credentials' },

  // source: containerd core/remotes/docker/resolver.go ("%s: %w" with errdefs.ErrNotFound → "docker.io/library/nginx:1.277: not found")
  { cause: 'not-found', text: ': not found' },
  // source: distribution registry/api/v2 errors (MANIFEST_UNKNOWN "manifest unknown", NAME_UNKNOWN "repository name not known to registry")
  // as printed by containers/image docker/docker_client.go ("reading manifest %s in %s: %w")
  { cause: 'not-found', text: 'manifest unknown' },
  { cause: 'not-found', text: 'name unknown' },
  { cause: 'not-found', text: 'repository name not known to registry' },
  // source: distribution/reference ErrReferenceInvalidFormat / ErrNameContainsUppercase, via kubernetes pkg/util/parsers ("couldn't parse image name %q: %v")
  { cause: 'not-found', text: 'invalid reference format' },
  { cause: 'not-found', text: 'repository name must be lowercase' },
  // source: kubernetes pkg/kubelet/images/image_manager.go ("Container image %q is not present with pull policy of Never")
  { cause: 'not-found', text: 'is not present with pull policy of Never' },

  // source: Go net package DNS errors ("dial tcp: lookup %s on %s: no such host" / "server misbehaving")
  { cause: 'network', text: 'no such host' },
  { cause: 'network', text: 'server misbehaving' },
  // source: Go net package syscall errors ("connect: connection refused", "read: connection reset by peer", "connect: no route to host")
  { cause: 'network', text: 'connection refused' },
  { cause: 'network', text: 'connection reset by peer' },
  { cause: 'network', text: 'no route to host' },
  { cause: 'network', text: 'network is unreachable' },
  // source: Go net package ("dial tcp %s: i/o timeout"), net/http ("net/http: TLS handshake timeout",
  // "Client.Timeout exceeded while awaiting headers"): the registry never answered the connection
  { cause: 'network', text: 'i/o timeout' },
  { cause: 'network', text: 'TLS handshake timeout' },
  { cause: 'network', text: 'Client.Timeout exceeded' },
  // source: Go crypto/x509 ("x509: certificate signed by unknown authority"): the node cannot open a trusted connection
  { cause: 'network', text: 'x509: ' },
  // source: kubernetes pkg/kubelet/images/image_manager.go evalCRIPullErr ("image pull failed for %s because the registry is unavailable%s")
  { cause: 'network', text: 'because the registry is unavailable' },

  // source: gRPC / Go context errors seen on large pulls ("rpc error: code = Unknown desc = context deadline exceeded",
  // kubernetes/kubernetes#111528; "rpc error: code = Unknown desc = context canceled", kubernetes/test-infra#15102):
  // containerd cancels a pull with no progress for image_pull_progress_timeout (internal/cri/server/images/image_pull.go)
  { cause: 'timeout', text: 'context deadline exceeded' },
  { cause: 'timeout', text: 'code = DeadlineExceeded' },
  { cause: 'timeout', text: 'context canceled' },
  { cause: 'timeout', text: 'because of no progress' },
];

/** The cause one runtime/kubelet message points to, or null when it names none (e.g. a bare "Back-off pulling image"). */
export function classifyPullError(message: string | undefined): PullCause | null {
  if (!message || !ANY_MARKER.test(message)) return null;
  const lower = message.toLowerCase();
  for (const marker of LOWER_MARKERS) {
    if (lower.includes(marker.text)) return marker.cause;
  }
  return null;
}

/** MARKERS lower-cased once, not on every message. */
const LOWER_MARKERS = MARKERS.map((marker) => ({ ...marker, text: marker.text.toLowerCase() }));
/**
 * One case-insensitive scan for any marker: most messages a detector reads ("Back-off pulling image …") carry none, and
 * those are answered without lower-casing them or trying each marker in turn. Which marker wins stays the loop's call.
 * Unicode case folding (flag u) accepts whatever toLowerCase() would (the Kelvin sign as k, ſ as s); the one letter
 * whose lower case is two characters, İ, only matters for a marker ending in i, and none does.
 */
const ANY_MARKER = new RegExp(MARKERS.map((marker) => marker.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'iu');

/** The parts of an image reference the remediation needs. */
export interface ImageRef {
  /** Registry host as the runtime contacts it, e.g. `docker.io`, `registry.example.com:5000`. */
  registry: string;
  /** Repository path inside the registry, e.g. `library/nginx`. */
  repository: string;
  tag: string | null;
  digest: string | null;
}

/**
 * Splits an image reference the way distribution/reference normalizes it (ParseNormalizedNamed):
 * the first path component is a registry only if it contains "." or ":" or is "localhost";
 * otherwise the image is on docker.io, and a single-component name lives under `library/`.
 * Lenient on purpose: an invalid reference still yields its best-effort parts.
 */
export function parseImageRef(image: string): ImageRef {
  let rest = image.trim();
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1) || null;
    rest = rest.slice(0, at);
  }
  let tag: string | null = null;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const firstSlash = rest.indexOf('/');
  const first = firstSlash >= 0 ? rest.slice(0, firstSlash) : '';
  const isRegistry = firstSlash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = isRegistry ? first : 'docker.io';
  let repository = isRegistry ? rest.slice(firstSlash + 1) : rest;
  if (registry === 'docker.io' && !repository.includes('/')) repository = `library/${repository}`;
  return { registry, repository, tag, digest };
}

/** The host the node actually dials: Docker Hub's API lives at registry-1.docker.io. */
export function registryEndpoint(registry: string): string {
  return registry === 'docker.io' ? 'registry-1.docker.io' : registry;
}
