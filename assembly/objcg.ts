// Kernel memory (mm/memcontrol.c, 6.16+): struct obj_cgroup, the per-CPU object stock
// (struct obj_stock_pcp), byte-granular obj_cgroup_charge/uncharge, page-sized
// __memcg_kmem_charge_page, the v1 kmem and tcpmem page_counters, and the objects a memcg's
// mkdir allocates for itself under set_active_memcg(parent). docs/kernel-memory.md §1–2.
//
// An objcg id is the id of the memcg it was made for; objcg_memcg() is the memcg it charges
// now (memcg_reparent_objcgs moves it to the parent at offline). Off (the host's
// `kmem: false`, like booting with cgroup.memory=nokmem) nothing here charges.

import { EBUSY } from "./errno";
import { table_alloc } from "./layout";
import { era, F_FAILCNT_V1_MEMORY_ONLY, F_PERCPU_OBJCG_EXTRA } from "./profile";
import { __GFP_NOFAIL } from "./gfp";
import {
  mem_cgroup_is_descendant, mem_cgroup_is_root, memcg_count, memcg_exists, on_dfl, parent_mem_cgroup,
} from "./memcg";
import { PAGE_COUNTER_MAX, PCF_FAILCNT, PCF_LOCAL_WATERMARK, PCF_MAX, PCF_USAGE } from "./page_counter";
import { MEMCG_KMEM, MEMCG_PERCPU_B, NR_SLAB_RECLAIMABLE_B, NR_SLAB_UNRECLAIMABLE_B, stat_mod, stat_mod_bytes } from "./rstat";
import { drain_all_memcg_stock, memcg_uncharge, refill_stock, stock_enabled } from "./stock";
import { pcstock_on } from "./page_counter_stock";
import { ACC_ATOMIC, ACC_READ, ACC_WRITE, cost_obj_stock, cost_objcg, cost_on, cost_tcpmem, cost_tcpmem_parent } from "./cost_model";
import { try_charge_memcg } from "./charge";
import { cpu_to_node, nr_cpus, nr_nodes } from "./topology";

export const PAGE_SIZE: i64 = 4096;
/** sizeof(struct obj_cgroup *): obj_full_size charges it with every slab object. */
const OBJCG_PTR: i64 = 8;
/** PCPU_MIN_ALLOC_SIZE: pcpu_obj_full_size charges one objcg pointer per 4-byte unit. */
const PCPU_MIN_ALLOC_SIZE: i64 = 4;

// mem_cgroup_alloc's accounted allocations (6.18 x86-64; sizes derived in docs/kernel-memory.md §2)
const MEMCG_VMSTATS_KMALLOC: i64 = 2048; // struct memcg_vmstats, 1708 B → kmalloc-cg-2k
const MEMCG_VMSTATS_PERCPU: i64 = 1216; // struct memcg_vmstats_percpu (cacheline aligned)
const MEMCG1_EVENTS_PERCPU: i64 = 24; // struct memcg1_events_percpu (v1 only)
const LRUVEC_STATS_KMALLOC: i64 = 1024; // struct lruvec_stats, 792 B → kmalloc-cg-1k, per node
const LRUVEC_STATS_PERCPU: i64 = 528; // struct lruvec_stats_percpu, per node

export let kmem_enabled: bool = false;

let objcgMemcg: usize = 0; // i32[M]: obj_cgroup->memcg
let memcgObjcg: usize = 0; // i32[M]: memcg->objcg, -1 = none (root, offline, nokmem)
let chargedBytes: usize = 0; // i64[M]: obj_cgroup->nr_charged_bytes
let allocObjcg: usize = 0; // i32[M]: the objcg mem_cgroup_alloc charged this memcg's structures to
let kmemUsage: usize = 0; // i64[M]: memcg->kmem (v1)
let kmemWatermark: usize = 0; // i64[M]
let tcpMax: usize = 0; // i64[M]: memcg->tcpmem (v1; socket charges, sock.ts)
let tcpUsage: usize = 0; // i64[M]
let tcpActive: usize = 0; // u8[M]: memcg->tcpmem_active (set by the first tcp limit write)
let tcpWatermark: usize = 0; // i64[M]
let tcpFailcnt: usize = 0; // i64[M]

// struct obj_stock_pcp, per CPU
let stObjcg: usize = 0; // i32: cached_objcg, -1 = none
let stBytes: usize = 0; // i64: nr_bytes
let stNode: usize = 0; // i32: cached_pgdat, -1 = none
let stRecl: usize = 0; // i64: nr_slab_reclaimable_b
let stUnrecl: usize = 0; // i64: nr_slab_unreclaimable_b

export function objcg_init(maxMemcgs: i32, enabled: bool): bool {
  kmem_enabled = enabled;
  const m = <usize>maxMemcgs;
  objcgMemcg = table_alloc("obj_cgroup memcgs", m, 4);
  memcgObjcg = table_alloc("memcg objcg", m, 4);
  chargedBytes = table_alloc("obj_cgroup nr_charged_bytes", m, 8);
  allocObjcg = table_alloc("memcg structure objcg", m, 4);
  kmemUsage = table_alloc("v1 kmem usage", m, 8);
  kmemWatermark = table_alloc("v1 kmem watermark", m, 8);
  tcpMax = table_alloc("v1 tcpmem max", m, 8);
  tcpUsage = table_alloc("v1 tcpmem usage", m, 8);
  tcpActive = table_alloc("v1 tcpmem active", m, 1);
  tcpWatermark = table_alloc("v1 tcpmem watermark", m, 8);
  tcpFailcnt = table_alloc("v1 tcpmem failcnt", m, 8);
  const c = <usize>nr_cpus;
  stObjcg = table_alloc("obj_stock cached objcg", c, 4);
  stBytes = table_alloc("obj_stock nr_bytes", c, 8);
  stNode = table_alloc("obj_stock cached node", c, 4);
  stRecl = table_alloc("obj_stock nr_slab_reclaimable_b", c, 8);
  stUnrecl = table_alloc("obj_stock nr_slab_unreclaimable_b", c, 8);
  if (stUnrecl == 0) return false;
  for (let i: usize = 0; i < m; i++) {
    store<i32>(memcgObjcg + (i << 2), -1);
    store<i32>(allocObjcg + (i << 2), -1);
    store<i64>(tcpMax + (i << 3), PAGE_COUNTER_MAX);
  }
  for (let i: usize = 0; i < c; i++) {
    store<i32>(stObjcg + (i << 2), -1);
    store<i32>(stNode + (i << 2), -1);
  }
  return true;
}

@inline function i32at(t: usize, i: i32): usize {
  return t + (<usize>i << 2);
}
@inline function i64at(t: usize, i: i32): usize {
  return t + (<usize>i << 3);
}

/** obj_cgroup_memcg: the memcg objcg o charges now. */
@inline export function objcg_memcg(o: i32): i32 {
  return load<i32>(i32at(objcgMemcg, o));
}

/** memcg_online_kmem: a non-root memcg gets its objcg (nothing with nokmem). */
export function memcg_online_kmem(m: i32): void {
  if (!kmem_enabled || mem_cgroup_is_root(m)) return;
  store<i32>(i32at(objcgMemcg, m), m);
  store<i32>(i32at(memcgObjcg, m), m);
}

/**
 * memcg_offline_kmem → memcg_reparent_objcgs: m's objcg, and every objcg already
 * reparented to m, charge the parent from now on; m has no objcg any more.
 */
export function memcg_offline_kmem(m: i32): void {
  if (!kmem_enabled || mem_cgroup_is_root(m)) return;
  const p = parent_mem_cgroup(m);
  const n = memcg_count();
  for (let o = 0; o < n; o++) if (objcg_memcg(o) == m) store<i32>(i32at(objcgMemcg, o), p);
  store<i32>(i32at(memcgObjcg, m), -1);
}

/**
 * current_obj_cgroup / __get_obj_cgroup_from_memcg: the objcg charged for kernel memory
 * allocated on behalf of memcg m (a task's memcg, or the active memcg): the first objcg
 * walking up from m, stopping before the root; -1 = nothing is charged.
 */
export function memcg_obj_cgroup(m: i32): i32 {
  if (!kmem_enabled) return -1;
  for (let x = m; x >= 0 && !mem_cgroup_is_root(x); x = parent_mem_cgroup(x)) {
    const o = load<i32>(i32at(memcgObjcg, x));
    if (o >= 0) return o;
  }
  return -1;
}

// memcg1_account_kmem: v1 charges (or uncharges) the kmem page_counter, never limited.
function memcg1_account_kmem(m: i32, n: i64): void {
  if (on_dfl) return;
  for (let x = m; x >= 0; x = parent_mem_cgroup(x)) {
    const p = i64at(kmemUsage, x);
    let u = load<i64>(p) + n;
    if (u < 0) u = 0; // page_counter_cancel: clamp (the kernel warns)
    store<i64>(p, u);
    if (u > load<i64>(i64at(kmemWatermark, x))) store<i64>(i64at(kmemWatermark, x), u);
  }
}

// account_kmem_nmi_safe + memcg1_account_kmem
function account_kmem(m: i32, n: i64, cpu: i32): void {
  stat_mod(m, 0, MEMCG_KMEM, n, cpu);
  memcg1_account_kmem(m, n);
}

/** obj_cgroup_charge_pages: try_charge_memcg for n pages, then MEMCG_KMEM (and v1 kmem). */
export function obj_cgroup_charge_pages(o: i32, cpu: i32, gfp: i32, n: i32): i32 {
  const m = objcg_memcg(o);
  const ret = try_charge_memcg(m, cpu, gfp, n);
  if (ret < 0) return ret;
  account_kmem(m, n, cpu);
  return 0;
}

/**
 * obj_cgroup_uncharge_pages: MEMCG_KMEM −n, and the pages go to the page stock (refill_stock);
 * pcstock (v4 4/5): straight back to the counters (memcg_uncharge).
 */
export function obj_cgroup_uncharge_pages(o: i32, cpu: i32, n: i64): void {
  const m = objcg_memcg(o);
  account_kmem(m, -n, cpu);
  if (mem_cgroup_is_root(m)) return;
  if (stock_enabled && !pcstock_on) refill_stock(m, cpu, <i32>n);
  else memcg_uncharge(m, n);
}

// mod_objcg_mlstate: a slab byte statistic of objcg's memcg on node.
function mod_objcg_mlstate(o: i32, node: i32, idx: i32, nr: i64, cpu: i32): void {
  stat_mod_bytes(objcg_memcg(o), node, idx, nr, cpu);
}

// __account_obj_stock: slab statistics wait in the stock until more than a page of them
// accumulates (or the node changes); the first update after a flush is always kept.
function account_obj_stock(o: i32, cpu: i32, nr: i64, node: i32, idx: i32): void {
  const pn = i32at(stNode, cpu);
  const cached = load<i32>(pn);
  if (cached != node) {
    if (cached >= 0) flush_slab_stats(o, cpu, cached);
    store<i32>(pn, node);
  }
  const p = idx == NR_SLAB_RECLAIMABLE_B ? i64at(stRecl, cpu) : i64at(stUnrecl, cpu);
  let b = load<i64>(p);
  if (b == 0) {
    store<i64>(p, nr);
    return;
  }
  b += nr;
  if ((b < 0 ? -b : b) > PAGE_SIZE) {
    store<i64>(p, 0);
    mod_objcg_mlstate(o, node, idx, b, cpu);
  } else store<i64>(p, b);
}

function flush_slab_stats(o: i32, cpu: i32, node: i32): void {
  const r = load<i64>(i64at(stRecl, cpu));
  if (r != 0) {
    mod_objcg_mlstate(o, node, NR_SLAB_RECLAIMABLE_B, r, cpu);
    store<i64>(i64at(stRecl, cpu), 0);
  }
  const u = load<i64>(i64at(stUnrecl, cpu));
  if (u != 0) {
    mod_objcg_mlstate(o, node, NR_SLAB_UNRECLAIMABLE_B, u, cpu);
    store<i64>(i64at(stUnrecl, cpu), 0);
  }
}

/** consume_obj_stock: this CPU's stock caches o and holds at least n bytes. */
function consume_obj_stock(o: i32, cpu: i32, n: i64, node: i32, idx: i32): bool {
  if (cost_on) cost_obj_stock(cpu, ACC_WRITE); // local_trylock, cached_objcg, nr_bytes
  const p = i64at(stBytes, cpu);
  if (load<i32>(i32at(stObjcg, cpu)) != o || load<i64>(p) < n) return false;
  store<i64>(p, load<i64>(p) - n);
  if (idx >= 0) account_obj_stock(o, cpu, n, node, idx);
  return true;
}

/**
 * drain_obj_stock: whole pages go straight back to the counters (memcg_uncharge, not the
 * page stock), the remainder to the objcg's nr_charged_bytes; slab statistics are flushed.
 */
export function drain_obj_stock(cpu: i32): void {
  const old = load<i32>(i32at(stObjcg, cpu));
  if (old < 0) return;
  const pb = i64at(stBytes, cpu);
  const bytes = load<i64>(pb);
  if (bytes != 0) {
    const pages = bytes >> 12;
    if (pages != 0) {
      const m = objcg_memcg(old);
      account_kmem(m, -pages, cpu);
      if (!mem_cgroup_is_root(m)) memcg_uncharge(m, pages);
    }
    const c = i64at(chargedBytes, old);
    if (cost_on && (bytes & (PAGE_SIZE - 1)) != 0) cost_objcg(old, ACC_ATOMIC); // atomic_add(nr_charged_bytes)
    store<i64>(c, load<i64>(c) + (bytes & (PAGE_SIZE - 1)));
    store<i64>(pb, 0);
  }
  const node = load<i32>(i32at(stNode, cpu));
  if (node >= 0) flush_slab_stats(old, cpu, node);
  store<i32>(i32at(stNode, cpu), -1);
  store<i32>(i32at(stObjcg, cpu), -1); // obj_cgroup_put
}

/**
 * refill_obj_stock: put n bytes of o in this CPU's stock (draining another objcg's first and
 * taking o's nr_charged_bytes); when trimming is allowed, whole pages above a page of bytes
 * are uncharged (obj_cgroup_uncharge_pages). idx >= 0: account nrAcct bytes of slab statistic.
 */
function refill_obj_stock(o: i32, cpu: i32, n: i64, allowUncharge: bool, nrAcct: i64, node: i32, idx: i32): void {
  const po = i32at(stObjcg, cpu);
  const pb = i64at(stBytes, cpu);
  if (cost_on) cost_obj_stock(cpu, ACC_WRITE);
  if (load<i32>(po) != o) {
    drain_obj_stock(cpu);
    store<i32>(po, o);
    const c = i64at(chargedBytes, o);
    if (cost_on) {
      cost_objcg(o, ACC_READ); // atomic_read(nr_charged_bytes)
      if (load<i64>(c) != 0) cost_objcg(o, ACC_ATOMIC); // ... then atomic_xchg
    }
    store<i64>(pb, load<i64>(c)); // atomic_xchg(&objcg->nr_charged_bytes, 0)
    store<i64>(c, 0);
    allowUncharge = true; // refill_obj_stock: allow the trim when the objcg changes
  }
  let bytes = load<i64>(pb) + n;
  if (idx >= 0) account_obj_stock(o, cpu, nrAcct, node, idx);
  let pages: i64 = 0;
  if (allowUncharge && bytes > PAGE_SIZE) {
    pages = bytes >> 12;
    bytes &= PAGE_SIZE - 1;
  }
  store<i64>(pb, bytes);
  if (pages != 0) obj_cgroup_uncharge_pages(o, cpu, pages);
}

/**
 * obj_cgroup_charge_account: from the stock, else charge whole pages and keep the unused
 * part of the last one in the stock (no trim). 0 or -ENOMEM.
 */
function obj_cgroup_charge_account(o: i32, cpu: i32, gfp: i32, size: i64, node: i32, idx: i32): i32 {
  if (consume_obj_stock(o, cpu, size, node, idx)) return 0;
  let pages = size >> 12;
  const rem = size & (PAGE_SIZE - 1);
  if (rem != 0) pages++;
  const ret = obj_cgroup_charge_pages(o, cpu, gfp, <i32>pages);
  if (ret == 0 && (rem != 0 || idx >= 0)) refill_obj_stock(o, cpu, rem != 0 ? PAGE_SIZE - rem : 0, false, size, node, idx);
  return ret;
}

/** obj_cgroup_charge: size bytes of kernel memory to objcg o from cpu; 0 or -ENOMEM. */
export function obj_cgroup_charge(o: i32, cpu: i32, gfp: i32, size: i64): i32 {
  return obj_cgroup_charge_account(o, cpu, gfp, size, -1, -1);
}

/** obj_cgroup_uncharge: the bytes go back through the stock (trim allowed). */
export function obj_cgroup_uncharge(o: i32, cpu: i32, size: i64): void {
  refill_obj_stock(o, cpu, size, true, 0, -1, -1);
}

/**
 * __memcg_slab_post_alloc_hook: one object of a SLAB_ACCOUNT cache whose s->size is
 * objSize, on node: obj_full_size bytes, with the slab statistic of the cache's kind.
 */
export function memcg_slab_alloc(o: i32, cpu: i32, gfp: i32, objSize: i64, reclaimable: bool, node: i32): i32 {
  if (o < 0) return 0;
  return obj_cgroup_charge_account(o, cpu, gfp, objSize + OBJCG_PTR, node,
    reclaimable ? NR_SLAB_RECLAIMABLE_B : NR_SLAB_UNRECLAIMABLE_B);
}

/** __memcg_slab_free_hook: the object's bytes back to the stock, its statistic undone. */
export function memcg_slab_free(o: i32, cpu: i32, objSize: i64, reclaimable: bool, node: i32): void {
  if (o < 0) return;
  const full = objSize + OBJCG_PTR;
  refill_obj_stock(o, cpu, full, true, -full, node, reclaimable ? NR_SLAB_RECLAIMABLE_B : NR_SLAB_UNRECLAIMABLE_B);
}

// pcpu_obj_full_size (5.17+, 8c57c07741bf): every possible CPU's copy, plus an objcg pointer
// per 4-byte unit; 5.15 charges size * num_possible_cpus() only (F_PERCPU_OBJCG_EXTRA).
@inline function pcpu_full(size: i64): i64 {
  const copies = size * nr_cpus;
  return era(F_PERCPU_OBJCG_EXTRA) ? copies + size / PCPU_MIN_ALLOC_SIZE * OBJCG_PTR : copies;
}

/**
 * pcpu_memcg_pre/post_alloc_hook: a per-CPU allocation of size bytes. MEMCG_PERCPU_B counts
 * exactly what was charged in every era: pcpu_obj_full_size(size) since 8c57c07741bf "mm:
 * memcg/percpu: account extra objcg space to memory cgroups" (5.17), size * nr_cpus before.
 */
export function memcg_percpu_alloc(o: i32, cpu: i32, gfp: i32, size: i64): i32 {
  if (o < 0) return 0;
  const full = pcpu_full(size);
  const ret = obj_cgroup_charge(o, cpu, gfp, full);
  if (ret == 0) stat_mod_bytes(objcg_memcg(o), 0, MEMCG_PERCPU_B, full, cpu);
  return ret;
}

/** pcpu_memcg_free_hook: the same bytes (pcpu_full) uncharged and uncounted. */
export function memcg_percpu_free(o: i32, cpu: i32, size: i64): void {
  if (o < 0) return;
  const full = pcpu_full(size);
  obj_cgroup_uncharge(o, cpu, full);
  stat_mod_bytes(objcg_memcg(o), 0, MEMCG_PERCPU_B, -full, cpu);
}

/** __memcg_kmem_charge_page: 2^order pages of kernel memory to objcg o (-1: none). */
export function memcg_kmem_charge_page(o: i32, cpu: i32, gfp: i32, order: i32): i32 {
  if (o < 0) return 0;
  return obj_cgroup_charge_pages(o, cpu, gfp, 1 << order);
}

/** __memcg_kmem_uncharge_page */
export function memcg_kmem_uncharge_page(o: i32, cpu: i32, order: i32): void {
  if (o < 0) return;
  obj_cgroup_uncharge_pages(o, cpu, <i64>1 << order);
}

/** obj_stock_flush_required: the CPU's stock caches an objcg of root's subtree. */
function obj_stock_flush_required(cpu: i32, root: i32): bool {
  const o = load<i32>(i32at(stObjcg, cpu));
  return o >= 0 && mem_cgroup_is_descendant(objcg_memcg(o), root);
}

/**
 * drain_all_stock: each CPU's memcg stock (stock.ts), then each CPU's object stock, of root's
 * subtree, from curcpu. (The object stock is the layer above the memcg stock: it refills it.)
 */
export function drain_all_stock(root: i32, curcpu: i32): void {
  drain_all_memcg_stock(root, curcpu);
  drain_all_obj_stock(root);
}

/**
 * drain_all_stock, the object-stock half: every CPU whose object stock caches an objcg of
 * root's subtree drains it (the drain work runs at once, local or remote).
 */
function drain_all_obj_stock(root: i32): void {
  if (!kmem_enabled) return;
  for (let cpu = 0; cpu < nr_cpus; cpu++) if (obj_stock_flush_required(cpu, root)) drain_obj_stock(cpu);
}

/**
 * mem_cgroup_alloc under set_active_memcg(parent): the accounted structures of a new memcg,
 * charged to the parent's objcg from cpu: that objcg (-1 = none charged) or -ENOMEM
 * (everything charged is undone). memcg_set_alloc_objcg remembers it for memcg_free_kmem.
 */
export function memcg_alloc_kmem(child: i32, parent: i32, cpu: i32, gfp: i32): i32 {
  const o = memcg_obj_cgroup(parent);
  if (o < 0) return -1;
  const node = cpu_to_node(cpu);
  let step = 0;
  let ret = memcg_slab_alloc(o, cpu, gfp, MEMCG_VMSTATS_KMALLOC, false, node);
  if (ret == 0) {
    step = 1;
    ret = memcg_percpu_alloc(o, cpu, gfp, MEMCG_VMSTATS_PERCPU);
  }
  if (ret == 0) {
    step = 2;
    if (!on_dfl) ret = memcg_percpu_alloc(o, cpu, gfp, MEMCG1_EVENTS_PERCPU); // memcg1_alloc_events
  }
  let nodesDone = 0;
  for (let n = 0; ret == 0 && n < nr_nodes; n++) {
    step = 3;
    ret = memcg_slab_alloc(o, cpu, gfp, LRUVEC_STATS_KMALLOC, false, n); // alloc_mem_cgroup_per_node_info
    if (ret == 0) {
      ret = memcg_percpu_alloc(o, cpu, gfp, LRUVEC_STATS_PERCPU);
      if (ret != 0) memcg_slab_free(o, cpu, LRUVEC_STATS_KMALLOC, false, n);
      else nodesDone++;
    }
  }
  if (ret == 0) {
    if (child >= 0) store<i32>(i32at(allocObjcg, child), o);
    return o;
  }
  // mem_cgroup_alloc fail: __mem_cgroup_free frees what was allocated
  free_structures(o, cpu, node, step >= 2, step >= 3, nodesDone);
  return ret;
}

function free_structures(o: i32, cpu: i32, node: i32, vmstatsPcpu: bool, events: bool, nodes: i32): void {
  for (let n = 0; n < nodes; n++) {
    memcg_percpu_free(o, cpu, LRUVEC_STATS_PERCPU);
    memcg_slab_free(o, cpu, LRUVEC_STATS_KMALLOC, false, n);
  }
  if (events && !on_dfl) memcg_percpu_free(o, cpu, MEMCG1_EVENTS_PERCPU);
  if (vmstatsPcpu) memcg_percpu_free(o, cpu, MEMCG_VMSTATS_PERCPU);
  memcg_slab_free(o, cpu, MEMCG_VMSTATS_KMALLOC, false, node);
}

export function memcg_set_alloc_objcg(m: i32, o: i32): void {
  store<i32>(i32at(allocObjcg, m), o);
}

/** __mem_cgroup_free: the structures mem_cgroup_alloc charged go back (through cpu's stock). */
export function memcg_free_kmem(m: i32, cpu: i32): void {
  const p = i32at(allocObjcg, m);
  const o = load<i32>(p);
  if (o < 0) return;
  store<i32>(p, -1);
  free_structures(o, cpu, cpu_to_node(cpu), true, true, nr_nodes);
}

// ── the v1 files ─────────────────────────────────────────────────────────────────────────
export const KMEM_USAGE: i32 = 0;
export const KMEM_WATERMARK: i32 = 1;
export const KMEM_FAILCNT: i32 = 2;
export const KMEM_MAX: i32 = 3;
export const TCP_USAGE: i32 = 4;
export const TCP_WATERMARK: i32 = 5;
export const TCP_FAILCNT: i32 = 6;
export const TCP_MAX: i32 = 7;

/** memory.kmem.* / memory.kmem.tcp.* values in pages (failcnt as a count); -1 for a bad id. */
export function kmem_counter_read(m: i32, field: i32): i64 {
  if (!memcg_exists(m)) return -1;
  if (field == KMEM_USAGE) return load<i64>(i64at(kmemUsage, m));
  if (field == KMEM_WATERMARK) return load<i64>(i64at(kmemWatermark, m));
  if (field == KMEM_MAX) return PAGE_COUNTER_MAX; // the kmem limit can no longer be set
  if (field == TCP_WATERMARK) return load<i64>(i64at(tcpWatermark, m));
  if (field == TCP_FAILCNT) return load<i64>(i64at(tcpFailcnt, m));
  if (field == TCP_MAX) return load<i64>(i64at(tcpMax, m));
  if (field == TCP_USAGE) return load<i64>(i64at(tcpUsage, m));
  return 0; // kmem failcnt (never try-charged)
}

/**
 * mem_cgroup_reset (watermark → usage, failcnt → 0) and the tcp limit
 * (memcg_update_tcp_max); the kmem limit write is accepted and ignored (deprecated).
 */
export function kmem_counter_write(m: i32, field: i32, pages: i64): i32 {
  if (!memcg_exists(m)) return -1;
  if (field == KMEM_WATERMARK) store<i64>(i64at(kmemWatermark, m), load<i64>(i64at(kmemUsage, m)));
  else if (field == TCP_WATERMARK) store<i64>(i64at(tcpWatermark, m), load<i64>(i64at(tcpUsage, m)));
  else if (field == TCP_FAILCNT) store<i64>(i64at(tcpFailcnt, m), 0);
  else if (field == TCP_MAX) {
    // memcg_update_tcp_max: page_counter_set_max (EBUSY below the usage), then the memcg's
    // sockets are accounted from now on (tcpmem_active).
    const max = pages < 0 ? 0 : pages > PAGE_COUNTER_MAX ? PAGE_COUNTER_MAX : pages;
    if (load<i64>(i64at(tcpUsage, m)) > max) return -EBUSY;
    store<i64>(i64at(tcpMax, m), max);
    store<u8>(tcpActive + <usize>m, 1);
  }
  return 0;
}

/** mem_cgroup_css_alloc: page_counter_init(&memcg->tcpmem, &parent->tcpmem), not active. */
export function memcg1_tcpmem_init(m: i32): void {
  store<i64>(i64at(tcpMax, m), PAGE_COUNTER_MAX);
  store<i64>(i64at(tcpUsage, m), 0);
  store<i64>(i64at(tcpWatermark, m), 0);
  store<i64>(i64at(tcpFailcnt, m), 0);
  store<u8>(tcpActive + <usize>m, 0);
}
/** memcg1_tcpmem_active: mem_cgroup_sk_alloc gives a v1 socket its memcg only then. */
export function memcg1_tcpmem_active(m: i32): bool {
  return load<u8>(tcpActive + <usize>m) != 0;
}

/**
 * memcg1_charge_skmem: page_counter_try_charge of the tcpmem counters up to the root; on a
 * failure tcpmem_pressure is set and only __GFP_NOFAIL charges anyway. failcnt as the era
 * counts it (tcpmem does not track it from 6.15: page_counter_init(..., false)).
 */
export function memcg1_charge_skmem(m: i32, n: i64, gfp: i32): bool {
  let fail = -1;
  for (let x = m; x >= 0; x = parent_mem_cgroup(x)) {
    // page_counter_try_charge, one level: atomic_long_add_return on usage, then read max
    if (cost_on) {
      cost_tcpmem(x, PCF_USAGE, ACC_ATOMIC);
      cost_tcpmem(x, PCF_MAX, ACC_READ);
    }
    if (load<i64>(i64at(tcpUsage, x)) + n > load<i64>(i64at(tcpMax, x))) {
      if (cost_on) cost_tcpmem(x, PCF_USAGE, ACC_ATOMIC); // atomic_long_sub
      fail = x;
      break;
    }
    tcp_add(x, n);
    if (cost_on) cost_tcpmem_parent(x);
  }
  if (fail < 0) return true;
  if (!era(F_FAILCNT_V1_MEMORY_ONLY)) {
    if (cost_on) cost_tcpmem(fail, PCF_FAILCNT, ACC_WRITE); // data_race(c->failcnt++)
    store<i64>(i64at(tcpFailcnt, fail), load<i64>(i64at(tcpFailcnt, fail)) + 1);
  }
  for (let x = m; x != fail; x = parent_mem_cgroup(x)) tcp_level(x, -n); // page_counter_cancel
  if ((gfp & __GFP_NOFAIL) == 0) return false;
  for (let x = m; x >= 0; x = parent_mem_cgroup(x)) tcp_level(x, n); // page_counter_charge
  return true;
}
/** memcg1_uncharge_skmem: page_counter_uncharge of the tcpmem counters. */
export function memcg1_uncharge_skmem(m: i32, n: i64): void {
  for (let x = m; x >= 0; x = parent_mem_cgroup(x)) tcp_level(x, -n); // page_counter_uncharge
}
// One level of page_counter_cancel / page_counter_charge on the tcpmem counters (cost model:
// the atomic on usage, the watermark a charge raises in tcp_add, then c->parent).
function tcp_level(x: i32, n: i64): void {
  if (cost_on) cost_tcpmem(x, PCF_USAGE, ACC_ATOMIC);
  tcp_add(x, n);
  if (cost_on) cost_tcpmem_parent(x);
}
function tcp_add(x: i32, n: i64): void {
  const p = i64at(tcpUsage, x);
  let u = load<i64>(p) + n;
  if (u < 0) u = 0; // page_counter_cancel: WARN_ONCE, then 0
  store<i64>(p, u);
  // page_counter_charge / try_charge: the peak follows usage (read, written when raised)
  if (cost_on && n > 0) cost_tcpmem(x, PCF_LOCAL_WATERMARK, ACC_READ);
  if (u > load<i64>(i64at(tcpWatermark, x))) {
    if (cost_on) cost_tcpmem(x, PCF_LOCAL_WATERMARK, ACC_WRITE);
    store<i64>(i64at(tcpWatermark, x), u);
  }
}

/** This CPU's object stock: the cached objcg (-1) and its pre-charged bytes. */
export function obj_stock_objcg(cpu: i32): i32 {
  return cpu >= 0 && cpu < nr_cpus ? load<i32>(i32at(stObjcg, cpu)) : -1;
}
export function obj_stock_bytes(cpu: i32): i64 {
  return cpu >= 0 && cpu < nr_cpus ? load<i64>(i64at(stBytes, cpu)) : -1;
}
/** obj_cgroup->nr_charged_bytes */
export function objcg_charged_bytes(o: i32): i64 {
  return memcg_exists(o) ? load<i64>(i64at(chargedBytes, o)) : -1;
}
