/**
 * `npm run bench:cluster`: time to sync and memory of the informer cache for a large cluster, and
 * API requests per diagnosis, against a fake API server in a CHILD process (bench/cluster-server.ts)
 * so that the RSS measured here is the cache's alone. What is measured and how: bench/cluster-measure.ts.
 *
 *   npm run bench:cluster                                  (10,000 Pods on 500 nodes)
 *   npm run bench:cluster -- --pods 150000 --nodes 5000    (PLATFORM.md §2.4 designed limits)
 *   npm run bench:cluster -- --page-size 100               (informer LIST page size; default the product's 500)
 *   npm run bench:cluster -- --json                        (figures as JSON on stdout)
 *
 * Run with --expose-gc (the npm script does) so the after-GC figures are forced collections.
 * Targets (the issue): sync ≤ 10 s, RSS ≤ 300 MB, API requests per diagnosis ≤ 1; and from
 * PLATFORM.md §6 test 4: event-loop lag p99 < 100 ms during the initial list, ≥ 20% less heap
 * than keeping the listed objects as they are.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { formatReport, measureCluster } from './cluster-measure.ts';
import type { RequestCounts, SeedSummary } from './cluster-seed.ts';

interface ChildReady {
  kubeconfig: string;
  url: string;
  control: string;
  seed: SeedSummary;
  seedMs: number;
  rssMb: number;
}

const { values } = parseArgs({
  options: {
    pods: { type: 'string', default: '10000' },
    nodes: { type: 'string', default: '500' },
    'failing-ratio': { type: 'string', default: '0.03' },
    'page-size': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

const log = (message: string): void => {
  process.stderr.write(`[bench:cluster] ${message}\n`);
};

const child = spawn(
  process.execPath,
  ['--disable-warning=ExperimentalWarning', join(import.meta.dirname, 'cluster-server.ts'), '--pods', values.pods, '--nodes', values.nodes, '--failing-ratio', values['failing-ratio']],
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
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ seed: { ...s, failing: s.failing.length }, figures }, null, 2)}\n`);
  } else {
    process.stdout.write(`\npodwhy bench:cluster — ${s.pods} Pods on ${s.nodes} nodes (${s.failing.length} failing), Node ${process.version}\n\n`);
    process.stdout.write(`${formatReport(figures)}\n`);
  }
} finally {
  child.stdin.end();
  child.kill('SIGTERM');
}
