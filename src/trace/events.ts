// Export of a run as Trace Event Format JSON (the format chrome://tracing and ui.perfetto.dev
// load), on the simulated clock. The replayer sends records one at a time and, after each,
// this reads what the core shows and writes what changed:
//   - counter tracks per cgroup (a "process" per cgroup): memory.current and swap in bytes,
//     and the pages its memcg has in each CPU's stock;
//   - on per-CPU tracks (threads of the "CPUs" process): a "reclaim" slice when the record
//     ran try_to_free_mem_cgroup_pages (reclaim takes no simulated time in the model: the
//     slice has zero duration and the number of calls), a "memory.high throttle" slice for
//     the time the charging task slept (the clock's advance during a charge or touch), and a
//     "drain_all_stock" instant;
//   - instants on the cgroup's track for each memory.events.local increment (max, high, low,
//     oom, oom_kill, oom_group_kill), and a global "OOM kill" instant naming the task killed.
// Every value is read from the core after the record (DESIGN rule 1: no kernel rule here);
// the order of events inside one record is fixed (reclaim, drain, events, kills, throttle).

import { closeSync, openSync, writeSync } from 'node:fs';
import type { MemoryEvents, SimStats, System } from '../api/system.js';
import type { ReplayTask } from './replayer.js';
import { OP, RECORD_SIZE } from './trace.js';

export type TraceClock = 'sim' | 'ops';
export type TraceEvent = {
  name: string; ph: 'M' | 'C' | 'X' | 'i'; ts: number; pid: number; tid: number;
  cat?: string; dur?: number; s?: 'g' | 'p' | 't'; args?: Record<string, unknown>;
};

const EVENT_NAMES: (keyof MemoryEvents)[] = ['low', 'high', 'max', 'oom', 'oom_kill', 'oom_group_kill'];
const CPUS_PID = 1;
const CGROUP_PID0 = 10;

/** Streams events to a JSON file: {"traceEvents":[…],"displayTimeUnit":"ms","otherData":{…}}. */
export class TraceEventFile {
  private readonly fd: number;
  private first = true;
  private buf: string[] = [];
  private bytes = 0;
  /** Events written, by ph and name (for the CLI's summary and the tests). */
  readonly counts = new Map<string, number>();
  runs = 0;
  /** Whether the simulated clock advanced in any run (else every event is at ts 0 with --trace-clock sim). */
  clockMoved = false;

  constructor(readonly file: string, readonly clock: TraceClock = 'sim') {
    this.fd = openSync(file, 'w');
    writeSync(this.fd, '{"traceEvents":[\n');
  }

  emit(e: TraceEvent): void {
    const s = `${this.first ? '' : ',\n'}${JSON.stringify(e)}`;
    this.first = false;
    this.buf.push(s);
    this.bytes += s.length;
    const k = `${e.ph} ${e.name}`;
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    if (this.bytes > 1 << 20) this.drain();
  }

  private drain(): void {
    if (this.buf.length) writeSync(this.fd, this.buf.join(''));
    this.buf = [];
    this.bytes = 0;
  }

  close(other: Record<string, unknown> = {}): void {
    this.drain();
    writeSync(this.fd, `\n],"displayTimeUnit":"ms","otherData":${JSON.stringify({ generator: 'memcg-sim', clock: this.clock, ...other })}}\n`);
    closeSync(this.fd);
  }

  /** A recorder for one run: its tracks get pids from this file (runs side by side, labelled by variant). */
  recorder(sys: System, paths: string[], tasks: ReplayTask[], label: string | null): TraceRecorder {
    return new TraceRecorder(this, sys, paths, tasks, label, 1000 * this.runs++);
  }
}

/** Follows one run record by record (Replayer hooks) and emits its trace events. */
export class TraceRecorder {
  private readonly cgroups: { path: string; pid: number; current: number; swap: number; stock: number[]; events: MemoryEvents }[];
  private sim: SimStats;
  private killed: boolean[];
  private t0: number;
  private records = 0;
  private readonly v1: boolean;

  constructor(
    private readonly out: TraceEventFile, private readonly sys: System, private readonly paths: string[], private readonly tasks: ReplayTask[],
    label: string | null, private readonly pidBase: number,
  ) {
    this.v1 = sys.cgroupVersion === 1;
    const prefix = label === null ? '' : `${label}: `;
    const meta = (pid: number, name: string, sort: number, tid?: number, thread?: string) => {
      out.emit({ name: 'process_name', ph: 'M', ts: 0, pid, tid: 0, args: { name } });
      out.emit({ name: 'process_sort_index', ph: 'M', ts: 0, pid, tid: 0, args: { sort_index: sort } });
      if (tid !== undefined) out.emit({ name: 'thread_name', ph: 'M', ts: 0, pid, tid, args: { name: thread } });
    };
    meta(pidBase + CPUS_PID, `${prefix}CPUs`, pidBase);
    for (let c = 0; c < sys.cpus; c++) out.emit({ name: 'thread_name', ph: 'M', ts: 0, pid: pidBase + CPUS_PID, tid: c + 1, args: { name: `CPU ${c}` } });
    this.cgroups = paths.filter((p) => p !== '').map((path, i) => {
      meta(pidBase + CGROUP_PID0 + i, `${prefix}${path}`, pidBase + 1 + i);
      return { path, pid: pidBase + CGROUP_PID0 + i, current: -1, swap: -1, stock: new Array<number>(sys.cpus).fill(-1), events: sys.events(path, { local: true }) };
    });
    this.sim = sys.simStats();
    this.killed = tasks.map((t) => sys.task(t.id).killed);
    this.t0 = this.now();
    this.sample(this.t0);
  }

  /** Trace time in µs: the simulated clock, or one µs per record (--trace-clock ops). */
  private now(): number {
    return this.out.clock === 'ops' ? this.records : Math.round(this.sys.now() * 1000);
  }

  /** ReplayHooks.onRecords of a Replayer made with perRecord. */
  onRecords(recs: Uint8Array, res: Int32Array): void {
    for (let i = 0; i < res.length; i++) {
      const o = i * RECORD_SIZE;
      const code = recs[o];
      const cpu = recs[o + 4] | (recs[o + 5] << 8);
      const task = recs[o + 6] | (recs[o + 7] << 8); // core task id + 1, 0 = none
      this.record(code, cpu, task);
    }
  }

  /** After one record ran on cpu: what changed, at the time it started (t0) and ended. */
  private record(code: number, cpu: number, task: number): void {
    const { out, sys, pidBase } = this;
    const t0 = this.t0;
    this.records++;
    const t1 = this.now();
    if (this.out.clock === 'sim' && t1 !== t0) this.out.clockMoved = true;
    const tid = cpu + 1;
    const cpus = pidBase + CPUS_PID;
    const sim = sys.simStats();
    const taskName = task ? this.tasks.find((t) => t.id === task - 1)?.name : undefined;
    const who = taskName === undefined ? {} : { task: taskName };
    if (sim.reclaimCalls > this.sim.reclaimCalls) {
      out.emit({ name: 'reclaim', cat: 'reclaim', ph: 'X', ts: t0, dur: 0, pid: cpus, tid, args: { calls: sim.reclaimCalls - this.sim.reclaimCalls, ...who } });
    }
    if (sim.drainAll > this.sim.drainAll) {
      out.emit({ name: 'drain_all_stock', cat: 'stock', ph: 'i', s: 't', ts: t0, pid: cpus, tid, args: { calls: sim.drainAll - this.sim.drainAll } });
    }
    this.sim = sim;
    for (const g of this.cgroups) {
      const ev = sys.events(g.path, { local: true });
      for (const k of EVENT_NAMES) {
        if (ev[k] > g.events[k]) out.emit({ name: k, cat: 'memory.events', ph: 'i', s: 'p', ts: t0, pid: g.pid, tid: 0, args: { count: ev[k] - g.events[k], cpu } });
      }
      g.events = ev;
    }
    this.tasks.forEach((t, i) => {
      if (this.killed[i]) return;
      if (!sys.task(t.id).killed) return;
      this.killed[i] = true;
      const cgroup = this.paths[t.cgroup];
      out.emit({ name: 'OOM kill', cat: 'oom', ph: 'i', s: 'g', ts: t0, pid: cpus, tid, args: { victim: t.name, cgroup, ...who } });
    });
    // The clock moves during a charge or a touch only when the task sleeps in memory.high throttling.
    if (code !== OP.WAIT && this.out.clock === 'sim' && t1 > t0) {
      out.emit({ name: 'memory.high throttle', cat: 'throttle', ph: 'X', ts: t0, dur: t1 - t0, pid: cpus, tid, args: { ms: (t1 - t0) / 1000, ...who } });
    }
    this.sample(t1);
    this.t0 = t1;
  }

  /** Counter values that changed, at ts. */
  private sample(ts: number): void {
    const { out, sys } = this;
    const stock = new Map<string, number[]>();
    for (let c = 0; c < sys.cpus; c++) {
      for (const e of sys.stock(c)) {
        let a = stock.get(e.cgroup);
        if (!a) stock.set(e.cgroup, (a = new Array<number>(sys.cpus).fill(0)));
        a[c] += e.nrPages;
      }
    }
    for (const g of this.cgroups) {
      const current = sys.counter(g.path).usage * 4096;
      if (current !== g.current) {
        out.emit({ name: this.v1 ? 'memory.usage_in_bytes' : 'memory.current', ph: 'C', ts, pid: g.pid, tid: 0, args: { bytes: current } });
        g.current = current;
      }
      const swap = this.v1 ? (sys.memswAccount ? sys.counter(g.path, 'memsw').usage * 4096 : 0) : sys.counter(g.path, 'swap').usage * 4096;
      if (swap !== g.swap) {
        out.emit({ name: this.v1 ? 'memory.memsw.usage_in_bytes' : 'memory.swap.current', ph: 'C', ts, pid: g.pid, tid: 0, args: { bytes: swap } });
        g.swap = swap;
      }
      const pages = stock.get(g.path) ?? new Array<number>(sys.cpus).fill(0);
      if (pages.some((p, c) => p !== g.stock[c])) {
        out.emit({ name: 'stock pages', ph: 'C', ts, pid: g.pid, tid: 0, args: Object.fromEntries(pages.map((p, c) => [`CPU ${c}`, p])) });
        g.stock = pages;
      }
    }
  }
}
