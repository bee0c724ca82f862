// Linear-memory layout of one system. system_init sizes every table from the config block
// (in 64 bits, a sizing pass first), then takes them from memory.grow in this order, each
// cache-line aligned, so a replay never grows memory midway and host views stay valid. Most
// tables are structures of arrays indexed by small integer ids (DESIGN rule 2); the
// page_counter and folio tables are arrays of fixed records, because a charge or an uncharge
// reads several fields of one counter level / one folio together. Bytes per entry:
//
//   0 ┌ static data, the runtime heap (stub: nothing is allocated there after system_init)
//     │ 64 KiB left free
//     ├──────────────────────────────────────────────────────────────── per   bytes ────
//     │ op buffer        struct op (replay.ts)                         op      16
//     │ op results, uncharge id list   i32                             op      4 + 4
//     │ sim stats        i64[NR_SIM_STATS]                             —       120
//     │ cpu_to_node, core, LLC, socket   i32                           CPU     16
//     │ cost model (build/*-cost.wasm only): page_counter field slots; per line owner i32,
//     │   ready f64, sharers u64[⌈cpus/64⌉], transfers and waits f64  line 28 + 8 × words;
//     │   lines: 3 per counter, per CPU (stocks, obj stock, lru_add batch), per memcg per
//     │   CPU (statistics), per memcg (stats_updates, obj_cgroup), per memcg per node (lruvec);
//     │   folio owners i32[F], swap_cgroup line owners, CPU distances u8[cpus²], clocks f64
//     ├────────────────────────────────────────────────────────────────────────────────
//     │ page_counter     one record per counter, 2 per memcg           counter 128
//     │   (memory, and swap (v2) or memsw (v1)), 16 i64 slots, two cache lines:
//     │   usage max parent|flags local_watermark min low min_usage low_usage  ← a charge
//     │   watermark high emin elow children_min_usage children_low_usage failcnt —
//     ├────────────────────────────────────────────────────────────────────────────────
//     │ rstat            global per-CPU updates : i32                  CPU     4
//     │                  pending inbox aggregated local : i64[nodes × NR_STAT_ITEMS]
//     │                  per-CPU stats_updates : i32[cpus]   stats_updates : i64
//     │                                                  memcg   1024 × nodes + 4 × cpus + 8
//     │ lruvec lists     heads tails : i32[nodes × 5]   sizes : i64[…]  memcg   80 × nodes
//     │ reclaim          iterator : i32[nodes]   anon_cost file_cost : i64[nodes]
//     │                                                                memcg   20 × nodes
//     │ peak files       counter : i32, value : i64 (1024 files)        —       12 288
//     │ mem_cgroup       parents first_child last_child next_sibling   memcg   220
//     │   flags online_children kernel_id gen swappiness oom_kill_disable oom_group : i32
//     │   css_refs id_refs nr_page_events soft_limit : i64   events events_local : i64[9]
//     │   slot ida (1 bit a memcg), memcg id ida (MEM_CGROUP_ID_MAX bits)   —    8 KiB
//     │ cgroup           parents first_child last_child next_sibling flags memory_css
//     │                  nr_tasks gen nr_descendants nr_dying_descendants
//     │                  nr_dying_memory refs : i32, slot ida (1 bit)  cgroup  48
//     │                  css_cgroup : i32 (per memcg slot)             memcg    4
//     ├────────────────────────────────────────────────────────────────────────────────
//     │ tasks            memcg oom_score_adj killed + 5 OOM-wait fields : i32,
//     │                  rss : i64[3], over_high throttled join_seq oom_seq : i64
//     │                                                                task    88
//     │ obj_cgroup       objcg memcg, memcg objcg, structure objcg : i32
//     │   nr_charged_bytes, v1 kmem usage/watermark, tcpmem max/watermark/failcnt : i64
//     │                                                                memcg   60
//     │ obj_stock        objcg node : i32, bytes reclaimable unreclaimable : i64
//     │                                                                CPU     32
//     │ page tables      fault cursor, PTE region : i64, anon_vma objcg, node : i32,
//     │                  4 × (objcg, node : i32, pages : i64)          task    88
//     │ lru_add          folio_batch i32[31], count : i32              CPU     128
//     │ swap device      swap_cgroup record, entry size, free list : i32  swap page 12
//     │ stock            slot memcg, slot pages : i32[nslots]           CPU     8 × nslots
//     │ page_counter stocks (pcstock profile) i32                      counter × CPU 4
//     │                  drain_idx flushing : i32                      CPU     8
//     │ over_high        i64 (charges made without a task)             CPU     8
//     │ page cache       xarray keys, values : i64 (a power of two ≥ 2 × maxFileEntries)
//     │                                                                entry   16
//     │ files            10 × i32, size and mapping PTE pages : i64, file_ra_state 36
//     │                                                    file (4096) 92
//     ├────────────────────────────────────────────────────────────────────────────────
//     │ folio records    memcg_data, order|kind|flags|node, lru prev, lru next : u32
//     │ folio owners, swap slots, split chain, free list : i32         folio   16 + 16
//     └ at most 4 GiB (wasm32). The folio tables come last: what the others leave decides
//       how many folios fit (folio_max_fit); e.g. 256 CPUs on 2 nodes with 10 001 memcgs
//       (and the defaults: 4096 op records, 16 Ki page cache entries, 4096 files) take 40.3 MB
//       besides the folios, so 132.9 M folios fit (100 M take 3.24 GB, 3.02 GiB, in all).
//
// The files import one way (a file's callers above it) but for three circles, which
// scripts/import-cycles.ts lists and test/import-layers.test.ts holds to these:
//   charge, reclaim, high, filemap, readahead, objcg, pgtable: the kernel's own recursion
//     between mm/memcontrol.c, mm/vmscan.c, mm/filemap.c and mm/readahead.c. try_charge_memcg
//     reclaims (try_to_free_mem_cgroup_pages; mem_cgroup_handle_over_high's reclaim_high too),
//     reclaim drops page cache (__remove_mapping: filemap_folio_unmap, whose xarray nodes go
//     back through the slab's obj_cgroup_uncharge), and the page cache charges
//     (filemap_add_folio → mem_cgroup_charge, its xarray nodes through obj_cgroup_charge →
//     try_charge_memcg), as a fault's page table does (__pte_alloc → __memcg_kmem_charge_page);
//     readahead adds folios through filemap_add_folio, filemap_get_pages starts readahead.
//     try_charge_memcg also drains the object stocks (drain_all_stock, objcg.ts). Splitting
//     charge.ts (try_charge_memcg apart from the folio charge) and objcg.ts (the object stock
//     apart from obj_cgroup_charge) would leave the page cache's recursion alone.
//   lru_add, mlock_batch, uncharge: up to 6.12 an unmap drains its CPU's lru_add batch
//     (lru_add_drain in zap_page_range_single, unmap_region, exit_mmap), whose folios_put
//     uncharges the folios the batch held (mem_cgroup_uncharge_folios): mm/memory.c →
//     mm/swap.c → mm/memcontrol.c; lru_add_drain processes the mlock batch too
//     (mlock_drain_local), and from 6.16 the unmap of a locked folio adds it to that batch
//     (__folio_remove_rmap → munlock_folio), whose mlock_folio_batch → folios_put uncharges it.
//   cost_model, page_counter: the cost model reads the counter's field numbers (PCF_*) and the
//     counter calls the cost hooks; the field numbers in a file of their own would end it.
// Where the kernel calls up a layer through a pointer, the emulator does too: css_free
// (memcg.ts → memcg_css.ts, as css_release's work calls the subsystem's css_free) and the
// scheduling points (resched.ts → sched.ts: other tasks' exits and refaults run there).

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
export const CFG_PREFAULT: i32 = 22; // first touch: every table page is written at system_init if they total at most this many bytes
export const CFG_MM_PREPARED: i32 = 23; // 1: tasks' page tables and anon_vma exist before their faults (pgtable.ts)
// Topology (topology.ts): sockets > 0 selects it; otherwise CFG_NODES × CFG_CPUS_PER_NODE.
export const CFG_SOCKETS: i32 = 24;
export const CFG_CORES_PER_SOCKET: i32 = 25;
export const CFG_THREADS_PER_CORE: i32 = 26;
export const CFG_NODES_PER_SOCKET: i32 = 27;
export const CFG_CORES_PER_LLC: i32 = 28;
// Cost model (cost_model.ts): on/off, the struct layouts (-1: the era's), and the costs in cycles.
export const CFG_COST_MODEL: i32 = 29;
export const CFG_PC_LAYOUT: i32 = 30; // cost_model.ts PC_LAYOUT_*
export const CFG_PROT_XCHG_ALWAYS: i32 = 31; // propagate_protected_usage before 6.1: xchg whenever min/low is set
export const CFG_COST_BASE: i32 = 32; // NR_COSTS entries (cost_model.ts COST_*), cycles
export const NR_CFG: i32 = 42;

const cfg = new StaticArray<f64>(NR_CFG);

export function cfg_set(key: i32, value: f64): void {
  if (key >= 0 && key < NR_CFG) unchecked((cfg[key] = value));
}
export function cfg_get(key: i32): f64 {
  return key >= 0 && key < NR_CFG ? unchecked(cfg[key]) : 0;
}

let refused: i32 = -1;
/** The first config key system_init refused (not an integer in its range), -1 if none. */
export function cfg_refused(): i32 {
  return refused;
}
/** Refuse key (the first refusal is the one reported). */
export function cfg_refuse(key: i32): void {
  if (refused < 0) refused = key;
}
/** A config value that must be an integer in lo..hi (else it is refused and lo returned). */
export function cfg_int(key: i32, lo: f64, hi: f64): f64 {
  const v = cfg_get(key);
  if (v >= lo && v <= hi && v == Math.floor(v)) return v;
  cfg_refuse(key);
  return lo;
}

// ── the table region ─────────────────────────────────────────────────────────────────
// Tables come straight from memory.grow, above the runtime heap (the stub runtime refuses a
// single allocation over 1 GiB, and a system of 100 M folios needs more). Sizes are summed
// in 64 bits, so a configuration past the 4 GiB of a wasm32 memory is refused by name
// instead of wrapping. The core allocates nothing on the runtime heap after system_init;
// RUNTIME_SLACK bytes are left free above the heap all the same.

/** wasm32: at most 65536 pages of 64 KiB. */
export const MEMORY_LIMIT: u64 = <u64>1 << 32;
const PAGE_BYTES: u64 = 65536;
const TABLE_ALIGN: u64 = 64; // a cache line
const RUNTIME_SLACK: u64 = 65536;

export const LAYOUT_OK: i32 = 0;
export const LAYOUT_TOO_BIG: i32 = 1; // past MEMORY_LIMIT
export const LAYOUT_GROW_REFUSED: i32 = 2; // memory.grow failed below the limit (the host's memory)

let base: u64 = 0; // start of the region
let cursor: u64 = 0; // end of the last table (keeps counting after a failure)
let failure: i32 = LAYOUT_OK;
let failedName: string = "";
let failedEntries: u64 = 0;
let failedEntryBytes: u64 = 0;
let failedStart: u64 = 0;
let sizingPass = false;
let touch = false;

@inline function align_up(x: u64, a: u64): u64 {
  return (x + a - 1) & ~(a - 1);
}

/**
 * Start the region just above the runtime heap, before the first table: a sizing pass
 * (tables are measured, none is handed out) or the real one, touching every table page now
 * if prefault is set.
 */
export function layout_begin(sizing: bool, prefault: bool): void {
  sizingPass = sizing;
  touch = prefault;
  const p = heap.alloc(0); // the runtime heap's end; freed at once (the stub drops the last block)
  heap.free(p);
  base = align_up(<u64>p + RUNTIME_SLACK, TABLE_ALIGN);
  cursor = base;
}

/**
 * A table of entries × entryBytes, cache-line aligned and zero-filled (fresh pages of a
 * fresh instance); 0 in the sizing pass and once any table did not fit (the first one that
 * did not is recorded in layout_failed_*, the sizes of the later ones are still summed).
 * An init function writes nothing through a table it got as 0.
 */
export function table_alloc(name: string, entries: u64, entryBytes: i32): usize {
  const start = align_up(cursor, TABLE_ALIGN);
  const end = start + entries * <u64>entryBytes;
  cursor = end;
  if (failure != LAYOUT_OK) return 0;
  let why = LAYOUT_OK;
  if (end > MEMORY_LIMIT) why = LAYOUT_TOO_BIG;
  else if (sizingPass) return 0;
  else {
    const have = <u64>memory.size();
    const need = align_up(end, PAGE_BYTES) / PAGE_BYTES;
    if (need > have && memory.grow(<i32>(need - have)) < 0) why = LAYOUT_GROW_REFUSED;
  }
  if (why != LAYOUT_OK) {
    failure = why;
    failedName = name;
    failedEntries = entries;
    failedEntryBytes = entryBytes;
    failedStart = start;
    return 0;
  }
  // First touch: write each page of the fresh table once now, so that its page faults fall
  // in createSystem and not in the first operations.
  if (touch && end > start) {
    for (let p = start; p < end; p += 4096) store<u8>(<usize>p, 0);
    store<u8>(<usize>(end - 1), 0);
  }
  return <usize>start;
}

/** Bytes the tables take (or would take, when a table did not fit). */
export function layout_table_bytes(): f64 {
  return <f64>(cursor - base);
}
/** The end of the tables sized so far. */
export function layout_end(): u64 {
  return cursor;
}
/** The runtime heap's end: it stays below the table region (nothing is allocated after system_init). */
export function layout_heap_end(): f64 {
  const p = heap.alloc(0);
  heap.free(p);
  return <f64>p;
}
/** Where the table region starts (its pages are the tables'). */
export function layout_base(): f64 {
  return <f64>base;
}
/** LAYOUT_OK, LAYOUT_TOO_BIG or LAYOUT_GROW_REFUSED. */
export function layout_failure(): i32 {
  return failure;
}
/** The first table that did not fit: its name (an AssemblyScript string), entries, bytes per entry, start offset. */
export function layout_failed_table(): string {
  return failedName;
}
export function layout_failed_entries(): f64 {
  return <f64>failedEntries;
}
export function layout_failed_entry_bytes(): f64 {
  return <f64>failedEntryBytes;
}
export function layout_failed_start(): f64 {
  return <f64>failedStart;
}
