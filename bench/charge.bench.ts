// Engine throughput on the bench mix (bench/workload.ts), every implementation in one run:
// the wasm op-buffer replay (System.replayRecords), the object API (System.replay of Op
// objects), the per-call API, the plain-TS reference, and the native-C yardstick of
// ../shared/perf-limit when it and a C compiler are there. Mix (a) uses the per-CPU stock,
// (b) disables it (every charge walks the hierarchy).
//
// Measurement, for a shared machine: rounds, each running every implementation once per
// mix in an order rotated by the round; a sample is one replay of the whole op list on a
// fresh system (created untimed, its tables touched, a full GC before it under --expose-gc),
// timed in process CPU time (user + system) — npm run bench runs node --single-threaded, so V8's
// GC and compilers run on the main thread and no background thread adds its CPU time (Node 20
// has no per-thread CPU clock: /proc's per-thread times move in scheduler ticks, too coarse for
// a 10 ms sample); each (round, mix, implementation) is the median
// of its samples (the C yardstick: its own median of as many, tables touched as well),
// and the table shows the median over rounds with min–max. Ratios are taken within a round.
//
//   npm run bench [-- --rounds 5 --reps 5 --warmup 1 --ops 200000 --no-native --write]
//   npm run bench -- --only 'wasm replay,wasm object API'   (only those implementations)
//
// Results go to bench/results.local.md (untracked); --write writes bench/results.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSystem, type Op, type System } from '../src/index.js';
import { GFP, RefSystem } from '../test/reference/ref-system.js';
import { CPUS, LEAVES, TREE, mix, peakFolios, type BenchOp } from './workload.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const num = (name: string, dflt: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const N = num('--ops', Number(process.env.BENCH_OPS ?? 200_000));
const ROUNDS = num('--rounds', 5);
const REPS = num('--reps', 5);
const WARMUP = num('--warmup', 1);
const SEED = 1;
const ops = mix(N, SEED);
const maxFolios = peakFolios(ops) + 16;
const gc = (globalThis as { gc?: () => void }).gc;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

// ── the machine's load: /proc/stat busy time of all CPUs minus this process's ───────────
function procStat(): { busy: number; total: number } | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3] + (f[4] ?? 0);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** CPU ticks (USER_HZ = 100) of this process and its waited-for children (/proc/self/stat). */
function selfTicks(): number | null {
  try {
    const f = readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /, '').split(' ').map(Number);
    return f[11] + f[12] + f[13] + f[14]; // utime stime cutime cstime (fields 14-17)
  } catch {
    return null;
  }
}

// ── implementations ───────────────────────────────────────────────────────────────────────
type Impl = {
  name: string;
  /** CPU ns/op (and wall ns/op) of one round's samples, median. */
  run(stock: boolean): Promise<{ cpu: number; wall: number }>;
};

async function freshSystem(stock: boolean): Promise<System> {
  const s = await createSystem({
    profile: 'multi', topology: { nodes: 2, cpusPerNode: CPUS / 2 }, stock, maxFolios, opCapacity: 65536, seed: SEED, prefault: true,
    kmem: false, // the plain-TS reference charges no kernel memory
    lruAddBatch: false, // nor has it an lru_add batch (and bench/results.md was taken without)
  });
  for (const p of TREE) s.mkdir(p);
  return s;
}

function freshRef(stock: boolean): { ref: RefSystem; leafIds: number[] } {
  const ref = new RefSystem({
    cgroupVersion: 2, stockSlots: stock ? 7 : 0, victim: 'random', atomicForceNoEvent: false, failcntEverywhere: false, swapAccount: false,
    nodes: 2, cpusPerNode: CPUS / 2, seed: BigInt(SEED),
  });
  const ids = new Map<string, number>([['', 0]]);
  for (const p of TREE) ids.set(p, ref.mkdir(ids.get(p.slice(0, Math.max(0, p.lastIndexOf('/'))))!));
  return { ref, leafIds: LEAVES.map((l) => ids.get(l)!) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Samples of fn on a fresh state from setup each time: warmup, then REPS timed. */
async function sample<T>(setup: () => T | Promise<T>, fn: (state: T) => void): Promise<{ cpu: number; wall: number }> {
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < WARMUP + REPS; i++) {
    const state = await setup();
    gc?.();
    const c0 = cpuMs();
    const t0 = performance.now();
    fn(state);
    const t1 = performance.now();
    const c1 = cpuMs();
    if (i >= WARMUP) {
      cpu.push(((c1 - c0) * 1e6) / N);
      wall.push(((t1 - t0) * 1e6) / N);
    }
  }
  return { cpu: median(cpu), wall: median(wall) };
}

const records = new Map<boolean, Uint8Array>();
const objectOps: Op[] = ops.map((o) => (o.charge ? { op: 'charge', cgroup: LEAVES[o.leaf], cpu: o.cpu, order: o.order } : { op: 'uncharge', folio: o.folio }));
for (const stock of [true, false]) records.set(stock, (await freshSystem(stock)).encode(objectOps));

function runCalls(s: System, list: BenchOp[]): void {
  for (const o of list) {
    if (o.charge) s.charge({ cgroup: LEAVES[o.leaf], cpu: o.cpu, order: o.order });
    else s.uncharge(o.folio);
  }
}

const impls: Impl[] = [
  { name: 'wasm replay', run: (stock) => sample(() => freshSystem(stock), (s) => void s.replayRecords(records.get(stock)!)) },
  { name: 'wasm object API', run: (stock) => sample(() => freshSystem(stock), (s) => void s.replay(objectOps)) },
  { name: 'wasm object API (codes)', run: (stock) => sample(() => freshSystem(stock), (s) => void s.replayCodes(objectOps)) },
  { name: 'wasm per-call API', run: (stock) => sample(() => freshSystem(stock), (s) => runCalls(s, ops)) },
  {
    name: 'plain-TS reference',
    run: (stock) => sample(() => freshRef(stock), ({ ref, leafIds }) => {
      for (const o of ops) {
        if (o.charge) ref.charge(leafIds[o.leaf], o.cpu, o.order, 0, GFP.KERNEL);
        else ref.uncharge([o.folio]);
      }
    }),
  },
];

// --only: a comma-separated list of implementation names (while working on one of them).
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1].split(',') : null;

// ── the native-C yardstick (../shared/perf-limit, not part of the package) ──────────────
function findYardstick(): string | null {
  const cands = [process.env.MEMCG_SIM_PERF_LIMIT, join(ROOT, '../shared/perf-limit'), join(ROOT, '../../shared/perf-limit')];
  for (const c of cands) if (c && existsSync(join(c, 'memcg_full.c')) && existsSync(join(c, 'dump_ops.ts'))) return resolve(c);
  return null;
}
const notes: string[] = [];
let yardstickCheck = '';
const yard = flag('--no-native') || (only && !only.includes('native C (yardstick)')) ? null : findYardstick();
let work = '';
if (!yard) notes.push(flag('--no-native') ? 'native C: skipped (--no-native)' : 'native C: skipped (no ../shared/perf-limit beside the project)');
else {
  const cc = process.env.CC ?? 'cc';
  work = mkdtempSync(join(tmpdir(), 'memcg-bench-'));
  const bin = join(work, 'memcg_full');
  const build = spawnSync(cc, ['-O3', '-march=native', '-o', bin, join(yard, 'memcg_full.c')], { encoding: 'utf8' });
  if (build.error || build.status !== 0) {
    notes.push(`native C: skipped (no C compiler: ${cc} ${build.error ? 'not found' : 'failed'})`);
  } else {
    const tsx = join(ROOT, 'node_modules/tsx/dist/loader.mjs');
    const opFile = join(work, 'ops.bin');
    // The yardstick's own writer of the bench's op stream (System.encode of bench/workload.ts mix).
    execFileSync(process.execPath, ['--import', tsx, join(yard, 'dump_ops.ts'), opFile, String(N), String(SEED)], { cwd: ROOT, env: { ...process.env, PROJECT: ROOT }, stdio: 'pipe' });
    // Does the port still end in the core's state on this op stream? (its README: diff the dumps)
    const same: string[] = [];
    for (const m of ['a', 'b']) {
      const cd = join(work, `c_${m}.txt`);
      const wd = join(work, `w_${m}.txt`);
      execFileSync(bin, [opFile, m, '1', '--warmup', '0', '--dump', cd], { stdio: 'pipe' });
      execFileSync(process.execPath, ['--import', tsx, join(yard, 'wasm_run.ts'), opFile, m, '1', '--warmup', '0', '--dump', wd], { cwd: ROOT, env: { ...process.env, PROJECT: ROOT }, stdio: 'pipe' });
      const c = readFileSync(cd, 'utf8').split('\n');
      const w = readFileSync(wd, 'utf8').split('\n');
      const kinds = new Set(c.flatMap((l, i) => (l === w[i] ? [] : [l.split(' ')[0]])));
      same.push(kinds.size === 0 && c.length === w.length ? `(${m}) identical` : `(${m}) DIFFERENT in the ${[...kinds].join(', ')} lines`);
    }
    yardstickCheck = `final state of the C port vs the wasm core on this op stream: ${same.join(', ')}`;
    if (same.some((s) => s.includes('DIFFERENT'))) {
      notes.push('the C port no longer does the same per-op work as the core: its column measures the old work');
    }
    impls.push({
      name: 'native C (yardstick)',
      run: async (stock) => {
        // --prefault: its tables are touched before the timed replay, as createSystem touches
        // the core's (SystemOptions.prefault: the bench's tables are below the 16 MiB default).
        const out = execFileSync(bin, [opFile, stock ? 'a' : 'b', String(REPS), '--warmup', String(WARMUP), '--prefault'], { encoding: 'utf8' });
        const f = out.split('\n').find((l) => l.startsWith('median '))!.split(/\s+/);
        return { cpu: Number(f[f.indexOf('cpu_median') + 1]), wall: Number(f[1]) };
      },
    });
  }
}

if (only) {
  const unknown = only.filter((n) => !impls.some((i) => i.name === n));
  if (unknown.length) throw new Error(`--only: no implementation ${unknown.join(', ')} (known: ${impls.map((i) => i.name).join(', ')})`);
  impls.splice(0, impls.length, ...impls.filter((i) => only.includes(i.name)));
}

// ── interleaved rounds ────────────────────────────────────────────────────────────────────
const MIXES = [['(a) stock hits', true], ['(b) hierarchy walks, no stock', false]] as const;
type Key = string;
const data = new Map<Key, { cpu: number; wall: number }[]>();
const key = (mixLabel: string, impl: string) => `${mixLabel}\t${impl}`;
const load0 = loadavg();
const stat0 = procStat();
const self0 = selfTicks();
const t0 = performance.now();
for (let r = 0; r < ROUNDS; r++) {
  for (const [label, stock] of MIXES) {
    const order = [...impls.slice(r % impls.length), ...impls.slice(0, r % impls.length)];
    for (const impl of order) {
      const v = await impl.run(stock);
      const k = key(label, impl.name);
      if (!data.has(k)) data.set(k, []);
      data.get(k)!.push(v);
    }
  }
  process.stderr.write(`round ${r + 1}/${ROUNDS} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
}
const elapsedMs = performance.now() - t0;
const self1 = selfTicks();
const stat1 = procStat();
const load1 = loadavg();
if (work) rmSync(work, { recursive: true, force: true });

// Busy CPUs outside this process and its children (the C runs) during the rounds.
let others = 'n/a';
if (stat0 && stat1 && self0 !== null && self1 !== null) {
  const busyTicks = stat1.busy - stat0.busy - (self1 - self0);
  others = `${Math.max(0, (busyTicks * 10) / elapsedMs).toFixed(2)} of ${cpus().length} CPUs busy with other processes on average`;
}

// ── report ────────────────────────────────────────────────────────────────────────────────
const stats = (xs: number[]) => ({ med: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const rows: string[] = [
  '| mix | implementation | CPU ns/op, median [min–max] | M ops/s | wall ns/op |',
  '|---|---|---:|---:|---:|',
];
for (const [label] of MIXES) {
  for (const impl of impls) {
    const v = data.get(key(label, impl.name))!;
    const c = stats(v.map((x) => x.cpu));
    const w = stats(v.map((x) => x.wall));
    rows.push(`| ${label} | ${impl.name} | ${f1(c.med)} [${f1(c.min)}–${f1(c.max)}] | ${f1(1e3 / c.med)} | ${f1(w.med)} |`);
  }
}
const ratioRows: string[] = ['| mix | ratio (within a round) | CPU time, median [min–max] | wall time, median [min–max] |', '|---|---|---:|---:|'];
const ratios: [string, string, string][] = [
  ['wasm replay ÷ native C', 'wasm replay', 'native C (yardstick)'],
  ['object API ÷ wasm replay', 'wasm object API', 'wasm replay'],
  ['object API (codes) ÷ wasm replay', 'wasm object API (codes)', 'wasm replay'],
  ['per-call API ÷ wasm replay', 'wasm per-call API', 'wasm replay'],
  ['plain-TS reference ÷ wasm replay', 'plain-TS reference', 'wasm replay'],
];
for (const [label] of MIXES) {
  for (const [name, a, b] of ratios) {
    const x = data.get(key(label, a));
    const y = data.get(key(label, b));
    if (!x || !y) continue;
    const s = stats(x.map((v, i) => v.cpu / y[i].cpu));
    const w = stats(x.map((v, i) => v.wall / y[i].wall));
    ratioRows.push(`| ${label} | ${name} | ${f2(s.med)} [${f2(s.min)}–${f2(s.max)}] | ${f2(w.med)} [${f2(w.min)}–${f2(w.max)}] |`);
  }
}
const header = [
  '# Benchmark results',
  '',
  `\`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length},`,
  `${N} ops per sample (70% 1-page charges, 25% uncharges, 5% 512-page charges; 64 leaf memcgs in a depth-4 tree;`,
  `16 CPUs on 2 nodes; profile multi). ${ROUNDS} rounds × ${WARMUP} warmup + ${REPS} samples per implementation and mix,`,
  `the order rotated every round${gc ? ', a full GC before each sample' : ' (no --expose-gc: GC may fall inside a sample)'}; ` +
    (process.execArgv.includes('--single-threaded') ? 'V8 single-threaded (its GC and compilers on the main thread: CPU time is the main thread\'s).'
      : 'V8 with its background threads (not --single-threaded: their GC and compiler CPU time counts too).'),
  `Machine load: loadavg ${load0.map(f2).join(' ')} before, ${load1.map(f2).join(' ')} after; ${others}.`,
  ...(yardstickCheck ? [`Yardstick: ${yardstickCheck}.`] : []),
  ...notes.map((n) => `Note: ${n}.`),
  '',
];
const text = [...header, ...rows, '', ...ratioRows, ''].join('\n');
const out = flag('--write') ? join(ROOT, 'bench/results.md') : join(ROOT, 'bench/results.local.md');
writeFileSync(out, text);
console.log(text);
console.log(`written to ${out}`);
