// Memcg OOM (mm/memcontrol.c mem_cgroup_oom, mem_cgroup_out_of_memory,
// mem_cgroup_get_oom_group; mm/oom_kill.c out_of_memory, select_bad_process,
// oom_evaluate_task, oom_badness, oom_kill_process). The victim is the task with the highest
// badness in the memcg's subtree. The kill only marks it (SIGKILL, mark_oom_victim, the
// reaper queued): its memory stays charged until it exits, which sched.ts times; while a
// victim is pending, select_bad_process aborts and the OOM pass reports progress.

import {
  MEMCG_OOM, MEMCG_OOM_GROUP_KILL, MEMCG_OOM_KILL, mem_cgroup_is_descendant, mem_cgroup_is_root, mem_cgroup_margin,
  mem_cgroup_next_pre, mem_cgroup_swappiness, memcg_memory_event, memcg_oom_group, memcg_oom_kill_disable,
  memory_counter, memsw_account, on_dfl, parent_mem_cgroup, swap_counter,
} from "./memcg";
import { PCF_MAX, pc_field } from "./page_counter";
import { F_OOM_GROUP_KILL_EVENT, era } from "./profile";
import { sim_inc, SIM_OOM_CALLS } from "./simstat";
import { total_swap_pages } from "./swap";
import {
  MM_ANONPAGES, MM_FILEPAGES, MM_SWAPENTS, OOM_SCORE_ADJ_MIN, task_count, task_join_seq, task_killed, task_mark_killed,
  task_memcg, task_mm, task_score_adj,
} from "./task";
import { reap_victims, sched_point, victim_exit, VICTIM_EXIT_KILL } from "./resched";
import { task_oom_wait } from "./task";
import { cost_on, cost_task } from "./cost_model";

export const PAGE_ALLOC_COSTLY_ORDER: i32 = 3;

let current: i32 = -1; // the task whose charge (or write) is running
let currentCpu: i32 = 0;
let currentFault: i32 = -1; // the folio of current's user fault (in_user_fault), -1 if none
export function oom_set_current(t: i32): void {
  current = t;
  currentFault = -1;
}
export function oom_current(): i32 {
  return current;
}
/** The charge is current's user fault of folio id (memcg1_oom_prepare looks at in_user_fault). */
export function oom_set_fault(id: i32): void {
  currentFault = id;
}
export function oom_set_cpu(cpu: i32): void {
  currentCpu = cpu;
}

/** mem_cgroup_get_max: the OOM domain's memory limit plus the swap it may use. */
function mem_cgroup_get_max(m: i32): i64 {
  let max = pc_field(memory_counter(m), PCF_MAX);
  if (mem_cgroup_swappiness(m) == 0) return max;
  if (memsw_account) {
    const swap = pc_field(swap_counter(m), PCF_MAX) - max;
    max += min(swap, total_swap_pages());
  } else {
    max += min(pc_field(swap_counter(m), PCF_MAX), total_swap_pages());
  }
  return max;
}

/** oom_badness: RSS + swap entries (+ page tables: not modelled), adjusted by oom_score_adj; i64.MIN_VALUE = unkillable. */
export function oom_badness(t: i32, totalpages: i64): i64 {
  const adj = task_score_adj(t);
  if (adj == OOM_SCORE_ADJ_MIN) return i64.MIN_VALUE;
  let points = task_mm(t, MM_FILEPAGES) + task_mm(t, MM_ANONPAGES) + task_mm(t, MM_SWAPENTS);
  points += <i64>adj * (totalpages / 1000);
  return points;
}

// mem_cgroup_scan_tasks order: memcgs in pre-order, each memcg's tasks in the order they joined.
function next_task_in(m: i32, afterSeq: i64): i32 {
  let best = -1;
  let bestSeq: i64 = i64.MAX_VALUE;
  const n = task_count();
  for (let t = 0; t < n; t++) {
    if (task_memcg(t) != m || task_killed(t)) continue;
    const seq = task_join_seq(t);
    if (seq > afterSeq && seq < bestSeq) {
      best = t;
      bestSeq = seq;
    }
  }
  return best;
}

export const OOM_ABORT: i32 = -2;

/**
 * select_bad_process: the highest badness in m's subtree (ties go to the later task), -1 if
 * none is killable, OOM_ABORT if an earlier victim is still alive (oom_evaluate_task: an OOM
 * victim whose mm is not MMF_OOM_SKIP yet aborts the scan).
 */
export function select_bad_process(m: i32, totalpages: i64): i32 {
  let chosen = -1;
  let chosenPoints = i64.MIN_VALUE;
  const n = task_count();
  for (let t = 0; t < n; t++) {
    const tm = task_memcg(t);
    if (tm >= 0 && task_killed(t) && mem_cgroup_is_descendant(tm, m)) return OOM_ABORT;
  }
  for (let x = m; x >= 0; x = mem_cgroup_next_pre(x, m)) {
    for (let t = next_task_in(x, -1); t >= 0; t = next_task_in(x, task_join_seq(t))) {
      if (cost_on) cost_task(t); // oom_evaluate_task, oom_badness: the task, its mm and rss counters
      const points = oom_badness(t, totalpages);
      if (points == i64.MIN_VALUE || points < chosenPoints) continue;
      chosen = t;
      chosenPoints = points;
    }
  }
  return chosen;
}

/** mem_cgroup_get_oom_group: the highest memcg with memory.oom.group from the victim's up to the OOM domain (v2). */
function mem_cgroup_get_oom_group(victim: i32, domain: i32): i32 {
  if (!on_dfl) return -1;
  const vm = task_memcg(victim);
  if (mem_cgroup_is_root(vm) || !mem_cgroup_is_descendant(vm, domain)) return -1;
  let group = -1;
  for (let x = vm; x >= 0; x = parent_mem_cgroup(x)) {
    if (memcg_oom_group(x)) group = x;
    if (x == domain) break;
  }
  return group;
}

// __oom_kill_process: MEMCG_OOM_KILL on the victim's memcg; it is marked to die.
function kill_one(t: i32): void {
  memcg_memory_event(task_memcg(t), MEMCG_OOM_KILL);
  task_mark_killed(t);
}

/** oom_kill_process: kill the victim, and with memory.oom.group its whole group. */
function oom_kill_process(victim: i32, domain: i32): void {
  const group = mem_cgroup_get_oom_group(victim, domain);
  kill_one(victim);
  if (group >= 0) {
    if (era(F_OOM_GROUP_KILL_EVENT)) memcg_memory_event(group, MEMCG_OOM_GROUP_KILL); // 5.17+
    // oom_kill_memcg_member over the group's subtree; the victim, still holding its memory,
    // is visited (and counted) again.
    const n = task_count();
    for (let x = group; x >= 0; x = mem_cgroup_next_pre(x, group)) {
      for (let t = 0; t < n; t++) {
        if (task_memcg(t) != x || (task_killed(t) && t != victim)) continue;
        if (task_score_adj(t) == OOM_SCORE_ADJ_MIN) continue;
        kill_one(t);
      }
    }
  }
  // The seed's model: the victims exit inside the kill, their pages freed and uncharged.
  if (victim_exit == VICTIM_EXIT_KILL) reap_victims(-1, currentCpu);
}

/** mem_cgroup_out_of_memory: true if the margin recovered or a victim was killed. */
export function mem_cgroup_out_of_memory(m: i32, gfp: i32, order: i32): bool {
  sim_inc(SIM_OOM_CALLS, 1);
  sched_point(currentCpu); // mutex_lock_killable(&oom_lock)
  if (mem_cgroup_margin(m) >= (<i64>1 << order)) return true;
  if (current >= 0 && task_killed(current)) return true; // out_of_memory: task_will_free_mem(current)
  const totalpages = max<i64>(mem_cgroup_get_max(m), 1);
  const victim = select_bad_process(m, totalpages);
  if (victim == OOM_ABORT) {
    // out_of_memory returns true (oc->chosen = -1): the caller retries, and spins through OOM
    // passes until the victim is gone. The model ends the spin here: the victim exits.
    reap_victims(current, currentCpu);
    return true;
  }
  if (victim < 0) return false; // out_of_memory: no killable task
  oom_kill_process(victim, m);
  return true;
}

/** mem_cgroup_oom: costly orders never OOM; otherwise raise MEMCG_OOM and try the killer. */
export function mem_cgroup_oom(m: i32, gfp: i32, order: i32): bool {
  if (order > PAGE_ALLOC_COSTLY_ORDER) return false;
  memcg_memory_event(m, MEMCG_OOM);
  // memcg1_oom_prepare: with v1 oom_kill_disable the killer is not invoked; a user fault
  // remembers the memcg (memcg_in_oom) and waits for it once its charge has failed.
  if (!on_dfl && memcg_oom_kill_disable(m)) {
    if (current >= 0 && currentFault >= 0) task_oom_wait(current, m, currentFault, currentCpu, gfp);
    return false;
  }
  return mem_cgroup_out_of_memory(m, gfp, order);
}
