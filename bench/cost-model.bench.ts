// The cost model's price, one run: the same 200 000-op replay (the bench mix,
// bench/workload.ts) with the cost model off and on, and, with MEMCG_SIM_BASE=DIR (a built
// checkout of main, e.g. `git archive main | tar -x -C DIR && cd DIR && npm run build`),
// main's own builds: the change the cost model's hooks make while it is off (off ÷ main), and
// this branch's cost build against main's (on ÷ main on).
//
// Paired samples: each pair builds a fresh system per mode (untimed: created, its cgroups
// made, the records encoded once per mode), then times the modes back to back, the order
// alternating pair by pair (ABBA: on off, off on, …), so that the machine's drift over a pair
// mostly cancels in its ratio. A sample is REPS replays (each on its own fresh system), CPU
// time of the replay calls (process.cpuUsage, user + system; node --single-threaded
// --expose-gc, a full GC before each replay), in ms per 200 000 ops. Printed: each mode's
// median [min–max] over the pairs, and the median [min–max] of the per-pair ratios (on ÷
// off; off ÷ main), with the machine's load (other processes' CPUs, from /proc/stat, and the
// load average). Writes nothing: prints the table quoted in docs/cost-model.md.
//
//   PAIRS=21 REPS=3 [MEMCG_SIM_BASE=DIR] npm run bench:cost     (ROUNDS is taken for PAIRS too)
import { cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { createSystem } from '../src/index.js';
import { median, procStat } from './machine.js';
import { CPUS, LEAVES, TREE, mix, peakFolios } from './workload.js';

type Sys = { mkdir(p: string): unknown; encode(ops: unknown[]): Uint8Array; replayRecords(r: Uint8Array): unknown };
type Create = (o: Record<string, unknown>) => Promise<Sys>;

const ops = mix(200_000);
const maxFolios = peakFolios(ops) + 16;
const pairs = Number(process.env.PAIRS ?? process.env.ROUNDS ?? 21);
const reps = Number(process.env.REPS ?? 3);
const base = process.env.MEMCG_SIM_BASE;
const baseCreate: Create | null = base ? (await import(pathToFileURL(`${base}/dist/src/index.js`).href)).createSystem : null;
const gc = (globalThis as { gc?: () => void }).gc;

type Mode = { name: string; create: Create; costModel?: boolean; records?: Uint8Array };
const modes: Mode[] = [
  ...(baseCreate ? [{ name: 'main (no cost model)', create: baseCreate }, { name: 'main on', create: baseCreate, costModel: true }] : []),
  { name: 'off', create: createSystem as unknown as Create, costModel: false },
  { name: 'on', create: createSystem as unknown as Create, costModel: true },
];

async function fresh(m: Mode): Promise<Sys> {
  // kmem: false, as the results before kmem became the default (and a base build without it).
  const opts: Record<string, unknown> = { profile: 'multi', topology: { nodes: 2, cpusPerNode: CPUS / 2 }, maxFolios, opCapacity: 65536, seed: 1, kmem: false };
  if (m.costModel !== undefined) opts.costModel = m.costModel;
  const s = await m.create(opts);
  for (const p of TREE) s.mkdir(p);
  return s;
}
const asOps = ops.map((o) => (o.charge ? { op: 'charge', cgroup: LEAVES[o.leaf], cpu: o.cpu, order: o.order } : { op: 'uncharge', folio: o.folio, cpu: 0 }));
for (const m of modes) m.records = (await fresh(m)).encode(asOps);

/** One sample of mode m: REPS replays, each on a fresh system built before timing any. */
async function sample(m: Mode): Promise<number> {
  const systems: Sys[] = [];
  for (let k = 0; k < reps; k++) systems.push(await fresh(m));
  let ms = 0;
  for (const s of systems) {
    gc?.(); // garbage of the last replays is collected before, not during, this one
    const t0 = process.cpuUsage();
    s.replayRecords(m.records!);
    const d = process.cpuUsage(t0);
    ms += (d.user + d.system) / 1e3;
  }
  return ms / reps;
}

// one warm-up pair (V8 tiers the replay loop up on its first calls), untimed
for (const m of modes) await sample(m);

const times: Record<string, number[]> = Object.fromEntries(modes.map((m) => [m.name, []]));
const la0 = loadavg()[0];
const st0 = procStat();
const self0 = process.cpuUsage();
for (let p = 0; p < pairs; p++) {
  const order = p % 4 === 1 || p % 4 === 2 ? [...modes].reverse() : modes; // ABBA
  for (const m of order) times[m.name].push(await sample(m));
}
const st1 = procStat();
const self1 = process.cpuUsage(self0);
const la1 = loadavg()[0];

const rate = (ms: number) => `${((ops.length / ms) * 1e3 / 1e6).toFixed(2)} M ops/s`;
console.log(`| build / cost model | CPU ms per replay, median [min–max] (${pairs} pairs × ${reps} replays) | throughput |`);
console.log('|---|---:|---:|');
for (const m of modes) {
  const t = times[m.name];
  console.log(`| ${m.name} | ${median(t).toFixed(2)} [${Math.min(...t).toFixed(2)}–${Math.max(...t).toFixed(2)}] | ${rate(median(t))} |`);
}
const ratio = (a: string, b: string) => {
  const r = times[a].map((t, i) => t / times[b][i]);
  return `${median(r).toFixed(3)}× [${Math.min(...r).toFixed(3)}–${Math.max(...r).toFixed(3)}]`;
};
console.log(`on ÷ off, per pair: median ${ratio('on', 'off')}`);
if (baseCreate) console.log(`off ÷ main, per pair: median ${ratio('off', 'main (no cost model)')}`);
if (baseCreate) console.log(`on ÷ main on, per pair: median ${ratio('on', 'main on')}`);
// Other processes: all CPUs' busy ticks (USER_HZ = 100) minus this process's CPU time, over the
// wall time of the pairs: how many of the machine's CPUs they kept busy on average.
if (st0 && st1) {
  const wallS = (st1.total - st0.total) / 100 / cpus().length;
  const othersS = (st1.busy - st0.busy) / 100 - (self1.user + self1.system) / 1e6;
  console.log(`load: other processes ${(othersS / wallS).toFixed(2)} of ${cpus().length} CPUs busy; load average ${la0.toFixed(2)} → ${la1.toFixed(2)}`);
} else console.log(`load: load average ${la0.toFixed(2)} → ${la1.toFixed(2)}`);
