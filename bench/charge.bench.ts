// Engine throughput, one run: the wasm op-buffer replay, the wasm per-call API and the
// plain-TS reference, on (a) a stock-hit-dominated mix and (b) the same mix with the stock
// disabled (every charge walks the hierarchy). Ratios are to the wasm replay of the same mix.
import { writeFileSync } from 'node:fs';
import { Bench } from 'tinybench';
import { createSystem, type System } from '../src/index.js';
import { GFP, RefSystem } from '../test/reference/ref-system.js';
import { CPUS, LEAVES, TREE, mix, peakFolios, type BenchOp } from './workload.js';

const N = Number(process.env.BENCH_OPS ?? 200_000);
const TIME = Number(process.env.BENCH_MS ?? 1500);
const ops = mix(N, 1);
const maxFolios = peakFolios(ops) + 16;

async function freshSystem(stock: boolean): Promise<System> {
  const s = await createSystem({ profile: 'multi', topology: { nodes: 2, cpusPerNode: CPUS / 2 }, stock, maxFolios, opCapacity: 65536, seed: 1 });
  for (const p of TREE) s.mkdir(p);
  return s;
}

function freshRef(stock: boolean): { ref: RefSystem; leafIds: number[] } {
  const ref = new RefSystem({
    cgroupVersion: 2, stockSlots: stock ? 7 : 0, victim: 'random', atomicForceNoEvent: false, failcntEverywhere: false, swapAccount: false,
    nodes: 2, cpusPerNode: CPUS / 2, seed: 1n,
  });
  const ids = new Map<string, number>([['', 0]]);
  for (const p of TREE) ids.set(p, ref.mkdir(ids.get(p.slice(0, Math.max(0, p.lastIndexOf('/'))))!));
  return { ref, leafIds: LEAVES.map((l) => ids.get(l)!) };
}

function runCalls(s: System, list: BenchOp[]): void {
  for (const o of list) {
    if (o.charge) s.charge({ cgroup: LEAVES[o.leaf], cpu: o.cpu, order: o.order });
    else s.uncharge(o.folio);
  }
}

type Row = { mix: string; impl: string; opsPerSec: number; nsPerOp: number };
const rows: Row[] = [];

for (const [label, stock] of [['(a) stock hits', true], ['(b) hierarchy walks, no stock', false]] as const) {
  const records = (await freshSystem(stock)).encode(
    ops.map((o) => (o.charge ? { op: 'charge' as const, cgroup: LEAVES[o.leaf], cpu: o.cpu, order: o.order } : { op: 'uncharge' as const, folio: o.folio })),
  );
  let sys!: System;
  let ref!: { ref: RefSystem; leafIds: number[] };
  const bench = new Bench({ time: TIME, warmupTime: 300 });
  bench
    .add('wasm replay', () => void sys.replayRecords(records), { beforeEach: async () => void (sys = await freshSystem(stock)) })
    .add('wasm per-call API', () => runCalls(sys, ops), { beforeEach: async () => void (sys = await freshSystem(stock)) })
    .add('plain-TS reference', () => {
      const { ref: r, leafIds } = ref;
      for (const o of ops) {
        if (o.charge) r.charge(leafIds[o.leaf], o.cpu, o.order, 0, GFP.KERNEL);
        else r.uncharge([o.folio]);
      }
    }, { beforeEach: () => void (ref = freshRef(stock)) });
  await bench.run();
  for (const t of bench.tasks) {
    const ms = t.result!.latency.mean;
    rows.push({ mix: label, impl: t.name, opsPerSec: (N / ms) * 1000, nsPerOp: (ms * 1e6) / N });
  }
}

const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(1)} M` : `${(x / 1e3).toFixed(0)} k`);
const lines = [
  `| mix | implementation | ops/s | ns/op | × wasm replay |`,
  `|---|---|---:|---:|---:|`,
  ...rows.map((r) => {
    const base = rows.find((x) => x.mix === r.mix && x.impl === 'wasm replay')!;
    return `| ${r.mix} | ${r.impl} | ${fmt(r.opsPerSec)} | ${r.nsPerOp.toFixed(1)} | ${(r.opsPerSec / base.opsPerSec).toFixed(3)} |`;
  }),
];
const header = [
  '# Benchmark results',
  '',
  `Written by \`npm run bench\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${N} ops per iteration:`,
  '70% 1-page charges, 25% uncharges, 5% 512-page charges; 64 leaf memcgs in a depth-4 tree; 16 CPUs;',
  'profile multi). Targets: wasm replay ≥ 100 M ops/s on (a), ≥ 30 M ops/s on (b), ≥ 5× the reference.',
  '',
];
writeFileSync(new URL('./results.md', import.meta.url), [...header, ...lines, ''].join('\n'));
console.log(lines.join('\n'));
