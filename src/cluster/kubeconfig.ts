/**
 * Loads cluster credentials the way kubectl does: an explicit file (`--kubeconfig`), else
 * KUBECONFIG (a path-delimited list, merged), else ~/.kube/config, else the in-cluster service
 * account; then `--context` picks the context. client-node's `loadFromDefault` reads KUBECONFIG,
 * HOME and the service-account files itself (config.js), so podwhy reads no environment here.
 * It silently falls back to `http://localhost:8080` when it finds nothing (config.js
 * loadFromDefault); we turn that into a clear error instead.
 */
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { PodwhyError } from '../errors.ts';

export interface KubeconfigOptions {
  /** A kubeconfig file (`--kubeconfig`); wins over KUBECONFIG and ~/.kube/config. */
  path?: string;
  /** KUBECONFIG as read by src/config.ts (path-delimited list); absent: client-node reads the environment. */
  kubeconfigEnv?: string;
  /** The context to use instead of current-context (`--context`). */
  context?: string;
  /** Use the Pod's service account only (the agent running in the cluster). */
  inCluster?: boolean;
  /** Prefix of /var/run/secrets/kubernetes.io/serviceaccount (tests). */
  serviceAccountRoot?: string;
}

export type KubeconfigSource = 'file' | 'env' | 'default' | 'in-cluster';

export interface LoadedKubeconfig {
  kubeConfig: KubeConfig;
  /** The context in use (`inClusterContext` in a Pod). */
  context: string;
  /** The API server's address, for messages: "cannot reach the API server at …". */
  server: string;
  /** The context's namespace, else `default` (what kubectl uses when -n is absent). */
  namespace: string;
  source: KubeconfigSource;
}

const FALLBACK_SERVER = 'http://localhost:8080';

export function loadKubeconfig(options: KubeconfigOptions = {}): LoadedKubeconfig {
  const kc = new KubeConfig();
  let source: KubeconfigSource;
  try {
    if (options.path) {
      if (!existsSync(options.path)) throw new PodwhyError('config-invalid', `kubeconfig file not found: ${options.path}`, { path: options.path });
      kc.loadFromFile(options.path);
      source = 'file';
    } else if (options.inCluster) {
      kc.loadFromCluster(options.serviceAccountRoot);
      source = 'in-cluster';
    } else if (options.kubeconfigEnv) {
      loadFromList(kc, options.kubeconfigEnv);
      source = 'env';
    } else {
      kc.loadFromDefault();
      source = kc.getCurrentContext() === 'inClusterContext' ? 'in-cluster' : 'default';
    }
  } catch (error) {
    if (error instanceof PodwhyError) throw error;
    throw new PodwhyError('config-invalid', `cannot read kubeconfig: ${(error as Error).message}`, {}, { cause: error });
  }

  if (options.context) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(options.context)) {
      throw new PodwhyError(
        'config-invalid',
        `context "${options.context}" not found in kubeconfig${names.length ? ` (contexts: ${names.join(', ')})` : ''}`,
        { context: options.context, contexts: names },
      );
    }
    kc.setCurrentContext(options.context);
  }

  const contextName = kc.getCurrentContext();
  const context = kc.getContextObject(contextName);
  const cluster = kc.getCurrentCluster();
  if (!context || !cluster) {
    throw new PodwhyError('config-invalid', contextName ? `kubeconfig context "${contextName}" has no cluster` : 'kubeconfig has no current-context (pass --context)', {
      context: contextName,
    });
  }
  if (source === 'default' && contextName === 'loaded-context' && cluster.server === FALLBACK_SERVER) {
    throw new PodwhyError(
      'config-invalid',
      'no kubeconfig found: set KUBECONFIG, pass --kubeconfig FILE, create ~/.kube/config, or run in a Pod with a service account',
    );
  }
  if (source === 'in-cluster' && /undefined/.test(cluster.server)) {
    throw new PodwhyError('config-invalid', 'in-cluster config: KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are not set');
  }
  return {
    kubeConfig: kc,
    context: contextName,
    server: cluster.server,
    namespace: context.namespace?.trim() || 'default',
    source,
  };
}

/** KUBECONFIG semantics: the first file wins for current-context; later files add what is missing. */
function loadFromList(kc: KubeConfig, list: string): void {
  const delimiter = process.platform === 'win32' ? ';' : ':';
  const files = list.split(delimiter).filter((f) => f.length > 0);
  const [first, ...rest] = files;
  if (!first) throw new PodwhyError('config-invalid', 'KUBECONFIG is empty');
  if (!existsSync(first)) throw new PodwhyError('config-invalid', `kubeconfig file not found: ${first} (from KUBECONFIG)`, { path: first });
  kc.loadFromFile(first);
  for (const file of rest) {
    if (!existsSync(file)) continue;
    const other = new KubeConfig();
    other.loadFromFile(file);
    // Not kc.mergeConfig: it throws on a duplicate name and lets later files move current-context.
    const has = (list: { name: string }[], name: string): boolean => list.some((item) => item.name === name);
    for (const cluster of other.getClusters()) if (!has(kc.getClusters(), cluster.name)) kc.addCluster(cluster);
    for (const user of other.getUsers()) if (!has(kc.getUsers(), user.name)) kc.addUser(user);
    for (const context of other.getContexts()) if (!has(kc.getContexts(), context.name)) kc.addContext(context);
    if (!kc.getCurrentContext()) kc.setCurrentContext(other.getCurrentContext());
  }
}
