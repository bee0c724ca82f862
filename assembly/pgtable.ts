// The kernel objects of a task's anonymous memory (mm/memory.c do_anonymous_page,
// mm/huge_memory.c do_huge_pmd_anonymous_page, mm/rmap.c __anon_vma_prepare): PTE pages
// (pte_alloc_one: GFP_PGTABLE_USER has __GFP_ACCOUNT, NR_PAGETABLE), the PTE page a THP
// deposits (pgtable_trans_huge_deposit), and the anon_vma + anon_vma_chain of the VMA's first
// write fault. docs/kernel-memory.md §2.
//
// A task's anonymous memory is one VMA faulted in order: each fault maps the next folio at
// the task's cursor (a THP at the next 2 MiB boundary), so a PTE page is needed whenever a
// fault enters a 2 MiB region that has none. PMD/PUD tables are not charged (the VMA sits in
// ranges whose upper tables exist, as the live runs showed).
//
// With `prepared` (the host's preparedMm) every task's page tables and anon_vma exist before
// its first fault here, made while it ran elsewhere (memcg-sim live's helper writes a page of
// every 2 MiB and reads every THP slot, so the huge zero page's table is deposited, before it
// joins its cgroup): faults then charge none of them.

import { table_alloc } from "./layout";
import { HPAGE_PMD_ORDER } from "./folio";
import { NR_PAGETABLE, stat_mod } from "./rstat";
import {
  kmem_enabled, memcg_kmem_charge_page, memcg_kmem_uncharge_page, memcg_obj_cgroup, memcg_slab_alloc, memcg_slab_free,
  objcg_memcg,
} from "./objcg";
import { cpu_to_node } from "./topology";
import { task_killed } from "./task";
import { EINTR } from "./errno";

const ANON_VMA_SIZE: i64 = 104; // anon_vma_cachep s->size (SLAB_ACCOUNT)
const ANON_VMA_CHAIN_SIZE: i64 = 64; // anon_vma_chain_cachep s->size (SLAB_ACCOUNT)
const PTRS_PER_PTE: i64 = 512;
const NR_PT_RECORDS: i32 = 4; // (objcg, pages) pairs per task; a fifth objcg shares the last

let cursor: usize = 0; // i64[T]: pages of the anon VMA faulted so far (the next fault's offset)
let pteRegion: usize = 0; // i64[T]: last 2 MiB region given a PTE page, -1 = none
let anonVma: usize = 0; // i32[T]: objcg charged for anon_vma + chain, -1 = not prepared
let anonVmaNode: usize = 0; // i32[T]
let ptObjcg: usize = 0; // i32[T × 4]
let ptPages: usize = 0; // i64[T × 4]
let ptNode: usize = 0; // i32[T × 4]
let maxTasks: i32 = 0;
let prepared: bool = false;

export function pgtable_init(n: i32, mmPrepared: bool): bool {
  maxTasks = n;
  prepared = mmPrepared;
  cursor = table_alloc("task fault cursor", n, 8);
  pteRegion = table_alloc("task PTE region", n, 8);
  anonVma = table_alloc("task anon_vma objcg", n, 4);
  anonVmaNode = table_alloc("task anon_vma node", n, 4);
  ptObjcg = table_alloc("page table objcgs", <u64>n * NR_PT_RECORDS, 4);
  ptPages = table_alloc("page table pages", <u64>n * NR_PT_RECORDS, 8);
  ptNode = table_alloc("page table nodes", <u64>n * NR_PT_RECORDS, 4);
  if (ptNode == 0) return false;
  for (let t = 0; t < n; t++) pgtable_reset(t);
  return true;
}

function pgtable_reset(t: i32): void {
  store<i64>(cursor + (<usize>t << 3), 0);
  store<i64>(pteRegion + (<usize>t << 3), -1);
  store<i32>(anonVma + (<usize>t << 2), -1);
  for (let i = 0; i < NR_PT_RECORDS; i++) {
    store<i32>(ptObjcg + ((<usize>(t * NR_PT_RECORDS + i)) << 2), -1);
    store<i64>(ptPages + ((<usize>(t * NR_PT_RECORDS + i)) << 3), 0);
  }
}

// pte_alloc_one / pgtable_trans_huge_deposit: one page-table page for task t.
function pte_page_alloc(t: i32, o: i32, cpu: i32, gfp: i32): i32 {
  const ret = memcg_kmem_charge_page(o, cpu, gfp, 0);
  if (ret < 0) return ret;
  if (task_killed(t)) {
    memcg_kmem_uncharge_page(o, cpu, 0); // the charge's OOM kill chose t: its mm is gone
    return -EINTR;
  }
  const node = cpu_to_node(cpu);
  if (o >= 0) stat_mod(objcg_memcg(o), node, NR_PAGETABLE, 1, cpu); // pagetable_pte_ctor
  let i = 0;
  for (; i < NR_PT_RECORDS - 1; i++) {
    const r = ptObjcg + ((<usize>(t * NR_PT_RECORDS + i)) << 2);
    const cur = load<i32>(r);
    if (cur == o && load<i32>(ptNode + ((<usize>(t * NR_PT_RECORDS + i)) << 2)) == node) break;
    if (load<i64>(ptPages + ((<usize>(t * NR_PT_RECORDS + i)) << 3)) == 0) break;
  }
  const k = <usize>(t * NR_PT_RECORDS + i);
  store<i32>(ptObjcg + (k << 2), o);
  store<i32>(ptNode + (k << 2), node);
  store<i64>(ptPages + (k << 3), load<i64>(ptPages + (k << 3)) + 1);
  return 0;
}

// __anon_vma_prepare: the chain, then the anon_vma, on the VMA's first anon fault.
function anon_vma_prepare(t: i32, o: i32, cpu: i32, gfp: i32): i32 {
  const p = anonVma + (<usize>t << 2);
  if (load<i32>(p) >= 0 || o < 0) return 0;
  const node = cpu_to_node(cpu);
  let ret = memcg_slab_alloc(o, cpu, gfp, ANON_VMA_CHAIN_SIZE, false, node);
  if (ret < 0) return ret;
  ret = memcg_slab_alloc(o, cpu, gfp, ANON_VMA_SIZE, false, node);
  if (ret == 0 && task_killed(t)) {
    memcg_slab_free(o, cpu, ANON_VMA_SIZE, false, node);
    ret = -EINTR;
  }
  if (ret < 0) {
    memcg_slab_free(o, cpu, ANON_VMA_CHAIN_SIZE, false, node);
    return ret;
  }
  store<i32>(p, o);
  store<i32>(anonVmaNode + (<usize>t << 2), node);
  return 0;
}

/**
 * The kernel objects a fault of task t (memcg m) needs before its folio of 2^order pages is
 * charged: do_anonymous_page allocates the PTE page, then prepares the anon_vma;
 * do_huge_pmd_anonymous_page prepares the anon_vma only. 0 or -ENOMEM (VM_FAULT_OOM).
 */
export function anon_fault_prepare(t: i32, m: i32, cpu: i32, gfp: i32, order: i32): i32 {
  if (!kmem_enabled || prepared || t < 0 || t >= maxTasks) return 0;
  const o = memcg_obj_cgroup(m);
  if (order < HPAGE_PMD_ORDER) {
    const nr = <i64>1 << order;
    const at = (load<i64>(cursor + (<usize>t << 3)) + nr - 1) & ~(nr - 1);
    const region = at / PTRS_PER_PTE;
    const pr = pteRegion + (<usize>t << 3);
    if (region > load<i64>(pr)) {
      const ret = pte_page_alloc(t, o, cpu, gfp);
      if (ret < 0) return ret;
      store<i64>(pr, region);
    }
  }
  return anon_vma_prepare(t, o, cpu, gfp);
}

/**
 * After the folio is charged: a THP deposits a PTE page (a failure makes the fault drop the
 * folio, VM_FAULT_OOM); the cursor moves past the folio. 0 or -ENOMEM.
 */
export function anon_fault_commit(t: i32, m: i32, cpu: i32, gfp: i32, order: i32): i32 {
  if (!kmem_enabled || prepared || t < 0 || t >= maxTasks) return 0;
  const nr = <i64>1 << order;
  const pc = cursor + (<usize>t << 3);
  const at = (load<i64>(pc) + nr - 1) & ~(nr - 1);
  if (order == HPAGE_PMD_ORDER) {
    const ret = pte_page_alloc(t, memcg_obj_cgroup(m), cpu, gfp);
    if (ret < 0) return ret;
    store<i64>(pteRegion + (<usize>t << 3), at / PTRS_PER_PTE);
  }
  store<i64>(pc, at + nr);
  return 0;
}

/** A page-table page of a file mapping of task t (memcg m) from cpu; 0 or -ENOMEM. */
export function task_pte_alloc(t: i32, m: i32, cpu: i32, gfp: i32): i32 {
  if (!kmem_enabled || prepared || t < 0 || t >= maxTasks) return 0;
  return pte_page_alloc(t, memcg_obj_cgroup(m), cpu, gfp);
}

/**
 * A THP fault of task t fell back (VM_FAULT_FALLBACK): its base pages are faulted in the THP's
 * 2 MiB range, so the next fault starts at that boundary (and do_anonymous_page gives the
 * range its PTE page).
 */
export function anon_fault_align_pmd(t: i32): void {
  if (t < 0 || t >= maxTasks) return;
  const pc = cursor + (<usize>t << 3);
  const nr = <i64>1 << HPAGE_PMD_ORDER;
  store<i64>(pc, (load<i64>(pc) + nr - 1) & ~(nr - 1));
}

/** exit_mmap → free_pgtables: the task's page tables and anon_vma objects are freed. */
export function pgtable_exit(t: i32, cpu: i32): void {
  if (!kmem_enabled || t < 0 || t >= maxTasks) return;
  for (let i = 0; i < NR_PT_RECORDS; i++) {
    const k = <usize>(t * NR_PT_RECORDS + i);
    const o = load<i32>(ptObjcg + (k << 2));
    const n = load<i64>(ptPages + (k << 3));
    if (n == 0) continue;
    for (let j: i64 = 0; j < n; j++) memcg_kmem_uncharge_page(o, cpu, 0); // pagetable_free, one page each
    if (o >= 0) stat_mod(objcg_memcg(o), load<i32>(ptNode + (k << 2)), NR_PAGETABLE, -n, cpu);
  }
  const o = load<i32>(anonVma + (<usize>t << 2));
  if (o >= 0) {
    const node = load<i32>(anonVmaNode + (<usize>t << 2));
    memcg_slab_free(o, cpu, ANON_VMA_CHAIN_SIZE, false, node); // unlink_anon_vmas
    memcg_slab_free(o, cpu, ANON_VMA_SIZE, false, node);
  }
  pgtable_reset(t);
}

/** Page-table pages task t holds (the deposited THP tables included). */
export function pgtable_pages(t: i32): i64 {
  if (t < 0 || t >= maxTasks) return 0;
  let n: i64 = 0;
  for (let i = 0; i < NR_PT_RECORDS; i++) n += load<i64>(ptPages + ((<usize>(t * NR_PT_RECORDS + i)) << 3));
  return n;
}
