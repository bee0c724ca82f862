// struct memcg_stock_pcp: per-CPU caches of pre-charged pages (consume_stock/refill_stock).
// One engine for both kernel designs: NSLOTS = 1 is the single cached memcg of <= 6.15,
// NSLOTS = NR_MEMCG_STOCK = 7 is the 6.16+ multi-memcg stock.
//
// Pages in a stock are charged to the counters (they show in memory.current) but belong
// to no folio.

import { table_alloc } from "./layout";
import {
  css_get, css_put, memory_counter, swap_counter, memsw_account, mem_cgroup_is_descendant, charge_batch, memcg_set_charge_batch,
} from "./memcg";
import { page_counter_uncharge } from "./page_counter";
import { prng_below } from "./prng";
import { VICTIM_RANDOM } from "./profile";
import {
  sim_inc, SIM_DRAIN_ALL, SIM_DRAIN_REMOTE, SIM_STOCK_DRAINS, SIM_STOCK_EVICTIONS,
  SIM_STOCK_HITS, SIM_STOCK_MISSES, SIM_STOCK_REFILLS,
} from "./simstat";
import { nr_cpus } from "./topology";
import { stocked_add, stocked_sub } from "./simstat";
import { ACC_READ, ACC_WRITE, cost_enter_cpu, cost_leave_cpu, cost_memcg_stock, cost_on } from "./cost_model";
import { pcs_drain_all, pcs_pages_of, pcstock_on } from "./page_counter_stock";

export const NR_MEMCG_STOCK: i32 = 7;

let slotMemcg: usize = 0; // i32[cpus × nslots], -1 = empty
let slotNr: usize = 0; // i32[cpus × nslots]
let drainIdx: usize = 0; // i32[cpus]
let flushing: usize = 0; // i32[cpus]: FLUSHING_CACHED_CHARGE
export let nslots: i32 = 1;
export let stock_enabled: bool = true;
let victimPolicy: i32 = VICTIM_RANDOM;

// When drain work queued on another CPU (schedule_work_on) runs. The kernel's worker runs
// on its own CPU while the caller goes on, so the model picks a point of the caller's op:
export const REMOTE_DRAIN_SCHEDULE: i32 = 0; // at the caller's next scheduling point (sched.ts), at the latest when its op returns
export const REMOTE_DRAIN_IMMEDIATE: i32 = 1; // before drain_all_stock returns
export const REMOTE_DRAIN_DEFERRED: i32 = 2; // when that CPU next charges
let remoteDrain: i32 = REMOTE_DRAIN_SCHEDULE;
let queued: bool = false; // schedule mode: some CPU's drain work is queued

export function stock_init(slots: i32, victim: i32, batch: i32, enabled: bool, remoteDrainMode: i32): bool {
  if (slots < 1 || slots > 32) return false; // consume_stock's match mask: one bit per slot
  nslots = slots;
  victimPolicy = victim;
  memcg_set_charge_batch(batch);
  stock_enabled = enabled;
  remoteDrain = remoteDrainMode;
  const n = <u64>nr_cpus * <u64>slots;
  slotMemcg = table_alloc("stock slot memcgs", n, 4);
  slotNr = table_alloc("stock slot pages", n, 4);
  drainIdx = table_alloc("stock drain_idx", nr_cpus, 4);
  flushing = table_alloc("stock flushing", nr_cpus, 4);
  if (flushing == 0) return false;
  for (let i: usize = 0; i < <usize>n; i++) store<i32>(slotMemcg + (i << 2), -1);
  return true;
}

@inline function slot(cpu: i32, i: i32): usize {
  return (<usize>cpu * <usize>nslots + <usize>i) << 2;
}
export function stock_slot_memcg(cpu: i32, i: i32): i32 {
  return load<i32>(slotMemcg + slot(cpu, i));
}
export function stock_slot_pages(cpu: i32, i: i32): i32 {
  return load<i32>(slotNr + slot(cpu, i));
}

/** memcg_uncharge: return pages to the memory (and v1 memsw) counters. */
export function memcg_uncharge(m: i32, n: i64): void {
  page_counter_uncharge(memory_counter(m), n);
  if (memsw_account) page_counter_uncharge(swap_counter(m), n);
}

/** consume_stock: take n pre-charged pages from this CPU's slot for m (n <= batch). */
export function consume_stock(m: i32, cpu: i32, n: i32): bool {
  if (n > charge_batch) return false; // consume_stock: larger than a batch never fits
  if (cost_on) cost_memcg_stock(cpu, ACC_WRITE); // local_trylock, the slot scan, nr_pages
  // consume_stock: only the first slot caching m is looked at. Every slot is compared and the
  // first match taken from the mask: the same slot as a scan that stops there, without a
  // branch on where m sits (a mispredicted loop exit on most charges).
  const first = slot(cpu, 0);
  const row = slotMemcg + first;
  let match: u32 = 0;
  if (nslots == NR_MEMCG_STOCK) {
    // The 7 slots of the multi-memcg stock compared in straight-line code (constant offsets).
    match = <u32>(load<i32>(row) == m) | (<u32>(load<i32>(row, 4) == m) << 1) | (<u32>(load<i32>(row, 8) == m) << 2) |
      (<u32>(load<i32>(row, 12) == m) << 3) | (<u32>(load<i32>(row, 16) == m) << 4) | (<u32>(load<i32>(row, 20) == m) << 5) |
      (<u32>(load<i32>(row, 24) == m) << 6);
  } else {
    for (let i = 0; i < nslots; i++) match |= <u32>(load<i32>(row + (<usize>i << 2)) == m) << i;
  }
  if (match != 0) {
    const s = first + (<usize>ctz(match) << 2);
    const have = load<i32>(slotNr + s);
    if (have >= n) {
      store<i32>(slotNr + s, have - n);
      stocked_sub(n);
      sim_inc(SIM_STOCK_HITS, 1);
      return true;
    }
  }
  sim_inc(SIM_STOCK_MISSES, 1);
  return false;
}

/** drain_stock: give a slot's pages back to its memcg and forget the memcg. */
function drain_stock(cpu: i32, i: i32): void {
  const s = slot(cpu, i);
  const m = load<i32>(slotMemcg + s);
  if (m < 0) return;
  const nr = load<i32>(slotNr + s);
  if (nr > 0) {
    stocked_add(-nr);
    memcg_uncharge(m, nr);
    store<i32>(slotNr + s, 0);
    sim_inc(SIM_STOCK_DRAINS, 1);
  }
  store<i32>(slotMemcg + s, -1);
  css_put(m, 1); // the slot's reference on the cached memcg
}

/** drain_local_stock / drain_local_memcg_stock: empty every slot of one CPU. */
export function drain_local_stock(cpu: i32): void {
  const prev = cost_on ? cost_enter_cpu(cpu) : 0; // the drain work runs on cpu
  if (cost_on) cost_memcg_stock(cpu, ACC_WRITE);
  for (let i = 0; i < nslots; i++) drain_stock(cpu, i);
  store<i32>(flushing + (<usize>cpu << 2), 0); // clear FLUSHING_CACHED_CHARGE
  if (cost_on) cost_leave_cpu(prev);
}

/** refill_stock: keep n pre-charged pages for m on this CPU. */
export function refill_stock(m: i32, cpu: i32, n: i32): void {
  sim_inc(SIM_STOCK_REFILLS, 1);
  if (cost_on) cost_memcg_stock(cpu, ACC_WRITE);
  if (n > charge_batch) {
    memcg_uncharge(m, n); // refill_stock (6.16+): larger than a batch goes straight back
    return;
  }
  let empty = -1;
  for (let i = 0; i < nslots; i++) {
    const s = slot(cpu, i);
    const cached = load<i32>(slotMemcg + s);
    if (cached < 0) {
      if (empty < 0) empty = i;
      continue;
    }
    if (cached == m) {
      const nr = load<i32>(slotNr + s) + n;
      store<i32>(slotNr + s, nr);
      stocked_add(n);
      if (nr > charge_batch) drain_stock(cpu, i); // refill_stock: over a batch, drain it
      return;
    }
  }
  let i = empty;
  if (i < 0) {
    // refill_stock: every slot is taken, evict one (the single slot, or a victim).
    if (nslots == 1) i = 0;
    else if (victimPolicy == VICTIM_RANDOM) i = <i32>prng_below(<u32>nslots);
    else {
      const p = drainIdx + (<usize>cpu << 2);
      i = load<i32>(p);
      store<i32>(p, i + 1 == nslots ? 0 : i + 1);
    }
    sim_inc(SIM_STOCK_EVICTIONS, 1);
    drain_stock(cpu, i);
  }
  const s = slot(cpu, i);
  css_get(m, 1);
  store<i32>(slotMemcg + s, m);
  store<i32>(slotNr + s, n);
  stocked_add(n);
}

// is_memcg_drain_needed: a slot holds pages of root or one of its descendants.
function drain_needed(cpu: i32, root: i32): bool {
  for (let i = 0; i < nslots; i++) {
    const s = slot(cpu, i);
    const m = load<i32>(slotMemcg + s);
    if (m >= 0 && load<i32>(slotNr + s) > 0 && mem_cgroup_is_descendant(m, root)) return true;
  }
  return false;
}

/**
 * drain_all_stock, the memcg-stock half (objcg.ts drain_all_stock does both halves): drain
 * every CPU whose stock holds pages of root's subtree; the whole
 * stock of such a CPU is drained, other memcgs' slots included. The current CPU drains at
 * once; other CPUs get work queued (FLUSHING_CACHED_CHARGE stays set until it runs), which
 * runs as the remote-drain mode says: run_queued_drains, run_pending_drain.
 */
export function drain_all_memcg_stock(root: i32, curcpu: i32): void {
  sim_inc(SIM_DRAIN_ALL, 1);
  if (pcstock_on) pcs_drain_all(root); // the pcstock profile: per page_counter, synchronous
  for (let cpu = 0; cpu < nr_cpus; cpu++) {
    if (cost_on) cost_memcg_stock(cpu, ACC_READ); // is_memcg_drain_needed reads cpu's slots
    const f = flushing + (<usize>cpu << 2);
    if (load<i32>(f) != 0 || !drain_needed(cpu, root)) continue;
    store<i32>(f, 1); // test_and_set_bit(FLUSHING_CACHED_CHARGE)
    if (cpu == curcpu) drain_local_stock(cpu);
    else {
      sim_inc(SIM_DRAIN_REMOTE, 1);
      if (remoteDrain == REMOTE_DRAIN_IMMEDIATE) drain_local_stock(cpu); // schedule_work_on, run at once
      else queued = true;
    }
  }
}

/** Deferred mode: run the drain work queued on cpu before it charges again. */
@inline export function run_pending_drain(cpu: i32): void {
  if (remoteDrain == REMOTE_DRAIN_DEFERRED && load<i32>(flushing + (<usize>cpu << 2)) != 0) drain_local_stock(cpu);
}

/** Schedule mode: some CPU's drain work is queued (run_queued_drains has work to do). */
@inline export function drains_queued(): bool {
  return queued && remoteDrain == REMOTE_DRAIN_SCHEDULE;
}

/** Schedule mode: every CPU's queued drain_local_memcg_stock work runs (a scheduling point). */
export function run_queued_drains(): void {
  if (!drains_queued()) return;
  queued = false;
  for (let cpu = 0; cpu < nr_cpus; cpu++) {
    if (load<i32>(flushing + (<usize>cpu << 2)) != 0) drain_local_stock(cpu);
  }
}

/** Pages held in stocks for memcg m (all CPUs): for the usage invariant. */
export function stock_pages_of(m: i32): i64 {
  let total: i64 = pcs_pages_of(m);
  const n = nr_cpus * nslots;
  for (let i = 0; i < n; i++) {
    if (load<i32>(slotMemcg + (<usize>i << 2)) == m) total += load<i32>(slotNr + (<usize>i << 2));
  }
  return total;
}
