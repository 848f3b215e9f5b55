import { seedCluster } from '../bench/cluster-seed.ts';
import { ObjectStore } from '../src/sim/store.ts';
import { slimObject } from '../src/cluster/slim.ts';
import { StringPool } from '../src/cluster/string-pool.ts';
const store = new ObjectStore();
seedCluster(store, { pods: 200, nodes: 10 });
const pool = new StringPool();
const pods = store.list('pods').items.map((o) => slimObject('pods', JSON.parse(JSON.stringify(o)), pool));
const p = pods[5] as any;
const shared = new Set<unknown>();
function strip(v: any, path: string): any { if (typeof v !== 'object' || v === null) return v; if (Object.isFrozen(v)) return '<shared>'; if (Array.isArray(v)) return v.map((x, i) => strip(x, path)); return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, strip(x, path + '.' + k)])); }
console.log(JSON.stringify(strip(p, ''), null, 1));
