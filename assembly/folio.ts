// struct folio, only what the charge path touches: memcg_data, order, node, kind.
// memcg_data = ((memcg id + 1) << 2) | MEMCG_DATA_* flags; 0 = not charged.

import { table_alloc } from "./layout";

export const MEMCG_DATA_OBJEXTS: u32 = 1; // bit 0: slab object extension vector (never on a user folio)
export const MEMCG_DATA_KMEM: u32 = 2; // bit 1: kernel memory (never on a user folio)
export const FOLIO_ANON: i32 = 0;
export const FOLIO_FILE: i32 = 1;
export const HPAGE_PMD_ORDER: i32 = 9;

// Page flags the LRU and reclaim use (PG_lru, PG_active, PG_referenced, the PTE young bit
// of a mapped folio, and "swapped out": the folio id then names the task's page in swap).
export const PG_LRU: i32 = 1;
export const PG_ACTIVE: i32 = 2;
export const PG_REFERENCED: i32 = 4;
export const PG_YOUNG: i32 = 8; // pte_young: accessed through a mapping since the last scan
export const PG_SWAPPED: i32 = 16; // not resident: its contents are in swap slot folio_swap_slot()
export const PG_UNEVICTABLE: i32 = 32;

// One 8-byte entry per folio: memcg_data (u32), then order | kind << 8 | node << 16; and
// side tables for the LRU links, the flags, the owning task and the swap slot.
let entries: usize = 0;
let lruPrev: usize = 0; // i32[F]
let lruNext: usize = 0; // i32[F]
let pflags: usize = 0; // i32[F]
let owner: usize = 0; // i32[F]: task id, -1 = none
let swapSlot: usize = 0; // i32[F]
let freeStack: usize = 0; // i32[F]: ids freed, LIFO
let nfree: i32 = 0;
let nextFresh: i32 = 0;
export let max_folios: i32 = 0;

export function folio_table_init(n: i32): bool {
  max_folios = n;
  entries = table_alloc(<usize>n * 8);
  freeStack = table_alloc(<usize>n * 4);
  lruPrev = table_alloc(<usize>n * 4);
  lruNext = table_alloc(<usize>n * 4);
  pflags = table_alloc(<usize>n * 4);
  owner = table_alloc(<usize>n * 4);
  swapSlot = table_alloc(<usize>n * 4);
  return swapSlot != 0 && freeStack != 0;
}

/** Allocate a folio id: the most recently freed one, else the next fresh one; -1 when full. */
export function folio_alloc(order: i32, kind: i32, node: i32): i32 {
  let id: i32;
  if (nfree > 0) {
    nfree--;
    id = load<i32>(freeStack + (<usize>nfree << 2));
  }
  else if (nextFresh < max_folios) id = nextFresh++;
  else return -1;
  store<i32>(entries + (<usize>id << 3), order | (kind << 8) | (node << 16), 4);
  store<i32>(pflags + (<usize>id << 2), 0);
  store<i32>(owner + (<usize>id << 2), -1);
  return id;
}

export function folio_free(id: i32): void {
  store<u32>(entries + (<usize>id << 3), 0);
  store<i32>(pflags + (<usize>id << 2), 0);
  store<i32>(freeStack + (<usize>nfree << 2), id);
  nfree++;
}

@inline export function folio_valid(id: i32): bool {
  return id >= 0 && id < nextFresh;
}
@inline export function folio_memcg_data(id: i32): u32 {
  return load<u32>(entries + (<usize>id << 3));
}
/** commit_charge: folio->memcg_data = memcg (no flag bits for a user folio). */
@inline export function folio_set_memcg(id: i32, memcg: i32): void {
  store<u32>(entries + (<usize>id << 3), <u32>(memcg + 1) << 2);
}
/** folio_memcg: the charged memcg id, -1 if not charged. */
@inline export function folio_memcg(id: i32): i32 {
  return <i32>(folio_memcg_data(id) >> 2) - 1;
}
@inline export function folio_order(id: i32): i32 {
  return load<i32>(entries + (<usize>id << 3), 4) & 0xff;
}
@inline export function folio_kind(id: i32): i32 {
  return (load<i32>(entries + (<usize>id << 3), 4) >> 8) & 0xff;
}
@inline export function folio_nid(id: i32): i32 {
  return load<i32>(entries + (<usize>id << 3), 4) >>> 16;
}
/** Layout: base of the folio table; memcg_data of folio id is the u32 at base + id × stride. */
export function layout_folio_table(): usize {
  return entries;
}
export const FOLIO_STRIDE: i32 = 8;

@inline export function folio_set_data(id: i32, data: u32): void {
  store<u32>(entries + (<usize>id << 3), data);
}

@inline export function folio_flags(id: i32): i32 {
  return load<i32>(pflags + (<usize>id << 2));
}
@inline export function folio_set_flags(id: i32, f: i32): void {
  store<i32>(pflags + (<usize>id << 2), f);
}
@inline export function folio_test(id: i32, f: i32): bool {
  return (folio_flags(id) & f) != 0;
}
@inline export function folio_owner(id: i32): i32 {
  return load<i32>(owner + (<usize>id << 2));
}
@inline export function folio_set_owner(id: i32, t: i32): void {
  store<i32>(owner + (<usize>id << 2), t);
}
@inline export function folio_swap_slot(id: i32): i32 {
  return load<i32>(swapSlot + (<usize>id << 2));
}
@inline export function folio_set_swap_slot(id: i32, slot: i32): void {
  store<i32>(swapSlot + (<usize>id << 2), slot);
}
/** Where a folio was placed: the node is kept when it is swapped back in elsewhere. */
export function folio_set_node(id: i32, node: i32): void {
  const p = entries + (<usize>id << 3) + 4;
  store<i32>(p, (load<i32>(p) & 0xffff) | (node << 16));
}
@inline export function folio_lru_prev(id: i32): i32 {
  return load<i32>(lruPrev + (<usize>id << 2));
}
@inline export function folio_lru_next(id: i32): i32 {
  return load<i32>(lruNext + (<usize>id << 2));
}
@inline export function folio_set_lru_links(id: i32, prev: i32, next: i32): void {
  store<i32>(lruPrev + (<usize>id << 2), prev);
  store<i32>(lruNext + (<usize>id << 2), next);
}
@inline export function folio_set_lru_prev(id: i32, prev: i32): void {
  store<i32>(lruPrev + (<usize>id << 2), prev);
}
@inline export function folio_set_lru_next(id: i32, next: i32): void {
  store<i32>(lruNext + (<usize>id << 2), next);
}

/** Folio ids handed out so far (ids below this are valid). */
export function folio_count(): i32 {
  return nextFresh;
}
