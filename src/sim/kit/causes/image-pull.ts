/**
 * image-pull: the kubelet cannot get the image; each cause is the container runtime's pull error for it.
 */
import type { Container } from '../../../contract/k8s.ts';
import type { CauseId } from '../../../contract/scenarios.ts';
import { digest } from '../ids.ts';
import { pullPlan } from '../plans.ts';
import { reportedImage, type PodPlacement, type PodTemplate } from '../workloads.ts';
import type { Build, CauseDef, RecipesOf } from './recipe.ts';
import { main } from './support.ts';

/** A fully qualified reference, as containerd names it in errors (docker.io/library/ for short names). */
function qualified(image: string): string {
  return reportedImage(image);
}

const IMAGE_PULL_ERRORS = {
  // source: containerd internal/cri/server/images/image_pull.go ("failed to pull and unpack image %q: %w"),
  //   client/pull.go ("failed to resolve reference %q: %w"), core/remotes/docker/resolver.go ("%s: %w", errdefs.ErrNotFound);
  //   gRPC status "rpc error: code = NotFound desc = …".
  notFound: (ref: string) => `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`,
  // source: containerd core/remotes/docker/resolver.go ("failed to authorize: %w"), authorizer.go ("failed to fetch oauth
  //   token: %w"), core/remotes/errors/errors.go ("unexpected status from %s request to %s: %s").
  unauthorized: (ref: string, host: string, repo: string) =>
    `rpc error: code = Unknown desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://${host}/service/token?scope=repository%3A${encodeURIComponent(repo)}%3Apull&service=harbor-registry: 401 Unauthorized`,
  // source: containerd core/remotes/docker/resolver.go ("failed to do request: %w"); Go net/http url.Error and
  //   net.DNSError ("dial tcp: lookup %s on %s: no such host").
  network: (ref: string, host: string, repo: string, tag: string) =>
    `rpc error: code = Unknown desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": failed to do request: Head "https://${host}/v2/${repo}/manifests/${tag}": dial tcp: lookup ${host} on 127.0.0.53:53: no such host`,
  // source: kubernetes/kubernetes#111528 (PullImage from image service failed … "context deadline exceeded").
  timeout: () => 'rpc error: code = Unknown desc = context deadline exceeded',
  // source: containerd core/remotes/docker/httpreadseeker.go ("httpReadSeeker: failed open: %w"), fetcher.go
  //   ("unexpected status code %v: %v"); Docker Hub TOOMANYREQUESTS (namespacelabs/foundation#846).
  throttled: (ref: string, repo: string, image: string) =>
    `rpc error: code = Unknown desc = failed to pull and unpack image "${ref}": failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/${repo}/manifests/sha256:${digest('manifest', image)}: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit`,
};

interface Named {
  namespace: string;
  name: string;
}

function pullCause(cause: CauseId, image: (b: Named) => string, error: (b: Named, image: string) => string, pullSeconds = 1, extra?: (t: PodTemplate, b: Build) => void): CauseDef {
  return {
    cause,
    category: 'failing',
    startedSecondsAgo: 600,
    template(t, b) {
      main(t).image = image(b);
      extra?.(t, b);
    },
    plan(b, pod, place, createdMs) {
      const c = pod.spec.containers[0] as Container;
      const img = c.image ?? '';
      return pullPlan({ createdMs, place: place as PodPlacement, container: c.name, image: img, pullSeconds, error: error(b, img) });
    },
    replacement: 'same',
    recover: 'rollout',
  };
}

export const imagePullRecipes: RecipesOf<'image-pull'> = {
  'image-pull.not-found': pullCause(
    'image-pull.not-found',
    (b) => `registry.example.com/${b.namespace}/${b.name}:1.4.20`,
    (_b, image) => IMAGE_PULL_ERRORS.notFound(qualified(image)),
  ),
  'image-pull.unauthorized': pullCause(
    'image-pull.unauthorized',
    (b) => `harbor.example.com/${b.namespace}/${b.name}:1.4.2`,
    (b, image) => IMAGE_PULL_ERRORS.unauthorized(image, 'harbor.example.com', `${b.namespace}/${b.name}`),
    1,
    (t, b) => {
      t.spec.imagePullSecrets = [{ name: `${b.namespace}-harbor-robot` }];
    },
  ),
  'image-pull.network': pullCause(
    'image-pull.network',
    (b) => `registry.corp.example.com/${b.namespace}/${b.name}:1.4.2`,
    (b, image) => IMAGE_PULL_ERRORS.network(image, 'registry.corp.example.com', `${b.namespace}/${b.name}`, '1.4.2'),
  ),
  'image-pull.timeout': { ...pullCause(
    'image-pull.timeout',
    (b) => `registry.example.com:5000/${b.namespace}/${b.name}:7.3.1`,
    () => IMAGE_PULL_ERRORS.timeout(),
    120,
  ), startedSecondsAgo: 1800 },
  'image-pull.throttled': pullCause(
    'image-pull.throttled',
    (b) => `${b.namespace}/${b.name}:1.4.2`,
    (b, image) => IMAGE_PULL_ERRORS.throttled(qualified(image), `${b.namespace}/${b.name}`, image),
  ),
};
