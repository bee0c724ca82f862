// Socket memory (mm/memcontrol.c mem_cgroup_sk_charge / mem_cgroup_sk_uncharge): network
// buffers charged to the socket's memcg in pages, on the CPU that processes them (in
// softirq for received packets: gfp_memcg_charge() is GFP_ATOMIC there, GFP_KERNEL in a
// task). cgroup v2 only here: v1 charges the separate tcpmem counter (not modelled).
// A socket of the root memcg has no sk_memcg (mem_cgroup_sk_alloc skips the root): nothing
// is charged.

import { EINVAL, ENOENT } from "./errno";
import { try_charge_no_task } from "./charge";
import { OPK_SK_CHARGE, OPK_SK_UNCHARGE, cost_on, cost_op_begin, cost_op_end } from "./cost_model";
import { mem_cgroup_is_root, memcg_online, memory_counter, on_dfl } from "./memcg";
import { page_counter_uncharge } from "./page_counter";
import { pcstock_on } from "./page_counter_stock";
import { MEMCG_SOCK, stat_mod } from "./rstat";
import { op_end } from "./sched";
import { sim_inc, SIM_SK_CHARGES } from "./simstat";
import { refill_stock, run_pending_drain } from "./stock";
import { nr_cpus } from "./topology";

/** mem_cgroup_sk_charge of nr pages to m from cpu: 1 charged, 0 refused, or -errno. */
export function mem_cgroup_sk_charge(m: i32, nr: i32, gfp: i32, cpu: i32): i32 {
  if (!on_dfl || nr < 1 || nr > 4096 || cpu < 0 || cpu >= nr_cpus) return -EINVAL;
  if (!memcg_online(m)) return -ENOENT;
  if (cost_on) cost_op_begin(cpu, OPK_SK_CHARGE);
  if (mem_cgroup_is_root(m)) {
    if (cost_on) cost_op_end();
    return 1;
  }
  run_pending_drain(cpu);
  const ok = try_charge_no_task(m, cpu, gfp, nr) == 0;
  if (ok) {
    stat_mod(m, 0, MEMCG_SOCK, nr, cpu); // mod_memcg_state(MEMCG_SOCK)
    sim_inc(SIM_SK_CHARGES, 1);
  }
  op_end(cpu);
  if (cost_on) cost_op_end();
  return ok ? 1 : 0;
}

/** mem_cgroup_sk_uncharge: the pages go back to this CPU's stock (6.18) or the counters (pcstock). */
export function mem_cgroup_sk_uncharge(m: i32, nr: i32, cpu: i32): i32 {
  if (!on_dfl || nr < 1 || nr > 4096 || cpu < 0 || cpu >= nr_cpus) return -EINVAL;
  if (!memcg_online(m)) return -ENOENT;
  if (cost_on) cost_op_begin(cpu, OPK_SK_UNCHARGE);
  if (mem_cgroup_is_root(m)) {
    if (cost_on) cost_op_end();
    return 0;
  }
  stat_mod(m, 0, MEMCG_SOCK, -nr, cpu);
  // mem_cgroup_sk_uncharge: refill_stock(memcg, nr_pages); the v4 proposal uncharges directly.
  if (pcstock_on) page_counter_uncharge(memory_counter(m), nr);
  else refill_stock(m, cpu, nr);
  op_end(cpu);
  if (cost_on) cost_op_end();
  return 0;
}
