// The cost model's price, one run: the same 200 000-op replay (the bench mix,
// bench/workload.ts) with the cost model off and on, and, with MEMCG_SIM_BASE=DIR (a built
// checkout of main, e.g. `git archive main | tar -x -C DIR && cd DIR && npm run build`),
// main's own build: the change the cost model's hooks make while it is off. Interleaved
// rounds (REVERSE=1: the other order), CPU time of the replay call (process.cpuUsage, user +
// system; run with --expose-gc so that garbage is collected between replays), median [min–max].
// Writes nothing: prints the table quoted in docs/cost-model.md.
import { pathToFileURL } from 'node:url';
import { createSystem } from '../src/index.js';
import { CPUS, LEAVES, TREE, mix, peakFolios } from './workload.js';

type Sys = { mkdir(p: string): unknown; encode(ops: unknown[]): Uint8Array; replayRecords(r: Uint8Array): unknown };
type Create = (o: Record<string, unknown>) => Promise<Sys>;

const ops = mix(200_000);
const maxFolios = peakFolios(ops) + 16;
const rounds = Number(process.env.ROUNDS ?? 7);
const base = process.env.MEMCG_SIM_BASE;
const baseCreate: Create | null = base ? (await import(pathToFileURL(`${base}/dist/src/index.js`).href)).createSystem : null;

const modes0: { name: string; create: Create; costModel?: boolean }[] = [
  ...(baseCreate ? [{ name: 'main (no cost model)', create: baseCreate }] : []),
  { name: 'off', create: createSystem as unknown as Create, costModel: false },
  { name: 'on', create: createSystem as unknown as Create, costModel: true },
];
const modes = process.env.REVERSE ? [...modes0].reverse() : modes0;

async function fresh(m: (typeof modes)[number]): Promise<Sys> {
  // kmem: false, as the results before kmem became the default (and a base build without it).
  const opts: Record<string, unknown> = { profile: 'multi', topology: { nodes: 2, cpusPerNode: CPUS / 2 }, maxFolios, opCapacity: 65536, seed: 1, kmem: false };
  if (m.costModel !== undefined) opts.costModel = m.costModel;
  const s = await m.create(opts);
  for (const p of TREE) s.mkdir(p);
  return s;
}
const asOps = ops.map((o) => (o.charge ? { op: 'charge', cgroup: LEAVES[o.leaf], cpu: o.cpu, order: o.order } : { op: 'uncharge', folio: o.folio, cpu: 0 }));

const times: Record<string, number[]> = Object.fromEntries(modes.map((m) => [m.name, []]));
for (let round = 0; round < rounds; round++) {
  for (const m of modes) {
    const sys = await fresh(m);
    const records = sys.encode(asOps);
    (globalThis as { gc?: () => void }).gc?.(); // the last round's systems are collected before, not during, the replay
    const t0 = process.cpuUsage();
    sys.replayRecords(records);
    const d = process.cpuUsage(t0);
    times[m.name].push((d.user + d.system) / 1e3);
  }
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const rate = (ms: number) => `${((ops.length / ms) * 1e3 / 1e6).toFixed(2)} M ops/s`;
console.log(`| build / cost model | CPU ms, median [min–max] (${rounds} rounds) | throughput |`);
console.log('|---|---:|---:|');
for (const m of modes) {
  const t = times[m.name];
  console.log(`| ${m.name} | ${med(t).toFixed(1)} [${Math.min(...t).toFixed(1)}–${Math.max(...t).toFixed(1)}] | ${rate(med(t))} |`);
}
// Per-round ratios (each pair ran back to back, so load from other processes mostly cancels).
const ratio = (a: string, b: string) => {
  const r = times[a].map((t, i) => t / times[b][i]);
  return `${med(r).toFixed(3)}× [${Math.min(...r).toFixed(3)}–${Math.max(...r).toFixed(3)}]`;
};
console.log(`on ÷ off, per round: median ${ratio('on', 'off')}`);
if (baseCreate) console.log(`off ÷ main, per round: median ${ratio('off', 'main (no cost model)')}`);
