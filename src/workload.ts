// Expanding a scenario's workload into op records. The expansion is a pure function of the
// scenario and its seed: generators draw from their own seeded PRNG, folio handles follow the
// trace rule (trace.ts), and a free names handles whether or not their charges will succeed
// (the replayer skips those that failed). So a run and a recorded trace are the same records.

import { parseGfp } from './gfp.js';
import type { ChargeStep, FaultsStep, FreeStep, GrowFreeStep, Group, OpStep, Scenario, Target, ThrashStep, WriteStep } from './scenario.js';
import type { System } from './system.js';
import { Handles, OP, RECORD_SIZE, type RecordSink } from './trace.js';

/** folio_batch (PAGEVEC_SIZE): folios_put_refs uncharges a freed range 31 folios at a time. */
export const FOLIO_BATCH = 31;
const KIND = { anon: 0, file: 1 } as const;

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

export class Workload {
  private readonly handles = new Handles();
  private readonly cursors = new Map<string, number>();
  private readonly rngs = new Map<string, Prng>();
  private readonly gfps = new Map<string, number>();
  /** Groups some free step names: their live handles in charge order. */
  private readonly groups = new Map<string, Set<number>>();
  /** handle → the tracked groups it is in. */
  private memberOf: (Set<number>[] | undefined)[] = [];
  private readonly seed: number;
  private readonly tasks: Scenario['tasks'];

  constructor(sc: Scenario, private readonly sys: System, seed: number) {
    this.seed = seed;
    this.tasks = sc.tasks;
    for (const ph of sc.phases) {
      for (const s of ph.steps) if (s.kind === 'free') this.groups.set(groupKey(s.group), new Set());
    }
  }

  /** Emit the records of one op step. */
  emit(step: OpStep, sink: RecordSink): void {
    switch (step.kind) {
      case 'charge':
        return this.charges(step, sink);
      case 'faults':
        return this.faults(step, sink);
      case 'grow-then-free':
        return this.growThenFree(step, sink);
      case 'thrash':
        return this.thrash(step, sink);
      case 'free':
        return this.free(step, sink);
    }
  }

  /** The record of a limit write (System.encode's), its cgroup given as a path-table index. */
  static writeRecord(sys: System, step: WriteStep, cgroupPath: string): Uint8Array {
    const rec = sys.encode([{ op: 'write', cgroup: cgroupPath, file: step.name, value: step.value, cpu: step.cpu }]);
    new DataView(rec.buffer).setUint32(8, step.cgroup, true);
    return rec;
  }

  /** Emit an encoded record as is. */
  static put(rec: Uint8Array, sink: RecordSink): void {
    const dv = new DataView(rec.buffer, rec.byteOffset, RECORD_SIZE);
    sink.op(rec[0], rec[1], rec[2], rec[3], dv.getUint16(4, true), dv.getUint32(8, true), dv.getUint32(12, true));
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

  /** The tracked groups a charge of (cgroup, task, tag) joins; undefined if none. */
  private groupsOf(cgroup: number, task: string | undefined, tag: string | undefined): Set<number>[] | undefined {
    const keys = [`cgroup:${cgroup}`, ...(task === undefined ? [] : [`task:${task}`]), ...(tag === undefined ? [] : [`tag:${tag}`])];
    const sets = keys.flatMap((k) => this.groups.get(k) ?? []);
    return sets.length ? sets : undefined;
  }

  /** One CHARGE record; the handle it takes joins the tracked groups given. */
  private charge(sink: RecordSink, cgroup: number, cpu: number, order: number, kind: number, node: number | undefined, gfp: number, groups: Set<number>[] | undefined): number {
    const h = this.handles.alloc();
    if (groups) {
      for (const g of groups) g.add(h);
      if (h >= this.memberOf.length) this.memberOf.length = h + 1;
    }
    if (h < this.memberOf.length) this.memberOf[h] = groups;
    sink.op(OP.CHARGE, order, kind, node === undefined ? 0 : node + 1, cpu, cgroup, gfp);
    return h;
  }

  private charges(s: ChargeStep, sink: RecordSink): void {
    const gfp = this.gfp(s.gfp);
    const groups = this.groupsOf(s.target.cgroup, s.target.task, s.tag);
    for (let i = 0; i < s.count; i++) {
      this.charge(sink, s.target.cgroup, s.cpu ?? this.nextCpu(s.target), s.order, KIND[s.folio], s.node, gfp, groups);
    }
  }

  private faults(s: FaultsStep, sink: RecordSink): void {
    const gfp = this.gfp(s.gfp);
    const rng = this.rng(s.path);
    const n = s.cpus.length;
    const groups = this.groupsOf(s.target.cgroup, s.target.task, s.tag);
    for (let i = 0; i < s.folios; i++) {
      this.charge(sink, s.target.cgroup, n === 1 ? s.cpus[0] : s.cpus[rng.below(n)], s.order, KIND[s.folio], s.node, gfp, groups);
    }
  }

  private growThenFree(s: GrowFreeStep, sink: RecordSink): void {
    const gfp = this.gfp(s.gfp);
    const rng = this.rng(s.path);
    const n = s.cpus.length;
    const groups = this.groupsOf(s.target.cgroup, s.target.task, s.tag);
    const mine = new Int32Array(s.folios);
    for (let r = 0; r < s.repeat; r++) {
      for (let i = 0; i < s.folios; i++) {
        const cpu = n === 1 ? s.cpus[0] : s.cpus[rng.below(n)];
        mine[i] = this.charge(sink, s.target.cgroup, cpu, s.order, KIND.anon, undefined, gfp, groups);
      }
      this.uncharge(sink, mine.subarray(0, s.folios), this.nextCpu(s.target), true);
    }
  }

  private thrash(s: ThrashStep, sink: RecordSink): void {
    const gfp = this.gfp(s.gfp);
    const rng = this.rng(s.path);
    const k = s.cgroups.length;
    const groups = s.cgroups.map((cg) => this.groupsOf(cg, undefined, s.tag));
    for (let i = 0; i < s.charges; i++) {
      const j = s.pick === 'random' ? rng.below(k) : i % k;
      this.charge(sink, s.cgroups[j], s.cpus[i % s.cpus.length], s.order, KIND.anon, undefined, gfp, groups[j]);
    }
  }

  private free(s: FreeStep, sink: RecordSink): void {
    const live = [...this.groups.get(groupKey(s.group))!];
    let pick = s.every === 1 ? live : live.filter((_, i) => i % s.every === 0);
    if (s.count !== undefined) pick = pick.slice(0, s.count);
    const task = 'task' in s.group ? this.tasks.get(s.group.task) : undefined;
    const cpu = s.cpu ?? (task ? this.nextCpu({ cgroup: task.cgroup, task: task.name, cpus: task.cpus }) : 0);
    this.uncharge(sink, pick, cpu, s.batch);
  }

  /** Uncharge handles from cpu: one by one, or as uncharge lists of FOLIO_BATCH. */
  private uncharge(sink: RecordSink, hs: ArrayLike<number>, cpu: number, batch: boolean): void {
    for (let i = 0; i < hs.length; i++) {
      const h = hs[i];
      const groups = this.memberOf[h];
      if (groups) {
        for (const g of groups) g.delete(h);
        this.memberOf[h] = undefined;
      }
      this.handles.release(h);
      const last = !batch || i === hs.length - 1 || i % FOLIO_BATCH === FOLIO_BATCH - 1;
      sink.op(batch ? OP.UNCHARGE_LIST : OP.UNCHARGE, batch && last ? 1 : 0, 0, 0, cpu, h, 0);
    }
  }
}
