// The write paths of the memcg interface files: the limit files (memory_*_write for v2,
// mem_cgroup_resize_max for v1) and the other settings. The host parses the text; these take
// pages. (mkdir/rmdir and cgroup.subtree_control are the cgroup core's: cgroup_core.ts.)

import { EBUSY, EINVAL, ENOENT } from "./errno";
import {
  MEMCG_OOM, memsw_account, on_dfl, mem_cgroup_is_root, memcg_memory_event,
  memcg_online, memory_counter, swap_counter, memcg_soft_limit, memcg_set_soft_limit,
  mem_cgroup_swappiness, memcg_set_swappiness, set_vm_swappiness, memcg_oom_kill_disable, memcg_set_oom_kill_disable,
  memcg_oom_group, memcg_set_oom_group,
} from "./memcg";
import { mem_cgroup_out_of_memory, oom_set_cpu, oom_set_current } from "./oom";
import {
  PAGE_COUNTER_MAX, PC_SWAP, PCF_FAILCNT, PCF_HIGH, PCF_LOW, PCF_MAX, PCF_MIN, page_counter_reset_watermark,
  page_counter_set_high, page_counter_set_max, page_counter_set_protection, pc_field, pc_set_field, pc_usage,
} from "./page_counter";
import { MEMCG_RECLAIM_MAY_SWAP, try_to_free_mem_cgroup_pages } from "./reclaim";
import { drain_all_stock } from "./objcg";
import { GFP_KERNEL } from "./gfp";
import { MAX_RECLAIM_RETRIES } from "./charge";
import { nr_cpus } from "./topology";
import { memcg1_oom_recover } from "./memcg1_oom";
import { op_end } from "./resched";
import { lru_add_drain_all } from "./lru_add";

@inline function clamp_pages(pages: i64): i64 {
  return pages < 0 ? 0 : pages > PAGE_COUNTER_MAX ? PAGE_COUNTER_MAX : pages;
}

/** memory_max_write (v2): set the limit, then drain, reclaim and OOM down to it. */
export function memory_max_write(m: i32, pages: i64, cpu: i32): i32 {
  oom_set_current(-1); // the writer is not a task of the emulator
  oom_set_cpu(cpu);
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
      if (try_to_free_mem_cgroup_pages(m, usage - max, GFP_KERNEL, MEMCG_RECLAIM_MAY_SWAP, cpu, -1) == 0) nrReclaims--;
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
  page_counter_set_high(c, high);
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
    const reclaimed = try_to_free_mem_cgroup_pages(m, usage - high, GFP_KERNEL, MEMCG_RECLAIM_MAY_SWAP, cpu, -1);
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
  if (high) page_counter_set_high(swap_counter(m), clamp_pages(pages));
  else pc_set_field(swap_counter(m), PCF_MAX, clamp_pages(pages));
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
    const enlarge = max > pc_field(c, PCF_MAX);
    if (page_counter_set_max(c, max) == 0) {
      if (enlarge) memcg1_oom_recover(m); // mem_cgroup_resize_max: waiters may fit now
      return 0;
    }
    if (!drained) {
      drain_all_stock(m, cpu);
      drained = true;
      continue;
    }
    if (try_to_free_mem_cgroup_pages(m, 1, GFP_KERNEL, memsw ? 0 : MEMCG_RECLAIM_MAY_SWAP, cpu, -1) == 0) return -EBUSY;
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
  const ret = set_limit(which, m, counter, pages, cpu);
  op_end(cpu);
  return ret;
}

function set_limit(which: i32, m: i32, counter: i32, pages: i64, cpu: i32): i32 {
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

// ── other interface-file settings ─────────────────────────────────────────────────────
export const SETTING_SOFT_LIMIT: i32 = 0; // v1 memory.soft_limit_in_bytes (pages)
export const SETTING_SWAPPINESS: i32 = 1; // v1 memory.swappiness
export const SETTING_OOM_KILL_DISABLE: i32 = 2; // v1 memory.oom_control
export const SETTING_USE_HIERARCHY: i32 = 3; // v1 memory.use_hierarchy
export const SETTING_MOVE_CHARGE: i32 = 4; // v1 memory.move_charge_at_immigrate
export const SETTING_OOM_GROUP: i32 = 5; // v2 memory.oom.group

/** Read a setting (as the file shows it, before formatting); -1 for an unknown one. */
export function setting_read(which: i32, m: i32): i64 {
  if (which == SETTING_SOFT_LIMIT) return memcg_soft_limit(m);
  if (which == SETTING_SWAPPINESS) return mem_cgroup_swappiness(m);
  if (which == SETTING_OOM_KILL_DISABLE) return memcg_oom_kill_disable(m) ? 1 : 0;
  if (which == SETTING_USE_HIERARCHY) return 1; // mem_cgroup_hierarchy_read: always hierarchical
  if (which == SETTING_MOVE_CHARGE) return 0; // mem_cgroup_move_charge_read: moving is gone
  if (which == SETTING_OOM_GROUP) return memcg_oom_group(m) ? 1 : 0;
  return -1;
}

/** Write a setting; 0 or -errno, nothing changed on an error. */
export function setting_write(which: i32, m: i32, v: i64): i32 {
  if (!memcg_online(m)) return -ENOENT;
  const root = mem_cgroup_is_root(m);
  if (which == SETTING_SOFT_LIMIT) {
    memcg_set_soft_limit(m, clamp_pages(v)); // mem_cgroup_write RES_SOFT_LIMIT (root too)
    return 0;
  }
  if (which == SETTING_SWAPPINESS) {
    if (v < 0 || v > 200) return -EINVAL; // mem_cgroup_swappiness_write: MAX_SWAPPINESS
    if (root) set_vm_swappiness(<i32>v);
    else memcg_set_swappiness(m, <i32>v);
    return 0;
  }
  if (which == SETTING_OOM_KILL_DISABLE) {
    if (root || (v != 0 && v != 1)) return -EINVAL; // mem_cgroup_oom_control_write
    memcg_set_oom_kill_disable(m, v == 1);
    if (v == 0) {
      memcg1_oom_recover(m); // mem_cgroup_oom_control_write: the waiters may be killed now
      op_end(0);
    }
    return 0;
  }
  if (which == SETTING_USE_HIERARCHY) return v == 1 ? 0 : -EINVAL; // mem_cgroup_hierarchy_write
  if (which == SETTING_MOVE_CHARGE) return v == 0 ? 0 : -EINVAL; // mem_cgroup_move_charge_write
  if (which == SETTING_OOM_GROUP) {
    if (root || (v != 0 && v != 1)) return -EINVAL; // memory_oom_group_write
    memcg_set_oom_group(m, v == 1);
    return 0;
  }
  return -EINVAL;
}

/** mem_cgroup_force_empty (v1 memory.force_empty): drain, then reclaim until empty or stuck. */
export function memcg_force_empty(m: i32, cpu: i32): i32 {
  if (cpu < 0 || cpu >= nr_cpus) return -EINVAL;
  if (!memcg_online(m)) return -ENOENT;
  if (mem_cgroup_is_root(m)) return -EINVAL;
  lru_add_drain_all(); // mem_cgroup_force_empty
  drain_all_stock(m, cpu);
  let retries = MAX_RECLAIM_RETRIES;
  while (retries > 0 && pc_usage(memory_counter(m)) > 0) {
    if (try_to_free_mem_cgroup_pages(m, 1, GFP_KERNEL, MEMCG_RECLAIM_MAY_SWAP, cpu, -1) == 0) retries--;
  }
  op_end(cpu);
  return 0;
}
