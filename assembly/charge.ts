// The memcg charge path (mm/memcontrol.c): try_charge_memcg, charge_memcg/commit_charge,
// a task's touch and swap-in; the uncharge is in uncharge.ts.

import { EAGAIN, EINTR, EINVAL, ENOENT, ENOMEM, ENOSPC, ESRCH } from "./errno";
import {
  FOLIO_ANON, FOLIO_FILE, FOLIO_SHMEM, HPAGE_PMD_ORDER, PG_ACTIVE, PG_LRU, PG_REFERENCED, PG_UNEVICTABLE, PG_YOUNG,
  folio_alloc, folio_charged, folio_flags, folio_free, folio_kind, folio_memcg, folio_nid, folio_nid_at, folio_order, folio_owner,
  folio_set_flags, folio_set_memcg, folio_set_node, folio_set_owner, folio_split_head, folio_split_next,
  folio_split_tail, folio_swap_slot, folio_swapped, folio_valid, folio_info, folio_set_info, info_with_flags,
} from "./folio";
import {
  __GFP_ATOMIC, __GFP_HIGH, __GFP_NOFAIL, __GFP_NORETRY, __GFP_RECLAIM, __GFP_RETRY_MAYFAIL, gfpflags_allow_blocking,
} from "./gfp";
import { op_end } from "./resched";
import { table_alloc } from "./layout";
import {
  F_ATOMIC_BYPASS, F_FORCE_MAX_EVENT, F_HIGH_IN_CHARGE, F_MAYSWAP_PER_RETRY, F_NO_SPIN_BATCH, era,
} from "./profile";
import {
  MEMCG_MAX, counter_memcg, css_get, mem_cgroup_is_root, mem_cgroup_margin, memcg_memory_event, memcg_online,
  memcg_page_events_add, memory_counter, memsw_account, parent_mem_cgroup, swap_counter,
  charge_batch,
} from "./memcg";
import { PGACTIVATE, PGFAULT, PGMAJFAULT, PGPGIN, PSWPIN, count_thp_fault_alloc, folio_page_stat, folio_page_stat_of, stat_mod } from "./rstat";
import { lru_add, lru_del } from "./lru";
import {
  MM_ANONPAGES, MM_SWAPENTS, task_in_memcg_oom, task_killed, task_memcg, task_mm_add, task_oom_clear, task_over_high,
  task_set_over_high,
} from "./task";
import { high_work_func, mem_cgroup_handle_over_high } from "./high";
import { cgroup_alive, cgroup_e_memcg } from "./cgroup_core";
import { PAGE_ALLOC_COSTLY_ORDER, mem_cgroup_oom, oom_set_cpu, oom_set_current, oom_set_fault } from "./oom";
import { swap_entry_free, swapin_memcg } from "./swapcharge";
import {
  PCF_HIGH, PCF_USAGE, page_counter_charge, page_counter_try_charge, page_counter_uncharge, pc_field,
  pc_no_high_limit, pc_usage,
} from "./page_counter";
import { MEMCG_RECLAIM_MAY_SWAP, try_to_free_mem_cgroup_pages } from "./reclaim";
import { SIM_CHARGES, SIM_CHARGE_FAILS, SIM_FORCED, sim_inc } from "./simstat";
import {
  consume_stock, memcg_uncharge, refill_stock, run_pending_drain, stock_enabled,
} from "./stock";
import { cpu_to_node, nr_cpus, nr_nodes } from "./topology";
import {
  ACC_READ, OPK_CHARGE, OPK_TOUCH, cost_folio, cost_on, cost_op_begin, cost_op_end, cost_pc,
} from "./cost_model";
import { page_counter_try_charge_stock, pcs_charged, pcstock_on } from "./page_counter_stock";
import { drain_all_stock } from "./objcg";
import { anon_fault_commit, anon_fault_prepare } from "./pgtable";
import { folio_add_lru, folio_add_lru_info } from "./lru_add";
import { lru_batch_held } from "./folio_batch";

export const MAX_RECLAIM_RETRIES: i32 = 16;

let atomicBypass: bool = false; // profile F_ATOMIC_BYPASS (5.15)
let forceMaxEvent: bool = true; // profile F_FORCE_MAX_EVENT (6.0+)
let maySwapPerRetry: bool = false; // profile F_MAYSWAP_PER_RETRY (mainline)
let highInCharge: bool = true; // profile F_HIGH_IN_CHARGE (6.1+)
let noSpinBatch: bool = true; // profile F_NO_SPIN_BATCH (6.15+)
let overHigh: usize = 0; // i64[cpus]: current->memcg_nr_pages_over_high, one task per CPU

export function charge_init(): bool {
  atomicBypass = era(F_ATOMIC_BYPASS);
  forceMaxEvent = era(F_FORCE_MAX_EVENT);
  maySwapPerRetry = era(F_MAYSWAP_PER_RETRY);
  highInCharge = era(F_HIGH_IN_CHARGE);
  noSpinBatch = era(F_NO_SPIN_BATCH);
  overHigh = table_alloc("over_high per CPU", nr_cpus, 8);
  return overHigh != 0;
}

export function over_high_pages(cpu: i32): i64 {
  return load<i64>(overHigh + (<usize>cpu << 3));
}

/** try_charge_memcg: charge nr pages to m from cpu; 0 or -ENOMEM. */
export function try_charge_memcg(m: i32, cpu: i32, gfp: i32, nr: i32): i32 {
  return try_charge_memcg_inline(m, cpu, gfp, nr);
}

// The body of try_charge_memcg, inlined into the charge of a new folio (V8 does not inline
// wasm calls; the other callers share the function above).
@inline function try_charge_memcg_inline(m: i32, cpu: i32, gfp: i32, nr: i32): i32 {
  if (mem_cgroup_is_root(m)) return 0; // try_charge: the root memcg is not charged
  sim_inc(SIM_CHARGES, 1);
  // retry: the first pass's consume_stock, before the retry loop's state is set up (a stock
  // hit returns from here; the loop repeats it on every later pass).
  if (stock_enabled && !pcstock_on && consume_stock(m, cpu, nr)) return 0;
  // pcstock: the batch is taken inside page_counter_try_charge_stock.
  let batch = stock_enabled && !pcstock_on ? max(charge_batch, nr) : nr;
  let retries = MAX_RECLAIM_RETRIES;
  let drained = false;
  let raisedMax = false;
  let over = m;
  let passedOom = false;
  // try_charge_memcg: reclaim_options is set once before retry: up to 6.18, so a memsw failure
  // keeps reclaim from swapping for the rest of the charge; mainline sets it on every retry.
  let maySwap = true;
  // gfpflags_allow_spinning (6.15+): without either reclaim bit (alloc_pages_nolock) the
  // charge takes no batch, so the stock is never refilled.
  const allowSpinning = !noSpinBatch || (gfp & __GFP_RECLAIM) != 0;
  const n = <i64>nr;
  let again = false;
  while (true) {
    // retry:
    if (again && stock_enabled && !pcstock_on && consume_stock(m, cpu, nr)) return 0;
    again = true;
    if (!allowSpinning) batch = nr;
    let fail = -1;
    if (maySwapPerRetry) maySwap = true;
    if (memsw_account) {
      fail = try_counter(swap_counter(m), batch, cpu);
      if (fail >= 0) maySwap = false; // memsw limit: reclaim may not swap
    }
    if (fail < 0) {
      fail = try_counter(memory_counter(m), batch, cpu);
      if (fail < 0) {
        if (pcstock_on) {
          if (pcs_charged == 0) return 0; // a stock hit: no memory.high check
          batch = <i32>pcs_charged;
        }
        break; // goto done_restock
      }
      if (memsw_account) page_counter_uncharge(swap_counter(m), batch);
    }
    over = counter_memcg(fail);
    // try_charge_memcg: never reclaim for the optional batch, retry with nr_pages first.
    if (batch > nr) {
      batch = nr;
      continue;
    }
    // try_charge_memcg (5.15): __GFP_ATOMIC goes over the limit at once, without a MAX event.
    if (atomicBypass && (gfp & __GFP_ATOMIC) != 0) return force_charge(m, over, nr, true);
    // try_charge_memcg: a task already in a v1 OOM wait does not OOM again.
    if (chargeTask >= 0 && task_in_memcg_oom(chargeTask) >= 0) return nomem(m, over, nr, gfp, raisedMax);
    if (!gfpflags_allow_blocking(gfp)) return nomem(m, over, nr, gfp, raisedMax);
    memcg_memory_event(over, MEMCG_MAX);
    raisedMax = true;
    const reclaimed = try_to_free_mem_cgroup_pages(over, n, gfp, maySwap ? MEMCG_RECLAIM_MAY_SWAP : 0, cpu, -1);
    if (mem_cgroup_margin(over) >= n) continue;
    if (!drained) {
      drain_all_stock(over, cpu); // try_charge_memcg: drain once, then retry
      drained = true;
      continue;
    }
    if ((gfp & __GFP_NORETRY) != 0) return nomem(m, over, nr, gfp, raisedMax);
    // try_charge_memcg: reclaim progress is worth another pass, but only for small orders.
    if (reclaimed > 0 && nr <= 1 << PAGE_ALLOC_COSTLY_ORDER) continue;
    if (retries-- > 0) continue;
    if ((gfp & __GFP_RETRY_MAYFAIL) != 0) return nomem(m, over, nr, gfp, raisedMax);
    // try_charge_memcg: a task the OOM killer chose stops retrying.
    if (passedOom && chargeTask >= 0 && task_killed(chargeTask)) return nomem(m, over, nr, gfp, raisedMax);
    // try_charge_memcg: as long as the OOM killer makes progress, retry with fresh retries.
    if (mem_cgroup_oom(over, gfp, 31 - clz(nr))) {
      passedOom = true;
      retries = MAX_RECLAIM_RETRIES;
      continue;
    }
    return nomem(m, over, nr, gfp, raisedMax);
  }
  // done_restock:
  if (batch > nr && !pcstock_on) refill_stock(m, cpu, batch - nr);
  // try_charge_memcg: note memory.high (or swap.high) overage for the return-to-user
  // handler, on the first memcg up to the root that is over it (none can be without a limit).
  if (!pc_no_high_limit()) {
    for (let x = m; x >= 0; x = parent_mem_cgroup(x)) {
      const c = memory_counter(x);
      const sc = swap_counter(x);
      if (cost_on) {
        cost_pc(c, PCF_USAGE, ACC_READ); // page_counter_read
        cost_pc(c, PCF_HIGH, ACC_READ);
      }
      const memHigh = pc_usage(c) > pc_field(c, PCF_HIGH);
      // try_charge_memcg: "Don't bother a random interrupted task" (!in_task(); in_interrupt()
      // in 5.15): a softirq charge over memory.high schedules the memcg's high_work, swap.high
      // alone is not its business.
      if (!inTask) {
        if (memHigh) {
          highWork = x;
          break;
        }
        continue;
      }
      if (memHigh || (!memsw_account && pc_usage(sc) > pc_field(sc, PCF_HIGH))) {
        add_over_high(cpu, batch);
        break;
      }
    }
  } else if (cost_on) {
    // the skip above: the walk the kernel does, every level read and none over its high limit
    for (let x = m; x >= 0; x = parent_mem_cgroup(x)) {
      cost_pc(memory_counter(x), PCF_USAGE, ACC_READ);
      cost_pc(memory_counter(x), PCF_HIGH, ACC_READ);
    }
  }
  // try_charge_memcg (c9afe31ec443; 6.1, not 5.15): a large overage is handled now, inside the
  // charge and before commit_charge, not only on the way back to user space.
  if (highInCharge && pending_over_high(cpu) > <i64>charge_batch && gfpflags_allow_blocking(gfp)) {
    return_to_user(m, cpu);
  }
  return 0;
}

// pcstock: the stock-aware charge of one counter (page_counter_try_charge_stock).
@inline function try_counter(c: i32, n: i64, cpu: i32): i32 {
  return pcstock_on ? page_counter_try_charge_stock(c, n, cpu) : page_counter_try_charge(c, n);
}

/**
 * try_charge_memcg for a charge without a task (socket memory): from softirq unless the gfp
 * may block (gfp_memcg_charge: GFP_ATOMIC in softirq, GFP_KERNEL in a task).
 */
export function try_charge_no_task(m: i32, cpu: i32, gfp: i32, nr: i32): i32 {
  charge_context(-1, cpu);
  inTask = gfpflags_allow_blocking(gfp);
  const r = try_charge_memcg(m, cpu, gfp, nr);
  inTask = true;
  return r;
}

let inTask: bool = true; // in_task(): false for a socket charge from softirq (try_charge_no_task)
let highWork: i32 = -1; // the memcg whose high_work a softirq charge scheduled (schedule_work)

/**
 * The high_work a softirq charge scheduled on this CPU runs (high_work_func), here at the end
 * of that charge's op: the work item runs after the softirq, on the same CPU's system_wq.
 */
export function run_high_work(cpu: i32): void {
  if (highWork < 0) return;
  const m = highWork;
  highWork = -1;
  high_work_func(m, cpu);
}

// current->memcg_nr_pages_over_high: the charging task's, or the CPU's for a charge
// without a task.
let chargeTask: i32 = -1;

/** The context of a charge that is not a fault (kernel memory of a syscall): task -1 = none. */
export function charge_context(task: i32, cpu: i32): void {
  chargeTask = task;
  oom_set_current(task);
  oom_set_cpu(cpu);
}
function add_over_high(cpu: i32, n: i64): void {
  if (chargeTask >= 0) task_set_over_high(chargeTask, task_over_high(chargeTask) + n);
  else {
    const p = overHigh + (<usize>cpu << 3);
    store<i64>(p, load<i64>(p) + n);
  }
}

function pending_over_high(cpu: i32): i64 {
  return chargeTask >= 0 ? task_over_high(chargeTask) : load<i64>(overHigh + (<usize>cpu << 3));
}

/**
 * mem_cgroup_handle_over_high for the charging task (or CPU) and memcg m: on the way back
 * to user space (resume_user_mode_work), or inside try_charge_memcg for a large overage.
 */
@inline function return_to_user(m: i32, cpu: i32): void {
  // Inlined: the common case (no overage noted) is one load.
  const n = chargeTask >= 0 ? task_over_high(chargeTask) : load<i64>(overHigh + (<usize>cpu << 3));
  if (n != 0) over_high_return(m, cpu, n);
}
function over_high_return(m: i32, cpu: i32, n: i64): void {
  if (chargeTask >= 0) task_set_over_high(chargeTask, 0);
  else store<i64>(overHigh + (<usize>cpu << 3), 0);
  mem_cgroup_handle_over_high(chargeTask >= 0 ? task_memcg(chargeTask) : m, n, chargeTask, cpu);
}

// try_charge_memcg nomem: only __GFP_NOFAIL and (6.0+) __GFP_HIGH charges go over the limit.
function nomem(m: i32, over: i32, nr: i32, gfp: i32, raisedMax: bool): i32 {
  if ((gfp & (atomicBypass ? __GFP_NOFAIL : __GFP_NOFAIL | __GFP_HIGH)) == 0) {
    sim_inc(SIM_CHARGE_FAILS, 1);
    return -ENOMEM;
  }
  return force_charge(m, over, nr, raisedMax);
}

// try_charge_memcg force: charge without limits, with (6.0+) a MAX event if none was raised.
function force_charge(m: i32, over: i32, nr: i32, raisedMax: bool): i32 {
  if (!raisedMax && forceMaxEvent) memcg_memory_event(over, MEMCG_MAX);
  sim_inc(SIM_FORCED, 1);
  page_counter_charge(memory_counter(m), nr);
  if (memsw_account) page_counter_charge(swap_counter(m), nr);
  return 0;
}

/**
 * mem_cgroup_charge: charge a new folio of 2^order pages from cpu to the memcg of cgroup cg
 * (its effective memcg: a task running there); node -1 = the CPU's node; task -1 = no task
 * (else the task's memcg is charged and an anon folio is the task's). Returns the folio id
 * or -errno (nothing changed): -EINTR when the OOM killer chose the faulting task (it dies
 * when the op returns), -EAGAIN when the task is asleep in the v1 OOM wait. A task's fault
 * that goes to the v1 OOM wait returns the id of its folio, still uncharged; the charge
 * completes when the task is woken (memcg1_oom.ts).
 */
export function mem_cgroup_charge(cg: i32, cpu: i32, order: i32, kind: i32, gfp: i32, node: i32, task: i32): i32 {
  return mem_cgroup_charge_inline(cg, cpu, order, kind, gfp, node, task);
}
/** mem_cgroup_charge, inlined into the replay loop (replay.ts). */
@inline export function mem_cgroup_charge_inline(cg: i32, cpu: i32, order: i32, kind: i32, gfp: i32, node: i32, task: i32): i32 {
  if (cpu < 0 || cpu >= nr_cpus || order < 0 || order > HPAGE_PMD_ORDER) return -EINVAL;
  if (kind != FOLIO_ANON && kind != FOLIO_FILE && kind != FOLIO_SHMEM) return -EINVAL;
  if (node < -1 || node >= nr_nodes) return -EINVAL;
  let m = 0; // a task's charge: the task's memcg (charge_memcg_valid)
  if (task < 0) {
    if (!cgroup_alive(cg)) return -ENOENT;
    m = cgroup_e_memcg(cg);
  }
  return charge_memcg_valid(m, cpu, order, kind, gfp, node, task);
}

/** mem_cgroup_charge with the memcg given (task -1), or the task's (task >= 0). */
export function mem_cgroup_charge_memcg(m: i32, cpu: i32, order: i32, kind: i32, gfp: i32, node: i32, task: i32): i32 {
  return charge_memcg_inline(m, cpu, order, kind, gfp, node, task);
}
@inline function charge_memcg_inline(m: i32, cpu: i32, order: i32, kind: i32, gfp: i32, node: i32, task: i32): i32 {
  if (cpu < 0 || cpu >= nr_cpus || order < 0 || order > HPAGE_PMD_ORDER) return -EINVAL;
  if (kind != FOLIO_ANON && kind != FOLIO_FILE && kind != FOLIO_SHMEM) return -EINVAL;
  if (node < -1 || node >= nr_nodes) return -EINVAL;
  return charge_memcg_valid(m, cpu, order, kind, gfp, node, task);
}
// charge_memcg_inline once cpu, order, kind and node are checked (mem_cgroup_charge_inline checked them).
@inline function charge_memcg_valid(m: i32, cpu: i32, order: i32, kind: i32, gfp: i32, node: i32, task: i32): i32 {
  if (task >= 0) {
    m = task_memcg(task); // get_mem_cgroup_from_mm
    if (m < 0) return -ESRCH;
    if (task_in_memcg_oom(task) >= 0) return -EAGAIN; // asleep in mem_cgroup_oom_synchronize
  } else if (!memcg_online(m)) return -ENOENT;
  if (cost_on) cost_op_begin(cpu, OPK_CHARGE);
  run_pending_drain(cpu);
  const nid = node < 0 ? cpu_to_node(cpu) : node;
  const id = folio_alloc(order, kind, nid);
  if (id < 0) {
    if (cost_on) cost_op_end();
    return -ENOSPC; // the emulator's folio table is full
  }
  const ret = charge_folio_inline(id, m, cpu, gfp, task, order, kind, nid); // the record folio_alloc wrote
  op_end(cpu);
  if (cost_on) cost_op_end();
  return ret;
}

// The charge of a new folio id (allocated, uncharged) and its commit; the id or -errno, the
// folio freed on failure unless the task went to the v1 OOM wait with it.
function charge_folio(id: i32, m: i32, cpu: i32, gfp: i32, task: i32): i32 {
  return charge_folio_inline(id, m, cpu, gfp, task, folio_order(id), folio_kind(id), folio_nid(id));
}
// order, kind and nid: the folio's (its record, read once by the caller).
@inline function charge_folio_inline(id: i32, m: i32, cpu: i32, gfp: i32, task: i32, order: i32, kind: i32, nid: i32): i32 {
  const nr = 1 << order;
  chargeTask = task;
  oom_set_current(task);
  oom_set_cpu(cpu);
  // A task's anon folio is a user fault (memcg1_oom_prepare: in_user_fault); so is a charge
  // without a task, but with no task to sleep it cannot wait.
  if (task >= 0 && kind == FOLIO_ANON) oom_set_fault(id);
  const fault = kind == FOLIO_ANON && task >= 0;
  // do_anonymous_page: the PTE page and the anon_vma come before the folio (pgtable.ts).
  if (fault) {
    const r = anon_fault_prepare(task, m, cpu, gfp, order);
    if (r < 0 || task_killed(task)) {
      stat_mod(m, nid, PGFAULT, 1, cpu); // mm_account_fault: a failed fault counts too
      if (r < 0 && task_in_memcg_oom(task) >= 0) return id; // pagefault_out_of_memory: sleep
      folio_free(id);
      return task_killed(task) ? -EINTR : r;
    }
  }
  const ret = try_charge_memcg_inline(m, cpu, gfp, nr);
  // mm_account_fault: PGFAULT for every fault, failed ones included, on the mm's memcg.
  if (kind == FOLIO_ANON) stat_mod(m, nid, PGFAULT, 1, cpu);
  if (ret < 0) {
    if (task >= 0 && task_in_memcg_oom(task) >= 0) return id; // pagefault_out_of_memory: sleep
    folio_free(id);
    return task >= 0 && task_killed(task) ? -EINTR : ret;
  }
  if (task >= 0 && task_in_memcg_oom(task) >= 0) task_oom_clear(task); // mem_cgroup_oom_synchronize(false)
  if (task >= 0 && task_killed(task)) {
    // The OOM killer chose the faulting task itself: it dies before the fault completes.
    memcg_uncharge(m, nr);
    folio_free(id);
    return -EINTR;
  }
  // do_huge_pmd_anonymous_page: the deposited PTE page; without it the folio is dropped.
  if (fault && anon_fault_commit(task, m, cpu, gfp, order) < 0) {
    memcg_uncharge(m, nr);
    folio_free(id);
    return -ENOMEM;
  }
  css_get(m, 1);
  folio_set_memcg(id, m); // commit_charge
  if (cost_on) cost_folio(id, folio_nid_at(id));
  // An anon folio is mapped by the faulting task (its RSS), with the young bit the fault
  // set; a page cache folio belongs to no task and was marked accessed by the read. The
  // record word is read once and kept for the LRU insertion (no reload after each store).
  let info = info_with_flags(folio_info(id), kind == FOLIO_ANON ? PG_YOUNG : PG_REFERENCED);
  folio_set_info(id, info);
  if (kind == FOLIO_ANON && task >= 0) {
    folio_set_owner(id, task);
    task_mm_add(task, MM_ANONPAGES, nr);
    info = folio_info(id);
  }
  // folio_add_lru: new anon and page cache folios start on the inactive lists.
  folio_add_lru_info(m, id, cpu, info);
  // The folio's page statistics (rmap / page cache insertion), counted at charge time.
  folio_page_stat_of(m, order, kind, nid, 1, cpu);
  // memcg1_charge_statistics: a page-in of a large folio is one event.
  stat_mod(m, nid, PGPGIN, 1, cpu);
  // map_anon_folio_pmd: a task's fault that mapped a PMD folio (its table deposited above).
  if (fault && order == HPAGE_PMD_ORDER) count_thp_fault_alloc(m, nid, cpu);
  memcg_page_events_add(m, nr);
  return_to_user(m, cpu);
  return id;
}

/** A woken v1 OOM waiter faults again: the new folio's charge, or the swap-in, once more. */
export function fault_refault(t: i32, m: i32, id: i32, cpu: i32, gfp: i32): void {
  if (folio_swapped(id)) swap_in(id, cpu, gfp);
  else charge_folio(id, m, cpu, gfp, t);
}

/**
 * A task touches its page: a resident anon folio gets its young bit (the MMU's accessed
 * bit), a page cache folio folio_mark_accessed; a page in swap is faulted back in
 * (do_swap_page: mem_cgroup_swapin_charge_folio, then the entry is freed). 0 or -errno.
 */
export function folio_touch(id: i32, cpu: i32, gfp: i32): i32 {
  if (cpu < 0 || cpu >= nr_cpus || !folio_valid(id) || folio_split_tail(id) || lru_batch_held(id)) return -EINVAL;
  const owner = folio_owner(id);
  if (owner >= 0 && task_in_memcg_oom(owner) >= 0) return -EAGAIN; // asleep in the v1 OOM wait
  if (folio_split_head(id)) {
    // A split folio's handle: the task uses every page of the range again.
    if (cost_on) cost_op_begin(cpu, OPK_TOUCH);
    let ret = 0;
    for (let p = id; p >= 0 && ret == 0; p = folio_split_next(p)) ret = touch_page(p, cpu, gfp);
    op_end(cpu);
    if (cost_on) cost_op_end();
    return ret;
  }
  if (!folio_swapped(id)) return touch_page(id, cpu, gfp);
  if (cost_on) cost_op_begin(cpu, OPK_TOUCH);
  const ret = swap_in(id, cpu, gfp);
  op_end(cpu);
  if (cost_on) cost_op_end();
  return ret;
}

function touch_page(id: i32, cpu: i32, gfp: i32): i32 {
  if (folio_swapped(id)) return swap_in(id, cpu, gfp);
  if (!folio_charged(id)) return -EINVAL;
  const f = folio_flags(id);
  if (folio_kind(id) == FOLIO_ANON) {
    folio_set_flags(id, f | PG_YOUNG);
    return 0;
  }
  // folio_mark_accessed: inactive,unreferenced → referenced → active,unreferenced → referenced
  if ((f & PG_REFERENCED) == 0) folio_set_flags(id, f | PG_REFERENCED);
  else if ((f & (PG_ACTIVE | PG_UNEVICTABLE)) == 0 && (f & PG_LRU) == 0) {
    folio_set_flags(id, (f | PG_ACTIVE) & ~PG_REFERENCED); // __lru_cache_activate_folio: in a batch
  } else if ((f & (PG_ACTIVE | PG_UNEVICTABLE)) == 0) {
    const m = folio_memcg(id);
    lru_del(m, id, cpu);
    folio_set_flags(id, (folio_flags(id) | PG_ACTIVE) & ~PG_REFERENCED); // folio_activate
    lru_add(m, id, cpu, false);
    stat_mod(m, folio_nid(id), PGACTIVATE, <i64>1 << folio_order(id), cpu);
  }
  return 0;
}

// do_swap_page for a page of task t (or of no task): charge the memcg the entry records
// if it is still online, else the task's; the entry is freed once the page is back (the
// write-fault / zram case, so no swap cache is kept).
function swap_in(id: i32, cpu: i32, gfp: i32): i32 {
  const t = folio_owner(id);
  const e = folio_swap_slot(id);
  const fallback = t >= 0 ? task_memcg(t) : 0;
  const m = swapin_memcg(e, fallback < 0 ? 0 : fallback);
  const nr = 1 << folio_order(id);
  chargeTask = t;
  oom_set_current(t);
  oom_set_cpu(cpu);
  if (t >= 0) oom_set_fault(id);
  run_pending_drain(cpu);
  const ret = try_charge_memcg(m, cpu, gfp, nr);
  // mm_account_fault: a swap-in is a (major) fault of the task's mm
  stat_mod(t >= 0 ? task_memcg(t) : m, cpu_to_node(cpu), PGFAULT, 1, cpu);
  if (ret < 0) {
    if (t >= 0 && task_in_memcg_oom(t) >= 0) {
      return 0; // pagefault_out_of_memory: the task sleeps; its page stays in swap
    }
    return t >= 0 && task_killed(t) ? -EINTR : ret;
  }
  if (t >= 0 && task_in_memcg_oom(t) >= 0) task_oom_clear(t);
  if (t >= 0 && task_killed(t)) {
    memcg_uncharge(m, nr);
    return -EINTR;
  }
  const nid = cpu_to_node(cpu);
  folio_set_node(id, nid);
  css_get(m, 1);
  folio_set_memcg(id, m);
  folio_set_flags(id, PG_YOUNG);
  if (t >= 0) {
    task_mm_add(t, MM_SWAPENTS, -nr);
    task_mm_add(t, MM_ANONPAGES, nr);
  }
  swap_entry_free(e, cpu); // mem_cgroup_swapin_uncharge_swap (v1) / swap_free (v2)
  folio_add_lru(m, id, cpu);
  folio_page_stat(m, id, nid, 1, cpu);
  stat_mod(m, nid, PGPGIN, 1, cpu);
  stat_mod(m, nid, PSWPIN, nr, cpu);
  stat_mod(m, nid, PGMAJFAULT, 1, cpu);
  memcg_page_events_add(m, nr);
  return_to_user(m, cpu);
  return 0;
}
