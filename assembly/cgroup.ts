// cgroup operations on memcgs: mkdir/rmdir (css_alloc/css_offline) and the writes of the
// limit files (memory_*_write for v2, mem_cgroup_resize_max for v1). The host parses the
// text; these take pages.

import { EBUSY, EINVAL, ENOENT, ENOSPC } from "./errno";
import {
  MEMCG_OOM, mem_cgroup_alloc, memsw_account, on_dfl, mem_cgroup_is_root, mem_cgroup_offline, memcg_memory_event,
  memcg_online, memcg_online_children, memory_counter, swap_counter,
} from "./memcg";
import { mem_cgroup_out_of_memory } from "./oom";
import {
  PAGE_COUNTER_MAX, PC_SWAP, PCF_FAILCNT, PCF_HIGH, PCF_LOW, PCF_MAX, PCF_MIN, page_counter_reset_watermark,
  page_counter_set_max, page_counter_set_protection, pc_field, pc_set_field, pc_usage,
} from "./page_counter";
import { try_to_free_mem_cgroup_pages } from "./reclaim";
import { drain_all_stock } from "./stock";
import { GFP_KERNEL } from "./gfp";
import { MAX_RECLAIM_RETRIES } from "./charge";
import { nr_cpus } from "./topology";

/** cgroup_mkdir: a new memcg below parent; its id, or -errno. */
export function cgroup_mkdir(parent: i32): i32 {
  if (!memcg_online(parent)) return -ENOENT;
  const m = mem_cgroup_alloc(parent);
  return m < 0 ? -ENOSPC : m;
}

/** cgroup_rmdir: refuse the root and cgroups with children (EBUSY); offline drains stocks. */
export function cgroup_rmdir(m: i32, cpu: i32): i32 {
  if (cpu < 0 || cpu >= nr_cpus) return -EINVAL;
  if (!memcg_online(m)) return -ENOENT;
  if (mem_cgroup_is_root(m) || memcg_online_children(m) > 0) return -EBUSY;
  mem_cgroup_offline(m);
  drain_all_stock(m, cpu); // mem_cgroup_css_offline
  return 0;
}

@inline function clamp_pages(pages: i64): i64 {
  return pages < 0 ? 0 : pages > PAGE_COUNTER_MAX ? PAGE_COUNTER_MAX : pages;
}

/** memory_max_write (v2): set the limit, then drain, reclaim and OOM down to it. */
export function memory_max_write(m: i32, pages: i64, cpu: i32): i32 {
  const c = memory_counter(m);
  const max = clamp_pages(pages);
  pc_set_field(c, PCF_MAX, max); // xchg(&memcg->memory.max, max)
  let drained = false;
  let nrReclaims = MAX_RECLAIM_RETRIES;
  while (true) {
    const usage = pc_usage(c);
    if (usage <= max) break;
    if (!drained) {
      drain_all_stock(m, cpu);
      drained = true;
      continue;
    }
    if (nrReclaims > 0) {
      if (try_to_free_mem_cgroup_pages(m, usage - max, GFP_KERNEL, true) == 0) nrReclaims--;
      continue;
    }
    memcg_memory_event(m, MEMCG_OOM);
    if (!mem_cgroup_out_of_memory(m, GFP_KERNEL, 0)) break;
  }
  return 0;
}

/** memory_high_write (v2): set memory.high, then drain and reclaim down to it (no OOM). */
export function memory_high_write(m: i32, pages: i64, cpu: i32): i32 {
  const c = memory_counter(m);
  const high = clamp_pages(pages);
  pc_set_field(c, PCF_HIGH, high); // page_counter_set_high
  let drained = false;
  let retries = MAX_RECLAIM_RETRIES;
  while (true) {
    const usage = pc_usage(c);
    if (usage <= high) break;
    if (!drained) {
      drain_all_stock(m, cpu);
      drained = true;
      continue;
    }
    const reclaimed = try_to_free_mem_cgroup_pages(m, usage - high, GFP_KERNEL, true);
    if (reclaimed == 0 && retries-- <= 0) break;
  }
  return 0;
}

/** memory_min_write / memory_low_write (v2): page_counter_set_min / _low. */
export function memory_protection_write(m: i32, low: bool, pages: i64): i32 {
  page_counter_set_protection(memory_counter(m), low ? PCF_LOW : PCF_MIN, clamp_pages(pages));
  return 0;
}

/** swap_max_write / swap_high_write (v2): no reclaim, the setting is simply stored. */
export function swap_limit_write(m: i32, high: bool, pages: i64): i32 {
  pc_set_field(swap_counter(m), high ? PCF_HIGH : PCF_MAX, clamp_pages(pages));
  return 0;
}

/**
 * mem_cgroup_resize_max (v1 limit_in_bytes / memsw.limit_in_bytes): keep memory.max <=
 * memsw.max (EINVAL), and if usage is above the new limit drain once, then reclaim; when
 * reclaim makes no progress give up with EBUSY, leaving the old limit.
 */
export function mem_cgroup_resize_max(m: i32, pages: i64, memsw: bool, cpu: i32): i32 {
  const max = clamp_pages(pages);
  const c = memsw ? swap_counter(m) : memory_counter(m);
  let drained = false;
  while (true) {
    const invariant = memsw ? max >= pc_field(memory_counter(m), PCF_MAX) : max <= pc_field(swap_counter(m), PCF_MAX);
    if (!invariant) return -EINVAL;
    if (page_counter_set_max(c, max) == 0) return 0;
    if (!drained) {
      drain_all_stock(m, cpu);
      drained = true;
      continue;
    }
    if (try_to_free_mem_cgroup_pages(m, 1, GFP_KERNEL, !memsw) == 0) return -EBUSY;
  }
}

/** v1 memory.max_usage_in_bytes / memory.failcnt writes: reset the peak or the fail count. */
export function counter_reset(c: i32, failcnt: bool): void {
  if (failcnt) pc_set_field(c, PCF_FAILCNT, 0);
  else page_counter_reset_watermark(c);
}

// Limit files, by setting (the op codes of replay.ts in the same order).
export const LIMIT_MAX: i32 = 0;
export const LIMIT_HIGH: i32 = 1;
export const LIMIT_LOW: i32 = 2;
export const LIMIT_MIN: i32 = 3;

/**
 * Write a limit the way this cgroup version's file does: v2 memory.{max,high,low,min} and
 * memory.swap.{max,high}; v1 memory.limit_in_bytes and memory.memsw.limit_in_bytes.
 * Settings the version has no file for are EINVAL; the root has no limits (EINVAL).
 */
export function memcg_set_limit(which: i32, m: i32, counter: i32, pages: i64, cpu: i32): i32 {
  if (cpu < 0 || cpu >= nr_cpus || which < LIMIT_MAX || which > LIMIT_MIN) return -EINVAL;
  if (!memcg_online(m)) return -ENOENT;
  if (mem_cgroup_is_root(m)) return -EINVAL;
  const swap = counter == PC_SWAP;
  if (on_dfl) {
    if (which == LIMIT_MAX) return swap ? swap_limit_write(m, false, pages) : memory_max_write(m, pages, cpu);
    if (which == LIMIT_HIGH) return swap ? swap_limit_write(m, true, pages) : memory_high_write(m, pages, cpu);
    if (swap) return -EINVAL;
    return memory_protection_write(m, which == LIMIT_LOW, pages);
  }
  if (which != LIMIT_MAX || (swap && !memsw_account)) return -EINVAL;
  return mem_cgroup_resize_max(m, pages, swap, cpu);
}
