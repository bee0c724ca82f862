// memcg-sim core ABI: everything the host may call or read, grouped. Nothing else lives here.

// ── Errors: functions return 0 or -errno ─────────────────────────────────────────────────
export { ENOENT, EAGAIN, ENOMEM, EBUSY, EEXIST, EINVAL, ENOSPC, EINTR, ESRCH, ELIMIT } from "./errno";

// ── Configuration and creation (set keys, then system_init once) ─────────────────────────
export {
  cfg_set, cfg_get, CFG_CGROUP_VERSION, CFG_PROFILE, CFG_NODES, CFG_CPUS_PER_NODE, CFG_MAX_CGROUPS, CFG_MAX_FOLIOS,
  CFG_OP_CAPACITY, CFG_SEED_LO, CFG_SEED_HI, CFG_SWAP_ACCOUNT, CFG_STOCK_OFF, CFG_BATCH,
  CFG_REMOTE_DRAIN, CFG_OOM_VICTIM_EXIT, CFG_RECURSIVE_PROT, CFG_LOCAL_EVENTS, CFG_MAX_TASKS, CFG_SWAP_PAGES, CFG_HZ, CFG_KMEM,
  CFG_MAX_FILE_ENTRIES, CFG_LRU_ADD_BATCH, CFG_PREFAULT, CFG_MM_PREPARED, cfg_refused, layout_table_bytes, layout_base, layout_heap_end,
  layout_failure, layout_failed_table, layout_failed_entries, layout_failed_entry_bytes, layout_failed_start, LAYOUT_OK,
  LAYOUT_TOO_BIG, LAYOUT_GROW_REFUSED,
  CFG_SOCKETS, CFG_CORES_PER_SOCKET, CFG_THREADS_PER_CORE, CFG_NODES_PER_SOCKET, CFG_CORES_PER_LLC, CFG_COST_MODEL,
  CFG_PC_LAYOUT, CFG_PROT_XCHG_ALWAYS, CFG_COST_BASE,
} from "./layout";
export {
  PROFILE_5_15, PROFILE_6_1, PROFILE_6_6, PROFILE_6_12, PROFILE_MULTI, PROFILE_6_18, PROFILE_MAINLINE, PROFILE_PCSTOCK, NR_PROFILES,
  profile_feature, profile_charge_batch, profile_pagevec_size, F_FILE_PEAK_RECLAIM, F_FILE_SWAP_PEAK, F_PEAK_WRITE, F_RECLAIM_SWAPPINESS, F_RECLAIM_SWAPPINESS_MAX,
  F_EVENTS_SOCK_THROTTLED, F_CGROUP_STAT_SUBSYS, F_OOM_GROUP_KILL_EVENT, F_PCSTOCK, F_PC_LAYOUT_2022, F_PROT_XCHG_CHANGED, F_UNMAP_NO_LRU_DRAIN,
} from "./profile";
export { system_init, nr_cpu_ids, MAX_NODES, MAX_CPUS, MAX_CGROUPS, MAX_FOLIOS } from "./system";
export { REMOTE_DRAIN_SCHEDULE, REMOTE_DRAIN_IMMEDIATE, REMOTE_DRAIN_DEFERRED } from "./stock";
export { VICTIM_EXIT_SCHEDULE, VICTIM_EXIT_KILL, VICTIM_EXIT_OOM } from "./resched";

// ── Bulk: op records in, results out (struct op in replay.ts) ────────────────────────────
export { op_buffer, result_buffer, id_buffer, op_capacity, replay_ops } from "./system";
export {
  OP_RECORD_SIZE, OP_CHARGE, OP_UNCHARGE, OP_UNCHARGE_LIST, OP_SET_MAX, OP_SET_HIGH, OP_SET_LOW, OP_SET_MIN,
  OP_ARG_MAX, OP_TOUCH, OP_WAIT, OP_THP_FAULT, OP_SK_CHARGE, OP_SK_UNCHARGE,
} from "./replay";
export { thp_fault } from "./thp_fault";
export { thp_fault_event, THP_FAULT_ALLOC, THP_FAULT_FALLBACK, THP_FAULT_FALLBACK_CHARGE } from "./rstat";

// ── Single operations (the same functions the replay runs) ───────────────────────────────
export { cgroup_mkdir, cgroup_rmdir, cgroup_subtree_control_write } from "./cgroup_dir";
export {
  cgroup_memcg_of, cgroup_effective_memcg, cgroup_is_alive, cgroup_parent_of, cgroup_generation, memcg_generation, memcg_kernel_id,
  memcg_id_ref_count, memcg_allocated, cgroup_controllers_get, cgroup_subtree_get, cgroup_tasks_get, cgroup_stat_get,
} from "./system";
export {
  CGROUP_NR_DESCENDANTS, CGROUP_NR_DYING_DESCENDANTS, CGROUP_NR_SUBSYS_MEMORY, CGROUP_NR_DYING_SUBSYS_MEMORY, CGROUP_POPULATED,
} from "./cgroup_core";
export { MEM_CGROUP_ID_MAX } from "./memcg";
export {
  LIMIT_MAX, LIMIT_HIGH, LIMIT_LOW, LIMIT_MIN, memcg_force_empty, SETTING_SOFT_LIMIT,
  SETTING_SWAPPINESS, SETTING_OOM_KILL_DISABLE, SETTING_USE_HIERARCHY, SETTING_MOVE_CHARGE, SETTING_OOM_GROUP,
} from "./cgroup";
export { peak_open, peak_write, peak_close } from "./peak";
export { memcg_setting_read, memcg_setting_write, memcg_proactive_reclaim, memcg_peak_read } from "./system";

// ── Tasks, time, access ──────────────────────────────────────────────────────────────────
export {
  memcg_task_create, memcg_task_move, memcg_task_exit, memcg_task_set_adj, memcg_task_get, memcg_oom_badness,
  TASK_MEMCG, TASK_ANON, TASK_SWAPENTS, TASK_THROTTLED_NS, TASK_KILLED, TASK_SCORE_ADJ, TASK_OVER_HIGH, TASK_OOM_WAIT,
  TASK_OOM_FOLIO, TASK_CGROUP, clock_now_ns,
  clock_wait, throttled_no_task_ns, folio_get_flags, folio_get_batch_held, folio_get_oom_waiter, folio_get_split, memcg_lru_size, memcg_lru_cost,
  swap_total_pages, swap_free_pages,
} from "./system";
export { folio_touch } from "./charge";
export { PG_LRU, PG_ACTIVE, PG_REFERENCED, PG_YOUNG, PG_SWAPPED, PG_UNEVICTABLE } from "./folio";
export { LRU_INACTIVE_ANON, LRU_ACTIVE_ANON, LRU_INACTIVE_FILE, LRU_ACTIVE_FILE, LRU_UNEVICTABLE } from "./lru";
export { mem_cgroup_charge as memcg_charge } from "./charge";
export { mem_cgroup_uncharge as memcg_uncharge } from "./uncharge";
export {
  memcg_write_limit, memcg_uncharge_list, memcg_drain_all_stock, memcg_counter_reset, memcg_calculate_protection,
} from "./system";
export {
  __GFP_HIGH, __GFP_ATOMIC, __GFP_IO, __GFP_FS, __GFP_DIRECT_RECLAIM, __GFP_KSWAPD_RECLAIM, __GFP_RETRY_MAYFAIL, __GFP_NOFAIL,
  __GFP_NORETRY, GFP_KERNEL, GFP_NOWAIT, GFP_ATOMIC,
} from "./gfp";
export { FOLIO_ANON, FOLIO_FILE, FOLIO_SHMEM, HPAGE_PMD_ORDER, layout_folio_table, FOLIO_STRIDE, FOLIO_BYTES, folio_max_fit, memory_scrub } from "./folio";

// ── Topology, socket memory, the cost model and page_counter races ──────────────────────
export {
  topology_get, TOPO_CORE, TOPO_LLC, TOPO_NODE, TOPO_SOCKET, memcg_sk_charge, memcg_sk_uncharge, memcg_race_charges,
} from "./system";
export {
  NR_COSTS, COST_ATOMIC, COST_WORK, NR_DIST, PC_LAYOUT_2022, PC_LAYOUT_PRE_2022, NR_OPK, OPK_CHARGE, OPK_UNCHARGE,
  OPK_SK_CHARGE, OPK_SK_UNCHARGE, OPK_TOUCH, OPK_FILE, OPK_OTHER, CS_ATOMICS, CS_ACCESSES, CS_XFER_BASE, CS_OPK_CYCLES, CS_OPK_OPS,
  LC_PC, LC_MEMCG_STOCK, LC_OBJ_STOCK, LC_LRU_BATCH, LC_OBJCG, LC_PCSTOCK, LC_STATS_PCPU, LC_STATS_UPDATES, LC_LRUVEC,
  LC_TCPMEM, LC_RSTAT_LOCK, LC_RSTAT_CPU, LC_TASK, cost_stat_get, cost_cpu_get, cost_lines,
  cost_line_stats, cost_line_class, cost_line_index, cost_layout,
} from "./cost_model";
export { cost_on as COST_MODEL_BUILT } from "./cost_model";

// ── Reading state ────────────────────────────────────────────────────────────────────────
// ── Testing: the cheap skips off (every observable must stay the same) ──────────────────
export { pc_skips_set } from "./page_counter";

export {
  PC_MEMORY, PC_SWAP, PCF_USAGE, PCF_MAX, PCF_MIN, PCF_LOW, PCF_HIGH, PCF_EMIN, PCF_ELOW, PCF_MIN_USAGE,
  PCF_LOW_USAGE, PCF_CHILDREN_MIN_USAGE, PCF_CHILDREN_LOW_USAGE, PCF_WATERMARK, PCF_LOCAL_WATERMARK, PCF_FAILCNT,
} from "./page_counter";
export {
  counter_get, memcg_memory_counter, memcg_swap_counter, memcg_parent, memcg_is_online, memcg_event_get,
  memcg_stat_get, memcg_stat_flushed, memcg_flush_stats, memcg_page_events_get, memcg_usage_v1,
  memcg_hierarchical_limit, memcg_css_refs, memcg_stock_pages, sim_stat_get, memcg_under_oom_get,
  folio_get_memcg, folio_get_order, folio_get_kind, folio_get_node, folio_get_memcg_data,
} from "./system";
export {
  MEMCG_LOW, MEMCG_HIGH, MEMCG_MAX, MEMCG_OOM, MEMCG_OOM_KILL, MEMCG_OOM_GROUP_KILL, MEMCG_SWAP_HIGH,
  MEMCG_SWAP_MAX, MEMCG_SWAP_FAIL, MEMCG_NR_MEMORY_EVENTS,
} from "./memcg";
export {
  NR_ANON_MAPPED, NR_FILE_PAGES, NR_ANON_THPS, NR_FILE_THPS, PGPGIN, PGPGOUT, NR_INACTIVE_ANON, NR_ACTIVE_ANON,
  NR_INACTIVE_FILE, NR_ACTIVE_FILE, NR_UNEVICTABLE, PGSCAN_DIRECT, PGSTEAL_DIRECT, PGSCAN_PROACTIVE, PGSTEAL_PROACTIVE,
  PGREFILL, PGACTIVATE, PGDEACTIVATE, PSWPIN, PSWPOUT, PGMAJFAULT, PGFAULT, MEMCG_SWAP, MEMCG_SOCK, THP_SWPOUT, THP_SWPOUT_FALLBACK, MEMCG_THP_FAULT_ALLOC,
  stat_updates, NR_SLAB_RECLAIMABLE_B, NR_SLAB_UNRECLAIMABLE_B, NR_PAGETABLE, NR_SHMEM, NR_FILE_MAPPED, MEMCG_KMEM,
  MEMCG_PERCPU_B, NR_STAT_ITEMS,
} from "./rstat";

// ── Kernel memory: v1 kmem/tcpmem counters, the object stock (objcg.ts), page tables ─────
export {
  KMEM_USAGE, KMEM_WATERMARK, KMEM_FAILCNT, KMEM_MAX, TCP_USAGE, TCP_WATERMARK, TCP_FAILCNT, TCP_MAX,
} from "./objcg";
export { memcg_kmem_read, memcg_kmem_write, obj_stock_get, memcg_objcg_bytes, task_pgtable_pages } from "./system";

// ── Files and their page cache (filemap.ts, readahead.ts), mlock, swapoff ────────────────
export { FILE_DISK, FILE_TMPFS, FILE_SHARED_ANON, MAX_FILES, FILE_PAGES_MAX, FI_SIZE, FI_CACHED, FI_FOLIOS, FI_NODES, FI_HEIGHT, FI_ENTRIES, FI_MAP_TASK, FI_KIND, FI_LIVE } from "./filemap";
export {
  memcg_file_create, memcg_file_read, memcg_file_write, memcg_file_fault, memcg_file_truncate, memcg_file_unlink,
  memcg_file_info, memcg_file_folio, memcg_file_folio_orders, memcg_mlock, memcg_mlock_new, memcg_munlock, memcg_mlock_populate,
  memcg_mlock_populated, memcg_swapoff, memcg_lru_add_pending, memcg_mlock_pending, memcg_lru_add_drain,
} from "./system";
export { NR_MEMCG_STOCK, nslots as stock_nslots_value, stock_slot_memcg, stock_slot_pages } from "./stock";
export { over_high_pages } from "./charge";
export {
  SIM_CHARGES, SIM_CHARGE_FAILS, SIM_STOCK_HITS, SIM_STOCK_MISSES, SIM_STOCK_REFILLS, SIM_STOCK_DRAINS,
  SIM_STOCK_EVICTIONS, SIM_DRAIN_ALL, SIM_DRAIN_REMOTE, SIM_COUNTER_LEVELS, SIM_FORCED, SIM_RECLAIM_CALLS,
  SIM_OOM_CALLS, SIM_UNCHARGE_BATCHES, SIM_SPLIT_NO_IDS, SIM_STOCKED_PAGES, SIM_STOCKED_MAX, SIM_SK_CHARGES,
  NR_SIM_STATS,
} from "./simstat";
