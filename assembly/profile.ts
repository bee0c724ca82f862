// Kernel profiles: one row per kernel era, chosen at system creation. Each column is a
// behaviour that changed between eras, read in that era's own stable tree (docs/profiles.md
// has the trees, the behaviour × era table and the commits). The host maps names and
// aliases to these row ids (src/core/profiles.ts).

/** Stock victim policy when every slot is taken. */
export const VICTIM_RANDOM: i32 = 0; // refill_stock, 6.16–6.18.35: get_random_u32_below(NR_MEMCG_STOCK)
export const VICTIM_ROUND_ROBIN: i32 = 1; // refill_stock, 6.18.36+ / v7.1: stock->drain_idx++ (c0cafe24d3f6)

// Rows (the host's names in quotes).
export const PROFILE_5_15: i32 = 0; // "5.15" (5.15.215)
export const PROFILE_6_1: i32 = 1; // "6.1" (6.1.166)
export const PROFILE_6_6: i32 = 2; // "6.6" (6.6.63)
export const PROFILE_6_12: i32 = 3; // "6.12" (6.12.63)
export const PROFILE_MULTI: i32 = 4; // "multi": 6.16 – 6.18.35, seven slots, random victim
export const PROFILE_6_18: i32 = 5; // "6.18" (6.18.36 – 6.18.44): seven slots, round-robin victim
export const PROFILE_MAINLINE: i32 = 6; // "mainline" (v7.1, read in 7.1.5)
// "pcstock": mainline with Joshua Hahn's per-page_counter stock, v4 of "mm/memcontrol,
// page_counter: move stock from mem_cgroup to page_counter" (page_counter_stock.ts).
export const PROFILE_PCSTOCK: i32 = 7;
export const NR_PROFILES: i32 = 8;

// Behaviour switches: bit F of a row is set when that era behaves the newer way.
// try_charge_memcg (5.15): __GFP_ATOMIC goes over the limit at once, before reclaim and
// without a MAX event; nomem forces only __GFP_NOFAIL. 6.1+: no __GFP_ATOMIC case, nomem
// also forces __GFP_HIGH.
export const F_ATOMIC_BYPASS: i32 = 0;
// try_charge_memcg force: (6.0+) a forced charge raises MEMCG_MAX if the charge had not.
export const F_FORCE_MAX_EVENT: i32 = 1;
// page_counter_try_charge: failcnt on every counter up to 6.14; 6.15+ (0e2759afcaf9) only the
// v1 memory counter (track_failcnt).
export const F_FAILCNT_V1_MEMORY_ONLY: i32 = 2;
// oom_kill_process (5.17+, b6bf9abb0aa4): MEMCG_OOM_GROUP_KILL is counted and shown.
export const F_OOM_GROUP_KILL_EVENT: i32 = 3;
// shrink_node_memcgs / do_try_to_free_pages (between 6.6 and 6.12): partial walks from the
// shared iterator, and a full walk as the first retry.
export const F_PARTIAL_WALK: i32 = 4;
// mem_cgroup_below_min/low (<= 6.1): the reclaim target's own, possibly stale, emin/elow
// protects it; 6.2+ (adb8213014b2, mem_cgroup_unprotected) the target is never protected.
export const F_TARGET_SELF_PROTECTED: i32 = 5;
// lru_note_cost (6.2+, 0538a82c39e9): cost = nr_io * SWAP_CLUSTER_MAX + nr_rotated; before,
// the pages written out.
export const F_LRU_COST_ROTATION: i32 = 6;
// memcg_rstat_updated / mem_cgroup_flush_stats (between 6.6 and 6.12, 74adf6f85801): the
// flush threshold per memcg and a subtree flush; before, one global threshold and a flush
// of the whole tree.
export const F_RSTAT_PER_MEMCG: i32 = 7;
// mem_cgroup_usage (v1 root, 6.6+): global node counters; before, the root memcg's flushed
// statistics after a threshold-gated flush.
export const F_V1_ROOT_USAGE_GLOBAL: i32 = 8;
// Interface files (memory_files, mm/memcontrol.c): memory.peak and memory.reclaim (5.19+),
// memory.swap.peak (6.5+), writable peak files (6.12+), memory.reclaim swappiness=N (6.12+)
// and swappiness=max (6.16+), sock_throttled in memory.events (6.19+).
export const F_FILE_PEAK_RECLAIM: i32 = 9;
export const F_FILE_SWAP_PEAK: i32 = 10;
export const F_PEAK_WRITE: i32 = 11;
export const F_RECLAIM_SWAPPINESS: i32 = 12;
export const F_RECLAIM_SWAPPINESS_MAX: i32 = 13;
export const F_EVENTS_SOCK_THROTTLED: i32 = 14;
// try_charge_memcg (mainline, "mm/memcontrol: fix reclaim_options leak in try_charge_memcg()",
// 2026): MAY_SWAP is set again on every retry; up to 6.18 a memsw failure clears it for the
// rest of the charge.
export const F_MAYSWAP_PER_RETRY: i32 = 15;
// try_charge_memcg (c9afe31ec443, in 6.1, not in 5.15): an overage above MEMCG_CHARGE_BATCH is
// handled inside the charge, before commit_charge; before, only on the way back to user space.
export const F_HIGH_IN_CHARGE: i32 = 16;
// try_charge_memcg (6.15+, 01d37228d331): a charge that may not spin (no reclaim bit) takes
// no batch; before, such a charge took a batch like any other.
export const F_NO_SPIN_BATCH: i32 = 17;
// The per-page_counter stock (the pcstock proposal, page_counter_stock.ts) instead of the
// memcg stock: no mainline kernel has it.
export const F_PCSTOCK: i32 = 18;
// struct page_counter (6.1+, "mm: page_counter: rearrange struct page_counter fields"):
// usage alone on its cache line; before, usage shares its line with min/low/high/max. The
// cost model's line layout only (cost_model.ts).
export const F_PC_LAYOUT_2022: i32 = 19;
// propagate_protected_usage (6.1+, "mm: page_counter: remove unneeded atomic ops for low/min"):
// the xchg only when the protected usage changed; before, whenever min/low is set. Cost
// model only: the values stored are the same.
export const F_PROT_XCHG_CHANGED: i32 = 20;
// zap_page_range_single / unmap_region / exit_mmap / free_pages_and_swap_cache: up to 6.12
// (read in 5.15.215, 6.1.166, 6.6.57, 6.12.63) each calls lru_add_drain() on the unmapping
// CPU before the folios are freed; in 6.18.19 and 7.1.5 none does, so a folio still in an
// lru_add batch is held there (charged) after MADV_DONTNEED, munmap or exit.
export const F_UNMAP_NO_LRU_DRAIN: i32 = 21;
// pcpu_memcg_pre_alloc_hook / pcpu_memcg_post_alloc_hook / pcpu_memcg_free_hook (5.17+,
// 8c57c07741bf "mm: memcg/percpu: account extra objcg space to memory cgroups"): the charge and
// MEMCG_PERCPU_B are pcpu_obj_full_size, the CPUs' copies plus an objcg pointer per 4-byte
// unit; before (5.15.215), both are size × num_possible_cpus() only.
export const F_PERCPU_OBJCG_EXTRA: i32 = 22;
// mlock_new_folio / munlock_folio (5.18+, Hugh Dickins' "mm/munlock: mlock_page() munlock_page()
// batch by pagevec"; mlock_pvec in 6.1.166, mlock_fbatch in 6.18.44; 5.15.215 has none): a
// locked folio waits in a per-CPU mlock batch (mlock_batch.ts) until it is full or drained.
export const F_MLOCK_BATCH: i32 = 23;
// cgroup_stat_show (between 6.6 and 6.12: read in 6.6.63 without, 6.12.63 with; Waiman Long,
// "cgroup: Show # of subsystem CSSes in cgroup.stat", 2024): cgroup.stat gains nr_subsys_<ss>
// and nr_dying_subsys_<ss> for each controller bound to v2. Interface file only.
export const F_CGROUP_STAT_SUBSYS: i32 = 24;
export const NR_PROFILE_FEATURES: i32 = 25;

// Registry columns, indexed by profile id.
//                                        5.15 6.1 6.6 6.12 multi 6.18 mainline pcstock
const NSLOTS: StaticArray<i32> = [1, 1, 1, 1, 7, 7, 7, 7]; // f735eebe55f8 (6.16): NR_MEMCG_STOCK = 7
// MEMCG_CHARGE_BATCH (include/linux/memcontrol.h): 32 in 5.15; 64 from 6.1, 1813e51eece0
// "memcg: increase MEMCG_CHARGE_BATCH to 64" (the 2022 "memcg: optimize charge codepath" series).
const CHARGE_BATCH: StaticArray<i32> = [32, 64, 64, 64, 64, 64, 64, 64];
// PAGEVEC_SIZE (include/linux/pagevec.h), the size of every folio_batch (the per-CPU lru_add
// batch, filemap_get_read_batch): 15 up to 6.6; 31 from 9cecde80aae0 "mm: increase folio
// batch size" (v6.9). Read in 5.15.215, 6.1.166, 6.6.57 (15) and 6.12.63, 6.18.19 (31).
const PAGEVEC: StaticArray<i32> = [15, 15, 15, 31, 31, 31, 31, 31];
const VICTIM: StaticArray<i32> = [
  VICTIM_RANDOM, VICTIM_RANDOM, VICTIM_RANDOM, VICTIM_RANDOM, VICTIM_RANDOM, VICTIM_ROUND_ROBIN, VICTIM_ROUND_ROBIN,
  VICTIM_ROUND_ROBIN,
];
const FEATURES: StaticArray<u32> = [
  bits5_15(), bits6_1(), bits6_6(), bits6_12(), bits6_16(), bits6_16(), bitsMainline(), bitsPcstock(),
];

function bits5_15(): u32 {
  return (1 << F_ATOMIC_BYPASS) | (1 << F_TARGET_SELF_PROTECTED);
}
function bits6_1(): u32 {
  return (1 << F_MLOCK_BATCH) | (1 << F_FORCE_MAX_EVENT) | (1 << F_HIGH_IN_CHARGE) | (1 << F_OOM_GROUP_KILL_EVENT) | (1 << F_TARGET_SELF_PROTECTED) |
    (1 << F_FILE_PEAK_RECLAIM) | (1 << F_PC_LAYOUT_2022) | (1 << F_PROT_XCHG_CHANGED) | (1 << F_PERCPU_OBJCG_EXTRA);
}
function bits6_6(): u32 {
  return (1 << F_MLOCK_BATCH) | (1 << F_FORCE_MAX_EVENT) | (1 << F_HIGH_IN_CHARGE) | (1 << F_OOM_GROUP_KILL_EVENT) | (1 << F_LRU_COST_ROTATION) |
    (1 << F_V1_ROOT_USAGE_GLOBAL) | (1 << F_FILE_PEAK_RECLAIM) | (1 << F_FILE_SWAP_PEAK) | (1 << F_PC_LAYOUT_2022) |
    (1 << F_PROT_XCHG_CHANGED) | (1 << F_PERCPU_OBJCG_EXTRA);
}
function bits6_12(): u32 {
  return bits6_6() | (1 << F_PARTIAL_WALK) | (1 << F_RSTAT_PER_MEMCG) |
    (1 << F_PEAK_WRITE) | (1 << F_RECLAIM_SWAPPINESS) | (1 << F_CGROUP_STAT_SUBSYS);
}
function bits6_16(): u32 {
  return bits6_12() | (1 << F_FAILCNT_V1_MEMORY_ONLY) | (1 << F_RECLAIM_SWAPPINESS_MAX) | (1 << F_NO_SPIN_BATCH) |
    (1 << F_UNMAP_NO_LRU_DRAIN);
}
function bitsMainline(): u32 {
  return bits6_16() | (1 << F_EVENTS_SOCK_THROTTLED) | (1 << F_MAYSWAP_PER_RETRY);
}
// try_charge_memcg (v4 4/5): the no-spin special case goes ("refilling stock just adds pages
// to the counter's own local cache"): page_counter_try_charge_stock takes the batch for every charge.
function bitsPcstock(): u32 {
  return (bitsMainline() & ~(<u32>1 << F_NO_SPIN_BATCH)) | (1 << F_PCSTOCK);
}

let features: u32 = 0;
/** PAGEVEC_SIZE of the selected era: the folios a folio_batch holds. */
export let pagevec_size: i32 = 31;

/** Select the row the whole system follows (system_init). */
export function profile_select(p: i32): void {
  features = unchecked(FEATURES[p]);
  pagevec_size = unchecked(PAGEVEC[p]);
}
/** The selected era behaves the way feature f describes (F_*). */
@inline export function era(f: i32): bool {
  return (features & (<u32>1 << f)) != 0;
}
/** Feature f of row p, for the host (interface files): 1 or 0; -1 for a bad row or feature. */
export function profile_feature(p: i32, f: i32): i32 {
  if (p < 0 || p >= NR_PROFILES || f < 0 || f >= NR_PROFILE_FEATURES) return -1;
  return (unchecked(FEATURES[p]) & (<u32>1 << f)) != 0 ? 1 : 0;
}
export function profile_nslots(p: i32): i32 {
  return unchecked(NSLOTS[p]);
}
export function profile_victim(p: i32): i32 {
  return unchecked(VICTIM[p]);
}
/** PAGEVEC_SIZE of row p; -1 for a bad row. */
export function profile_pagevec_size(p: i32): i32 {
  if (p < 0 || p >= NR_PROFILES) return -1;
  return unchecked(PAGEVEC[p]);
}
/** MEMCG_CHARGE_BATCH of row p (the chargeBatch option's default); -1 for a bad row. */
export function profile_charge_batch(p: i32): i32 {
  if (p < 0 || p >= NR_PROFILES) return -1;
  return unchecked(CHARGE_BATCH[p]);
}
