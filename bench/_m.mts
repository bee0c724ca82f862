import { createSystem } from '../src/index.js';
const s = await createSystem({ profile: 'multi', topology: { nodes: 1, cpusPerNode: 1 }, maxFolios: 1 << 20, opCapacity: 65536, seed: 1 });
s.mkdir('a'); s.mkdir('a/b'); s.mkdir('a/b/c');
const N = 1 << 19;
const ch = s.encode(Array.from({ length: N }, () => ({ op: 'charge' as const, cgroup: 'a/b/c', cpu: 0 })));
const un = s.encode(Array.from({ length: N }, (_, i) => ({ op: 'uncharge' as const, folio: N - 1 - i })));
for (let k = 0; k < 5; k++) {
  let t0 = performance.now(); s.replayRecords(ch); let t1 = performance.now();
  const c = N / (t1 - t0) / 1000;
  t0 = performance.now(); s.replayRecords(un); t1 = performance.now();
  console.log('charges', c.toFixed(1), 'M/s; uncharges', (N / (t1 - t0) / 1000).toFixed(1), 'M/s');
}
