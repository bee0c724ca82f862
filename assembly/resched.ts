// The current task's scheduling points: a reclaim pass (cond_resched in shrink_node_memcgs),
// the oom_lock of an OOM pass, the return from an operation. There the kernel lets other
// tasks and kworkers run; the emulator runs their work there (sched.ts: queued stock drains,
// OOM victims' exits, v1 OOM waiters' refaults). That work reaches up into every layer (an
// exit uncharges, a refault charges) while the scheduling points are deep inside the charge
// path, so sched.ts hands its work to this file at sched_init, as the kernel's scheduler
// switches to another task's code.

import { drains_queued } from "./stock";
import { oom_woken, victims_pending } from "./task";

// When an OOM victim other than the charging task exits (the charging task itself always
// exits when its operation ends: its fault fails, then it dies on the way out).
export const VICTIM_EXIT_SCHEDULE: i32 = 0; // at the charger's next scheduling point (default, measured)
export const VICTIM_EXIT_KILL: i32 = 1; // inside oom_kill_process, with the charger itself (the seed's model)
export const VICTIM_EXIT_OOM: i32 = 2; // when an OOM pass finds it still pending (the charger spun its 16 retries)
export let victim_exit: i32 = VICTIM_EXIT_SCHEDULE;

type CpuWork = (cpu: i32) => void;
type ReapWork = (except: i32, cpu: i32) => void;
function no_work(cpu: i32): void {}
function no_reap(except: i32, cpu: i32): void {}
let pointWork: CpuWork = no_work;
let endWork: CpuWork = no_work;
let reapWork: ReapWork = no_reap;

/** The victim-exit mode, and sched.ts's work at a scheduling point, at an operation's end, and reaping victims. */
export function resched_init(victimExit: i32, point: CpuWork, end: CpuWork, reap: ReapWork): bool {
  if (victimExit < VICTIM_EXIT_SCHEDULE || victimExit > VICTIM_EXIT_OOM) return false;
  victim_exit = victimExit;
  pointWork = point;
  endWork = end;
  reapWork = reap;
  return true;
}

/** A scheduling point of the current task inside an operation (a reclaim pass, the oom_lock). */
export function sched_point(cpu: i32): void {
  pointWork(cpu);
}

/** OOM victims still alive exit now (all but the task `except`, -1 for none). */
export function reap_victims(except: i32, cpu: i32): void {
  reapWork(except, cpu);
}

/** The operation returns (sched.ts op_work: queued drains, victims' exits, woken v1 OOM waiters' refaults). */
@inline export function op_end(cpu: i32): void {
  // The common case, inlined into every operation: no queued drain, no victim, no woken
  // waiter, so the loop of op_work would find nothing to do.
  if (drains_queued() || victims_pending || oom_woken != 0) endWork(cpu);
}
