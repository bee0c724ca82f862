// The kernel side of a live run: the scenario's cgroups made below a case directory of the
// root, one helper worker per task, the plan's ops run through the helper, the same files read
// at every checkpoint, and everything removed afterwards — also on a failure and on SIGINT or
// SIGTERM (the processes this run started are killed by pid, the cgroups removed children
// first). No file of the root or of an ancestor is ever written: every write goes through
// writeOurs, which allows only paths below the case directory this run created.

import { existsSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Helper, helperBinary, type HelperOp } from './helper.js';
import { LiveSetupError, type Hierarchy, type MachineInfo } from './machine.js';
import type { Plan, PlanOp } from './plan.js';
import { LAZY, V1_CONTEXT, exactFiles, fileValues, readsStat, usageFile, writeKeys, type Observation, type SideRun, type StatMode } from './values.js';

export type KernelOptions = {
  root: { dir: string; h: Hierarchy };
  /** Case directories are named PREFIX<pid>-<run>. */
  prefix: string;
  /** Where the page cache files are created (a disk filesystem), and the tmpfs files. */
  dataDir: string;
  shmDir: string;
  /** Where memory.stat / numa_stat are read (each read costs the 2 s flush wait). */
  stat: StatMode;
  opTimeoutMs: number;
  run: number;
  log?: (s: string) => void;
};

const OFFLINE_WAIT_MS = 1000; // css offline (drain_all_stock of the removed memcg) runs from a workqueue after an RCU grace period
const FLUSH_WAIT_MS = 2100; // flush_memcg_stats_dwork: every 2 s
const EMULATOR_SWAPPINESS = '60'; // the emulator's vm_swappiness, which its root's children inherit

/** What a live run has running, for the signal handler's cleanup. */
type Active = { caseDir: string; dirs: string[]; pids: number[]; version: 1 | 2 };
const active = new Set<Active>();
let handlersInstalled = false;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function gone(pid: number): boolean {
  const stat = (() => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return '';
    }
  })();
  return stat === '' || / [ZX] /.test(stat.slice(stat.lastIndexOf(')')));
}

/** Kill the processes and remove the cgroups of a run, synchronously (the signal path). */
function cleanupSync(a: Active): void {
  for (const pid of a.pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  for (let i = 0; i < 100 && !a.pids.every(gone); i++) sleepSync(20);
  drainCase(a);
  for (const d of [...a.dirs].reverse()) {
    for (let i = 0; i < 50; i++) {
      try {
        rmdirSync(d);
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code !== 'EBUSY') break;
        sleepSync(40);
      }
    }
  }
  active.delete(a);
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(sig, () => {
      if (active.size) process.stderr.write(`memcg-sim live: ${sig}: killing the helper processes and removing the cgroups\n`);
      for (const a of [...active]) cleanupSync(a);
      process.exit(code);
    });
  }
}

/** Empty the case's per-CPU stocks before its rmdir (v1 force_empty / v2 memory.max 0 drain_all_stock), so its later offline drains no CPU. */
function drainCase(a: Active): void {
  try {
    writeOurs(a, join(a.caseDir, a.version === 1 ? 'memory.force_empty' : 'memory.max'), '0');
  } catch {
    // the case directory may be gone or never made
  }
}

/** A path below the case directory; any other is refused (the root and its ancestors are never written). */
function ours(a: Active, path: string): string {
  const p = resolve(path);
  if (!p.startsWith(a.caseDir + sep)) throw new Error(`memcg-sim live refuses to write ${p}: it is not below the case directory ${a.caseDir}`);
  return p;
}

/** Write a file below the case directory. */
function writeOurs(a: Active, path: string, value: string): void {
  writeFileSync(ours(a, path), value);
}

function errCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? String(e);
}

/** Remove case directories of earlier runs whose process is gone (a run killed by SIGKILL cannot clean up). */
function removeStale(root: string, prefix: string): void {
  const re = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\d+)-\\d+$`);
  for (const name of readdirSync(root)) {
    const m = re.exec(name);
    if (!m || existsSync(`/proc/${m[1]}`)) continue;
    const rm = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) rm(join(d, e.name));
      try {
        rmdirSync(d);
      } catch {
        // populated: leave it
      }
    };
    rm(join(root, name));
  }
}

function readValues(path: string, key: string, into: Record<string, string>): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    into[key] = errCode(e);
    return;
  }
  for (const [k, v] of fileValues(key, text)) into[k] = v;
}

/** Anonymous memory of a process in kB (smaps_rollup walks its page tables: exact), and its THP part. */
function anonKb(pid: number): { anon: number; thp: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return { anon: Number(/^Anonymous:\s+(\d+)/m.exec(s)?.[1] ?? 0), thp: Number(/^AnonHugePages:\s+(\d+)/m.exec(s)?.[1] ?? 0) };
  } catch {
    return undefined;
  }
}

/** Run a plan on the machine's kernel once. */
export async function runKernel(plan: Plan, m: MachineInfo, opts: KernelOptions): Promise<SideRun & { caseDir: string }> {
  installHandlers();
  const { sc } = plan;
  const log = opts.log ?? (() => undefined);
  removeStale(opts.root.dir, opts.prefix);
  const caseDir = join(opts.root.dir, `${opts.prefix}${process.pid}-${opts.run}`);
  const a: Active = { caseDir, dirs: [], pids: [], version: m.cgroupVersion };
  active.add(a);
  const run: SideRun & { caseDir: string } = { caseDir, checkpoints: [], writes: {}, usage: [], between: [], deaths: [], warnings: [] };
  const dir = (cg: number) => join(caseDir, sc.paths[cg]);
  let helper: Helper | undefined;
  try {
    helper = await Helper.start(helperBinary());
    a.pids.push(helper.pid);
    await helper.timeout(opts.opTimeoutMs);
    // An interface-file write from the CPU the scenario names (drains and reclaim run on the writer's CPU).
    const write = (path: string, value: string, cpu: number) => helper!.write(m.cpuMap[cpu], ours(a, path), value);
    // mkdir and rmdir from CPU 0 (the emulator's): a new memcg's kernel memory is charged to its parent there.
    const mkdir = async (d: string) => {
      const r = await helper!.dir('M', m.cpuMap[0], d === caseDir ? d : ours(a, d));
      if (r !== 'ok') throw new LiveSetupError(`mkdir ${d}: ${r}`);
      a.dirs.push(d);
    };
    await mkdir(caseDir);
    if (m.cgroupVersion === 1) {
      // The case directory stands for the emulator's root: its children inherit these knobs (mem_cgroup_css_alloc).
      if (readFileSync(join(caseDir, 'memory.swappiness'), 'utf8').trim() !== EMULATOR_SWAPPINESS) writeOurs(a, join(caseDir, 'memory.swappiness'), EMULATOR_SWAPPINESS);
      if (/oom_kill_disable 1/.test(readFileSync(join(caseDir, 'memory.oom_control'), 'utf8'))) writeOurs(a, join(caseDir, 'memory.oom_control'), '0');
    } else writeOurs(a, join(caseDir, 'cgroup.subtree_control'), '+memory');
    const wkey = writeKeys();
    for (const g of sc.cgroups) {
      const d = join(caseDir, g.cgroup);
      await mkdir(d);
      if (m.cgroupVersion === 2 && sc.cgroups.some((c) => c.cgroup.startsWith(`${g.cgroup}/`))) writeOurs(a, join(d, 'cgroup.subtree_control'), '+memory');
      for (const s of g.settings) run.writes[wkey(s.path)] = await write(join(d, s.file), s.value, 0);
    }
    const pids: number[] = [];
    const baseline: number[] = [];
    for (const [i, w] of plan.workers.entries()) {
      const pid = await helper.worker(i, { ...w, dataDir: opts.dataDir, shmDir: opts.shmDir });
      a.pids.push(pid);
      pids.push(pid);
      if (w.oomScoreAdj !== 0) writeFileSync(`/proc/${pid}/oom_score_adj`, String(w.oomScoreAdj));
      writeOurs(a, join(dir(w.cgroup), 'cgroup.procs'), String(pid));
      baseline.push(anonKb(pid)?.anon ?? 0);
      log(`task ${w.task}: pid ${pid} in ${sc.paths[w.cgroup]}`);
    }
    for (let cg = 1; cg < sc.paths.length; cg++) await helper.watch(cg, join(dir(cg), usageFile(m.cgroupVersion)));
    // Every CPU's lru_add batch starts empty, as the emulator's do: the workers' preparation
    // left pages there, and a page freed while in a batch stays charged until the batch drains.
    await helper.batch(m.cpuMap.map((cpu) => ({ worker: -1, op: 'c', cpu, a: 0, b: 0, watch: -1 })));

    const alive = plan.workers.map(() => true);
    const killedBy = plan.workers.map(() => 0);
    const dead = plan.workers.map(() => 0);
    let lastWatch = -1;
    let lastPost = -1;
    let mon = 0;

    const runBatch = async (ops: [number, PlanOp & { t: 'op' }][]) => {
      const hops: HelperOp[] = [];
      const owner: number[] = [];
      for (const [j, o] of ops) for (const k of o.k) {
        hops.push({ ...k, watch: o.watch });
        owner.push(j);
      }
      const { results, deaths } = await helper!.batch(hops);
      for (const d of deaths) {
        alive[d.worker] = false;
        killedBy[d.worker] = d.signal;
        run.deaths!.push({ task: plan.workers[d.worker].task, signal: d.signal, op: d.at < 0 ? -1 : owner[d.at] });
      }
      let h = 0;
      for (const [j, o] of ops) {
        const rs = results.slice(h, h + o.k.length);
        h += o.k.length;
        if (rs.some((r) => r.res === 'timeout')) {
          run.warnings!.push(`${o.path}: task ${plan.workers[o.task].task} did not finish its op within ${opts.opTimeoutMs} ms (killed; e.g. a fault whose charge keeps failing is retried for ever)`);
          await helper!.kill(o.task);
          alive[o.task] = false;
        }
        const diedHere = run.deaths!.some((d) => d.op === j);
        if (o.charge && o.rec && rs.some((r) => r.res === 'dead') && !diedHere) dead[o.task]++;
        if (o.watch < 0) continue;
        const pre = rs[0].pre < 0 ? -1 : rs[0].pre / 4096;
        const post = rs[rs.length - 1].post < 0 ? -1 : rs[rs.length - 1].post / 4096;
        if (lastWatch === o.watch && pre !== lastPost && pre >= 0 && lastPost >= 0) run.between!.push([mon, pre]);
        run.usage.push(post);
        mon++;
        lastWatch = o.watch;
        lastPost = post;
      }
    };

    const checkpoint = async (at: number, name: string, files?: string[]) => {
      const values: Record<string, string> = {};
      const context: Record<string, string> = {};
      const exact = files ? files.filter((f) => !LAZY.some((l) => f.endsWith(`/${l}`))) : sc.paths.slice(1).flatMap((p) => exactFiles(m.cgroupVersion, m.memsw).map((f) => `${p}/${f}`));
      for (const f of exact) readValues(join(caseDir, f), f, values);
      if (!files) {
        plan.workers.forEach((w, i) => {
          const now = alive[i] ? anonKb(pids[i]) : undefined;
          values[`task ${w.task} killed`] = String(!alive[i] && killedBy[i] === 9);
          values[`task ${w.task} anonPages`] = String(now ? Math.max(0, (now.anon - baseline[i]) / 4) : 0);
          values[`task ${w.task} dead`] = String(dead[i]);
          if (now) context[`task ${w.task} AnonHugePages kB`] = String(now.thp);
        });
        if (m.cgroupVersion === 1) for (const p of sc.paths.slice(1)) for (const f of V1_CONTEXT) readValues(join(caseDir, p, f), `${p}/${f}`, context);
      }
      const lazy = files ? files.filter((f) => LAZY.some((l) => f.endsWith(`/${l}`))) : readsStat(plan, opts.stat, at) ? sc.paths.slice(1).flatMap((p) => LAZY.map((f) => `${p}/${f}`)) : [];
      if (lazy.length) {
        // Folios in the per-CPU lru_add batches are on no LRU yet: drain every CPU's (the emulator side does the same).
        await helper!.batch(m.cpuMap.map((cpu) => ({ worker: -1, op: 'c', cpu, a: 0, b: 0, watch: -1 })));
        lastWatch = -1; // the drain frees folios a free left in the batches: not a change between ops to report
        await sleep(FLUSH_WAIT_MS);
        for (const f of lazy) readValues(join(caseDir, f), f, values);
      }
      run.checkpoints.push({ name, values, ...(Object.keys(context).length ? { context } : {}) } satisfies Observation);
      // Reading a checkpoint makes memcg-sim fault pages of its own on these CPUs, into the same
      // per-CPU lru_add batches, so what a batch holds after it is not the workload's: drain
      // them all (the emulator side does the same), and the next op starts from empty batches.
      await helper!.batch(m.cpuMap.map((cpu) => ({ worker: -1, op: 'c', cpu, a: 0, b: 0, watch: -1 })));
      lastWatch = -1;
      log(`checkpoint ${name}`);
    };

    let batch: [number, PlanOp & { t: 'op' }][] = [];
    const flush = async () => {
      if (batch.length) await runBatch(batch);
      batch = [];
    };
    for (const [j, o] of plan.ops.entries()) {
      if (o.t === 'op' && o.move === undefined) {
        batch.push([j, o]);
        continue;
      }
      await flush();
      if (o.t === 'op') {
        // cgroup_migrate: the task charges its new cgroup from now on
        lastWatch = -1;
        if (!alive[o.task]) {
          dead[o.task]++;
          continue;
        }
        try {
          writeOurs(a, join(dir(o.move!), 'cgroup.procs'), String(pids[o.task]));
        } catch (e) {
          run.warnings!.push(`${o.path}: moving task ${plan.workers[o.task].task}: ${errCode(e)}`);
        }
      } else if (o.t === 'write') {
        lastWatch = -1;
        run.writes[wkey(o.path)] = await write(join(dir(o.cgroup), o.file), o.value, o.cpu);
      } else if (o.t === 'rmdir') {
        lastWatch = -1;
        const d = dir(o.cgroup);
        const r = await helper!.dir('R', m.cpuMap[0], ours(a, d));
        run.writes[wkey(o.path)] = r;
        if (r === 'ok') {
          a.dirs.splice(a.dirs.indexOf(d), 1);
          await sleep(OFFLINE_WAIT_MS);
        }
      } else await checkpoint(j, o.name, o.files);
    }
    await flush();
    return run;
  } catch (e) {
    if (e instanceof Error && (e as NodeJS.ErrnoException).syscall && !(e instanceof LiveSetupError)) {
      throw new LiveSetupError(`${e.message} (while setting up the kernel side below ${opts.root.dir})`);
    }
    throw e;
  } finally {
    await helper?.quit();
    for (let i = 0; i < 100 && !a.pids.every(gone); i++) await sleep(20);
    drainCase(a);
    for (const d of [...a.dirs].reverse()) {
      for (let i = 0; ; i++) {
        try {
          rmdirSync(d);
          break;
        } catch (e) {
          if (errCode(e) === 'ENOENT') break;
          if (errCode(e) !== 'EBUSY' || i > 50) {
            run.warnings!.push(`rmdir ${d}: ${errCode(e)}`);
            break;
          }
          await sleep(40);
        }
      }
    }
    active.delete(a);
    await sleep(OFFLINE_WAIT_MS); // let the removed memcgs' offline (drain_all_stock) run before anything else is measured
  }
}
