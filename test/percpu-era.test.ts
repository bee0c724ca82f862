// The per-CPU allocator's memcg hooks by era (mm/percpu.c pcpu_memcg_pre_alloc_hook,
// pcpu_memcg_post_alloc_hook, pcpu_memcg_free_hook). Read in unifreq/linux-5.15.y (5.15.215),
// unifreq/linux-6.1.y (6.1.0 and 6.1.166) and atlanticdg/linux-6.18.y (6.18.44):
//  - 5.15: obj_cgroup_charge(size × num_possible_cpus()), and MEMCG_PERCPU_B += the same bytes;
//  - 6.1+ (8c57c07741bf "mm: memcg/percpu: account extra objcg space to memory cgroups", 5.17):
//    both are pcpu_obj_full_size(size) = size × num_possible_cpus() + size / 4 × sizeof(void *),
//    one objcg pointer per PCPU_MIN_ALLOC_SIZE (4 B) unit of the chunk's obj_cgroups/obj_exts.
// In every era the free hook uncharges and uncounts the same bytes, so memory.stat `percpu` is
// exactly the per-CPU share of the charge.
//
// The per-CPU allocations the API can make are mem_cgroup_alloc's, charged to the parent at
// mkdir (set_active_memcg(parent)): on v2, one struct memcg_vmstats_percpu and, per node, one
// struct lruvec_stats_percpu. The emulator gives them their 6.18 x86-64 sizes in every profile
// (1216 and 528 B, docs/kernel-memory.md §2; the older structs differ, see there), so the test
// checks the hook's arithmetic on those sizes:
//   5.15:  (1216 + 528) × N                                  =  1744 N      (N = 1: 1744, 2: 3488, 4: 6976)
//   6.1+:  (1216 + 528) × N + (1216 + 528) / 4 × 8            =  1744 N + 3488 (N = 1: 5232, 2: 6976, 4: 10464)
import { describe, expect, test } from 'vitest';
import type { System } from '../src/index.js';
import { createSystem } from '../src/index.js';
import { ERAS, KERNEL } from './helpers/eras.js';

const PAGE = 4096;
const PERCPU_STRUCTS = 1216 + 528; // memcg_vmstats_percpu + one node's lruvec_stats_percpu (v2)

function stat(s: System, cg: string): Record<string, number> {
  s.flushStats(cg, { force: true });
  return Object.fromEntries(s.read(`${cg}/memory.stat`).trimEnd().split('\n').map((l) => [l.split(' ')[0], Number(l.split(' ')[1])]));
}

/** Bytes the objcg of cg has charged and uses: the counter's pages less the unused nr_charged_bytes (stocks drained). */
function usedBytes(s: System, cg: string): number {
  s.drainAllStock(cg, 0);
  return s.counter(cg).usage * PAGE - s.objcgChargedBytes(cg);
}

describe.each(ERAS)('per-CPU memcg accounting, profile %s', (era) => {
  test.each([1, 2, 4])('mkdir on %i CPUs: percpu and its charge are the hook\'s bytes; css free takes them back', async (cpus) => {
    const s = await createSystem({ profile: era, cgroupVersion: 2, topology: { nodes: 1, cpusPerNode: cpus }, kmem: true });
    s.mkdir('a');
    s.mkdir('a/b');
    const expected = PERCPU_STRUCTS * cpus + (KERNEL(era).percpuObjcgExtra ? (PERCPU_STRUCTS / 4) * 8 : 0);
    let st = stat(s, 'a');
    expect(st.percpu).toBe(expected);
    // the charge: what a's objcg uses is the slab objects (memcg_vmstats, lruvec_stats:
    // slab_unreclaimable after the drain) plus exactly the percpu bytes
    let used = usedBytes(s, 'a');
    st = stat(s, 'a');
    expect(used - st.slab_unreclaimable).toBe(expected);
    // rmdir of an empty child: __mem_cgroup_free → pcpu_memcg_free_hook returns the same bytes
    s.rmdir('a/b', 0);
    used = usedBytes(s, 'a');
    st = stat(s, 'a');
    expect([st.percpu, st.slab_unreclaimable, used]).toEqual([0, 0, 0]);
  });
});
