// The cost model's price, one run: the same 200 000-op replay with the cost model off, on,
// and off again (interleaved rounds, median of 5 each), on the bench mix (bench/workload.ts).
// Writes nothing: prints the table quoted in docs/cost-model.md.
import { performance } from 'node:perf_hooks';
import { createSystem, type System } from '../src/index.js';
import { CPUS, LEAVES, TREE, mix, peakFolios } from './workload.js';

const ops = mix(200_000);
const maxFolios = peakFolios(ops) + 16;

async function fresh(costModel: boolean): Promise<System> {
  const s = await createSystem({ profile: 'multi', topology: { nodes: 2, cpusPerNode: CPUS / 2 }, costModel, maxFolios, opCapacity: 65536, seed: 1 });
  for (const p of TREE) s.mkdir(p);
  return s;
}
const probe = await fresh(false);
const records = probe.encode(ops.map((o) => (o.charge ? { op: 'charge' as const, cgroup: LEAVES[o.leaf], cpu: o.cpu, order: o.order } : { op: 'uncharge' as const, folio: o.folio, cpu: 0 })));

const times: Record<string, number[]> = { off: [], on: [] };
for (let round = 0; round < 5; round++) {
  for (const mode of ['off', 'on'] as const) {
    const sys = await fresh(mode === 'on');
    const t0 = performance.now();
    sys.replayRecords(records);
    times[mode].push(performance.now() - t0);
  }
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const rate = (ms: number) => `${((ops.length / ms) * 1e3 / 1e6).toFixed(2)} M ops/s`;
console.log('| cost model | median ms (5 rounds) | min–max ms | throughput |');
console.log('|---|---:|---:|---:|');
for (const m of ['off', 'on']) console.log(`| ${m} | ${med(times[m]).toFixed(1)} | ${Math.min(...times[m]).toFixed(1)}–${Math.max(...times[m]).toFixed(1)} | ${rate(med(times[m]))} |`);
console.log(`on ÷ off: ${(med(times.on) / med(times.off)).toFixed(2)}×`);
