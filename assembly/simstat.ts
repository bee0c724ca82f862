// The emulator's own counters (never shown in kernel files): stock behaviour, hierarchy
// walks, forced charges. Read by the host as System.simStats().

import { table_alloc } from "./layout";

export const SIM_CHARGES: i32 = 0; // try_charge_memcg calls on a non-root memcg
export const SIM_CHARGE_FAILS: i32 = 1; // ... that returned -ENOMEM
export const SIM_STOCK_HITS: i32 = 2; // consume_stock succeeded
export const SIM_STOCK_MISSES: i32 = 3; // consume_stock failed
export const SIM_STOCK_REFILLS: i32 = 4; // refill_stock calls
export const SIM_STOCK_DRAINS: i32 = 5; // slots drained that held pages
export const SIM_STOCK_EVICTIONS: i32 = 6; // refill_stock had to evict a victim slot
export const SIM_DRAIN_ALL: i32 = 7; // drain_all_stock calls
export const SIM_DRAIN_REMOTE: i32 = 8; // drain work queued on another CPU
export const SIM_COUNTER_LEVELS: i32 = 9; // page_counter levels visited by (try_)charge
export const SIM_FORCED: i32 = 10; // charges forced over the limit
export const SIM_RECLAIM_CALLS: i32 = 11; // try_to_free_mem_cgroup_pages calls
export const SIM_OOM_CALLS: i32 = 12; // mem_cgroup_out_of_memory calls
export const SIM_UNCHARGE_BATCHES: i32 = 13; // uncharge_batch flushes
export const SIM_SPLIT_NO_IDS: i32 = 14; // a large folio's split refused: the folio table had no ids left
export const SIM_STOCKED_PAGES: i32 = 15; // pages in all CPUs' stocks now (charged, in no folio)
export const SIM_STOCKED_MAX: i32 = 16; // ... the most there ever were (the stale charge)
export const SIM_SK_CHARGES: i32 = 17; // mem_cgroup_sk_charge calls that charged
export const NR_SIM_STATS: i32 = 18;

let stats: usize = 0;

export function simstat_init(): bool {
  stats = table_alloc("sim stats", NR_SIM_STATS, 8);
  return stats != 0;
}

@inline export function sim_inc(i: i32, n: i64): void {
  const p = stats + (<usize>i << 3);
  store<i64>(p, load<i64>(p) + n);
}

export function sim_get(i: i32): i64 {
  return i >= 0 && i < NR_SIM_STATS ? load<i64>(stats + (<usize>i << 3)) : 0;
}

/** n pages leave a stock (the maximum cannot grow). */
@inline export function stocked_sub(n: i64): void {
  const p = stats + (<usize>SIM_STOCKED_PAGES << 3);
  store<i64>(p, load<i64>(p) - n);
}

/** Pages enter (n > 0) or leave a stock: keep the total and its maximum. */
export function stocked_add(n: i64): void {
  const p = stats + (<usize>SIM_STOCKED_PAGES << 3);
  const v = load<i64>(p) + n;
  store<i64>(p, v);
  const q = stats + (<usize>SIM_STOCKED_MAX << 3);
  if (v > load<i64>(q)) store<i64>(q, v);
}
