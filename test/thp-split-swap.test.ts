// shrink_folio_list (mm/vmscan.c, 6.18): when folio_alloc_swap fails for a large anon folio
// (no room on the swap device, or the memcg's swap charge fails), reclaim splits it
// (split_folio_to_list) and swaps its base pages — "Fallback to swap normal pages" — counting
// THP_SWPOUT_FALLBACK; the pages that still find no swap are activated one by one
// (activate_locked_split). The split THP leaves NR_ANON_THPS (its PMD mapping is split).
//
// Each case: cgroup a, memory limit 4M (1024 pages), 256 pages of swap for it (memory.swap.max
// 1M on a large device, or a 1M device); its task faults two THPs (a full cgroup), then 100
// base pages. Reclaim takes the older THP: 1 + 255 of its pages go to swap, the other 256 are
// activated, and the faults go on (the emulator used to activate the whole THP and OOM-kill).
import { describe, expect, test } from 'vitest';
import { sys } from './helpers/sys.js';

const PAGE = 4096;
const MB = 1024 * 1024;

const CASES = [
  { name: 'v2, memory.swap.max 1M', cgroupVersion: 2 as const, swap: '64M', limits: { 'memory.max': 4 * MB, 'memory.swap.max': MB } },
  { name: 'v2, a 1M swap device', cgroupVersion: 2 as const, swap: '1M', limits: { 'memory.max': 4 * MB } },
  { name: 'v1, a 1M swap device', cgroupVersion: 1 as const, swap: '1M', limits: { 'memory.limit_in_bytes': 4 * MB } },
];

describe.each(CASES)('THP swap-out falls back to base pages ($name)', ({ cgroupVersion, swap, limits }) => {
  async function run() {
    const s = await sys({ cgroupVersion, swap });
    s.mkdir('a', limits);
    const t = s.spawn('a');
    const thps = [s.charge({ task: t, cpu: 0, order: 9 }), s.charge({ task: t, cpu: 0, order: 9 })];
    for (let i = 0; i < 100; i++) s.charge({ task: t, cpu: 0 });
    return { s, t, thps };
  }

  test('256 pages of one THP are swapped, the task survives, the other THP is whole', async () => {
    const { s, t, thps } = await run();
    expect(s.task(t)).toMatchObject({ alive: true, swapEntries: 256, anonPages: 1024 - 256 + 100 });
    const [gone, whole] = thps.map((f) => s.folio(f));
    expect(gone).toBeNull(); // the head (the range's first page) is in swap
    expect(whole).toMatchObject({ order: 9, split: null });
    // 768 pages resident; of the 100 faults the first charged 1 page (try_charge_memcg retries
    // with nr_pages after its batch failed), the others 64-page batches: 1 + 64 + 64.
    expect(s.counter('a').usage).toBe(768 + 129);
    s.wait(2000); // the periodic stats flush
    const stat = s.read('a/memory.stat');
    if (cgroupVersion === 2) {
      expect(s.read('a/memory.swap.current')).toBe(`${MB}\n`);
      expect(stat).toContain('\nthp_swpout_fallback 1\n');
      expect(stat).toContain('\nthp_swpout 0\n');
      expect(stat).toContain('\npswpout 256\n');
      expect(stat).toContain(`\nanon_thp ${512 * PAGE}\n`);
      expect(stat.startsWith(`anon ${868 * PAGE}\n`)).toBe(true);
      // The THP's charge failed once, then each of the 256 pages left over.
      const max = swap === '1M' ? 0 : 257;
      expect(s.read('a/memory.swap.events')).toBe(`high 0\nmax ${max}\nfail 257\n`);
      expect(s.events('a')).toMatchObject({ oom: 0, oom_kill: 0 });
    } else {
      expect(stat).toContain(`\nrss_huge ${512 * PAGE}\n`);
      expect(stat).toContain(`\nswap ${MB}\n`);
      expect(s.counter('a', 'memsw').usage).toBe(768 + 129 + 256);
    }
  });

  test('the split THP\'s id is the handle of all 512 pages: uncharge frees the resident ones and the swap entries', async () => {
    const { s, t, thps } = await run();
    const [split] = thps;
    const tails = Array.from({ length: 2048 }, (_, id) => id).filter((id) => s.folio(id)?.split === 'tail');
    expect(tails.length).toBe(256); // the resident later pages (the other 255 are in swap)
    expect(s.folio(tails[0])).toMatchObject({ order: 0, cgroup: 'a', lru: 'active_anon' }); // activate_locked_split
    expect(() => s.uncharge(tails[0])).toThrow(/EINVAL/); // not a handle
    expect(() => s.uncharge([tails[0]])).toThrow(/EINVAL/);
    expect(() => s.touch(tails[0])).toThrow(/EINVAL/);
    expect(s.replay([{ op: 'uncharge', folio: tails[0] }])).toEqual([{ ok: false, code: 'EINVAL' }]);
    s.uncharge(split);
    expect(s.task(t)).toMatchObject({ swapEntries: 0, anonPages: 612 });
    expect(s.swapDevice().freePages).toBe(s.swapDevice().totalPages);
    expect(s.counter('a').usage).toBe(512 + 129);
    expect(() => s.uncharge(split)).toThrow(/EINVAL/); // gone now
  });

  test('an uncharge list with the split THP gathers its resident pages as separate folios', async () => {
    const { s, thps } = await run();
    const before = s.vmEvents('a').pgpgout;
    s.uncharge(thps);
    // uncharge_folio counts one pgpgout per folio: 256 resident base pages + the whole THP.
    expect(s.vmEvents('a').pgpgout - before).toBe(257);
    expect(s.counter('a').usage).toBe(129);
  });

  test('touching the split THP swaps its pages back in', async () => {
    const { s, t, thps } = await run();
    s.uncharge(thps[1]); // room for the 256 pages to come back
    s.touch(thps[0], { cpu: 0 });
    expect(s.task(t)).toMatchObject({ swapEntries: 0, anonPages: 612 });
    expect(s.folio(thps[0])).toMatchObject({ order: 0, nrPages: 1, split: 'head', cgroup: 'a' });
  });
});
