// The cgroup v1 OOM wait (mm/memcontrol-v1.c: memcg1_oom_prepare, mem_cgroup_oom_synchronize,
// mem_cgroup_mark_under_oom, memcg1_oom_recover, memcg_oom_wake_function). With
// memory.oom_control's oom_kill_disable set, an OOM in the memcg kills nobody: a task's user
// fault remembers the memcg (current->memcg_in_oom), its charge fails, and at the end of the
// fault (pagefault_out_of_memory) the task sleeps on memcg_oom_waitq, counted in under_oom of
// that memcg and its subtree. memcg1_oom_recover wakes the waiters of related memcgs when
// folios are uncharged (uncharge_batch), the limit is raised (mem_cgroup_resize_max) or
// oom_kill_disable is cleared; a woken task returns from the fault and the CPU faults again,
// charging anew (and waiting again if the memcg is still full). SIGKILL also ends the wait.
//
// In the emulator a waiting fault keeps its folio id (allocated, not charged: memcg_data 0);
// the charge op returns that id, the task's state shows the wait, and the refault runs inside
// the core when the operation that woke it returns (sched.ts op_work).

import { mem_cgroup_is_descendant, memcg_exists, on_dfl } from "./memcg";
import {
  task_alive, task_count, task_in_memcg_oom, task_oom_seq, task_oom_wake, task_oom_woken, oom_waiters, oom_woken,
} from "./task";

/** under_oom of m (memory.oom_control): tasks waiting for an OOM of m or of an ancestor. */
export function memcg_under_oom(m: i32): i32 {
  if (oom_waiters == 0) return 0;
  let n = 0;
  const tasks = task_count();
  for (let t = 0; t < tasks; t++) {
    const w = task_in_memcg_oom(t);
    if (w >= 0 && task_alive(t) && mem_cgroup_is_descendant(m, w)) n++;
  }
  return n;
}

/** memcg1_oom_recover: wake the waiters whose OOM memcg is m, above it or below it. */
export function memcg1_oom_recover(m: i32): void {
  if (oom_waiters == 0 || on_dfl || !memcg_exists(m)) return;
  const tasks = task_count();
  for (let t = 0; t < tasks; t++) {
    const w = task_in_memcg_oom(t);
    if (w < 0 || !task_alive(t) || task_oom_woken(t)) continue;
    // memcg_oom_wake_function: only waiters of a related memcg
    if (mem_cgroup_is_descendant(m, w) || mem_cgroup_is_descendant(w, m)) task_oom_wake(t);
  }
}

/** The woken waiter that went to sleep first (it refaults next: sched.ts), -1 if there is none. */
export function memcg1_oom_next_woken(): i32 {
  if (oom_woken == 0) return -1;
  let best = -1;
  let bestSeq: i64 = i64.MAX_VALUE;
  const tasks = task_count();
  for (let t = 0; t < tasks; t++) {
    if (task_in_memcg_oom(t) < 0 || !task_oom_woken(t) || !task_alive(t)) continue;
    const s = task_oom_seq(t);
    if (s < bestSeq) {
      best = t;
      bestSeq = s;
    }
  }
  return best;
}
