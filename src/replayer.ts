// Running trace records on a System in bulk: cgroup indices become memcg ids, folio handles
// become the core's folio ids (from the results of the charges), and records go to the core
// in chunks through System.replayRecords. Scenario runs and trace replays both come here.

import { errnoName, InternalError } from './errors.js';
import { GFP_NAMES } from './gfp.js';
import type { System } from './system.js';
import { feedTrace, grow, Handles, OP, putOp, RECORD_SIZE, validateTrace, type Machine, type RecordSink, type TraceInfo } from './trace.js';

export type ReplayCounters = {
  /** Records consumed (skipped uncharges included). */
  ops: number;
  /** Charges attempted, and the failed ones by errno. */
  charges: number;
  failed: Record<string, number>;
  /** Folios uncharged, and uncharges skipped because their charge had failed. */
  uncharged: number;
  skipped: number;
  /** Uncharges of folios the kernel had freed already (page cache reclaimed, an OOM victim's). */
  lost: number;
  /** Limit writes, and the failed ones by errno. */
  writes: number;
  writeFailed: Record<string, number>;
};

export type ReplayHooks = {
  /** After each chunk sent to the core, with the records consumed so far. */
  onFlush?: (records: number) => void;
  /** Every `every` records (after flushing them). */
  every?: number;
  onTick?: (records: number) => void;
};

const REC_UNCHARGE = -1;
const REC_WRITE = -2;
const REC_CLOSE = -3; // closes an uncharge list whose last folio was never charged
const NO_FOLIO = 0xffffffff; // an id the core never charged: the gather is flushed, -EINVAL
const FOLIO_FILE = 1;

/** Counters at zero. */
export function zeroCounters(): ReplayCounters {
  return { ops: 0, charges: 0, failed: {}, uncharged: 0, skipped: 0, lost: 0, writes: 0, writeFailed: {} };
}

/** The machine traces are checked against: a system's CPUs, nodes and gfp bits. */
export function machineOf(sys: System): Machine {
  return { cpus: sys.cpus, nodes: sys.nodes, gfpBits: GFP_NAMES.reduce((m, n) => m | sys.k(n), 0) };
}

const FAILED = -1; // handle → folio: the charge failed
const LOST = -2; // handle → folio: the kernel freed the folio on its own

/**
 * A RecordSink that runs trace records on a System. A handle's folio id is known once its
 * charge has run, so an uncharge whose charge is in the pending chunk cuts the chunk there.
 * The kernel frees folios on its own too (reclaim drops page cache): once a file folio has
 * been charged, an uncharge also cuts a chunk holding any other op, so the charges that may
 * reuse a freed folio id have run, and a charge given the id of a folio some handle still
 * names tells that the handle's folio is gone.
 */
export class Replayer implements RecordSink {
  readonly counters = zeroCounters();
  /** The core's result of the last record sent. */
  lastResult = 0;
  private readonly memcg: Int32Array;
  private readonly handles = new Handles();
  private folio = new Int32Array(1024).fill(FAILED); // handle → core folio id (or FAILED, LOST)
  private chargedIn = new Int32Array(1024); // handle → the chunk its charge is in
  private owner = new Int32Array(1024).fill(-1); // core folio id → the handle charged with it
  private chunkNo = 1;
  private mayFree = false; // a folio the kernel may free by itself exists
  private chunkHasOther = false; // the pending chunk holds an op that is no uncharge
  private readonly buf: Uint8Array;
  private readonly dv: DataView;
  private readonly tags: Int32Array; // per record of the chunk: its handle (a charge) or REC_*
  private n = 0;
  private nextTick: number;

  constructor(private readonly sys: System, paths: string[], private readonly hooks: ReplayHooks = {}, private readonly chunk = 4096) {
    for (const [name, code] of Object.entries(OP)) {
      if (sys.k(`OP_${name}`) !== code) throw new InternalError(`core OP_${name} is ${sys.k(`OP_${name}`)}, traces say ${code}`);
    }
    this.memcg = Int32Array.from(paths, (p) => sys.id(p));
    this.buf = new Uint8Array(chunk * RECORD_SIZE);
    this.dv = new DataView(this.buf.buffer);
    this.tags = new Int32Array(chunk);
    this.nextTick = hooks.every ?? Infinity;
  }

  op(code: number, a: number, kind: number, node: number, cpu: number, id: number, arg: number): void {
    let tag: number;
    if (code === OP.CHARGE) {
      tag = this.handles.alloc();
      if (tag >= this.folio.length) {
        this.folio = grow(this.folio, tag + 1);
        this.folio.fill(FAILED, this.chargedIn.length);
        this.chargedIn = grow(this.chargedIn, tag + 1);
      }
      this.chargedIn[tag] = this.chunkNo;
      if (kind === FOLIO_FILE) this.mayFree = true;
      this.chunkHasOther = true;
      id = this.memcg[id];
    } else if (code === OP.UNCHARGE || code === OP.UNCHARGE_LIST) {
      if (this.chargedIn[id] === this.chunkNo || (this.mayFree && this.chunkHasOther)) this.flush();
      const f = this.folio[id];
      this.folio[id] = FAILED;
      this.handles.release(id);
      if (f >= 0) {
        id = f;
        tag = REC_UNCHARGE;
      } else {
        if (f === LOST) this.counters.lost++;
        else this.counters.skipped++;
        if (code === OP.UNCHARGE || a === 0) return this.consumed();
        id = NO_FOLIO;
        tag = REC_CLOSE;
      }
    } else {
      this.chunkHasOther = true;
      id = this.memcg[id];
      tag = REC_WRITE;
    }
    putOp(this.dv, this.n * RECORD_SIZE, code, a, kind, node, cpu, id, arg);
    this.tags[this.n++] = tag;
    if (this.n === this.chunk) this.flush();
    this.consumed();
  }

  private consumed(): void {
    if (++this.counters.ops === this.nextTick) {
      this.flush();
      this.nextTick += this.hooks.every!;
      this.hooks.onTick?.(this.counters.ops);
    }
  }

  /** Send the pending records to the core and take their results. */
  flush(): void {
    if (this.n === 0) return;
    const res = this.sys.replayRecords(this.buf.subarray(0, this.n * RECORD_SIZE));
    const c = this.counters;
    for (let i = 0; i < this.n; i++) {
      const t = this.tags[i];
      const r = res[i];
      if (t >= 0) {
        c.charges++;
        if (r >= 0) this.charged(t, r);
        else {
          this.folio[t] = FAILED;
          bump(c.failed, errnoName(r));
        }
      } else if (t === REC_UNCHARGE) {
        if (r < 0) c.lost++; // freed by the kernel in this chunk, its id not given out again
        else c.uncharged++;
      } else if (t === REC_WRITE) {
        c.writes++;
        if (r < 0) bump(c.writeFailed, errnoName(r));
      }
    }
    this.lastResult = res[this.n - 1];
    this.n = 0;
    this.chunkNo++;
    this.chunkHasOther = false;
    this.hooks.onFlush?.(c.ops);
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

/** Replay a trace file on a system: openTrace, then stream it through a Replayer. */
export function replayTrace(sys: System, file: string, hooks: ReplayHooks = {}): { info: TraceInfo; counters: ReplayCounters } {
  const info = openTrace(sys, file);
  const r = new Replayer(sys, info.paths, hooks);
  feedTrace(file, info, r);
  r.flush();
  return { info, counters: r.counters };
}
