// What each kernel era does, as read in that era's own stable tree (docs/profiles.md has the
// trees, the table and the commits). The tests take their expectations from here, not from
// the emulator's registry (assembly/profile.ts), so a wrong registry row fails them.

export const ERAS = ['5.15', '6.1', '6.6', '6.12', 'multi', '6.18', 'mainline', 'pcstock'] as const;
export type Era = (typeof ERAS)[number];

/** One era of each per-CPU stock design: one cached memcg, 7 slots random victim, 7 slots round-robin. */
export const STOCK_DESIGNS = ['6.12', 'multi', '6.18'] as const;

// pcstock is mainline with the per-page_counter stock of the 2026 series (v4) applied.
const rank: Record<Era, number> = { '5.15': 0, '6.1': 1, '6.6': 2, '6.12': 3, multi: 4, '6.18': 5, mainline: 6, pcstock: 7 };
/** The era is at least `since` (multi is 6.16–6.18.35, between 6.12 and 6.18). */
export const atLeast = (era: Era, since: Era): boolean => rank[era] >= rank[since];

export const KERNEL = (era: Era) => ({
  /**
   * MEMCG_CHARGE_BATCH (include/linux/memcontrol.h): 32U in 5.15.215, 64U in 6.1.166 and
   * later, 1813e51eece0 "memcg: increase MEMCG_CHARGE_BATCH to 64" (v6.1).
   */
  chargeBatch: atLeast(era, '6.1') ? 64 : 32,
  /**
   * PAGEVEC_SIZE (include/linux/pagevec.h), the folios of a folio_batch: 15 in 5.15.215,
   * 6.1.166, 6.6.57; 31 in 6.12.63 and 6.18.19, 9cecde80aae0 "mm: increase folio batch size" (v6.9).
   */
  pagevecSize: atLeast(era, '6.12') ? 31 : 15,
  /**
   * zap_page_range_single / unmap_region / exit_mmap / free_pages_and_swap_cache call
   * lru_add_drain() on the unmapping CPU in 5.15.215, 6.1.166, 6.6.57, 6.12.63; none does in
   * 6.18.19 or 7.1.5 (so from multi, 6.16, on a folio unmapped in a batch is held there).
   */
  unmapDrainsLruAdd: !atLeast(era, 'multi'),
  /**
   * The per-CPU mlock batch (mm/mlock.c): mlock_pvec in 6.1.166, mlock_fbatch in 6.18.44 (5.18,
   * Hugh Dickins' munlock rework); 5.15.215 has none (mlock_vma_page moves the page at once).
   */
  mlockBatch: atLeast(era, '6.1'),
  /** refill_stock: NR_MEMCG_STOCK slots since 6.16 (f735eebe55f8). */
  stockSlots: atLeast(era, 'multi') ? 7 : 1,
  /** refill_stock: round-robin victim since 6.18.36 / v7.1 (c0cafe24d3f6); random before. */
  roundRobin: atLeast(era, '6.18'),
  /** page_counter_try_charge: failcnt on every counter up to 6.14; 6.15+ v1 memory only (0e2759afcaf9). */
  failcntEverywhere: !atLeast(era, 'multi'),
  /** try_charge_memcg (5.15): __GFP_ATOMIC forced before reclaim, no MAX event. */
  atomicBypass: era === '5.15',
  /** oom_kill_process: MEMCG_OOM_GROUP_KILL since 5.17. */
  oomGroupKillEvent: atLeast(era, '6.1'),
  /** shrink_node_memcgs: partial walks (between 6.6 and 6.12). */
  partialWalk: atLeast(era, '6.12'),
  /** mem_cgroup_below_low/min (<= 6.1): the reclaim target's own stale protection counts. */
  targetSelfProtected: !atLeast(era, '6.6'),
  /** lru_note_cost (6.2+, 0538a82c39e9): nr_io * SWAP_CLUSTER_MAX + nr_rotated; before, nr_io. */
  lruCostRotation: atLeast(era, '6.6'),
  /** memcg_rstat_updated: per-memcg flush threshold (74adf6f85801); before, one global one. */
  rstatPerMemcg: atLeast(era, '6.12'),
  /** try_charge_memcg: memory.high handled inside the charge for a large overage (c9afe31ec443). */
  highInCharge: atLeast(era, '6.1'),
  /** try_charge_memcg: a charge that may not spin takes no batch (6.15+, 01d37228d331). */
  noSpinBatch: atLeast(era, 'multi') && era !== 'pcstock', // pcstock: v4 4/5 drops the special case
  /** try_charge_memcg: MAY_SWAP reset on every retry (mainline: "fix reclaim_options leak"). */
  maySwapPerRetry: atLeast(era, 'mainline'),
  /** mem_cgroup_usage (v1 root): global node counters since 6.5; before, the root memcg's flushed stats. */
  v1RootUsageGlobal: atLeast(era, '6.6'),
  /** memory_files: memory.peak, memory.reclaim (5.19+), memory.swap.peak (6.5+), peak writes and swappiness= (6.12+), swappiness=max (6.16+), sock_throttled (6.19+). */
  peakAndReclaimFiles: atLeast(era, '6.1'),
  swapPeakFile: atLeast(era, '6.6'),
  peakWrite: atLeast(era, '6.12'),
  reclaimSwappiness: atLeast(era, '6.12'),
  reclaimSwappinessMax: atLeast(era, 'multi'),
  sockThrottled: atLeast(era, 'mainline'),
  /** v4 of "move stock from mem_cgroup to page_counter": a stock per CPU per page_counter, no memcg stock. */
  pcstock: era === 'pcstock',
  /** struct page_counter: usage alone on its line, and no xchg for unchanged protection (6.1, the 2022 series). */
  layout2022: atLeast(era, '6.1'),
  /**
   * pcpu_memcg_pre/post_alloc_hook, pcpu_memcg_free_hook (mm/percpu.c): charge and MEMCG_PERCPU_B
   * are pcpu_obj_full_size = size × num_possible_cpus() + size / 4 × 8 in 6.1.0, 6.1.166 and
   * 6.18.44; size × num_possible_cpus() in 5.15.215 (8c57c07741bf, merged for 5.17).
   */
  percpuObjcgExtra: atLeast(era, '6.1'),
});
