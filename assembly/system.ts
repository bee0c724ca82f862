// One emulated machine: system_init builds every table from the config block, and the
// boundary functions convert between the core's i64 pages and the host's f64 numbers
// (page counts stay below 2^53, so f64 carries them exactly).

import { charge_init } from "./charge";
import { mem_cgroup_uncharge_list } from "./uncharge";
import { counter_reset, memcg_set_limit, setting_read, setting_write } from "./cgroup";
import { peak_init, peak_read } from "./peak";
import { lru_init, lru_size } from "./lru";
import {
  MM_ANONPAGES, MM_SWAPENTS, OOM_SCORE_ADJ_MAX, OOM_SCORE_ADJ_MIN, task_alive, task_cgroup, task_count, task_create, task_exit,
  task_killed, task_memcg, task_mm, task_move, task_over_high, task_score_adj, task_set_score_adj, task_table_init,
  task_throttled_ns, task_in_memcg_oom, task_oom_folio,
} from "./task";
import { clock_advance, clock_now, CLOCK_MAX } from "./clock";
import { oom_badness } from "./oom";
import { throttled_without_task_ns } from "./high";
import { nr_swap_pages, swap_init, total_swap_pages } from "./swap";
import { high_init } from "./high";
import {
  global_stat, mem_cgroup_flush_stats, rstat_flush, rstat_flush_all, rstat_init, stat_exact, stat_flushed, MEMCG_SWAP,
  NR_ANON_MAPPED, NR_FILE_PAGES,
} from "./rstat";
import { EBUSY, EINVAL, ELIMIT, ENOENT, ENOMEM, ENOSPC, ESRCH } from "./errno";
import {
  cgroup_alive, cgroup_controllers_memory, cgroup_count, cgroup_e_memcg, cgroup_gen, cgroup_memcg, cgroup_migrate_vet_dst,
  cgroup_nr_tasks, cgroup_parent, cgroup_stat, cgroup_subtree_memory, cgroup_table_init,
} from "./cgroup_core";
import { folio_flags, folio_split_head, folio_split_tail, folio_table_init, folio_valid, folio_memcg, folio_order, folio_kind, folio_nid, folio_memcg_data } from "./folio";
import {
  cfg_int, cfg_refuse, cfg_refused, layout_begin, layout_failure, layout_table_bytes, table_alloc, LAYOUT_OK, CFG_BATCH, CFG_PREFAULT,
  CFG_CGROUP_VERSION, CFG_CPUS_PER_NODE, CFG_REMOTE_DRAIN, CFG_OOM_VICTIM_EXIT,
  CFG_MAX_CGROUPS, CFG_MAX_FOLIOS, CFG_NODES, CFG_OP_CAPACITY, CFG_PROFILE, CFG_RECURSIVE_PROT,
  CFG_SEED_HI, CFG_SEED_LO, CFG_STOCK_OFF, CFG_SWAP_ACCOUNT, CFG_LOCAL_EVENTS, CFG_MAX_TASKS, CFG_SWAP_PAGES, CFG_HZ, CFG_KMEM, CFG_MAX_FILE_ENTRIES, CFG_LRU_ADD_BATCH, CFG_MM_PREPARED,
} from "./layout";
import { lru_add_drain, lru_add_drain_all } from "./lru_add";
import { lru_add_init, lru_add_pending, lru_batch_held } from "./folio_batch";
import {
  file_create, file_folio_at, file_folio_orders, file_info, file_unlink, filemap_fault, filemap_init, filemap_read,
  filemap_truncate, filemap_write,
} from "./filemap";
import { folio_mlock, folio_mlock_new, folio_munlock, mlock_populated, task_mlock_populate } from "./mlock";
import { mlock_batch_held, mlock_batch_init, mlock_batch_pending } from "./mlock_batch";
import { swapoff } from "./swapfile";
import { drain_all_stock, kmem_counter_read, kmem_counter_write, obj_stock_bytes, obj_stock_objcg, objcg_charged_bytes, objcg_init, objcg_memcg } from "./objcg";
import { pgtable_init, pgtable_pages } from "./pgtable";
import { memcg_css_init } from "./memcg_css";
import {
  memcg_event, memcg_exists, memcg_online, memcg_page_events, memcg_table_init, memory_counter, mem_cgroup_is_root,
  parent_mem_cgroup, swap_counter, css_refs, memcg_count, memcg_gen, mem_cgroup_id, memcg_id_refs, memcg_nr_allocated,
} from "./memcg";
import { NR_PCF, PAGE_COUNTER_MAX, PCF_MAX, pc_field, pc_init, pc_usage } from "./page_counter";
import { prng_seed } from "./prng";
import {
  F_FAILCNT_V1_MEMORY_ONLY, F_PCSTOCK, F_RSTAT_PER_MEMCG, F_V1_ROOT_USAGE_GLOBAL, NR_PROFILES, era, profile_nslots,
  profile_select, profile_victim,
} from "./profile";
import { calculate_protection_subtree, lru_cost, reclaim_init, user_proactive_reclaim } from "./reclaim";
import { replay, OP_RECORD_SIZE } from "./replay";
import { sim_get, simstat_init } from "./simstat";
import { stock_init, stock_pages_of, REMOTE_DRAIN_DEFERRED, REMOTE_DRAIN_SCHEDULE } from "./stock";
import { sched_init, task_do_exit } from "./sched";
import { op_end, VICTIM_EXIT_OOM, VICTIM_EXIT_SCHEDULE } from "./resched";
import { memcg_under_oom } from "./memcg1_oom";
import { topology_init, nr_cpus, nr_nodes } from "./topology";
import { OPK_FILE, OPK_OTHER, cost_init, cost_on, cost_other_begin, cost_other_end } from "./cost_model";
import { mem_cgroup_sk_charge, mem_cgroup_sk_uncharge } from "./sock";
import { page_counter_race } from "./page_counter_race";
import { pcs_init } from "./page_counter_stock";
import {
  CFG_SOCKETS, CFG_CORES_PER_SOCKET, CFG_THREADS_PER_CORE, CFG_NODES_PER_SOCKET, CFG_CORES_PER_LLC, CFG_COST_MODEL,
} from "./layout";

let initialised = false;
let opBuffer: usize = 0;
let resultBuffer: usize = 0;
let idBuffer: usize = 0;
let opCapacity: i32 = 0;
let recursiveProt = false;
let topoSockets: i32 = 1;
let topoCores: i32 = 4;
let topoThreads: i32 = 1;
let topoNodesPerSocket: i32 = 1;
let topoCoresPerLlc: i32 = 4;
let costModel = false;

// Emulator limits of a configuration (besides the 4 GiB of a wasm32 memory).
export const MAX_NODES: i32 = 64;
export const MAX_CPUS: i32 = 8192; // NR_CPUS of an x86-64 MAXSMP kernel
export const MAX_CGROUPS: i32 = 1 << 24;
export const MAX_FOLIOS: i32 = 1 << 28;

/** Build the system from the config block: 0, -EINVAL (a value refused: cfg_refused), -ENOMEM (layout_failure), -EBUSY (twice). */
let mmPrepared = false; // CFG_MM_PREPARED (pgtable.ts)

export function system_init(): i32 {
  if (initialised) return -EBUSY;
  // Every value must be an integer in its range; the tables' sizes are then summed in 64 bits.
  const version = <i32>cfg_int(CFG_CGROUP_VERSION, 1, 2);
  const profile = <i32>cfg_int(CFG_PROFILE, 0, NR_PROFILES - 1);
  // The topology: sockets × coresPerSocket × threadsPerCore (nodes and LLCs dividing the
  // cores), or the shorthand nodes × cpusPerNode (CFG_SOCKETS 0).
  topoSockets = <i32>cfg_int(CFG_SOCKETS, 0, MAX_NODES);
  if (topoSockets == 0) {
    const nodes = <i32>cfg_int(CFG_NODES, 1, MAX_NODES);
    const cpusPerNode = <i32>cfg_int(CFG_CPUS_PER_NODE, 1, MAX_CPUS);
    if (nodes * cpusPerNode > MAX_CPUS) cfg_refuse(CFG_CPUS_PER_NODE);
    topoSockets = nodes;
    topoCores = cpusPerNode;
    topoThreads = 1;
    topoNodesPerSocket = 1;
    topoCoresPerLlc = cpusPerNode;
  } else {
    topoCores = <i32>cfg_int(CFG_CORES_PER_SOCKET, 1, MAX_CPUS);
    topoThreads = <i32>cfg_int(CFG_THREADS_PER_CORE, 1, 8);
    topoNodesPerSocket = <i32>cfg_int(CFG_NODES_PER_SOCKET, 1, MAX_NODES);
    topoCoresPerLlc = <i32>cfg_int(CFG_CORES_PER_LLC, 1, MAX_CPUS);
    if (topoSockets * topoNodesPerSocket > MAX_NODES || topoCores % topoNodesPerSocket != 0) cfg_refuse(CFG_NODES_PER_SOCKET);
    if (topoCores % topoCoresPerLlc != 0) cfg_refuse(CFG_CORES_PER_LLC);
    if (<i64>topoSockets * topoCores * topoThreads > MAX_CPUS) cfg_refuse(CFG_CORES_PER_SOCKET);
  }
  // The cost model is in the -cost builds only, for up to 1024 CPUs (its sharer bitmaps).
  costModel = cfg_int(CFG_COST_MODEL, 0, 1) != 0;
  if (costModel != cost_on || (costModel && <i64>topoSockets * topoCores * topoThreads > 1024)) cfg_refuse(CFG_COST_MODEL);
  const maxCgroups = <i32>cfg_int(CFG_MAX_CGROUPS, 1, MAX_CGROUPS);
  const maxFolios = <i32>cfg_int(CFG_MAX_FOLIOS, 1, MAX_FOLIOS);
  // MEMCG_CHARGE_BATCH: the 7-slot stock keeps u8 page counts (<= 127 with a refill).
  const batch = <i32>cfg_int(CFG_BATCH, 1, 127);
  opCapacity = <i32>cfg_int(CFG_OP_CAPACITY, 1, 16777216);
  const seedLo = <u32>cfg_int(CFG_SEED_LO, 0, 4294967295);
  const seedHi = <u32>cfg_int(CFG_SEED_HI, 0, 4294967295);
  const maxTasks = <i32>cfg_int(CFG_MAX_TASKS, 1, 65534); // op records carry task id + 1 in a u16
  const swapPages = <i32>cfg_int(CFG_SWAP_PAGES, 0, 268435456);
  const configHz = <i32>cfg_int(CFG_HZ, 100, 1000);
  if (configHz != 100 && configHz != 250 && configHz != 300 && configHz != 1000) cfg_refuse(CFG_HZ);
  const maxFileEntries = <i32>cfg_int(CFG_MAX_FILE_ENTRIES, 1, 67108864);
  const swapAccount = cfg_int(CFG_SWAP_ACCOUNT, 0, 1) != 0;
  const stockOff = cfg_int(CFG_STOCK_OFF, 0, 1) != 0;
  const kmem = cfg_int(CFG_KMEM, 0, 1) != 0;
  const lruAddBatch = cfg_int(CFG_LRU_ADD_BATCH, 0, 1) != 0;
  mmPrepared = cfg_int(CFG_MM_PREPARED, 0, 1) != 0;
  const remoteDrain = <i32>cfg_int(CFG_REMOTE_DRAIN, REMOTE_DRAIN_SCHEDULE, REMOTE_DRAIN_DEFERRED);
  if (!sched_init(<i32>cfg_int(CFG_OOM_VICTIM_EXIT, VICTIM_EXIT_SCHEDULE, VICTIM_EXIT_OOM))) cfg_refuse(CFG_OOM_VICTIM_EXIT);
  recursiveProt = cfg_int(CFG_RECURSIVE_PROT, 0, 1) != 0;
  const localEvents = cfg_int(CFG_LOCAL_EVENTS, 0, 1) != 0;
  const prefault = <u64>cfg_int(CFG_PREFAULT, 0, 9007199254740991);
  if (cfg_refused() >= 0) return -EINVAL;
  high_init(configHz);
  profile_select(profile);
  initialised = true;
  prng_seed((<u64>seedHi << 32) | <u64>seedLo);
  // First a sizing pass (no table is handed out, nothing is written): a configuration that
  // does not fit is refused before memory grows, and the total decides the first touch.
  layout_begin(true, false);
  build_tables(version, profile, maxCgroups, maxFolios, batch, maxTasks, swapPages, maxFileEntries, swapAccount,
    stockOff, kmem, lruAddBatch, remoteDrain, localEvents);
  if (layout_failure() != LAYOUT_OK) return -ENOMEM;
  layout_begin(false, <u64>layout_table_bytes() <= prefault);
  return build_tables(version, profile, maxCgroups, maxFolios, batch, maxTasks, swapPages, maxFileEntries, swapAccount,
    stockOff, kmem, lruAddBatch, remoteDrain, localEvents) ? 0 : -ENOMEM;
}

// Every table, in layout order. Each is sized even after one did not fit (a refusal reports
// the whole need); an init whose tables were not handed out writes nothing (in the sizing
// pass none is). The folio tables come last: what is left of the 4 GiB after the others
// decides how many folios fit.
function build_tables(
  version: i32, profile: i32, maxCgroups: i32, maxFolios: i32, batch: i32, maxTasks: i32,
  swapPages: i32, maxFileEntries: i32, swapAccount: bool, stockOff: bool, kmem: bool, lruAddBatch: bool, remoteDrain: i32,
  localEvents: bool,
): bool {
  opBuffer = table_alloc("op buffer", opCapacity, OP_RECORD_SIZE);
  resultBuffer = table_alloc("op results", opCapacity, 4);
  idBuffer = table_alloc("uncharge id list", opCapacity, 4);
  let ok = opBuffer != 0 && resultBuffer != 0 && idBuffer != 0;
  ok = simstat_init() && ok;
  ok = topology_init(topoSockets, topoCores, topoThreads, topoNodesPerSocket, topoCoresPerLlc) && ok;
  ok = cost_init(costModel, maxCgroups, maxFolios, swapPages, maxTasks) && ok;
  ok = pc_init(maxCgroups * 2) && ok;
  ok = rstat_init(maxCgroups) && ok;
  ok = lru_init(maxCgroups) && ok;
  ok = reclaim_init(recursiveProt, maxCgroups) && ok;
  ok = peak_init() && ok;
  // The root memcg is made here: after the per-memcg tables above.
  ok = memcg_table_init(maxCgroups, version, swapAccount, !era(F_FAILCNT_V1_MEMORY_ONLY), localEvents) && ok;
  if (ok) memcg_css_init(); // the root's css_alloc callbacks (its reclaim iterators), css_free's
  ok = cgroup_table_init(maxCgroups) && ok;
  ok = task_table_init(maxTasks) && ok;
  ok = objcg_init(maxCgroups, kmem) && ok;
  ok = pgtable_init(maxTasks, mmPrepared) && ok;
  ok = lru_add_init(lruAddBatch) && ok;
  ok = mlock_batch_init() && ok;
  ok = swap_init(swapPages, maxCgroups) && ok;
  ok = stock_init(profile_nslots(profile), profile_victim(profile), batch, !stockOff, remoteDrain) && ok;
  ok = charge_init() && ok;
  ok = pcs_init(era(F_PCSTOCK) && !stockOff, maxCgroups * 2, batch) && ok;
  ok = filemap_init(maxFileEntries) && ok;
  ok = folio_table_init(maxFolios) && ok;
  return ok;
}

export function op_buffer(): usize {
  return opBuffer;
}
export function result_buffer(): usize {
  return resultBuffer;
}
export function id_buffer(): usize {
  return idBuffer;
}
export function op_capacity(): i32 {
  return opCapacity;
}
/** Replay count op records from the op buffer into the result buffer. */
export function replay_ops(count: i32): i32 {
  if (count < 0 || count > opCapacity) return -EINVAL;
  replay(opBuffer, count, resultBuffer);
  return 0;
}
export function nr_cpu_ids(): i32 {
  return nr_cpus;
}

/** A page_counter field, by PCF_* id; -1 for an unknown counter or field. */
export function counter_get(c: i32, field: i32): f64 {
  if (c < 0 || c >= memcg_count() * 2 || field < 0 || field >= NR_PCF) return -1;
  return <f64>pc_field(c, field);
}
export function memcg_memory_counter(m: i32): i32 {
  return memory_counter(m);
}
export function memcg_swap_counter(m: i32): i32 {
  return swap_counter(m);
}
export function memcg_parent(m: i32): i32 {
  return memcg_exists(m) ? parent_mem_cgroup(m) : -1;
}
export function memcg_is_online(m: i32): bool {
  return memcg_online(m);
}
export function memcg_event_get(m: i32, event: i32, local: bool): f64 {
  return <f64>memcg_event(m, event, local);
}
/** The exact current value of m's own statistic on node (flushed or not). */
export function memcg_stat_get(m: i32, node: i32, item: i32): f64 {
  return memcg_exists(m) && node >= 0 && node < nr_nodes ? <f64>stat_exact(m, node, item) : -1;
}
/** What a stat file shows: the flushed value, hierarchical or local. */
export function memcg_stat_flushed(m: i32, node: i32, item: i32, hierarchical: bool): f64 {
  return memcg_exists(m) && node >= 0 && node < nr_nodes ? <f64>stat_flushed(m, node, item, hierarchical) : -1;
}
/** mem_cgroup_flush_stats (force = the periodic flusher's full flush); 1 if a flush ran. */
export function memcg_flush_stats(m: i32, force: bool): i32 {
  if (!memcg_exists(m)) return -EINVAL;
  if (force) {
    // Up to 6.6 every flush is of the whole tree (F_RSTAT_PER_MEMCG).
    if (era(F_RSTAT_PER_MEMCG)) rstat_flush(m);
    else rstat_flush_all();
    return 1;
  }
  return mem_cgroup_flush_stats(m) ? 1 : 0;
}
export function memcg_page_events_get(m: i32): f64 {
  return <f64>memcg_page_events(m);
}
/** mem_cgroup_usage (v1 usage_in_bytes): the counter, or for the root the global page count (+ used swap for memsw). */
export function memcg_usage_v1(m: i32, swap: bool): f64 {
  if (!memcg_exists(m)) return -1;
  if (mem_cgroup_is_root(m)) {
    if (era(F_V1_ROOT_USAGE_GLOBAL)) {
      // mem_cgroup_usage (6.2+): the root approximates from global state; memsw adds the used swap.
      let val = global_stat(NR_FILE_PAGES) + global_stat(NR_ANON_MAPPED);
      if (swap) val += total_swap_pages() - nr_swap_pages();
      return <f64>val;
    }
    // mem_cgroup_usage (<= 6.1): the root memcg's own statistics after a threshold-gated flush.
    mem_cgroup_flush_stats(m);
    let v: i64 = 0;
    for (let node = 0; node < nr_nodes; node++) {
      v += stat_flushed(m, node, NR_FILE_PAGES, true) + stat_flushed(m, node, NR_ANON_MAPPED, true);
      if (swap) v += stat_flushed(m, node, MEMCG_SWAP, true);
    }
    return <f64>v;
  }
  return <f64>pc_usage(swap ? swap_counter(m) : memory_counter(m));
}
/** memcg1_stat_format hierarchical_*_limit: the smallest max on the way to the root. */
export function memcg_hierarchical_limit(m: i32, swap: bool): f64 {
  if (!memcg_exists(m)) return -1;
  let limit = PAGE_COUNTER_MAX;
  for (let x = m; x >= 0; x = parent_mem_cgroup(x)) {
    limit = min(limit, pc_field(swap ? swap_counter(x) : memory_counter(x), PCF_MAX));
  }
  return <f64>limit;
}
/** memory.oom_control under_oom: tasks waiting in a v1 OOM of m or of an ancestor; -1 unknown m. */
export function memcg_under_oom_get(m: i32): i32 {
  return memcg_exists(m) ? memcg_under_oom(m) : -1;
}
export function memcg_css_refs(m: i32): f64 {
  return <f64>css_refs(m);
}
export function memcg_stock_pages(m: i32): f64 {
  return <f64>stock_pages_of(m);
}
/** mem_cgroup_calculate_protection over root's subtree (emin/elow as reclaim would see them). */
export function memcg_calculate_protection(root: i32): i32 {
  if (!memcg_online(root)) return -EINVAL;
  calculate_protection_subtree(root, recursiveProt);
  return 0;
}
export function sim_stat_get(i: i32): f64 {
  return <f64>sim_get(i);
}

/** A folio's memcg id (-1 uncharged or unknown), order, kind, node and raw memcg_data. */
export function folio_get_memcg(id: i32): i32 {
  return folio_valid(id) ? folio_memcg(id) : -1;
}
export function folio_get_order(id: i32): i32 {
  return folio_valid(id) ? folio_order(id) : -1;
}
export function folio_get_kind(id: i32): i32 {
  return folio_valid(id) ? folio_kind(id) : -1;
}
export function folio_get_node(id: i32): i32 {
  return folio_valid(id) ? folio_nid(id) : -1;
}
export function folio_get_memcg_data(id: i32): u32 {
  return folio_valid(id) ? folio_memcg_data(id) : 0;
}

/** Write a limit (cgroup.ts LIMIT_*; counter PC_MEMORY or PC_SWAP) in pages; 0 or -errno. */
export function memcg_write_limit(which: i32, m: i32, counter: i32, pages: f64, cpu: i32): i32 {
  if (!(pages >= 0)) return -EINVAL;
  const p: i64 = pages >= <f64>PAGE_COUNTER_MAX ? PAGE_COUNTER_MAX : <i64>pages;
  return memcg_set_limit(which, m, counter, p, cpu);
}
/** Uncharge the count folio ids written at id_buffer(), from cpu; all or nothing. */
export function memcg_uncharge_list(count: i32, cpu: i32): i32 {
  if (count < 0 || count > opCapacity) return -EINVAL;
  return mem_cgroup_uncharge_list(idBuffer, count, cpu);
}
/** drain_all_stock(m) as run from cpu. */
export function memcg_drain_all_stock(m: i32, cpu: i32): i32 {
  if (!memcg_exists(m) || cpu < 0 || cpu >= nr_cpus) return -EINVAL;
  drain_all_stock(m, cpu);
  op_end(cpu);
  return 0;
}
/** v1 reset writes: failcnt (true) or max_usage (false) of counter c. */
export function memcg_counter_reset(c: i32, failcnt: bool): i32 {
  if (c < 0 || c >= memcg_count() * 2) return -EINVAL;
  counter_reset(c, failcnt);
  return 0;
}

// ── f64 boundary of the interface-file settings (pages and values stay below 2^53) ─────
@inline function to_i64(v: f64): i64 {
  return v >= <f64>PAGE_COUNTER_MAX ? PAGE_COUNTER_MAX : <i64>v;
}
export function memcg_setting_read(which: i32, m: i32): f64 {
  return memcg_exists(m) ? <f64>setting_read(which, m) : -1;
}
export function memcg_setting_write(which: i32, m: i32, v: f64): i32 {
  if (v != v) return -EINVAL;
  return setting_write(which, m, to_i64(v));
}
/** memory.reclaim of pages from m; 0, -EAGAIN or -EINVAL. */
export function memcg_proactive_reclaim(m: i32, pages: f64, swappiness: i32, cpu: i32): i32 {
  if (!memcg_online(m) || !(pages >= 0) || cpu < 0 || cpu >= nr_cpus) return -EINVAL;
  const ret = user_proactive_reclaim(m, to_i64(pages), swappiness, cpu);
  op_end(cpu);
  return ret;
}
export function memcg_peak_read(f: i32): f64 {
  return <f64>peak_read(f);
}

// ── tasks, time, folio state ───────────────────────────────────────────────────────────
/** A task in cgroup cg with oom_score_adj; its id or -errno (-ELIMIT: every task slot is in use). */
export function memcg_task_create(cg: i32, adj: i32): i32 {
  if (!cgroup_alive(cg)) return -ENOENT;
  if (adj < OOM_SCORE_ADJ_MIN || adj > OOM_SCORE_ADJ_MAX) return -EINVAL;
  const vet = cgroup_migrate_vet_dst(cg); // a task started in (or moved to) cg: no internal processes
  if (vet < 0) return vet;
  const t = task_create(cg, adj);
  return t < 0 ? -ELIMIT : t;
}
/** Move a live task to cgroup cg (its memory stays charged where it is). */
export function memcg_task_move(t: i32, cg: i32): i32 {
  if (!task_alive(t)) return -ESRCH;
  const vet = cgroup_migrate_vet_dst(cg);
  if (vet < 0) return vet;
  task_move(t, cg);
  return 0;
}
/** The task exits from cpu: its anon pages and swap entries are freed. */
export function memcg_task_exit(t: i32, cpu: i32): i32 {
  if (!task_alive(t)) return -ESRCH;
  if (cpu < 0 || cpu >= nr_cpus) return -EINVAL;
  task_do_exit(t, cpu);
  op_end(cpu);
  return 0;
}
export function memcg_task_set_adj(t: i32, adj: i32): i32 {
  if (!task_alive(t)) return -ESRCH;
  if (adj < OOM_SCORE_ADJ_MIN || adj > OOM_SCORE_ADJ_MAX) return -EINVAL;
  task_set_score_adj(t, adj);
  return 0;
}
export const TASK_MEMCG: i32 = 0;
export const TASK_ANON: i32 = 1;
export const TASK_SWAPENTS: i32 = 2;
export const TASK_THROTTLED_NS: i32 = 3;
export const TASK_KILLED: i32 = 4;
export const TASK_SCORE_ADJ: i32 = 5;
export const TASK_OVER_HIGH: i32 = 6;
export const TASK_OOM_WAIT: i32 = 7; // memcg_in_oom: the memcg whose v1 OOM the task waits for, -1
export const TASK_OOM_FOLIO: i32 = 8; // the folio its waiting fault is for, -1
export const TASK_CGROUP: i32 = 9;
/** A task's field (TASK_*); -1 for an unknown task. */
export function memcg_task_get(t: i32, field: i32): f64 {
  if (t < 0 || t >= task_count()) return -1;
  if (field == TASK_MEMCG) return task_memcg(t);
  if (field == TASK_ANON) return <f64>task_mm(t, MM_ANONPAGES);
  if (field == TASK_SWAPENTS) return <f64>task_mm(t, MM_SWAPENTS);
  if (field == TASK_THROTTLED_NS) return <f64>task_throttled_ns(t);
  if (field == TASK_KILLED) return task_killed(t) ? 1 : 0;
  if (field == TASK_SCORE_ADJ) return task_score_adj(t);
  if (field == TASK_OVER_HIGH) return <f64>task_over_high(t);
  if (field == TASK_OOM_WAIT) return task_in_memcg_oom(t);
  if (field == TASK_OOM_FOLIO) return task_in_memcg_oom(t) >= 0 ? task_oom_folio(t) : -1;
  if (field == TASK_CGROUP) return task_cgroup(t);
  return -1;
}
/** The OOM badness the killer would give task t for an OOM in memcg m (oom_badness). */
export function memcg_oom_badness(t: i32, totalpages: f64): f64 {
  if (!task_alive(t)) return -1;
  const p = oom_badness(t, <i64>totalpages);
  return p == i64.MIN_VALUE ? -Infinity : <f64>p;
}
export function clock_now_ns(): f64 {
  return <f64>clock_now();
}
/** Let simulated time pass (ns, finite and >= 0); the clock saturates; the periodic stats flush runs as it comes due. */
export function clock_wait(ns: f64): i32 {
  if (!(ns >= 0) || ns == Infinity) return -EINVAL;
  clock_advance(ns >= <f64>CLOCK_MAX ? CLOCK_MAX : <i64>ns);
  return 0;
}
export function throttled_no_task_ns(): f64 {
  return <f64>throttled_without_task_ns();
}
/** The task whose fault of folio id sleeps in the v1 OOM wait, -1 if none. */
export function folio_get_oom_waiter(id: i32): i32 {
  const n = task_count();
  for (let t = 0; t < n; t++) if (task_in_memcg_oom(t) >= 0 && task_oom_folio(t) == id) return t;
  return -1;
}
/** A split folio's part: 1 the head (the range's handle), 2 a later page, 0 neither; -1 unknown id. */
export function folio_get_split(id: i32): i32 {
  if (!folio_valid(id)) return -1;
  return folio_split_head(id) ? 1 : folio_split_tail(id) ? 2 : 0;
}
/** 1 if folio id was unmapped while in an lru_add or mlock batch that still holds it, else 0. */
export function folio_get_batch_held(id: i32): i32 {
  return folio_valid(id) && (lru_batch_held(id) || mlock_batch_held(id)) ? 1 : 0;
}
/** The page flags of folio id (PG_*), -1 for an id never used. */
export function folio_get_flags(id: i32): i32 {
  return folio_valid(id) ? folio_flags(id) : -1;
}
export function memcg_lru_size(m: i32, node: i32, lru: i32): f64 {
  if (!memcg_exists(m) || node < 0 || node >= nr_nodes || lru < 0 || lru > 4) return -1;
  return <f64>lru_size(m, node, lru);
}
/** lruvec->anon_cost (file false) or file_cost of m on node; -1 for a bad memcg or node. */
export function memcg_lru_cost(m: i32, node: i32, file: bool): f64 {
  if (!memcg_exists(m) || node < 0 || node >= nr_nodes) return -1;
  return <f64>lru_cost(m, node, file);
}
export function swap_total_pages(): f64 {
  return <f64>total_swap_pages();
}
export function swap_free_pages(): f64 {
  return <f64>nr_swap_pages();
}

/** v1 memory.kmem.* / memory.kmem.tcp.* field (KMEM_* / TCP_*), pages or a count; -1 bad id. */
export function memcg_kmem_read(m: i32, field: i32): f64 {
  return <f64>kmem_counter_read(m, field);
}
/** Reset a watermark or failcnt, or set the tcp limit (pages); 0 or -1. */
export function memcg_kmem_write(m: i32, field: i32, pages: f64): i32 {
  return kmem_counter_write(m, field, <i64>pages);
}
/** cpu's object stock: which 0 = the memcg its cached objcg charges (-1 none), 1 = pre-charged bytes. */
export function obj_stock_get(cpu: i32, which: i32): f64 {
  if (which != 0) return <f64>obj_stock_bytes(cpu);
  const o = obj_stock_objcg(cpu);
  return o < 0 ? -1 : <f64>objcg_memcg(o);
}
/** obj_cgroup->nr_charged_bytes of the objcg made for memcg m. */
export function memcg_objcg_bytes(m: i32): f64 {
  return <f64>objcg_charged_bytes(m);
}
/** Page-table pages task t holds. */
export function task_pgtable_pages(t: i32): f64 {
  return <f64>pgtable_pages(t);
}

// ── files, mlock, swapoff (filemap.ts, mlock.ts, swapfile.ts) ─────────────────────────────
// With the cost model, each is one operation of its CPU (its kmem and charges inside).
/** A file (FILE_DISK / FILE_TMPFS / FILE_SHARED_ANON); its id or -errno. */
export function memcg_file_create(kind: i32, size: f64, maxOrder: i32, raPages: i32, ioPages: i32, task: i32, m: i32, cpu: i32, gfp: i32): i32 {
  const c = cost_other_begin(cpu, OPK_FILE);
  const ret = file_create(kind, <i64>size, maxOrder, raPages, ioPages, task, m, cpu, gfp);
  cost_other_end(c);
  return ret;
}
export function memcg_file_read(f: i32, pos: f64, count: f64, task: i32, m: i32, cpu: i32, gfp: i32): i32 {
  const c = cost_other_begin(cpu, OPK_FILE);
  const ret = filemap_read(f, <i64>pos, <i64>count, task, m, cpu, gfp);
  cost_other_end(c);
  return ret;
}
export function memcg_file_write(f: i32, pos: f64, count: f64, task: i32, m: i32, cpu: i32, gfp: i32): i32 {
  const c = cost_other_begin(cpu, OPK_FILE);
  const ret = filemap_write(f, <i64>pos, <i64>count, task, m, cpu, gfp);
  cost_other_end(c);
  return ret;
}
export function memcg_file_fault(f: i32, index: f64, task: i32, cpu: i32, gfp: i32): i32 {
  const c = cost_other_begin(cpu, OPK_FILE);
  const ret = filemap_fault(f, <i64>index, task, cpu, gfp);
  cost_other_end(c);
  return ret;
}
export function memcg_file_truncate(f: i32, size: f64, cpu: i32): i32 {
  const c = cost_other_begin(cpu, OPK_FILE);
  const ret = filemap_truncate(f, <i64>size, cpu);
  cost_other_end(c);
  return ret;
}
export function memcg_file_unlink(f: i32, cpu: i32): i32 {
  const c = cost_other_begin(cpu, OPK_FILE);
  const ret = file_unlink(f, cpu);
  cost_other_end(c);
  return ret;
}
/** FI_* of a file; -1 for a bad file. */
export function memcg_file_info(f: i32, what: i32): f64 {
  return <f64>file_info(f, what);
}
export function memcg_file_folio(f: i32, index: f64): i32 {
  return file_folio_at(f, <i64>index);
}
/** The orders of f's folios in index order, into the id buffer; how many. */
export function memcg_file_folio_orders(f: i32): i32 {
  return file_folio_orders(f, idBuffer, opCapacity);
}
export function memcg_mlock(id: i32, cpu: i32): i32 {
  const c = cost_other_begin(cpu, OPK_OTHER);
  const ret = folio_mlock(id, cpu);
  cost_other_end(c);
  return ret;
}
/** mlock_new_folio of a folio just faulted in a locked region (5.18+: into cpu's mlock batch). */
export function memcg_mlock_new(id: i32, cpu: i32): i32 {
  const c = cost_other_begin(cpu, OPK_OTHER);
  const ret = folio_mlock_new(id, cpu);
  cost_other_end(c);
  return ret;
}
export function memcg_munlock(id: i32, cpu: i32): i32 {
  const c = cost_other_begin(cpu, OPK_OTHER);
  const ret = folio_munlock(id, cpu);
  cost_other_end(c);
  return ret;
}
/** mlock of nr new pages of task t (ids into the id buffer, nr ≤ op capacity): nr or -errno. */
export function memcg_mlock_populate(t: i32, nr: i32, cpu: i32, gfp: i32): i32 {
  if (nr > opCapacity) return -EINVAL;
  const c = cost_other_begin(cpu, OPK_OTHER);
  const ret = task_mlock_populate(t, nr, cpu, gfp, idBuffer);
  cost_other_end(c);
  return ret;
}
export function memcg_mlock_populated(): i32 {
  return mlock_populated();
}
export function memcg_swapoff(cpu: i32): i32 {
  const c = cost_other_begin(cpu, OPK_OTHER);
  const ret = swapoff(cpu);
  cost_other_end(c);
  return ret;
}

/** Folios waiting in cpu's lru_add batch (-1 for a bad cpu). */
export function memcg_lru_add_pending(cpu: i32): i32 {
  return lru_add_pending(cpu);
}
/** Entries waiting in cpu's mlock batch (-1 for a bad cpu). */
export function memcg_mlock_pending(cpu: i32): i32 {
  return mlock_batch_pending(cpu);
}
/** lru_add_drain of cpu (-1: lru_add_drain_all); the folios freed meanwhile are released. */
export function memcg_lru_add_drain(cpu: i32): void {
  if (cpu < 0) lru_add_drain_all();
  else if (cpu < nr_cpus) lru_add_drain(cpu);
  op_end(cpu < 0 ? 0 : cpu);
}

// ── cgroups (cgroup_core.ts) and memcg lifetimes ──────────────────────────────────────
/** The memcg of cgroup cg (its own memory css), -1 without one, -2 for no such cgroup. */
export function cgroup_memcg_of(cg: i32): i32 {
  return cgroup_alive(cg) ? cgroup_memcg(cg) : -2;
}
/** The memcg a task in cgroup cg charges (its own, else the nearest ancestor's); -2 no such cgroup. */
export function cgroup_effective_memcg(cg: i32): i32 {
  return cgroup_alive(cg) ? cgroup_e_memcg(cg) : -2;
}
export function cgroup_is_alive(cg: i32): bool {
  return cgroup_alive(cg);
}
/** A cgroup's parent (-1 for the root or an unknown cgroup). */
export function cgroup_parent_of(cg: i32): i32 {
  return cgroup_alive(cg) ? cgroup_parent(cg) : -1;
}
/** Which mkdir made the cgroup now in slot cg (0 for an unknown slot). */
export function cgroup_generation(cg: i32): i32 {
  return cg >= 0 && cg < cgroup_count() ? cgroup_gen(cg) : 0;
}
/** Which allocation made the memcg now in slot m (0 for an unknown slot). */
export function memcg_generation(m: i32): i32 {
  return memcg_exists(m) ? memcg_gen(m) : 0;
}
/** The kernel's id of memcg m (mem_cgroup_id; 0 once removed), -1 for an unknown slot. */
export function memcg_kernel_id(m: i32): i32 {
  return memcg_exists(m) ? mem_cgroup_id(m) : -1;
}
export function memcg_id_ref_count(m: i32): f64 {
  return memcg_exists(m) ? <f64>memcg_id_refs(m) : -1;
}
/** Memcgs allocated (online, and offline ones still referenced). */
export function memcg_allocated(): i32 {
  return memcg_nr_allocated();
}
/** cgroup.controllers (1: memory listed) and cgroup.subtree_control (1: memory enabled); -1 unknown. */
export function cgroup_controllers_get(cg: i32): i32 {
  return cgroup_alive(cg) ? (cgroup_controllers_memory(cg) ? 1 : 0) : -1;
}
export function cgroup_subtree_get(cg: i32): i32 {
  return cgroup_alive(cg) ? (cgroup_subtree_memory(cg) ? 1 : 0) : -1;
}
export function cgroup_tasks_get(cg: i32): i32 {
  return cgroup_alive(cg) ? cgroup_nr_tasks(cg) : -1;
}
/** cgroup.stat / cgroup.events item (CGROUP_NR_*, CGROUP_POPULATED) of a live cgroup; -1 unknown. */
export function cgroup_stat_get(cg: i32, item: i32): i32 {
  return cgroup_alive(cg) ? cgroup_stat(cg, item) : -1;
}

// ── topology, cost model, socket memory, races ──────────────────────────────────────────
export { topology_get, TOPO_CORE, TOPO_LLC, TOPO_NODE, TOPO_SOCKET } from "./topology";
/** memory.stat's sock and the race need the memcg; socket charges by id. */
export function memcg_sk_charge(m: i32, pages: i32, gfp: i32, cpu: i32): i32 {
  return mem_cgroup_sk_charge(m, pages, gfp, cpu);
}
export function memcg_sk_uncharge(m: i32, pages: i32, cpu: i32): i32 {
  return mem_cgroup_sk_uncharge(m, pages, cpu);
}
/** Race count page_counter charges given as i32 quadruples at id_buffer() (page_counter_race.ts). */
export function memcg_race_charges(count: i32): i32 {
  if (count < 0 || count * 4 > opCapacity) return -EINVAL;
  return page_counter_race(idBuffer, count);
}
