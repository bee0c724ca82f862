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
import type { MemoryEvents, System } from '../api/system.js';
import type { ReplayTask } from './replayer.js';
import { OP, RECORD_SIZE } from './trace.js';
import { oneOf, str } from '../api/check.js';

export type TraceClock = 'sim' | 'ops';
export type TraceEvent = {
  name: string; ph: 'M' | 'C' | 'X' | 'i'; ts: number; pid: number; tid: number;
  cat?: string; dur?: number; s?: 'g' | 'p' | 't'; args?: Record<string, unknown>;
};

const EVENT_NAMES: (keyof MemoryEvents)[] = ['low', 'high', 'max', 'oom', 'oom_kill', 'oom_group_kill'];
const EVENT_CONSTS = ['MEMCG_LOW', 'MEMCG_HIGH', 'MEMCG_MAX', 'MEMCG_OOM', 'MEMCG_OOM_KILL', 'MEMCG_OOM_GROUP_KILL'];
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
    str('a trace event file', file);
    oneOf('clock', clock, ['sim', 'ops']);
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
  private readonly cgroups: { path: string; id: number; pid: number; mem: number; swap: number; current: number; swapBytes: number; stock: number[]; events: number[] }[];
  private reclaim: number;
  private drains: number;
  private killed: boolean[];
  private t0: number;
  private records = 0;
  private readonly v1: boolean;
  // Core readers, bound once: this runs after every record.
  private readonly get: (c: number, f: number) => number;
  private readonly event: (m: number, e: number, local: number) => number;
  private readonly sim: (i: number) => number;
  private readonly slotMemcg: (cpu: number, slot: number) => number;
  private readonly slotPages: (cpu: number, slot: number) => number;
  private readonly taskGet: (t: number, f: number) => number;
  private readonly k: Record<string, number>;
  private readonly slots: number;

  constructor(
    private readonly out: TraceEventFile, private readonly sys: System, private readonly paths: string[], private readonly tasks: ReplayTask[],
    label: string | null, private readonly pidBase: number,
  ) {
    this.v1 = sys.cgroupVersion === 1;
    this.get = sys.fn('counter_get');
    this.event = sys.fn('memcg_event_get');
    this.sim = sys.fn('sim_stat_get');
    this.slotMemcg = sys.fn('stock_slot_memcg');
    this.slotPages = sys.fn('stock_slot_pages');
    this.taskGet = sys.fn('memcg_task_get');
    this.k = Object.fromEntries(['PCF_USAGE', 'SIM_RECLAIM_CALLS', 'SIM_DRAIN_ALL', 'TASK_KILLED', ...EVENT_CONSTS].map((n) => [n, sys.k(n)]));
    this.slots = sys.k('stock_nslots_value');
    const prefix = label === null ? '' : `${label}: `;
    const meta = (pid: number, name: string, sort: number) => {
      out.emit({ name: 'process_name', ph: 'M', ts: 0, pid, tid: 0, args: { name } });
      out.emit({ name: 'process_sort_index', ph: 'M', ts: 0, pid, tid: 0, args: { sort_index: sort } });
    };
    meta(pidBase + CPUS_PID, `${prefix}CPUs`, pidBase);
    for (let c = 0; c < sys.cpus; c++) out.emit({ name: 'thread_name', ph: 'M', ts: 0, pid: pidBase + CPUS_PID, tid: c + 1, args: { name: `CPU ${c}` } });
    const memCounter = sys.fn('memcg_memory_counter');
    const swapCounter = sys.fn('memcg_swap_counter');
    this.cgroups = paths.filter((p) => p !== '').map((path, i) => {
      meta(pidBase + CGROUP_PID0 + i, `${prefix}${path}`, pidBase + 1 + i);
      const id = sys.id(path);
      return {
        path, id, pid: pidBase + CGROUP_PID0 + i, mem: memCounter(id), swap: swapCounter(id), current: -1, swapBytes: -1,
        stock: new Array<number>(sys.cpus).fill(-1), events: this.events(id),
      };
    });
    this.reclaim = this.sim(this.k.SIM_RECLAIM_CALLS);
    this.drains = this.sim(this.k.SIM_DRAIN_ALL);
    this.killed = tasks.map((t) => this.taskGet(t.id, this.k.TASK_KILLED) === 1);
    this.t0 = this.now();
    this.sample(this.t0);
  }

  private events(id: number): number[] {
    return EVENT_CONSTS.map((e) => this.event(id, this.k[e], 1));
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
    const { out, pidBase } = this;
    const t0 = this.t0;
    this.records++;
    const t1 = this.now();
    if (this.out.clock === 'sim' && t1 !== t0) this.out.clockMoved = true;
    const tid = cpu + 1;
    const cpus = pidBase + CPUS_PID;
    const taskName = task ? this.tasks.find((t) => t.id === task - 1)?.name : undefined;
    const who = taskName === undefined ? {} : { task: taskName };
    const reclaim = this.sim(this.k.SIM_RECLAIM_CALLS);
    if (reclaim > this.reclaim) out.emit({ name: 'reclaim', cat: 'reclaim', ph: 'X', ts: t0, dur: 0, pid: cpus, tid, args: { calls: reclaim - this.reclaim, ...who } });
    this.reclaim = reclaim;
    const drains = this.sim(this.k.SIM_DRAIN_ALL);
    if (drains > this.drains) out.emit({ name: 'drain_all_stock', cat: 'stock', ph: 'i', s: 't', ts: t0, pid: cpus, tid, args: { calls: drains - this.drains } });
    this.drains = drains;
    for (const g of this.cgroups) {
      const ev = this.events(g.id);
      ev.forEach((n, j) => {
        if (n > g.events[j]) out.emit({ name: EVENT_NAMES[j], cat: 'memory.events', ph: 'i', s: 'p', ts: t0, pid: g.pid, tid: 0, args: { count: n - g.events[j], cpu } });
      });
      g.events = ev;
    }
    this.tasks.forEach((t, i) => {
      if (this.killed[i] || this.taskGet(t.id, this.k.TASK_KILLED) !== 1) return;
      this.killed[i] = true;
      out.emit({ name: 'OOM kill', cat: 'oom', ph: 'i', s: 'g', ts: t0, pid: cpus, tid, args: { victim: t.name, cgroup: this.paths[t.cgroup], ...who } });
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
    const stock = new Map<number, number[]>();
    for (let c = 0; c < sys.cpus; c++) {
      for (let s = 0; s < this.slots; s++) {
        const m = this.slotMemcg(c, s);
        if (m < 0) continue;
        let a = stock.get(m);
        if (!a) stock.set(m, (a = new Array<number>(sys.cpus).fill(0)));
        a[c] += this.slotPages(c, s);
      }
    }
    const usage = this.k.PCF_USAGE;
    for (const g of this.cgroups) {
      const current = this.get(g.mem, usage) * 4096;
      if (current !== g.current) {
        out.emit({ name: this.v1 ? 'memory.usage_in_bytes' : 'memory.current', ph: 'C', ts, pid: g.pid, tid: 0, args: { bytes: current } });
        g.current = current;
      }
      // v2: the swap counter; v1: memsw (memory + swap), when accounted.
      const swap = this.v1 && !sys.memswAccount ? 0 : this.get(g.swap, usage) * 4096;
      if (swap !== g.swapBytes) {
        out.emit({ name: this.v1 ? 'memory.memsw.usage_in_bytes' : 'memory.swap.current', ph: 'C', ts, pid: g.pid, tid: 0, args: { bytes: swap } });
        g.swapBytes = swap;
      }
      const pages = stock.get(g.id) ?? new Array<number>(sys.cpus).fill(0);
      if (pages.some((p, c) => p !== g.stock[c])) {
        out.emit({ name: 'stock pages', ph: 'C', ts, pid: g.pid, tid: 0, args: Object.fromEntries(pages.map((p, c) => [`CPU ${c}`, p])) });
        g.stock = pages;
      }
    }
  }
}
