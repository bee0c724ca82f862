// struct cgroup and the rules of the cgroup core (kernel/cgroup/cgroup.c) that decide where
// memcgs exist and where tasks may live: cgroup_mkdir, cgroup_destroy_locked (rmdir),
// cgroup.subtree_control / cgroup.controllers (v2), cgroup_migrate_vet_dst (attach).
//
// A cgroup is a directory; its memory css (a memcg, memcg.ts) exists in v1 always, in v2 only
// while memory is in its parent's cgroup.subtree_control. A cgroup without one charges its
// tasks to the nearest ancestor that has one (the effective css). Removing the directory, or
// taking memory out of the parent's subtree_control, kills the css: the memcg goes offline
// and lingers while charges still refer to it.
//
// The root cgroup (0) is the root memcg's; its subtree_control starts with memory, as an init
// system leaves it. Threaded cgroups (cgroup.type) are not modelled.
//
// This file has the tables; the directory operations (mkdir, rmdir, subtree_control), which
// create and kill memory csses, are cgroup_dir.ts.

import { EBUSY, ELIMIT, ENOENT } from "./errno";
import { Ida, ida_alloc, ida_create, ida_free } from "./idr";
import { table_alloc } from "./layout";
import { ROOT_MEM_CGROUP, on_dfl } from "./memcg";

export const ROOT_CGROUP: i32 = 0;

const CG_ALIVE: i32 = 1;
const CG_SUBTREE_MEMORY: i32 = 2; // "memory" in this cgroup's cgroup.subtree_control (v2)

let parents: usize = 0; // i32[C]
let firstChild: usize = 0; // i32[C]: live children in creation order
let lastChild: usize = 0; // i32[C]
let nextSibling: usize = 0; // i32[C]
let flags: usize = 0; // i32[C]
let memcgs: usize = 0; // i32[C]: the memory css, -1 = none
let nrTasks: usize = 0; // i32[C]: tasks attached to this cgroup itself (nr_populated_csets)
let gens: usize = 0; // i32[C]: which mkdir made the cgroup in this slot
let highWater: i32 = 0;
let serial: i32 = 0;
let slots: Ida = changetype<Ida>(0);

export function cgroup_table_init(n: i32): bool {
  parents = table_alloc("cgroup parents", n, 4);
  firstChild = table_alloc("cgroup first child", n, 4);
  lastChild = table_alloc("cgroup last child", n, 4);
  nextSibling = table_alloc("cgroup next sibling", n, 4);
  flags = table_alloc("cgroup flags", n, 4);
  memcgs = table_alloc("cgroup memory css", n, 4);
  nrTasks = table_alloc("cgroup tasks", n, 4);
  gens = table_alloc("cgroup generations", n, 4);
  slots = ida_create("cgroup slot ida", 0, n - 1);
  if (changetype<usize>(slots) == 0) return false;
  const root = cgroup_alloc(-1);
  store<i32>(memcgs + (<usize>root << 2), ROOT_MEM_CGROUP);
  if (on_dfl) store<i32>(flags + (<usize>root << 2), CG_ALIVE | CG_SUBTREE_MEMORY);
  return root == ROOT_CGROUP;
}

@inline function i32_at(table: usize, cg: i32): i32 {
  return load<i32>(table + (<usize>cg << 2));
}
@inline function set_i32(table: usize, cg: i32, v: i32): void {
  store<i32>(table + (<usize>cg << 2), v);
}

export function cgroup_alive(cg: i32): bool {
  return cg >= 0 && cg < highWater && (i32_at(flags, cg) & CG_ALIVE) != 0;
}
/** Slots below this have been used. */
export function cgroup_count(): i32 {
  return highWater;
}
export function cgroup_gen(cg: i32): i32 {
  return i32_at(gens, cg);
}
export function cgroup_parent(cg: i32): i32 {
  return i32_at(parents, cg);
}
/** The cgroup's own memory css, -1 if memory is not enabled for it. */
export function cgroup_memcg(cg: i32): i32 {
  return i32_at(memcgs, cg);
}
/** The effective memory css (cgroup_e_css): its own, else the nearest ancestor's. */
export function cgroup_e_memcg(cg: i32): i32 {
  let x = cg;
  let m = i32_at(memcgs, x);
  while (m < 0) {
    x = i32_at(parents, x);
    m = i32_at(memcgs, x);
  }
  return m;
}
/** "memory" in cg's cgroup.subtree_control. */
export function cgroup_subtree_memory(cg: i32): bool {
  return (i32_at(flags, cg) & CG_SUBTREE_MEMORY) != 0;
}
/** cgroup_control: memory is in cg's cgroup.controllers (the root: it is bound to the hierarchy). */
export function cgroup_controllers_memory(cg: i32): bool {
  return cg == ROOT_CGROUP || cgroup_subtree_memory(i32_at(parents, cg));
}
export function cgroup_nr_tasks(cg: i32): i32 {
  return i32_at(nrTasks, cg);
}
export function cgroup_first_child(cg: i32): i32 {
  return i32_at(firstChild, cg);
}
export function cgroup_next_sibling(cg: i32): i32 {
  return i32_at(nextSibling, cg);
}
/** cg's memory css from now on (-1: none, the css was killed). */
export function cgroup_set_memcg(cg: i32, m: i32): void {
  set_i32(memcgs, cg, m);
}
/** "memory" in or out of cg's cgroup.subtree_control. */
export function cgroup_set_subtree_memory(cg: i32, on: bool): void {
  set_i32(flags, cg, on ? i32_at(flags, cg) | CG_SUBTREE_MEMORY : i32_at(flags, cg) & ~CG_SUBTREE_MEMORY);
}
/** A task joins (n = 1) or leaves (n = -1) cg. */
export function cgroup_tasks_add(cg: i32, n: i32): void {
  set_i32(nrTasks, cg, i32_at(nrTasks, cg) + n);
}

/** A new cgroup's slot below parent (-ELIMIT when the table is full): alive, no memory css yet. */
export function cgroup_alloc(parent: i32): i32 {
  const cg = ida_alloc(slots);
  if (cg < 0) return -ELIMIT;
  if (cg >= highWater) highWater = cg + 1;
  set_i32(parents, cg, parent);
  set_i32(firstChild, cg, -1);
  set_i32(lastChild, cg, -1);
  set_i32(nextSibling, cg, -1);
  set_i32(flags, cg, CG_ALIVE);
  set_i32(memcgs, cg, -1);
  set_i32(nrTasks, cg, 0);
  set_i32(gens, cg, ++serial);
  if (parent >= 0) {
    const last = i32_at(lastChild, parent);
    if (last < 0) set_i32(firstChild, parent, cg);
    else set_i32(nextSibling, last, cg);
    set_i32(lastChild, parent, cg);
  }
  return cg;
}

/** The cgroup leaves its parent's children and its slot is free (the directory goes). */
export function cgroup_unlink(cg: i32): void {
  const parent = i32_at(parents, cg);
  let prev = -1;
  for (let c = i32_at(firstChild, parent); c != cg; c = i32_at(nextSibling, c)) prev = c;
  const next = i32_at(nextSibling, cg);
  if (prev < 0) set_i32(firstChild, parent, next);
  else set_i32(nextSibling, prev, next);
  if (next < 0) set_i32(lastChild, parent, prev);
  set_i32(flags, cg, 0);
  ida_free(slots, cg);
}

/**
 * cgroup_migrate_vet_dst: can a task be attached to cg? v2's no-internal-process rule: not to
 * a cgroup (other than the root) whose subtree_control enables a controller (EBUSY).
 */
export function cgroup_migrate_vet_dst(cg: i32): i32 {
  if (!cgroup_alive(cg)) return -ENOENT;
  if (on_dfl && cg != ROOT_CGROUP && cgroup_subtree_memory(cg)) return -EBUSY;
  return 0;
}
