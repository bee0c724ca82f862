// The per-page_counter stock of the 2026 proposal (profile "pcstock"): Joshua Hahn,
// "[PATCH v4 0/5] mm/memcontrol, page_counter: move stock from mem_cgroup to page_counter",
// 23 Jun 2026, <20260623180124.868655-1-joshua.hahnjy@gmail.com>. Modelled as posted in v4:
//   - struct page_counter_stock is one atomic_t of pages per CPU per counter (1/5), for the
//     memory counter and, with v1 memsw accounting, the memsw counter (4/5);
//   - page_counter_try_charge_stock (3/5): take the pages from this CPU's stock with a
//     cmpxchg loop (nothing charged: no memory.high check); else charge max(batch, n) and
//     atomic_add the surplus to the stock; if that fails, charge exactly n;
//   - try_charge_memcg (4/5) has no consume_stock and no "retry with nr_pages" step: every
//     retry tries the batch first again; memory.high counts the pages actually charged;
//   - drain_all_stock (4/5): for every memcg of the subtree and every CPU, an atomic_xchg of
//     that CPU's stock from the draining CPU (synchronous, no FLUSHING bit, no work item);
//   - uncharges never refill a stock (v2 of the series dropped that).
// Stale charge: up to nr_cpus × charged counters × batch pages (the cover letter's bound).

import { table_alloc } from "./layout";
import { ACC_ATOMIC, ACC_READ, cost_on, cost_pcstock } from "./cost_model";
import { memcg_exists, memory_counter, memsw_account, mem_cgroup_next_pre, swap_counter } from "./memcg";
import { page_counter_try_charge, page_counter_uncharge, PC_MEMORY } from "./page_counter";
import {
  sim_inc, SIM_STOCK_DRAINS, SIM_STOCK_HITS, SIM_STOCK_MISSES, SIM_STOCK_REFILLS, stocked_add,
} from "./simstat";
import { nr_cpus } from "./topology";

export let pcstock_on: bool = false;
let table: usize = 0; // i32[counters × cpus]
let nCounters: i32 = 0;
let batch: i32 = 64;
/** Pages the last page_counter_try_charge_stock charged to the counter (0: a stock hit). */
export let pcs_charged: i64 = 0;

export function pcs_init(on: bool, counters: i32, chargeBatch: i32): bool {
  pcstock_on = on;
  if (!on) return true;
  nCounters = counters;
  batch = chargeBatch;
  table = table_alloc("page_counter stocks", <u64>counters * <u64>nr_cpus, 4);
  return table != 0;
}

@inline function slot(c: i32, cpu: i32): usize {
  return table + ((<usize>c * <usize>nr_cpus + <usize>cpu) << 2);
}
// page_counter_alloc_stock: the memory counter always, memsw with v1 swap accounting.
@inline function has_stock(c: i32): bool {
  return (c & 1) == PC_MEMORY || memsw_account;
}
@inline function count_stocked(c: i32, n: i64): void {
  if ((c & 1) == PC_MEMORY) stocked_add(n);
}

/**
 * page_counter_try_charge_stock: -1 on success (pcs_charged = pages charged to the counter),
 * else the failing level's counter id, as page_counter_try_charge.
 */
export function page_counter_try_charge_stock(c: i32, n: i64, cpu: i32): i32 {
  pcs_charged = 0;
  if (has_stock(c)) {
    const p = slot(c, cpu);
    const old = load<i32>(p);
    if (cost_on) cost_pcstock(cpu, c, ACC_READ); // atomic_read
    if (<i64>old >= n) {
      if (cost_on) cost_pcstock(cpu, c, ACC_ATOMIC); // atomic_try_cmpxchg
      store<i32>(p, old - <i32>n);
      count_stocked(c, -n);
      sim_inc(SIM_STOCK_HITS, 1);
      return -1;
    }
    sim_inc(SIM_STOCK_MISSES, 1);
    const charge = max<i64>(batch, n);
    if (charge > n && page_counter_try_charge(c, charge) < 0) {
      if (cost_on) cost_pcstock(cpu, c, ACC_ATOMIC); // atomic_add of the surplus
      store<i32>(p, load<i32>(p) + <i32>(charge - n));
      count_stocked(c, charge - n);
      sim_inc(SIM_STOCK_REFILLS, 1);
      pcs_charged = charge;
      return -1;
    }
  }
  const fail = page_counter_try_charge(c, n); // charge_exact
  if (fail < 0) pcs_charged = n;
  return fail;
}

/** page_counter_drain_stock: take cpu's stock of c with atomic_xchg and uncharge it. */
export function page_counter_drain_stock(c: i32, cpu: i32): void {
  if (!has_stock(c)) return;
  const p = slot(c, cpu);
  if (cost_on) cost_pcstock(cpu, c, ACC_ATOMIC); // from the draining CPU
  const nr = load<i32>(p);
  store<i32>(p, 0);
  if (nr == 0) return;
  count_stocked(c, -nr);
  sim_inc(SIM_STOCK_DRAINS, 1);
  page_counter_uncharge(c, nr);
}

/** drain_all_stock (v4): every CPU's stock of every memcg in root's subtree. */
export function pcs_drain_all(root: i32): void {
  for (let m = mem_cgroup_next_pre(-1, root); m >= 0; m = mem_cgroup_next_pre(m, root)) {
    if (!memcg_exists(m)) continue;
    for (let cpu = 0; cpu < nr_cpus; cpu++) {
      page_counter_drain_stock(memory_counter(m), cpu); // memcg_drain_stock
      if (memsw_account) page_counter_drain_stock(swap_counter(m), cpu);
    }
  }
}

/** Pages of memcg m's memory counter in the CPUs' stocks. */
export function pcs_pages_of(m: i32): i64 {
  if (!pcstock_on) return 0;
  let n: i64 = 0;
  const c = memory_counter(m);
  for (let cpu = 0; cpu < nr_cpus; cpu++) n += load<i32>(slot(c, cpu));
  return n;
}
