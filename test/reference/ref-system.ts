// A plain-TypeScript reference of the charge path: page_counter, the per-CPU stock (both
// kernel designs, written separately), try_charge_memcg, commit and uncharge. It is written
// for clarity, with objects and arrays instead of linear-memory tables, and follows the
// kernel functions named in each comment. The differential test runs it against the core;
// the bench measures it.
//
// Units: pages. Reclaim finds nothing and the OOM killer finds no victim (the core's model
// until the reclaim issue), so both are folded into the charge loop below.
import { SplitMix64 } from '../helpers/prng.js';

export const PAGE_COUNTER_MAX = 2251799813685247; // LONG_MAX / PAGE_SIZE on 64-bit
export const MEMCG_CHARGE_BATCH = 64;
const MAX_RECLAIM_RETRIES = 16;
const PAGE_ALLOC_COSTLY_ORDER = 3;
const ENOMEM = -12;
const EINVAL = -22;
const EBUSY = -16;

/** gfp bits by meaning (the values are this file's own). */
export const GFP = {
  HIGH: 1,
  DIRECT_RECLAIM: 2,
  KSWAPD_RECLAIM: 4,
  IO: 8,
  FS: 16,
  NOFAIL: 32,
  NORETRY: 64,
  RETRY_MAYFAIL: 128,
  /** ___GFP_ATOMIC (up to 6.2): only 5.15's try_charge_memcg looks at it */
  ATOMIC_BIT: 256,
  KERNEL: 2 | 4 | 8 | 16,
  NOWAIT: 4,
  ATOMIC: 1 | 256 | 4,
} as const;

/** 'GFP_KERNEL|__GFP_NOFAIL' → this file's mask. */
export function gfpFromName(spec: string): number {
  let mask = 0;
  for (const part of spec.split('|')) {
    if (part.trim() === '0') continue; // no flag (alloc_pages_nolock)
    const key = (part.trim() === '__GFP_ATOMIC' ? 'ATOMIC_BIT' : part.trim().replace(/^_*GFP_/, '')) as keyof typeof GFP;
    if (!(key in GFP)) throw new Error(`unknown gfp flag ${part}`);
    mask |= GFP[key];
  }
  return mask;
}

export const EVENTS = ['low', 'high', 'max', 'oom', 'oom_kill', 'oom_group_kill'] as const;
type EventName = (typeof EVENTS)[number];

export class PageCounter {
  usage = 0;
  max = PAGE_COUNTER_MAX;
  high = PAGE_COUNTER_MAX;
  min = 0;
  low = 0;
  minUsage = 0;
  lowUsage = 0;
  childrenMinUsage = 0;
  childrenLowUsage = 0;
  emin = 0;
  elow = 0;
  watermark = 0;
  localWatermark = 0;
  failcnt = 0;
  /** parent: the same counter of the parent memcg; owner: the memcg id (mem_cgroup_from_counter) */
  constructor(
    readonly parent: PageCounter | null,
    readonly protection: boolean,
    readonly trackFailcnt: boolean,
    readonly owner: number,
  ) {}

  *levels(): Generator<PageCounter> {
    for (let c: PageCounter | null = this; c; c = c.parent) yield c;
  }

  // propagate_protected_usage
  private propagate(usage: number): void {
    if (!this.parent) return;
    const min = Math.min(usage, this.min);
    this.parent.childrenMinUsage += min - this.minUsage;
    this.minUsage = min;
    const low = Math.min(usage, this.low);
    this.parent.childrenLowUsage += low - this.lowUsage;
    this.lowUsage = low;
  }

  private add(n: number): void {
    this.usage += n;
    if (this.protection) this.propagate(this.usage);
    this.localWatermark = Math.max(this.localWatermark, this.usage);
    this.watermark = Math.max(this.watermark, this.usage);
  }

  // page_counter_cancel: an underflow warns and resets to 0
  cancel(n: number): void {
    this.usage = Math.max(0, this.usage - n);
    if (this.protection) this.propagate(this.usage);
  }

  // page_counter_charge
  charge(n: number): void {
    for (const c of this.levels()) c.add(n);
  }

  // page_counter_try_charge: the failing level, or null; failcnt if this counter tracks it
  tryCharge(n: number): PageCounter | null {
    const done: PageCounter[] = [];
    for (const c of this.levels()) {
      if (c.usage + n > c.max) {
        if (this.trackFailcnt) c.failcnt++;
        for (const d of done) d.cancel(n);
        return c;
      }
      c.add(n);
      done.push(c);
    }
    return null;
  }

  // page_counter_uncharge
  uncharge(n: number): void {
    for (const c of this.levels()) c.cancel(n);
  }

  // page_counter_set_min / page_counter_set_low
  setProtection(which: 'min' | 'low', n: number): void {
    this[which] = n;
    for (const c of this.levels()) c.propagate(c.usage);
  }
}

export class Memcg {
  readonly memory: PageCounter;
  /** v2 swap or v1 memsw */
  readonly swap: PageCounter;
  readonly events: Record<EventName, number> = { low: 0, high: 0, max: 0, oom: 0, oom_kill: 0, oom_group_kill: 0 };
  readonly eventsLocal: Record<EventName, number> = { low: 0, high: 0, max: 0, oom: 0, oom_kill: 0, oom_group_kill: 0 };
  /** per node: anon, file, anonThp, fileThp pages */
  readonly stat: { anon: number; file: number; anonThp: number; fileThp: number }[];
  pgpgin = 0;
  pgpgout = 0;
  nrPageEvents = 0;
  constructor(readonly id: number, readonly parent: Memcg | null, nodes: number, v2: boolean, failcntEverywhere: boolean) {
    // mem_cgroup_css_alloc: protection on the v2 memory counter; failcnt on the v1 one (6.12+)
    this.memory = new PageCounter(parent?.memory ?? null, v2, failcntEverywhere || !v2, id);
    this.swap = new PageCounter(parent?.swap ?? null, false, failcntEverywhere, id);
    this.stat = Array.from({ length: nodes }, () => ({ anon: 0, file: 0, anonThp: 0, fileThp: 0 }));
  }
  isDescendantOf(root: Memcg): boolean {
    for (let m: Memcg | null = this; m; m = m.parent) if (m === root) return true;
    return false;
  }
}

type Slot = { memcg: Memcg | null; nr: number };
type Folio = { memcg: Memcg | null; order: number; kind: number; node: number };

export type RefOptions = {
  cgroupVersion: 1 | 2;
  /** 0 = no stock, 1 = the single-memcg stock (<= 6.15), 7 = NR_MEMCG_STOCK (6.16+) */
  stockSlots: 0 | 1 | 7;
  victim: 'random' | 'round-robin';
  /** 5.15: __GFP_ATOMIC charges are forced before reclaim, no forced charge raises MAX, nomem forces only NOFAIL */
  atomicForceNoEvent: boolean;
  /** 6.15+: a charge without a reclaim bit takes no batch (false: it takes one like any other) */
  noSpinBatch?: boolean;
  /** <= 6.14: every page counter counts failures (6.15+: only v1 memory) */
  failcntEverywhere: boolean;
  swapAccount: boolean;
  nodes: number;
  cpusPerNode: number;
  seed: bigint;
  batch?: number;
};

export class RefSystem {
  readonly memcgs: Memcg[] = [];
  readonly stocks: Slot[][];
  private readonly drainIdx: number[];
  readonly folios: Folio[] = [];
  private readonly freeIds: number[] = [];
  private readonly rng: SplitMix64;
  private readonly batch: number;
  private readonly memsw: boolean;
  private readonly v2: boolean;
  readonly cpus: number;

  constructor(readonly o: RefOptions) {
    this.v2 = o.cgroupVersion === 2;
    this.memsw = !this.v2 && o.swapAccount; // do_memsw_account
    this.batch = o.batch ?? MEMCG_CHARGE_BATCH;
    this.cpus = o.nodes * o.cpusPerNode;
    this.stocks = Array.from({ length: this.cpus }, () => Array.from({ length: o.stockSlots }, () => ({ memcg: null, nr: 0 })));
    this.drainIdx = new Array(this.cpus).fill(0);
    this.rng = new SplitMix64(o.seed);
    this.memcgs.push(new Memcg(0, null, o.nodes, this.v2, o.failcntEverywhere));
  }

  mkdir(parent: number): number {
    const m = new Memcg(this.memcgs.length, this.memcgs[parent], this.o.nodes, this.v2, this.o.failcntEverywhere);
    this.memcgs.push(m);
    return m.id;
  }

  private nodeOf(cpu: number): number {
    return Math.floor(cpu / this.o.cpusPerNode);
  }

  // memcg_memory_event: local on the memcg; v2 also counts on each ancestor below the root
  private event(m: Memcg, e: EventName): void {
    m.eventsLocal[e]++;
    if (!this.v2) {
      m.events[e]++;
      return;
    }
    for (let x: Memcg | null = m; x && x.parent; x = x.parent) x.events[e]++;
  }

  // memcg_uncharge
  private memcgUncharge(m: Memcg, n: number): void {
    m.memory.uncharge(n);
    if (this.memsw) m.swap.uncharge(n);
  }

  // mem_cgroup_margin
  private margin(m: Memcg): number {
    let margin = Math.max(0, m.memory.max - m.memory.usage);
    if (this.memsw) margin = Math.min(margin, Math.max(0, m.swap.max - m.swap.usage));
    return margin;
  }

  // ── per-CPU stock ─────────────────────────────────────────────────────────────────────
  // consume_stock: the first slot caching m serves the charge if it holds enough
  private consumeStock(m: Memcg, cpu: number, n: number): boolean {
    if (n > this.batch) return false;
    const slot = this.stocks[cpu].find((s) => s.memcg === m);
    if (!slot || slot.nr < n) return false;
    slot.nr -= n;
    return true;
  }

  // drain_stock
  private drainSlot(s: Slot): void {
    if (s.memcg && s.nr > 0) this.memcgUncharge(s.memcg, s.nr);
    s.memcg = null;
    s.nr = 0;
  }

  private refillStock(m: Memcg, cpu: number, n: number): void {
    const slots = this.stocks[cpu];
    if (slots.length === 1) {
      // refill_stock (<= 6.15): replace the cached memcg, add, drain when over a batch
      const s = slots[0];
      if (s.memcg !== m) {
        this.drainSlot(s);
        s.memcg = m;
      }
      s.nr += n;
      if (s.nr > this.batch) this.drainSlot(s);
      return;
    }
    // refill_stock (6.16+)
    if (n > this.batch) {
      this.memcgUncharge(m, n);
      return;
    }
    const mine = slots.find((s) => s.memcg === m);
    if (mine) {
      mine.nr += n;
      if (mine.nr > this.batch) this.drainSlot(mine);
      return;
    }
    let i = slots.findIndex((s) => s.memcg === null);
    if (i < 0) {
      if (this.o.victim === 'random') i = this.rng.below(slots.length);
      else {
        i = this.drainIdx[cpu];
        this.drainIdx[cpu] = (i + 1) % slots.length;
      }
      this.drainSlot(slots[i]);
    }
    slots[i].memcg = m;
    slots[i].nr = n;
  }

  // drain_all_stock: every CPU whose stock holds pages of root's subtree drains all its
  // slots; the caller's CPU at once, the others by queued work (FLUSHING_CACHED_CHARGE set
  // until it runs), which runs at the caller's next reclaim pass or when its op returns.
  private readonly queued = new Set<number>();
  drainAllStock(root: number, curcpu: number): void {
    this.stocks.forEach((slots, cpu) => {
      if (this.queued.has(cpu)) return;
      if (slots.some((s) => s.memcg && s.nr > 0 && s.memcg.isDescendantOf(this.memcgs[root]))) {
        if (cpu === curcpu) for (const s of slots) this.drainSlot(s);
        else this.queued.add(cpu);
      }
    });
  }
  // the queued drain_local_memcg_stock work runs (a scheduling point of the caller)
  private runQueued(): void {
    for (const cpu of this.queued) for (const s of this.stocks[cpu]) this.drainSlot(s);
    this.queued.clear();
  }

  // ── try_charge_memcg ──────────────────────────────────────────────────────────────────
  private tryCharge(m: Memcg, cpu: number, gfp: number, n: number): number {
    if (!m.parent) return 0; // the root is not charged
    const stock = this.o.stockSlots > 0;
    let batch = stock ? Math.max(this.batch, n) : n;
    // gfpflags_allow_spinning: without a reclaim bit no batch is taken (6.15+)
    const allowSpinning = this.o.noSpinBatch === false || (gfp & (GFP.DIRECT_RECLAIM | GFP.KSWAPD_RECLAIM)) !== 0;
    let retries = MAX_RECLAIM_RETRIES;
    let drained = false;
    let raisedMax = false;
    for (;;) {
      if (stock && this.consumeStock(m, cpu, n)) return 0;
      if (!allowSpinning) batch = n;
      // memsw (v1) first, then memory; the failing level names the memcg over its limit
      let fail = this.memsw ? m.swap.tryCharge(batch) : null;
      if (!fail) {
        fail = m.memory.tryCharge(batch);
        if (!fail) break; // done_restock
        if (this.memsw) m.swap.uncharge(batch);
      }
      const over = this.memcgs[fail.owner];
      if (batch > n) {
        batch = n;
        continue;
      }
      // 5.15 (atomicForceNoEvent): the force path raises no event; 6.0+ one if none was raised
      const force = (event = !this.o.atomicForceNoEvent) => {
        if (event && !raisedMax) this.event(over, 'max');
        m.memory.charge(n);
        if (this.memsw) m.swap.charge(n);
        return 0;
      };
      // nomem: __GFP_NOFAIL, and from 6.0 __GFP_HIGH, go over the limit
      const nomem = () => ((gfp & (this.o.atomicForceNoEvent ? GFP.NOFAIL : GFP.NOFAIL | GFP.HIGH)) !== 0 ? force() : ENOMEM);
      // 5.15: __GFP_ATOMIC went over the limit at once
      if (this.o.atomicForceNoEvent && gfp & GFP.ATOMIC_BIT) return force(false);
      if (!(gfp & GFP.DIRECT_RECLAIM)) return nomem();
      this.event(over, 'max');
      raisedMax = true;
      this.runQueued(); // try_to_free_mem_cgroup_pages: a scheduling point
      const reclaimed = 0; // try_to_free_mem_cgroup_pages: nothing reclaimable
      if (this.margin(over) >= n) continue;
      if (!drained) {
        this.drainAllStock(over.id, cpu);
        drained = true;
        continue;
      }
      if (gfp & GFP.NORETRY) return nomem();
      if (reclaimed && n <= 1 << PAGE_ALLOC_COSTLY_ORDER) continue;
      if (retries-- > 0) continue;
      if (gfp & GFP.RETRY_MAYFAIL) return nomem();
      // mem_cgroup_oom: costly orders never OOM; the killer finds no victim
      if (n <= 1 << PAGE_ALLOC_COSTLY_ORDER) {
        this.event(over, 'oom');
        if (this.margin(over) >= n) {
          retries = MAX_RECLAIM_RETRIES;
          continue;
        }
      }
      return nomem();
    }
    if (batch > n) this.refillStock(m, cpu, batch - n);
    return 0;
  }

  // ── folios ────────────────────────────────────────────────────────────────────────────
  /** mem_cgroup_charge of a new folio: its id, or -errno. kind 0 anon, 1 file. */
  charge(memcg: number, cpu: number, order: number, kind: number, gfp: number, node = -1): number {
    const m = this.memcgs[memcg];
    const nid = node < 0 ? this.nodeOf(cpu) : node;
    const id = this.freeIds.length > 0 ? this.freeIds.pop()! : this.folios.length;
    const ret = this.tryCharge(m, cpu, gfp, 1 << order);
    this.runQueued(); // the op returns
    if (ret < 0) {
      if (id < this.folios.length) this.freeIds.push(id);
      return ret;
    }
    const f: Folio = { memcg: m, order, kind, node: nid };
    this.folios[id] = f;
    const nr = 1 << order;
    const st = m.stat[nid];
    if (kind === 0) st.anon += nr;
    else st.file += nr;
    if (order === 9) {
      if (kind === 0) st.anonThp += nr;
      else st.fileThp += nr;
    }
    m.pgpgin++;
    m.nrPageEvents += nr;
    return id;
  }

  /** Uncharge a list of folios, gathered per memcg (uncharge_gather); all or nothing. */
  uncharge(ids: number[]): number {
    const seen = new Set<number>();
    for (const id of ids) {
      if (!this.folios[id]?.memcg || seen.has(id)) return EINVAL;
      seen.add(id);
    }
    let gather: { m: Memcg; nr: number; folios: number } | null = null;
    const flush = () => {
      if (!gather) return;
      if (gather.nr > 0) this.memcgUncharge(gather.m, gather.nr);
      gather.m.pgpgout += gather.folios;
      gather.m.nrPageEvents += gather.nr;
      gather = null;
    };
    for (const id of ids) {
      const f = this.folios[id];
      const m = f.memcg!;
      if (gather?.m !== m) {
        flush();
        gather = { m, nr: 0, folios: 0 };
      }
      const nr = 1 << f.order;
      if (m.parent) gather.nr += nr; // uncharge_folio: the root is not charged
      gather.folios++;
      const st = m.stat[f.node];
      if (f.kind === 0) st.anon -= nr;
      else st.file -= nr;
      if (f.order === 9) {
        if (f.kind === 0) st.anonThp -= nr;
        else st.fileThp -= nr;
      }
      f.memcg = null;
      this.freeIds.push(id);
    }
    flush();
    return 0;
  }

  // ── limit writes ──────────────────────────────────────────────────────────────────────
  // memory_max_write (v2): set, drain once, reclaim (nothing; the queued drains run during
  // the first pass), then OOM (no victim)
  setMax(memcg: number, pages: number, cpu = 0): number {
    const m = this.memcgs[memcg];
    m.memory.max = Math.min(pages, PAGE_COUNTER_MAX);
    if (m.memory.usage <= m.memory.max) return 0;
    this.drainAllStock(memcg, cpu);
    this.runQueued();
    if (m.memory.usage > m.memory.max) this.event(m, 'oom');
    return 0;
  }

  // memory_high_write (v2): set, drain once, reclaim (nothing); no OOM
  setHigh(memcg: number, pages: number, cpu = 0): number {
    const m = this.memcgs[memcg];
    m.memory.high = Math.min(pages, PAGE_COUNTER_MAX);
    if (m.memory.usage > m.memory.high) this.drainAllStock(memcg, cpu);
    this.runQueued();
    return 0;
  }

  setMin(memcg: number, pages: number): number {
    this.memcgs[memcg].memory.setProtection('min', Math.min(pages, PAGE_COUNTER_MAX));
    return 0;
  }
  setLow(memcg: number, pages: number): number {
    this.memcgs[memcg].memory.setProtection('low', Math.min(pages, PAGE_COUNTER_MAX));
    return 0;
  }

  // mem_cgroup_resize_max (v1): memory.max <= memsw.max or EINVAL; below usage drain once
  // and retry; still above: reclaim (nothing; the queued remote drains run during it), EBUSY
  resizeMax(memcg: number, pages: number, memsw: boolean, cpu = 0): number {
    const m = this.memcgs[memcg];
    const max = Math.min(pages, PAGE_COUNTER_MAX);
    if (memsw ? max < m.memory.max : max > m.swap.max) return EINVAL;
    const c = memsw ? m.swap : m.memory;
    if (c.usage > max) this.drainAllStock(memcg, cpu);
    if (c.usage > max) {
      this.runQueued();
      return EBUSY;
    }
    c.max = max;
    this.runQueued();
    return 0;
  }
}
