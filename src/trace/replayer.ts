// Running trace records on a System in bulk: cgroup indices become cgroup ids, the trace's
// tasks are spawned and its task indices become the core's task ids, folio handles become the
// core's folio ids (from the results of the charges), and records go to the core in chunks
// through System.replayRecords. Scenario runs and trace replays both come here.

import { errnoName, InternalError, MemcgError } from '../core/errors.js';
import { GFP_NAMES } from '../core/gfp.js';
import type { System } from '../api/system.js';
import {
  feedTrace, grow, Handles, OP, OP_MOVE, OP_THP_FAULT, putOpWords, RECORD_SIZE, validateTrace, type Machine, type RecordSink, type TraceInfo, type TraceTask,
} from './trace.js';

export type ReplayCounters = {
  /** Records consumed (skipped ones included). */
  ops: number;
  /** Socket-memory charges and uncharges run, and the charges refused. */
  sockOps: number;
  sockRefused: number;
  /** Charges run, and the failed ones by errno (EINTR: the OOM killer chose the faulting task). */
  charges: number;
  failed: Record<string, number>;
  /** Folios uncharged, and uncharges and touches skipped because their charge had failed. */
  uncharged: number;
  skipped: number;
  /** Uncharges and touches of folios the kernel had freed already (page cache reclaimed, an OOM victim's). */
  lost: number;
  /** Touches run (young bit, folio_mark_accessed, swap-in), and the failed ones by errno. */
  touches: number;
  touchFailed: Record<string, number>;
  /** Charges and moves of tasks the OOM killer had killed: not run. */
  dead: number;
  /** Limit writes, and the failed ones by errno. */
  writes: number;
  writeFailed: Record<string, number>;
};

export type ReplayHooks = {
  /** After each chunk sent to the core, with the records consumed so far. */
  onFlush?: (records: number) => void;
  /**
   * onTick every `every` records (after flushing them), or at every `everyMs` of simulated
   * time: then records go to the core one by one, the clock is read after each, and a wait is
   * cut at each tick, so a tick sees the state at its time (a task throttled across several
   * ticks gives one each: nothing changes while it sleeps).
   */
  every?: number;
  everyMs?: number;
  onTick?: (records: number, ms: number) => void;
  /** Send records to the core one at a time (a trace-event recorder looks at the state after each). */
  perRecord?: boolean;
  /** After each chunk, its records and the core's result of each. */
  onRecords?: (records: Uint8Array, results: Int32Array) => void;
};

/** A task of the trace's table as replayed. */
export type ReplayTask = {
  name: string;
  /** The core's task id. */
  id: number;
  /** The cgroup (index into the path table) it was spawned in or last moved to. */
  cgroup: number;
  /** Its charges and moves after the OOM killer killed it (not run). */
  dead: number;
};

const REC_UNCHARGE = -1;
const REC_WRITE = -2;
const REC_CLOSE = -3; // closes an uncharge list whose last folio was never charged
const REC_TOUCH = -4;
const REC_WAIT = -5;
const REC_SOCK = -6;
const NO_FOLIO = 0xffffffff; // an id the core never charged: the gather is flushed, -EINVAL
const FOLIO_FILE = 1;
const ESRCH = -3;

/** Counters at zero. */
export function zeroCounters(): ReplayCounters {
  return { ops: 0, sockOps: 0, sockRefused: 0, charges: 0, failed: {}, uncharged: 0, skipped: 0, lost: 0, touches: 0, touchFailed: {}, dead: 0, writes: 0, writeFailed: {} };
}

/** The machine traces are checked against: a system's CPUs, nodes and gfp bits. */
export function machineOf(sys: System): Machine {
  return { cpus: sys.cpus, nodes: sys.nodes, gfpBits: GFP_NAMES.reduce((m, n) => m | sys.k(n), 0) };
}

const FAILED = -1; // handle → folio: the charge failed
const LOST = -2; // handle → folio: the kernel freed the folio on its own

/**
 * A RecordSink that runs trace records on a System. A handle's folio id is known once its
 * charge has run, so an uncharge or touch whose charge is in the pending chunk cuts the chunk
 * there. The kernel frees folios on its own too (reclaim drops page cache, the OOM killer
 * frees its victims' pages): once a page cache folio or a task's folio has been charged, an
 * uncharge or touch also cuts a chunk holding an op that can free folios, so the charges that
 * may reuse a freed folio id have run, and a charge given the id of a folio some handle still
 * names tells that the handle's folio is gone. A page in swap keeps its folio id: it is still
 * the task's, its uncharge frees the swap entry and a touch swaps it in.
 */
export class Replayer implements RecordSink {
  readonly counters = zeroCounters();
  readonly tasks: ReplayTask[];
  /** The core's result of the last record sent. */
  lastResult = 0;
  private readonly memcg: Int32Array; // trace cgroup index → cgroup id (the core finds its memcg)
  private readonly handles = new Handles();
  // The tables start at 64 bytes (on V8's heap: an ArrayBuffer's backing store is slow to
  // allocate after a system's creation) and grow with the handles and folio ids.
  private folio = new Int32Array(16).fill(FAILED); // handle → core folio id (or FAILED, LOST)
  private chargedIn = new Int32Array(16); // handle → the chunk its charge is in
  private owner = new Int32Array(16).fill(-1); // core folio id → the handle charged with it
  private chunkNo = 1;
  private mayFree = false; // a folio the kernel may free by itself exists
  private chunkMayFree = false; // the pending chunk holds an op that can free folios (charge, touch, limit write)
  private readonly buf: Uint8Array;
  private readonly words: Uint32Array; // buf as u32s
  private readonly tags: Int32Array; // per record of the chunk: its handle (a charge) or REC_*
  private readonly recTask: Int32Array; // per record of the chunk: the trace task charging, or -1
  private n = 0;
  private nextTick: number;
  private nextMs: number;

  constructor(
    private readonly sys: System, readonly paths: string[], tasks: TraceTask[] = [],
    private readonly hooks: ReplayHooks = {}, private readonly chunk = hooks.everyMs || hooks.perRecord ? 1 : 4096,
  ) {
    for (const [name, code] of Object.entries(OP)) {
      if (sys.k(`OP_${name}`) !== code) throw new InternalError(`core OP_${name} is ${sys.k(`OP_${name}`)}, traces say ${code}`);
    }
    if (sys.k('OP_THP_FAULT') !== OP_THP_FAULT) throw new InternalError(`core OP_THP_FAULT is ${sys.k('OP_THP_FAULT')}, traces say ${OP_THP_FAULT}`);
    this.memcg = Int32Array.from(paths, (p) => sys.id(p));
    this.tasks = tasks.map((t) => ({ name: t.name, id: sys.spawn(paths[t.cgroup], { oomScoreAdj: t.oomScoreAdj }), cgroup: t.cgroup, dead: 0 }));
    const mem = new ArrayBuffer(chunk * (RECORD_SIZE + 8)); // one backing store for the chunk's records, tags and tasks
    this.buf = new Uint8Array(mem, 0, chunk * RECORD_SIZE);
    this.words = new Uint32Array(mem, 0, chunk * (RECORD_SIZE >> 2));
    this.tags = new Int32Array(mem, chunk * RECORD_SIZE, chunk);
    this.recTask = new Int32Array(mem, chunk * (RECORD_SIZE + 4), chunk);
    this.nextTick = hooks.every ?? Infinity;
    this.nextMs = hooks.everyMs ?? Infinity;
  }

  op(code: number, a: number, kind: number, node: number, cpu: number, task: number, id: number, arg: number): void {
    this.counters.ops++; // a tick while the record runs counts it
    let tag: number;
    let t = -1;
    if (code === OP.CHARGE) {
      tag = this.handles.alloc();
      if (tag >= this.folio.length) {
        this.folio = grow(this.folio, tag + 1);
        this.folio.fill(FAILED, this.chargedIn.length);
        this.chargedIn = grow(this.chargedIn, tag + 1);
      }
      this.chargedIn[tag] = this.chunkNo;
      if (kind === FOLIO_FILE || task !== 0) this.mayFree = true;
      this.chunkMayFree = true;
      if (task !== 0) {
        t = task - 1;
        task = this.tasks[t].id + 1;
      } else id = this.memcg[id];
    } else if (code === OP.UNCHARGE || code === OP.UNCHARGE_LIST || code === OP.TOUCH) {
      if (this.chargedIn[id] === this.chunkNo || (this.mayFree && this.chunkMayFree)) this.flush();
      const f = this.folio[id];
      if (code !== OP.TOUCH) {
        this.folio[id] = FAILED;
        this.handles.release(id);
      }
      if (f >= 0) {
        id = f;
        tag = code === OP.TOUCH ? REC_TOUCH : REC_UNCHARGE;
        if (code === OP.TOUCH) this.chunkMayFree = true; // a swap-in charges
      } else {
        if (f === LOST) this.counters.lost++;
        else this.counters.skipped++;
        if (code !== OP.UNCHARGE_LIST || a === 0) return this.ticked();
        id = NO_FOLIO;
        tag = REC_CLOSE;
      }
    } else if (code === OP.WAIT) {
      if (this.hooks.everyMs) {
        this.waitSampled(arg);
        return this.ticked();
      }
      tag = REC_WAIT;
    } else if (code === OP_MOVE) {
      this.move(task - 1, id);
      return this.ticked();
    } else if (code === OP.SK_CHARGE || code === OP.SK_UNCHARGE) {
      id = this.memcg[id];
      tag = REC_SOCK;
    } else {
      this.chunkMayFree = true;
      id = this.memcg[id];
      tag = REC_WRITE;
    }
    this.put(code, a, kind, node, cpu, task, id, arg, tag, t);
    this.ticked();
  }

  private put(code: number, a: number, kind: number, node: number, cpu: number, task: number, id: number, arg: number, tag: number, t: number): void {
    putOpWords(this.words, this.n << 2, code, a, kind, node, cpu, task, id, arg);
    this.recTask[this.n] = t;
    this.tags[this.n++] = tag;
    if (this.n === this.chunk) this.flush();
  }

  /** The record is done: the tick every N records. */
  private ticked(): void {
    if (this.counters.ops === this.nextTick) {
      this.flush();
      this.nextTick += this.hooks.every!;
      this.hooks.onTick?.(this.counters.ops, this.sys.now());
    }
  }

  /** A wait cut at each tick time (everyMs; records go one by one). */
  private waitSampled(us: number): void {
    for (let left = us; left > 0;) {
      const step = Math.min(left, Math.max(1, Math.ceil((this.nextMs - this.sys.now()) * 1000)));
      this.put(OP.WAIT, 0, 0, 0, 0, 0, 0, step, REC_WAIT, -1);
      left -= step;
    }
  }

  /** cgroup_migrate of trace task t to paths[cgroup], between chunks; a killed task stays dead. */
  private move(t: number, cgroup: number): void {
    this.flush();
    const task = this.tasks[t];
    try {
      this.sys.moveTask(task.id, this.paths[cgroup]);
      task.cgroup = cgroup;
    } catch (e) {
      if (!(e instanceof MemcgError) || e.code !== 'ESRCH') throw e;
      this.counters.dead++;
      task.dead++;
    }
  }

  /** Send the pending records to the core and take their results. */
  flush(): void {
    if (this.n === 0) return;
    const res = this.sys.replayChunkView(this.buf.subarray(0, this.n * RECORD_SIZE));
    this.hooks.onRecords?.(this.buf.subarray(0, this.n * RECORD_SIZE), res.slice()); // a copy: the hook calls the core
    const c = this.counters;
    for (let i = 0; i < this.n; i++) {
      const tag = this.tags[i];
      const r = res[i];
      if (tag >= 0) {
        if (r >= 0) this.charged(tag, r);
        else this.folio[tag] = FAILED;
        if (r === ESRCH && this.recTask[i] >= 0) {
          c.dead++;
          this.tasks[this.recTask[i]].dead++;
          continue;
        }
        c.charges++;
        // A charge's ENOSPC: the emulator's folio table is full (maxFolios), no kernel errno.
        if (r < 0) bump(c.failed, r === -28 ? 'ELIMIT' : errnoName(r));
      } else if (tag === REC_UNCHARGE) {
        if (r < 0) c.lost++; // freed by the kernel in this chunk, its id not given out again
        else c.uncharged++;
      } else if (tag === REC_TOUCH) {
        c.touches++;
        if (r < 0) bump(c.touchFailed, errnoName(r));
      } else if (tag === REC_WRITE) {
        c.writes++;
        if (r < 0) bump(c.writeFailed, errnoName(r));
      } else if (tag === REC_SOCK) {
        c.sockOps++;
        if (r === 0 && this.buf[i * RECORD_SIZE] === OP.SK_CHARGE) c.sockRefused++;
      }
    }
    this.lastResult = res[this.n - 1];
    this.n = 0;
    this.chunkNo++;
    this.chunkMayFree = false;
    this.hooks.onFlush?.(c.ops);
    if (this.nextMs === Infinity) return;
    for (const now = this.sys.now(); now >= this.nextMs; this.nextMs += this.hooks.everyMs!) this.hooks.onTick?.(c.ops, this.nextMs);
  }

  /** The core folio id a charge record's handle names now (after flush), or -1 (failed, freed, lost). */
  folioOf(h: number): number {
    const f = h < this.folio.length ? this.folio[h] : FAILED;
    return f >= 0 ? f : -1;
  }

  /** Handle h now names folio f; a handle still naming f lost its folio to the kernel. */
  private charged(h: number, f: number): void {
    if (f >= this.owner.length) this.owner = grow(this.owner, f + 1).fill(-1, this.owner.length);
    const old = this.owner[f];
    if (old >= 0 && old !== h && this.folio[old] === f) this.folio[old] = LOST;
    this.owner[f] = h;
    this.folio[h] = f;
  }
}

function bump(m: Record<string, number>, k: string): void {
  m[k] = (m[k] ?? 0) + 1;
}

/** mkdir a cgroup and its missing parents. */
export function mkdirP(sys: System, path: string): void {
  const have = new Set(sys.list());
  const parts = path.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const p = parts.slice(0, i).join('/');
    if (p !== '' && !have.has(p)) sys.mkdir(p);
  }
}

/** Validate a trace against a system (no state changes on a TraceError), then mkdir its cgroups. */
export function openTrace(sys: System, file: string): TraceInfo {
  const info = validateTrace(file, machineOf(sys));
  for (const p of info.paths) mkdirP(sys, p);
  return info;
}

/** Replay a trace file on a system: openTrace, spawn its tasks, then stream it through a Replayer. */
export function replayTrace(sys: System, file: string, hooks: ReplayHooks = {}): { info: TraceInfo; counters: ReplayCounters; tasks: ReplayTask[] } {
  const info = openTrace(sys, file);
  const r = new Replayer(sys, info.paths, info.tasks, hooks);
  feedTrace(file, info, r);
  r.flush();
  return { info, counters: r.counters, tasks: r.tasks };
}
