// cgroup v1 swap accounting (6.18 mm/memcontrol.c, mm/memcontrol-v1.c):
// - mem_cgroup_usage: the root's memsw usage is its global page count plus the used swap
//   (total_swap_pages - get_nr_swap_pages());
// - __mem_cgroup_try_charge_swap returns at once in v1: the swap counter is never charged,
//   memsw already holds the page (memcg1_swapout only moves it to the record's memcg);
// - memcg1_swapout → memcg1_charge_statistics(memcg, -nr): one pgpgout event and nr pages of
//   nr_page_events per swapped-out folio.
import { describe, expect, test } from 'vitest';
import { sys } from './helpers/sys.js';

const PAGE = 4096;

/** a (limit 100 pages, no stock) faulted 150 one-page anon folios by a task, with 1M of swap. */
async function swapped(swapAccount: boolean) {
  const s = await sys({ cgroupVersion: 1, stock: false, swap: '1M', swapAccount });
  s.mkdir('a', { 'memory.limit_in_bytes': 100 * PAGE });
  const t = s.spawn('a');
  for (let i = 0; i < 150; i++) s.charge({ task: t, cpu: 0 });
  const dev = s.swapDevice();
  const inSwap = dev.totalPages - dev.freePages;
  return { s, t, inSwap };
}

describe('v1 swap accounting', () => {
  test('mem_cgroup_usage: the root memsw.usage_in_bytes adds the used swap to the global page count', async () => {
    const { s, t, inSwap } = await swapped(true);
    expect(inSwap).toBeGreaterThan(0);
    expect(s.task(t).swapEntries).toBe(inSwap);
    const rootMem = Number(s.read('memory.usage_in_bytes'));
    const rootMemsw = Number(s.read('memory.memsw.usage_in_bytes'));
    expect(rootMem).toBe(s.task(t).anonPages * PAGE); // NR_FILE_PAGES + NR_ANON_MAPPED
    expect(rootMemsw - rootMem).toBe(inSwap * PAGE);
    // a's memsw counter holds every page, resident or in swap.
    expect(Number(s.read('a/memory.memsw.usage_in_bytes'))).toBe(150 * PAGE);
  });

  test('memcg1_swapout: one pgpgout and nr pages of nr_page_events per swapped-out folio', async () => {
    const { s, inSwap } = await swapped(true);
    // charges: 150 page-ins of 1 page; swap-outs: inSwap one-page folios; no uncharge yet.
    expect(s.vmEvents('a')).toEqual({ pgpgin: 150, pgpgout: inSwap, nrPageEvents: 150 + inSwap });
  });

  test('the swap counter is never charged in v1; memsw keeps the swapped pages, swap-in keeps memsw whole', async () => {
    const { s, t, inSwap } = await swapped(true);
    expect(s.counter('a', 'memsw').usage).toBe(150);
    expect(s.counter('a').usage).toBe(150 - inSwap);
    const waiting = s.lruAddPending(0);
    expect(waiting).toBeGreaterThan(0); // faulted after the last reclaim's lru_add_drain
    s.exitTask(t);
    // 6.16+ exit_mmap does not drain: the pages still in CPU 0's lru_add batch stay charged
    // (memory and memsw) until folios_put; the swap entries are freed at once.
    expect([s.counter('a', 'memsw').usage, s.counter('a').usage]).toEqual([waiting, waiting]);
    expect(s.swapDevice().freePages).toBe(s.swapDevice().totalPages);
    s.lruAddDrain(0);
    expect(s.counter('a', 'memsw').usage).toBe(0);
  });

  test('swapaccount=0 (kernels before 6.1): memory is uncharged at swap-out, no counter holds the swap', async () => {
    const { s, t, inSwap } = await swapped(false);
    expect(inSwap).toBeGreaterThan(0);
    expect(s.counter('a').usage).toBe(150 - inSwap);
    expect(s.counter('a', 'memsw').usage).toBe(0); // __mem_cgroup_try_charge_swap: v1 returns at once
    expect(s.vmEvents('a').nrPageEvents).toBe(150 + inSwap);
    s.wait(2000); // the periodic flush
    expect(s.read('a/memory.stat')).toContain(`\nswap ${inSwap * PAGE}\n`); // MEMCG_SWAP of the record's memcg
    s.exitTask(t);
    expect(s.counter('a', 'memsw').usage).toBe(0);
  });
});
