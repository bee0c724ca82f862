// Readahead (mm/readahead.c, 6.16–6.18): struct file_ra_state per file, page_cache_sync_ra,
// page_cache_async_ra and page_cache_ra_order — the window ramp and the folio order ramp
// (ra->order += 2 per async round) that decide which folios a sequential read allocates.
// docs/kernel-memory.md §3 (the model reproduces the live folio sequences for six read sizes).

import { table_alloc } from "./layout";
import { ra_alloc_folio, file_last_index, file_max_order, file_ra_pages, file_io_pages } from "./filemap";

let raStart: usize = 0; // i64[files]
let raSize: usize = 0; // i64[files]
let raAsync: usize = 0; // i64[files]
let raOrder: usize = 0; // i32[files]
let raPrevPos: usize = 0; // i64[files]: bytes

export function readahead_init(maxFiles: i32): bool {
  raStart = table_alloc("file_ra_state start", maxFiles, 8);
  raSize = table_alloc("file_ra_state size", maxFiles, 8);
  raAsync = table_alloc("file_ra_state async_size", maxFiles, 8);
  raOrder = table_alloc("file_ra_state order", maxFiles, 4);
  raPrevPos = table_alloc("file_ra_state prev_pos", maxFiles, 8);
  return raPrevPos != 0;
}

/** file_ra_state_init: a freshly opened file. */
export function ra_reset(f: i32): void {
  store<i64>(raStart + (<usize>f << 3), 0);
  store<i64>(raSize + (<usize>f << 3), 0);
  store<i64>(raAsync + (<usize>f << 3), 0);
  store<i32>(raOrder + (<usize>f << 2), 0);
  store<i64>(raPrevPos + (<usize>f << 3), -1);
}
export function ra_prev_pos(f: i32): i64 {
  return load<i64>(raPrevPos + (<usize>f << 3));
}
export function ra_set_prev_pos(f: i32, pos: i64): void {
  store<i64>(raPrevPos + (<usize>f << 3), pos);
}

@inline function get(t: usize, f: i32): i64 {
  return load<i64>(t + (<usize>f << 3));
}
@inline function set(t: usize, f: i32, v: i64): void {
  store<i64>(t + (<usize>f << 3), v);
}

function roundup_pow_of_two(x: i64): i64 {
  return x <= 1 ? 1 : <i64>1 << (64 - clz(x - 1));
}
@inline function ilog2(x: i64): i32 {
  return 63 - <i32>clz(x);
}
// ffs: 1-based index of the lowest set bit
@inline function ffs(x: i64): i32 {
  return <i32>ctz(x) + 1;
}

// get_init_ra_size: round up to a power of two; ×4 when small, ×2 when medium, else max.
function get_init_ra_size(size: i64, max: i64): i64 {
  const n = roundup_pow_of_two(size);
  if (n <= max / 32) return n * 4;
  if (n <= max / 4) return n * 2;
  return max;
}

// get_next_ra_size: ×4 below max/16, ×2 up to max/2, then max.
function get_next_ra_size(cur: i64, max: i64): i64 {
  if (cur < max / 16) return 4 * cur;
  if (cur <= max / 2) return 2 * cur;
  return max;
}

// ractl_max_pages: the window, raised to the device's optimal size for a larger request.
function ractl_max_pages(f: i32, req: i64): i64 {
  let max = <i64>file_ra_pages(f);
  const io = <i64>file_io_pages(f);
  if (req > max && io > max) max = min(req, io);
  return max;
}

/**
 * page_cache_ra_order: folios from ra->start up to the window end (or EOF), of the ramped
 * order (capped by the mapping's max order and ilog2(size)), smaller where the index is not
 * aligned or the end is near; the folio at start + size − async_size gets PG_readahead.
 */
function page_cache_ra_order(f: i32): i32 {
  const start = get(raStart, f);
  const size = get(raSize, f);
  if (size <= 0) return 0;
  const mark = start + size - get(raAsync, f);
  const limit = min(file_last_index(f), start + size - 1);
  let newOrder = min<i32>(file_max_order(f), load<i32>(raOrder + (<usize>f << 2)));
  newOrder = min<i32>(newOrder, ilog2(size));
  store<i32>(raOrder + (<usize>f << 2), newOrder);
  let index = start;
  while (index <= limit) {
    let order = newOrder;
    if ((index & ((<i64>1 << order) - 1)) != 0) order = ffs(index) - 1; // align with smaller folios
    while (order > 0 && index + (<i64>1 << order) - 1 > limit) order--; // not past the end
    const ret = ra_alloc_folio(f, index, order, mark);
    if (ret < 0) return ret; // a page already cached or a failed charge ends the readahead
    index += <i64>1 << order;
  }
  return 0;
}

/**
 * page_cache_sync_ra: a miss at index for a read of req pages. A start of file, a read larger
 * than the window or a sequential miss starts a new window; otherwise a small random read is
 * read as is (do_page_cache_ra, order 0, no readahead state).
 */
export function page_cache_sync_ra(f: i32, index: i64, req: i64): i32 {
  const maxPages = ractl_max_pages(f, req);
  const prevPos = get(raPrevPos, f);
  const prevIndex = prevPos < 0 ? -1 : prevPos >> 12;
  if (index == 0 || req > maxPages || (prevIndex >= 0 && index - prevIndex <= 1 && index >= prevIndex)) {
    set(raStart, f, index);
    const size = get_init_ra_size(req, maxPages);
    set(raSize, f, size);
    set(raAsync, f, size > req ? size - req : size >> 1);
  } else {
    // page_cache_sync_ra: a standalone small random read (contig_count <= req_count; the
    // history lookup of a cached run before index is not modelled).
    const saveStart = get(raStart, f);
    const saveSize = get(raSize, f);
    const saveAsync = get(raAsync, f);
    const saveOrder = load<i32>(raOrder + (<usize>f << 2));
    set(raStart, f, index);
    set(raSize, f, req);
    set(raAsync, f, 0);
    store<i32>(raOrder + (<usize>f << 2), 0);
    const ret = page_cache_ra_order(f);
    set(raStart, f, saveStart);
    set(raSize, f, saveSize);
    set(raAsync, f, saveAsync);
    store<i32>(raOrder + (<usize>f << 2), saveOrder);
    return ret;
  }
  store<i32>(raOrder + (<usize>f << 2), 0);
  return page_cache_ra_order(f);
}

/**
 * page_cache_async_ra: the reader reached the PG_readahead folio at index (nr pages) with
 * req pages of its request left: at the expected index the window moves on and grows, the
 * order ramps by 2, the end is aligned down to that order.
 */
export function page_cache_async_ra(f: i32, index: i64, nr: i64, req: i64): i32 {
  const maxPages = ractl_max_pages(f, req);
  const start = get(raStart, f);
  const size = get(raSize, f);
  const expected = (start + size - get(raAsync, f)) / nr * nr;
  if (index == expected) {
    set(raStart, f, start + size);
    set(raSize, f, max<i64>(size, get_next_ra_size(size, maxPages)));
  } else {
    // Hit a marked folio without valid state (interleaved reads): ramp from the cached run.
    set(raStart, f, index + nr);
    set(raSize, f, get_next_ra_size(nr + req, maxPages));
  }
  const order = load<i32>(raOrder + (<usize>f << 2)) + 2;
  store<i32>(raOrder + (<usize>f << 2), order);
  const align = <i64>1 << min<i32>(order, ffs(maxPages) - 1);
  const s = get(raStart, f);
  const end = s + get(raSize, f);
  const alignedEnd = end / align * align;
  if (alignedEnd > s) set(raSize, f, get(raSize, f) - (end - alignedEnd));
  set(raAsync, f, get(raSize, f));
  return page_cache_ra_order(f);
}
