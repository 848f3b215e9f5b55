/**
 * Kubernetes access behind two small interfaces (STYLE.md §4): ClusterReader (lists, watches,
 * GETs, log tails) and ClusterActor (delete and finalizer removal, both with preconditions), and
 * ListerWatcherFactory, the informers' way to the API server. Their @kubernetes/client-node
 * implementation is ClientNodeCluster (client-node-cluster.ts); what fails there leaves as a
 * PodwhyError (api-errors.ts).
 */
import type { Pod } from '../contract/k8s.ts';
import type { RequestCounter } from './request-counter.ts';
import type { ResourceName } from './resources.ts';
import type { ListerWatcher } from './watch/resilient-informer.ts';

/** Gives an informer its way to the API server (ClientNodeCluster implements it). */
export interface ListerWatcherFactory {
  /** `namespace` undefined: cluster-wide (or a cluster-scoped resource). */
  listerWatcher(resource: ResourceName, namespace?: string): ListerWatcher;
}

export interface PodRef {
  namespace: string;
  name: string;
}

export interface LogTailRequest {
  /** The previous (crashed) instance, as `kubectl logs --previous`. */
  previous: boolean;
  tailLines: number;
  limitBytes: number;
}

/** Read access: what informers, the collector and `podwhy why` need. */
export interface ClusterReader extends ListerWatcherFactory {
  /** The API server's address, for messages. */
  readonly server: string;
  /** Counts of requests sent, by verb and resource. */
  readonly requests: RequestCounter;
  /** A Pod by name (normalized, slimmed); null when it does not exist. */
  getPod(ref: PodRef): Promise<Pod | null>;
  /** Pods of one namespace or of all (one LIST, all pages). */
  listPods(namespace?: string): Promise<Pod[]>;
  /** true/false; null when we may not read namespaces (the question stays open). */
  namespaceExists(name: string): Promise<boolean | null>;
  /** A bounded tail of one container's log. */
  readLogTail(ref: PodRef, container: string, request: LogTailRequest): Promise<string>;
}

/** Mutations for one-click fixes; each is bound to the Pod's uid so a re-created Pod is never hit. */
export interface ClusterActor {
  /** Deletes with preconditions.uid (409 `conflict` when the Pod was replaced); force: grace period 0. */
  deletePod(ref: PodRef, options: { uid: string; force?: boolean; resourceVersion?: string }): Promise<void>;
  /**
   * Removes the named finalizers with a JSON Patch that first tests the uid and each finalizer's
   * position in `current` (the list as read), so a concurrent change fails the patch instead of
   * removing someone else's finalizer (PLATFORM.md §2.5).
   */
  removeFinalizers(ref: PodRef, options: { uid: string; current: readonly string[]; remove: readonly string[]; resourceVersion?: string }): Promise<void>;
}

/** A SubjectAccessReview: may `user` do `verb` on the Pod? (needs subjectaccessreviews create in the actions RBAC) */
export interface AccessReviewer {
  canI(review: { user: string; verb: 'delete' | 'patch'; namespace: string; name: string }): Promise<{ allowed: boolean; reason: string }>;
}
