/**
 * The fake API server of `npm run bench:pipeline`, in its own process so that seeding, serving watch
 * streams and log reads do not run on the agent's event loop. Builds the cluster (bench/pipeline-cluster.ts),
 * serves it over HTTPS, then prints ONE line of JSON on stdout: { kubeconfig, url, control, summary }.
 * `control` is a loopback HTTP endpoint:
 *   POST /burst     writes the staged burst now and answers BurstResult (per Pod: written at, window end);
 *   GET  /requests  the request counts (`verb resource` → n) from the server's request log.
 * Exits when its stdin closes (the parent went away) or on SIGTERM/SIGINT.
 *
 *   node --disable-warning=ExperimentalWarning bench/pipeline-server.ts --pods 10000 --nodes 500 \
 *     --workloads 50 --per-workload 20 --stabilize 60
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { serveChildControl } from './child-control.ts';
import { windowsFrom } from '../src/cluster/candidates.ts';
import { startPipelineCluster } from './pipeline-cluster.ts';

const { values } = parseArgs({
  options: {
    pods: { type: 'string', default: '10000' },
    nodes: { type: 'string', default: '500' },
    workloads: { type: 'string', default: '50' },
    'per-workload': { type: 'string', default: '20' },
    stabilize: { type: 'string', default: '60' },
  },
});

const kubeconfigPath = join(tmpdir(), `podwhy-bench-pipeline-${process.pid}.kubeconfig`);
const cluster = await startPipelineCluster({
  pods: Number(values.pods),
  nodes: Number(values.nodes),
  burstWorkloads: Number(values.workloads),
  podsPerBurstWorkload: Number(values['per-workload']),
  windows: windowsFrom(Number(values.stabilize)),
  kubeconfigPath,
});

const control = await serveChildControl({
  routes: { 'POST /burst': () => cluster.burst(), 'GET /requests': () => cluster.requestCounts() },
  close: () => cluster.close(),
  removeOnExit: [kubeconfigPath],
});

process.stdout.write(`${JSON.stringify({ kubeconfig: kubeconfigPath, url: cluster.server.url, control, summary: cluster.summary })}\n`);
