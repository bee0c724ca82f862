// A live scenario as a plan both sides run: the scenario's workload expanded into op records
// (the same Workload a `memcg-sim run` uses, so the same CPUs, folios and order), each record
// paired with what a real process does for it (a page written, a file page read, a range
// freed), plus the interface-file writes, rmdirs and the checkpoints where both sides read
// the same files.
//
// Live scenarios are scenario files with a few live-only steps the scenario parser does not
// know; they are taken out first and replaced by a no-op `{ "wait": { "ms": 0 } }`, so every
// other step keeps its JSON path:
//   { "checkpoint": "name" | {} }                  compare every file here (also after each phase)
//   { "rmdir": { "cgroup": "a/b" } }               rmdir on both sides (the kernel: then 1 s for the offline)
//   { "shmem": { "task", "pages"|"size", "cpu"? } } the task writes tmpfs pages, one by one
//   { "shmem-free": { "task" } }                   it punches them all out
//   { "mlock": { "task" } } / { "munlock": … }     mlock2(MLOCK_ONFAULT) of its anon region, munlock
// The emulator does the same through the System API (EmuOp): a tmpfs file per task, laid out
// as the helper's (anchors written from outside the cgroup), written a page at a time; the
// task's resident anon folios mlocked, and its later anon faults locked at fault time.

import { parseScenario, type Scenario, type Step, type SystemSpec } from '../scenario/scenario.js';
import { InputError, jsonPath, parseSize, type Issue } from '../scenario/validate.js';
import { taskTable, Workload } from '../scenario/workload.js';
import { systemOf } from '../scenario/runner.js';
import { Handles, OP, OP_MOVE, OP_THP_FAULT, type RecordSink } from '../trace/trace.js';
import { System } from '../api/system.js';
import type { MachineInfo } from './machine.js';
import { profileForRelease } from './machine.js';

/** A helper op without its watch (the plan op's watch applies). */
export type KOp = { worker: number; op: string; cpu: number; a: number; b: number };
/** An op record as RecordSink.op receives it: code, a, kind, node, cpu, task, id, arg. */
export type Rec = [number, number, number, number, number, number, number, number];

/**
 * What the emulator does for a live-only step (the kernel side's KOps): write page `page` of the
 * task's tmpfs file (its index in the helper's layout), punch every page out, or (mun)lock the
 * task's resident anon folios (handles of the plan's records, the Replayer's too).
 */
export type EmuOp =
  | { t: 'shmem'; task: number; index: number; cpu: number }
  | { t: 'shmem-free'; task: number; cpu: number }
  | { t: 'mlock' | 'munlock'; task: number; cpu: number; handles: number[] };

export type PlanOp =
  /**
   * A workload record (rec: for the emulator) or a live-only step (emu), and what the kernel
   * side does for it; mlock: the record is an anon fault in a VM_LOCKONFAULT region (handle:
   * its folio's), which mlock_new_folio puts on the unevictable list.
   */
  | { t: 'op'; path: string; rec?: Rec; emu?: EmuOp; mlock?: number; k: KOp[]; watch: number; charge: boolean; task: number; move?: number }
  | { t: 'write'; path: string; cgroup: number; file: string; value: string; cpu: number }
  | { t: 'rmdir'; path: string; cgroup: number }
  | { t: 'checkpoint'; path: string; name: string; files?: string[] };

/** A process: one scenario task (worker i is task i of the task table). */
export type WorkerSpec = {
  task: string; cgroup: number; cpus: number[]; oomScoreAdj: number;
  anonPages: number; thpSlots: number; filePages: number; shmemPages: number;
};

export type Plan = {
  sc: Scenario;
  /** The system the emulator side runs (the machine's topology, swap, HZ; the release's profile). */
  spec: SystemSpec;
  ops: PlanOp[];
  workers: WorkerSpec[];
  /** Steps the emulator cannot run yet, with the reason (then only --kernel-only runs). */
  kernelOnly: Issue[];
};

const LIVE_STEPS = ['checkpoint', 'rmdir', 'shmem', 'shmem-free', 'mlock', 'munlock'] as const;
type LiveName = (typeof LIVE_STEPS)[number];
const SHMEM_AFTER_FREE = 'a shmem step after the task\'s shmem-free: the emulator punches the file out with a truncate (it has no hole punch), which also drops the anchor pages the helper keeps, so a later write would charge xarray nodes the kernel does not: run it with --kernel-only';
/** The helper's tmpfs (and page cache) file layout: page 63 of every 64 is an anchor written from outside. */
export const ANCHOR = 64;
/** Page i of the workload's file → its index in the file (anchors skipped), as the helper's file_index. */
export const fileIndex = (i: number): number => Math.floor(i / (ANCHOR - 1)) * ANCHOR + (i % (ANCHOR - 1));
/** The length in pages of a file of n workload pages (whole anchor blocks), as the helper's file_pages_for. */
export const filePagesFor = (n: number): number => Math.ceil(n / (ANCHOR - 1)) * ANCHOR;
const ANON_ORDERS = [0, 9]; // base pages, or a PMD THP (the mTHP sizes are a sysfs choice: not used)

type Folio = { worker: number; kind: 'anon' | 'thp' | 'file'; slot: number; cgroup: number };

/** Take the live-only steps out of a scenario document: the document the parser takes, and the steps by path. */
export function extractLiveSteps(json: unknown): { json: unknown; live: Map<string, { name: LiveName; arg: unknown }> } {
  const live = new Map<string, { name: LiveName; arg: unknown }>();
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { workload?: unknown }).workload)) return { json, live };
  const doc = structuredClone(json) as { workload: { steps?: unknown }[] };
  doc.workload.forEach((ph, i) => {
    if (typeof ph !== 'object' || ph === null || !Array.isArray(ph.steps)) return;
    ph.steps = ph.steps.map((s: unknown, j: number) => {
      if (typeof s !== 'object' || s === null || Array.isArray(s) || Object.keys(s).length !== 1) return s;
      const [name, arg] = Object.entries(s)[0];
      if (!(LIVE_STEPS as readonly string[]).includes(name)) return s;
      live.set(jsonPath(jsonPath(jsonPath('workload', i), 'steps'), j), { name: name as LiveName, arg });
      return { wait: { ms: 0 } };
    });
  });
  return { json: doc, live };
}

/**
 * The emulator's system for this machine: its topology, swap device, swap accounting and HZ; the
 * release's profile; and the kernel the machine runs: kmem on unless booted with
 * cgroup.memory=nokmem, the per-CPU lru_add batch on (every supported era has one: 15 folios up
 * to 6.6, 31 from 6.12; the core has the 31 of 6.12+), and the helper's way of faulting
 * (`preparedMm`: its page tables, the THP slots' deposited tables and the anon_vma are made
 * before it joins the cgroup, so its faults inside charge none of them). The scenario's own
 * `system.kmem`, `lruAddBatch` and `preparedMm` override these.
 */
export function machineSpec(sc: Scenario, m: MachineInfo, profile?: string): SystemSpec {
  const own = Object.fromEntries(Object.entries(sc.system).filter(([, v]) => v !== undefined));
  return {
    kmem: m.kmem ?? true, lruAddBatch: true, preparedMm: true,
    ...own, profile: (profile ?? profileForRelease(m.release)) as SystemSpec['profile'], cgroupVersion: m.cgroupVersion,
    topology: { nodes: m.nodes, cpusPerNode: m.cpusPerNode }, swapPages: m.swapPages,
    ...(m.cgroupVersion === 1 ? { swapAccount: m.memsw } : {}), ...(m.hz ? { hz: m.hz } : {}),
  };
}

/**
 * Parse a live scenario for this machine and expand it into a plan. The scenario's own machine
 * (topology, swap, profile) is replaced by this one's, so its CPU numbers are checked against the
 * real CPUs; everything the kernel side cannot do is an InputError with its JSON path.
 */
export async function buildPlan(json: unknown, m: MachineInfo, opts: { name?: string; what?: string; profile?: string } = {}): Promise<Plan> {
  const { json: doc, live } = extractLiveSteps(json);
  const issues: Issue[] = [];
  const top = (doc ?? {}) as Record<string, unknown>;
  const sys0 = (top.system ?? {}) as Record<string, unknown>;
  const v = sys0.cgroupVersion ?? 2;
  if (v !== m.cgroupVersion) {
    throw new InputError(opts.what ?? 'scenario', [{
      path: 'system.cgroupVersion',
      message: `the scenario is cgroup v${String(v)}, and this machine's memory controller is cgroup v${m.cgroupVersion}: memcg-sim live runs a scenario only on its own cgroup version`,
    }]);
  }
  if (top.variants !== undefined) issues.push({ path: 'variants', message: 'memcg-sim live runs one system, this machine\'s: a live scenario has no variants' });
  for (const k of ['swap', 'topology', 'ram']) {
    if (sys0[k] !== undefined) issues.push({ path: jsonPath('system', k), message: `memcg-sim live takes ${k} from the machine (leave it out)` });
  }
  if (issues.length) throw new InputError(opts.what ?? 'scenario', issues);
  // Parse with the machine's topology, so CPU numbers are checked against it.
  const withMachine = { ...top, system: { ...sys0, cgroupVersion: m.cgroupVersion, topology: { nodes: m.nodes, cpusPerNode: m.cpusPerNode } } };
  const sc = parseScenario(withMachine, opts.name ?? 'scenario', opts.what);
  const spec = machineSpec(sc, m, opts.profile);
  const sys = await systemOf(spec);
  try {
    return new Planner(sc, spec, m, sys, live).build(opts.what ?? sc.name);
  } finally {
    sys.dispose();
  }
}

class Planner {
  private readonly ops: PlanOp[] = [];
  private readonly issues: Issue[] = [];
  private readonly kernelOnly: Issue[] = [];
  private readonly workers: WorkerSpec[];
  private readonly taskIndex = new Map<string, number>();
  private readonly taskCgroup: number[];
  private readonly handles = new Handles();
  private readonly folios: (Folio | undefined)[] = [];
  private pendingList: Folio[] = [];
  private step: Step | undefined;
  private readonly names = new Set<string>();
  /** Workers whose anon region is mlocked (VM_LOCKONFAULT), and whose shmem was punched out. */
  private readonly locked = new Set<number>();
  private readonly punched = new Set<number>();

  constructor(
    private readonly sc: Scenario, private readonly spec: SystemSpec, private readonly m: MachineInfo,
    private readonly sys: System, private readonly live: Map<string, { name: LiveName; arg: unknown }>,
  ) {
    this.workers = taskTable(sc).map((t, i) => {
      this.taskIndex.set(t.name, i);
      const spec = sc.tasks.get(t.name)!;
      return { task: t.name, cgroup: t.cgroup, cpus: spec.cpus.map((c) => m.cpuMap[c]), oomScoreAdj: t.oomScoreAdj, anonPages: 0, thpSlots: 0, filePages: 0, shmemPages: 0 };
    });
    this.taskCgroup = this.workers.map((w) => w.cgroup);
  }

  build(what: string): Plan {
    this.checkFiles();
    const wl = new Workload(this.sc, this.sys, this.sc.system.seed ?? 1);
    const sink: RecordSink = { op: (...r) => this.record(r as Rec) };
    const checked = new Set<string>();
    const bad = new Set<string>();
    for (const ph of this.sc.phases) {
      for (let r = 0; r < ph.repeat; r++) {
        for (const s of ph.steps) {
          this.step = s;
          const ext = s.kind === 'wait' && s.ms === 0 ? this.live.get(s.path.replace(/\.wait$/, '')) : undefined;
          const first = !checked.has(s.path);
          checked.add(s.path);
          if (ext) this.liveStep(s.path.replace(/\.wait$/, ''), ext);
          else if (s.kind === 'read') this.checkpoint(s.path, s.path, [s.file]);
          else if (s.kind === 'expect') continue;
          else if (s.kind === 'write') this.ops.push({ t: 'write', path: s.path, cgroup: s.cgroup, file: s.name, value: s.value, cpu: s.cpu });
          else if (s.kind === 'file-op') {
            if (first) this.error(s.path, `the ${s.op} step is not run on the kernel by memcg-sim live (its own shmem/mlock steps are)`);
          } else {
            if (first && !this.liveable(s)) bad.add(s.path);
            if (!bad.has(s.path)) wl.emitAll(s, sink);
          }
        }
      }
      this.checkpoint(ph.name, ph.path);
    }
    if (this.issues.length) throw new InputError(what, this.issues);
    return { sc: this.sc, spec: this.spec, ops: this.ops, workers: this.workers, kernelOnly: this.kernelOnly };
  }

  private error(path: string, message: string): false {
    this.issues.push({ path, message });
    return false;
  }

  /** The root cgroup is not available live (the cases run below a root of the machine's tree). */
  private checkFiles(): void {
    const root = (file: string) => !file.includes('/');
    for (const ph of this.sc.phases) {
      for (const s of ph.steps) {
        if ((s.kind === 'read' && root(s.file)) || (s.kind === 'write' && s.cgroup === 0)) {
          this.error(s.path, 'memcg-sim live has no root cgroup of its own (its cgroups go below a root of the machine): name a cgroup of the scenario');
        }
      }
    }
    for (const [name, t] of this.sc.tasks) {
      if (t.cgroup === 0) this.error(jsonPath(t.path, 'cgroup'), `task ${name}: memcg-sim live runs tasks in the scenario's cgroups, not in the root`);
    }
  }

  /** Can a real process do this step? (Checked once per step path.) */
  private liveable(s: Step): boolean {
    const at = s.path;
    if (s.kind === 'thrash') return this.error(at, 'thrash charges cgroups without tasks: live, every charge is a real task\'s page fault (give each cgroup a task and use faults)');
    if (s.kind === 'charge' || s.kind === 'faults' || s.kind === 'grow-then-free') {
      if (s.target.task === undefined) return this.error(`${at}.cgroup`, 'live, a charge is a real task\'s fault or file read: name a task (tasks: { … }) instead of a cgroup');
      const file = s.kind !== 'grow-then-free' && s.folio === 'file';
      if (file && s.order !== 0) return this.error(`${at}.order`, 'the page cache folio size is the filesystem\'s choice: live page cache reads are order 0');
      if (!file && !ANON_ORDERS.includes(s.order)) return this.error(`${at}.order`, `live anon folios are base pages (order 0) or PMD THPs (order 9, thp), not order ${s.order}`);
      if (s.gfp !== 'GFP_KERNEL') return this.error(`${at}.gfp`, 'a user page fault cannot choose its gfp mask: live charges are GFP_KERNEL (leave gfp out)');
      if ('node' in s && s.node !== undefined) return this.error(`${at}.node`, 'live runs do not place pages on a node (leave node out)');
    }
    if (s.kind === 'access' && s.gfp !== 'GFP_KERNEL') return this.error(`${at}.gfp`, 'a user access cannot choose its gfp mask (leave gfp out)');
    return true;
  }

  private checkpoint(name: string, path: string, files?: string[]): void {
    let n = name;
    for (let i = 2; this.names.has(n); i++) n = `${name} #${i}`;
    this.names.add(n);
    this.ops.push({ t: 'checkpoint', path, name: n, files });
  }

  private taskOf(o: Record<string, unknown>, at: string): number | undefined {
    const t = o.task;
    if (typeof t !== 'string' || !this.taskIndex.has(t)) {
      this.error(jsonPath(at, 'task'), typeof t === 'string' ? `no task "${t}" in tasks` : 'expected a task name');
      return undefined;
    }
    return this.taskIndex.get(t);
  }

  private liveStep(at: string, { name, arg }: { name: LiveName; arg: unknown }): void {
    const sat = jsonPath(at, name);
    if (name === 'checkpoint') {
      if (typeof arg === 'string') return this.checkpoint(arg, sat);
      if (typeof arg === 'object' && arg !== null && Object.keys(arg).length === 0) return this.checkpoint(sat, sat);
      this.error(sat, 'a checkpoint is { "checkpoint": "name" } or { "checkpoint": {} }');
      return;
    }
    const o = (typeof arg === 'object' && arg !== null && !Array.isArray(arg) ? arg : {}) as Record<string, unknown>;
    const allowed: Record<LiveName, string[]> = { checkpoint: [], rmdir: ['cgroup'], shmem: ['task', 'pages', 'size', 'cpu'], 'shmem-free': ['task'], mlock: ['task'], munlock: ['task'] };
    const bad = Object.keys(o).filter((k) => !allowed[name].includes(k));
    if (bad.length || o !== arg) {
      this.error(sat, `${name} takes { ${allowed[name].join(', ')} }${bad.length ? ` (unknown: ${bad.join(', ')})` : ''}`);
      return;
    }
    if (name === 'rmdir') {
      const idx = typeof o.cgroup === 'string' ? this.sc.paths.indexOf(System.normalize(o.cgroup)) : -1;
      if (idx <= 0) {
        this.error(jsonPath(sat, 'cgroup'), typeof o.cgroup === 'string' ? `no cgroup "${o.cgroup}" in cgroups` : 'expected a cgroup');
        return;
      }
      this.ops.push({ t: 'rmdir', path: sat, cgroup: idx });
      return;
    }
    const task = this.taskOf(o, sat);
    if (task === undefined) return;
    const w = this.workers[task];
    if (o.cpu !== undefined && !(Number.isInteger(o.cpu) && (o.cpu as number) >= 0 && (o.cpu as number) < this.m.cpuMap.length)) {
      this.error(jsonPath(sat, 'cpu'), `cpu ${JSON.stringify(o.cpu)} out of range 0..${this.m.cpuMap.length - 1}`);
      return;
    }
    const ecpu = (o.cpu as number | undefined) ?? this.sc.tasks.get(w.task)!.cpus[0]; // the emulator's CPU
    const cpu = this.m.cpuMap[ecpu];
    const watch = this.taskCgroup[task];
    if (name === 'shmem') {
      const which = o.pages !== undefined ? 'pages' : 'size';
      const pages = which === 'pages' ? o.pages : typeof o.size === 'number' || typeof o.size === 'string' ? parseSize(o.size) : 'a size is a number of bytes or a string like "64M"';
      if (typeof pages !== 'number' || !Number.isInteger(pages) || pages < 1) {
        this.error(jsonPath(sat, which), typeof pages === 'string' ? pages : 'expected a number of pages (pages) or a size (size)');
        return;
      }
      if (this.punched.has(task) && !this.kernelOnly.some((k) => k.path === sat)) this.kernelOnly.push({ path: sat, message: SHMEM_AFTER_FREE });
      const k = Array.from({ length: pages }, (_, i) => ({ worker: task, op: 's', cpu, a: w.shmemPages + i, b: 0 }));
      w.shmemPages += pages;
      k.forEach((op) => this.ops.push({ t: 'op', path: sat, emu: { t: 'shmem', task, index: fileIndex(op.a), cpu: ecpu }, k: [op], watch, charge: true, task }));
    } else if (name === 'shmem-free') {
      const k: KOp[] = [];
      for (let i = 0; i < w.shmemPages; i += ANCHOR - 1) k.push({ worker: task, op: 'p', cpu, a: i, b: Math.min(ANCHOR - 1, w.shmemPages - i) });
      if (w.shmemPages) this.punched.add(task);
      this.ops.push({ t: 'op', path: sat, emu: { t: 'shmem-free', task, cpu: ecpu }, k, watch, charge: false, task });
    } else {
      // mlock2(MLOCK_ONFAULT) / munlock of the helper's whole anon region: its resident pages
      // (not the THP region, not the files); while locked, each new anon fault is locked too
      const handles = this.folios.flatMap((f, h) => (f && f.worker === task && f.kind === 'anon' ? [h] : []));
      if (name === 'mlock') this.locked.add(task);
      else this.locked.delete(task);
      this.ops.push({ t: 'op', path: sat, emu: { t: name, task, cpu: ecpu, handles }, k: [{ worker: task, op: name === 'mlock' ? 'm' : 'n', cpu, a: 0, b: 0 }], watch, charge: false, task });
    }
  }

  /** One record of the workload: the emulator's, and what the kernel side does. */
  private record(rec: Rec): void {
    const [code, a, kind, , cpu, task, id] = rec;
    const path = this.step!.path;
    const real = this.m.cpuMap[cpu];
    if (code === OP.CHARGE) {
      const t = task - 1; // the planner refused cgroup charges
      const w = this.workers[t];
      const h = this.handles.alloc();
      const f: Folio = kind === 1 ? { worker: t, kind: 'file', slot: w.filePages++, cgroup: this.taskCgroup[t] }
        : (a & ~OP_THP_FAULT) === 9 ? { worker: t, kind: 'thp', slot: w.thpSlots++, cgroup: this.taskCgroup[t] }
        : { worker: t, kind: 'anon', slot: w.anonPages++, cgroup: this.taskCgroup[t] };
      this.folios[h] = f;
      const mlock = f.kind === 'anon' && this.locked.has(t) ? { mlock: h } : {};
      this.ops.push({ t: 'op', path, rec, ...mlock, k: [{ worker: t, op: f.kind === 'file' ? 'r' : f.kind === 'thp' ? 'h' : 't', cpu: real, a: f.slot, b: 0 }], watch: f.cgroup, charge: true, task: t });
    } else if (code === OP.UNCHARGE || code === OP.UNCHARGE_LIST) {
      const f = this.folios[id]!;
      this.folios[id] = undefined;
      this.handles.release(id);
      if (code === OP.UNCHARGE) {
        this.ops.push({ t: 'op', path, rec, k: frees([f], real), watch: f.cgroup, charge: false, task: f.worker });
        return;
      }
      this.pendingList.push(f);
      const last = a === 1;
      const list = last ? this.pendingList : [];
      if (last) this.pendingList = [];
      this.ops.push({ t: 'op', path, rec, k: frees(list, real), watch: last ? f.cgroup : -1, charge: false, task: f.worker });
    } else if (code === OP.TOUCH) {
      const f = this.folios[id]!;
      this.ops.push({ t: 'op', path, rec, k: [{ worker: f.worker, op: f.kind === 'file' ? 'b' : f.kind === 'thp' ? 'i' : 'a', cpu: real, a: f.slot, b: 0 }], watch: f.cgroup, charge: false, task: f.worker });
    } else if (code === OP.WAIT) {
      this.ops.push({ t: 'op', path, rec, k: [{ worker: -1, op: 'w', cpu: 0, a: rec[7], b: 0 }], watch: -1, charge: false, task: -1 });
    } else if (code === OP_MOVE) {
      this.taskCgroup[task - 1] = id;
      this.ops.push({ t: 'op', path, rec, k: [], watch: -1, charge: false, task: task - 1, move: id });
    } else {
      throw new Error(`unexpected record ${code} in a live plan`);
    }
  }
}

/** The kernel ops that free folios: contiguous runs per worker and kind (within a chunk, an anchor block). */
function frees(list: Folio[], cpu: number): KOp[] {
  const out: KOp[] = [];
  const groups = new Map<string, Folio[]>();
  for (const f of list) {
    const key = `${f.worker}:${f.kind}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(f);
  }
  for (const fs of groups.values()) {
    const slots = fs.map((f) => f.slot).sort((x, y) => x - y);
    const { worker, kind } = fs[0];
    if (kind === 'thp') {
      for (const s of slots) out.push({ worker, op: 'g', cpu, a: s, b: 0 });
      continue;
    }
    const block = kind === 'anon' ? 511 : 63; // SLOTS_PER_CHUNK / USABLE of the helper
    for (let i = 0; i < slots.length;) {
      let j = i + 1;
      while (j < slots.length && slots[j] === slots[j - 1] + 1 && Math.floor(slots[j] / block) === Math.floor(slots[i] / block)) j++;
      out.push({ worker, op: kind === 'anon' ? 'f' : 'd', cpu, a: slots[i], b: j - i });
      i = j;
    }
  }
  return out;
}
