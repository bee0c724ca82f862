// Sweep throughput: one sweep of 16 points (quickstart with 8000 charges, over 2 profiles × 2
// batch sizes × 4 seeds, each point a whole run) on 1 worker and on 2, interleaved (1,2 then 2,1
// …), repeated; the ratio of median wall times is the pool's speed-up (this machine has 2 cores).
// Other programs on the same CPUs take from the workers, so each sweep also reports figures that
// do not depend on them: CPU time (per point, worker startup, the rest of the process) and the
// speed-up those predict on an idle machine. BENCH_TIMELINE=1 prints every point's timeline.
// Appends its table to bench/results-sweep.md.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSweep } from '../src/sweep/run.js';
import { parseSweep } from '../src/sweep/sweep.js';
import type { PointTiming } from '../src/sweep/pool.js';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const TIMELINE = process.env.BENCH_TIMELINE === '1';
const sw = parseSweep({
  name: 'bench16', base: { example: 'quickstart' },
  axes: { profile: ['single', 'multi'], chargeBatch: [32, 64], seed: [1, 2, 3, 4] },
  metrics: ['cgroups.workload.events.oom', 'sim.stockHits'],
}, { sets: [['workload.charge.steps[0].thrash.charges', 8000]] });
const dir = mkdtempSync(join(tmpdir(), 'memcg-sim-bench-'));

/** Busy ms of all CPUs (/proc/stat: all but idle and iowait, USER_HZ 100), or NaN. */
function busyMs(): number {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    return (f.reduce((a, b) => a + b, 0) - f[3] - f[4]) * 10;
  } catch {
    return NaN;
  }
}

type Sample = {
  jobs: number; wall: number; load: number;
  /** CPUs other processes kept busy during the sweep, on average (/proc/stat minus this process). */
  others: number;
  /** The sweep's points' CPU ms, in point order, and the workers' startup CPU ms. */
  points: number[]; startups: number[];
  /** CPU ms: the whole process, the points, the workers' startup (modules loaded). */
  cpu: number; pointCpu: number; startupCpu: number;
  /** Per worker: time running a point ÷ the sweep's wall time. */
  busy: number[];
  startupMs: number[];
};

const now = () => performance.timeOrigin + performance.now();
async function sweep(jobs: number): Promise<Sample> {
  const tl: PointTiming[] = [];
  const cpu0 = process.cpuUsage();
  const busy0 = busyMs();
  const t0 = now();
  await runSweep(sw, { output: join(dir, `j${jobs}.jsonl`), jobs, onTiming: (t) => tl.push(t) });
  const wall = now() - t0;
  const c = process.cpuUsage(cpu0);
  const busy = busyMs() - busy0;
  const ws = [...new Set(tl.map((t) => t.worker))].sort();
  const mine = (w: number) => tl.filter((t) => t.worker === w).sort((a, b) => a.start - b.start);
  const first = (w: number) => mine(w)[0];
  const s: Sample = {
    jobs, wall, load: loadavg()[0],
    others: Math.max(0, busy - (c.user + c.system) / 1000) / wall,
    points: [...tl].sort((a, b) => a.point - b.point).map((t) => t.cpuMs),
    startups: ws.map((w) => first(w).readyCpuMs!),
    cpu: (c.user + c.system) / 1000,
    pointCpu: tl.reduce((a, t) => a + t.cpuMs, 0),
    startupCpu: ws.reduce((a, w) => a + first(w).readyCpuMs!, 0),
    busy: ws.map((w) => mine(w).reduce((a, t) => a + t.end - t.start, 0) / wall),
    startupMs: ws.map((w) => first(w).ready! - first(w).spawned),
  };
  if (TIMELINE) {
    console.log(`\n${jobs} worker(s): wall ${wall.toFixed(0)} ms, process CPU ${s.cpu.toFixed(0)} ms (points ${s.pointCpu.toFixed(0)}, startup ${s.startupCpu.toFixed(0)}), other processes ${s.others.toFixed(2)} CPUs, loadavg ${s.load.toFixed(2)}`);
    for (const w of ws) {
      const f = first(w);
      console.log(`worker ${w}: spawned +${(f.spawned - t0).toFixed(0)} ms, modules loaded +${(f.ready! - t0).toFixed(0)} ms (${f.readyCpuMs!.toFixed(0)} ms CPU)`);
      let prev = f.ready!;
      for (const t of mine(w)) {
        console.log(`  point ${String(t.point).padStart(2)}: start +${(t.start - t0).toFixed(0).padStart(6)}, idle before ${(t.start - prev).toFixed(1).padStart(5)}, run ${(t.end - t.start).toFixed(0).padStart(5)} (CPU ${t.cpuMs.toFixed(0).padStart(5)}), line received after ${(t.received - t.end).toFixed(1)}`);
        prev = t.received;
      }
      console.log(`  done +${(prev - t0).toFixed(0)} ms; running points ${(100 * s.busy[w]).toFixed(1)}% of the wall time`);
    }
  }
  return s;
}

/**
 * The wall time a sweep would take on 2 idle cores with every point costing its median CPU time
 * over all the sweeps (p): the pool's schedule replayed (each worker starts, with this sweep's
 * startup CPU, then takes the next point when it is free), or this sweep's whole CPU time (points,
 * startups, V8's background threads) shared by the 2 cores, whichever is longer. Using the same
 * point costs for 1 and 2 workers leaves only what the pool adds: startup, background CPU, the
 * schedule's tail.
 */
function idle(s: Sample, p: number[]): number {
  const free = [...s.startups];
  for (const c of p) {
    const w = free.indexOf(Math.min(...free));
    free[w] += c;
  }
  const total = p.reduce((a, b) => a + b, 0) + (s.cpu - s.pointCpu);
  return Math.max(...free, total / 2);
}

await sweep(2); // warm: page cache
const all: Sample[] = [];
for (let r = 0; r < REPEAT; r++) for (const jobs of r % 2 ? [2, 1] : [1, 2]) all.push(await sweep(jobs));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const h = Math.floor(s.length / 2);
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};
const of = (jobs: number) => all.filter((s) => s.jobs === jobs);
const m = (jobs: number, f: (s: Sample) => number) => median(of(jobs).map(f));
const pointMedians = sw.points.map((_, i) => median(all.map((s) => s.points[i])));
const est = (s: Sample) => idle(s, pointMedians);
const f0 = (x: number) => x.toFixed(0);
const QUIET = 0.1; // CPUs busy with other processes below which a sweep counts as on an idle machine
const quiet = (j: number) => of(j).filter((s) => s.others < QUIET);
const speedup = (a: Sample[], b: Sample[]) => (a.length && b.length ? `${(median(a.map((s) => s.wall)) / median(b.map((s) => s.wall))).toFixed(2)}×` : 'n/a');
const lines = [
  `Written by \`npm run bench:sweep\` (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}): a sweep of ${sw.points.length} points`,
  `(quickstart with 8000 charges × 2 profiles × 2 batch sizes × 4 seeds) on 1 and 2 workers, interleaved, ${REPEAT} of each, medians`,
  `(each sweep starts its workers). Load average (1 min) after each sweep: ${all.map((s) => s.load.toFixed(1)).join(', ')}. Other programs on the`,
  'same 2 CPUs take from the workers, so a wall time is only as good as the machine was idle (the "others" column: CPUs that other',
  'processes kept busy during that sweep, from /proc/stat); the CPU columns do not depend on them.',
  '',
  '| workers | wall time (ms), each run | others (CPUs), each run | median wall | speed-up | CPU per point (ms) | worker startup (ms wall / CPU) | process CPU not in points (ms) | running points (% of wall, per worker) | idle-machine estimate (ms) |',
  '|---:|---|---|---:|---:|---:|---:|---:|---|---:|',
  ...[1, 2].map((j) => `| ${j} | ${of(j).map((s) => f0(s.wall)).join(', ')} | ${of(j).map((s) => s.others.toFixed(2)).join(', ')} | ${f0(m(j, (s) => s.wall))} | ${speedup(of(1), of(j))} `
    + `| ${f0(m(j, (s) => s.pointCpu / sw.points.length))} | ${f0(m(j, (s) => Math.max(...s.startupMs)))} / ${f0(m(j, (s) => s.startupCpu / j))} | ${f0(m(j, (s) => s.cpu - s.pointCpu))} `
    + `| ${of(j).map((s) => s.busy.map((b) => (100 * b).toFixed(1)).join('/')).join(', ')} | ${f0(m(j, est))} (${(m(1, est) / m(j, est)).toFixed(2)}×) |`),
  '',
  `Speed-up over the sweeps with others below ${QUIET} CPUs: ${speedup(quiet(1), quiet(2))} (${quiet(1).length} on 1 worker, ${quiet(2).length} on 2).`,
  '',
  'CPU time is each worker thread\'s (/proc/thread-self/schedstat) and the process\'s (process.cpuUsage: all threads, with V8\'s',
  'compiler and GC threads). The idle-machine estimate gives every point its median CPU time over all these sweeps and replays',
  'the pool\'s schedule (each worker starts, then takes the next point when it is free), or is half of the points\' and the rest',
  'of the process\'s CPU time if that is longer: what the pool itself costs, on 2 idle cores, whatever the load here did to the',
  'points\' CPU time (compare the CPU per point of 1 and 2 workers for that).',
  '',
];
console.log(lines.join('\n'));
writeFileSync(new URL('./results-sweep.md', import.meta.url), `# Sweep benchmark\n\n${lines.join('\n')}`);
