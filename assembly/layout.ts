// Linear-memory layout of one system. Every table is allocated once, by system_init, from
// the config block, so a replay never grows memory midway and host views stay valid.
// Tables are structures of arrays indexed by small integer ids (DESIGN rule 2).
//
//   heap.alloc ──►┌─────────────────────────────────────────────────────────────┐
//                 │ op buffer      OP_RECORD_SIZE × opCapacity   (replay.ts)     │
//                 │ result buffer  i32 × opCapacity                             │
//                 ├─────────────────────────────────────────────────────────────┤
//                 │ page_counter   C = 2 × maxCgroups entries (memory, swap|memsw│
//                 │   usage max min low high emin elow min_usage low_usage      │
//                 │   children_min_usage children_low_usage watermark           │
//                 │   local_watermark failcnt : i64[C]      parent : i32[C]     │
//                 ├─────────────────────────────────────────────────────────────┤
//                 │ mem_cgroup     M = maxCgroups entries                       │
//                 │   parent flags depth : i32[M]   css_refs : i64[M]           │
//                 │   events events_local : i64[M × NR_MEMCG_EVENTS]            │
//                 │   nr_page_events soft_limit : i64[M]                        │
//                 │   swappiness oom_kill_disable oom_group : i32[M]            │
//                 ├─────────────────────────────────────────────────────────────┤
//                 │ rstat          pending inbox agg local :                    │
//                 │                  i64[M × nodes × NR_STAT_ITEMS]             │
//                 │   stats_updates : i64[M]   percpu stats_updates : i32[M×cpus]│
//                 ├─────────────────────────────────────────────────────────────┤
//                 │ peak files     counter : i32[1024]   value : i64[1024]      │
//                 ├─────────────────────────────────────────────────────────────┤
//                 │ stock          S = cpus × nslots slots                      │
//                 │   slot_memcg slot_nr : i32[S]   drain_idx flushing : i32[N] │
//                 │   over_high : i64[cpus]                                     │
//                 ├─────────────────────────────────────────────────────────────┤
//                 │ topology       cpu_node cpu_core cpu_llc cpu_socket : i32[cpus]│
//                 ├─────────────────────────────────────────────────────────────┤
//                 │ cost model     (only with CFG_COST_MODEL) line directory:   │
//                 │   owner i32, ready f64, sharers u64[W] per line; clocks     │
//                 │   busy wait : f64[cpus]   (cost_model.ts)                   │
//                 │ page_counter stock (pcstock profile) i32[cpus × counters]   │
//                 ├─────────────────────────────────────────────────────────────┤
//                 │ folio          F = maxFolios entries                        │
//                 │   memcg_data order kind node : i32[F]   free list : i32[F]  │
//                 ├─────────────────────────────────────────────────────────────┤
//                 │ sim stats      i64[NR_SIM_STATS]  (emulator's own counters) │
//                 └─────────────────────────────────────────────────────────────┘

/** Config keys the host sets before system_init (values are f64 at the boundary). */
export const CFG_CGROUP_VERSION: i32 = 0; // 1 or 2
export const CFG_PROFILE: i32 = 1; // profile.ts id
export const CFG_NODES: i32 = 2;
export const CFG_CPUS_PER_NODE: i32 = 3;
export const CFG_MAX_CGROUPS: i32 = 4; // including the root
export const CFG_MAX_FOLIOS: i32 = 5;
export const CFG_OP_CAPACITY: i32 = 6; // op records per replay chunk
export const CFG_SEED_LO: i32 = 7; // low 32 bits of the seed
export const CFG_SEED_HI: i32 = 8; // high 32 bits of the seed
export const CFG_SWAP_ACCOUNT: i32 = 9; // v1: memsw accounting on (do_memsw_account)
export const CFG_STOCK_OFF: i32 = 10; // 1: no per-CPU stock (emulator option, not a kernel)
export const CFG_BATCH: i32 = 11; // MEMCG_CHARGE_BATCH
export const CFG_REMOTE_DRAIN: i32 = 12; // stock.ts REMOTE_DRAIN_*: when drain work queued on another CPU runs
export const CFG_RECURSIVE_PROT: i32 = 13; // memory_recursiveprot mount option
export const CFG_LOCAL_EVENTS: i32 = 14; // memory_localevents mount option
export const CFG_MAX_TASKS: i32 = 15;
export const CFG_SWAP_PAGES: i32 = 16; // size of the swap device in pages (0: no swap)
export const CFG_HZ: i32 = 17; // CONFIG_HZ: jiffies per second (memory.high penalties)
export const CFG_OOM_VICTIM_EXIT: i32 = 18; // sched.ts VICTIM_EXIT_*: when an OOM victim's memory goes
export const CFG_KMEM: i32 = 19; // 1: kernel memory accounting (0 = cgroup.memory=nokmem)
export const CFG_MAX_FILE_ENTRIES: i32 = 20; // page cache entries + xarray nodes of files (filemap.ts)
export const CFG_LRU_ADD_BATCH: i32 = 21; // 1: the per-CPU lru_add folio_batch (lru_add.ts)
// Topology (topology.ts): sockets > 0 selects it; otherwise CFG_NODES × CFG_CPUS_PER_NODE.
export const CFG_SOCKETS: i32 = 22;
export const CFG_CORES_PER_SOCKET: i32 = 23;
export const CFG_THREADS_PER_CORE: i32 = 24;
export const CFG_NODES_PER_SOCKET: i32 = 25;
export const CFG_CORES_PER_LLC: i32 = 26;
// Cost model (cost_model.ts): on/off, the struct layouts, and the costs in cycles.
export const CFG_COST_MODEL: i32 = 27;
export const CFG_PC_LAYOUT: i32 = 28; // cost_model.ts PC_LAYOUT_*
export const CFG_PROT_XCHG_ALWAYS: i32 = 29; // propagate_protected_usage before 6.1: xchg whenever min/low is set
export const CFG_COST_BASE: i32 = 30; // NR_COSTS entries (cost_model.ts COST_*), cycles
export const NR_CFG: i32 = 40;

const cfg = new StaticArray<f64>(NR_CFG);

export function cfg_set(key: i32, value: f64): void {
  if (key >= 0 && key < NR_CFG) unchecked((cfg[key] = value));
}
export function cfg_get(key: i32): f64 {
  return key >= 0 && key < NR_CFG ? unchecked(cfg[key]) : 0;
}

let used: usize = 0;

/**
 * Allocate a table from the runtime heap (only during system_init). Each system is a fresh
 * instance and the stub runtime never frees, so the memory handed out is still zero.
 */
export function table_alloc(bytes: usize): usize {
  const ptr = heap.alloc(bytes);
  used += bytes;
  return ptr;
}

/** Bytes the tables use (for the host's sizing report). */
export function layout_table_bytes(): usize {
  return used;
}
