// Concurrent page_counter_try_charge calls interleaved at atomic-op granularity (needs the
// cost model: its per-CPU clocks order the steps). Each charge is a state machine whose step
// is one memory access of mm/page_counter.c's page_counter_try_charge; the charge whose CPU
// clock is earliest steps next (ties: the lower index), so the races the kernel's comments
// accept show up deterministically:
//   - "a bigger charge ... might falsely lock out a racing smaller charge": the bigger one's
//     speculative atomic_long_add_return is in usage when the smaller one reads it;
//   - "This is racy, but we can live with some inaccuracy in the failcnt": failcnt++ is a
//     plain read then write, so two failing charges can count once;
//   - "This is indeed racy, but we can live with some inaccuracy in the watermark": the
//     local_watermark/watermark test and store are separate, so a smaller new value can
//     overwrite a larger one.
// Protected-usage propagation runs within the step after the limit check.

import { EBUSY, EINVAL } from "./errno";
import { ACC_ATOMIC, ACC_READ, ACC_WRITE, cost_clock, cost_clock_set, cost_enter_cpu, cost_leave_cpu, cost_on, cost_pc, cost_pc_parent } from "./cost_model";
import { memcg_online, memory_counter, counter_memcg, mem_cgroup_is_root } from "./memcg";
import {
  PCF_FAILCNT, PCF_LOCAL_WATERMARK, PCF_MAX, PCF_USAGE, PCF_WATERMARK, PC_TRACK_FAILCNT, PC_TRACK_PROTECTION, pc_field,
  pc_parent, pc_set_field, pc_tracks, pc_usage, propagate_protected_usage,
} from "./page_counter";
import { sim_inc, SIM_COUNTER_LEVELS } from "./simstat";
import { nr_cpus } from "./topology";

const S_ADD: i32 = 0; // atomic_long_add_return(nr_pages, &c->usage)
const S_CHECK: i32 = 1; // new > c->max
const S_SUB: i32 = 2; // atomic_long_sub(nr_pages, &c->usage)
const S_FAIL_READ: i32 = 3; // data_race(c->failcnt++): the load
const S_FAIL_WRITE: i32 = 4; // ... and the store
const S_LWM_READ: i32 = 5; // new > READ_ONCE(c->local_watermark)
const S_LWM_WRITE: i32 = 6;
const S_WM_READ: i32 = 7; // new > READ_ONCE(c->watermark)
const S_WM_WRITE: i32 = 8;
const S_NEXT: i32 = 9; // c = c->parent
const S_CANCEL: i32 = 10; // page_counter_cancel of a level below the failing one
const S_DONE: i32 = 11;
const MAX_RACE: i32 = 64;

const rCpu = new StaticArray<i32>(MAX_RACE);
const rFirst = new StaticArray<i32>(MAX_RACE);
const rC = new StaticArray<i32>(MAX_RACE);
const rN = new StaticArray<i64>(MAX_RACE);
const rState = new StaticArray<i32>(MAX_RACE);
const rNew = new StaticArray<i64>(MAX_RACE);
const rSeen = new StaticArray<i64>(MAX_RACE);
const rFail = new StaticArray<i32>(MAX_RACE);

/**
 * Run count charges given at ptr as i32 quadruples (cpu, memcg, pages, start cycles) at once;
 * each quadruple's memcg field is overwritten with the memcg whose limit failed it, or -1.
 * 0, -EINVAL (bad input), -EBUSY (the cost model is off: no clocks to order the steps).
 */
export function page_counter_race(ptr: usize, count: i32): i32 {
  if (!cost_on) return -EBUSY;
  if (count < 1 || count > MAX_RACE) return -EINVAL;
  for (let i = 0; i < count; i++) {
    const q = ptr + (<usize>i << 4);
    const cpu = load<i32>(q);
    const m = load<i32>(q, 4);
    const n = load<i32>(q, 8);
    if (cpu < 0 || cpu >= nr_cpus || !memcg_online(m) || mem_cgroup_is_root(m) || n < 1 || load<i32>(q, 12) < 0) return -EINVAL;
    for (let j = 0; j < i; j++) if (unchecked(rCpu[j]) == cpu) return -EINVAL; // one charge per CPU
    unchecked((rCpu[i] = cpu));
    unchecked((rFirst[i] = memory_counter(m)));
    unchecked((rC[i] = memory_counter(m)));
    unchecked((rN[i] = n));
    unchecked((rState[i] = S_ADD));
    unchecked((rFail[i] = -1));
  }
  for (let i = 0; i < count; i++) {
    const cpu = unchecked(rCpu[i]);
    const start = <f64>load<i32>(ptr + (<usize>i << 4), 12);
    if (cost_clock(cpu) < start) cost_clock_set(cpu, start);
  }
  while (true) {
    let next = -1;
    for (let i = 0; i < count; i++) {
      if (unchecked(rState[i]) == S_DONE) continue;
      if (next < 0 || cost_clock(unchecked(rCpu[i])) < cost_clock(unchecked(rCpu[next]))) next = i;
    }
    if (next < 0) break;
    const prev = cost_enter_cpu(unchecked(rCpu[next]));
    step(next);
    cost_leave_cpu(prev);
  }
  for (let i = 0; i < count; i++) {
    const f = unchecked(rFail[i]);
    store<i32>(ptr + (<usize>i << 4), f < 0 ? -1 : counter_memcg(f), 4);
  }
  return 0;
}

function step(i: i32): void {
  const c = unchecked(rC[i]);
  const n = unchecked(rN[i]);
  const s = unchecked(rState[i]);
  const first = unchecked(rFirst[i]);
  let to = S_DONE;
  if (s == S_ADD) {
    sim_inc(SIM_COUNTER_LEVELS, 1);
    cost_pc(c, PCF_USAGE, ACC_ATOMIC);
    const v = pc_usage(c) + n;
    pc_set_field(c, PCF_USAGE, v);
    unchecked((rNew[i] = v));
    to = S_CHECK;
  } else if (s == S_CHECK) {
    cost_pc(c, PCF_MAX, ACC_READ);
    if (unchecked(rNew[i]) > pc_field(c, PCF_MAX)) to = S_SUB;
    else {
      if (pc_tracks(first, PC_TRACK_PROTECTION)) propagate_protected_usage(c, unchecked(rNew[i]));
      to = S_LWM_READ;
    }
  } else if (s == S_SUB) {
    cost_pc(c, PCF_USAGE, ACC_ATOMIC);
    pc_set_field(c, PCF_USAGE, pc_usage(c) - n);
    unchecked((rFail[i] = c));
    to = pc_tracks(first, PC_TRACK_FAILCNT) ? S_FAIL_READ : cancel_from(i);
  } else if (s == S_FAIL_READ) {
    cost_pc(c, PCF_FAILCNT, ACC_READ);
    unchecked((rSeen[i] = pc_field(c, PCF_FAILCNT)));
    to = S_FAIL_WRITE;
  } else if (s == S_FAIL_WRITE) {
    cost_pc(c, PCF_FAILCNT, ACC_WRITE);
    pc_set_field(c, PCF_FAILCNT, unchecked(rSeen[i]) + 1);
    to = cancel_from(i);
  } else if (s == S_LWM_READ) {
    cost_pc(c, PCF_LOCAL_WATERMARK, ACC_READ);
    to = unchecked(rNew[i]) > pc_field(c, PCF_LOCAL_WATERMARK) ? S_LWM_WRITE : S_NEXT;
  } else if (s == S_LWM_WRITE) {
    cost_pc(c, PCF_LOCAL_WATERMARK, ACC_WRITE);
    pc_set_field(c, PCF_LOCAL_WATERMARK, unchecked(rNew[i]));
    to = S_WM_READ;
  } else if (s == S_WM_READ) {
    cost_pc(c, PCF_WATERMARK, ACC_READ);
    to = unchecked(rNew[i]) > pc_field(c, PCF_WATERMARK) ? S_WM_WRITE : S_NEXT;
  } else if (s == S_WM_WRITE) {
    cost_pc(c, PCF_WATERMARK, ACC_WRITE);
    pc_set_field(c, PCF_WATERMARK, unchecked(rNew[i]));
    to = S_NEXT;
  } else if (s == S_NEXT) {
    cost_pc_parent(c);
    const p = pc_parent(c);
    if (p >= 0) {
      unchecked((rC[i] = p));
      to = S_ADD;
    }
  } else if (s == S_CANCEL) {
    // page_counter_cancel of level c (below the failing one), then the next level up
    cost_pc(c, PCF_USAGE, ACC_ATOMIC);
    let v = pc_usage(c) - n;
    if (v < 0) v = 0;
    pc_set_field(c, PCF_USAGE, v);
    if (pc_tracks(first, PC_TRACK_PROTECTION)) propagate_protected_usage(c, v);
    const p = pc_parent(c);
    if (p != unchecked(rFail[i])) {
      unchecked((rC[i] = p));
      to = S_CANCEL;
    }
  }
  unchecked((rState[i] = to));
}

// After a failure at rFail[i]: cancel the levels from the first up to below the failing one.
function cancel_from(i: i32): i32 {
  const first = unchecked(rFirst[i]);
  if (first == unchecked(rFail[i])) return S_DONE;
  unchecked((rC[i] = first));
  return S_CANCEL;
}
