// Expanding a scenario's workload into op records. The expansion is a pure function of the
// scenario and its seed: generators draw from their own seeded PRNG, folio handles follow the
// trace rule (trace.ts), and a free or an access names handles whether or not their charges
// will succeed (the replayer skips those that failed, and the folios the kernel freed). So a
// run and a recorded trace are the same records.

import { parseGfp } from '../core/gfp.js';
import type {
  AccessStep, ChargeStep, FaultsStep, FreeStep, GrowFreeStep, Group, MoveStep, OpStep, Pick, Scenario, SocketsStep, Target, ThrashStep, WriteStep,
} from './scenario.js';
import type { FolioKind, System } from '../api/system.js';
import { feedRecords, grow, Handles, OP, OP_MOVE, OP_THP_FAULT, type RecordSink, type TraceTask } from '../trace/trace.js';

/** folio_batch (PAGEVEC_SIZE): folios_put_refs uncharges a freed range 31 folios at a time. */
export const FOLIO_BATCH = 31;
const KIND = { anon: 0, file: 1, shmem: 2 } as const;
const MAX_WAIT_US = 0xffffffff; // a WAIT record's arg

/** mulberry32, seeded by FNV-1a of (seed, the step's JSON path): one stream per generator. */
class Prng {
  private s: number;
  constructor(seed: number, path: string) {
    let h = 0x811c9dc5;
    for (const ch of `${seed}:${path}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
    this.s = h >>> 0;
  }
  /** A uniform integer in 0..n-1. */
  below(n: number): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) * n) / 4294967296);
  }
}

function groupKey(g: Group): string {
  return 'tag' in g ? `tag:${g.tag}` : 'task' in g ? `task:${g.task}` : `cgroup:${g.cgroup}`;
}

/** Records between two points where a long expansion may pause (Workload.emit yields). */
const YIELD_EVERY = 0xffff;

/**
 * The live handles of a group in charge order, without a JS Set (2^24 entries at most) or a
 * per-handle list of groups: entries are (handle, serial of its charge); an entry is live
 * while the handle's current charge has that serial. Dead entries are dropped when the table
 * is full or read, so it stays within twice the live handles plus what was charged since.
 */
export class LiveQueue {
  private h = new Int32Array(8); // at most 64 bytes: on V8's heap, no backing store (replayer.ts)
  private s = new Float64Array(8);
  private n = 0;

  push(handle: number, serial: number, live: Float64Array): void {
    if (this.n === this.h.length) {
      this.compact(live);
      if (2 * this.n > this.h.length) {
        this.h = grow(this.h, this.h.length + 1);
        this.s = grow(this.s, this.s.length + 1);
      }
    }
    this.h[this.n] = handle;
    this.s[this.n++] = serial;
  }

  private compact(live: Float64Array): void {
    let j = 0;
    for (let i = 0; i < this.n; i++) {
      if (live[this.h[i]] === this.s[i]) {
        this.h[j] = this.h[i];
        this.s[j++] = this.s[i];
      }
    }
    this.n = j;
  }

  /** The live handles, oldest first. */
  handles(live: Float64Array): Int32Array {
    this.compact(live);
    return this.h.slice(0, this.n);
  }
}

/** What a charge step charges: folios of one order and kind, from a gfp mask, with a tag; at a rate (pages per ms). */
type Folios = { order: number; folio: FolioKind; gfp: string; node?: number; tag?: string; rate?: number; thpFault?: boolean };
/** A charge record's fields but the CPU, and the groups its handle joins. */
type ChargeSpec = { a: number; kind: number; node: number; task: number; id: number; groups: LiveQueue[] | undefined; gfp: number };

/** A scenario's tasks as a trace's task table (the record's task field is index + 1). */
export function taskTable(sc: Scenario): TraceTask[] {
  return [...sc.tasks.values()].map((t) => ({ name: t.name, cgroup: t.cgroup, oomScoreAdj: t.oomScoreAdj }));
}

export class Workload {
  private readonly handles = new Handles();
  private readonly cursors = new Map<string, number>();
  private readonly rngs = new Map<string, Prng>();
  private readonly gfps = new Map<string, number>();
  /** Groups some free or access step names: their live handles in charge order. */
  private readonly groups = new Map<string, LiveQueue>();
  private readonly joins = new Map<string, LiveQueue[] | undefined>();
  /** handle → the serial of its live charge, or -1. */
  private live = new Float64Array(8).fill(-1);
  private serial = 0;
  /** Records emitted, for the pauses of emit. */
  private emitted = 0;
  private readonly seed: number;
  private readonly tasks: Scenario['tasks'];
  /** Task name → its index in the task table. */
  private readonly taskIndex = new Map<string, number>();
  /** Task name → the cgroup it is in now (moves are steps: the expansion knows them). */
  private readonly taskCgroup = new Map<string, number>();

  constructor(sc: Scenario, private readonly sys: System, seed: number) {
    this.seed = seed;
    this.tasks = sc.tasks;
    taskTable(sc).forEach((t, i) => {
      this.taskIndex.set(t.name, i);
      this.taskCgroup.set(t.name, t.cgroup);
    });
    for (const ph of sc.phases) {
      for (const s of ph.steps) if (s.kind === 'free' || s.kind === 'access') this.groups.set(groupKey(s.group), new LiveQueue());
    }
  }

  /**
   * Emit the records of one op step; the generator pauses every 65536 records (a caller may
   * let the event loop run there: a signal handler, a progress bar). Iterate it to the end.
   */
  *emit(step: OpStep, sink: RecordSink): Generator<void, void, void> {
    switch (step.kind) {
      case 'charge':
        return yield* this.charges(step, sink);
      case 'faults':
        return yield* this.faults(step, sink);
      case 'grow-then-free':
        return yield* this.growThenFree(step, sink);
      case 'thrash':
        return yield* this.thrash(step, sink);
      case 'free':
        return yield* this.free(step, sink);
      case 'access':
        return yield* this.access(step, sink);
      case 'move':
        return this.move(step, sink);
      case 'wait':
        return yield* this.wait(step.ms * 1000, sink);
      case 'sockets':
        return yield* this.sockets(step, sink);
    }
  }
  /** emit, run to the end at once. */
  emitAll(step: OpStep, sink: RecordSink): void {
    for (const _ of this.emit(step, sink));
  }
  /** Whether to pause after this record. */
  private pause(): boolean {
    return (++this.emitted & YIELD_EVERY) === 0;
  }

  /** The record of a limit write (System.encode's), its cgroup given as a path-table index. */
  static writeRecord(sys: System, step: WriteStep, cgroupPath: string): Uint8Array {
    const rec = sys.encode([{ op: 'write', cgroup: cgroupPath, file: step.name, value: step.value, cpu: step.cpu }]);
    new DataView(rec.buffer).setUint32(8, step.cgroup, true);
    return rec;
  }

  /** Emit a limit write's record. */
  static write(sys: System, step: WriteStep, cgroupPath: string, sink: RecordSink): void {
    feedRecords(Workload.writeRecord(sys, step, cgroupPath), sink);
  }


  private gfp(spec: string): number {
    let m = this.gfps.get(spec);
    if (m === undefined) this.gfps.set(spec, (m = parseGfp(spec, (n) => this.sys.k(n))));
    return m;
  }
  private rng(path: string): Prng {
    let r = this.rngs.get(path);
    if (!r) this.rngs.set(path, (r = new Prng(this.seed, path)));
    return r;
  }
  /** The next CPU of a target, round-robin over its CPUs. */
  private nextCpu(t: Target): number {
    const key = t.task ?? `cgroup:${t.cgroup}`;
    const i = this.cursors.get(key) ?? 0;
    this.cursors.set(key, i + 1);
    return t.cpus[i % t.cpus.length];
  }

  /** Who a target's charge names: a task (its index + 1; the core picks its memcg) or a cgroup; and the cgroup charged. */
  private who(t: Target): { task: number; cgroup: number } {
    return t.task === undefined ? { task: 0, cgroup: t.cgroup } : { task: this.taskIndex.get(t.task)! + 1, cgroup: this.taskCgroup.get(t.task)! };
  }

  /** The tracked groups a charge of (cgroup, task, tag) joins; undefined if none (cached: the groups are fixed). */
  private groupsOf(cgroup: number, task: string | undefined, tag: string | undefined): LiveQueue[] | undefined {
    const key = JSON.stringify([cgroup, task, tag]);
    if (this.joins.has(key)) return this.joins.get(key);
    const keys = [`cgroup:${cgroup}`, ...(task === undefined ? [] : [`task:${task}`]), ...(tag === undefined ? [] : [`tag:${tag}`])];
    const sets = keys.flatMap((k) => this.groups.get(k) ?? []);
    this.joins.set(key, sets.length ? sets : undefined);
    return this.joins.get(key);
  }

  /** What the charges of a target and folio spec name (resolved once per step: a move is a step of its own). */
  private chargeSpec(t: Target, f: Folios): ChargeSpec {
    const { task, cgroup } = this.who(t);
    return {
      a: f.thpFault ? f.order | OP_THP_FAULT : f.order, kind: KIND[f.folio], node: f.node === undefined ? 0 : f.node + 1,
      task, id: task ? 0 : cgroup, groups: this.groupsOf(cgroup, t.task, f.tag), gfp: this.gfp(f.gfp),
    };
  }

  /** One CHARGE record of c on cpu; its handle (returned) joins c's groups. */
  private chargeOne(sink: RecordSink, c: ChargeSpec, cpu: number): number {
    const h = this.handles.alloc();
    if (h >= this.live.length) this.live = grow(this.live, h + 1).fill(-1, this.live.length);
    const serial = this.serial++;
    this.live[h] = serial;
    if (c.groups) for (const g of c.groups) g.push(h, serial, this.live);
    sink.op(OP.CHARGE, c.a, c.kind, c.node, cpu, c.task, c.id, c.gfp);
    return h;
  }

  /** count CHARGE records by t, each on the CPU cpu(i) gives; the handles they take join t's and the tag's groups. */
  private *charge(sink: RecordSink, t: Target, count: number, cpu: (i: number) => number, f: Folios, out?: Int32Array): Generator<void, void, void> {
    const c = this.chargeSpec(t, f);
    const pages = 2 ** f.order;
    for (let i = 0; i < count; i++) {
      const h = this.chargeOne(sink, c, cpu(i));
      if (out) out[i] = h;
      // rate pages per ms: fault i is done at (i + 1) × pages / rate ms.
      if (f.rate !== undefined) yield* this.wait(Math.round(((i + 1) * pages * 1000) / f.rate) - Math.round((i * pages * 1000) / f.rate), sink);
      if (this.pause()) yield;
    }
  }

  /** A CPU drawn from cpus (seeded by the step's path). */
  private draw(cpus: number[], path: string): (i: number) => number {
    const rng = this.rng(path);
    return cpus.length === 1 ? () => cpus[0] : () => cpus[rng.below(cpus.length)];
  }

  private *charges(s: ChargeStep, sink: RecordSink): Generator<void, void, void> {
    yield* this.charge(sink, s.target, s.count, () => s.cpu ?? this.nextCpu(s.target), s);
  }

  private *faults(s: FaultsStep, sink: RecordSink): Generator<void, void, void> {
    yield* this.charge(sink, s.target, s.folios, this.draw(s.cpus, s.path), s);
  }

  private *growThenFree(s: GrowFreeStep, sink: RecordSink): Generator<void, void, void> {
    const cpu = this.draw(s.cpus, s.path);
    const mine = new Int32Array(s.folios);
    for (let r = 0; r < s.repeat; r++) {
      yield* this.charge(sink, s.target, s.folios, cpu, { ...s, folio: 'anon' }, mine);
      yield* this.uncharge(sink, mine, this.nextCpu(s.target), true);
    }
  }

  private *thrash(s: ThrashStep, sink: RecordSink): Generator<void, void, void> {
    const rng = this.rng(s.path);
    const k = s.cgroups.length;
    const f: Folios = { ...s, folio: 'anon' };
    const specs: (ChargeSpec | undefined)[] = new Array(k); // a cgroup's, when first picked
    for (let i = 0; i < s.charges; i++) {
      const gi = s.pick === 'random' ? rng.below(k) : i % k;
      const c = (specs[gi] ??= this.chargeSpec({ cgroup: s.cgroups[gi], cpus: s.cpus }, f));
      this.chargeOne(sink, c, s.cpus[i % s.cpus.length]);
      if (this.pause()) yield;
    }
  }

  /** The live handles a free or an access takes (oldest first), and the CPU it runs on. */
  private picked(s: Pick): { handles: Int32Array; cpu: number } {
    const live = this.groups.get(groupKey(s.group))!.handles(this.live);
    let pick = s.every === 1 ? live : live.filter((_, i) => i % s.every === 0);
    if (s.count !== undefined) pick = pick.subarray(0, s.count);
    const task = 'task' in s.group ? this.tasks.get(s.group.task) : undefined;
    return { handles: pick, cpu: s.cpu ?? (task ? this.nextCpu({ cgroup: task.cgroup, task: task.name, cpus: task.cpus }) : 0) };
  }

  private *free(s: FreeStep, sink: RecordSink): Generator<void, void, void> {
    const { handles, cpu } = this.picked(s);
    yield* this.uncharge(sink, handles, cpu, s.batch);
  }

  private *access(s: AccessStep, sink: RecordSink): Generator<void, void, void> {
    const { handles, cpu } = this.picked(s);
    const gfp = this.gfp(s.gfp);
    for (const h of handles) {
      sink.op(OP.TOUCH, 0, 0, 0, cpu, 0, h, gfp);
      if (this.pause()) yield;
    }
  }

  private move(s: MoveStep, sink: RecordSink): void {
    sink.op(OP_MOVE, 0, 0, 0, 0, this.taskIndex.get(s.task)! + 1, s.to, 0);
    this.taskCgroup.set(s.task, s.to);
  }

  /**
   * Packets: an SK_CHARGE on the CPU, then the SK_UNCHARGE when the reader consumes it (with a
   * server cgroup, the receiving socket's charge and uncharge around them). Each
   * round every CPU takes one packet; with arrival 'shuffle' the round's order is a fresh
   * Fisher-Yates permutation from its own stream (so pick's draws are the same either way).
   */
  private *sockets(s: SocketsStep, sink: RecordSink): Generator<void, void, void> {
    const rng = this.rng(s.path);
    const k = s.cgroups.length;
    const n = s.cpus.length;
    const gfp = this.gfp(s.gfp);
    const round = Array.from({ length: n }, (_, x) => x);
    const arrival = s.arrival === 'shuffle' && n > 1 ? this.rng(`${s.path}.arrival`) : undefined;
    for (let i = 0; i < s.packets; i++) {
      if (arrival && i % n === 0) {
        for (let a = n - 1; a > 0; a--) {
          const b = arrival.below(a + 1);
          [round[a], round[b]] = [round[b], round[a]];
        }
      }
      const ci = round[i % n];
      const w = Math.min(s.spread ?? k, k);
      const j = s.pick === 'random' ? rng.below(w) : s.pick === 'per-cpu' ? 0 : Math.floor(i / s.cpus.length) % w;
      const gi = w === k && s.pick !== 'per-cpu' ? j : (ci + j) % k;
      const g = s.cgroups[gi];
      sink.op(OP.SK_CHARGE, s.pages, 0, 0, s.cpus[ci], 0, g, gfp);
      // over loopback the receive (tcp_data_queue → sk_rmem_schedule) runs in softirq on the
      // sending CPU (loopback_xmit → __netif_rx → enqueue_to_backlog of this CPU), charging the
      // receiving socket's memcg (set at accept from the accepting task: mem_cgroup_sk_alloc)
      if (s.server !== undefined) sink.op(OP.SK_CHARGE, s.pages, 0, 0, s.cpus[ci], 0, s.server, gfp);
      const reader = s.readers ? s.readers[gi % s.readers.length] : s.cpus[ci]; // the cgroup's reader task
      // the reader's recvmsg frees the received data, then the ACK it sends frees the sent skb
      // (tcp_ack → tcp_clean_rtx_queue, in softirq on the reader's CPU)
      if (s.server !== undefined) sink.op(OP.SK_UNCHARGE, s.pages, 0, 0, reader, 0, s.server, 0);
      sink.op(OP.SK_UNCHARGE, s.pages, 0, 0, reader, 0, g, 0);
      if (this.pause()) yield;
    }
  }

  /** WAIT records for us microseconds (none for 0). */
  private *wait(us: number, sink: RecordSink): Generator<void, void, void> {
    for (let left = us; left > 0; left -= MAX_WAIT_US) {
      sink.op(OP.WAIT, 0, 0, 0, 0, 0, 0, Math.min(left, MAX_WAIT_US));
      if (this.pause()) yield;
    }
  }

  /** Uncharge handles from cpu: one by one, or as uncharge lists of FOLIO_BATCH. */
  private *uncharge(sink: RecordSink, hs: ArrayLike<number>, cpu: number, batch: boolean): Generator<void, void, void> {
    for (let i = 0; i < hs.length; i++) {
      const h = hs[i];
      this.live[h] = -1; // its entries in the groups are dead now
      this.handles.release(h);
      const last = !batch || i === hs.length - 1 || i % FOLIO_BATCH === FOLIO_BATCH - 1;
      sink.op(batch ? OP.UNCHARGE_LIST : OP.UNCHARGE, batch && last ? 1 : 0, 0, 0, cpu, 0, h, 0);
      // An uncharge list is never cut by a pause: it ends before any other op (trace.ts).
      if (last && this.pause()) yield;
    }
  }
}
