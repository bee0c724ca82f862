// Per-memcg per-node LRU lists (struct lruvec; include/linux/mm_inline.h). Each list is a
// doubly linked list of folio ids: new folios go to the head (lruvec_add_folio), reclaim
// takes from the tail (isolate_lru_folios). Sizes are kept per list and, as the kernel does
// in update_lru_size, counted in the memcg's NR_{IN,}ACTIVE_{ANON,FILE} / NR_UNEVICTABLE
// statistics (which memory.stat shows after a flush).

import {
  FOLIO_ANON, FOLIO_FILE, PG_ACTIVE, PG_LRU, PG_UNEVICTABLE, folio_info, folio_lru_next, folio_lru_prev, folio_nid_at,
  folio_set_info, folio_set_lru_links, folio_set_lru_next, folio_set_lru_prev, info_flags, info_kind, info_nid, info_order,
  info_with_flags,
} from "./folio";
import { table_alloc } from "./layout";
import { NR_LRU_BASE, stat_mod } from "./rstat";
import { nr_nodes } from "./topology";
import { cost_folio, cost_lruvec, cost_on } from "./cost_model";

// enum lru_list
export const LRU_INACTIVE_ANON: i32 = 0;
export const LRU_ACTIVE_ANON: i32 = 1;
export const LRU_INACTIVE_FILE: i32 = 2;
export const LRU_ACTIVE_FILE: i32 = 3;
export const LRU_UNEVICTABLE: i32 = 4;
export const NR_LRU_LISTS: i32 = 5;

let heads: usize = 0; // i32[M][nodes][NR_LRU_LISTS], -1 = empty
let tails: usize = 0;
let sizes: usize = 0; // i64[M][nodes][NR_LRU_LISTS], pages

export function lru_init(maxMemcgs: i32): bool {
  const n = <u64>maxMemcgs * <u64>nr_nodes * NR_LRU_LISTS;
  heads = table_alloc("lru heads", n, 4);
  tails = table_alloc("lru tails", n, 4);
  sizes = table_alloc("lru sizes", n, 8);
  if (sizes == 0) return false;
  for (let i: usize = 0; i < <usize>n; i++) {
    store<i32>(heads + (i << 2), -1);
    store<i32>(tails + (i << 2), -1);
  }
  return true;
}

@inline function idx(m: i32, node: i32, lru: i32): usize {
  return (<usize>m * <usize>nr_nodes + <usize>node) * NR_LRU_LISTS + <usize>lru;
}

/** folio_lru_list: the list a folio belongs on from its kind and flags. */
export function folio_lru_list(id: i32): i32 {
  return info_lru_list(folio_info(id));
}
// folio_lru_list of a folio record word.
@inline function info_lru_list(info: i32): i32 {
  const f = info_flags(info);
  if ((f & PG_UNEVICTABLE) != 0) return LRU_UNEVICTABLE;
  const base = info_kind(info) != FOLIO_FILE ? LRU_INACTIVE_ANON : LRU_INACTIVE_FILE; // shmem is swap-backed: anon lists
  return (f & PG_ACTIVE) != 0 ? base + 1 : base;
}

/** The size of an LRU list in pages (lruvec_page_state of the list's item, exact). */
export function lru_size(m: i32, node: i32, lru: i32): i64 {
  return load<i64>(sizes + (idx(m, node, lru) << 3));
}
export function lru_head(m: i32, node: i32, lru: i32): i32 {
  return load<i32>(heads + (idx(m, node, lru) << 2));
}
export function lru_tail(m: i32, node: i32, lru: i32): i32 {
  return load<i32>(tails + (idx(m, node, lru) << 2));
}

// update_lru_size: the list's size and the memcg's LRU statistic.
function update_size(m: i32, node: i32, lru: i32, nr: i64, cpu: i32): void {
  const p = sizes + (idx(m, node, lru) << 3);
  store<i64>(p, load<i64>(p) + nr);
  stat_mod(m, node, NR_LRU_BASE + lru, nr, cpu);
}

/** lruvec_add_folio: put the folio at the head of its list in m's lruvec (tail: at the tail). */
export function lru_add(m: i32, id: i32, cpu: i32, atTail: bool): void {
  lru_add_info(m, id, cpu, atTail, folio_info(id));
}
/** lru_add of a folio whose record word is info (the caller holds it: no reload). */
@inline export function lru_add_info(m: i32, id: i32, cpu: i32, atTail: bool, info: i32): void {
  const node = info_nid(info);
  const lru = info_lru_list(info);
  const i = idx(m, node, lru);
  const head = load<i32>(heads + (i << 2));
  const tail = load<i32>(tails + (i << 2));
  if (cost_on) {
    cost_lruvec(m, node); // lru_lock and the list head
    const nb = atTail ? tail : head;
    if (nb >= 0) cost_folio(nb, folio_nid_at(nb));
  }
  if (head < 0) {
    folio_set_lru_links(id, -1, -1);
    store<i32>(heads + (i << 2), id);
    store<i32>(tails + (i << 2), id);
  } else if (atTail) {
    folio_set_lru_links(id, tail, -1);
    folio_set_lru_next(tail, id);
    store<i32>(tails + (i << 2), id);
  } else {
    folio_set_lru_links(id, -1, head);
    folio_set_lru_prev(head, id);
    store<i32>(heads + (i << 2), id);
  }
  folio_set_info(id, info_with_flags(info, info_flags(info) | PG_LRU));
  update_size(m, node, lru, <i64>1 << info_order(info), cpu);
}

/** lruvec_del_folio: take the folio off its list (it must be on one). */
export function lru_del(m: i32, id: i32, cpu: i32): void {
  lru_del_info(m, id, cpu, folio_info(id));
}
/** lru_del of a folio whose record word is info; the word it leaves (PG_LRU clear). */
@inline export function lru_del_info(m: i32, id: i32, cpu: i32, info: i32): i32 {
  const node = info_nid(info);
  const lru = info_lru_list(info);
  const i = idx(m, node, lru);
  const prev = folio_lru_prev(id);
  const next = folio_lru_next(id);
  if (cost_on) {
    cost_lruvec(m, node);
    if (prev >= 0) cost_folio(prev, folio_nid_at(prev));
    if (next >= 0) cost_folio(next, folio_nid_at(next));
  }
  if (prev >= 0) folio_set_lru_next(prev, next);
  else store<i32>(heads + (i << 2), next);
  if (next >= 0) folio_set_lru_prev(next, prev);
  else store<i32>(tails + (i << 2), prev);
  const left = info_with_flags(info, info_flags(info) & ~PG_LRU);
  folio_set_info(id, left);
  update_size(m, node, lru, -(<i64>1 << info_order(info)), cpu);
  return left;
}
