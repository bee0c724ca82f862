// struct folio, only what the charge path touches: memcg_data, order, node, kind.
// memcg_data = ((memcg id + 1) << 2) | MEMCG_DATA_* flags; 0 = not charged.

import { layout_end, table_alloc, MEMORY_LIMIT } from "./layout";

export const MEMCG_DATA_OBJEXTS: u32 = 1; // bit 0: slab object extension vector (never on a user folio)
export const MEMCG_DATA_KMEM: u32 = 2; // bit 1: kernel memory (never on a user folio)
export const FOLIO_ANON: i32 = 0;
export const FOLIO_FILE: i32 = 1;
export const FOLIO_SHMEM: i32 = 2; // swap-backed page cache (tmpfs, shared anon): anon LRU, never dropped
export const HPAGE_PMD_ORDER: i32 = 9;

// Page flags the LRU and reclaim use (PG_lru, PG_active, PG_referenced, the PTE young bit
// of a mapped folio, and "swapped out": the folio id then names the task's page in swap).
export const PG_LRU: i32 = 1;
export const PG_ACTIVE: i32 = 2;
export const PG_REFERENCED: i32 = 4;
export const PG_YOUNG: i32 = 8; // pte_young: accessed through a mapping since the last scan
export const PG_SWAPPED: i32 = 16; // not resident: its contents are in swap slot folio_swap_slot()
export const PG_UNEVICTABLE: i32 = 32;
const PG_OWNED: i32 = 64; // the owner table holds the folio's task
const PG_MAPPING: i32 = 128; // folio->mapping: in a file's page cache (filemap.ts); cleared on free
const FLAGS_SHIFT: i32 = 8;

// One 16-byte record per folio, so that a charge, an uncharge or an LRU move touches one
// cache line of the folio (and one of each LRU neighbour):
//   +0  u32 memcg_data
//   +4  u32 order (bits 0-3) | kind << 4 | SPLIT_HEAD (bit 6) | SPLIT_TAIL (bit 7)
//           | PG_* flags << 8 | node << 16
//   +8  i32 lru prev         +12 i32 lru next
// The owning task and the swap slot live in side tables, read only when PG_OWNED /
// PG_SWAPPED say they are set.
const FOLIO_SHIFT: usize = 4;
export const FOLIO_STRIDE: i32 = 16;
let entries: usize = 0;
let owners: usize = 0; // i32[F]
let swapSlots: usize = 0; // i32[F]
// A large folio split by reclaim (split_folio_to_list) becomes base pages: the head keeps the
// folio's id (its first page) and stays the handle of the whole range; the other pages get
// new ids, chained in page order from the head (splitNext), marked SPLIT_TAIL. Freeing or
// touching the head acts on every page of the range; a tail id is not a handle (EINVAL).
const SPLIT_HEAD: i32 = 64;
const SPLIT_TAIL: i32 = 128;
let splitNext: usize = 0; // i32[F]: the next page of a split range, -1 after the last
let freeStack: usize = 0; // i32[F]: ids freed, LIFO
let nfree: i32 = 0;
let nextFresh: i32 = 0;
export let max_folios: i32 = 0;

@inline function rec(id: i32): usize {
  return entries + (<usize>id << FOLIO_SHIFT);
}

/** Bytes per folio over the five folio tables (record, owner, swap slot, split chain, free list). */
export const FOLIO_BYTES: i32 = FOLIO_STRIDE + 16;
let maxFit: u64 = 0;

/** How many folios fit in the wasm32 memory beside the other tables of this configuration. */
export function folio_max_fit(): f64 {
  return <f64>maxFit;
}

// Where the five folio tables of n entries end when they start at c (as table_alloc lays them).
function folio_tables_end(c: u64, n: u64): u64 {
  let e = c;
  e = ((e + 63) & ~63) + n * <u64>FOLIO_STRIDE;
  for (let i = 0; i < 4; i++) e = ((e + 63) & ~63) + n * 4;
  return e;
}

export function folio_table_init(n: i32): bool {
  // The folio tables come last: the rest of the 4 GiB bounds them.
  const c = layout_end();
  let fit: u64 = c < MEMORY_LIMIT ? (MEMORY_LIMIT - c) / <u64>FOLIO_BYTES : 0;
  while (fit > 0 && folio_tables_end(c, fit) > MEMORY_LIMIT) fit--;
  maxFit = fit;
  max_folios = n;
  entries = table_alloc("folio records", n, FOLIO_STRIDE);
  owners = table_alloc("folio owners", n, 4);
  swapSlots = table_alloc("folio swap slots", n, 4);
  splitNext = table_alloc("folio split chain", n, 4);
  freeStack = table_alloc("folio free list", n, 4);
  return entries != 0 && freeStack != 0;
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
  store<i32>(rec(id), folio_new_info(order, kind, node), 4);
  return id;
}

/** The folio's second record word (order, kind, split bits, PG_* flags, node), for the *_info helpers. */
@inline export function folio_info(id: i32): i32 {
  return load<i32>(rec(id), 4);
}
@inline export function folio_set_info(id: i32, info: i32): void {
  store<i32>(rec(id), info, 4);
}
/** The record word folio_alloc writes for a new folio (no flags, no split bits). */
@inline export function folio_new_info(order: i32, kind: i32, node: i32): i32 {
  return order | (kind << 4) | (node << 16);
}
/** A record word of a resident folio that was never split (no range to walk, no swap entry). */
@inline export function info_single_resident(info: i32): bool {
  return (info & (SPLIT_HEAD | SPLIT_TAIL | (PG_SWAPPED << FLAGS_SHIFT))) == 0;
}
/** folio_order, folio_kind, folio_nid and folio_flags of a record word. */
@inline export function info_order(info: i32): i32 {
  return info & 0xf;
}
@inline export function info_kind(info: i32): i32 {
  return (info >> 4) & 3;
}
@inline export function info_nid(info: i32): i32 {
  return info >>> 16;
}
@inline export function info_flags(info: i32): i32 {
  return (info >> FLAGS_SHIFT) & 0x3f;
}
/** folio_set_flags on a record word. */
@inline export function info_with_flags(info: i32, f: i32): i32 {
  return (info & ~(0x3f << FLAGS_SHIFT)) | ((f & 0x3f) << FLAGS_SHIFT);
}

/**
 * Zero every byte this system wrote, so that another instance can take its memory (the host's
 * System.dispose pools it; not a kernel function): all below the folio tables (static data,
 * the runtime heap, the other tables, the host's op buffer), and of each folio table the
 * entries of the ids handed out so far (folio_valid: fresh ids go in order, and no entry of an
 * id from nextFresh on was ever written, so their untouched pages stay untouched).
 */
export function memory_scrub(): void {
  const n = <usize>nextFresh;
  memory.fill(0, 0, entries);
  memory.fill(entries, 0, n << FOLIO_SHIFT);
  memory.fill(owners, 0, n << 2);
  memory.fill(swapSlots, 0, n << 2);
  memory.fill(splitNext, 0, n << 2);
  memory.fill(freeStack, 0, n << 2);
}

/** Ids folio_alloc can still hand out. */
export function folio_ids_left(): i32 {
  return nfree + (max_folios - nextFresh);
}

export function folio_free(id: i32): void {
  folio_free_info(id, folio_info(id));
}
/** folio_free of a folio whose record word is info. */
@inline export function folio_free_info(id: i32, info: i32): void {
  const r = rec(id);
  store<u32>(r, 0);
  store<i32>(r, info & ~((0xff << FLAGS_SHIFT) | SPLIT_HEAD | SPLIT_TAIL), 4);
  store<i32>(freeStack + (<usize>nfree << 2), id);
  nfree++;
}

@inline export function folio_valid(id: i32): bool {
  return id >= 0 && id < nextFresh;
}
@inline export function folio_memcg_data(id: i32): u32 {
  return load<u32>(rec(id));
}
/** commit_charge: folio->memcg_data = memcg (no flag bits for a user folio). */
@inline export function folio_set_memcg(id: i32, memcg: i32): void {
  store<u32>(rec(id), <u32>(memcg + 1) << 2);
}
/** folio_memcg: the charged memcg id, -1 if not charged. */
@inline export function folio_memcg(id: i32): i32 {
  return <i32>(folio_memcg_data(id) >> 2) - 1;
}
@inline export function folio_order(id: i32): i32 {
  return info_order(folio_info(id));
}
@inline export function folio_kind(id: i32): i32 {
  return info_kind(folio_info(id));
}
@inline export function folio_nid(id: i32): i32 {
  return info_nid(folio_info(id));
}
/** Where folio_nid(id) reads (the u32 at +4, node << 16): the cost model reads it only if it needs the node. */
@inline export function folio_nid_at(id: i32): usize {
  return rec(id) + 4;
}
/** Layout: base of the folio table; memcg_data of folio id is the u32 at base + id × stride. */
export function layout_folio_table(): usize {
  return entries;
}

@inline export function folio_set_data(id: i32, data: u32): void {
  store<u32>(rec(id), data);
}
/** The folio's PG_* flags. */
@inline export function folio_flags(id: i32): i32 {
  return info_flags(folio_info(id));
}
/** Set the PG_* flags (the owner mark is kept). */
@inline export function folio_set_flags(id: i32, f: i32): void {
  folio_set_info(id, info_with_flags(folio_info(id), f));
}
@inline export function folio_test(id: i32, f: i32): bool {
  return (folio_flags(id) & f) != 0;
}
/** The task whose page this is, -1 for none. */
@inline export function folio_owner(id: i32): i32 {
  return folio_owner_info(id, folio_info(id));
}
/** folio_owner of a folio whose record word is info. */
@inline export function folio_owner_info(id: i32, info: i32): i32 {
  return (info & (PG_OWNED << FLAGS_SHIFT)) != 0 ? load<i32>(owners + (<usize>id << 2)) : -1;
}
@inline export function folio_set_owner(id: i32, t: i32): void {
  const p = rec(id) + 4;
  if (t < 0) {
    store<i32>(p, load<i32>(p) & ~(PG_OWNED << FLAGS_SHIFT));
    return;
  }
  store<i32>(owners + (<usize>id << 2), t);
  store<i32>(p, load<i32>(p) | (PG_OWNED << FLAGS_SHIFT));
}
@inline export function folio_swap_slot(id: i32): i32 {
  return load<i32>(swapSlots + (<usize>id << 2));
}
@inline export function folio_set_swap_slot(id: i32, slot: i32): void {
  store<i32>(swapSlots + (<usize>id << 2), slot);
}
/** Where a folio was placed: the node is kept when it is swapped back in elsewhere. */
export function folio_set_node(id: i32, node: i32): void {
  const p = rec(id) + 4;
  store<i32>(p, (load<i32>(p) & 0xffff) | (node << 16));
}
@inline export function folio_lru_prev(id: i32): i32 {
  return load<i32>(rec(id), 8);
}
@inline export function folio_lru_next(id: i32): i32 {
  return load<i32>(rec(id), 12);
}
@inline export function folio_set_lru_links(id: i32, prev: i32, next: i32): void {
  store<i32>(rec(id), prev, 8);
  store<i32>(rec(id), next, 12);
}
@inline export function folio_set_lru_prev(id: i32, prev: i32): void {
  store<i32>(rec(id), prev, 8);
}
@inline export function folio_set_lru_next(id: i32, next: i32): void {
  store<i32>(rec(id), next, 12);
}

/** folio->mapping is set: the folio is (or, swapped out, stays) in a file's page cache. */
@inline export function folio_test_mapping(id: i32): bool {
  return (load<i32>(rec(id), 4) & (PG_MAPPING << FLAGS_SHIFT)) != 0;
}
@inline export function folio_set_mapping(id: i32, on: bool): void {
  const p = rec(id) + 4;
  store<i32>(p, on ? load<i32>(p) | (PG_MAPPING << FLAGS_SHIFT) : load<i32>(p) & ~(PG_MAPPING << FLAGS_SHIFT));
}
/** folio_test_swapbacked: anon and shmem (reclaim swaps them; page cache is dropped). */
@inline export function folio_swapbacked(id: i32): bool {
  return folio_kind(id) != FOLIO_FILE;
}

/** Folio ids handed out so far (ids below this are valid). */
export function folio_count(): i32 {
  return nextFresh;
}

/** The folio is the first page of a split range (the handle of all of it). */
@inline export function folio_split_head(id: i32): bool {
  return (load<i32>(rec(id), 4) & SPLIT_HEAD) != 0;
}
/** The folio is a later page of a split range (not a handle). */
@inline export function folio_split_tail(id: i32): bool {
  return (load<i32>(rec(id), 4) & SPLIT_TAIL) != 0;
}
/** The next page of id's split range, -1 after the last page or for a folio never split. */
@inline export function folio_split_next(id: i32): i32 {
  return (load<i32>(rec(id), 4) & (SPLIT_HEAD | SPLIT_TAIL)) != 0 ? load<i32>(splitNext + (<usize>id << 2)) : -1;
}

/**
 * The n base folios at ids (charged, in page order) are one range with ids[0] its handle, as a
 * split leaves them: a THP fault that fell back to base pages (thp_fault.ts) faulted them in
 * one 2 MiB range, and freeing or touching the range acts on each page.
 */
export function folio_chain(ids: usize, n: i32): void {
  if (n < 2) return;
  for (let i = 0; i < n; i++) {
    const id = load<i32>(ids + (<usize>i << 2));
    store<i32>(rec(id), load<i32>(rec(id), 4) | (i == 0 ? SPLIT_HEAD : SPLIT_TAIL), 4);
    store<i32>(splitNext + (<usize>id << 2), i + 1 < n ? load<i32>(ids + (<usize>(i + 1) << 2)) : -1);
  }
}

/**
 * The page-table and memcg side of split_folio_to_list for an isolated folio of 2^order pages:
 * id becomes its first base page, ids[0 .. 2^order - 2] receive new folios for the others
 * (same memcg, kind, node, owner and page flags; __split_folio_to_order copies the flags).
 * The caller checked folio_ids_left(). The range's pages are chained from id.
 */
export function folio_split_ids(id: i32, ids: StaticArray<i32>): i32 {
  const order = folio_order(id);
  const n = (1 << order) - 1;
  const info = load<i32>(rec(id), 4);
  const kind = (info >> 4) & 3;
  const node = info >>> 16;
  const flags = folio_flags(id);
  const owner = folio_owner(id);
  const data = folio_memcg_data(id);
  let prev = id;
  for (let i = 0; i < n; i++) {
    const t = folio_alloc(0, kind, node);
    unchecked((ids[i] = t));
    folio_set_data(t, data);
    folio_set_flags(t, flags);
    if (owner >= 0) folio_set_owner(t, owner);
    store<i32>(rec(t), load<i32>(rec(t), 4) | SPLIT_TAIL, 4);
    store<i32>(splitNext + (<usize>prev << 2), t);
    prev = t;
  }
  store<i32>(splitNext + (<usize>prev << 2), -1);
  // The head: order 0, the first page of the range. (Only a charge makes a large folio, so
  // a split page is never split again.)
  store<i32>(rec(id), (info & ~0xf) | SPLIT_HEAD, 4);
  return n;
}

/** A resident folio charged to a memcg. */
@inline export function folio_charged(id: i32): bool {
  return folio_valid(id) && folio_memcg_data(id) != 0;
}
/** A task's page in swap (the folio id names it). */
@inline export function folio_swapped(id: i32): bool {
  return folio_valid(id) && folio_test(id, PG_SWAPPED);
}
