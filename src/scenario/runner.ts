// Running scenarios and traces: build the system a scenario describes (once per variant),
// drive its workload — or a trace — through the Replayer, take reads, samples and
// expectations on the way, and collect the summary.

import { renameSync, unlinkSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { limitFile } from '../cgroupfs/cgroupfs.js';
import { errnoName, MemcgError } from '../core/errors.js';
import { PAGE_SIZE } from '../cgroupfs/memparse.js';
import { openTrace, Replayer, zeroCounters, type ReplayCounters } from '../trace/replayer.js';
import type { TraceEventFile, TraceRecorder } from '../trace/events.js';
import type { Expectation, FileStep, Scenario, Step, SystemSpec, TaskKey, WriteStep } from './scenario.js';
import {
  cgroupSummaries, sampleColumns, stockHitRate, taskSummaries, type ExpectResult, type RunResult, type RunSummary, type Sample,
} from '../report/summary.js';
import type { SimStats, System, TaskInfo } from '../api/system.js';
import { createSystem } from '../api/create.js';
import { feedRecords, traceChunks, TraceWriter, type RecordSink, type TraceTask } from '../trace/trace.js';
import { BUDGET } from './budget.js';
import { InputError, jsonPath, type Issue } from './validate.js';
import type { WasmBuild } from '../api/system.js';
import { taskTable, Workload } from './workload.js';

/** Progress of a run (the CLI's progress bar). */
export type Progress = { start(label: string, total: number): void; update(done: number): void; end(): void };
export type RunOptions = {
  variant?: string;
  progress?: Progress;
  build?: WasmBuild;
  /**
   * Called with each run's system when the run is over (to read more than the summary). The
   * system is disposed (System.dispose) when onFinish returns, unless keepSystems is set.
   */
  onFinish?: (sys: System, variant: string | null) => void;
  /** Leave each run's system undisposed after onFinish (the caller disposes it, or the GC takes it). */
  keepSystems?: boolean;
  /** Each sample as it is taken; then the result holds none (a run's memory does not grow with its length). */
  onSample?: (variant: string | null, sample: Sample) => void;
  /** A run begins (before its first sample) and ends: for writers that stream the result. */
  onRunStart?: (head: Pick<RunSummary, 'variant' | 'system'>) => void;
  onRunEnd?: (run: RunSummary) => void;
  /** Stop at the next pause (every 65536 records): the run's result so far, marked interrupted. */
  signal?: AbortSignal;
  /** Wall-clock time in the result (elapsedMs); without it the result is the same for the same inputs. */
  timing?: boolean;
  /** Run beyond the budget (budget.ts) of output rows; the scenario must be parsed with allowLarge too. */
  allowLarge?: boolean;
  /**
   * Sample every cgroup's usage, limits, swap and events, and every task's throttled time and
   * state, besides the scenario's own sample files (what an HTML report plots): about 1000
   * times a run (or at the scenario's interval in records, if finer), and at the scenario's
   * interval in ms if it has one.
   */
  sampleAll?: boolean;
  /** Write the run's trace events (Perfetto / chrome://tracing) to this file. */
  traceEvents?: TraceEventFile;
};

/** What a run samples: files, and with tasks the tasks' throttled time and state. */
type Sampling = { every?: number; everyMs?: number; files: string[]; tasks: boolean; path: string };

/** The files sampleAll reads of each cgroup. */
function reportFiles(sys: System, cgroup: string): string[] {
  const f = sys.cgroupVersion === 2
    ? ['memory.current', 'memory.high', 'memory.max', 'memory.swap.current', 'memory.events']
    : ['memory.usage_in_bytes', 'memory.limit_in_bytes', ...(sys.memswAccount ? ['memory.memsw.usage_in_bytes'] : []), 'memory.failcnt', 'memory.oom_control'];
  return f.map((x) => `${cgroup}/${x}`);
}

/** The run's sampling: the scenario's, or with sampleAll every cgroup's and task's too. */
function sampling(sc: Scenario, sys: System, paths: string[], opts: RunOptions, records: () => number): Sampling | undefined {
  if (!opts.sampleAll) return sc.sample && { ...sc.sample, tasks: false };
  const files = [...(sc.sample?.files ?? [])];
  for (const p of paths) if (p !== '') for (const f of reportFiles(sys, p)) if (!files.includes(f)) files.push(f);
  // About 1000 rows (or the scenario's interval in records, if finer), and at the scenario's interval in ms.
  const every = Math.max(1, Math.ceil(records() / 1000));
  return { every: Math.min(every, sc.sample?.every ?? every), everyMs: sc.sample?.everyMs, files, tasks: true, path: sc.sample?.path ?? '(sampleAll)' };
}

/** A run or a recording stopped by RunOptions.signal. */
export class Interrupted extends Error {
  constructor(readonly records: number) {
    super(`interrupted after ${records} records`);
    this.name = 'Interrupted';
  }
}

const later: (f: () => void) => void = (globalThis as { setImmediate?: (f: () => void) => void }).setImmediate ?? ((f) => setTimeout(f, 0));
/** Let the event loop run (a signal handler, stdout draining), then stop if asked to. */
async function pause(opts: RunOptions, records: () => number): Promise<void> {
  if (!opts.signal) return;
  await new Promise<void>((r) => later(r));
  if (opts.signal.aborted) throw new Interrupted(records());
}

/** Run a scenario (each variant, or the one named) and summarise it. */
export async function runScenario(sc: Scenario, opts: RunOptions = {}): Promise<RunResult> {
  return result(sc, await eachMachine(sc, opts, async (sys, run, m) => {
    const seed = m.spec.seed ?? 1;
    const wl = new Workload(sc, sys, seed);
    let n: number | undefined;
    const records = () => (n ??= countRecords(sc, sys, seed));
    opts.progress?.start(m.variant ?? sc.name, opts.progress ? records() : 0);
    run.start(sc.paths, taskTable(sc), sampling(sc, sys, sc.paths, opts, records));
    for (const ph of sc.phases) {
      run.beginPhase(ph.name, ph.path);
      for (let r = 0; r < ph.repeat; r++) {
        for (const s of ph.steps) for (const _ of run.step(s, wl)) await pause(opts, () => run.records);
      }
      run.endPhase();
    }
  }), opts);
}

/** Replay a trace on the system(s) of a scenario (its workload is not used) and summarise it. */
export async function runTrace(file: string, sc: Scenario, opts: RunOptions = {}): Promise<RunResult> {
  const runs = await eachMachine(sc, opts, async (sys, run, m) => {
    const info = openTrace(sys, file);
    opts.progress?.start(m.variant ?? file, info.records);
    const replayer = run.start(info.paths, info.tasks, sampling(sc, sys, info.paths, opts, () => info.records));
    run.beginPhase('trace', file);
    for (const [buf] of traceChunks(file, info)) {
      feedRecords(buf, replayer);
      await pause(opts, () => run.records);
    }
    run.endPhase();
  });
  return result({ ...sc, name: `${file} on ${sc.name}`, description: '' }, runs, opts);
}

/** Drive one run per system of the scenario (prepared first) and collect the summaries; an interrupt ends the run it hits and the rest. */
async function eachMachine(sc: Scenario, opts: RunOptions, drive: (sys: System, run: Run, m: Machine) => Promise<void>): Promise<RunSummary[]> {
  const runs: RunSummary[] = [];
  for (const m of machines(sc, opts.variant)) {
    const sys = await prepareSystem(sc, m.spec, opts.build);
    let interrupted = false;
    try {
      const run = new Run(sys, sc, m.variant, m.spec, opts);
      try {
        await drive(sys, run, m);
      } catch (e) {
        if (!(e instanceof Interrupted)) throw e;
        interrupted = true;
      }
      const summary = run.finish(interrupted);
      runs.push(summary);
      opts.onRunEnd?.(summary);
      opts.onFinish?.(sys, m.variant);
    } finally {
      // its memory to the next system's createSystem (no full GC per system)
      if (!opts.keepSystems) sys.dispose();
    }
    if (interrupted) break;
  }
  return runs;
}

/**
 * Write the records of a scenario's workload (generators expanded) to a trace file: to a
 * temporary name beside it, renamed at the end, so an interrupted or failed recording leaves
 * no file that looks complete.
 */
export async function recordTrace(
  sc: Scenario, file: string, build?: WasmBuild, opts: Pick<RunOptions, 'signal' | 'progress'> = {},
): Promise<{ records: number; bytes: number; cgroups: number; tasks: number }> {
  const v = sc.system.cgroupVersion ?? 2;
  const fileWrites = steps(sc).filter((s): s is WriteStep => s.kind === 'write' && !limitFile(v, s.name));
  const fileOps = steps(sc).filter((s) => s.kind === 'file-op');
  if (fileWrites.length || fileOps.length) {
    throw new InputError(sc.name, [
      ...fileWrites.map((s) => ({
        path: s.path, message: `a write of ${s.name} cannot be recorded: op records carry only the limit files (memory.max, .high, .low, .min and the swap/memsw limits)`,
      })),
      ...fileOps.map((s) => ({ path: s.path, message: 'a file, mlock or swapoff step cannot be recorded: op records carry only charges, frees, accesses, waits and limit writes' })),
    ]);
  }
  const sys = await prepareSystem(sc, sc.system, build);
  const tmp = `${file}.${process.pid}.tmp`;
  const w = new TraceWriter(tmp, sc.paths, taskTable(sc));
  const wl = new Workload(sc, sys, sc.system.seed ?? 1);
  const seed = sc.system.seed ?? 1;
  opts.progress?.start(file, opts.progress ? countRecords(sc, sys, seed) : 0);
  let bytes: number;
  try {
    for (const ph of sc.phases) {
      for (let r = 0; r < ph.repeat; r++) {
        for (const s of ph.steps) {
          if (s.kind === 'write') Workload.write(sys, s, sc.paths[s.cgroup], w);
          else if (s.kind !== 'read' && s.kind !== 'expect' && s.kind !== 'file-op') {
            for (const _ of wl.emit(s, w)) {
              opts.progress?.update(w.records);
              await pause(opts, () => w.records);
            }
          }
        }
      }
    }
    bytes = w.close();
    renameSync(tmp, file);
  } catch (e) {
    w.abandon();
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw e;
  } finally {
    opts.progress?.end();
    sys.dispose();
  }
  return { records: w.records, bytes, cgroups: sc.paths.length, tasks: sc.tasks.size };
}

/**
 * Create a scenario's system and cgroup tree (settings written through the files, in order),
 * then check every file, statistic and limit write the scenario names: InputError lists every
 * problem with its JSON path, before the workload runs.
 */
export async function prepareSystem(sc: Scenario, spec: SystemSpec, build?: WasmBuild): Promise<System> {
  const sys = await systemOf(spec, build);
  const issues: Issue[] = [];
  const guard = (path: string, f: () => unknown) => {
    try {
      f();
    } catch (e) {
      if (!(e instanceof MemcgError)) throw e;
      issues.push({ path, message: e.message });
    }
  };
  for (const g of sc.cgroups) {
    guard(g.path, () => sys.mkdir(g.cgroup));
    if (sys.list().includes(g.cgroup)) for (const s of g.settings) guard(s.path, () => sys.write(`${g.cgroup}/${s.file}`, s.value));
  }
  if (issues.length) {
    sys.dispose();
    throw new InputError(sc.name, issues);
  }
  const hasFile = (path: string, file: string) => {
    const slash = file.lastIndexOf('/');
    if (!sys.ls(slash < 0 ? '' : file.slice(0, slash)).includes(file.slice(slash + 1))) {
      issues.push({ path, message: `no file ${file} in cgroup v${sys.cgroupVersion}` });
    }
  };
  const sims = Object.keys(sys.simStats());
  const expectation = (e: Expectation) => {
    if (e.read) hasFile(jsonPath(e.path, 'read'), e.read);
    if (e.sim !== undefined && !sims.includes(e.sim)) issues.push({ path: jsonPath(e.path, 'sim'), message: `no emulator statistic "${e.sim}" (known: ${sims.join(', ')})` });
  };
  sc.expect.forEach(expectation);
  sc.sample?.files.forEach((f, i) => hasFile(jsonPath(jsonPath(sc.sample!.path, 'files'), i), f));
  for (const s of steps(sc)) {
    if (s.kind === 'read') hasFile(s.path, s.file);
    if (s.kind === 'expect') expectation(s.expect);
    if (s.kind === 'write') {
      hasFile(jsonPath(s.path, 'file'), s.file);
      if (limitFile(sys.cgroupVersion, s.name)) guard(s.path, () => Workload.writeRecord(sys, s, sc.paths[s.cgroup]));
    }
  }
  if (issues.length) {
    sys.dispose();
    throw new InputError(sc.name, issues);
  }
  return sys;
}

/** The bare system of a spec (no cgroups). */
export function systemOf(spec: SystemSpec, build?: WasmBuild): Promise<System> {
  const { ramPages: _ram, swapPages, ...options } = spec;
  return createSystem({ ...options, swap: swapPages === undefined ? undefined : swapPages * PAGE_SIZE, build });
}

/** How many records a run of the workload replays (a dry expansion, for the progress bar). */
function countRecords(sc: Scenario, sys: System, seed: number): number {
  let n = 0;
  const counter: RecordSink = { op: () => void n++ };
  const wl = new Workload(sc, sys, seed);
  for (const ph of sc.phases) {
    for (let r = 0; r < ph.repeat; r++) {
      for (const s of ph.steps) {
        if (s.kind === 'write') n += limitFile(sys.cgroupVersion, s.name) ? 1 : 0;
        else if (s.kind !== 'read' && s.kind !== 'expect' && s.kind !== 'file-op') wl.emitAll(s, counter);
      }
    }
  }
  return n;
}
function steps(sc: Scenario): Step[] {
  return sc.phases.flatMap((ph) => ph.steps);
}

/** The systems to run: the scenario's own, each variant, or the variant named. */
type Machine = { variant: string | null; spec: SystemSpec };
export function machines(sc: Scenario, only?: string): Machine[] {
  const all: Machine[] = sc.variants.map((v) => ({ variant: v.name, spec: v.system }));
  if (only === undefined) return all.length ? all : [{ variant: null, spec: sc.system }];
  const one = all.filter((m) => m.variant === only);
  if (!one.length) throw new InputError(sc.name, [{ path: 'variants', message: `no variant "${only}" (${all.length ? `known: ${all.map((m) => m.variant).join(', ')}` : 'the scenario has none'})` }]);
  return one;
}

/** The result, its keys in the order the streamed JSON writes them (report/json.ts). */
function result(sc: Scenario, runs: RunSummary[], opts: RunOptions): RunResult {
  const interrupted = runs.some((r) => r.interrupted);
  return {
    scenario: sc.name, description: sc.description, notes: sc.notes, pageSize: PAGE_SIZE, runs,
    ok: !interrupted && runs.every((r) => r.expectations.every((e) => e.ok)),
    ...(interrupted || opts.signal ? { interrupted } : {}),
  };
}

/** One run on one system: the replayer and what is collected on the way. */
class Run {
  private replayer!: Replayer;
  private sampled?: Sampling;
  private readonly t0 = performance.now();
  private phase = { name: '', path: '', counters: zeroCounters(), sim: {} as SimStats };
  private readonly out: Pick<RunSummary, 'phases' | 'reads' | 'samples' | 'warnings' | 'expectations'> = {
    phases: [], reads: [], samples: [], warnings: [], expectations: [],
  };

  private readonly progress?: Progress;
  /** Samples, reads and expectation results so far (the output budget). */
  private rows = 0;
  private sampleCount = 0;

  constructor(
    private readonly sys: System, private readonly sc: Scenario, private readonly variant: string | null,
    private readonly spec: SystemSpec, private readonly opts: RunOptions = {},
  ) {
    this.progress = opts.progress;
  }

  /** Records consumed so far. */
  get records(): number {
    return this.replayer?.counters.ops ?? 0;
  }

  /** One more output row; over the budget (unless allowLarge) the run is refused with where. */
  private row(path: string): void {
    if (++this.rows > BUDGET.rows && !this.opts.allowLarge) {
      throw new InputError(this.sc.name, [{
        path, message: `the run wrote more than the budget of ${BUDGET.rows} sample rows, reads and expectation results ` +
          '(memory.high throttling made simulated time longer than its waits): sample less often, or run with --allow-large (allowLarge)',
      }]);
    }
  }

  /** The replayer for this path and task table (it spawns the tasks); the first sample is taken here. */
  start(paths: string[], tasks: TraceTask[], sampled: Sampling | undefined): Replayer {
    this.opts.onRunStart?.({ variant: this.variant, system: this.systemInfo() });
    this.sampled = sampled;
    const { every, everyMs } = sampled ?? {};
    const events = this.opts.traceEvents;
    let rec: TraceRecorder | undefined;
    this.replayer = new Replayer(this.sys, paths, tasks, {
      every, everyMs, onTick: (_, ms) => this.sample(ms), onFlush: this.progress && ((n) => this.progress!.update(n)),
      ...(events ? { perRecord: true, onRecords: (recs: Uint8Array, res: Int32Array) => rec!.onRecords(recs, res) } : {}),
    });
    if (events) rec = events.recorder(this.sys, paths, this.replayer.tasks, this.variant);
    if (sampled) this.sample(0);
    return this.replayer;
  }

  beginPhase(name: string, path: string): void {
    this.phase = { name, path, counters: structuredClone(this.replayer.counters), sim: this.sys.simStats() };
  }

  endPhase(): void {
    this.replayer.flush();
    const c = this.replayer.counters;
    const b = this.phase.counters;
    const sim = this.sys.simStats();
    for (const k of Object.keys(sim) as (keyof SimStats)[]) sim[k] -= this.phase.sim[k];
    this.out.phases.push({ name: this.phase.name, path: this.phase.path, ...since(c, b), sim });
  }

  /** Run one step; a generator that pauses inside long expansions (see Workload.emit). */
  *step(s: Step, wl: Workload): Generator<void, void, void> {
    const r = this.replayer;
    if (s.kind === 'read') {
      r.flush();
      this.row(s.path);
      this.out.reads.push({ path: s.path, ops: r.counters.ops, file: s.file, content: this.sys.read(s.file) });
    } else if (s.kind === 'expect') {
      r.flush();
      if (s.expect.variant === undefined || s.expect.variant === this.variant) {
        this.row(s.path);
        this.out.expectations.push(this.check(s.expect));
      }
    } else if (s.kind === 'write') {
      r.flush();
      if (limitFile(this.sys.cgroupVersion, s.name)) {
        Workload.write(this.sys, s, this.sc.paths[s.cgroup], r);
        r.flush();
        if (r.lastResult < 0) this.warn(s, errnoName(r.lastResult));
      } else {
        try {
          this.sys.write(s.file, s.value, { cpu: s.cpu });
        } catch (e) {
          if (!(e instanceof MemcgError)) throw e;
          this.warn(s, e.message);
        }
      }
    } else if (s.kind === 'file-op') {
      r.flush();
      try {
        this.fileOp(s);
      } catch (e) {
        if (!(e instanceof MemcgError)) throw e;
        this.warn(s, e.message);
      }
    } else yield* wl.emit(s, r);
  }

  /** File name → its id (create-file, mmap-shared). */
  private readonly files = new Map<string, number>();
  /** A file, mapping, mlock or swapoff step through the System API (FileStep). */
  private fileOp(s: FileStep): void {
    const sys = this.sys;
    const task = s.target?.task === undefined ? undefined : this.replayer.tasks.find((x) => x.name === s.target!.task)!.id;
    const ctx = task !== undefined ? { task, cpu: s.cpu } : { cgroup: this.sc.paths[s.target?.cgroup ?? 0], cpu: s.cpu };
    const f = s.file === undefined ? -1 : this.files.get(s.file) ?? -1;
    if (s.file !== undefined && f < 0 && s.op !== 'create-file' && s.op !== 'mmap-shared') {
      throw new MemcgError('EBADF', `no file "${s.file}": its create-file or mmap-shared step failed`);
    }
    const a = s.args;
    switch (s.op) {
      case 'create-file':
        this.files.set(s.file!, sys.createFile({ kind: a.kind, size: a.size, maxOrder: a.maxOrder, readAheadKb: a.readAheadKb, ioKb: a.ioKb }, ctx));
        break;
      case 'mmap-shared':
        this.files.set(s.file!, sys.mmapShared({ task: task!, cpu: s.cpu, length: a.length! }));
        break;
      case 'read-file':
        sys.readFile(f, { ...ctx, offset: a.offset, length: a.length, chunk: a.chunk });
        break;
      case 'write-file':
        sys.writeFile(f, { ...ctx, offset: a.offset, length: a.length! });
        break;
      case 'truncate-file':
        sys.truncateFile(f, a.size!, s.cpu);
        break;
      case 'unlink-file':
        sys.unlinkFile(f, s.cpu);
        break;
      case 'mlock':
        sys.mlockPopulate(task!, a.length!, { cpu: s.cpu });
        break;
      case 'swapoff':
        sys.swapoff(s.cpu);
        break;
    }
  }

  private warn(s: WriteStep | FileStep, why: string): void {
    const what = s.kind === 'write' ? `write "${s.value}" to ${s.file}` : `${s.op}${s.file === undefined ? '' : ` ${s.file}`}`;
    this.out.warnings.push({ path: s.path, message: `${what}: ${why}` });
  }

  /** Read the sampled files at simulated time ms. */
  private sample(ms: number): void {
    this.row(this.sampled!.path);
    const values: Record<string, string> = {};
    for (const f of this.sampled!.files) for (const [k, v] of sampleColumns(f, this.sys.read(f))) values[k] = v;
    if (this.sampled!.tasks) {
      for (const t of this.replayer.tasks) {
        const info = this.sys.task(t.id);
        values[`task:${t.name}:throttledMs`] = String(info.throttledMs);
        values[`task:${t.name}:killed`] = info.killed ? '1' : '0';
      }
    }
    const sample: Sample = { ops: this.replayer.counters.ops, ms, phase: this.phase.name || '(start)', values };
    this.last = { ops: sample.ops, ms };
    this.sampleCount++;
    if (this.opts.onSample) this.opts.onSample(this.variant, sample);
    else this.out.samples.push(sample);
  }
  private last: { ops: number; ms: number } | undefined;

  private check(e: Expectation): ExpectResult {
    return check(this.sys, e, (name) => {
      const t = this.replayer.tasks.find((x) => x.name === name);
      return t && this.sys.task(t.id);
    });
  }

  private systemInfo(): RunSummary['system'] {
    const s = this.sys;
    return { profile: s.profile, cgroupVersion: s.cgroupVersion, nodes: s.nodes, cpus: s.cpus, seed: this.spec.seed ?? 1, topology: s.topology };
  }

  finish(interrupted = false): RunSummary {
    this.replayer.flush();
    this.progress?.end();
    const ops = this.replayer.counters.ops;
    const now = this.sys.now();
    const last = this.last;
    if (this.sampled && (last?.ops !== ops || last.ms !== now)) this.sample(now);
    for (const e of this.sc.expect) {
      if (e.variant === undefined || e.variant === this.variant) this.out.expectations.push(this.check(e));
    }
    const sim = this.sys.simStats();
    const s = this.sys;
    const tasks = taskSummaries(s, this.replayer);
    // Keys in the order the streamed JSON writes them (report/json.ts): what is known at the start, the samples, the rest.
    return {
      variant: this.variant,
      system: this.systemInfo(),
      samples: this.out.samples,
      cost: s.costStats(),
      ops, clockMs: now, ...(this.opts.timing ? { elapsedMs: Math.round(performance.now() - this.t0) } : {}),
      phases: this.out.phases, reads: this.out.reads, warnings: this.out.warnings, expectations: this.out.expectations,
      cgroups: cgroupSummaries(s, this.sc.summaryCgroups, tasks), tasks, sim, stockHitRate: stockHitRate(sim),
      ...(interrupted ? { interrupted: true } : {}),
    };
  }
}

/** The counters counted since b (counts by errno without the zeros). */
function since(a: ReplayCounters, b: ReplayCounters): ReplayCounters {
  const diff = (x: Record<string, number>, y: Record<string, number>) =>
    Object.fromEntries(Object.entries(x).map(([k, n]) => [k, n - (y[k] ?? 0)]).filter(([, n]) => n !== 0));
  const before = b as unknown as Record<string, number | Record<string, number>>;
  return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, typeof v === 'number' ? v - (before[k] as number) : diff(v, before[k] as Record<string, number>)])) as ReplayCounters;
}

/** Evaluate an expectation now; task(name) is a task of the run. */
export function check(sys: System, e: Expectation, task: (name: string) => TaskInfo | undefined): ExpectResult {
  let actual: string;
  let what: string;
  if (e.task !== undefined) {
    what = `task ${e.task} ${e.key}`;
    const t = task(e.task);
    actual = t === undefined ? '(no such task)' : String(t[e.key as TaskKey]);
  } else if (e.read !== undefined) {
    const text = sys.read(e.read);
    what = e.key === undefined ? e.read : `${e.read} ${e.key}`;
    if (e.key === undefined) actual = text.replace(/\n$/, '');
    else {
      const line = text.split('\n').find((l) => l.split(' ')[0] === e.key);
      actual = line === undefined ? '(no such key)' : line.slice(e.key.length + 1);
    }
  } else {
    what = `sim.${e.sim}`;
    actual = String(sys.simStats()[e.sim as keyof SimStats]);
  }
  const num = Number(actual);
  const checks: [string, boolean][] = [];
  if (e.contains !== undefined) checks.push([`contains ${JSON.stringify(e.contains)}`, actual.includes(e.contains)]);
  if (e.equals !== undefined) checks.push([`= ${JSON.stringify(e.equals)}`, typeof e.equals === 'number' ? num === e.equals : actual === String(e.equals)]);
  if (e.matches !== undefined) checks.push([`matches /${e.matches}/`, new RegExp(e.matches, 'm').test(actual)]);
  if (e.atLeast !== undefined) checks.push([`>= ${e.atLeast}`, actual.trim() !== '' && num >= e.atLeast]);
  if (e.atMost !== undefined) checks.push([`<= ${e.atMost}`, actual.trim() !== '' && num <= e.atMost]);
  const shown = actual.length > 80 ? `${actual.slice(0, 80)}…` : actual;
  return { path: e.path, ok: checks.every(([, ok]) => ok), check: `${what} ${checks.map(([c]) => c).join(', ')}`, actual: JSON.stringify(shown) };
}
