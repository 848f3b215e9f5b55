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
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { windowsFrom } from '../src/alerts/candidates.ts';
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

const control = createServer((req, res) => {
  const answer = (body: unknown): void => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.method === 'POST' && req.url === '/burst') {
    cluster.burst().then(answer, (error: unknown) => {
      res.writeHead(500).end(String(error));
    });
    return;
  }
  if (req.method === 'GET' && req.url === '/requests') {
    answer(cluster.requestCounts());
    return;
  }
  res.writeHead(404).end();
});
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
const address = control.address();
const controlPort = typeof address === 'object' && address !== null ? address.port : 0;

let closing = false;
async function shutdown(): Promise<void> {
  if (closing) return;
  closing = true;
  control.close();
  await cluster.close();
  rmSync(kubeconfigPath, { force: true });
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
process.stdin.on('end', () => void shutdown());
process.stdin.on('close', () => void shutdown());
process.stdin.resume();

process.stdout.write(`${JSON.stringify({ kubeconfig: kubeconfigPath, url: cluster.server.url, control: `http://127.0.0.1:${controlPort}`, summary: cluster.summary })}\n`);
