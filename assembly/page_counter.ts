// struct page_counter (mm/page_counter.c): hierarchical usage counters with limits.
// Counter ids: memcg id × 2 + PC_MEMORY | PC_SWAP (v2 swap, v1 memsw).

import { EBUSY } from "./errno";
import { table_alloc } from "./layout";
import { sim_inc, SIM_COUNTER_LEVELS } from "./simstat";
import {
  ACC_ATOMIC, ACC_READ, ACC_WRITE, cost_on, cost_pc, cost_pc_parent, cost_pc_parent_hit, cost_pc_try_level, cost_pc_unprotected,
  prot_xchg_always,
} from "./cost_model";

export const PC_MEMORY: i32 = 0;
export const PC_SWAP: i32 = 1; // memory.swap (v2) or memory.memsw (v1)

/** PAGE_COUNTER_MAX on 64-bit: LONG_MAX / PAGE_SIZE. */
export const PAGE_COUNTER_MAX: i64 = 2251799813685247;

// Field ids of counter_get; each is also the field's i64 slot in the counter's record.
// The first cache line holds what a charge or uncharge walk touches.
export const PCF_USAGE: i32 = 0;
export const PCF_MAX: i32 = 1;
const PCF_LINK: i32 = 2; // parent id (low i32) and the PC_TRACK_* flags (high i32)
export const PCF_LOCAL_WATERMARK: i32 = 3;
export const PCF_MIN: i32 = 4;
export const PCF_LOW: i32 = 5;
export const PCF_MIN_USAGE: i32 = 6;
export const PCF_LOW_USAGE: i32 = 7;
export const PCF_WATERMARK: i32 = 8;
export const PCF_HIGH: i32 = 9;
export const PCF_EMIN: i32 = 10;
export const PCF_ELOW: i32 = 11;
export const PCF_CHILDREN_MIN_USAGE: i32 = 12;
export const PCF_CHILDREN_LOW_USAGE: i32 = 13;
export const PCF_FAILCNT: i32 = 14;
export const NR_PCF: i32 = 15;
const PC_RECORD_SHIFT: i32 = 7; // 16 i64 slots = 128 bytes, two cache lines

// The counters are one flat table of fixed-size records indexed by counter id (not a
// structure of arrays like the other tables: a walk reads ~8 fields of each level, and a
// record keeps them in one cache line).
let records: usize = 0;

export function pc_init(n: i32): bool {
  records = table_alloc("page_counter records", n, 1 << PC_RECORD_SHIFT);
  return records != 0;
}

@inline function fptr(f: i32, c: i32): usize {
  return records + (<usize>c << PC_RECORD_SHIFT) + (<usize>f << 3);
}
@inline export function pc_field(c: i32, f: i32): i64 {
  return load<i64>(fptr(f, c));
}
@inline export function pc_set_field(c: i32, f: i32, v: i64): void {
  store<i64>(fptr(f, c), v);
}
@inline export function pc_usage(c: i32): i64 {
  return load<i64>(fptr(PCF_USAGE, c));
}
@inline export function pc_parent(c: i32): i32 {
  return load<i32>(fptr(PCF_LINK, c));
}

// Cheap skips that keep semantics: counts of the counters with a high limit and with min/low
// protection. They only over-count (a counter re-initialised over a used record is not taken
// off), so "none" is always true when it is said: then no walk can find a counter over high,
// and propagate_protected_usage has nothing to do (min_usage = min(usage, 0) is 0 already:
// page_counter_set_protection propagates as soon as a setting changes).
let nrHighLimited: i32 = 0;
let nrProtected: i32 = 0;
let skips = true;
/** Turn the skips off (tests compare every observable with and without them). */
export function pc_skips_set(on: bool): void {
  skips = on;
}
/** No counter has a high limit below PAGE_COUNTER_MAX (the memory.high / swap.high walk finds nothing). */
@inline export function pc_no_high_limit(): bool {
  return skips && nrHighLimited == 0;
}
@inline function no_protection(): bool {
  return skips && nrProtected == 0;
}

/** page_counter_set_high: store the high limit. */
export function page_counter_set_high(c: i32, n: i64): void {
  const was = pc_field(c, PCF_HIGH) < PAGE_COUNTER_MAX;
  const is = n < PAGE_COUNTER_MAX;
  if (was != is) nrHighLimited += is ? 1 : -1;
  pc_set_field(c, PCF_HIGH, n);
}

// Per-counter policy flags; a charge walk follows the flags of the counter it starts from.
export const PC_TRACK_PROTECTION: i32 = 1; // protection_support: keep min/low usage propagated
export const PC_TRACK_FAILCNT: i32 = 2; // track_failcnt: count failed charges

/** page_counter_init: no limit, no protection, attached below parent (-1 for a root). */
export function page_counter_init(c: i32, parent: i32, track: i32): void {
  for (let f = 0; f < NR_PCF; f++) pc_set_field(c, f, 0);
  pc_set_field(c, PCF_MAX, PAGE_COUNTER_MAX);
  pc_set_field(c, PCF_HIGH, PAGE_COUNTER_MAX);
  store<i32>(fptr(PCF_LINK, c), parent);
  store<i32>(fptr(PCF_LINK, c) + 4, track);
}

@inline function track_protection(c: i32): bool {
  return (load<i32>(fptr(PCF_LINK, c) + 4) & PC_TRACK_PROTECTION) != 0;
}
@inline function track_failcnt(c: i32): bool {
  return (load<i32>(fptr(PCF_LINK, c) + 4) & PC_TRACK_FAILCNT) != 0;
}

/** Counter c has tracking flag f (PC_TRACK_*). */
export function pc_tracks(c: i32, f: i32): bool {
  return (load<i32>(fptr(PCF_LINK, c) + 4) & f) != 0;
}

/** propagate_protected_usage: keep the parent's children_{min,low}_usage in step with min(usage, setting). */
export function propagate_protected_usage(c: i32, usage: i64): void {
  if (no_protection()) {
    if (cost_on) cost_unprotected(c);
    return;
  }
  const parent = pc_parent(c);
  if (cost_on) cost_pc_parent(c);
  if (parent < 0) return;
  let setting = pc_field(c, PCF_MIN);
  let prot = min(usage, setting);
  let old = pc_field(c, PCF_MIN_USAGE);
  if (cost_on) cost_protection(c, parent, PCF_MIN, PCF_MIN_USAGE, PCF_CHILDREN_MIN_USAGE, setting, old, prot);
  if (prot != old) {
    pc_set_field(c, PCF_MIN_USAGE, prot);
    pc_set_field(parent, PCF_CHILDREN_MIN_USAGE, pc_field(parent, PCF_CHILDREN_MIN_USAGE) + prot - old);
  }
  setting = pc_field(c, PCF_LOW);
  prot = min(usage, setting);
  old = pc_field(c, PCF_LOW_USAGE);
  if (cost_on) cost_protection(c, parent, PCF_LOW, PCF_LOW_USAGE, PCF_CHILDREN_LOW_USAGE, setting, old, prot);
  if (prot != old) {
    pc_set_field(c, PCF_LOW_USAGE, prot);
    pc_set_field(parent, PCF_CHILDREN_LOW_USAGE, pc_field(parent, PCF_CHILDREN_LOW_USAGE) + prot - old);
  }
}

// The cost of propagate_protected_usage when no counter has min/low (the skip above): what the
// full walk below costs then, the parent and the four reads, no xchg in either layout era.
@inline function cost_unprotected(c: i32): void {
  cost_pc_unprotected(c, pc_parent(c) >= 0);
}

// The cost of propagate_protected_usage for min or low: read the setting and the stored
// protected usage; the xchg and the parent's atomic add only when it changed (6.1+, "mm:
// page_counter: remove unneeded atomic ops for low/min"); before, the xchg whenever the
// setting or the stored usage is non-zero (and the stored usage is read only without a setting).
@inline function cost_protection(c: i32, parent: i32, fSet: i32, fUse: i32, fChildren: i32, setting: i64, old: i64, prot: i64): void {
  cost_pc(c, fSet, ACC_READ);
  let xchg: bool;
  if (prot_xchg_always) {
    if (setting == 0) cost_pc(c, fUse, ACC_READ);
    xchg = setting != 0 || old != 0;
  } else {
    cost_pc(c, fUse, ACC_READ);
    xchg = prot != old;
  }
  if (!xchg) return;
  cost_pc(c, fUse, ACC_ATOMIC);
  if (prot != old) cost_pc(parent, fChildren, ACC_ATOMIC);
}

// page_counter_charge: the peak (watermark) and the resettable local peak follow usage.
@inline function update_watermarks(c: i32, usage: i64): void {
  if (cost_on) cost_watermarks(c, usage);
  // page_counter_try_charge's watermark tests, branch-free (p8): both fields stored back on every
  // level with the values the two nested tests give (the branch was mispredicted on mix (b)'s walks)
  const lwm = pc_field(c, PCF_LOCAL_WATERMARK);
  const wm = pc_field(c, PCF_WATERMARK);
  const up = usage > lwm;
  pc_set_field(c, PCF_LOCAL_WATERMARK, select<i64>(usage, lwm, up));
  pc_set_field(c, PCF_WATERMARK, select<i64>(usage, wm, up & (usage > wm)));
}

function cost_watermarks(c: i32, usage: i64): void {
  cost_pc(c, PCF_LOCAL_WATERMARK, ACC_READ);
  if (usage > pc_field(c, PCF_LOCAL_WATERMARK)) cost_pc(c, PCF_LOCAL_WATERMARK, ACC_WRITE);
}

// propagate_protected_usage from a charge or uncharge level. The -cost build tests the skip
// here: there the walk carries the cost calls, wasm-opt no longer inlines it, and a call per
// level only to return at once cost more than the costing (the other build is unchanged).
@inline function propagate_level(c: i32, usage: i64): void {
  if (cost_on && no_protection()) cost_unprotected(c);
  else propagate_protected_usage(c, usage);
}

/** page_counter_cancel: take pages back from one level; more uncharges than charges clamp to 0. */
export function page_counter_cancel(c: i32, n: i64): void {
  if (cost_on) cost_pc(c, PCF_USAGE, ACC_ATOMIC); // atomic_long_sub_return
  let usage = pc_usage(c) - n;
  if (usage < 0) usage = 0; // page_counter_cancel: WARN_ONCE, then reset to 0
  pc_set_field(c, PCF_USAGE, usage);
  if (track_protection(c)) propagate_level(c, usage);
}

/** page_counter_charge: charge every level up to the root, ignoring limits. */
export function page_counter_charge(counter: i32, n: i64): void {
  const prot = track_protection(counter);
  for (let c = counter; c >= 0; c = pc_parent(c)) {
    if (cost_on) cost_pc(c, PCF_USAGE, ACC_ATOMIC); // atomic_long_add_return
    const usage = pc_usage(c) + n;
    pc_set_field(c, PCF_USAGE, usage);
    if (prot) propagate_level(c, usage);
    update_watermarks(c, usage);
    sim_inc(SIM_COUNTER_LEVELS, 1);
    if (cost_on) cost_pc_parent(c);
  }
}

/**
 * page_counter_try_charge: charge each level speculatively from counter up to the root.
 * Returns -1 on success, else the id of the level whose max was exceeded; that level's
 * failcnt is raised (if the charged counter tracks it) and the levels below it are
 * cancelled again.
 */
export function page_counter_try_charge(counter: i32, n: i64): i32 {
  const prot = track_protection(counter);
  const failcnt = track_failcnt(counter);
  let c = counter;
  for (; c >= 0; c = pc_parent(c)) {
    sim_inc(SIM_COUNTER_LEVELS, 1);
    if (cost_on) cost_pc_try_level(c); // atomic_long_add_return, then read max
    const usage = pc_usage(c) + n;
    if (usage > pc_field(c, PCF_MAX)) {
      if (cost_on) cost_pc(c, PCF_USAGE, ACC_ATOMIC); // atomic_long_sub
      if (failcnt) {
        if (cost_on) cost_pc(c, PCF_FAILCNT, ACC_WRITE); // data_race(c->failcnt++)
        pc_set_field(c, PCF_FAILCNT, pc_field(c, PCF_FAILCNT) + 1);
      }
      break;
    }
    pc_set_field(c, PCF_USAGE, usage);
    if (prot) propagate_level(c, usage);
    update_watermarks(c, usage);
    if (cost_on) cost_pc_parent_hit(); // c->parent: its line was read above (max; before 2022 the watermark's)
  }
  if (c < 0) return -1;
  const fail = c;
  for (let l = counter; l != fail; l = pc_parent(l)) page_counter_cancel(l, n);
  return fail;
}

/** page_counter_uncharge: cancel on every level up to the root. */
export function page_counter_uncharge(counter: i32, n: i64): void {
  for (let c = counter; c >= 0; c = pc_parent(c)) {
    page_counter_cancel(c, n);
    // c->parent: propagate_protected_usage read it just now when c tracks protection
    if (cost_on) {
      if (track_protection(c)) cost_pc_parent_hit();
      else cost_pc_parent(c);
    }
  }
}

/** page_counter_set_max: refuse (EBUSY) a limit below the current usage. */
export function page_counter_set_max(c: i32, n: i64): i32 {
  if (pc_usage(c) > n) return -EBUSY;
  pc_set_field(c, PCF_MAX, n);
  return 0;
}

/** page_counter_set_min / page_counter_set_low: store, then re-propagate up the tree. */
export function page_counter_set_protection(counter: i32, field: i32, n: i64): void {
  const was = pc_field(counter, PCF_MIN) != 0 || pc_field(counter, PCF_LOW) != 0;
  pc_set_field(counter, field, n);
  const is = pc_field(counter, PCF_MIN) != 0 || pc_field(counter, PCF_LOW) != 0;
  // Counted before the walk below, so that it propagates a setting going to 0 as well.
  if (!was && is) nrProtected++;
  for (let c = counter; c >= 0; c = pc_parent(c)) propagate_protected_usage(c, pc_usage(c));
  if (was && !is) nrProtected--;
}

/** page_counter_reset_watermark: the peak restarts from the current usage. */
export function page_counter_reset_watermark(c: i32): void {
  pc_set_field(c, PCF_WATERMARK, pc_usage(c));
  pc_set_field(c, PCF_LOCAL_WATERMARK, pc_usage(c));
}

// effective_protection: share of a parent's effective protection a child may claim. All in
// u64 as the kernel's unsigned long: the products wrap modulo 2^64 exactly as there (an i64
// product wraps past 2^63 and its signed division turns the protection negative).
function effective_protection(
  usage: u64, parentUsage: u64, setting: u64, parentEffective: u64, siblingsProtected: u64, recursive: bool,
): u64 {
  const protectedPages = min(usage, setting);
  // Siblings claim more than the parent affords: scale each claim down proportionally.
  if (siblingsProtected > parentEffective) return (protectedPages * parentEffective) / siblingsProtected;
  let ep = protectedPages;
  if (!recursive) return ep;
  // memory_recursiveprot: hand out the unclaimed rest in proportion to unprotected usage.
  if (parentEffective > siblingsProtected && parentUsage > siblingsProtected && usage > protectedPages) {
    let unclaimed = parentEffective - siblingsProtected;
    unclaimed *= usage - protectedPages;
    unclaimed /= parentUsage - siblingsProtected;
    ep += unclaimed;
  }
  return ep;
}

/** page_counter_calculate_protection: emin/elow of counter for a reclaim rooted at root. */
export function page_counter_calculate_protection(root: i32, counter: i32, recursive: bool): void {
  if (root == counter) return; // the reclaim target's own effective values are ignored (stale)
  const usage = pc_usage(counter);
  if (usage == 0) return;
  const parent = pc_parent(counter);
  if (parent == root) {
    pc_set_field(counter, PCF_EMIN, pc_field(counter, PCF_MIN));
    pc_set_field(counter, PCF_ELOW, pc_field(counter, PCF_LOW));
    return;
  }
  const parentUsage = pc_usage(parent);
  pc_set_field(counter, PCF_EMIN, <i64>effective_protection(<u64>usage, <u64>parentUsage, <u64>pc_field(counter, PCF_MIN),
    <u64>pc_field(parent, PCF_EMIN), <u64>pc_field(parent, PCF_CHILDREN_MIN_USAGE), recursive));
  pc_set_field(counter, PCF_ELOW, <i64>effective_protection(<u64>usage, <u64>parentUsage, <u64>pc_field(counter, PCF_LOW),
    <u64>pc_field(parent, PCF_ELOW), <u64>pc_field(parent, PCF_CHILDREN_LOW_USAGE), recursive));
}
