/**
 * `npm run bench:cluster`: time to sync and memory of the informer cache for a large cluster, and
 * API requests per diagnosis, against a fake API server in a CHILD process (bench/cluster-server.ts)
 * so that the RSS measured here is the cache's alone. What is measured and how: bench/cluster-measure.ts.
 *
 *   npm run bench:cluster                                  (10,000 Pods on 500 nodes)
 *   npm run bench:cluster -- --pods 150000 --nodes 5000    (PLATFORM.md §2.4 designed limits)
 *   npm run bench:cluster -- --page-size 500               (informer LIST page size; default the product's, 250)
 *   npm run bench:cluster -- --json                        (figures as JSON on stdout)
 *   npm run bench:cluster -- --summary                     (one line, for the README's benchmark table)
 *   npm run bench:cluster -- --v8-defaults                 (V8's host-derived heap sizing instead of the agent's flags)
 *
 * Run with --expose-gc (the npm script does) so the after-GC figures are forced collections.
 *
 * The measurement runs under the agent's V8 flags (AGENT_V8_FLAGS): unless this process already
 * has them, it runs itself again in a child process that does. Why the agent pins its young
 * generation: V8 sizes it from the memory it may use, which Node takes from the host or the
 * container's cgroup limit (Node docs, `--max-semi-space-size`: 1 MiB per semi-space under a 512 MiB
 * limit, as deploy/kubernetes/base/deployment.yaml sets, 16 MiB under 2 GiB; here, on a 24 GB host, 64 MiB).
 * The initial LIST keeps every object it decodes, and V8 grows the young generation whenever more
 * bytes survive than it holds (heap.cc ShouldResizeNewSpace), so a cold sync takes it to its
 * maximum: 128 MB of new space on this host, committed until the memory reducer runs, which the
 * RSS after sync then counts (~350 MB with --v8-defaults, ~240 MB pinned). Measured for 10,000
 * Pods, 1, 2, 4 and 8 MiB give the same RSS after sync (230–250 MB) and lag; 16 MiB adds 15–25 MB.
 * Pinned at 8 MiB the agent's memory no longer depends on the node or the limit it gets.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { formatReport, formatSummary, measureCluster } from './cluster-measure.ts';
import type { RequestCounts, SeedSummary } from './cluster-seed.ts';

interface ChildReady {
  kubeconfig: string;
  url: string;
  control: string;
  seed: SeedSummary;
  seedMs: number;
  rssMb: number;
}

/**
 * The V8 flags the agent runs with (see above). deploy/Dockerfile's ENTRYPOINT must pass the same
 * ones for these figures to hold in a cluster.
 */
const AGENT_V8_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--expose-gc'];

const { values } = parseArgs({
  options: {
    pods: { type: 'string', default: '10000' },
    nodes: { type: 'string', default: '500' },
    'failing-ratio': { type: 'string', default: '0.03' },
    'page-size': { type: 'string' },
    json: { type: 'boolean', default: false },
    summary: { type: 'boolean', default: false },
    'v8-defaults': { type: 'boolean', default: false },
  },
});

// A flag given on the command line (e.g. another --max-semi-space-size to compare) wins.
const missingFlags = AGENT_V8_FLAGS.filter((flag) => !process.execArgv.some((given) => given.split('=')[0] === flag.split('=')[0]));
if (missingFlags.length > 0 && !values['v8-defaults']) {
  const measurer = spawn(process.execPath, [...process.execArgv, ...missingFlags, import.meta.filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => measurer.kill(signal));
  const [code] = (await once(measurer, 'exit')) as [number | null];
  process.exit(code ?? 1);
}

const log = (message: string): void => {
  process.stderr.write(`[bench:cluster] ${message}\n`);
};

const child = spawn(
  process.execPath,
  // The server's store of 150,000 Pods with managedFields takes ~4 GB, V8's default heap limit on a
  // 64-bit host: without room it thrashes in GC and drops the LISTs. Its memory is not the figure.
  ['--disable-warning=ExperimentalWarning', '--max-old-space-size=16384', join(import.meta.dirname, 'cluster-server.ts'), '--pods', values.pods, '--nodes', values.nodes, '--failing-ratio', values['failing-ratio']],
  { stdio: ['pipe', 'pipe', 'inherit'] },
);

async function childReady(): Promise<ChildReady> {
  const lines = createInterface({ input: child.stdout });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`the server process exited early (code ${String(code)})`))));
  const first = new Promise<ChildReady>((resolve) => lines.once('line', (line) => resolve(JSON.parse(line) as ChildReady)));
  return Promise.race([first, exited]);
}

try {
  log(`seeding ${values.pods} Pods on ${values.nodes} nodes in the server process`);
  const ready = await childReady();
  const s = ready.seed;
  log(
    `server ready in ${(ready.seedMs / 1000).toFixed(1)} s at ${ready.url} (RSS ${ready.rssMb} MB): ${s.pods} Pods (${s.failing.length} failing), ` +
      `${s.nodes} nodes, ${s.namespaces} namespaces, ${s.deployments} Deployments, ${s.replicaSets} ReplicaSets, ${s.events} events; ` +
      `a Pod is ${s.podJsonBytes} bytes as JSON, ${s.podManagedFieldsBytes} of them managedFields`,
  );
  const figures = await measureCluster({
    target: {
      kubeconfigPath: ready.kubeconfig,
      requestCounts: async () => (await (await fetch(`${ready.control}/requests`)).json()) as RequestCounts,
    },
    expectedPods: s.pods,
    failing: s.failing,
    ...(values['page-size'] ? { pageSize: Number(values['page-size']) } : {}),
    progress: log,
  });
  if (values.summary) {
    process.stdout.write(`${formatSummary(figures, s.nodes)}\n`);
  } else if (values.json) {
    process.stdout.write(`${JSON.stringify({ seed: { ...s, failing: s.failing.length }, nodeFlags: process.execArgv, figures }, null, 2)}\n`);
  } else {
    const flags = process.execArgv.filter((flag) => !flag.startsWith('--disable-warning')).join(' ');
    process.stdout.write(`\npodwhy bench:cluster — ${s.pods} Pods on ${s.nodes} nodes (${s.failing.length} failing), Node ${process.version} ${flags}\n\n`);
    process.stdout.write(`${formatReport(figures)}\n`);
  }
} finally {
  child.stdin.end();
  child.kill('SIGTERM');
}
