// Files and their page cache (mm/filemap.c, mm/shmem.c, lib/xarray.c): a file's folios are
// entries of its xarray (struct address_space i_pages), whose nodes are kernel memory
// (radix_tree_node, charged to the task that inserts); filemap_read with readahead,
// tmpfs writes, mmap faults (NR_FILE_MAPPED, PTE pages), truncate and unlink.
// docs/kernel-memory.md §2 (xarray nodes), §3 (readahead), §4 (shmem).
//
// One open-addressing table in linear memory holds every file's entries and nodes:
//   key  = (file + 1) << 40 | level << 36 | index     (0 = empty slot)
//   level 0: a folio entry at its head index; value = folio id | order << 32 | PG_readahead << 40
//   level L ≥ 1: the xarray node covering 64^L indices from index × 64^L;
//            value = entries and child nodes in it | (objcg + 1) << 32 | numa node << 48
// A folio that reclaim dropped (page cache) leaves its entry behind, as the kernel leaves a
// shadow entry, so its nodes stay; an entry is live while its folio id still carries
// folio->mapping for this file and index.

import { table_alloc } from "./layout";
import { pagevec_size } from "./profile";
import { EEXIST, EINTR, EINVAL, ENOENT, ENOMEM, ENOSPC } from "./errno";
import {
  FOLIO_FILE, FOLIO_SHMEM, PG_REFERENCED, PG_SWAPPED, PG_YOUNG, PG_ACTIVE, folio_flags, folio_memcg, folio_nid, folio_order,
  folio_set_flags, folio_set_mapping, folio_test_mapping, folio_valid, max_folios,
} from "./folio";
import { folio_touch, mem_cgroup_charge_memcg } from "./charge";
import { mem_cgroup_uncharge } from "./uncharge";
import { memcg_obj_cgroup, memcg_slab_alloc, memcg_slab_free } from "./objcg";
import { page_cache_async_ra, page_cache_sync_ra, ra_prev_pos, ra_reset, ra_set_prev_pos, readahead_init } from "./readahead";
import { NR_FILE_MAPPED, stat_mod } from "./rstat";
import { task_memcg } from "./task";
import { task_pte_alloc } from "./pgtable";
import { cpu_to_node, nr_cpus } from "./topology";
import { memcg_online } from "./memcg";

export const FILE_DISK: i32 = 0; // a regular file on a disk filesystem (ext4/xfs)
export const FILE_TMPFS: i32 = 1; // a tmpfs file: shmem folios
export const FILE_SHARED_ANON: i32 = 2; // MAP_SHARED|MAP_ANONYMOUS: shmem freed with its mapping

export const MAX_FILES: i32 = 4096;
/** Page indexes a file can have: its xarray keys hold 36 bits of index (mkkey); sizes beyond are EINVAL. */
export const FILE_PAGES_MAX: f64 = 68719476736; // 2^36 pages, 256 TiB
const FILE_BYTES_MAX: i64 = <i64>1 << 48;
const MAX_FILES_C: i32 = 4096;
const RADIX_TREE_NODE_SIZE: i64 = 584; // radix_tree_node s->size (576-byte object), SLAB_RECLAIM_ACCOUNT
const SHMEM_INODE_SIZE: i64 = 752; // shmem_inode_cache s->size, SLAB_ACCOUNT
const DENTRY_SIZE: i64 = 192; // dentry s->size, SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT
const XA_CHUNK_SHIFT: i32 = 6;
const PAGE_SHIFT: i32 = 12;

let cap: i32 = 0; // table slots (a power of two)
let keys: usize = 0; // i64[cap]
let vals: usize = 0; // i64[cap]
let used: i32 = 0;
// The reverse map (folio->mapping, folio->index) lives in the same table under the key
// RMAP_KEY | folio id: value = file | mapped << 16 | index << 20 ("mapped": NR_FILE_MAPPED
// counted for it).
const RMAP_KEY: i64 = (<i64>(MAX_FILES_C + 1)) << 40;

let fLive: usize = 0; // i32[files]
let fKind: usize = 0; // i32
let fSize: usize = 0; // i64: i_size, bytes
let fMaxOrder: usize = 0; // i32: mapping_max_folio_order
let fRaPages: usize = 0; // i32: ra->ra_pages
let fIoPages: usize = 0; // i32: bdi->io_pages
let fHeight: usize = 0; // i32: xarray height (0: at most one order-0 entry at index 0, in xa_head)
let fEntries: usize = 0; // i32: entries (live and shadow)
let fInodeObjcg: usize = 0; // i32: objcg charged for the tmpfs inode + dentry, -1 none
let fInodeNode: usize = 0; // i32
let fMapTask: usize = 0; // i32: the task that mapped it, -1 none
let fMapPte: usize = 0; // i64: last 2 MiB region of the mapping given a PTE page, -1 none
let nextFile: i32 = 0;

// The charging context of the current file operation.
let curTask: i32 = -1;
let curMemcg: i32 = 0;
let curCpu: i32 = 0;
let curGfp: i32 = 0;
let curObjcg: i32 = -1;
let curKind: i32 = FOLIO_FILE;

export function filemap_init(maxEntries: i32): bool {
  let c = 16;
  while (c < maxEntries * 2) c <<= 1;
  cap = c;
  keys = table_alloc("page cache keys", c, 8);
  vals = table_alloc("page cache values", c, 8);
  const n = <u64>MAX_FILES;
  fLive = table_alloc("file live", n, 4);
  fKind = table_alloc("file kind", n, 4);
  fSize = table_alloc("file size", n, 8);
  fMaxOrder = table_alloc("file max order", n, 4);
  fRaPages = table_alloc("file ra_pages", n, 4);
  fIoPages = table_alloc("file io_pages", n, 4);
  fHeight = table_alloc("file xarray height", n, 4);
  fEntries = table_alloc("file entries", n, 4);
  fInodeObjcg = table_alloc("file inode objcg", n, 4);
  fInodeNode = table_alloc("file inode node", n, 4);
  fMapTask = table_alloc("file mapping task", n, 4);
  fMapPte = table_alloc("file mapping PTE pages", n, 8);
  const ra = readahead_init(MAX_FILES); // sized even when the tables above were not handed out
  return fMapPte != 0 && ra;
}

@inline function gi(t: usize, f: i32): i32 {
  return load<i32>(t + (<usize>f << 2));
}
@inline function si(t: usize, f: i32, v: i32): void {
  store<i32>(t + (<usize>f << 2), v);
}
@inline function gl(t: usize, f: i32): i64 {
  return load<i64>(t + (<usize>f << 3));
}
@inline function sl(t: usize, f: i32, v: i64): void {
  store<i64>(t + (<usize>f << 3), v);
}

export function file_valid(f: i32): bool {
  return f >= 0 && f < nextFile && gi(fLive, f) != 0;
}
export function file_last_index(f: i32): i64 {
  return (gl(fSize, f) - 1) >> PAGE_SHIFT;
}
export function file_max_order(f: i32): i32 {
  return gi(fMaxOrder, f);
}
export function file_ra_pages(f: i32): i32 {
  return gi(fRaPages, f);
}
export function file_io_pages(f: i32): i32 {
  return gi(fIoPages, f);
}

// ── the table ────────────────────────────────────────────────────────────────────────────
@inline function mkkey(f: i32, level: i32, index: i64): i64 {
  return (<i64>(f + 1) << 40) | (<i64>level << 36) | index;
}
@inline function hash(k: i64): i32 {
  return <i32>((<u64>k * 0x9E3779B97F4A7C15) >> 40) & (cap - 1);
}
// the slot holding k, or -1
function find(k: i64): i32 {
  let i = hash(k);
  while (true) {
    const x = load<i64>(keys + (<usize>i << 3));
    if (x == k) return i;
    if (x == 0) return -1;
    i = (i + 1) & (cap - 1);
  }
}
function insert(k: i64, v: i64): bool {
  if (used * 10 >= cap * 9) return false; // keep probes short; the table is full
  let i = hash(k);
  while (load<i64>(keys + (<usize>i << 3)) != 0) i = (i + 1) & (cap - 1);
  store<i64>(keys + (<usize>i << 3), k);
  store<i64>(vals + (<usize>i << 3), v);
  used++;
  return true;
}
// backward-shift deletion keeps linear probing free of tombstones
function remove_slot(i: i32): void {
  let hole = i;
  let j = i;
  while (true) {
    j = (j + 1) & (cap - 1);
    const k = load<i64>(keys + (<usize>j << 3));
    if (k == 0) break;
    const home = hash(k);
    // move k into the hole if its home is not in (hole, j]
    const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
    if (!between) {
      store<i64>(keys + (<usize>hole << 3), k);
      store<i64>(vals + (<usize>hole << 3), load<i64>(vals + (<usize>j << 3)));
      hole = j;
    }
  }
  store<i64>(keys + (<usize>hole << 3), 0);
  used--;
}
@inline function val(i: i32): i64 {
  return load<i64>(vals + (<usize>i << 3));
}
@inline function set_val(i: i32, v: i64): void {
  store<i64>(vals + (<usize>i << 3), v);
}

// ── reverse map ──────────────────────────────────────────────────────────────────────────
function rmap_get(id: i32): i64 {
  const i = find(RMAP_KEY | <i64>id);
  return i < 0 ? -1 : val(i);
}
function rmap_set(id: i32, f: i32, index: i64): bool {
  const v = <i64>f | (index << 20);
  const i = find(RMAP_KEY | <i64>id);
  if (i >= 0) {
    set_val(i, v);
    return true;
  }
  return insert(RMAP_KEY | <i64>id, v);
}
function rmap_clear(id: i32, f: i32, index: i64): void {
  const i = find(RMAP_KEY | <i64>id);
  if (i >= 0 && (val(i) & 0xffff) == <i64>f && (val(i) >> 20) == index) remove_slot(i);
}
function is_mapped(id: i32): bool {
  const v = rmap_get(id);
  return v >= 0 && ((v >> 16) & 1) != 0;
}
function set_mapped(id: i32, on: bool): void {
  const i = find(RMAP_KEY | <i64>id);
  if (i >= 0) set_val(i, on ? val(i) | (1 << 16) : val(i) & ~(<i64>1 << 16));
}

// ── xarray nodes ─────────────────────────────────────────────────────────────────────────
// xas_alloc: a node charged to the inserting task's objcg (reclaimable slab).
function node_create(f: i32, level: i32, block: i64, count: i64): i32 {
  const node = cpu_to_node(curCpu);
  if (!insert(mkkey(f, level, block), count | (<i64>(curObjcg + 1) << 32) | (<i64>node << 48))) return -ENOSPC;
  const ret = memcg_slab_alloc(curObjcg, curCpu, curGfp, RADIX_TREE_NODE_SIZE, true, node);
  if (ret < 0 || !file_valid(f)) {
    // failed, or the OOM kill it caused released this (shared anon) file meanwhile
    const i = find(mkkey(f, level, block));
    if (ret == 0) node_free(i, curCpu);
    else remove_slot(i);
    return ret < 0 ? ret : -EINTR;
  }
  return 0;
}
// xa_node_free: the node's bytes go back to the objcg that was charged.
function node_free(i: i32, cpu: i32): void {
  const v = val(i);
  const o = <i32>((v >> 32) & 0xffff) - 1;
  const node = <i32>(v >> 48);
  remove_slot(i);
  memcg_slab_free(o, cpu, RADIX_TREE_NODE_SIZE, true, node);
}
@inline function node_count(i: i32): i64 {
  return val(i) & 0xffffffff;
}
@inline function node_add(i: i32, d: i64): void {
  set_val(i, (val(i) & ~<i64>0xffffffff) | ((val(i) & 0xffffffff) + d));
}
// the height that covers index (64^h > index)
function height_for(index: i64): i32 {
  let h = 0;
  while (h < 6 && (index >> (XA_CHUNK_SHIFT * h)) != 0) h++;
  return h;
}
// the level of the node an entry of this order is stored in (shift = order − order % 6)
@inline function entry_level(order: i32): i32 {
  return order / XA_CHUNK_SHIFT + 1;
}

const created = new StaticArray<i64>(16); // keys of the nodes one store created (for undo)
let nCreated = 0;
function create(f: i32, level: i32, block: i64, count: i64): i32 {
  const ret = node_create(f, level, block, count);
  if (ret == 0) unchecked((created[nCreated++] = mkkey(f, level, block)));
  return ret;
}
// a failed store frees the nodes it made (the kernel's xas_nomem loop gives up with -ENOMEM)
function undo_created(f: i32, oldH: i32): void {
  while (nCreated > 0) {
    const i = find(unchecked(created[--nCreated]));
    if (i >= 0) node_free(i, curCpu);
  }
  si(fHeight, f, oldH);
}

/**
 * xas_store of a folio entry (xas_expand, then xas_create down to the entry's level), each
 * new node charged; all or nothing: 0, -ENOMEM, -ENOSPC (table full).
 */
function xa_store_entry(f: i32, index: i64, order: i32, folio: i32, mark: bool): i32 {
  const entries = gi(fEntries, f);
  const v = <i64>folio | (<i64>order << 32) | (mark ? <i64>1 << 40 : 0);
  if (entries == 0 && index == 0 && order == 0) {
    // xa_head holds a lone order-0 entry at index 0: no node
    if (!insert(mkkey(f, 0, 0), v)) return -ENOSPC;
    si(fEntries, f, 1);
    si(fHeight, f, 0);
    return 0;
  }
  const s = entry_level(order);
  const oldH = gi(fHeight, f);
  const need = max<i32>(max<i32>(s, height_for(index + (<i64>1 << order) - 1)), 1);
  nCreated = 0;
  let h = oldH;
  if (need > h) {
    // xas_expand: each new top node holds the old tree (or the head entry) in slot 0
    if (entries > 0) {
      for (let L = h + 1; L <= need; L++) {
        const ret = create(f, L, 0, 1);
        if (ret < 0) {
          undo_created(f, oldH);
          return ret;
        }
      }
    }
    h = need;
  }
  si(fHeight, f, h);
  // xas_create: the path from the entry's node up to the first node that exists
  let bumped = -1;
  for (let L = s; L <= h; L++) {
    const i = find(mkkey(f, L, index >> (XA_CHUNK_SHIFT * L)));
    if (i >= 0) {
      node_add(i, 1);
      bumped = i;
      break;
    }
    const ret = create(f, L, index >> (XA_CHUNK_SHIFT * L), 1);
    if (ret < 0) {
      undo_created(f, oldH);
      return ret;
    }
  }
  if (!insert(mkkey(f, 0, index), v)) {
    if (bumped >= 0) node_add(bumped, -1);
    undo_created(f, oldH);
    return -ENOSPC;
  }
  si(fEntries, f, entries + 1);
  return 0;
}

/** xas_store(NULL): the entry goes; emptied nodes are freed upwards; xas_shrink lowers the tree. */
function xa_erase_entry(f: i32, slot: i32, cpu: i32): void {
  const index = <i64>(load<i64>(keys + (<usize>slot << 3)) & ((<i64>1 << 36) - 1));
  const order = <i32>((val(slot) >> 32) & 0xff);
  remove_slot(slot);
  const entries = gi(fEntries, f) - 1;
  si(fEntries, f, entries);
  const h = gi(fHeight, f);
  for (let L = entry_level(order); L <= h; L++) {
    const i = find(mkkey(f, L, index >> (XA_CHUNK_SHIFT * L)));
    if (i < 0) break;
    node_add(i, -1);
    if (node_count(i) > 0) break;
    node_free(i, cpu);
    if (L == h) si(fHeight, f, 0);
  }
  xas_shrink(f, cpu);
}

// xas_shrink: while the top node's only occupant is in slot 0 — a node, or at the last
// level an order-0 entry at index 0 — free the top node and lower the height.
function xas_shrink(f: i32, cpu: i32): void {
  while (true) {
    const h = gi(fHeight, f);
    if (h == 0) return;
    const top = find(mkkey(f, h, 0));
    if (top < 0) {
      si(fHeight, f, 0);
      return;
    }
    if (node_count(top) != 1) return;
    if (h >= 2) {
      if (find(mkkey(f, h - 1, 0)) < 0) return; // the occupant is a multi-index entry
    } else {
      const e = find(mkkey(f, 0, 0));
      if (e < 0 || ((val(e) >> 32) & 0xff) != 0) return;
    }
    node_free(top, cpu);
    si(fHeight, f, h - 1);
  }
}

// ── entries ──────────────────────────────────────────────────────────────────────────────
// The entry slot covering index (its head is index rounded down to the entry's order), -1.
function lookup(f: i32, index: i64): i32 {
  for (let o = 0; o <= 9; o++) {
    const head = index & ~((<i64>1 << o) - 1);
    const i = find(mkkey(f, 0, head));
    if (i >= 0 && <i32>((val(i) >> 32) & 0xff) >= o) return i;
  }
  return -1;
}
@inline function entry_folio(i: i32): i32 {
  return <i32>(val(i) & 0xffffffff);
}
// a live entry: its folio still belongs to this file at this index (else it is a shadow)
function entry_live(f: i32, i: i32): bool {
  const id = entry_folio(i);
  const index = load<i64>(keys + (<usize>i << 3)) & ((<i64>1 << 36) - 1);
  if (!folio_valid(id) || !folio_test_mapping(id)) return false;
  const v = rmap_get(id);
  return v >= 0 && (v & 0xffff) == <i64>f && (v >> 20) == index;
}

/**
 * filemap_add_folio / shmem_add_to_page_cache: charge a new folio of the current context's
 * kind at index and store it (shadows in its range are replaced). Its id, or -errno.
 */
function add_folio(f: i32, index: i64, order: i32, mark: bool): i32 {
  const nr = <i64>1 << order;
  for (let j: i64 = 0; j < nr; j++) {
    const e = lookup(f, index + j);
    if (e < 0) continue;
    if (entry_live(f, e)) return -EEXIST;
    const key = load<i64>(keys + (<usize>e << 3));
    rmap_clear(entry_folio(e), f, key & ((<i64>1 << 36) - 1)); // may move slots: find again
    xa_erase_entry(f, find(key), curCpu); // the shadow is overwritten
  }
  const id = mem_cgroup_charge_memcg(curMemcg, curCpu, order, curKind, curGfp, -1, curTask);
  if (id < 0) return id;
  if (!file_valid(f)) {
    mem_cgroup_uncharge(id, curCpu); // the charge's OOM kill released the file
    return -EINTR;
  }
  // A readahead folio is not referenced yet: the read marks it accessed.
  folio_set_flags(id, folio_flags(id) & ~PG_REFERENCED);
  const ret = xa_store_entry(f, index, order, id, mark);
  if (ret < 0) {
    mem_cgroup_uncharge(id, curCpu);
    return ret;
  }
  if (!rmap_set(id, f, index)) {
    xa_erase_entry(f, find(mkkey(f, 0, index)), curCpu);
    mem_cgroup_uncharge(id, curCpu);
    return -ENOSPC;
  }
  folio_set_mapping(id, true);
  return id;
}

/** ra_alloc_folio (readahead.ts): 0 or -errno; PG_readahead on the folio holding mark. */
export function ra_alloc_folio(f: i32, index: i64, order: i32, mark: i64): i32 {
  const r = add_folio(f, index, order, index == (mark >> order) << order);
  return r < 0 ? r : 0;
}

function set_context(task: i32, m: i32, cpu: i32, gfp: i32, kind: i32): i32 {
  if (cpu < 0 || cpu >= nr_cpus) return -EINVAL;
  if (task >= 0) {
    m = task_memcg(task);
    if (m < 0) return -ENOENT;
  }
  if (!memcg_online(m)) return -ENOENT;
  curTask = task;
  curMemcg = m;
  curCpu = cpu;
  curGfp = gfp;
  curObjcg = memcg_obj_cgroup(m);
  curKind = kind;
  return 0;
}

/**
 * A file: kind FILE_DISK (size bytes already on disk, maxOrder = mapping_max_folio_order,
 * raPages/ioPages = read_ahead_kb/4 and io_opt/4) or FILE_TMPFS / FILE_SHARED_ANON (created
 * by task or in memcg m on cpu: shmem inode and dentry charged). Its id or -errno.
 */
export function file_create(kind: i32, size: i64, maxOrder: i32, raPages: i32, ioPages: i32, task: i32, m: i32, cpu: i32, gfp: i32): i32 {
  if (kind < FILE_DISK || kind > FILE_SHARED_ANON || size < 0 || size > FILE_BYTES_MAX || maxOrder < 0 || maxOrder > 9 || raPages < 0 || ioPages < 0) return -EINVAL;
  if (nextFile >= MAX_FILES) return -ENOSPC;
  const f = nextFile;
  si(fInodeObjcg, f, -1);
  if (kind != FILE_DISK) {
    const r = set_context(task, m, cpu, gfp, FOLIO_SHMEM);
    if (r < 0) return r;
    // lookup_open → d_alloc, then shmem_get_inode (alloc_file_pseudo for a shared anon mapping)
    const node = cpu_to_node(cpu);
    let ret = memcg_slab_alloc(curObjcg, cpu, gfp, DENTRY_SIZE, true, node);
    if (ret == 0) {
      ret = memcg_slab_alloc(curObjcg, cpu, gfp, SHMEM_INODE_SIZE, false, node);
      if (ret < 0) memcg_slab_free(curObjcg, cpu, DENTRY_SIZE, true, node);
    }
    if (ret < 0) return ret;
    si(fInodeObjcg, f, curObjcg);
    si(fInodeNode, f, node);
  }
  nextFile++;
  si(fLive, f, 1);
  si(fKind, f, kind);
  sl(fSize, f, size);
  si(fMaxOrder, f, kind == FILE_DISK ? maxOrder : 0); // tmpfs with huge=never: order 0
  si(fRaPages, f, raPages);
  si(fIoPages, f, ioPages);
  si(fHeight, f, 0);
  si(fEntries, f, 0);
  si(fMapTask, f, -1);
  sl(fMapPte, f, -1);
  ra_reset(f);
  return f;
}

/**
 * filemap_read: read count bytes at pos by task (or on behalf of memcg m) from cpu; misses
 * start readahead (page_cache_sync_ra), a PG_readahead folio the next round
 * (page_cache_async_ra); each batch's first folio is marked accessed; a tmpfs hole reads
 * as zeroes without allocating; a shmem page in swap is read back. 0 or -errno.
 */
export function filemap_read(f: i32, pos: i64, count: i64, task: i32, m: i32, cpu: i32, gfp: i32): i32 {
  if (!file_valid(f) || pos < 0 || count < 0 || pos > FILE_BYTES_MAX - count) return -EINVAL;
  const shmem = gi(fKind, f) != FILE_DISK;
  const r = set_context(task, m, cpu, gfp, shmem ? FOLIO_SHMEM : FOLIO_FILE);
  if (r < 0) return r;
  const size = gl(fSize, f);
  if (pos >= size || count == 0) return 0;
  if (pos + count > size) count = size - pos;
  const last = (pos + count + 4095) >> PAGE_SHIFT;
  let index = pos >> PAGE_SHIFT;
  let inBatch = 0;
  // filemap_read: a read that starts in the folio the previous one ended in does not mark it
  // accessed again (pos_same_folio with ra->prev_pos)
  const lastByte = ra_prev_pos(f) - 1;
  let first = true;
  while (index < last) {
    let e = lookup(f, index);
    if (e >= 0 && !entry_live(f, e)) e = -1;
    if (e < 0) {
      if (shmem) {
        index++; // shmem_file_read_iter: a hole is read from the zero page
        continue;
      }
      page_cache_sync_ra(f, index, last - index);
      inBatch = 0;
      e = lookup(f, index);
      if (e >= 0 && !entry_live(f, e)) e = -1;
      if (e < 0) {
        // filemap_create_folio: the page the read needs, without readahead
        const id = add_folio(f, index, 0, false);
        if (id < 0) return id;
        e = lookup(f, index);
      }
    }
    const id = entry_folio(e);
    const head = load<i64>(keys + (<usize>e << 3)) & ((<i64>1 << 36) - 1);
    const nr = <i64>1 << folio_order(id);
    if (folio_flags(id) & PG_SWAPPED) {
      const ret = folio_touch(id, cpu, gfp); // shmem_swapin_folio
      if (ret < 0) return ret;
    } else if (inBatch == 0 && !(first && lastByte >= 0 && (lastByte >> PAGE_SHIFT) >= head && (lastByte >> PAGE_SHIFT) < head + nr)) {
      folio_touch(id, cpu, gfp); // folio_mark_accessed of the batch's first folio
    }
    first = false;
    inBatch = inBatch + 1 == pagevec_size ? 0 : inBatch + 1; // filemap_get_read_batch: PAGEVEC_SIZE folios at once
    if ((val(e) >> 40) & 1) {
      set_val(e, val(e) & ~(<i64>1 << 40)); // folio_clear_readahead
      page_cache_async_ra(f, head, nr, last - head);
      inBatch = 0;
    }
    index = head + nr;
  }
  ra_set_prev_pos(f, pos + count);
  return 0;
}

/**
 * A write of count bytes at pos (shmem_write_begin / write_begin): each page not in the cache
 * gets an order-0 folio charged to the writer; the size grows. 0 or -errno.
 */
export function filemap_write(f: i32, pos: i64, count: i64, task: i32, m: i32, cpu: i32, gfp: i32): i32 {
  if (!file_valid(f) || pos < 0 || count < 0 || pos > FILE_BYTES_MAX - count) return -EINVAL;
  const r = set_context(task, m, cpu, gfp, gi(fKind, f) != FILE_DISK ? FOLIO_SHMEM : FOLIO_FILE);
  if (r < 0) return r;
  const last = (pos + count + 4095) >> PAGE_SHIFT;
  for (let index = pos >> PAGE_SHIFT; index < last; index++) {
    const e = lookup(f, index);
    if (e >= 0 && entry_live(f, e)) {
      const id = entry_folio(e);
      const ret = folio_touch(id, cpu, gfp); // swapped in if it was in swap, else accessed
      if (ret < 0) return ret;
      index = (load<i64>(keys + (<usize>e << 3)) & ((<i64>1 << 36) - 1)) + (<i64>1 << folio_order(id)) - 1;
      continue;
    }
    const id = add_folio(f, index, 0, false);
    if (id < 0) return id;
    folio_touch(id, cpu, gfp); // the write marks it accessed
    if (pos + count > gl(fSize, f)) sl(fSize, f, min(pos + count, (index + 1) << PAGE_SHIFT));
  }
  if (pos + count > gl(fSize, f)) sl(fSize, f, pos + count);
  return 0;
}

/**
 * A fault of task at page index of its shared mapping of file f (filemap_fault /
 * shmem_fault): the folio (charged to the task's memcg if new; a disk file's page comes from
 * read-around as order-0 folios), the mapping's PTE page for a new 2 MiB region, and
 * NR_FILE_MAPPED when the folio is first mapped. 0 or -errno.
 */
export function filemap_fault(f: i32, index: i64, task: i32, cpu: i32, gfp: i32): i32 {
  if (!file_valid(f) || index < 0 || index >= (FILE_BYTES_MAX >> PAGE_SHIFT) || task < 0) return -EINVAL;
  const kind = gi(fKind, f);
  const r = set_context(task, 0, cpu, gfp, kind != FILE_DISK ? FOLIO_SHMEM : FOLIO_FILE);
  if (r < 0) return r;
  if (kind == FILE_DISK && index > file_last_index(f)) return -EINVAL; // SIGBUS
  const mt = gi(fMapTask, f);
  if (mt >= 0 && mt != task) return -EINVAL; // one mapping per file in the emulator
  si(fMapTask, f, task);
  const region = index >> 9;
  if (region != gl(fMapPte, f)) {
    // __do_fault → pte_alloc: the mapping's page table for this 2 MiB (2 MiB-aligned mapping)
    const ret = task_pte_alloc(task, curMemcg, cpu, gfp);
    if (ret < 0) return ret;
    sl(fMapPte, f, region);
  }
  let e = lookup(f, index);
  if (e >= 0 && !entry_live(f, e)) e = -1;
  if (e < 0) {
    const id = add_folio(f, index, 0, false);
    if (id < 0) return id;
    e = lookup(f, index);
    if (kind != FILE_DISK && (index + 1) << PAGE_SHIFT > gl(fSize, f)) sl(fSize, f, (index + 1) << PAGE_SHIFT);
  }
  const id = entry_folio(e);
  if (folio_flags(id) & PG_SWAPPED) {
    const ret = folio_touch(id, cpu, gfp);
    if (ret < 0) return ret;
  }
  if (!is_mapped(id)) {
    set_mapped(id, true);
    stat_mod(folio_memcg(id), folio_nid(id), NR_FILE_MAPPED, <i64>1 << folio_order(id), cpu); // folio_add_file_rmap_ptes
  }
  folio_set_flags(id, folio_flags(id) | PG_YOUNG); // the PTE's accessed bit
  return 0;
}

/** try_to_unmap before reclaim takes a folio: a mapped page-cache folio leaves NR_FILE_MAPPED. */
export function filemap_folio_unmap(id: i32, cpu: i32): void {
  if (!folio_test_mapping(id) || !is_mapped(id)) return;
  set_mapped(id, false);
  stat_mod(folio_memcg(id), folio_nid(id), NR_FILE_MAPPED, -(<i64>1 << folio_order(id)), cpu);
}

// Remove the entry in slot e: a live folio is unmapped and uncharged, a shadow just goes.
function drop_entry(f: i32, e: i32, cpu: i32): void {
  const key = load<i64>(keys + (<usize>e << 3));
  const index = key & ((<i64>1 << 36) - 1);
  const id = entry_folio(e);
  if (entry_live(f, e)) {
    if (is_mapped(id) && !(folio_flags(id) & PG_SWAPPED)) {
      stat_mod(folio_memcg(id), folio_nid(id), NR_FILE_MAPPED, -(<i64>1 << folio_order(id)), cpu);
    }
    folio_set_mapping(id, false);
    mem_cgroup_uncharge(id, cpu); // a shmem page in swap frees its swap entry
  }
  rmap_clear(id, f, index); // a removal may move slots: find the entry again
  xa_erase_entry(f, find(key), cpu);
}

/**
 * truncate_inode_pages_range (truncate, or unlink's eviction): folios from the first page at
 * or after size are removed (a large folio that straddles is kept whole); size is set.
 */
export function filemap_truncate(f: i32, size: i64, cpu: i32): i32 {
  if (!file_valid(f) || size < 0 || size > FILE_BYTES_MAX || cpu < 0 || cpu >= nr_cpus) return -EINVAL;
  curCpu = cpu;
  const old = gl(fSize, f);
  const from = (size + 4095) >> PAGE_SHIFT;
  let to = (old + 4095) >> PAGE_SHIFT;
  // pages past i_size can be cached by a mapping fault of a shared anon file
  for (let index = to - 1; index >= from; index--) {
    const e = find(mkkey(f, 0, index));
    if (e >= 0) drop_entry(f, e, cpu);
  }
  sl(fSize, f, size);
  return 0;
}

/** unlink of the last name (and no mapping left): the page cache, then the inode and dentry. */
export function file_unlink(f: i32, cpu: i32): i32 {
  if (!file_valid(f) || cpu < 0 || cpu >= nr_cpus) return -EINVAL;
  filemap_truncate(f, 0, cpu);
  const o = gi(fInodeObjcg, f);
  if (o >= 0) {
    const node = gi(fInodeNode, f);
    memcg_slab_free(o, cpu, SHMEM_INODE_SIZE, false, node);
    memcg_slab_free(o, cpu, DENTRY_SIZE, true, node);
  }
  si(fLive, f, 0);
  return 0;
}

/**
 * exit_mmap for task t: its file mappings go (NR_FILE_MAPPED −); a shared anon mapping's
 * shmem file is released with its last mapping.
 */
export function filemap_task_exit(t: i32, cpu: i32): void {
  for (let f = 0; f < nextFile; f++) {
    if (gi(fLive, f) == 0 || gi(fMapTask, f) != t) continue;
    const end = (gl(fSize, f) + 4095) >> PAGE_SHIFT;
    for (let index: i64 = 0; index < end; index++) {
      const e = find(mkkey(f, 0, index));
      if (e < 0 || !entry_live(f, e)) continue;
      const id = entry_folio(e);
      if (is_mapped(id)) {
        set_mapped(id, false);
        if (!(folio_flags(id) & PG_SWAPPED)) stat_mod(folio_memcg(id), folio_nid(id), NR_FILE_MAPPED, -(<i64>1 << folio_order(id)), cpu);
      }
    }
    si(fMapTask, f, -1);
    sl(fMapPte, f, -1);
    if (gi(fKind, f) == FILE_SHARED_ANON) file_unlink(f, cpu);
  }
}

// ── reading state ────────────────────────────────────────────────────────────────────────
export const FI_SIZE: i32 = 0; // bytes
export const FI_CACHED: i32 = 1; // pages of live folios (swapped shmem included)
export const FI_FOLIOS: i32 = 2; // live folios
export const FI_NODES: i32 = 3; // xarray nodes
export const FI_HEIGHT: i32 = 4;
export const FI_ENTRIES: i32 = 5; // entries, shadows included
export const FI_MAP_TASK: i32 = 6; // the task that maps it (one mapping per file), -1 none
export const FI_KIND: i32 = 7; // FILE_DISK / FILE_TMPFS / FILE_SHARED_ANON
export const FI_LIVE: i32 = 8; // 1, or 0 once unlinked

/** A file's size, cached pages, folios, xarray nodes, height, entries; -1 for a bad file. */
export function file_info(f: i32, what: i32): i64 {
  if (f < 0 || f >= nextFile) return -1;
  if (what == FI_SIZE) return gl(fSize, f);
  if (what == FI_HEIGHT) return gi(fHeight, f);
  if (what == FI_ENTRIES) return gi(fEntries, f);
  if (what == FI_MAP_TASK) return gi(fMapTask, f);
  if (what == FI_KIND) return gi(fKind, f);
  if (what == FI_LIVE) return gi(fLive, f);
  let n: i64 = 0;
  for (let i = 0; i < cap; i++) {
    const k = load<i64>(keys + (<usize>i << 3));
    if (k == 0 || <i32>(k >> 40) - 1 != f || (k & RMAP_KEY) == RMAP_KEY) continue;
    const level = <i32>((k >> 36) & 0xf);
    if (what == FI_NODES) {
      if (level > 0) n++;
    } else if (level == 0 && entry_live(f, i)) {
      n += what == FI_FOLIOS ? 1 : <i64>1 << folio_order(entry_folio(i));
    }
  }
  return n;
}

/** The folio caching page index of f (-1: none, or only a shadow). */
export function file_folio_at(f: i32, index: i64): i32 {
  if (!file_valid(f) || index < 0 || index >= (FILE_BYTES_MAX >> PAGE_SHIFT)) return -1;
  const e = lookup(f, index);
  return e >= 0 && entry_live(f, e) ? entry_folio(e) : -1;
}

/** The order of each live folio of f in index order, written as i32s at out (at most n). */
export function file_folio_orders(f: i32, out: usize, n: i32): i32 {
  if (!file_valid(f)) return -EINVAL;
  const end = (gl(fSize, f) + 4095) >> PAGE_SHIFT;
  let k = 0;
  for (let index: i64 = 0; index < end && k < n; ) {
    const e = find(mkkey(f, 0, index));
    if (e >= 0 && entry_live(f, e)) {
      const o = folio_order(entry_folio(e));
      store<i32>(out + (<usize>k << 2), o);
      k++;
      index += <i64>1 << o;
    } else index++;
  }
  return k;
}

export { PG_ACTIVE, FOLIO_SHMEM };
