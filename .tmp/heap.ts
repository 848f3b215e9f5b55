import { seedCluster } from '../bench/cluster-seed.ts';
import { ObjectStore } from '../src/sim/store.ts';
import { RESOURCE_NAMES } from '../src/cluster/resources.ts';
const which = process.argv[2] ?? 'new';
const pods = Number(process.argv[3] ?? 20000);
const { slimObject } = await import(which === 'new' ? '../src/cluster/slim.ts' : '/tmp/base/src/cluster/slim.ts');
const { StringPool } = await import(which === 'new' ? '../src/cluster/string-pool.ts' : '/tmp/base/src/cluster/string-pool.ts');
const gc = (globalThis as any).gc as () => void;
const store = new ObjectStore();
seedCluster(store, { pods, nodes: pods / 20, nowMs: Date.parse('2026-12-07T12:00:00Z') });
const pool = new StringPool();
const kept: unknown[] = [];
let t = 0;
for (const resource of RESOURCE_NAMES) {
  gc(); gc();
  const before = process.memoryUsage().heapUsed;
  let jsons = store.list(resource).items.map((o) => JSON.stringify(o));
  const t0 = performance.now();
  for (const j of jsons) kept.push(slimObject(resource, JSON.parse(j), pool));
  const ms = performance.now() - t0; t += ms;
  jsons = [];
  gc(); gc();
  const after = process.memoryUsage().heapUsed;
  console.log(resource.padEnd(24), String(Math.round(((after - before) / 1024 / 1024) * 10) / 10).padStart(8), 'MB', (((after - before) / pods / 1024)).toFixed(2), 'KB/Pod', ms.toFixed(0), 'ms');
}
console.log('total ms', t.toFixed(0), kept.length);
