// A THP fault and its fallback to base pages (6.18 mm/huge_memory.c, mm/memory.c).
//
// vma_alloc_anon_folio_pmd (called by __do_huge_pmd_anonymous_page for an empty PMD and by
// do_huge_zero_wp_pmd for a write to the huge zero page) charges the PMD-sized folio with
// mem_cgroup_charge. try_charge_memcg reclaims for it, but a costly order never OOMs
// (mem_cgroup_oom returns false above PAGE_ALLOC_COSTLY_ORDER), so at the limit the charge
// fails: the folio is put, THP_FAULT_FALLBACK and THP_FAULT_FALLBACK_CHARGE are counted (global
// vm events, and the 2048kB mTHP anon_fault_fallback{,_charge} stats; no memcg event) and the
// fault returns VM_FAULT_FALLBACK. __handle_mm_fault then goes on to handle_pte_fault: for an
// empty PMD do_anonymous_page allocates the range's PTE page (kmem) and charges an order-0
// folio (alloc_anon_folio: mTHP orders only when enabled in hugepages-*/enabled, "never" by
// default, so order 0 here); for the huge zero page do_huge_pmd_wp_page splits the PMD (the
// deposited table becomes the PTE page, nothing new is charged) and the write copies into an
// order-0 folio (wp_page_copy). Each later write to the range is a base-page fault of its own:
// its own charge, reclaim, OOM and return to user.
//
// The emulator's THP fault does this for one 2 MiB range: the order-9 charge, and if it fails
// with -ENOMEM the 512 base pages one by one, as a task writing the whole range would. The base
// pages charged are one range whose first page is the handle (folio_chain): freeing or touching
// it acts on each page. The fallback stops where a base fault fails: the OOM killer chose the
// task (-EINTR; it dies when the op returns, as after any fault), or the task went to sleep in
// the v1 OOM wait (the range's later pages are not faulted), or a charge failed.

import { EINTR, ENOMEM } from "./errno";
import { FOLIO_ANON, HPAGE_PMD_ORDER, folio_chain } from "./folio";
import { mem_cgroup_charge_memcg } from "./charge";
import { anon_fault_align_pmd } from "./pgtable";
import { task_in_memcg_oom, task_killed, task_memcg } from "./task";
import { PGFAULT, count_thp_fault_fallback_charge, stat_mod } from "./rstat";
import { cpu_to_node } from "./topology";

const range = new StaticArray<i32>(1 << HPAGE_PMD_ORDER); // the base folios of one fallback

/**
 * A write fault of task t on cpu to a 2 MiB range of its THP-enabled anonymous memory: a PMD
 * folio, or (its charge failed) the range's base pages. Returns the folio id (a THP, or the
 * first page of the base-page range), or -errno as mem_cgroup_charge does.
 */
export function thp_fault(t: i32, cpu: i32, gfp: i32, node: i32): i32 {
  const id = mem_cgroup_charge_memcg(0, cpu, HPAGE_PMD_ORDER, FOLIO_ANON, gfp, node, t);
  if (id >= 0) return id; // charge_folio counted THP_FAULT_ALLOC (count_thp_fault_alloc)
  if (id != -ENOMEM || task_killed(t)) return id;
  // vma_alloc_anon_folio_pmd: the charge failed → VM_FAULT_FALLBACK.
  count_thp_fault_fallback_charge();
  anon_fault_align_pmd(t);
  // __handle_mm_fault goes on to handle_pte_fault in the same fault: with the first base page
  // it is one fault for mm_account_fault, whose PGFAULT the failed THP charge counted.
  stat_mod(task_memcg(t), node < 0 ? cpu_to_node(cpu) : node, PGFAULT, -1, cpu);
  let n = 0;
  let ret = 0;
  for (let i = 0; i < 1 << HPAGE_PMD_ORDER; i++) {
    // do_anonymous_page / wp_page_copy: one base page, a fault of its own.
    const r = mem_cgroup_charge_memcg(0, cpu, 0, FOLIO_ANON, gfp, node, t);
    if (r < 0) {
      ret = r;
      break;
    }
    if (task_in_memcg_oom(t) >= 0) {
      if (n == 0) return r; // asleep in the v1 OOM wait with its folio, as a base fault would be
      break; // the rest of the range is not faulted
    }
    unchecked((range[n++] = r));
  }
  if (n == 0) return ret;
  if (task_killed(t)) return -EINTR; // its pages go when the op returns
  folio_chain(changetype<usize>(range), n);
  return unchecked(range[0]);
}
