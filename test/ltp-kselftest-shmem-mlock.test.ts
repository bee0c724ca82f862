// Ports of the LTP memcg functional cases for shmem and mlock
// (testcases/kernel/controllers/memcg/functional: memcg_stat_test.sh tests 1-4, and
// memcg_function_test.sh — split in 2016 into memcg_stat_rss.sh, memcg_limit_in_bytes.sh and
// others, ported whole in test/ltp-memcg-functional.test.ts — driving memcg_process --shm /
// --mmap-file / --mmap-lock1 / --mmap-lock2) and of kselftest test_memcg_high_sync
// (tools/testing/selftests/cgroup/test_memcontrol.c), with the expectations those tests check.
// memcg_process (test/helpers/memcg-process.ts) maps /dev/zero MAP_SHARED for --mmap-file (a
// shmem file), uses a SysV segment removed at once (IPC_RMID) for --shm, MAP_LOCKED for
// --mmap-lock1 and mmap + mlock for --mmap-lock2; all of it goes when the process detaches or
// exits. PAGESIZES is 65 pages on kernels ≥ 6.1 (memcg_lib.sh: above the stats batch).
import { describe, expect, test } from 'vitest';
import { createSystem } from '../src/index.js';
import { MemcgProcess, PAGE, PAGESIZES, v1System } from './helpers/memcg-process.js';
import { statKey } from './helpers/sys.js';

const v1 = async () => {
  // kmem off (cgroup.memory=nokmem): the expected values here were derived without kernel memory;
  // lruAddBatch off (v1System): the killed process's pages gone assumes no page held by an lru_add batch
  const s = await v1System({ kmem: false });
  s.mkdir('memcg');
  return s;
};

describe('memcg_stat_test.sh', () => {
  // mapped_file: the script maps PAGESIZES since 2018 (f0b9d187d, "4.16 kernel updates stat
  // counter in a batch"); a single page stays below the flush threshold.
  test.each([
    ['cache', '--shm', PAGESIZES],
    ['mapped_file', '--mmap-file', PAGESIZES],
    ['unevictable', '--mmap-lock1', PAGESIZES],
    ['unevictable', '--mmap-lock2', PAGESIZES],
  ] as const)('test_mem_stat: %s after memcg_process %s of %i bytes, 0 once the process is gone', async (key, mode, size) => {
    const s = await v1();
    const p = new MemcgProcess(s, [mode], size, 'memcg');
    p.signal();
    expect(statKey(s, 'memcg', key)).toBe(size);
    p.stop();
    s.wait(2000);
    expect(statKey(s, 'memcg', key)).toBe(0);
  });
});

describe('memcg_function_test.sh', () => {
  test.each([
    ['--mmap-anon', PAGESIZES, PAGESIZES],
    ['--mmap-file', PAGE, 0],
    ['--shm', PAGE, 0],
    ['--mmap-lock1', PAGESIZES, PAGESIZES],
  ] as const)('testcases 1-3, 5: rss after %s of %i bytes is %i (shmem is not rss)', async (mode, size, rss) => {
    const s = await v1();
    new MemcgProcess(s, [mode], size, 'memcg').signal();
    s.wait(2000);
    expect(statKey(s, 'memcg', 'rss')).toBe(rss);
  });

  test.each(['--mmap-anon', '--mmap-file', '--shm', '--mmap-lock1'] as const)(
    'testcases 8-11: limit_in_bytes = PAGESIZE, %s of 2 pages with no swap: the process is OOM-killed',
    async (mode) => {
      const s = await v1();
      s.writeLimit('memcg', 'memory.limit_in_bytes', PAGE);
      const p = new MemcgProcess(s, [mode], 2 * PAGE, 'memcg');
      p.signal();
      expect(p.error).toBe('EINTR'); // killed in its own fault
      expect(p.status).toBe(137);
      expect(s.task(p.pid).killed).toBe(true);
      expect(s.read('memcg/memory.oom_control')).toMatch(/oom_kill 1\n/);
      expect(s.counter('memcg').usage).toBe(0); // its memory, shmem included, went with it
    },
  );
});

test('kselftest test_memcg_high_sync: memory.high throttles a single 200M mlock (high events, no max event) before memory.max', async () => {
  // swap.max 0, memory.high 30M, memory.max 140M; alloc_anon_mlock(200M) runs until the
  // test's inotify wait sees memory.events change: then high > 0 and max unchanged.
  const s = await createSystem({ cgroupVersion: 2, topology: { nodes: 1, cpusPerNode: 1 }, kmem: false });
  s.mkdir('memcg_test', { 'memory.swap.max': '0', 'memory.high': '30M', 'memory.max': '140M' });
  const t = s.spawn('memcg_test');
  let faulted = 0;
  while (s.events('memcg_test').high === 0 && faulted < 51200) {
    s.mlockPopulate(t, 1);
    faulted++;
  }
  const ev = s.events('memcg_test');
  expect(ev.high).toBeGreaterThan(0);
  expect(ev.max).toBe(0);
  // The first high event comes with the first charge batch over 30M (7680 pages): the mlocked
  // pages are unevictable, reclaim_high frees nothing and the task sleeps its penalty.
  expect(faulted).toBeGreaterThan(7680 - 64);
  expect(faulted).toBeLessThanOrEqual(7680 + 64);
  expect(s.counter('memcg_test').usage).toBeLessThan((140 * 1024 * 1024) / PAGE);
});
