// When other CPUs' work and other tasks run, relative to the current operation. The core runs
// one operation at a time (a charge, a write, an uncharge …), but in the kernel other CPUs
// work meanwhile: drain work queued by drain_all_stock (schedule_work_on) runs in a kworker
// on its CPU, and an OOM victim, woken by SIGKILL, exits (exit_mm unmaps and uncharges its
// memory) or is reaped by the oom_reaper OOM_REAPER_DELAY (2 s) later. The model puts that
// work at the current task's scheduling points:
//   - a reclaim pass (try_to_free_mem_cgroup_pages: shrink_node_memcgs calls cond_resched
//     per memcg; a pass takes long enough for an idle CPU's worker or a woken victim to run)
//     and the oom_lock of an OOM pass (mem_cgroup_out_of_memory: mutex_lock_killable);
//   - the end of the operation (the task returns to user space or sleeps).
// Measured on 6.18.44 (v1, no swap): a write of limit_in_bytes below usage from the CPU that
// does not hold the stock returns EBUSY and usage reads the drained value right after (the
// queued drain ran after the retry, during the failing reclaim); a charge that needs the other
// CPU's stocked pages fails once more after drain_all_stock, then fits (the drain landed
// during the next reclaim pass); a task that OOMs the memcg on the victim's CPU fails once
// after the kill, then fits (the victim exited during the next reclaim pass).
// At the end of the operation, woken v1 OOM waiters (memcg1_oom.ts) refault.

import { run_queued_drains } from "./stock";
import { folio_free, folio_valid, folio_test, PG_SWAPPED } from "./folio";
import {
  set_victims_pending, task_alive, task_count, task_exit, task_in_memcg_oom, task_killed, task_memcg, task_oom_clear, task_oom_cpu,
  task_oom_folio, task_oom_gfp, victims_pending,
} from "./task";
import { task_uncharge_folios, uncharge_gather_open } from "./uncharge";
import { oom_current } from "./oom";
import { memcg1_oom_next_woken } from "./memcg1_oom";
import { fault_refault } from "./charge";
import { filemap_task_exit } from "./filemap";
import { pgtable_exit } from "./pgtable";
import { VICTIM_EXIT_SCHEDULE, resched_init, victim_exit } from "./resched";

/** The mode of VICTIM_EXIT_* (resched.ts), and the work this file runs at the scheduling points. */
export function sched_init(victimExit: i32): bool {
  return resched_init(victimExit, sched_point_work, op_work, reap_victims);
}

/** exit_mm / the OOM reaper: every page of task t goes (its folios, then exit_mmap's file mappings and page tables). */
function task_free_memory(t: i32, cpu: i32): void {
  task_uncharge_folios(t, cpu);
  filemap_task_exit(t, cpu); // exit_mmap: file mappings go (a shared anon file with them)
  pgtable_exit(t, cpu); // exit_mmap → free_pgtables
}

/** do_exit of task t from cpu: a fault waiting in the v1 OOM wait ends, exit_mm frees its memory. */
export function task_do_exit(t: i32, cpu: i32): void {
  if (task_in_memcg_oom(t) >= 0) {
    const id = task_oom_folio(t);
    // the waiting fault's new folio was never charged; a page in swap stays the task's
    if (folio_valid(id) && !folio_test(id, PG_SWAPPED)) folio_free(id);
    task_oom_clear(t);
  }
  task_free_memory(t, cpu);
  task_exit(t);
}

/** OOM victims still alive exit now (all but the task `except`, -1 for none). */
function reap_victims(except: i32, cpu: i32): void {
  if (!victims_pending) return;
  const n = task_count();
  let left = false;
  for (let t = 0; t < n; t++) {
    if (!task_killed(t) || !task_alive(t)) continue;
    if (t == except) left = true;
    else task_do_exit(t, cpu);
  }
  set_victims_pending(left);
}

/** A scheduling point of the current task inside an operation (a reclaim pass, the oom_lock): resched.ts sched_point. */
function sched_point_work(cpu: i32): void {
  run_queued_drains();
  if (victim_exit == VICTIM_EXIT_SCHEDULE) reap_victims(oom_current(), cpu);
}

let inOpEnd = false;

/**
 * The operation returns: queued drains run, every OOM victim (the charging task too) exits,
 * and woken v1 OOM waiters refault one by one in the order they went to sleep, each refault
 * being an operation of its own. While an uncharge list is being gathered record by record,
 * this waits for its last record.
 *
 * Termination: each round either finds nothing to do (the loop ends) or refaults one woken
 * waiter, which clears its wake. A waiter is woken again only by memcg1_oom_recover, i.e. by
 * folios uncharged during a refault (reclaim dropping page cache, a victim's exit) — each
 * such folio is gone for good, and a refault adds at most one folio, and only when it
 * succeeds, after which that task no longer waits. So the rounds are bounded by the waiters
 * plus the folios that existed or were charged by a successful refault. resched.ts op_end
 * calls this when there is any such work.
 */
function op_work(cpu: i32): void {
  if (inOpEnd || uncharge_gather_open()) return;
  inOpEnd = true;
  while (true) {
    run_queued_drains();
    reap_victims(-1, cpu);
    if (!refault_next()) break;
  }
  inOpEnd = false;
}

/** The woken v1 OOM waiter that went to sleep first refaults (memcg1_oom.ts); false if there is none. */
function refault_next(): bool {
  const t = memcg1_oom_next_woken();
  if (t < 0) return false;
  const id = task_oom_folio(t);
  const cpu = task_oom_cpu(t);
  const gfp = task_oom_gfp(t);
  task_oom_clear(t); // mem_cgroup_oom_synchronize: memcg_in_oom = NULL, then the fault returns
  fault_refault(t, task_memcg(t), id, cpu, gfp);
  return true;
}
