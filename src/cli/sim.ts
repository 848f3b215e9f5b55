/**
 * `podwhy sim`: the simulated API server (src/sim) as a cluster to point podwhy and kubectl at. Seeded like
 * `npm run demo` (one broken workload per scenario and a few healthy ones), or with one workload per cause
 * asked for; it writes a kubeconfig, says how to use it, and runs until SIGTERM or SIGINT. Its clock runs with
 * real time, so crash loops go on restarting while it runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ALL_CAUSE_IDS, type CauseId } from '../contract/scenarios.ts';
import { startFakeApiServer } from '../sim/api-server.ts';
import { createClusterSimulator, type PlantedWorkload } from '../sim/kit/cluster-simulator.ts';
import { createSimClock } from '../sim/kit/clock.ts';
import { ObjectStore } from '../sim/store.ts';
import { parseCommandArgs, wantsHelp } from './args.ts';
import { EXIT_OK, EXIT_USAGE, UsageError, type CliIo } from './io.ts';

export const SIM_HELP = `usage: podwhy sim [--port PORT] [--kubeconfig FILE] [--cause CAUSE_ID]... [--every-cause]

Serves a simulated Kubernetes API server on 127.0.0.1 and writes a kubeconfig for it; podwhy why, podwhy agent
and kubectl work against it. Runs until Ctrl-C (SIGINT) or SIGTERM.

By default it is seeded like npm run demo: one broken Deployment per scenario and a few healthy ones.

options:
  --port PORT          listen on this port (default: a free one)
  --kubeconfig FILE    where to write the kubeconfig (default: a temporary file, removed on exit)
  --cause CAUSE_ID     instead, one broken Deployment for this cause (repeat for more), in a namespace named
                       after it, e.g. --cause oom.container-limit
  --every-cause        instead, one broken Deployment for every cause podwhy knows
  -h, --help           this help
`;

const CLUSTER_WIDE_CAUSES: readonly CauseId[] = ['unschedulable.taint', 'unschedulable.no-ready-nodes'];

export interface SimOptions {
  port?: number;
  kubeconfig?: string;
  causes: CauseId[];
}

export function parseSimArgs(argv: string[]): SimOptions {
  const { values } = parseCommandArgs('sim', {
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      kubeconfig: { type: 'string' },
      cause: { type: 'string', multiple: true },
      'every-cause': { type: 'boolean', default: false },
    },
  });
  const options: SimOptions = { causes: [] };
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new UsageError(`--port "${values.port}" is not a port number`);
    options.port = port;
  }
  if (values.kubeconfig !== undefined) options.kubeconfig = resolve(values.kubeconfig);
  for (const cause of values.cause ?? []) {
    if (!(ALL_CAUSE_IDS as readonly string[]).includes(cause)) throw new UsageError(`unknown cause "${cause}" (podwhy sim --every-cause seeds them all; the README lists them)`);
    options.causes.push(cause as CauseId);
  }
  if (values['every-cause']) options.causes = [...ALL_CAUSE_IDS];
  // These taint or cordon every node (src/sim/kit/cluster-simulator.ts breakWorkload): seeded last, so the
  // others still find a node to run on.
  options.causes.sort((a, b) => Number(CLUSTER_WIDE_CAUSES.includes(a)) - Number(CLUSTER_WIDE_CAUSES.includes(b)));
  return options;
}

export interface SimDeps {
  /** Resolves when the simulator should stop (SIGTERM/SIGINT). */
  stopSignal: Promise<string>;
}

export async function simCommand(argv: string[], io: CliIo, deps: SimDeps): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout(SIM_HELP);
    return EXIT_OK;
  }
  let options: SimOptions;
  try {
    options = parseSimArgs(argv);
  } catch (error) {
    io.stderr(`podwhy sim: ${(error as Error).message}\n${SIM_HELP.split('\n')[0]}\n`);
    return EXIT_USAGE;
  }
  const clock = createSimClock(Date.now());
  const store = new ObjectStore({ now: clock.now });
  const sim = createClusterSimulator({ store, now: clock.now, nodes: 4 });
  const planted: PlantedWorkload[] = options.causes.length === 0 ? sim.seedDemo() : options.causes.map((cause) => breakOne(sim, cause));
  const server = await startFakeApiServer({ store, bookmarkIntervalMs: 5_000, ...(options.port === undefined ? {} : { port: options.port }) });
  const dir = options.kubeconfig ? undefined : mkdtempSync(join(tmpdir(), 'podwhy-sim-'));
  const kubeconfig = server.writeKubeconfig(options.kubeconfig ?? join(dir!, 'kubeconfig'));
  // The kubelet and the controllers act as time passes: crash loops restart, back-offs grow, events repeat.
  let last = Date.now();
  const ticking = setInterval(() => {
    const now = Date.now();
    sim.advance((now - last) / 1000, { stepSeconds: 5 });
    last = now;
  }, 1_000);
  const first = planted.find((p) => p.causeId !== null);
  io.stdout(
    `Simulated cluster at ${server.url}: ${sim.nodes().length} nodes, ${planted.filter((p) => p.causeId !== null).length} broken Deployments.\n` +
      `kubeconfig: ${kubeconfig}\n\n` +
      `Try, in another terminal:\n` +
      `  export KUBECONFIG=${kubeconfig}\n` +
      `  kubectl get pods -A\n` +
      (first ? `  podwhy why deploy/${first.workload} -n ${first.namespace}\n` : '') +
      `  podwhy agent          # watches it and prints incidents\n\n` +
      `Broken Deployments (namespace/name: cause):\n` +
      planted.filter((p) => p.causeId !== null).map((p) => `  ${p.namespace}/${p.workload}: ${p.causeId}\n`).join('') +
      `\nRunning until Ctrl-C.\n`,
  );
  const signal = await deps.stopSignal;
  clearInterval(ticking);
  await server.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  io.stderr(`podwhy sim: stopped (${signal})\n`);
  return EXIT_OK;
}

/**
 * One broken Deployment for `cause`, in a namespace named after it. A cause seeded earlier may have tainted,
 * cordoned or lost every node (node pressure, node loss, a taint): then a fresh node gives this one somewhere to run.
 */
function breakOne(sim: ReturnType<typeof createClusterSimulator>, cause: CauseId): PlantedWorkload {
  const usable = sim.nodes().some((node) =>
    !node.spec?.unschedulable &&
    (node.spec?.taints ?? []).every((taint) => taint.effect === 'PreferNoSchedule') &&
    (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'));
  if (!usable) sim.addNode();
  return sim.breakWorkload(cause, { namespace: cause.replace(/\./g, '-'), name: 'broken' });
}
