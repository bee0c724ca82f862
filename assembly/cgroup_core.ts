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
// A removed cgroup is dying until it is released (css_release_work_fn of its self css): its
// struct lives on while a css of it (here: a memcg, online or offline, not yet freed) or a
// child cgroup holds a reference, so its slot is kept until then. cgroup.stat counts them.
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
const CG_DYING: i32 = 4; // removed (cgroup_destroy_locked), not yet released

// cgroup.stat's counters (cgroup_stat_show), for cgroup_stat.
export const CGROUP_NR_DESCENDANTS: i32 = 0;
export const CGROUP_NR_DYING_DESCENDANTS: i32 = 1;
export const CGROUP_NR_SUBSYS_MEMORY: i32 = 2;
export const CGROUP_NR_DYING_SUBSYS_MEMORY: i32 = 3;
export const CGROUP_POPULATED: i32 = 4;

let parents: usize = 0; // i32[C]
let firstChild: usize = 0; // i32[C]: live children in creation order
let lastChild: usize = 0; // i32[C]
let nextSibling: usize = 0; // i32[C]
let flags: usize = 0; // i32[C]
let memcgs: usize = 0; // i32[C]: the memory css, -1 = none
let nrTasks: usize = 0; // i32[C]: tasks attached to this cgroup itself (nr_populated_csets)
let gens: usize = 0; // i32[C]: which mkdir made the cgroup in this slot
let nrDescendants: usize = 0; // i32[C]: cgrp->nr_descendants, live cgroups below
let nrDyingDescendants: usize = 0; // i32[C]: cgrp->nr_dying_descendants, removed ones below not yet released
let nrDyingMemory: usize = 0; // i32[C]: cgrp->nr_dying_subsys[memory], offline memcgs at and below not yet freed
let refs: usize = 0; // i32[C]: what keeps a dying cgroup: its memcgs not yet freed, its child cgroups not yet released
let cssCgroups: usize = 0; // i32[M]: css->cgroup of each memcg slot
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
  nrDescendants = table_alloc("cgroup nr_descendants", n, 4);
  nrDyingDescendants = table_alloc("cgroup nr_dying_descendants", n, 4);
  nrDyingMemory = table_alloc("cgroup nr_dying_subsys memory", n, 4);
  refs = table_alloc("cgroup references", n, 4);
  cssCgroups = table_alloc("memcg css cgroup", n, 4); // the memcg table has n slots too (system.ts)
  slots = ida_create("cgroup slot ida", 0, n - 1);
  if (changetype<usize>(slots) == 0) return false;
  const root = cgroup_alloc(-1);
  store<i32>(memcgs + (<usize>root << 2), ROOT_MEM_CGROUP);
  store<i32>(cssCgroups + (<usize>ROOT_MEM_CGROUP << 2), root);
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
/** cg's memory css from now on: a new one (init_and_link_css: it holds its cgroup), or -1 (killed). */
export function cgroup_set_memcg(cg: i32, m: i32): void {
  set_i32(memcgs, cg, m);
  if (m < 0) return;
  set_i32(cssCgroups, m, cg);
  set_i32(refs, cg, i32_at(refs, cg) + 1);
}

/**
 * offline_css (kill_css since "cgroup: Increment nr_dying_subsys_* from rmdir context", in
 * 7.1): cg's memory css is dying, counted at cg and every ancestor up the css's parents.
 */
export function cgroup_css_killed(cg: i32): void {
  for (let x = cg; x >= 0; x = i32_at(parents, x)) set_i32(nrDyingMemory, x, i32_at(nrDyingMemory, x) + 1);
}

/**
 * css_release_work_fn + css_free_rwork_fn of memcg m (its last reference went, memcg.ts
 * memcg_try_free): no longer dying at its cgroup and the ancestors; it lets go of its cgroup.
 */
export function cgroup_css_released(m: i32): void {
  const cg = i32_at(cssCgroups, m);
  for (let x = cg; x >= 0; x = i32_at(parents, x)) set_i32(nrDyingMemory, x, i32_at(nrDyingMemory, x) - 1);
  set_i32(refs, cg, i32_at(refs, cg) - 1);
  cgroup_try_release(cg);
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
  set_i32(nrDescendants, cg, 0);
  set_i32(nrDyingDescendants, cg, 0);
  set_i32(nrDyingMemory, cg, 0);
  set_i32(refs, cg, 0);
  if (parent >= 0) {
    set_i32(refs, parent, i32_at(refs, parent) + 1); // css_free_rwork_fn of a cgroup puts its parent
    // cgroup_create: one more live descendant for every ancestor
    for (let x = parent; x >= 0; x = i32_at(parents, x)) set_i32(nrDescendants, x, i32_at(nrDescendants, x) + 1);
    const last = i32_at(lastChild, parent);
    if (last < 0) set_i32(firstChild, parent, cg);
    else set_i32(nextSibling, last, cg);
    set_i32(lastChild, parent, cg);
  }
  return cg;
}

/**
 * cgroup_destroy_locked: the cgroup leaves its parent's live children (the directory goes) and
 * is dying for every ancestor until it is released (cgroup_try_release).
 */
export function cgroup_unlink(cg: i32): void {
  const parent = i32_at(parents, cg);
  let prev = -1;
  for (let c = i32_at(firstChild, parent); c != cg; c = i32_at(nextSibling, c)) prev = c;
  const next = i32_at(nextSibling, cg);
  if (prev < 0) set_i32(firstChild, parent, next);
  else set_i32(nextSibling, prev, next);
  if (next < 0) set_i32(lastChild, parent, prev);
  set_i32(flags, cg, CG_DYING);
  for (let x = parent; x >= 0; x = i32_at(parents, x)) {
    set_i32(nrDescendants, x, i32_at(nrDescendants, x) - 1);
    set_i32(nrDyingDescendants, x, i32_at(nrDyingDescendants, x) + 1);
  }
  cgroup_try_release(cg);
}

/**
 * css_release_work_fn of the cgroup's self css: a dying cgroup nothing holds is released (no
 * longer dying for its ancestors), its slot is free, and it lets go of its parent, which may
 * follow. A cgroup still alive, or still held, stays.
 */
function cgroup_try_release(cg: i32): void {
  let x = cg;
  while (x >= 0 && i32_at(flags, x) == CG_DYING && i32_at(refs, x) == 0) {
    const parent = i32_at(parents, x);
    for (let a = parent; a >= 0; a = i32_at(parents, a)) set_i32(nrDyingDescendants, a, i32_at(nrDyingDescendants, a) - 1);
    set_i32(flags, x, 0);
    ida_free(slots, x);
    if (parent >= 0) set_i32(refs, parent, i32_at(refs, parent) - 1);
    x = parent;
  }
}

/**
 * cgroup_stat_show / cgroup_events_show of a live cgroup: nr_descendants, nr_dying_descendants,
 * nr_subsys_memory (its memory css and the online ones below it, 0 without one),
 * nr_dying_subsys_memory, populated (cgroup_is_populated: a task in it or below).
 */
export function cgroup_stat(cg: i32, item: i32): i32 {
  if (item == CGROUP_NR_DESCENDANTS) return i32_at(nrDescendants, cg);
  if (item == CGROUP_NR_DYING_DESCENDANTS) return i32_at(nrDyingDescendants, cg);
  if (item == CGROUP_NR_DYING_SUBSYS_MEMORY) return i32_at(nrDyingMemory, cg);
  if (item != CGROUP_NR_SUBSYS_MEMORY && item != CGROUP_POPULATED) return -1;
  // a pre-order walk of the live subtree (css->nr_descendants + 1 counts the same memcgs)
  let n = 0;
  let x = cg;
  for (;;) {
    n += item == CGROUP_POPULATED ? i32_at(nrTasks, x) : (i32_at(memcgs, x) >= 0 ? 1 : 0);
    let next = i32_at(firstChild, x);
    while (next < 0 && x != cg) {
      next = i32_at(nextSibling, x);
      if (next < 0) x = i32_at(parents, x);
    }
    if (next < 0) break;
    x = next;
  }
  if (item == CGROUP_POPULATED) return n > 0 ? 1 : 0;
  return i32_at(memcgs, cg) >= 0 ? n : 0;
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
