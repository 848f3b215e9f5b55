/**
 * `podwhy why <target> [-n NAMESPACE] [--context CONTEXT] [--kubeconfig FILE] [-o text|json|yaml]`:
 * diagnoses a live Pod through the kubeconfig, with the same output as `podwhy diagnose`.
 * <target> is a Pod name, `ns/name`, `kind/name` (deploy/web, sts/db, ds/agent, job/migrate) or a
 * Pod-name prefix; for a workload or a prefix the failing Pods are diagnosed and named.
 *
 * One-shot: one LIST per resource type in the target's namespace (plus nodes), no watch, then the
 * same cache, collector and engine the agent uses.
 */
import { podCreatingWorkloads } from '../cluster/answer-query.ts';
import { ClusterCache, type LoadFailure } from '../cluster/cache.ts';
import { ClientNodeCluster } from '../cluster/client-node-cluster.ts';
import { SnapshotCollector } from '../cluster/collector.ts';
import { loadKubeconfig } from '../cluster/kubeconfig.ts';
import { parseTarget, resolveTarget, type Resolution, type TargetSpec } from '../cluster/resolve-target.ts';
import type { Diagnosis } from '../contract/diagnosis.ts';
import type { Pod } from '../contract/k8s.ts';
import type { Snapshot } from '../contract/snapshot.ts';
import { diagnose } from '../diagnosis/engine.ts';
import { inputGaps } from '../diagnosis/input-gaps.ts';
import { isPodwhyError, PodwhyError } from '../errors.ts';
import { toTextLine } from '../render/text.ts';
import { parseCommandArgs, wantsHelp } from './args.ts';
import { formatDiagnoses, isMachineFormat, isOutputFormat, type OutputFormat } from './format.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, type CliIo } from './io.ts';

export const WHY_USAGE =
  'usage: podwhy why POD|NAMESPACE/POD|KIND/NAME|PREFIX [-n NAMESPACE] [--context CONTEXT] [--kubeconfig FILE] [-o text|json|yaml] [--no-logs] [--request-timeout SECONDS]';

export const WHY_HELP = `${WHY_USAGE}

Diagnoses a live Pod through your kubeconfig, with the same output as podwhy diagnose. The target is a Pod name,
NAMESPACE/POD, KIND/NAME (deploy/web, sts/db, ds/agent, job/migrate) or a Pod-name prefix; for a workload or a
prefix the failing Pods are diagnosed and named.

options:
  -n, --namespace NS          the namespace (default: the kubeconfig context's, else default)
      --context CONTEXT       a kubeconfig context other than the current one
      --kubeconfig FILE       a kubeconfig other than $KUBECONFIG / ~/.kube/config
  -o, --output FORMAT         text (default), json (the contract) or yaml (the same, as YAML)
      --no-logs               do not read container logs
      --request-timeout SECS  per request (default 20)
  -h, --help                  this help
`;

/** At most this many log tails for a workload or a prefix. */
const MAX_LOG_TAILS = 5;

export interface WhyOptions {
  target: string;
  namespace?: string;
  context?: string;
  kubeconfig?: string;
  output: OutputFormat;
  logs: boolean;
  requestTimeoutMs: number;
}

/** What the caller may inject (src/config.ts reads the environment; tests pass nothing). */
export interface WhyDeps {
  /** KUBECONFIG, when the caller read it; otherwise client-node reads it. */
  kubeconfigEnv?: string;
}

export function parseWhyArgs(argv: string[]): WhyOptions {
  const parsed = parseCommandArgs('why', {
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      namespace: { type: 'string', short: 'n' },
      context: { type: 'string' },
      kubeconfig: { type: 'string' },
      output: { type: 'string', short: 'o', default: 'text' },
      'no-logs': { type: 'boolean', default: false },
      'request-timeout': { type: 'string', default: '20' },
    },
  });
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || !positionals[0]) throw new UsageError(positionals.length === 0 ? 'missing the Pod to diagnose' : 'give exactly one Pod (or workload) to diagnose');
  if (!isOutputFormat(values.output)) throw new UsageError(`unknown output format "${values.output}" (expected text, json or yaml)`);
  const seconds = Number(values['request-timeout']);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--request-timeout "${values['request-timeout']}" is not a positive number of seconds`);
  const options: WhyOptions = { target: positionals[0], output: values.output, logs: !values['no-logs'], requestTimeoutMs: seconds * 1000 };
  if (values.namespace !== undefined) options.namespace = values.namespace;
  if (values.context !== undefined) options.context = values.context;
  if (values.kubeconfig !== undefined) options.kubeconfig = values.kubeconfig;
  return options;
}

export async function whyCommand(argv: string[], io: CliIo, deps: WhyDeps = {}): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout(WHY_HELP);
    return EXIT_OK;
  }
  let options: WhyOptions;
  try {
    options = parseWhyArgs(argv);
  } catch (error) {
    io.stderr(`podwhy why: ${(error as Error).message}\n${WHY_USAGE}\n`);
    return EXIT_USAGE;
  }
  try {
    const result = await runWhy(options, io, deps);
    // JSON on stdout stays exactly the `diagnose -o json` contract; the note goes to stderr there.
    // Lines that quote the cluster (Pod names, API error messages) go through the one text rule (render/text.ts).
    if (result.note && isMachineFormat(options.output)) io.stderr(`${toTextLine(result.note)}\n`);
    else if (result.note) io.stdout(`${toTextLine(result.note)}\n\n`);
    io.stdout(formatDiagnoses(result.diagnoses, options.output, { pods: result.pods, workloads: result.workloads }));
    const gaps = result.gaps.map((gap) => `${gap}\n`).join('');
    if (gaps) (isMachineFormat(options.output) ? io.stderr : io.stdout)(isMachineFormat(options.output) ? gaps : `\n${gaps}`);
    return EXIT_OK;
  } catch (error) {
    if (!isPodwhyError(error)) throw error;
    io.stderr(`${toTextLine(`podwhy why: ${error.message}`)}\n`);
    return error.code === 'bad-input' ? EXIT_USAGE : EXIT_FAILURE;
  }
}

interface WhyResult {
  diagnoses: Diagnosis[];
  /** Which Pods were picked, for a workload or a prefix. */
  note?: string;
  pods: number;
  workloads: number;
  /** What the cluster did not give for the causes it could otherwise show (src/diagnosis/input-gaps.ts). */
  gaps: string[];
}

async function runWhy(options: WhyOptions, io: CliIo, deps: WhyDeps): Promise<WhyResult> {
  const loaded = loadKubeconfig({ path: options.kubeconfig, context: options.context, kubeconfigEnv: deps.kubeconfigEnv });
  const spec = parseTarget(options.target, { namespace: options.namespace, defaultNamespace: loaded.namespace });
  const reader = new ClientNodeCluster(loaded.kubeConfig, { requestTimeoutMs: options.requestTimeoutMs, listTimeoutMs: options.requestTimeoutMs });
  const cache = new ClusterCache(reader, { namespaces: [spec.namespace] });
  const failures = await cache.loadOnce();
  for (const failure of failures) {
    // The server went away half-way: that is the answer, not a warning.
    if (isPodwhyError(failure.error, 'api-unreachable')) throw failure.error;
    io.stderr(`${toTextLine(`podwhy why: warning: ${describeFailure(failure)}; diagnosing without them`)}\n`);
  }
  const resolution = resolveTarget(spec, {
    pods: cache.pods(spec.namespace),
    workloads: cache.workloads(spec.namespace),
    podsOfWorkload: (w) => (w.metadata.uid ? cache.podsOfWorkload(w.metadata.uid) : []),
  });
  if (resolution.kind === 'not-found') throw await notFoundError(spec, resolution, cache, reader);

  const collector = new SnapshotCollector({
    cache,
    reader,
    now: () => io.now(),
    onError: (error, context) => io.stderr(`${toTextLine(`podwhy why: warning: no log for ${context.namespace}/${context.name}: ${(error as Error).message}`)}\n`),
  });
  const withLogs = options.logs;
  if (resolution.kind === 'pod') {
    const snapshot = await collector.snapshotOf(resolution.pod, { withLogs });
    const diagnoses = diagnoseEach([snapshot]);
    return { diagnoses, pods: 1, workloads: 0, gaps: inputGaps([snapshot], diagnoses, 'cluster') };
  }

  const pods = resolution.pods;
  const podSnapshots: Snapshot[] = [];
  // Log tails for the first few Pods only: fifty crash-looping replicas tell the same story, and each tail is a request.
  for (const [index, pod] of pods.entries()) podSnapshots.push(await collector.snapshotOf(pod, { withLogs: withLogs && index < MAX_LOG_TAILS }));
  const workloadSnapshots: Snapshot[] = [];
  if (resolution.kind === 'workload') {
    for (const w of podCreatingWorkloads(resolution.workload, cache)) {
      const snapshot = w.metadata.uid ? await collector.collectWorkload({ uid: w.metadata.uid }) : null;
      if (snapshot) workloadSnapshots.push(snapshot);
    }
  }
  const podDiagnoses = diagnoseEach(podSnapshots);
  const workloadDiagnoses = diagnoseEach(workloadSnapshots);
  return {
    diagnoses: [...podDiagnoses, ...workloadDiagnoses],
    note: selectionNote(resolution, pods, podDiagnoses),
    pods: pods.length,
    workloads: workloadSnapshots.length,
    gaps: inputGaps(podSnapshots, podDiagnoses, 'cluster'),
  };
}

function diagnoseEach(snapshots: readonly Snapshot[]): Diagnosis[] {
  return snapshots.map((s) => diagnose(s)).filter((d): d is Diagnosis => d !== null);
}

function selectionNote(resolution: Exclude<Resolution, { kind: 'pod' | 'not-found' }>, pods: readonly Pod[], failing: readonly Diagnosis[]): string {
  const what =
    resolution.kind === 'workload'
      ? `${resolution.workload.kind} ${resolution.workload.metadata.namespace}/${resolution.workload.metadata.name}`
      : `Pods whose name starts with "${resolution.prefix}"`;
  if (pods.length === 0) return `${what}: no Pods`;
  const names = failing.filter((d) => d.subject.kind === 'Pod').map((d) => d.subject.name);
  const of = `${pods.length} Pod${pods.length === 1 ? '' : 's'}`;
  if (names.length === 0) return `${what}: none of its ${of} has a problem`;
  return `${what}: ${names.length} of ${of} ${names.length === 1 ? 'has a problem' : 'have problems'}: ${names.join(', ')}`;
}

async function notFoundError(spec: TargetSpec, resolution: { suggestions: string[] }, cache: ClusterCache, reader: ClientNodeCluster): Promise<PodwhyError> {
  const { namespace, name } = spec;
  const empty = cache.pods(namespace).length === 0 && cache.workloads(namespace).length === 0;
  if (empty) {
    const exists = await reader.namespaceExists(namespace);
    if (exists === false) return new PodwhyError('namespace-not-found', `namespace "${namespace}" does not exist (on ${reader.server})`, { namespace });
  }
  const what = spec.kind ? `${spec.kind} named "${name}"` : `Pod, Deployment, StatefulSet, DaemonSet or Job named "${name}" (nor a Pod name starting with it)`;
  const hint = resolution.suggestions.length
    ? `. Did you mean: ${resolution.suggestions.join(', ')}?`
    : empty
      ? `; namespace "${namespace}" has no Pods`
      : '';
  return new PodwhyError('pod-not-found', `no ${what} in namespace "${namespace}"${hint}`, { namespace, name, suggestions: resolution.suggestions });
}

function describeFailure(failure: LoadFailure): string {
  const message = failure.error instanceof Error ? failure.error.message : String(failure.error);
  return `could not list ${failure.resource}${failure.namespace ? ` in namespace "${failure.namespace}"` : ''} (${message})`;
}
