// memory.peak / memory.swap.peak open files (mm/memcontrol.c peak_open, peak_show,
// peak_write, peak_release): each open file can reset a local peak of its own.
//
// A file that was never written reads the counter's watermark. A write (of anything) sets
// the counter's local_watermark to the current usage, raises the value of every other file
// that has written to at least that usage, and makes this file a watcher; it then reads
// max(its value, local_watermark).

import { ENOENT, ENOSPC } from "./errno";
import { table_alloc } from "./layout";
import { PCF_LOCAL_WATERMARK, PCF_WATERMARK, pc_field, pc_set_field, pc_usage } from "./page_counter";

export const NR_PEAK_FILES: i32 = 1024;
const OFP_PEAK_UNSET: i64 = -1;

const CLOSED: i32 = -1;
const DEAD: i32 = -2; // open, but its memcg was freed: it reads nothing and is only closed
let fileCounter: usize = 0; // i32[F]: the counter a file watches, CLOSED or DEAD
let fileValue: usize = 0; // i64[F]: the value the file's last write left, OFP_PEAK_UNSET before

export function peak_init(): bool {
  fileCounter = table_alloc("peak file counters", NR_PEAK_FILES, 4);
  fileValue = table_alloc("peak file values", NR_PEAK_FILES, 8);
  if (fileValue == 0) return false;
  for (let f = 0; f < NR_PEAK_FILES; f++) store<i32>(fileCounter + (<usize>f << 2), CLOSED);
  return true;
}

@inline function counter_of(f: i32): i32 {
  return f >= 0 && f < NR_PEAK_FILES ? load<i32>(fileCounter + (<usize>f << 2)) : CLOSED;
}
@inline function value_of(f: i32): i64 {
  return load<i64>(fileValue + (<usize>f << 3));
}

/** peak_open: a file on counter c; its handle or -ENOSPC when every handle is open. */
export function peak_open(c: i32): i32 {
  for (let f = 0; f < NR_PEAK_FILES; f++) {
    if (counter_of(f) != CLOSED) continue;
    store<i32>(fileCounter + (<usize>f << 2), c);
    store<i64>(fileValue + (<usize>f << 3), OFP_PEAK_UNSET);
    return f;
  }
  return -ENOSPC;
}

/** peak_show: the file's peak in pages, or -ENOENT for a closed handle. */
export function peak_read(f: i32): i64 {
  const c = counter_of(f);
  if (c < 0) return -ENOENT;
  const v = value_of(f);
  if (v == OFP_PEAK_UNSET) return pc_field(c, PCF_WATERMARK);
  return max(v, pc_field(c, PCF_LOCAL_WATERMARK));
}

/** peak_write: reset the local peak to the current usage (the content is not parsed). */
export function peak_write(f: i32): i32 {
  const c = counter_of(f);
  if (c < 0) return -ENOENT;
  const usage = pc_usage(c);
  pc_set_field(c, PCF_LOCAL_WATERMARK, usage);
  for (let g = 0; g < NR_PEAK_FILES; g++) {
    if (g == f || counter_of(g) != c || value_of(g) == OFP_PEAK_UNSET) continue;
    if (usage > value_of(g)) store<i64>(fileValue + (<usize>g << 3), usage);
  }
  store<i64>(fileValue + (<usize>f << 3), usage);
  return 0;
}

/** peak_release */
export function peak_close(f: i32): i32 {
  if (counter_of(f) == CLOSED) return -ENOENT;
  store<i32>(fileCounter + (<usize>f << 2), CLOSED);
  return 0;
}

/** The memcg of counter c is freed: files still open on it watch nothing (its slot is reused). */
export function peak_release_counter(c: i32): void {
  for (let f = 0; f < NR_PEAK_FILES; f++) {
    if (counter_of(f) == c) store<i32>(fileCounter + (<usize>f << 2), DEAD);
  }
}
