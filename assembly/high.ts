// memory.high and memory.swap.high throttling (mm/memcontrol.c: reclaim_high,
// calculate_overage, mem_find_max_overage, swap_find_max_overage, calculate_high_delay,
// __mem_cgroup_handle_over_high). A task that charged over memory.high reclaims on its way
// back to user space and, if that leaves it far enough over, sleeps for a penalty that
// grows with the square of the overage.

import { cost_on, cost_sleep_ns } from "./cost_model";
import { clock_advance, NSEC_PER_SEC } from "./clock";
import { GFP_KERNEL } from "./gfp";
import {
  MEMCG_HIGH, MEMCG_SWAP_HIGH, mem_cgroup_is_root, memcg_memory_event, memory_counter, parent_mem_cgroup, swap_counter,
} from "./memcg";
import { PCF_HIGH, pc_field, pc_usage } from "./page_counter";
import { MEMCG_RECLAIM_MAY_SWAP, SWAP_CLUSTER_MAX, try_to_free_mem_cgroup_pages } from "./reclaim";
import { task_add_throttled_ns, task_killed } from "./task";
import { charge_batch } from "./stock";

const MEMCG_DELAY_PRECISION_SHIFT: u64 = 20;
const MEMCG_DELAY_SCALING_SHIFT: u64 = 14;
const MAX_RECLAIM_RETRIES: i32 = 16;

export let hz: i64 = 1000; // CONFIG_HZ
let cpuThrottled: i64 = 0; // throttle time of charges made without a task

export function high_init(configHz: i32): void {
  hz = configHz;
}
export function throttled_without_task_ns(): i64 {
  return cpuThrottled;
}

// reclaim_high: reclaim from m and each ancestor below the root that is over memory.high.
function reclaim_high(m: i32, nr: i64, cpu: i32): i64 {
  let reclaimed: i64 = 0;
  for (let x = m; x >= 0 && !mem_cgroup_is_root(x); x = parent_mem_cgroup(x)) {
    const c = memory_counter(x);
    if (pc_usage(c) <= pc_field(c, PCF_HIGH)) continue;
    memcg_memory_event(x, MEMCG_HIGH);
    reclaimed += try_to_free_mem_cgroup_pages(x, nr, GFP_KERNEL, MEMCG_RECLAIM_MAY_SWAP, cpu, -1);
  }
  return reclaimed;
}

/** high_work_func: the memcg's work item reclaims MEMCG_CHARGE_BATCH pages from each level over memory.high (no sleep). */
export function high_work_func(m: i32, cpu: i32): void {
  reclaim_high(m, <i64>charge_batch, cpu);
}

// calculate_overage: how far usage is over high, as a fraction with 20 bits of precision.
function calculate_overage(usage: u64, high: u64): u64 {
  if (usage <= high) return 0;
  const h: u64 = high > 1 ? high : 1;
  return ((usage - h) << MEMCG_DELAY_PRECISION_SHIFT) / h;
}

// mem_find_max_overage / swap_find_max_overage (the latter raises MEMCG_SWAP_HIGH).
function max_overage(m: i32, swap: bool): u64 {
  let worst: u64 = 0;
  for (let x = m; x >= 0 && !mem_cgroup_is_root(x); x = parent_mem_cgroup(x)) {
    const c = swap ? swap_counter(x) : memory_counter(x);
    const o = calculate_overage(<u64>pc_usage(c), <u64>pc_field(c, PCF_HIGH));
    if (swap && o != 0) memcg_memory_event(x, MEMCG_SWAP_HIGH);
    if (o > worst) worst = o;
  }
  return worst;
}

/** calculate_high_delay: the penalty in jiffies for nr pages charged at this overage. */
export function calculate_high_delay(nr: u64, overage: u64): u64 {
  if (overage == 0) return 0;
  let penalty: u64 = overage * overage * <u64>hz; // u64, wrapping as the kernel's does
  penalty >>= MEMCG_DELAY_PRECISION_SHIFT;
  penalty >>= MEMCG_DELAY_SCALING_SHIFT;
  return (penalty * nr) / <u64>charge_batch; // calculate_high_delay: MEMCG_CHARGE_BATCH pages is nominal
}

/**
 * __mem_cgroup_handle_over_high: reclaim (retrying while it helps, up to 16 times without
 * progress), then sleep the penalty on the simulated clock unless it is at most HZ/100.
 */
export function mem_cgroup_handle_over_high(m: i32, nrPages: i64, task: i32, cpu: i32): void {
  if (m < 0) return;
  let retries = MAX_RECLAIM_RETRIES;
  let inRetry = false;
  while (true) {
    if (task >= 0 && task_killed(task)) return; // task_is_dying
    const reclaimed = reclaim_high(m, inRetry ? SWAP_CLUSTER_MAX : nrPages, cpu);
    let pen = calculate_high_delay(<u64>nrPages, max_overage(m, false));
    pen += calculate_high_delay(<u64>nrPages, max_overage(m, true));
    const maxPen: u64 = <u64>(2 * hz); // MEMCG_MAX_HIGH_DELAY_JIFFIES
    if (pen > maxPen) pen = maxPen;
    if (pen <= <u64>(hz / 100)) return; // not worth a sleep
    if (reclaimed > 0 || retries-- > 0) {
      inRetry = true;
      continue;
    }
    const ns = <i64>pen * NSEC_PER_SEC / hz; // schedule_timeout_killable(penalty_jiffies)
    if (task >= 0) task_add_throttled_ns(task, ns);
    else cpuThrottled += ns;
    if (cost_on) cost_sleep_ns(ns); // the throttled task sleeps on its CPU: modelled idle time there
    clock_advance(ns);
    return;
  }
}
