// A port of the kernel selftest tools/testing/selftests/cgroup/test_kmem.c (mainline, the
// version with KMEM_DEAD_WAIT_RETRIES and cg_read_key_long_poll), cgroup v2 with kernel memory
// accounting on (no cgroup.memory=nokmem). Each case runs the selftest's workload through the
// emulator's API and checks the selftest's own pass criteria, with its own tolerance:
// MAX_VMSTAT_ERROR = PAGE_SIZE × 64 × get_nprocs() ("charging is performed using percpu batches
// 64 pages big, whereas memory.stat is exact"). Here get_nprocs() = num_possible_cpus() = the
// emulator's CPUs (1 node × 2 CPUs, as on this project's live machine; the cases whose numbers
// depend on the CPU count also run on 1 and 4).
//
// How the workloads map to the emulator:
// - alloc_dcache: stat() of /something-non-existent-with-a-long-name-… makes a negative dentry.
//   The path walk misses the dcache, lookup_slow → d_alloc_parallel → __d_alloc takes a dentry
//   from dentry_cache (SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT): memcg_slab_post_alloc_hook charges
//   obj_full_size to the current task's objcg through the per-CPU object stock, counted in
//   slab_reclaimable; the dentry stays in the dcache after the process exits. The emulator has
//   no lookup of a missing name; its nearest operation is creating a tmpfs file
//   (createFile({ kind: 'tmpfs' }, { task, cpu })): open(O_CREAT) → lookup_open →
//   d_alloc_parallel → __d_alloc is the same dentry allocation, charged the same way to the same
//   objcg on the same CPU, and the file stays after the task exits as the dentry does. It also
//   charges a shmem inode (shmem_inode_cache, 760 B, slab_unreclaimable) that a negative dentry
//   does not have, and the emulator's dentry has no external name (the selftest's 110-byte
//   names get one beside the dentry: __d_alloc's kmalloc with GFP_KERNEL_ACCOUNT |
//   __GFP_RECLAIMABLE, charged and reclaimable too): 960 B per "stat" instead of about 400. The pass
//   criteria below are about totals (slab, kernel, memory.current), not that split.
// - The emulator's file table holds 4096 files per system and does not reuse them
//   (assembly/filemap.ts MAX_FILES), so the selftest's counts of stat() calls are scaled where
//   they are larger: test_kmem_basic 100000 → 4096, test_kmem_memcg_deletion 100 per thread →
//   4000 in all; test_kmem_dead_cgroups' 30 × 100 is the selftest's own.
// - cg_run forks a process into the cgroup, runs the function and waits for its exit: a task
//   spawned in the cgroup, exitTask. The forked process's own pages (its stack, page tables) and
//   its threads' task_struct and kernel stacks are not modelled; the kernel frees them at exit
//   (through the same objcg and stocks), so what stays charged afterwards is the dentries.
// - alloc_kmem_smp's 2 × nprocs threads share the process's cgroup and run on the CPUs at once:
//   one task whose stat() calls are made on CPU (thread % nprocs), the threads interleaved.
// - cg_destroy is rmdir (here from CPU 0, the test's own process, while the workload ran on
//   other CPUs too: the remote stock drains of mem_cgroup_css_offline are in play).
//
// Not ported (each is a test.todo below, with its reason): the memory.high half of
// test_kmem_basic, test_kmem_proc_kpagecgroup, test_kmem_kernel_stacks.
import { describe, expect, test } from 'vitest';
import type { System } from '../src/index.js';
import { createSystem } from '../src/index.js';

const PAGE = 4096;
const MB = 1 << 20;
/** The emulator's file table: files a system can create (assembly/filemap.ts MAX_FILES). */
const MAX_FILES = 4096;

/** cgroup v2, kmem on, 1 node; memory is in the root's cgroup.subtree_control (main() of the selftest). */
const machine = (cpus: number): Promise<System> =>
  // autoEnableMemory off: the selftest writes "+memory" to a parent's subtree_control itself
  createSystem({ cgroupVersion: 2, topology: { nodes: 1, cpusPerNode: cpus }, kmem: true, autoEnableMemory: false });
/** MAX_VMSTAT_ERROR: sysconf(_SC_PAGESIZE) * 64 * get_nprocs() */
const maxVmstatError = (cpus: number) => PAGE * 64 * cpus;

/** atol(): leading blanks, an optional sign, digits; 0 if none. */
const atol = (s: string) => {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
};
/** cg_read_long: atol of the whole file. */
const cgReadLong = (s: System, cg: string, file: string) => atol(s.read(`${cg}/${file}`));
/** cg_read_key_long: strstr(buf, key), atol after it; -1 if the key is not there. */
function cgReadKeyLong(s: System, cg: string, file: string, key: string): number {
  const text = s.read(`${cg}/${file}`);
  const at = text.indexOf(key);
  return at < 0 ? -1 : atol(text.slice(at + key.length));
}

/** alloc_dcache(n) by task on cpu: n "stat() of a missing name" dentries (see the header). */
function allocDcache(s: System, task: number, cpu: number, n: number): void {
  for (let i = 0; i < n; i++) s.createFile({ kind: 'tmpfs' }, { task, cpu });
}
/** cg_run(cg, fn): a process in cg runs fn and exits. */
function cgRun(s: System, cg: string, fn: (task: number) => void): void {
  const t = s.spawn(cg);
  fn(t);
  s.exitTask(t, 0);
}

describe('tools/testing/selftests/cgroup/test_kmem.c', () => {
  // "This test allocates 100000 of negative dentries with long names. Then it checks that
  // "slab" in memory.stat is larger than 1M." (4096 here: 3.9 MB of slab at 960 B each.)
  test('test_kmem_basic, first half: slab in memory.stat is at least 1M after the dentry workload', async () => {
    const s = await machine(2);
    const cg = 'kmem_basic_test';
    s.mkdir(cg);
    cgRun(s, cg, (t) => allocDcache(s, t, 0, MAX_FILES));
    const slab0 = cgReadKeyLong(s, cg, 'memory.stat', 'slab ');
    expect(slab0).toBeGreaterThanOrEqual(1 << 20);
    // The dentries are charged to the cgroup, through memory.current as kernel memory.
    expect(cgReadLong(s, cg, 'memory.current')).toBeGreaterThanOrEqual(slab0);
    expect(cgReadKeyLong(s, cg, 'memory.stat', 'kernel ')).toBeGreaterThanOrEqual(slab0);
  });

  // "Then it sets memory.high to 1M and checks that at least 1/2 of slab memory has been
  // reclaimed": slab1 < slab0 / 2 && current < slab0 / 2 after memory.high = 1M and sleep(1).
  test.todo(
    'test_kmem_basic, second half (NOT PORTED): memory.high 1M reclaims half of the slab. memory_high_write → ' +
      'try_to_free_mem_cgroup_pages → shrink_node_memcgs → shrink_slab runs the memcg-aware dcache/inode shrinkers ' +
      '(super_cache_scan → prune_dcache_sb on the per-memcg list_lru), which free the unused dentries; the emulator\'s ' +
      'reclaim scans only the LRU lists of folios and has no shrinker: after the write slab is unchanged (only the ' +
      'page stock is drained), so slab1 < slab0 / 2 fails',
  );

  // "The test creates and destroys a large number of cgroups. In each cgroup it allocates some
  // slab memory (mostly negative dentries) using 2 * NR_CPUS threads. Then it checks the sanity
  // of numbers on the parent level: the total size of the cgroups should be roughly equal to
  // anon + file + kernel + sock." The children's objcgs are reparented to the parent at rmdir
  // (memcg_reparent_objcgs), so their dentries stay charged to, and counted in, the parent.
  test.each([1, 2, 4])('test_kmem_memcg_deletion (%i CPUs): |anon + file + kernel + sock − memory.current| < MAX_VMSTAT_ERROR after 100 children', async (cpus) => {
    const s = await machine(cpus);
    const parent = 'kmem_memcg_deletion_test';
    s.mkdir(parent);
    s.write(`${parent}/cgroup.subtree_control`, '+memory');
    const threads = 2 * cpus; // alloc_kmem_smp: nr_threads = 2 * get_nprocs()
    const perThread = Math.floor(4000 / (100 * threads)); // the selftest's alloc_dcache(NULL, 100), scaled
    // cg_run_in_subcgroups(parent, alloc_kmem_smp, NULL, 100)
    for (let i = 0; i < 100; i++) {
      const child = `${parent}/child_${i}`;
      s.mkdir(child);
      cgRun(s, child, (t) => {
        for (let k = 0; k < perThread; k++) for (let th = 0; th < threads; th++) s.createFile({ kind: 'tmpfs' }, { task: t, cpu: th % cpus });
      });
      s.rmdir(child, 0);
    }
    const current = cgReadLong(s, parent, 'memory.current');
    const anon = cgReadKeyLong(s, parent, 'memory.stat', 'anon ');
    const file = cgReadKeyLong(s, parent, 'memory.stat', 'file ');
    const kernel = cgReadKeyLong(s, parent, 'memory.stat', 'kernel ');
    const sock = cgReadKeyLong(s, parent, 'memory.stat', 'sock ');
    expect([current, anon, file, kernel, sock].every((v) => v >= 0)).toBe(true);
    const sum = anon + file + kernel + sock;
    expect(Math.abs(sum - current)).toBeLessThan(maxVmstatError(cpus));
    // Not the selftest's check, but what makes its check mean something here: the dentries are
    // there, charged to the parent, and they are most of memory.current.
    expect(kernel).toBeGreaterThan(100 * threads * perThread * 900);
  });

  // "The test reads the entire /proc/kpagecgroup. If the operation went successfully (and the
  // kernel didn't panic), the test is treated as passed."
  test.todo(
    'test_kmem_proc_kpagecgroup (NOT PORTED): /proc/kpagecgroup is the inode number of the memcg of every PFN ' +
      '(page_cgroup_ino, which must cope with slab pages and their objcgs); the emulator has no procfs and no physical ' +
      'page frames, only folios and objects charged to memcgs',
  );

  // "The test spawns a process, which spawns 1000 threads. Then it checks that memory.stat's
  // kernel_stack is at least 1000 pages large."
  test.todo(
    'test_kmem_kernel_stacks (NOT PORTED): 1000 threads → kernel_stack ≥ 1000 pages needs copy_process\'s ' +
      'task_struct and thread stacks (memcg_charge_kernel_stack, MEMCG_KERNEL_STACK_KB); the emulator has no threads ' +
      'and no kernel stacks (docs/kernel-memory.md §8): kernel_stack in memory.stat is always 0',
  );

  // "This test sequentially creates 30 child cgroups, allocates some kernel memory in each of
  // them, and deletes them. Then it checks that the number of dying cgroups on the parent level
  // is 0." (cg_read_key_long_poll of cgroup.stat nr_dying_descendants, 80 × 100 ms.)
  //
  // A removed cgroup is dying while its memory css is not yet freed (a css holds its cgroup):
  // nr_dying_descendants of cgroup.stat (cgroup_stat_show), an exact counter, read as the
  // selftest does.
  const dyingDescendants = (s: System, parent: string) => cgReadKeyLong(s, parent, 'cgroup.stat', 'nr_dying_descendants ');
  /** The parent's percpu bytes in memory.stat (after the forced rstat flush: memory.stat is lazy). */
  function percpuOf(s: System, parent: string): number {
    s.flushStats(parent, { force: true });
    return cgReadKeyLong(s, parent, 'memory.stat', 'percpu ');
  }

  test.each([1, 2, 4])('test_kmem_dead_cgroups (%i CPUs): 30 children with dentries, removed: no dying descendant is left', async (cpus) => {
    const s = await machine(cpus);
    const parent = 'kmem_dead_cgroups_test';
    s.mkdir(parent);
    s.write(`${parent}/cgroup.subtree_control`, '+memory');
    expect(dyingDescendants(s, parent)).toBe(0);
    // cg_run_in_subcgroups(parent, alloc_dcache, (void *)100, 30): each process on the last CPU,
    // cg_destroy from CPU 0
    for (let i = 0; i < 30; i++) {
      const child = `${parent}/child_${i}`;
      s.mkdir(child);
      cgRun(s, child, (t) => allocDcache(s, t, cpus - 1, 100));
      s.rmdir(child, 0);
    }
    // cg_read_key_long_poll(parent, "cgroup.stat", "nr_dying_descendants ", 0, 80, 100 ms)
    let dead = -1;
    for (let retries = 0; retries < 80; retries++) {
      dead = dyingDescendants(s, parent);
      if (dead === 0) break;
      s.wait(100);
    }
    expect(dead).toBe(0);
    // The dentries were not what kept a cgroup dying: they stay, reparented to the parent.
    expect(cgReadKeyLong(s, parent, 'memory.stat', 'slab ')).toBeGreaterThan(30 * 100 * 900);
  });

  test('nr_dying_descendants counts a child that is dying: one removed with a page of tmpfs still charged', async () => {
    // Not the selftest's: the check that the poll above can see a dying cgroup. A folio holds
    // its memcg (folio->memcg_data; 6.18 does not reparent LRU folios), so a child removed with
    // a tmpfs page stays dying until the page is freed (unlink); until then the per-CPU
    // structures mem_cgroup_alloc charged to the parent stay too (freed by __mem_cgroup_free).
    const s = await machine(2);
    const parent = 'kmem_dead_cgroups_test';
    s.mkdir(parent);
    s.write(`${parent}/cgroup.subtree_control`, '+memory');
    const before = percpuOf(s, parent);
    s.mkdir(`${parent}/child`);
    const perChild = percpuOf(s, parent) - before;
    expect(perChild).toBeGreaterThan(0);
    const t = s.spawn(`${parent}/child`);
    const f = s.createFile({ kind: 'tmpfs' }, { task: t, cpu: 1 });
    s.writeFile(f, { task: t, cpu: 1, length: PAGE });
    s.exitTask(t, 1);
    s.rmdir(`${parent}/child`, 0);
    expect(dyingDescendants(s, parent)).toBe(1);
    expect(percpuOf(s, parent) - before).toBe(perChild);
    s.unlinkFile(f, 0);
    expect(dyingDescendants(s, parent)).toBe(0);
    expect(percpuOf(s, parent)).toBe(before);
  });

  // "This test creates a sub-tree with 1000 memory cgroups. Then it checks that the
  // memory.current on the parent level is greater than 0 and approximates matches the percpu
  // value from memory.stat." Each child's memcg_vmstats_percpu and lruvec_stats_percpu (and
  // its memcg_vmstats and lruvec_stats slab objects) are charged to the parent at mkdir
  // (mem_cgroup_css_alloc under set_active_memcg(parent), docs/kernel-memory.md §2).
  test.each([1, 2, 4])('test_percpu_basic (%i CPUs): 1000 children: |memory.current − (percpu + slab)| < MAX_VMSTAT_ERROR', async (cpus) => {
    const s = await machine(cpus);
    const parent = 'percpu_basic_test';
    s.mkdir(parent);
    s.write(`${parent}/cgroup.subtree_control`, '+memory');
    for (let i = 0; i < 1000; i++) s.mkdir(`${parent}/child_${i}`);
    const current = cgReadLong(s, parent, 'memory.current');
    const percpu = cgReadKeyLong(s, parent, 'memory.stat', 'percpu ');
    const slab = cgReadKeyLong(s, parent, 'memory.stat', 'slab ');
    expect(current).toBeGreaterThan(0);
    expect(percpu).toBeGreaterThan(0);
    expect(slab).toBeGreaterThanOrEqual(0);
    expect(Math.abs(current - (percpu + slab))).toBeLessThan(maxVmstatError(cpus));
    // The check fails when MEMCG_PERCPU_B counts only the CPUs' copies (size × nr_cpus) while
    // the charge is pcpu_obj_full_size: 1000 × (1216 + 528) / 4 × 8 B = 3.5 MB uncounted.
    expect(percpu).toBe(1000 * (1216 + 528) * (cpus + 2));
  });
});
