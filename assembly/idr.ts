// Id allocation that hands out the lowest free id of a range, as xa_alloc (lib/xarray.c,
// XA_FLAGS_ALLOC: the first index marked free at or above the limit's min) and idr_alloc
// (lib/idr.c) do. The kernel allocates memcg ids this way (mem_cgroup_alloc); the emulator
// uses the same allocator for its own table slots (cgroups, memcgs).
//
//   bits:  u64[(max - min + 1 + 63) / 64], bit i set = id min + i in use
//   hint:  no free id in the words below it

import { table_alloc } from "./layout";

@unmanaged
export class Ida {
  bits: usize = 0;
  words: i32 = 0;
  min: i32 = 0;
  max: i32 = 0;
  hint: i32 = 0;
  used: i32 = 0;
}

/** An allocator of the ids min..max (inclusive), all free; at address 0 when its tables were not handed out (layout.ts). */
export function ida_create(name: string, min: i32, max: i32): Ida {
  const n = max - min + 1;
  const words = (n + 63) >> 6;
  const header = table_alloc(name, 1, offsetof<Ida>());
  const bits = table_alloc(name, words, 8);
  if (bits == 0) return changetype<Ida>(0);
  const ida = changetype<Ida>(header);
  ida.words = words;
  ida.bits = bits;
  ida.min = min;
  ida.max = max;
  ida.hint = 0;
  ida.used = 0;
  // The ids past max in the last word are marked used so they are never found free.
  const tail = n & 63;
  if (tail != 0) store<u64>(ida.bits + (<usize>(ida.words - 1) << 3), ~((<u64>1 << <u64>tail) - 1));
  return ida;
}

/** The lowest free id, now in use; -1 when every id is taken (xa_alloc: -EBUSY, idr_alloc: -ENOSPC). */
export function ida_alloc(ida: Ida): i32 {
  for (let w = ida.hint; w < ida.words; w++) {
    const p = ida.bits + (<usize>w << 3);
    const v = load<u64>(p);
    if (v == u64.MAX_VALUE) continue;
    const bit = <i32>ctz(~v);
    store<u64>(p, v | (<u64>1 << <u64>bit));
    ida.hint = w;
    ida.used++;
    return ida.min + (w << 6) + bit;
  }
  ida.hint = ida.words;
  return -1;
}

/** Give id back (xa_erase / idr_remove). */
export function ida_free(ida: Ida, id: i32): void {
  const i = id - ida.min;
  const w = i >> 6;
  const p = ida.bits + (<usize>w << 3);
  store<u64>(p, load<u64>(p) & ~(<u64>1 << <u64>(i & 63)));
  if (w < ida.hint) ida.hint = w;
  ida.used--;
}

/** Whether id is in use. */
export function ida_test(ida: Ida, id: i32): bool {
  if (id < ida.min || id > ida.max) return false;
  const i = id - ida.min;
  return (load<u64>(ida.bits + (<usize>(i >> 6) << 3)) & (<u64>1 << <u64>(i & 63))) != 0;
}
