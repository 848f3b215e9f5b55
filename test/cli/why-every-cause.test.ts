import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { whyCommand } from '../../src/cli/why.ts';
import { ALL_CAUSE_IDS, type CauseId } from '../../src/contract/scenarios.ts';
import { startFakeApiServer } from '../../src/sim/api-server.ts';
import { createClusterSimulator } from '../../src/sim/kit/cluster-simulator.ts';
import { createSimClock } from '../../src/sim/kit/clock.ts';
import { ObjectStore } from '../../src/sim/store.ts';
import { captureIo } from '../support/cli.ts';

// The acceptance test for live diagnosis: for every cause id, the scenario kit breaks a
// workload in a simulated cluster, and `podwhy why <deployment>` — the real client-node over HTTP
// against the fake API server — names exactly that cause.
const dir = mkdtempSync(join(tmpdir(), 'podwhy-why-every-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function whyFor(cause: CauseId): Promise<{ code: number; causes: string[]; err: string }> {
  // Real time: `why` observes the cluster at the wall clock, so the kit's failures must be "now".
  const clock = createSimClock(Date.now());
  const store = new ObjectStore({ now: clock.now });
  const sim = createClusterSimulator({ store, now: clock.now, nodes: 3 });
  sim.deployHealthy({ namespace: 'shop', name: 'storefront', replicas: 2 });
  const planted = sim.breakWorkload(cause, { namespace: 'shop', name: 'broken' });
  const server = await startFakeApiServer({ store });
  try {
    const kubeconfig = server.writeKubeconfig(join(dir, `${cause}.kubeconfig`));
    const io = captureIo({ now: clock.now().toISOString() });
    const code = await whyCommand([`deploy/${planted.workload}`, '-n', planted.namespace, '--kubeconfig', kubeconfig, '-o', 'json'], io);
    const output = io.out ? (JSON.parse(io.out) as { diagnoses: { cause: string }[] }) : { diagnoses: [] };
    return { code, causes: [...new Set(output.diagnoses.map((d) => d.cause))], err: io.err };
  } finally {
    await server.close();
  }
}

describe('podwhy why on the simulated cluster', () => {
  it.each(ALL_CAUSE_IDS.map((id) => [id]))('names %s for a workload broken that way', async (cause) => {
    const result = await whyFor(cause);

    expect(result.code, result.err).toBe(0);
    expect(result.causes).toEqual([cause]);
  });
});
