// The cgroup core's directory operations for the memory controller (kernel/cgroup/cgroup.c):
// cgroup_mkdir, cgroup_destroy_locked (rmdir), cgroup.subtree_control (v2), and the css_create
// and kill_css they run (the memcg's callbacks are memcg_css.ts). The tables are cgroup_core.ts.

import { OPK_OTHER, cost_other_begin, cost_other_end } from "./cost_model";
import { EBUSY, EINVAL, ENOENT } from "./errno";
import {
  ROOT_CGROUP, cgroup_alive, cgroup_alloc, cgroup_controllers_memory, cgroup_css_killed, cgroup_first_child, cgroup_memcg, cgroup_next_sibling,
  cgroup_nr_tasks, cgroup_parent, cgroup_set_memcg, cgroup_set_subtree_memory, cgroup_subtree_memory, cgroup_unlink,
} from "./cgroup_core";
import { charge_context } from "./charge";
import { GFP_KERNEL } from "./gfp";
import { mem_cgroup_can_alloc, on_dfl } from "./memcg";
import { mem_cgroup_alloc, mem_cgroup_css_offline } from "./memcg_css";
import { memcg1_tcpmem_init, memcg_alloc_kmem, memcg_online_kmem, memcg_set_alloc_objcg } from "./objcg";
import { op_end } from "./resched";
import { nr_cpus } from "./topology";

// css_create for the memory controller, from cpu: a memcg for cg below its parent's memcg.
// mem_cgroup_alloc takes the memcg id first (EBUSY when none is left), then allocates the
// memcg's structures under set_active_memcg(parent): with kmem they are charged to the parent
// (objcg.ts; that charge can fail).
function css_create(cg: i32, cpu: i32): i32 {
  const parent = cgroup_memcg(cgroup_parent(cg));
  const can = mem_cgroup_can_alloc();
  if (can < 0) return can;
  charge_context(-1, cpu);
  const o = memcg_alloc_kmem(-1, parent, cpu, GFP_KERNEL);
  if (o < -1) return o;
  const m = mem_cgroup_alloc(parent);
  memcg1_tcpmem_init(m);
  memcg_set_alloc_objcg(m, o);
  memcg_online_kmem(m); // mem_cgroup_css_online
  cgroup_set_memcg(cg, m);
  return m;
}

// kill_css: the memcg goes offline; cg charges to its parent's memcg from now on.
function kill_css(cg: i32, cpu: i32): void {
  const m = cgroup_memcg(cg);
  if (m < 0) return;
  cgroup_css_killed(cg);
  cgroup_set_memcg(cg, -1);
  mem_cgroup_css_offline(m, cpu);
}

/**
 * cgroup_mkdir from cpu: a new cgroup below parent, with a memcg in v1 or when memory is in
 * the parent's cgroup.subtree_control (cgroup_apply_control_enable); its id or -errno:
 * -ENOENT (no such parent), -EBUSY (no memcg id left), -ENOMEM (kmem: the parent could not be
 * charged for the memcg's structures), -ELIMIT (an emulator table is full).
 */
export function cgroup_mkdir(parent: i32, cpu: i32): i32 {
  if (cpu < 0 || cpu >= nr_cpus) return -EINVAL;
  if (!cgroup_alive(parent)) return -ENOENT;
  const cg = cgroup_alloc(parent);
  if (cg < 0) return cg;
  if (!on_dfl || cgroup_subtree_memory(parent)) {
    const c = cost_other_begin(cpu, OPK_OTHER);
    const m = css_create(cg, cpu);
    cost_other_end(c);
    if (m < 0) {
      cgroup_unlink(cg); // cgroup_mkdir: cgroup_destroy_locked on a failed css
      return m;
    }
  }
  return cg;
}

/**
 * cgroup_destroy_locked: EBUSY for the root, a populated cgroup (tasks in it) or one with
 * live children; else every css is killed and the directory goes.
 */
export function cgroup_rmdir(cg: i32, cpu: i32): i32 {
  if (cpu < 0 || cpu >= nr_cpus) return -EINVAL;
  if (!cgroup_alive(cg)) return -ENOENT;
  if (cg == ROOT_CGROUP || cgroup_nr_tasks(cg) > 0 || cgroup_first_child(cg) >= 0) return -EBUSY;
  const c = cost_other_begin(cpu, OPK_OTHER);
  kill_css(cg, cpu);
  cgroup_unlink(cg);
  op_end(cpu); // the drain work offline queued on other CPUs runs as the write returns
  cost_other_end(c);
  return 0;
}

/**
 * cgroup_subtree_control_write for the memory controller (v2): enable (+memory) or disable
 * (-memory) it for cg's children. +memory that is already on, or -memory that is off, does
 * nothing; +memory needs memory in cg's cgroup.controllers (ENOENT) and, below the root, no
 * task in cg (cgroup_vet_subtree_control_enable: EBUSY); -memory is EBUSY while a live child
 * has memory in its own subtree_control. All or nothing: a child whose css cannot be made
 * undoes the write.
 */
export function cgroup_subtree_control_write(cg: i32, enable: bool, cpu: i32): i32 {
  if (!on_dfl || cpu < 0 || cpu >= nr_cpus) return -EINVAL;
  if (!cgroup_alive(cg)) return -ENOENT;
  const on = cgroup_subtree_memory(cg);
  if (enable) {
    if (on) return 0;
    if (!cgroup_controllers_memory(cg)) return -ENOENT;
    if (cg != ROOT_CGROUP && cgroup_nr_tasks(cg) > 0) return -EBUSY;
    cgroup_set_subtree_memory(cg, true);
    for (let c = cgroup_first_child(cg); c >= 0; c = cgroup_next_sibling(c)) {
      const m = css_create(c, cpu);
      if (m >= 0) continue;
      // cgroup_finalize_control: restore the old mask and kill the csses made so far.
      for (let d = cgroup_first_child(cg); d != c; d = cgroup_next_sibling(d)) kill_css(d, cpu);
      cgroup_set_subtree_memory(cg, false);
      op_end(cpu);
      return m;
    }
    return 0;
  }
  if (!on) return 0;
  for (let c = cgroup_first_child(cg); c >= 0; c = cgroup_next_sibling(c)) {
    if (cgroup_subtree_memory(c)) return -EBUSY; // "a child has it enabled?"
  }
  cgroup_set_subtree_memory(cg, false);
  for (let c = cgroup_first_child(cg); c >= 0; c = cgroup_next_sibling(c)) kill_css(c, cpu);
  op_end(cpu);
  return 0;
}
