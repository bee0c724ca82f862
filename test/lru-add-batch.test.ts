// The per-CPU lru_add folio_batch (mm/swap.c, 6.18: 31 entries; docs/kernel-memory.md §7),
// with the `lruAddBatch` option: folio_add_lru batches, folio_batch_move_lru when the batch
// is full or for a large folio, lru_add_drain before reclaim, lru_add_drain_all in force_empty.
import { describe, expect, test } from 'vitest';
import { createSystem } from '../src/index.js';
import { ERAS, KERNEL } from './helpers/eras.js';
import { codeOf } from './helpers/sys.js';

const sys = (cpus = 1, o = {}) => createSystem({ cgroupVersion: 1, topology: { nodes: 1, cpusPerNode: cpus }, lruAddBatch: true, ...o });

describe('lru_add batch', () => {
  test('63 charges: the 31st and 62nd fill the batch (on the list: 62), one waits; usage is charged at once', async () => {
    const s = await sys();
    s.mkdir('a');
    for (let i = 0; i < 63; i++) s.charge({ cgroup: 'a', cpu: 0 });
    expect(s.lruSizes('a').inactive_anon).toBe(62);
    expect(s.lruAddPending(0)).toBe(1);
    expect(s.counter('a').usage).toBe(64);
  });

  test('a large folio moves the whole batch with it (folio_test_large)', async () => {
    const s = await sys();
    s.mkdir('a');
    for (let i = 0; i < 5; i++) s.charge({ cgroup: 'a', cpu: 0 });
    s.charge({ cgroup: 'a', cpu: 0, order: 9 });
    expect(s.lruSizes('a').inactive_anon).toBe(5 + 512);
    expect(s.lruAddPending(0)).toBe(0);
  });

  // 6.18 mm/vmscan.c: lru_add_drain() is in shrink_inactive_list / shrink_active_list, which
  // run only for a list get_scan_count gives pages to scan.
  test('a reclaim scan drains only the reclaiming CPU: a folio waiting on another CPU stays there', async () => {
    const s = await sys(2, { cgroupVersion: 2 });
    s.mkdir('a');
    for (let i = 0; i < 31; i++) s.charge({ cgroup: 'a', cpu: 0, kind: 'file' }); // the 31st moves them to the list
    s.charge({ cgroup: 'a', cpu: 0, kind: 'file' });
    const f1 = s.charge({ cgroup: 'a', cpu: 1, kind: 'file' });
    s.write('a/memory.reclaim', '4K', { cpu: 0 }); // scans inactive_file: lru_add_drain on CPU 0
    expect(s.lruAddPending(0)).toBe(0); // f0 left the batch (listed, then reclaimed or not)
    expect(s.folio(f1)).toMatchObject({ lru: null });
    expect(s.lruAddPending(1)).toBe(1);
  });

  // user_proactive_reclaim: with every folio still in a batch the lists are empty and nothing is
  // scanned (so nothing drains), until the final attempt's lru_add_drain_all.
  test('memory.reclaim with the folios all in batches: its last attempt drains every CPU and drops them', async () => {
    const s = await sys(2, { cgroupVersion: 2 });
    s.mkdir('a');
    const f0 = s.charge({ cgroup: 'a', cpu: 0, kind: 'file' });
    const f1 = s.charge({ cgroup: 'a', cpu: 1, kind: 'file' });
    s.write('a/memory.reclaim', '4K', { cpu: 0 });
    expect([s.folio(f0), s.folio(f1), s.lruAddPending(0), s.lruAddPending(1)]).toEqual([null, null, 0, 0]);
  });

  test('force_empty drains every CPU first (lru_add_drain_all) and empties the memcg', async () => {
    const s = await sys(2);
    s.mkdir('a');
    for (let i = 0; i < 3; i++) s.charge({ cgroup: 'a', cpu: 1, kind: 'file' });
    s.write('a/memory.force_empty', '0', { cpu: 0 });
    expect([s.lruAddPending(1), s.counter('a').usage]).toEqual([0, 0]);
  });

  test('a batched folio marked accessed twice goes to the active list when drained (__lru_cache_activate_folio); one uncharged leaves the batch', async () => {
    const s = await sys();
    s.mkdir('a');
    const f = s.charge({ cgroup: 'a', cpu: 0, kind: 'file' }); // referenced at the charge
    s.touch(f); // second access: active
    const g = s.charge({ cgroup: 'a', cpu: 0, kind: 'file' });
    s.uncharge(g);
    expect(s.lruAddPending(0)).toBe(1);
    for (let i = 0; i < 30; i++) s.charge({ cgroup: 'a', cpu: 0, kind: 'file' });
    expect(s.lruSizes('a')).toMatchObject({ active_file: 1, inactive_file: 30 });
  });
});

// folio_batch_add_and_move (6.1+) / pagevec_add_and_need_flush (5.15), read in each era's tree:
// the batch moves to the LRU once it holds PAGEVEC_SIZE folios (15 up to 6.6, 31 from 6.9),
// or at once for a large folio (folio_may_be_lru_cached; 5.15 PageCompound); no other
// condition in any era but lru_cache_disabled (migration, not modelled).
describe.each(ERAS)('lru_add batch size, profile %s', (profile) => {
  const P = KERNEL(profile).pagevecSize;
  test('40 one-page charges: every PAGEVEC_SIZE-th moves the batch, the rest wait', async () => {
    const s = await sys(1, { profile });
    s.mkdir('a');
    for (let i = 0; i < 40; i++) s.charge({ cgroup: 'a', cpu: 0 });
    // 15: the 15th and 30th move (30 listed, 10 wait); 31: the 31st (31 listed, 9 wait)
    expect([s.lruSizes('a').inactive_anon, s.lruAddPending(0)]).toEqual([40 - (40 % P), 40 % P]);
    expect(s.lruAddPending(0)).toBe(P === 15 ? 10 : 9);
  });
  test('a large folio moves a batch that is not full', async () => {
    const s = await sys(1, { profile });
    s.mkdir('a');
    for (let i = 0; i < P - 1; i++) s.charge({ cgroup: 'a', cpu: 0 });
    expect(s.lruAddPending(0)).toBe(P - 1);
    s.charge({ cgroup: 'a', cpu: 0, order: 4 });
    expect([s.lruSizes('a').inactive_anon, s.lruAddPending(0)]).toEqual([P - 1 + 16, 0]);
  });
});

// zap_page_range_single (MADV_DONTNEED), unmap_region, exit_mmap and free_pages_and_swap_cache
// call lru_add_drain() on the unmapping CPU in 5.15.215, 6.1.166, 6.6.57 and 6.12.63; none of
// them does in 6.18.19 or 7.1.5 (live 6.18.44: test/live/lru-hold.json keeps 9 of 40 charged).
describe.each(ERAS)('an unmapped folio in an lru_add batch, profile %s', (profile) => {
  const drains = KERNEL(profile).unmapDrainsLruAdd;
  test(drains ? 'the unmap drains its own CPU first: only the other CPU\'s folio is held' : 'both are held until their batch drains', async () => {
    const s = await sys(2, { profile, stock: false });
    s.mkdir('a');
    const f0 = s.charge({ cgroup: 'a', cpu: 0 });
    const f1 = s.charge({ cgroup: 'a', cpu: 1 });
    s.uncharge([f0, f1], 0);
    expect([s.folioState(f0), s.folioState(f1), s.counter('a').usage]).toEqual([drains ? 'free' : 'batch-held', 'batch-held', drains ? 1 : 2]);
    expect([s.folio(f1), codeOf(() => s.uncharge(f1, 1))]).toEqual([null, 'EINVAL']); // no handle any more
    s.lruAddDrain(1);
    expect([s.folioState(f1), s.counter('a').usage]).toEqual(['free', drains ? 0 : 1]);
  });
  test(drains ? 'exit_mmap drains the exiting CPU: nothing stays charged' : 'exit_mmap does not drain: the task\'s batched pages stay charged', async () => {
    const s = await sys(1, { profile, stock: false, kmem: false }); // user pages only (no page tables)
    s.mkdir('a');
    const t = s.spawn('a');
    for (let i = 0; i < 3; i++) s.charge({ task: t, cpu: 0 });
    s.exitTask(t, 0);
    expect(s.counter('a').usage).toBe(drains ? 0 : 3);
    s.lruAddDrain(0);
    expect(s.counter('a').usage).toBe(0);
  });
});
