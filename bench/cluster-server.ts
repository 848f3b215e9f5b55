/**
 * The fake API server of `npm run bench:cluster`, in its own process so that the parent's RSS is
 * the cache's alone. Seeds the cluster, serves it over HTTPS, then prints ONE line of JSON on
 * stdout: { kubeconfig, url, control, seed, seedMs, rssMb }. `control` is a loopback HTTP endpoint:
 * GET /requests answers the request counts (`verb resource` → n) from the server's request log.
 * Exits when its stdin closes (the parent went away) or on SIGTERM/SIGINT.
 *
 *   node --disable-warning=ExperimentalWarning bench/cluster-server.ts --pods 10000 --nodes 500
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { serveChildControl } from './child-control.ts';
import { startBenchServer } from './cluster-seed.ts';

const { values } = parseArgs({
  options: {
    pods: { type: 'string', default: '10000' },
    nodes: { type: 'string', default: '500' },
    'failing-ratio': { type: 'string', default: '0.03' },
  },
});

const kubeconfigPath = join(tmpdir(), `podwhy-bench-${process.pid}.kubeconfig`);
const bench = await startBenchServer({
  pods: Number(values.pods),
  nodes: Number(values.nodes),
  failingRatio: Number(values['failing-ratio']),
  kubeconfigPath,
});

const control = await serveChildControl({
  routes: { 'GET /requests': () => bench.requestCounts() },
  close: () => bench.close(),
  removeOnExit: [kubeconfigPath],
});

process.stdout.write(
  `${JSON.stringify({
    kubeconfig: kubeconfigPath,
    url: bench.server.url,
    control,
    seed: bench.seed,
    seedMs: Math.round(bench.seedMs),
    rssMb: Math.round(process.memoryUsage().rss / 1024 / 1024),
  })}\n`,
);
