// Kernel profiles: behaviour that differs between kernel versions or proposals, chosen at
// system creation. One row per profile; the host maps names to these ids (src/profiles.ts).

/** Stock victim policy when every slot is taken. */
export const VICTIM_RANDOM: i32 = 0; // refill_stock, 6.16+: get_random_u32_below(NR_MEMCG_STOCK)
export const VICTIM_ROUND_ROBIN: i32 = 1; // refill_stock, later mainline: stock->drain_idx++

export const PROFILE_SINGLE: i32 = 0; // up to 6.15 (the seed's 5.17): one cached memcg per CPU
export const PROFILE_MULTI: i32 = 1; // 6.16+: NR_MEMCG_STOCK = 7 slots, random victim
export const PROFILE_MULTI_RR: i32 = 2; // mainline after 6.18: 7 slots, round-robin victim
// The 2026 proposal on mainline: a per-CPU stock per page_counter (page_counter_stock.ts).
export const PROFILE_PCSTOCK: i32 = 3;
export const NR_PROFILES: i32 = 4;

// Registry columns, indexed by profile id.
const NSLOTS: StaticArray<i32> = [1, 7, 7, 7];
const VICTIM: StaticArray<i32> = [VICTIM_RANDOM, VICTIM_RANDOM, VICTIM_ROUND_ROBIN, VICTIM_ROUND_ROBIN];
// try_charge_memcg up to 6.2 forced __GFP_ATOMIC charges before raising MEMCG_MAX.
const ATOMIC_FORCE_NO_EVENT: StaticArray<i32> = [1, 0, 0, 0];
// page_counter failcnt: every counter up to 6.11; from 6.12 only the v1 memory counter.
const FAILCNT_EVERYWHERE: StaticArray<i32> = [1, 0, 0, 0];
// The stock lives in the page_counter (v4 of "move stock from mem_cgroup to page_counter").
const PAGE_COUNTER_STOCK: StaticArray<i32> = [0, 0, 0, 1];

export function profile_nslots(p: i32): i32 {
  return unchecked(NSLOTS[p]);
}
export function profile_victim(p: i32): i32 {
  return unchecked(VICTIM[p]);
}
export function profile_atomic_force_no_event(p: i32): bool {
  return unchecked(ATOMIC_FORCE_NO_EVENT[p]) != 0;
}
export function profile_failcnt_everywhere(p: i32): bool {
  return unchecked(FAILCNT_EVERYWHERE[p]) != 0;
}
export function profile_page_counter_stock(p: i32): bool {
  return unchecked(PAGE_COUNTER_STOCK[p]) != 0;
}
