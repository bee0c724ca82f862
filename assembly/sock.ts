// Socket memory (mm/memcontrol.c mem_cgroup_sk_charge / mem_cgroup_sk_uncharge): network
// buffers charged to the socket's memcg in pages, on the CPU that processes them (in
// softirq for received packets: gfp_memcg_charge() is GFP_ATOMIC there, GFP_KERNEL in a
// task). cgroup v2 charges the memory counters (try_charge_memcg) and MEMCG_SOCK; v1 only the
// separate tcpmem counters (memcg1_charge_skmem, objcg.ts), and only once the memcg's tcp
// limit was written (mem_cgroup_sk_alloc: a v1 socket gets its memcg when tcpmem_active).
// A socket of the root memcg has no sk_memcg (mem_cgroup_sk_alloc skips the root): nothing
// is charged.

import { EINVAL, ENOENT } from "./errno";
import { run_high_work, try_charge_no_task } from "./charge";
import { OPK_SK_CHARGE, OPK_SK_UNCHARGE, cost_on, cost_op_begin, cost_op_end } from "./cost_model";
import { mem_cgroup_is_root, memcg_online, memory_counter, on_dfl } from "./memcg";
import { page_counter_uncharge } from "./page_counter";
import { pcstock_on } from "./page_counter_stock";
import { MEMCG_SOCK, stat_mod } from "./rstat";
import { op_end } from "./sched";
import { sim_inc, SIM_SK_CHARGES } from "./simstat";
import { refill_stock, run_pending_drain } from "./stock";
import { nr_cpus } from "./topology";
import { memcg1_charge_skmem, memcg1_tcpmem_active, memcg1_uncharge_skmem } from "./objcg";

/** mem_cgroup_sk_charge of nr pages to m from cpu: 1 charged (or nothing to charge), 0 refused, or -errno. */
export function mem_cgroup_sk_charge(m: i32, nr: i32, gfp: i32, cpu: i32): i32 {
  if (nr < 1 || nr > 4096 || cpu < 0 || cpu >= nr_cpus) return -EINVAL;
  if (!memcg_online(m)) return -ENOENT;
  if (cost_on) cost_op_begin(cpu, OPK_SK_CHARGE);
  let ret = 1;
  if (mem_cgroup_is_root(m) || (!on_dfl && !memcg1_tcpmem_active(m))) {
    // no sk_memcg: nothing is charged
  } else if (!on_dfl) {
    ret = memcg1_charge_skmem(m, nr, gfp) ? 1 : 0;
    if (ret == 1) sim_inc(SIM_SK_CHARGES, 1);
  } else {
    run_pending_drain(cpu);
    if (try_charge_no_task(m, cpu, gfp, nr) == 0) {
      stat_mod(m, 0, MEMCG_SOCK, nr, cpu); // mod_memcg_state(MEMCG_SOCK)
      sim_inc(SIM_SK_CHARGES, 1);
      run_high_work(cpu);
    } else ret = 0;
    op_end(cpu);
  }
  if (cost_on) cost_op_end();
  return ret;
}

/**
 * mem_cgroup_sk_uncharge: v2, the pages go back to this CPU's stock (6.18) or the counters
 * (pcstock); v1, the tcpmem counters (memcg1_uncharge_skmem).
 */
export function mem_cgroup_sk_uncharge(m: i32, nr: i32, cpu: i32): i32 {
  if (nr < 1 || nr > 4096 || cpu < 0 || cpu >= nr_cpus) return -EINVAL;
  if (!memcg_online(m)) return -ENOENT;
  if (cost_on) cost_op_begin(cpu, OPK_SK_UNCHARGE);
  if (mem_cgroup_is_root(m) || (!on_dfl && !memcg1_tcpmem_active(m))) {
    // no sk_memcg
  } else if (!on_dfl) {
    memcg1_uncharge_skmem(m, nr);
  } else {
    stat_mod(m, 0, MEMCG_SOCK, -nr, cpu);
    // mem_cgroup_sk_uncharge: refill_stock(memcg, nr_pages); the v4 proposal uncharges directly.
    if (pcstock_on) page_counter_uncharge(memory_counter(m), nr);
    else refill_stock(m, cpu, nr);
    op_end(cpu);
  }
  if (cost_on) cost_op_end();
  return 0;
}
