// struct mem_cgroup: the hierarchy, its two page counters, memory.events and statistics.

import { EBUSY, ELIMIT } from "./errno";
import { Ida, ida_alloc, ida_create, ida_free } from "./idr";
import { table_alloc } from "./layout";
import { nr_cpus } from "./topology";
import {
  PAGE_COUNTER_MAX, PC_MEMORY, PC_SWAP, PC_TRACK_FAILCNT, PC_TRACK_PROTECTION, PCF_LOW, PCF_MAX, PCF_MIN, page_counter_init,
  page_counter_set_protection, pc_field, pc_usage,
} from "./page_counter";
// The css's life through the memory controller's callbacks (css_alloc, css_offline, css_free)
// is in memcg_css.ts, above the files those callbacks reach; this file has the tables.

export const ROOT_MEM_CGROUP: i32 = 0;

// enum memcg_memory_event
export const MEMCG_LOW: i32 = 0;
export const MEMCG_HIGH: i32 = 1;
export const MEMCG_MAX: i32 = 2;
export const MEMCG_OOM: i32 = 3;
export const MEMCG_OOM_KILL: i32 = 4;
export const MEMCG_OOM_GROUP_KILL: i32 = 5;
export const MEMCG_SWAP_HIGH: i32 = 6;
export const MEMCG_SWAP_MAX: i32 = 7;
export const MEMCG_SWAP_FAIL: i32 = 8;
export const MEMCG_NR_MEMORY_EVENTS: i32 = 9;

const F_EXISTS: i32 = 1;
const F_ONLINE: i32 = 2;

/** MEM_CGROUP_ID_MAX: memcg ids are 16 bits (swap records keep them in an unsigned short). */
export const MEM_CGROUP_ID_MAX: i32 = 65535;

/** MEMCG_CHARGE_BATCH (include/linux/memcontrol.h) of the era or the chargeBatch option: pages a charge stocks at once. */
export let charge_batch: i32 = 64;
/** MEMCG_CHARGE_BATCH × the CPUs: the pending updates past which memcg_vmstats_needs_flush says flush (rstat.ts). */
export let charge_batch_cpus: i64 = 64;
export function memcg_set_charge_batch(batch: i32): void {
  charge_batch = batch;
  charge_batch_cpus = <i64>batch * nr_cpus; // the CPUs are set before the stock (system_init)
}

/** vm_swappiness: the global default, and what a v1 root memory.swappiness reads and writes. */
export let vm_swappiness: i32 = 60;
export function set_vm_swappiness(v: i32): void {
  vm_swappiness = v;
}

// The memcg table is indexed by the emulator's slot number, the handle the host keeps (a
// folio's memcg, a stock slot's). A slot lives from css_alloc to css_free: an offline memcg
// keeps its slot as long as something still refers to it (charged folios, stock slots, swap
// records through its id, children). The kernel's own memcg id (memcg->id.id, what swap
// records store) is separate: it is given up as soon as the last id reference goes.
let parents: usize = 0; // i32[M]
let firstChild: usize = 0; // i32[M]: the css children list, in creation order (offline ones stay)
let lastChild: usize = 0; // i32[M]
let nextSibling: usize = 0; // i32[M]
let flags: usize = 0; // i32[M]
let onlineChildren: usize = 0; // i32[M]
let cssRefs: usize = 0; // i64[M]: charged folios, stock slots, uncharge gathers, reclaim walks
let idRefs: usize = 0; // i64[M]: memcg->id.ref: 1 while online, + one per page of swap recorded
let kernelIds: usize = 0; // i32[M]: memcg->id.id, 0 once removed
let gens: usize = 0; // i32[M]: which allocation of the slot this is
let events: usize = 0; // i64[M][NR_EVENTS]
let eventsLocal: usize = 0; // i64[M][NR_EVENTS]
let nrPageEvents: usize = 0; // i64[M]: memcg1 events_percpu nr_page_events
let softLimit: usize = 0; // i64[M]: v1 memory.soft_limit_in_bytes, pages
let swappiness: usize = 0; // i32[M]: memcg->swappiness (v1)
let oomKillDisable: usize = 0; // i32[M]: v1 memory.oom_control
let oomGroup: usize = 0; // i32[M]: v2 memory.oom.group
let maxMemcgs: i32 = 0;
let highWater: i32 = 0; // slots below this have been used
let serial: i32 = 0;
let freeCpu: i32 = 0; // the CPU of the last css offline (memcg_try_free uncharges kmem there)
let slots: Ida = changetype<Ida>(0); // free slots, lowest first
let memcgIds: Ida = changetype<Ida>(0); // mem_cgroup_ids: 1..MEM_CGROUP_ID_MAX (DEFINE_XARRAY_ALLOC1)
/** cgroup_subsys_on_dfl(memory_cgrp_subsys): cgroup v2. */
export let on_dfl: bool = true;

/** do_memsw_account: cgroup v1 with swap accounting charges memsw alongside memory. */
export let memsw_account: bool = false;
let failcntEverywhere: bool = false;
/** memory_localevents mount option (v2): memory.events counts like memory.events.local. */
let localEvents: bool = false;

export function memcg_table_init(n: i32, cgroupVersion: i32, swapAccount: bool, trackFailcntEverywhere: bool, localEventsOpt: bool): bool {
  maxMemcgs = n;
  on_dfl = cgroupVersion == 2;
  memsw_account = !on_dfl && swapAccount;
  failcntEverywhere = trackFailcntEverywhere;
  localEvents = localEventsOpt;
  parents = table_alloc("memcg parents", n, 4);
  firstChild = table_alloc("memcg first child", n, 4);
  lastChild = table_alloc("memcg last child", n, 4);
  nextSibling = table_alloc("memcg next sibling", n, 4);
  flags = table_alloc("memcg flags", n, 4);
  onlineChildren = table_alloc("memcg online children", n, 4);
  cssRefs = table_alloc("memcg css refs", n, 8);
  idRefs = table_alloc("memcg id refs", n, 8);
  kernelIds = table_alloc("memcg kernel ids", n, 4);
  gens = table_alloc("memcg generations", n, 4);
  events = table_alloc("memcg events", <u64>n * MEMCG_NR_MEMORY_EVENTS, 8);
  eventsLocal = table_alloc("memcg events_local", <u64>n * MEMCG_NR_MEMORY_EVENTS, 8);
  nrPageEvents = table_alloc("memcg nr_page_events", n, 8);
  softLimit = table_alloc("memcg soft limits", n, 8);
  swappiness = table_alloc("memcg swappiness", n, 4);
  oomKillDisable = table_alloc("memcg oom_kill_disable", n, 4);
  oomGroup = table_alloc("memcg oom.group", n, 4);
  slots = ida_create("memcg slot ida", 0, n - 1);
  memcgIds = ida_create("memcg id ida", 1, MEM_CGROUP_ID_MAX);
  if (changetype<usize>(memcgIds) == 0) return false;
  return memcg_struct_alloc(-1) == ROOT_MEM_CGROUP;
}

/**
 * The memory controller's css_free callback (memory_cgrp_subsys.css_free, mem_cgroup_css_free):
 * what the last reference of an offline memcg frees beyond this file's tables, on cpu;
 * whether the slot may be handed out again. memcg_css.ts sets it (the kernel calls it
 * through the subsystem's ops, from css_release's work).
 */
type CssFree = (m: i32, cpu: i32) => bool;
function css_free_none(m: i32, cpu: i32): bool {
  return true;
}
let css_free: CssFree = css_free_none;
export function memcg_set_css_free(f: CssFree): void {
  css_free = f;
}

@inline export function memory_counter(m: i32): i32 {
  return (m << 1) + PC_MEMORY;
}
/** memcg->swap (v2) or memcg->memsw (v1). */
@inline export function swap_counter(m: i32): i32 {
  return (m << 1) + PC_SWAP;
}
/** mem_cgroup_from_counter */
@inline export function counter_memcg(c: i32): i32 {
  return c >> 1;
}
@inline export function parent_mem_cgroup(m: i32): i32 {
  return load<i32>(parents + (<usize>m << 2));
}
@inline export function mem_cgroup_is_root(m: i32): bool {
  return m == ROOT_MEM_CGROUP;
}
export function memcg_exists(m: i32): bool {
  return m >= 0 && m < highWater && (load<i32>(flags + (<usize>m << 2)) & F_EXISTS) != 0;
}
export function memcg_online(m: i32): bool {
  return m >= 0 && m < highWater && (load<i32>(flags + (<usize>m << 2)) & F_ONLINE) != 0;
}
export function memcg_online_children(m: i32): i32 {
  return load<i32>(onlineChildren + (<usize>m << 2));
}
/** Slots below this have been used (a bound for loops and ids; check memcg_exists). */
export function memcg_count(): i32 {
  return highWater;
}
/** Memcgs that exist (online, or offline and still referenced); with kmem, freed ones too. */
export function memcg_nr_allocated(): i32 {
  return slots.used;
}
/** A memcg can be made now: a free memcg id (else EBUSY) and a free slot (else ELIMIT); 0 or -errno. */
export function mem_cgroup_can_alloc(): i32 {
  if (memcgIds.used >= MEM_CGROUP_ID_MAX) return -EBUSY;
  if (slots.used >= maxMemcgs) return -ELIMIT;
  return 0;
}
export function memcg_first_child(m: i32): i32 {
  return load<i32>(firstChild + (<usize>m << 2));
}
export function memcg_next_sibling(m: i32): i32 {
  return load<i32>(nextSibling + (<usize>m << 2));
}
/** The kernel's memcg id (mem_cgroup_id), 0 once it was removed. */
export function mem_cgroup_id(m: i32): i32 {
  return load<i32>(kernelIds + (<usize>m << 2));
}
/** Which allocation of slot m this memcg is (an open file of an earlier one is dead). */
export function memcg_gen(m: i32): i32 {
  return load<i32>(gens + (<usize>m << 2));
}
export function memcg_id_refs(m: i32): i64 {
  return load<i64>(idRefs + (<usize>m << 3));
}
/** The memcg table's size (maxCgroups). */
export function memcg_capacity(): i32 {
  return maxMemcgs;
}

/**
 * mem_cgroup_alloc's struct mem_cgroup (and css_online's state of it): a new memcg under
 * parent (-1 only for the root); its slot, -EBUSY when every memcg id is in use (xa_alloc in
 * mem_cgroup_alloc, 6.11+; older kernels' idr_alloc said -ENOSPC), or -ELIMIT when the
 * emulator's table is full. The whole css_alloc is mem_cgroup_alloc in memcg_css.ts.
 */
export function memcg_struct_alloc(parent: i32): i32 {
  const kid = ida_alloc(memcgIds); // mem_cgroup_alloc: the lowest free id >= 1
  if (kid < 0) return -EBUSY;
  const m = ida_alloc(slots);
  if (m < 0) {
    ida_free(memcgIds, kid);
    return -ELIMIT;
  }
  if (m >= highWater) highWater = m + 1;
  store<i32>(kernelIds + (<usize>m << 2), kid);
  store<i64>(idRefs + (<usize>m << 3), 1); // mem_cgroup_css_online: online state pins the id
  store<i64>(cssRefs + (<usize>m << 3), 0);
  store<i32>(gens + (<usize>m << 2), ++serial);
  store<i32>(parents + (<usize>m << 2), parent);
  store<i32>(firstChild + (<usize>m << 2), -1);
  store<i32>(lastChild + (<usize>m << 2), -1);
  store<i32>(nextSibling + (<usize>m << 2), -1);
  store<i32>(onlineChildren + (<usize>m << 2), 0);
  if (parent >= 0) {
    // A new css goes to the tail of its parent's children list.
    const last = load<i32>(lastChild + (<usize>parent << 2));
    if (last < 0) store<i32>(firstChild + (<usize>parent << 2), m);
    else store<i32>(nextSibling + (<usize>last << 2), m);
    store<i32>(lastChild + (<usize>parent << 2), m);
  }
  store<i32>(flags + (<usize>m << 2), F_EXISTS | F_ONLINE);
  memory.fill(events + <usize>m * MEMCG_NR_MEMORY_EVENTS * 8, 0, MEMCG_NR_MEMORY_EVENTS * 8);
  memory.fill(eventsLocal + <usize>m * MEMCG_NR_MEMORY_EVENTS * 8, 0, MEMCG_NR_MEMORY_EVENTS * 8);
  store<i64>(nrPageEvents + (<usize>m << 3), 0);
  store<i64>(softLimit + (<usize>m << 3), PAGE_COUNTER_MAX);
  // mem_cgroup_css_alloc: swappiness and oom_kill_disable are inherited from the parent.
  store<i32>(swappiness + (<usize>m << 2), parent < 0 ? vm_swappiness : mem_cgroup_swappiness(parent));
  store<i32>(oomKillDisable + (<usize>m << 2), parent >= 0 ? load<i32>(oomKillDisable + (<usize>parent << 2)) : 0);
  store<i32>(oomGroup + (<usize>m << 2), 0);
  // mem_cgroup_css_alloc: only the v2 memory counter tracks min/low protection, and (6.12+)
  // only the v1 memory counter tracks failcnt; older kernels counted failures everywhere.
  const fc = failcntEverywhere ? PC_TRACK_FAILCNT : 0;
  const memTrack = (on_dfl ? PC_TRACK_PROTECTION : PC_TRACK_FAILCNT) | fc;
  page_counter_init(memory_counter(m), parent < 0 ? -1 : memory_counter(parent), memTrack);
  page_counter_init(swap_counter(m), parent < 0 ? -1 : swap_counter(parent), fc);
  if (parent >= 0) {
    const p = onlineChildren + (<usize>parent << 2);
    store<i32>(p, load<i32>(p) + 1);
  }
  return m;
}

/**
 * mem_cgroup_css_offline's state of m (memcg_css.ts has the whole callback): m is offline,
 * its protection goes (page_counter_set_min/low 0).
 */
export function memcg_struct_offline(m: i32): void {
  const f = flags + (<usize>m << 2);
  store<i32>(f, load<i32>(f) & ~F_ONLINE);
  const p = onlineChildren + (<usize>parent_mem_cgroup(m) << 2);
  store<i32>(p, load<i32>(p) - 1);
  page_counter_set_protection(memory_counter(m), PCF_MIN, 0);
  page_counter_set_protection(memory_counter(m), PCF_LOW, 0);
}
/** The CPU the frees from now on run on (css_free's work: the CPU of the last css offline). */
export function memcg_set_free_cpu(cpu: i32): void {
  freeCpu = cpu;
}

/** mem_cgroup_id_get_many: n more references on m's id (swap records of its tail pages). */
export function mem_cgroup_id_get_many(m: i32, n: i64): void {
  const p = idRefs + (<usize>m << 3);
  store<i64>(p, load<i64>(p) + n);
}

/** mem_cgroup_id_put_many: the last reference removes the id (xa_erase), which pinned the css. */
export function mem_cgroup_id_put_many(m: i32, n: i64): void {
  const p = idRefs + (<usize>m << 3);
  const left = load<i64>(p) - n;
  store<i64>(p, left);
  if (left != 0) return;
  const kid = mem_cgroup_id(m);
  if (kid > 0) {
    ida_free(memcgIds, kid); // mem_cgroup_id_remove
    store<i32>(kernelIds + (<usize>m << 2), 0);
  }
  memcg_try_free(m);
}

/**
 * mem_cgroup_id_get_online: m, or its nearest ancestor whose id is still alive, with one
 * id reference taken (the root's id never goes).
 */
export function mem_cgroup_id_get_online(m: i32): i32 {
  let x = m;
  while (memcg_id_refs(x) == 0 && !mem_cgroup_is_root(x)) x = parent_mem_cgroup(x);
  mem_cgroup_id_get_many(x, 1);
  return x;
}

/**
 * css_release + css_free: an offline memcg that nothing refers to any more (no css or id
 * references, no child css) is freed: its statistics are flushed into the parent
 * (css_rstat_exit), it leaves the css tree and the reclaim iterators
 * (invalidate_reclaim_iterators), its slot is free, and a parent waiting only for it follows.
 */
export function memcg_try_free(m: i32): void {
  let x = m;
  while (x > 0) {
    const f = load<i32>(flags + (<usize>x << 2));
    if ((f & (F_EXISTS | F_ONLINE)) != F_EXISTS || css_refs(x) != 0 || memcg_id_refs(x) != 0 || memcg_first_child(x) >= 0) return;
    // css_free on the CPU that removed the cgroup (the emulator's choice for css_free's workqueue)
    const reuse = css_free(x, freeCpu);
    const parent = parent_mem_cgroup(x);
    // list_del of the css from its parent's children
    let prev = -1;
    for (let c = memcg_first_child(parent); c != x; c = memcg_next_sibling(c)) prev = c;
    const next = memcg_next_sibling(x);
    if (prev < 0) store<i32>(firstChild + (<usize>parent << 2), next);
    else store<i32>(nextSibling + (<usize>prev << 2), next);
    if (next < 0) store<i32>(lastChild + (<usize>parent << 2), prev);
    store<i32>(flags + (<usize>x << 2), 0);
    if (reuse) ida_free(slots, x);
    x = parent;
  }
}

/**
 * css_next_descendant_pre: the memcg after pos in a pre-order walk of root's subtree
 * (root first, children in creation order); -1 at the end. pos -1 starts the walk.
 */
export function mem_cgroup_next_pre(pos: i32, root: i32): i32 {
  if (pos < 0) return root;
  const child = load<i32>(firstChild + (<usize>pos << 2));
  if (child >= 0) return child;
  for (let x = pos; x != root; x = parent_mem_cgroup(x)) {
    const sib = load<i32>(nextSibling + (<usize>x << 2));
    if (sib >= 0) return sib;
  }
  return -1;
}

/** mem_cgroup_is_descendant: m is root or below it. */
export function mem_cgroup_is_descendant(m: i32, root: i32): bool {
  for (let x = m; x >= 0; x = parent_mem_cgroup(x)) if (x == root) return true;
  return false;
}

/** mem_cgroup_margin: pages that can still be charged before hitting a limit. */
export function mem_cgroup_margin(m: i32): i64 {
  let c = memory_counter(m);
  let margin: i64 = max<i64>(pc_field(c, PCF_MAX) - pc_usage(c), 0);
  if (memsw_account) {
    c = swap_counter(m);
    margin = min(margin, max<i64>(pc_field(c, PCF_MAX) - pc_usage(c), 0));
  }
  return margin;
}

/**
 * memcg_memory_event: count in memory.events.local of m, and in memory.events of m and
 * each ancestor below the root (cgroup v2's hierarchical events); v1 and the
 * memory_localevents mount option count on m alone.
 */
export function memcg_memory_event(m: i32, event: i32): void {
  let p = eventsLocal + ((<usize>m * MEMCG_NR_MEMORY_EVENTS + event) << 3);
  store<i64>(p, load<i64>(p) + 1);
  let x = m;
  do {
    p = events + ((<usize>x * MEMCG_NR_MEMORY_EVENTS + event) << 3);
    store<i64>(p, load<i64>(p) + 1);
    if (!on_dfl || localEvents) break;
    x = parent_mem_cgroup(x);
  } while (x >= 0 && !mem_cgroup_is_root(x));
}

export function memcg_event(m: i32, event: i32, local: bool): i64 {
  return load<i64>((local ? eventsLocal : events) + ((<usize>m * MEMCG_NR_MEMORY_EVENTS + event) << 3));
}

@inline export function css_get(m: i32, n: i64): void {
  const p = cssRefs + (<usize>m << 3);
  store<i64>(p, load<i64>(p) + n);
}
/** css_put: the last reference of an offline memcg frees it (memcg_try_free). */
@inline export function css_put(m: i32, n: i64): void {
  const p = cssRefs + (<usize>m << 3);
  const left = load<i64>(p) - n;
  store<i64>(p, left);
  if (left == 0 && (load<i32>(flags + (<usize>m << 2)) & F_ONLINE) == 0) memcg_try_free(m);
}
/** css_get then css_put of one reference (nothing between reads the count): only the put's check. */
@inline export function css_get_put(m: i32): void {
  if (load<i64>(cssRefs + (<usize>m << 3)) == 0 && (load<i32>(flags + (<usize>m << 2)) & F_ONLINE) == 0) memcg_try_free(m);
}
export function css_refs(m: i32): i64 {
  return load<i64>(cssRefs + (<usize>m << 3));
}

/** memcg1 nr_page_events: pages charged and uncharged (the v1 event ratelimit counter). */
@inline export function memcg_page_events_add(m: i32, n: i64): void {
  const p = nrPageEvents + (<usize>m << 3);
  store<i64>(p, load<i64>(p) + n);
}
export function memcg_page_events(m: i32): i64 {
  return load<i64>(nrPageEvents + (<usize>m << 3));
}

// ── settings of the interface files that the charge path does not read ────────────────
export function memcg_soft_limit(m: i32): i64 {
  return load<i64>(softLimit + (<usize>m << 3));
}
export function memcg_set_soft_limit(m: i32, pages: i64): void {
  store<i64>(softLimit + (<usize>m << 3), pages);
}
/** mem_cgroup_swappiness: v2 and the root use vm_swappiness; v1 children their own. */
export function mem_cgroup_swappiness(m: i32): i32 {
  if (on_dfl || mem_cgroup_is_root(m)) return vm_swappiness;
  return load<i32>(swappiness + (<usize>m << 2));
}
export function memcg_set_swappiness(m: i32, v: i32): void {
  store<i32>(swappiness + (<usize>m << 2), v);
}
export function memcg_oom_kill_disable(m: i32): bool {
  return load<i32>(oomKillDisable + (<usize>m << 2)) != 0;
}
export function memcg_set_oom_kill_disable(m: i32, v: bool): void {
  store<i32>(oomKillDisable + (<usize>m << 2), v ? 1 : 0);
}
export function memcg_oom_group(m: i32): bool {
  return load<i32>(oomGroup + (<usize>m << 2)) != 0;
}
export function memcg_set_oom_group(m: i32, v: bool): void {
  store<i32>(oomGroup + (<usize>m << 2), v ? 1 : 0);
}
