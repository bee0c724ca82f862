// Engine throughput on the bench mix (bench/workload.ts), every implementation in one run:
// the wasm op-buffer replay (System.replayRecords), the object API (System.replay of Op
// objects; replayCodes and replayView of the same objects beside it), the per-call API, the
// plain-TS reference, and the native-C yardstick of ../shared/perf-limit when it and a C
// compiler are there. Mix (a) uses the per-CPU stock, (b) disables it (every charge walks the
// hierarchy).
//
// Measurement, for a shared machine: rounds, each running every implementation once per
// mix in an order rotated by the round; a sample is one replay of the whole op list on a
// fresh system (created untimed, its tables touched, a full GC before it under --expose-gc),
// timed in process CPU time (user + system) — npm run bench runs node --single-threaded, so V8's
// GC and compilers run on the main thread and no background thread adds its CPU time (Node 20
// has no per-thread CPU clock: /proc's per-thread times move in scheduler ticks, too coarse for
// a 10 ms sample); each (round, mix, implementation) is the median
// of its samples (the C yardstick: as many samples, tables touched as well), and the table shows
// the median over rounds with min–max. Ratios of the table are taken within a round.
//
// Paired ratios (replay ÷ native C): the VM host's speed moves within seconds, so the C yardstick
// runs as a co-process for the whole bench (harness.h --serve: one sample per request on a fresh,
// prefaulted system, its CPU and wall ns/op answered), and its samples alternate with the wasm
// replay's one by one in ABBA order (C W W C C W …, the mixes alternating too); each adjacent
// (C, W) is a pair, and the ratio's median [min–max] over --pairs pairs per mix is reported.
// The object API ÷ replayRecords ratios are paired the same way (both wasm, in this process).
//
//   npm run bench [-- --rounds 5 --reps 5 --warmup 1 --pairs 60 --pairs-out F.json --ops 200000 --no-native --write]
//   npm run bench -- --only 'wasm replay,wasm object API'   (only those implementations)
//
// Results go to bench/results.local.md (untracked); --write writes bench/results.md.
import { execFileSync, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSystem, Ops, type Op, type System } from '../src/index.js';
import { GFP, RefSystem } from '../test/reference/ref-system.js';
import { median, procStat } from './machine.js';
import { BENCH_OPTIONS, CPUS, LEAVES, TREE, mix, peakFolios, type BenchOp } from './workload.js';

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
const PAIRS = num('--pairs', 60);
const SEED = 1;
const ops = mix(N, SEED);
const maxFolios = peakFolios(ops) + 16;
const gc = (globalThis as { gc?: () => void }).gc;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

// ── the machine's load: /proc/stat busy time of all CPUs minus this process's ───────────
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
/** ns/op of one sample; others: CPUs other processes kept busy meanwhile, on average (-1: unknown). */
type Ns = { cpu: number; wall: number; others?: number };

/** All tasks' CPU time on every CPU in ns (cgroup v1 root cpuacct), -1 if not readable. */
function allCpuNs(): number {
  try {
    return Number(readFileSync('/sys/fs/cgroup/cpuacct/cpuacct.usage', 'utf8'));
  } catch {
    return -1;
  }
}
type Impl = {
  name: string;
  /**
   * One sample on a fresh system: prep builds it (untimed) and returns the timed run, so that a
   * pair can build both before timing either (the pair's two timed runs back to back).
   */
  prep(stock: boolean): Promise<() => Promise<Ns>>;
};

async function freshSystem(stock: boolean): Promise<System> {
  const s = await createSystem({
    profile: 'multi', topology: { nodes: 2, cpusPerNode: CPUS / 2 }, stock, maxFolios, opCapacity: 65536, seed: SEED, prefault: true, ...BENCH_OPTIONS,
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

/** One sample of fn on a fresh state from setup (untimed, then a full GC); the timed run returned. */
async function sample<T>(setup: () => T | Promise<T>, fn: (state: T) => void): Promise<() => Promise<Ns>> {
  const state = await setup();
  gc?.();
  return async () => {
    const a0 = allCpuNs();
    const c0 = cpuMs();
    const t0 = performance.now();
    fn(state);
    const t1 = performance.now();
    const c1 = cpuMs();
    const a1 = allCpuNs();
    const others = a0 < 0 || a1 < 0 ? -1 : (a1 - a0 - (c1 - c0) * 1e6) / ((t1 - t0) * 1e6);
    return { cpu: ((c1 - c0) * 1e6) / N, wall: ((t1 - t0) * 1e6) / N, others };
  };
}

/** One round's figure of an implementation: WARMUP samples, then the median of REPS. */
async function round(impl: Impl, stock: boolean): Promise<Ns> {
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < WARMUP + REPS; i++) {
    const v = await (await impl.prep(stock))();
    if (i >= WARMUP) {
      cpu.push(v.cpu);
      wall.push(v.wall);
    }
  }
  return { cpu: median(cpu), wall: median(wall) };
}

const records = new Map<boolean, Uint8Array>();
const objectOps: Op[] = ops.map((o) => (o.charge ? { op: 'charge', cgroup: LEAVES[o.leaf], cpu: o.cpu, order: o.order } : { op: 'uncharge', folio: o.folio }));
for (const stock of [true, false]) records.set(stock, (await freshSystem(stock)).encode(objectOps));
// the same ops made by Ops.charge / Ops.uncharge (checked when made: no key enumeration at the replay)
let checkedOpsMade: Op[] | undefined;
const checkedOps = (): Op[] => (checkedOpsMade ??= ops.map((o) => (o.charge ? Ops.charge(LEAVES[o.leaf], o.cpu, o.order) : Ops.uncharge(o.folio))));

function runCalls(s: System, list: BenchOp[]): void {
  for (const o of list) {
    if (o.charge) s.charge({ cgroup: LEAVES[o.leaf], cpu: o.cpu, order: o.order });
    else s.uncharge(o.folio);
  }
}

const impls: Impl[] = [
  { name: 'wasm replay', prep: (stock) => sample(() => freshSystem(stock), (s) => void s.replayRecords(records.get(stock)!)) },
  { name: 'wasm object API', prep: (stock) => sample(() => freshSystem(stock), (s) => void s.replay(objectOps)) },
  { name: 'wasm object API (codes)', prep: (stock) => sample(() => freshSystem(stock), (s) => void s.replayCodes(objectOps)) },
  { name: 'wasm object API (view)', prep: (stock) => sample(() => freshSystem(stock), (s) => void s.replayView(objectOps)) },
  { name: 'wasm object API (Ops)', prep: (stock) => sample(() => freshSystem(stock), (s) => void s.replayCodes(checkedOps())) },
  { name: 'wasm object API (Ops view)', prep: (stock) => sample(() => freshSystem(stock), (s) => void s.replayView(checkedOps())) },
  { name: 'wasm object API (Ops replay)', prep: (stock) => sample(() => freshSystem(stock), (s) => void s.replay(checkedOps())) },
  { name: 'wasm per-call API', prep: (stock) => sample(() => freshSystem(stock), (s) => runCalls(s, ops)) },
  {
    name: 'plain-TS reference',
    prep: (stock) => sample(() => freshRef(stock), ({ ref, leafIds }) => {
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
/**
 * The C yardstick as a co-process alive for the whole bench (harness.h --serve): each request
 * runs one sample on a fresh, prefaulted system and answers its CPU and wall ns/op.
 */
/** Where the C samples come from: a co-process (coProcess) or a process per sample (perSample). */
type CSamples = { one(stock: boolean): Promise<Ns>; close(): void; ticks(): number };

function coProcess(bin: string, opFile: string): CSamples {
  const child: ChildProcessWithoutNullStreams = spawn(bin, [opFile, '--serve'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let buf = '';
  let err = '';
  const waiting: ((line: string) => void)[] = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      waiting.shift()?.(line);
    }
  });
  child.stderr.on('data', (d) => void (err += d));
  child.on('exit', (code) => {
    if (waiting.length) throw new Error(`${bin} --serve exited (${code}) with a request pending: ${err}`);
  });
  return {
    one(stock) {
      return new Promise<Ns>((res) => {
        waiting.push((line) => {
          const f = line.split(/\s+/);
          if (f[0] !== 'sample') throw new Error(`${bin} --serve: unexpected answer ${line}`);
          const o = f.indexOf('others_cpus');
          res({ cpu: Number(f[f.indexOf('cpu_ns_per_op') + 1]), wall: Number(f[f.indexOf('ns_per_op') + 1]), others: o < 0 ? -1 : Number(f[o + 1]) });
        });
        child.stdin.write(stock ? 'a\n' : 'b\n');
      });
    },
    close() {
      child.stdin.end('q\n');
    },
    /** Its CPU ticks so far (/proc/PID/stat utime + stime): a live child is not in our cutime yet. */
    ticks() {
      try {
        const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ').map(Number);
        return f[11] + f[12];
      } catch {
        return 0;
      }
    },
  };
}

/**
 * The same samples from a yardstick without --serve (the shared copy as first written): one
 * process per sample, `OPS a|b 1 --warmup 1 --prefault` — a warm-up replay and the timed one,
 * each on a fresh prefaulted system; the child's CPU time reaches our cutime when it is waited for.
 */
function perSample(bin: string, opFile: string): CSamples {
  return {
    async one(stock) {
      const out = execFileSync(bin, [opFile, stock ? 'a' : 'b', '1', '--warmup', '1', '--prefault'], { encoding: 'utf8' });
      const m = /^rep 0 ns_per_op ([\d.]+) cpu_ns_per_op ([\d.]+)$/m.exec(out);
      if (!m) throw new Error(`${bin}: unexpected output ${out.slice(0, 200)}`);
      return { cpu: Number(m[2]), wall: Number(m[1]), others: -1 };
    },
    close() {},
    ticks: () => 0,
  };
}

/**
 * Where two final-state dumps (the C port's, the core's) differ: "identical", or per kind of line
 * (its first word) how many lines differ, and whether the core's lines only carry more fields.
 */
function dumpDiff(c: string[], w: string[]): string {
  if (c.length !== w.length) return `DIFFERENT (${c.length} vs ${w.length} lines)`;
  const kinds = new Map<string, { lines: number; longer: number }>();
  c.forEach((l, i) => {
    if (l === w[i]) return;
    const kind = l.split(' ')[0];
    const k = kinds.get(kind) ?? { lines: 0, longer: 0 };
    k.lines++;
    if (w[i].startsWith(`${l} `)) k.longer++; // the core writes counters the port has not
    kinds.set(kind, k);
  });
  if (kinds.size === 0) return 'identical';
  const each = [...kinds].map(([k, n]) => `${k} ×${n.lines}${n.longer === n.lines ? ' (only the core\'s extra fields)' : ''}`);
  return `DIFFERENT in ${each.join(', ')}`;
}

const NATIVE = 'native C (yardstick)';
const NATIVE_MIN = 'native C minimal (yardstick)'; // memcg_min.c: only with --only naming it
const notes: string[] = [];
let yardstickCheck = '';
const yard = flag('--no-native') || (only && !only.includes(NATIVE)) ? null : findYardstick();
let work = '';
const coProcesses: CSamples[] = [];
if (!yard) {
  if (!only || only.includes(NATIVE)) notes.push(flag('--no-native') ? 'native C: skipped (--no-native)' : 'native C: skipped (no ../shared/perf-limit beside the project)');
} else {
  const cc = process.env.CC ?? 'cc';
  work = mkdtempSync(join(tmpdir(), 'memcg-bench-'));
  const bin = join(work, 'memcg_full');
  const build = spawnSync(cc, ['-O3', '-march=native', '-o', bin, join(yard, 'memcg_full.c')], { encoding: 'utf8' });
  const serves = !build.error && build.status === 0 && readFileSync(join(yard, 'harness.h'), 'utf8').includes('--serve');
  if (build.error || build.status !== 0) {
    notes.push(`native C: skipped (no C compiler: ${cc} ${build.error ? 'not found' : 'failed'})`);
  } else {
    if (!serves) notes.push(`native C: ${yard}/harness.h has no --serve mode: one C process per sample (a warm-up replay, then the timed one)`);
    const cSamples = serves ? coProcess : perSample;
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
      // the yardstick's wasm run, its systems created with the bench's options (bench/yardstick/)
      const withOptions = ['--import', tsx, '--import', join(ROOT, 'bench/yardstick/register.mjs')];
      execFileSync(process.execPath, [...withOptions, join(yard, 'wasm_run.ts'), opFile, m, '1', '--warmup', '0', '--dump', wd], { cwd: ROOT, env: { ...process.env, PROJECT: ROOT }, stdio: 'pipe' });
      same.push(`(${m}) ${dumpDiff(readFileSync(cd, 'utf8').split('\n'), readFileSync(wd, 'utf8').split('\n'))}`);
    }
    yardstickCheck = `final state of the C port vs the wasm core on this op stream: ${same.join(', ')}`;
    if (same.some((s) => s.includes('DIFFERENT'))) {
      notes.push('the C port no longer ends in the core\'s state (the yardstick line): its column measures the work it does');
    }
    // Either way the C tables are prefaulted before the timed replay, as createSystem touches
    // the core's (SystemOptions.prefault: the bench's tables are below the 16 MiB default).
    const full = cSamples(bin, opFile);
    coProcesses.push(full);
    // its fresh system is built at the request (in the co-process ~2 ms), just before the timed replay
    impls.push({ name: NATIVE, prep: async (stock) => () => full.one(stock) });
    if (only?.includes(NATIVE_MIN)) {
      const minBin = join(work, 'memcg_min');
      const b = spawnSync(cc, ['-O3', '-march=native', '-o', minBin, join(yard, 'memcg_min.c')], { encoding: 'utf8' });
      if (b.error || b.status !== 0) throw new Error(`${cc} memcg_min.c failed: ${b.stderr}`);
      const min = cSamples(minBin, opFile);
      coProcesses.push(min);
      impls.push({ name: NATIVE_MIN, prep: async (stock) => () => min.one(stock) });
    }
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
const ourTicks = () => {
  const t = selfTicks();
  return t === null ? null : t + coProcesses.reduce((a, c) => a + c.ticks(), 0);
};
const self0 = ourTicks();
const t0 = performance.now();
for (let r = 0; r < ROUNDS; r++) {
  for (const [label, stock] of MIXES) {
    const order = [...impls.slice(r % impls.length), ...impls.slice(0, r % impls.length)];
    for (const impl of order) {
      const v = await round(impl, stock);
      const k = key(label, impl.name);
      if (!data.has(k)) data.set(k, []);
      data.get(k)!.push(v);
    }
  }
  process.stderr.write(`round ${r + 1}/${ROUNDS} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
}

// ── paired samples: numerator and denominator alternate sample by sample (ABBA) ───────────
const PAIR_WARMUP = 2; // pairs run and dropped first (the rounds warmed both already)
const pairings: [string, string, string][] = [
  ['wasm replay ÷ native C', 'wasm replay', NATIVE],
  ['native C ÷ native C minimal', NATIVE, NATIVE_MIN],
  // the object API's goal (≤ 1.5× replayRecords), by the same pairing: the host's speed flips
  // spread the within-round ratios of the table above as much as the C ratio's
  ['object API ÷ wasm replay', 'wasm object API', 'wasm replay'],
  ['object API (codes) ÷ wasm replay', 'wasm object API (codes)', 'wasm replay'],
  ['object API (view) ÷ wasm replay', 'wasm object API (view)', 'wasm replay'],
  ['object API (Ops) ÷ wasm replay', 'wasm object API (Ops)', 'wasm replay'],
  ['object API (Ops view) ÷ wasm replay', 'wasm object API (Ops view)', 'wasm replay'],
  ['object API (Ops replay) ÷ wasm replay', 'wasm object API (Ops replay)', 'wasm replay'],
].filter(([, a, b]) => impls.some((i) => i.name === a) && impls.some((i) => i.name === b)) as [string, string, string][];
const pairData = new Map<Key, { num: Ns; den: Ns }[]>();
const statP0 = procStat();
const tp0 = performance.now();
if (PAIRS > 0 && pairings.length) {
  const byName = new Map(impls.map((i) => [i.name, i]));
  for (let i = 0; i < PAIR_WARMUP + PAIRS; i++) {
    for (const [label, stock] of MIXES) {
      for (const [name, a, b] of pairings) {
        // Both built first, then timed back to back; ABBA: even pairs den then num, odd pairs
        // num then den (C W W C C W …).
        const runA = await byName.get(a)!.prep(stock);
        const runB = await byName.get(b)!.prep(stock);
        let num: Ns, den: Ns;
        if (i % 2 === 0) {
          den = await runB();
          num = await runA();
        } else {
          num = await runA();
          den = await runB();
        }
        if (i < PAIR_WARMUP) continue;
        const k = key(label, name);
        if (!pairData.has(k)) pairData.set(k, []);
        pairData.get(k)!.push({ num, den });
      }
    }
  }
  process.stderr.write(`${PAIRS} pairs per mix (${((performance.now() - tp0) / 1000).toFixed(0)} s)\n`);
}
const statP1 = procStat();
// --pairs-out FILE: every pair's samples as JSON (to see whether the pairs scatter, and why)
if (argv.includes('--pairs-out')) writeFileSync(argv[argv.indexOf('--pairs-out') + 1], JSON.stringify(Object.fromEntries(pairData), null, 1));
const elapsedMs = performance.now() - t0;
const self1 = ourTicks();
for (const c of coProcesses) c.close();
const stat1 = procStat();
const load1 = loadavg();
if (work) rmSync(work, { recursive: true, force: true });

// Busy CPUs outside this process and its children (the C runs) during the rounds.
let others = 'n/a';
if (stat0 && stat1 && self0 !== null && self1 !== null) {
  const busyTicks = stat1.busy - stat0.busy - (self1 - self0);
  others = `${Math.max(0, (busyTicks * 10) / elapsedMs).toFixed(2)} of ${cpus().length} CPUs busy with other processes on average`;
}
// Steal time: ticks the hypervisor gave this VM's CPUs to someone else, as a share of all ticks.
const steal = (x: ReturnType<typeof procStat>, y: ReturnType<typeof procStat>) =>
  x && y && y.total > x.total ? `${((100 * (y.steal - x.steal)) / (y.total - x.total)).toFixed(1)} %` : 'n/a';

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
  ['object API (view) ÷ wasm replay', 'wasm object API (view)', 'wasm replay'],
  ['object API (Ops) ÷ wasm replay', 'wasm object API (Ops)', 'wasm replay'],
  ['object API (Ops view) ÷ wasm replay', 'wasm object API (Ops view)', 'wasm replay'],
  ['object API (Ops replay) ÷ wasm replay', 'wasm object API (Ops replay)', 'wasm replay'],
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
const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(p * (s.length - 1))))];
};
// The median's 95 % interval by bootstrap (2000 resamples of the pairs, a fixed-seed xorshift so
// a run's text is reproducible from its pairs): how far the quoted median may be off.
const medianCi = (xs: number[]) => {
  let x = 0x9e3779b9;
  const rnd = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), (x >>> 0) / 2 ** 32);
  const meds: number[] = [];
  for (let b = 0; b < 2000; b++) meds.push(median(xs.map(() => xs[Math.floor(rnd() * xs.length)])));
  return [q(meds, 0.025), q(meds, 0.975)];
};
const pairRows: string[] = [];
if (pairData.size) {
  // CPUs other processes kept busy during each timed sample (root cpuacct less the sample's own
  // CPU time, over its wall time: the other CPU's load plus any time this one was taken away)
  const oth = [...pairData.values()].flatMap((v) => v.flatMap((p) => [p.num.others ?? -1, p.den.others ?? -1])).filter((x) => x >= 0);
  const othText = oth.length ? ` Other processes kept ${f2(median(oth))} [${f2(Math.min(...oth))}–${f2(Math.max(...oth))}] CPUs busy during the timed samples (cgroup v1 root cpuacct.usage less the sample's own CPU time, ÷ its wall time; median [min–max]).` : '';
  pairRows.push(
    `Paired samples: ${PAIRS} pairs per mix after ${PAIR_WARMUP} dropped, each an adjacent (numerator, denominator) sample in ABBA order, both systems built before either is timed; ratio per pair, then median [min–max] (10th–90th percentile) over the pairs, and the median's 95 % bootstrap interval.${othText}`,
    '',
    '| mix | paired ratio | CPU time, median [min–max] (p10–p90) | median, 95 % interval | wall time, median [min–max] | numerator CPU ns/op | denominator CPU ns/op |',
    '|---|---|---:|---:|---:|---:|---:|',
  );
  for (const [label] of MIXES) {
    for (const [name] of pairings) {
      const v = pairData.get(key(label, name))!;
      const rc = v.map((p) => p.num.cpu / p.den.cpu);
      const rw = v.map((p) => p.num.wall / p.den.wall);
      const c = stats(rc);
      const w = stats(rw);
      const [lo, hi] = medianCi(rc);
      pairRows.push(
        `| ${label} | ${name} | **${f2(c.med)}** [${f2(c.min)}–${f2(c.max)}] (${f2(q(rc, 0.1))}–${f2(q(rc, 0.9))}) | ${f2(lo)}–${f2(hi)} | ${f2(w.med)} [${f2(w.min)}–${f2(w.max)}] | ` +
          `${f1(median(v.map((p) => p.num.cpu)))} | ${f1(median(v.map((p) => p.den.cpu)))} |`,
      );
    }
  }
  pairRows.push('');
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
  `Machine load: loadavg ${load0.map(f2).join(' ')} before, ${load1.map(f2).join(' ')} after; ${others}; steal time ${steal(stat0, stat1)} of all CPU time over the run` +
    (pairData.size ? `, ${steal(statP0, statP1)} over the paired samples.` : '.'),
  ...(yardstickCheck ? [`Yardstick: ${yardstickCheck}.`] : []),
  ...notes.map((n) => `Note: ${n}.`),
  '',
];
const text = [...header, ...rows, '', ...ratioRows, '', ...pairRows].join('\n');
const out = flag('--write') ? join(ROOT, 'bench/results.md') : join(ROOT, 'bench/results.local.md');
writeFileSync(out, text);
console.log(text);
console.log(`written to ${out}`);
