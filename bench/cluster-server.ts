/**
 * The fake API server of `npm run bench:cluster`, in its own process so that the parent's RSS is
 * the cache's alone. Seeds the cluster, serves it over HTTPS, then prints ONE line of JSON on
 * stdout: { kubeconfig, url, control, seed, seedMs, rssMb }. `control` is a loopback HTTP endpoint:
 * GET /requests answers the request counts (`verb resource` → n) from the server's request log.
 * Exits when its stdin closes (the parent went away) or on SIGTERM/SIGINT.
 *
 *   node --disable-warning=ExperimentalWarning bench/cluster-server.ts --pods 10000 --nodes 500
 */
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
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

const control = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/requests') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(bench.requestCounts()));
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
  await bench.close();
  rmSync(kubeconfigPath, { force: true });
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
process.stdin.on('end', () => void shutdown());
process.stdin.on('close', () => void shutdown());
process.stdin.resume();

process.stdout.write(
  `${JSON.stringify({
    kubeconfig: kubeconfigPath,
    url: bench.server.url,
    control: `http://127.0.0.1:${controlPort}`,
    seed: bench.seed,
    seedMs: Math.round(bench.seedMs),
    rssMb: Math.round(process.memoryUsage().rss / 1024 / 1024),
  })}\n`,
);
