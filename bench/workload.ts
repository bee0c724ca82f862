// Benchmark workloads: a depth-4 tree of 64 leaf memcgs on 16 CPUs, and a seeded op mix
// whose uncharges always name a live folio (the generator mirrors the core's LIFO folio ids).
import { SplitMix64 } from '../test/helpers/prng.js';

export const LEAVES: string[] = [];
export const TREE: string[] = [];
for (let a = 0; a < 4; a++) {
  TREE.push(`s${a}`);
  for (let b = 0; b < 4; b++) {
    TREE.push(`s${a}/g${b}`);
    for (let c = 0; c < 4; c++) {
      TREE.push(`s${a}/g${b}/j${c}`);
      LEAVES.push(`s${a}/g${b}/j${c}`);
    }
  }
}
export const CPUS = 16;
/**
 * The options every bench system is created with besides its topology and sizes: no kernel
 * memory (the plain-TS reference charges none) and no lru_add batch (nor has it one, and
 * bench/results.md was taken without). bench/yardstick/ hands them to the C yardstick's wasm run too.
 */
export const BENCH_OPTIONS = { kmem: false, lruAddBatch: false } as const;

/** One op: charge (order 0 or 9) of a leaf from a CPU, or uncharge of a folio id. */
export type BenchOp = { charge: true; leaf: number; cpu: number; order: number } | { charge: false; folio: number };

/**
 * The mix: 70% 1-page charges, 25% uncharges, 5% 512-page charges. Tasks stay on
 * their CPU: each CPU charges the 4 leaves whose tasks run there, so a 7-slot stock hits.
 */
export function mix(n: number, seed = 1): BenchOp[] {
  const r = new SplitMix64(seed);
  const ops: BenchOp[] = [];
  const live: number[] = [];
  const free: number[] = [];
  let fresh = 0;
  for (let i = 0; i < n; i++) {
    const x = r.below(100);
    if (x < 25 && live.length > 0) {
      const j = r.below(live.length);
      const folio = live[j];
      live[j] = live[live.length - 1];
      live.pop();
      free.push(folio);
      ops.push({ charge: false, folio });
    } else {
      const folio = free.length > 0 ? free.pop()! : fresh++;
      live.push(folio);
      const cpu = r.below(CPUS);
      ops.push({ charge: true, leaf: cpu * (LEAVES.length / CPUS) + r.below(LEAVES.length / CPUS), cpu, order: x >= 95 ? 9 : 0 });
    }
  }
  return ops;
}

/** The folio ids a run of ops needs at most. */
export function peakFolios(ops: BenchOp[]): number {
  let live = 0;
  let peak = 0;
  for (const o of ops) peak = Math.max(peak, (live += o.charge ? 1 : -1));
  return peak;
}
