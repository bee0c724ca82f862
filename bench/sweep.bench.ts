// Sweep throughput: one sweep of 16 points (quickstart with 8000 charges, over 4 profiles
// and batch sizes × 4 seeds, each point a whole run) on 1 worker and on 2, in one run, repeated;
// the ratio of wall times is the pool's speed-up (this machine has 2 cores). Appends its table
// to bench/results-sweep.md.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSweep } from '../src/sweep/run.js';
import { parseSweep } from '../src/sweep/sweep.js';
import { EXAMPLES } from '../src/scenario/examples.js';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
// quickstart with 8000 charges instead of 2600
const base = structuredClone(EXAMPLES.find((e) => e.name === 'quickstart')!.scenario) as { workload: { steps: { thrash?: { charges: number } }[] }[] };
base.workload[0].steps[0].thrash!.charges = 8000;
const sw = parseSweep({
  name: 'bench16', base,
  axes: { profile: ['single', 'multi'], chargeBatch: [32, 64], seed: [1, 2, 3, 4] },
  metrics: ['cgroups.workload.events.oom', 'sim.stockHits'],
});
const dir = mkdtempSync(join(tmpdir(), 'memcg-sim-bench-'));

async function time(jobs: number): Promise<number> {
  const t0 = performance.now();
  await runSweep(sw, { output: join(dir, `j${jobs}.jsonl`), jobs });
  return performance.now() - t0;
}

await time(2); // warm: compile caches, page cache
const rows: { jobs: number; ms: number[] }[] = [{ jobs: 1, ms: [] }, { jobs: 2, ms: [] }];
for (let r = 0; r < REPEAT; r++) for (const row of rows) row.ms.push(await time(row.jobs));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const m1 = median(rows[0].ms);
const lines = [
  `Written by \`npx tsx bench/sweep.bench.ts\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version}): a sweep of ${sw.points.length} points`,
  `(quickstart with 8000 charges × 2 profiles × 2 batch sizes × 4 seeds), wall time per sweep, median of ${REPEAT} (each sweep starts its workers).`,
  `Load average when it ended: ${loadavg().map((x) => x.toFixed(1)).join(', ')} (other programs on the same 2 CPUs take from the workers).`,
  '',
  '| workers | wall time (ms), each run | median | speed-up |',
  '|---:|---|---:|---:|',
  ...rows.map((r) => `| ${r.jobs} | ${r.ms.map((x) => x.toFixed(0)).join(', ')} | ${median(r.ms).toFixed(0)} | ${(m1 / median(r.ms)).toFixed(2)}× |`),
  '',
];
console.log(lines.join('\n'));
writeFileSync(new URL('./results-sweep.md', import.meta.url), `# Sweep benchmark\n\n${lines.join('\n')}`);
