import { seedCluster } from '../bench/cluster-seed.ts';
import { ObjectStore } from '../src/sim/store.ts';
const t0 = performance.now();
const store = new ObjectStore();
seedCluster(store, { pods: 10000, nodes: 500 });
console.log('seed ms', Math.round(performance.now() - t0));
