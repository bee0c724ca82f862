// The per-CPU mlock folio batch (mm/mlock.c mlock_fbatch, 6.1: mlock_pvec; none in 5.15;
// assembly/mlock_batch.ts, docs/kernel-memory.md §7). Every expected count is derived from the
// era's source: a fault in a locked region is mlock_new_folio (folio_add_lru_vma), on no list
// until the batch is processed (full at PAGEVEC_SIZE, or lru_add_drain); the unmap of a locked
// folio is munlock_folio (__folio_remove_rmap → munlock_vma_folio), whose entry holds the folio
// — charged, on the unevictable list — until the batch is processed. Up to 6.12 the unmap paths
// lru_add_drain (exit_mmap / unmap_region before the zap, free_pages_and_swap_cache before the
// mappings' references go), so nothing is held after the unmap; 6.18 has none of these drains.
// munlock(2) drains before and after its walk (mlock_vma_pages_range).
//
// Measured live on 6.18.44-fc-v1272 (cgroup v1, 2 CPUs, no swap), 6 Dec 2026, by a C probe in a
// child memcg pinned to CPU 0 (taskset -c 0): mmap N anon pages, mlock2(MLOCK_ONFAULT), touch
// each page; memory.stat unevictable read 2 s later, usage_in_bytes before and after an
// mlock+munlock of one page on CPU 0 (lru_add_drain) from outside the memcg:
//  - 40 faults then exit at once: 18 pages held (unevictable 18, usage fell by 18 at the next
//    drain), 3 of 3 runs; with a 3 s sleep before the exit 9 held in 2 of 3 runs (the machine
//    drained the 9 waiting new folios meanwhile) and 0 in one.
//  - 100 faults: unevictable 93 (7 waiting) in 5 of 6 runs; munmap after 3 s: 14 held in 1 of 3
//    runs (0 in 2: drained by the machine); munlock after 3 s: unevictable 0, all 100 inactive,
//    3 of 3 runs, 0 held after the exit.
//  - OOM kill at a 4M limit after 2000 faults: 18 held in 2 of 3 runs (usage 49 → 30-31 pages
//    at the drain, the rest stock), 0 in one. The live fixture test/live/mlock-oom.json measures
//    the driver's version (28 pages, 3 of 3 runs; known-differences.json says why the emulator
//    reads 26).
import { describe, expect, test } from 'vitest';
import type { System } from '../src/index.js';
import { createSystem } from '../src/index.js';
import { ERAS, KERNEL, type Era } from './helpers/eras.js';
import { codeOf, statKey } from './helpers/sys.js';

const sys = (era: Era, o = {}) =>
  createSystem({ cgroupVersion: 1, profile: era, kmem: false, topology: { nodes: 1, cpusPerNode: 2 }, ...o });

/** A task in a, its n faults on CPU 0 in a locked (MLOCK_ONFAULT) region. */
async function locked(era: Era, n: number, o = {}): Promise<{ s: System; t: number; ids: number[] }> {
  const s = await sys(era, o);
  s.mkdir('a');
  const t = s.spawn('a');
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = s.charge({ task: t, cpu: 0 });
    s.mlockNew(id, 0);
    ids.push(id);
  }
  return { s, t, ids };
}
/** The pages a lru_add_drain of CPU 0 uncharges: the held folios (uncharge_batch skips the stock). */
function heldPages(s: System): number {
  const before = s.counter('a').usage;
  s.lruAddDrain(0);
  return before - s.counter('a').usage;
}
// The new folios a batch of this era leaves waiting after n locked faults from an empty batch.
const waiting = (era: Era, n: number) => (KERNEL(era).mlockBatch ? n % KERNEL(era).pagevecSize : 0);
// The folios held after the unmap of n locked folios with w new ones waiting: the entries left
// once the batch has been processed at every PAGEVEC_SIZE-th add (6.16+; none held before).
const heldAfterUnmap = (era: Era, n: number, w: number) => (KERNEL(era).mlockBatch && !KERNEL(era).unmapDrainsLruAdd ? (w + n) % KERNEL(era).pagevecSize : 0);

describe('mlock batch, per era', () => {
  test.each(ERAS)('%s: 40 locked faults wait in the batch, off every list, charged at once', async (era) => {
    const { s, ids } = await locked(era, 40);
    const w = waiting(era, 40); // 6.18: 9 (40 - 31); 6.1/6.6: 10 (40 - 30); 5.15: none
    expect(s.mlockPending(0)).toBe(w);
    expect(s.lruSizes('a').unevictable).toBe(40 - w);
    expect(ids.filter((id) => s.folio(id).lru === null).length).toBe(w);
    s.lruAddDrain(0); // lru_add_drain → mlock_drain_local: __mlock_new_folio
    expect(s.mlockPending(0)).toBe(0);
    expect(s.lruSizes('a').unevictable).toBe(40);
    expect(heldPages(s)).toBe(0);
  });

  test.each(ERAS)('%s: (b) exit right after 40 locked faults: the last munlock_folio entries hold their folios', async (era) => {
    const { s, t, ids } = await locked(era, 40);
    s.exitTask(t, 0);
    const held = heldAfterUnmap(era, 40, waiting(era, 40)); // 6.18: (9 + 40) mod 31 = 18, as measured live
    expect(ids.filter((id) => s.folioState(id) === 'batch-held').length).toBe(held);
    expect(s.lruSizes('a').unevictable).toBe(held); // measured: unevictable 18 after the exit
    s.wait(2000);
    expect(statKey(s, 'a', 'rss')).toBe(0);
    expect(heldPages(s)).toBe(held);
    expect(s.lruSizes('a').unevictable).toBe(0);
    expect(ids.every((id) => s.folioState(id) === 'free')).toBe(true);
  });

  test.each(ERAS)('%s: (b) munmap of 100 locked pages', async (era) => {
    const { s, ids } = await locked(era, 100);
    s.uncharge(ids, 0);
    const held = heldAfterUnmap(era, 100, waiting(era, 100)); // 6.18: (7 + 100) mod 31 = 14, measured once of 3
    expect(s.lruSizes('a').unevictable).toBe(held);
    expect(s.folioState(ids[99])).toBe(held > 0 ? 'batch-held' : 'free'); // the last one unmapped
    if (held > 0) expect(codeOf(() => s.uncharge(ids[99], 0))).toBe('EINVAL'); // not the user's any more
    expect(heldPages(s)).toBe(held);
  });

  test.each(ERAS)('%s: (c) munlock drains first: all 100 on the inactive list, nothing held after the exit', async (era) => {
    const { s, t, ids } = await locked(era, 100);
    s.munlock(ids, 0);
    expect(s.mlockPending(0)).toBe(0);
    expect(s.lruSizes('a')).toMatchObject({ unevictable: 0, inactive_anon: 100 }); // measured: unevictable 0, 3 of 3
    s.exitTask(t, 0);
    expect(heldPages(s)).toBe(0);
  });

  test.each(ERAS)('%s: (a) OOM kill at 4M after a drained phase of 100: the exit leaves the last entries charged', async (era) => {
    const s = await sys(era);
    s.mkdir('a', { 'memory.limit_in_bytes': '4M' });
    const t = s.spawn('a');
    let n = 0;
    for (;;) {
      let id = -1;
      const code = codeOf(() => (id = s.charge({ task: t, cpu: 0 })));
      if (code !== 'ok') break;
      s.mlockNew(id, 0);
      if (++n === 100) s.lruAddDrain(0); // as the live fixture's checkpoint
    }
    expect(n).toBe(1024); // the limit: nothing evictable to reclaim, the faulting task is killed
    expect(s.task(t)).toMatchObject({ alive: false, killed: true });
    // 924 faults after the drain: 924 mod 31 = 25 waiting (6.1/6.6: 924 mod 15 = 9), then the
    // exit's 1024 munlock entries: 6.18 holds (25 + 1024) mod 31 = 26; up to 6.12 the exit drains.
    const held = heldAfterUnmap(era, 1024, waiting(era, 924));
    expect(held).toBe(KERNEL(era).mlockBatch && !KERNEL(era).unmapDrainsLruAdd ? 26 : 0);
    expect(s.lruSizes('a').unevictable).toBe(held);
    expect(heldPages(s)).toBe(held);
  });

  // mm/swap.c 6.18: lru_add_drain → mlock_drain_local drains the running CPU only;
  // lru_add_drain_all asks need_mlock_drain of every CPU and drains each there.
  test('6.18: the batch is per CPU: a drain of CPU 0 leaves CPU 1\'s held folios, lru_add_drain_all frees them', async () => {
    const s = await sys('6.18');
    s.mkdir('a');
    const t = s.spawn('a');
    for (let i = 0; i < 40; i++) s.mlockNew(s.charge({ task: t, cpu: 1 }), 1);
    s.exitTask(t, 1);
    expect([s.mlockPending(0), s.mlockPending(1)]).toEqual([0, 18]);
    expect(heldPages(s)).toBe(0); // CPU 0's drain
    const before = s.counter('a').usage;
    s.lruAddDrain();
    expect(before - s.counter('a').usage).toBe(18);
    expect(s.mlockPending(1)).toBe(0);
  });

  test('lruAddBatch: false has no mlock batch either: a locked fault is on the unevictable list at once', async () => {
    const { s, t } = await locked('6.18', 40, { lruAddBatch: false });
    expect(s.mlockPending(0)).toBe(0);
    expect(s.lruSizes('a').unevictable).toBe(40);
    s.exitTask(t, 0);
    expect(s.lruSizes('a').unevictable).toBe(0);
    expect(heldPages(s)).toBe(0);
  });
});
