// Tasks (struct task_struct / mm_struct, only what memcg and the OOM killer look at): the
// cgroup a task is in (it charges to that cgroup's effective memcg), its RSS and swap entries
// (MM_ANONPAGES, MM_FILEPAGES, MM_SWAPENTS), oom_score_adj, its memory.high overage and the
// time it was throttled. Task ids are reused like PIDs: an exited task's slot is taken again
// only when the allocation cursor comes round to it (alloc_pid: idr_alloc_cyclic).

import { cgroup_alive, cgroup_e_memcg, cgroup_tasks_add } from "./cgroup_core";
import { table_alloc } from "./layout";

export const OOM_SCORE_ADJ_MIN: i32 = -1000;
export const OOM_SCORE_ADJ_MAX: i32 = 1000;

export const MM_FILEPAGES: i32 = 0;
export const MM_ANONPAGES: i32 = 1;
export const MM_SWAPENTS: i32 = 2;
const NR_MM_COUNTERS: i32 = 3;

let maxTasks: i32 = 0;
let highWater: i32 = 0; // slots below this have been used
let cursor: i32 = 0; // idr_alloc_cyclic: the search for a free slot starts here
let taskCgroup: usize = 0; // i32[T], -1 = exited (or never used)
let scoreAdj: usize = 0; // i32[T]
let rss: usize = 0; // i64[T][NR_MM_COUNTERS]
let overHigh: usize = 0; // i64[T]: current->memcg_nr_pages_over_high
let throttled: usize = 0; // i64[T]: ns spent in mem_cgroup_handle_over_high's sleep
let killed: usize = 0; // i32[T]: 1 when the OOM killer chose it
let joinSeq: usize = 0; // i64[T]: when the task joined its cgroup (css_task_iter order)
let joins: i64 = 0;
// The v1 OOM wait (memcg1_oom_prepare / mem_cgroup_oom_synchronize): current->memcg_in_oom
// and the fault that waits for it.
let inOom: usize = 0; // i32[T]: memcg_in_oom, -1 = not waiting
let oomFolio: usize = 0; // i32[T]: the folio whose fault waits
let oomCpu: usize = 0; // i32[T]: the CPU it faulted on
let oomGfp: usize = 0; // i32[T]: the fault's gfp mask
let oomWoken: usize = 0; // i32[T]: 1 once memcg1_oom_recover woke it (it refaults when the op returns)
let oomSeq: usize = 0; // i64[T]: when it started waiting (wake order)
let waits: i64 = 0;
export let oom_waiters: i32 = 0; // tasks in the OOM wait (the hot paths skip the scans when 0)
export let oom_woken: i32 = 0; // of them, woken and due to refault
export let victims_pending: bool = false; // a killed task may still be alive (sched.ts reaps)

export function task_table_init(n: i32): bool {
  maxTasks = n;
  taskCgroup = table_alloc("task cgroups", n, 4);
  scoreAdj = table_alloc("task oom_score_adj", n, 4);
  rss = table_alloc("task rss counters", <u64>n * NR_MM_COUNTERS, 8);
  overHigh = table_alloc("task over_high", n, 8);
  throttled = table_alloc("task throttled time", n, 8);
  killed = table_alloc("task killed", n, 4);
  joinSeq = table_alloc("task join order", n, 8);
  inOom = table_alloc("task memcg_in_oom", n, 4);
  oomFolio = table_alloc("task OOM-wait folio", n, 4);
  oomCpu = table_alloc("task OOM-wait cpu", n, 4);
  oomGfp = table_alloc("task OOM-wait gfp", n, 4);
  oomWoken = table_alloc("task OOM-wait woken", n, 4);
  oomSeq = table_alloc("task OOM-wait order", n, 8);
  if (oomSeq == 0) return false;
  for (let t = 0; t < n; t++) store<i32>(taskCgroup + (<usize>t << 2), -1);
  return true;
}

/** Slots below this have been used (a bound for loops; check task_alive). */
export function task_count(): i32 {
  return highWater;
}
/** The cgroup the task is in, -1 if the task has exited (or does not exist). */
export function task_cgroup(t: i32): i32 {
  return t >= 0 && t < highWater ? load<i32>(taskCgroup + (<usize>t << 2)) : -1;
}
/** The memcg the task charges to (its cgroup's effective memcg), -1 if it has exited. */
export function task_memcg(t: i32): i32 {
  const cg = task_cgroup(t);
  return cg < 0 ? -1 : cgroup_e_memcg(cg);
}
export function task_alive(t: i32): bool {
  return task_cgroup(t) >= 0;
}

/** A new task in cgroup cg; its id, or -1 when every slot holds a live task / cg is gone. */
export function task_create(cg: i32, adj: i32): i32 {
  if (!cgroup_alive(cg) || adj < OOM_SCORE_ADJ_MIN || adj > OOM_SCORE_ADJ_MAX) return -1;
  let t = -1;
  for (let i = 0; i < maxTasks; i++) {
    const c = cursor + i < maxTasks ? cursor + i : cursor + i - maxTasks;
    if (load<i32>(taskCgroup + (<usize>c << 2)) < 0) {
      t = c;
      break;
    }
  }
  if (t < 0) return -1;
  cursor = t + 1 == maxTasks ? 0 : t + 1;
  if (t >= highWater) highWater = t + 1;
  store<i32>(taskCgroup + (<usize>t << 2), cg);
  cgroup_tasks_add(cg, 1);
  store<i32>(scoreAdj + (<usize>t << 2), adj);
  for (let i = 0; i < NR_MM_COUNTERS; i++) store<i64>(rss + ((<usize>t * NR_MM_COUNTERS + <usize>i) << 3), 0);
  store<i64>(overHigh + (<usize>t << 3), 0);
  store<i64>(throttled + (<usize>t << 3), 0);
  store<i32>(killed + (<usize>t << 2), 0);
  store<i64>(joinSeq + (<usize>t << 3), joins++);
  store<i32>(inOom + (<usize>t << 2), -1);
  store<i32>(oomFolio + (<usize>t << 2), 0);
  store<i32>(oomCpu + (<usize>t << 2), 0);
  store<i32>(oomGfp + (<usize>t << 2), 0);
  store<i32>(oomWoken + (<usize>t << 2), 0);
  store<i64>(oomSeq + (<usize>t << 3), 0);
  return t;
}

export function task_join_seq(t: i32): i64 {
  return load<i64>(joinSeq + (<usize>t << 3));
}

/** cgroup_migrate: the task is in cg from now on; its charged memory stays where it is. */
export function task_move(t: i32, cg: i32): void {
  cgroup_tasks_add(task_cgroup(t), -1);
  store<i32>(taskCgroup + (<usize>t << 2), cg);
  cgroup_tasks_add(cg, 1);
  store<i64>(joinSeq + (<usize>t << 3), joins++); // a migrated task goes to the tail
}

/** do_exit: the task is gone (its folios must have been freed by the caller). */
export function task_exit(t: i32): void {
  cgroup_tasks_add(task_cgroup(t), -1);
  store<i32>(taskCgroup + (<usize>t << 2), -1);
}

export function task_score_adj(t: i32): i32 {
  return load<i32>(scoreAdj + (<usize>t << 2));
}
export function task_set_score_adj(t: i32, adj: i32): void {
  store<i32>(scoreAdj + (<usize>t << 2), adj);
}

@inline export function task_mm_add(t: i32, counter: i32, n: i64): void {
  const p = rss + ((<usize>t * NR_MM_COUNTERS + <usize>counter) << 3);
  store<i64>(p, load<i64>(p) + n);
}
export function task_mm(t: i32, counter: i32): i64 {
  return load<i64>(rss + ((<usize>t * NR_MM_COUNTERS + <usize>counter) << 3));
}

export function task_over_high(t: i32): i64 {
  return load<i64>(overHigh + (<usize>t << 3));
}
export function task_set_over_high(t: i32, n: i64): void {
  store<i64>(overHigh + (<usize>t << 3), n);
}
export function task_throttled_ns(t: i32): i64 {
  return load<i64>(throttled + (<usize>t << 3));
}
export function task_add_throttled_ns(t: i32, ns: i64): void {
  const p = throttled + (<usize>t << 3);
  store<i64>(p, load<i64>(p) + ns);
}
export function task_killed(t: i32): bool {
  return t >= 0 && t < highWater && load<i32>(killed + (<usize>t << 2)) != 0;
}
export function task_mark_killed(t: i32): void {
  store<i32>(killed + (<usize>t << 2), 1);
  victims_pending = true;
}
export function set_victims_pending(v: bool): void {
  victims_pending = v;
}

/** memcg_in_oom: the memcg whose OOM the task waits for, -1 if it is not waiting. */
export function task_in_memcg_oom(t: i32): i32 {
  return t >= 0 && t < highWater ? load<i32>(inOom + (<usize>t << 2)) : -1;
}
/** The task's fault of folio id (on cpu, with gfp) sleeps until m's OOM is resolved. */
export function task_oom_wait(t: i32, m: i32, id: i32, cpu: i32, gfp: i32): void {
  if (load<i32>(inOom + (<usize>t << 2)) < 0) oom_waiters++;
  if (load<i32>(oomWoken + (<usize>t << 2)) != 0) oom_woken--;
  store<i32>(inOom + (<usize>t << 2), m);
  store<i32>(oomFolio + (<usize>t << 2), id);
  store<i32>(oomCpu + (<usize>t << 2), cpu);
  store<i32>(oomGfp + (<usize>t << 2), gfp);
  store<i32>(oomWoken + (<usize>t << 2), 0);
  store<i64>(oomSeq + (<usize>t << 3), waits++);
}
/** mem_cgroup_oom_synchronize's cleanup: the task no longer waits. */
export function task_oom_clear(t: i32): void {
  if (load<i32>(inOom + (<usize>t << 2)) >= 0) oom_waiters--;
  if (load<i32>(oomWoken + (<usize>t << 2)) != 0) oom_woken--;
  store<i32>(inOom + (<usize>t << 2), -1);
  store<i32>(oomWoken + (<usize>t << 2), 0);
}
export function task_oom_folio(t: i32): i32 {
  return load<i32>(oomFolio + (<usize>t << 2));
}
export function task_oom_cpu(t: i32): i32 {
  return load<i32>(oomCpu + (<usize>t << 2));
}
export function task_oom_gfp(t: i32): i32 {
  return load<i32>(oomGfp + (<usize>t << 2));
}
export function task_oom_woken(t: i32): bool {
  return load<i32>(oomWoken + (<usize>t << 2)) != 0;
}
export function task_oom_wake(t: i32): void {
  if (load<i32>(oomWoken + (<usize>t << 2)) == 0) oom_woken++;
  store<i32>(oomWoken + (<usize>t << 2), 1);
}
export function task_oom_seq(t: i32): i64 {
  return load<i64>(oomSeq + (<usize>t << 3));
}
