// Op-buffer replay: the host writes fixed-width op records into linear memory and the core
// runs them in one call, writing one i32 result per op. The per-call exports in index.ts
// call the same functions, so the two ways in cannot disagree.
//
//   struct op {                 16 bytes, little-endian
//     u8  code;                 OP_*
//     u8  a;                    CHARGE: folio order 0..9, | OP_THP_FAULT (0x80) for a task's THP
//                               fault that falls back to base pages (thp_fault.ts)
//                               | UNCHARGE_LIST: 1 = last of the list
//                               SET_*: PC_MEMORY or PC_SWAP (v1 memsw)
//     u8  kind;                 CHARGE: FOLIO_ANON 0 / FOLIO_FILE 1
//     u8  node;                 CHARGE: 0 = the CPU's node, else node + 1
//     u16 cpu;                  the CPU the op runs on
//     u16 task;                 CHARGE: 0 = no task, else task id + 1
//     u32 id;                   CHARGE/SET_*: cgroup id | UNCHARGE*, TOUCH: folio id
//     u32 arg;                  CHARGE, TOUCH: gfp mask | SET_*: pages, 0xffffffff = "max"
//                               WAIT: microseconds
//   }
//   SK_CHARGE / SK_UNCHARGE: id = memcg, arg = gfp (charge), a = pages (1..255).
//
// Results: CHARGE → folio id or -errno; every other op → 0 or -errno.

import { EINVAL, ENOENT } from "./errno";
import { cgroup_alive, cgroup_memcg } from "./cgroup_core";
import { folio_touch, mem_cgroup_charge_inline } from "./charge";
import { mem_cgroup_uncharge_inline, mem_cgroup_uncharge_gather } from "./uncharge";
import { clock_advance } from "./clock";
import { memcg_set_limit } from "./cgroup";
import { PAGE_COUNTER_MAX } from "./page_counter";
import { mem_cgroup_sk_charge, mem_cgroup_sk_uncharge } from "./sock";
import { thp_fault } from "./thp_fault";
import { FOLIO_ANON, HPAGE_PMD_ORDER } from "./folio";

export const OP_RECORD_SIZE: i32 = 16;
export const OP_CHARGE: i32 = 1;
export const OP_UNCHARGE: i32 = 2;
export const OP_UNCHARGE_LIST: i32 = 3;
export const OP_SET_MAX: i32 = 4; // memory.max / limit_in_bytes (a = PC_SWAP: swap.max / memsw.limit_in_bytes)
export const OP_SET_HIGH: i32 = 5; // memory.high (a = PC_SWAP: swap.high)
export const OP_SET_LOW: i32 = 6; // memory.low
export const OP_SET_MIN: i32 = 7; // memory.min
export const OP_TOUCH: i32 = 8; // a task touches its folio id (young bit / mark_accessed / swap-in); arg = gfp
export const OP_WAIT: i32 = 9; // the clock advances by arg microseconds
export const OP_SK_CHARGE: i32 = 10; // mem_cgroup_sk_charge: result 1 charged, 0 refused
export const OP_SK_UNCHARGE: i32 = 11; // mem_cgroup_sk_uncharge
export const OP_ARG_MAX: u32 = 0xffffffff;
export const OP_THP_FAULT: i32 = 0x80; // CHARGE a: do_huge_pmd_anonymous_page (order 9, anon, a task)

/** Run count records at ops, one i32 result each at results. */
export function replay(ops: usize, count: i32, results: usize): void {
  for (let i = 0; i < count; i++) {
    const r = ops + (<usize>i << 4);
    store<i32>(results + (<usize>i << 2), replay_one(r));
  }
}

@inline function replay_one(r: usize): i32 {
  const code = <i32>load<u8>(r);
  const a = <i32>load<u8>(r, 1);
  const cpu = <i32>load<u16>(r, 4);
  const id = load<i32>(r, 8);
  const arg = load<u32>(r, 12);
  if (code == OP_CHARGE && (a & OP_THP_FAULT) != 0) {
    const task = <i32>load<u16>(r, 6) - 1;
    if ((a & ~OP_THP_FAULT) != HPAGE_PMD_ORDER || <i32>load<u8>(r, 2) != FOLIO_ANON || task < 0) return -EINVAL;
    return thp_fault(task, cpu, <i32>arg, <i32>load<u8>(r, 3) - 1);
  }
  if (code == OP_CHARGE) {
    return mem_cgroup_charge_inline(id, cpu, a, <i32>load<u8>(r, 2), <i32>arg, <i32>load<u8>(r, 3) - 1, <i32>load<u16>(r, 6) - 1);
  }
  if (code == OP_UNCHARGE) return mem_cgroup_uncharge_inline(id, cpu);
  if (code == OP_UNCHARGE_LIST) return mem_cgroup_uncharge_gather(id, a != 0, cpu);
  if (code == OP_TOUCH) return folio_touch(id, cpu, <i32>arg);
  if (code == OP_SK_CHARGE) return mem_cgroup_sk_charge(id, a, <i32>arg, cpu);
  if (code == OP_SK_UNCHARGE) return mem_cgroup_sk_uncharge(id, a, cpu);
  if (code == OP_WAIT) {
    clock_advance(<i64>arg * 1000);
    return 0;
  }
  if (code >= OP_SET_MAX && code <= OP_SET_MIN) {
    const pages: i64 = arg == OP_ARG_MAX ? PAGE_COUNTER_MAX : <i64>arg;
    // The file is the cgroup's own memcg's: none (memory not enabled there) is ENOENT.
    const m = cgroup_alive(id) ? cgroup_memcg(id) : -1;
    if (m < 0) return -ENOENT;
    return memcg_set_limit(code - OP_SET_MAX, m, a, pages, cpu);
  }
  return -EINVAL;
}
