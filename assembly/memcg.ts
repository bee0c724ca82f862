// struct mem_cgroup: the hierarchy, its two page counters, memory.events and statistics.

import { table_alloc } from "./layout";
import {
  PAGE_COUNTER_MAX, PC_MEMORY, PC_SWAP, PC_TRACK_FAILCNT, PC_TRACK_PROTECTION, PCF_MAX, page_counter_init, pc_field,
  pc_usage,
} from "./page_counter";

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
const F_SUBTREE_MEMORY: i32 = 4; // "memory" in this cgroup's cgroup.subtree_control (v2)

/** vm_swappiness: the global default, and what a v1 root memory.swappiness reads and writes. */
export let vm_swappiness: i32 = 60;
export function set_vm_swappiness(v: i32): void {
  vm_swappiness = v;
}

let parents: usize = 0; // i32[M]
let firstChild: usize = 0; // i32[M]: cgroup children list, in creation order
let lastChild: usize = 0; // i32[M]
let nextSibling: usize = 0; // i32[M]
let flags: usize = 0; // i32[M]
let onlineChildren: usize = 0; // i32[M]
let cssRefs: usize = 0; // i64[M]
let events: usize = 0; // i64[M][NR_EVENTS]
let eventsLocal: usize = 0; // i64[M][NR_EVENTS]
let nrPageEvents: usize = 0; // i64[M]: memcg1 events_percpu nr_page_events
let softLimit: usize = 0; // i64[M]: v1 memory.soft_limit_in_bytes, pages
let swappiness: usize = 0; // i32[M]: memcg->swappiness (v1)
let oomKillDisable: usize = 0; // i32[M]: v1 memory.oom_control
let oomGroup: usize = 0; // i32[M]: v2 memory.oom.group
let maxMemcgs: i32 = 0;
let nextId: i32 = 0;
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
  parents = table_alloc(<usize>n * 4);
  firstChild = table_alloc(<usize>n * 4);
  lastChild = table_alloc(<usize>n * 4);
  nextSibling = table_alloc(<usize>n * 4);
  flags = table_alloc(<usize>n * 4);
  onlineChildren = table_alloc(<usize>n * 4);
  cssRefs = table_alloc(<usize>n * 8);
  events = table_alloc(<usize>n * MEMCG_NR_MEMORY_EVENTS * 8);
  eventsLocal = table_alloc(<usize>n * MEMCG_NR_MEMORY_EVENTS * 8);
  nrPageEvents = table_alloc(<usize>n * 8);
  softLimit = table_alloc(<usize>n * 8);
  swappiness = table_alloc(<usize>n * 4);
  oomKillDisable = table_alloc(<usize>n * 4);
  oomGroup = table_alloc(<usize>n * 4);
  if (oomGroup == 0) return false;
  return mem_cgroup_alloc(-1) == ROOT_MEM_CGROUP;
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
  return m >= 0 && m < nextId && (load<i32>(flags + (<usize>m << 2)) & F_EXISTS) != 0;
}
export function memcg_online(m: i32): bool {
  return m >= 0 && m < nextId && (load<i32>(flags + (<usize>m << 2)) & F_ONLINE) != 0;
}
export function memcg_online_children(m: i32): i32 {
  return load<i32>(onlineChildren + (<usize>m << 2));
}
export function memcg_count(): i32 {
  return nextId;
}
/** The memcg table's size (maxCgroups). */
export function memcg_capacity(): i32 {
  return maxMemcgs;
}

/** mem_cgroup_css_alloc + css_online: a new memcg under parent (-1 only for the root); -1 when full. */
export function mem_cgroup_alloc(parent: i32): i32 {
  if (nextId >= maxMemcgs) return -1;
  const m = nextId++;
  store<i32>(parents + (<usize>m << 2), parent);
  store<i32>(firstChild + (<usize>m << 2), -1);
  store<i32>(lastChild + (<usize>m << 2), -1);
  store<i32>(nextSibling + (<usize>m << 2), -1);
  if (parent >= 0) {
    // A new cgroup goes to the tail of its parent's children list.
    const last = load<i32>(lastChild + (<usize>parent << 2));
    if (last < 0) store<i32>(firstChild + (<usize>parent << 2), m);
    else store<i32>(nextSibling + (<usize>last << 2), m);
    store<i32>(lastChild + (<usize>parent << 2), m);
  }
  // The root's subtree_control enables memory (as an init system does); children start
  // without it, and the first mkdir below a cgroup enables it there (memcg_subtree_enable).
  store<i32>(flags + (<usize>m << 2), F_EXISTS | F_ONLINE | (parent < 0 ? F_SUBTREE_MEMORY : 0));
  store<i64>(softLimit + (<usize>m << 3), PAGE_COUNTER_MAX);
  // mem_cgroup_css_alloc: swappiness and oom_kill_disable are inherited from the parent.
  store<i32>(swappiness + (<usize>m << 2), parent < 0 ? vm_swappiness : mem_cgroup_swappiness(parent));
  if (parent >= 0) store<i32>(oomKillDisable + (<usize>m << 2), load<i32>(oomKillDisable + (<usize>parent << 2)));
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

/** mem_cgroup_css_offline: the cgroup directory is gone; charges stay until uncharged. */
export function mem_cgroup_offline(m: i32): void {
  const f = flags + (<usize>m << 2);
  store<i32>(f, load<i32>(f) & ~F_ONLINE);
  const p = onlineChildren + (<usize>parent_mem_cgroup(m) << 2);
  store<i32>(p, load<i32>(p) - 1);
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
@inline export function css_put(m: i32, n: i64): void {
  const p = cssRefs + (<usize>m << 3);
  store<i64>(p, load<i64>(p) - n);
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
/** "memory" in m's cgroup.subtree_control (v2). */
export function memcg_subtree_memory(m: i32): bool {
  return (load<i32>(flags + (<usize>m << 2)) & F_SUBTREE_MEMORY) != 0;
}
export function memcg_set_subtree_memory(m: i32, on: bool): void {
  const f = flags + (<usize>m << 2);
  store<i32>(f, on ? load<i32>(f) | F_SUBTREE_MEMORY : load<i32>(f) & ~F_SUBTREE_MEMORY);
}
