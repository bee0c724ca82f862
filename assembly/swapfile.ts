// swapoff (mm/swapfile.c): the device stops taking entries, then try_to_unuse reads every
// entry back — shmem pages first (shmem_unuse), then the tasks' (unuse_mm → unuse_pte) —
// each charged with mem_cgroup_swapin_charge_folio to the memcg its swap record names
// (under that memcg's limits, with reclaim and OOM). A charge that fails makes swapoff fail
// with ENOMEM and the device usable again (reinsert_swap_info); what was read back stays.

import { ENOMEM, EINVAL } from "./errno";
import { FOLIO_SHMEM, PG_SWAPPED, folio_count, folio_kind, folio_test } from "./folio";
import { GFP_KERNEL } from "./gfp";
import { folio_touch } from "./charge";
import { swap_set_writeok, total_swap_pages } from "./swap";
import { nr_cpus } from "./topology";

/** swapoff from cpu: 0, -EINVAL (no device), or -ENOMEM (try_to_unuse failed). */
export function swapoff(cpu: i32): i32 {
  if (cpu < 0 || cpu >= nr_cpus || total_swap_pages() == 0) return -EINVAL;
  swap_set_writeok(false);
  for (let pass = 0; pass < 2; pass++) {
    const n = folio_count();
    for (let id = 0; id < n; id++) {
      if (!folio_test(id, PG_SWAPPED)) continue;
      if ((folio_kind(id) == FOLIO_SHMEM) != (pass == 0)) continue;
      const ret = folio_touch(id, cpu, GFP_KERNEL); // swap-in, charged to the recorded memcg
      if (ret < 0) {
        swap_set_writeok(true);
        return -ENOMEM;
      }
    }
  }
  return 0;
}
