// struct mem_cgroup: the hierarchy, its two page counters, memory.events and statistics.

import { table_alloc } from "./layout";
import {
  PC_MEMORY, PC_SWAP, PC_TRACK_FAILCNT, PC_TRACK_PROTECTION, PCF_MAX, page_counter_init, pc_field, pc_usage,
} from "./page_counter";
import { nr_nodes } from "./topology";

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

// Per-memcg per-node page statistics (node_stat_item / memcg_stat_item subset), in pages.
export const NR_ANON_MAPPED: i32 = 0;
export const NR_FILE_PAGES: i32 = 1;
export const NR_ANON_THPS: i32 = 2;
export const NR_FILE_THPS: i32 = 3;
export const NR_MEMCG_STAT: i32 = 4;

// Per-memcg event counters (memcg_vm_event_stat subset + the v1 event ratelimit counter).
export const PGPGIN: i32 = 0;
export const PGPGOUT: i32 = 1;
export const NR_PAGE_EVENTS: i32 = 2;
export const NR_MEMCG_VM_EVENTS: i32 = 3;

const F_EXISTS: i32 = 1;
const F_ONLINE: i32 = 2;

let parents: usize = 0; // i32[M]
let flags: usize = 0; // i32[M]
let onlineChildren: usize = 0; // i32[M]
let cssRefs: usize = 0; // i64[M]
let events: usize = 0; // i64[M][NR_EVENTS]
let eventsLocal: usize = 0; // i64[M][NR_EVENTS]
let vmEvents: usize = 0; // i64[M][NR_VM_EVENTS]
let stats: usize = 0; // i64[M][nodes][NR_MEMCG_STAT]
let maxMemcgs: i32 = 0;
let nextId: i32 = 0;
/** cgroup_subsys_on_dfl(memory_cgrp_subsys): cgroup v2. */
export let on_dfl: bool = true;

/** do_memsw_account: cgroup v1 with swap accounting charges memsw alongside memory. */
export let memsw_account: bool = false;
let failcntEverywhere: bool = false;

export function memcg_table_init(n: i32, cgroupVersion: i32, swapAccount: bool, trackFailcntEverywhere: bool): bool {
  maxMemcgs = n;
  on_dfl = cgroupVersion == 2;
  memsw_account = !on_dfl && swapAccount;
  failcntEverywhere = trackFailcntEverywhere;
  parents = table_alloc(<usize>n * 4);
  flags = table_alloc(<usize>n * 4);
  onlineChildren = table_alloc(<usize>n * 4);
  cssRefs = table_alloc(<usize>n * 8);
  events = table_alloc(<usize>n * MEMCG_NR_MEMORY_EVENTS * 8);
  eventsLocal = table_alloc(<usize>n * MEMCG_NR_MEMORY_EVENTS * 8);
  vmEvents = table_alloc(<usize>n * NR_MEMCG_VM_EVENTS * 8);
  stats = table_alloc(<usize>n * <usize>nr_nodes * NR_MEMCG_STAT * 8);
  if (stats == 0) return false;
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

/** mem_cgroup_css_alloc + css_online: a new memcg under parent (-1 only for the root); -1 when full. */
export function mem_cgroup_alloc(parent: i32): i32 {
  if (nextId >= maxMemcgs) return -1;
  const m = nextId++;
  store<i32>(parents + (<usize>m << 2), parent);
  store<i32>(flags + (<usize>m << 2), F_EXISTS | F_ONLINE);
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
 * each ancestor below the root (cgroup v2's default hierarchical events).
 */
export function memcg_memory_event(m: i32, event: i32): void {
  let p = eventsLocal + ((<usize>m * MEMCG_NR_MEMORY_EVENTS + event) << 3);
  store<i64>(p, load<i64>(p) + 1);
  for (let x = m; x >= 0 && !mem_cgroup_is_root(x); x = parent_mem_cgroup(x)) {
    p = events + ((<usize>x * MEMCG_NR_MEMORY_EVENTS + event) << 3);
    store<i64>(p, load<i64>(p) + 1);
  }
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

/** mod_memcg_lruvec_state: adjust a per-memcg per-node page statistic. */
@inline export function memcg_stat_mod(m: i32, node: i32, item: i32, delta: i64): void {
  const p = stats + (((<usize>m * <usize>nr_nodes + <usize>node) * NR_MEMCG_STAT + item) << 3);
  store<i64>(p, load<i64>(p) + delta);
}
export function memcg_stat(m: i32, node: i32, item: i32): i64 {
  return load<i64>(stats + (((<usize>m * <usize>nr_nodes + <usize>node) * NR_MEMCG_STAT + item) << 3));
}

/** count_memcg_events */
@inline export function memcg_vm_event_add(m: i32, item: i32, n: i64): void {
  const p = vmEvents + ((<usize>m * NR_MEMCG_VM_EVENTS + item) << 3);
  store<i64>(p, load<i64>(p) + n);
}
export function memcg_vm_event(m: i32, item: i32): i64 {
  return load<i64>(vmEvents + ((<usize>m * NR_MEMCG_VM_EVENTS + item) << 3));
}
