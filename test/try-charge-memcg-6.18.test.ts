// try_charge_memcg details of 6.18 (mm/memcontrol.c) and the fault accounting around it
// (mm/memory.c mm_account_fault). Expected numbers follow the kernel source, step by step.
import { describe, expect, test } from 'vitest';
import type { System } from '../src/index.js';
import { codeOf, sys } from './helpers/sys.js';

const PAGE = 4096;
function stat(s: System, path: string): Record<string, number> {
  s.flushStats('', { force: true });
  return Object.fromEntries(s.read(`${path}/memory.stat`).trim().split('\n').map((l) => {
    const [k, v] = l.split(' ');
    return [k, Number(v)];
  }));
}

describe('a memsw failure clears MEMCG_RECLAIM_MAY_SWAP for the rest of the charge (reclaim_options is set before retry:)', () => {
  test('v1: memsw fails the batch, memory fails the page: reclaim may not swap, so the charge OOMs instead of swapping', async () => {
    // limit 256 pages, memsw limit 300, a swap device. The task's 256 pages fill memory (and
    // memsw to 256). Its next fault: memsw +64 → 320 > 300 fails (MAY_SWAP cleared), batch 1:
    // memsw fits, memory 257 > 256 fails; every reclaim pass now runs without swap and finds
    // nothing (anon only): 18 memory failures (1 + 1 after the drain + 16), OOM, the task is the
    // victim: 17 more, then task_is_dying → nomem. Nothing is swapped out.
    const s = await sys({ cgroupVersion: 1, profile: 'multi', swap: '4M' });
    s.mkdir('a', { 'memory.limit_in_bytes': 256 * PAGE, 'memory.memsw.limit_in_bytes': 300 * PAGE });
    const t = s.spawn('a');
    for (let i = 0; i < 256; i++) s.charge({ task: t, cpu: 0 });
    expect(codeOf(() => s.charge({ task: t, cpu: 0 }))).toBe('EINTR');
    expect(s.swapDevice().freePages).toBe(1024);
    expect(stat(s, 'a').pswpout ?? 0).toBe(0);
    expect(Number(s.read('a/memory.failcnt').trim())).toBe(35);
    expect(s.read('a/memory.oom_control')).toMatch(/oom_kill 1/);
  });

  test('v1: without the memsw failure the same fault swaps and fits', async () => {
    const s = await sys({ cgroupVersion: 1, profile: 'multi', swap: '4M' });
    s.mkdir('a', { 'memory.limit_in_bytes': 256 * PAGE, 'memory.memsw.limit_in_bytes': 1024 * PAGE });
    const t = s.spawn('a');
    for (let i = 0; i < 256; i++) s.charge({ task: t, cpu: 0 });
    expect(codeOf(() => s.charge({ task: t, cpu: 0 }))).toBe('ok');
    expect(s.swapDevice().freePages).toBeLessThan(1024);
  });
});

describe('memory.high: a large overage is handled inside try_charge_memcg, before commit_charge (c9afe31ec443, 5.19+)', () => {
  test('one THP fault over memory.high=1M: reclaim finds an empty LRU (the THP is not on it yet) and the task is throttled 2 s', async () => {
    // done_restock: 512 > high → memcg_nr_pages_over_high = 512 > MEMCG_CHARGE_BATCH → now:
    // reclaim_high (MEMCG_HIGH) finds nothing; overage (512 - 256) << 20 / 256 = 2^20;
    // penalty ((2^40 · HZ) >> 20 >> 14) · 512 / 64 = 512000 jiffies, capped at 2 · HZ; no
    // progress: 16 more reclaim_high passes (17 high events), then a 2000-jiffy sleep. Then the
    // THP is committed and stays resident: nothing swapped.
    const s = await sys({ swap: '16M' });
    s.mkdir('a', { 'memory.high': '1M' });
    const t = s.spawn('a');
    const f = s.charge({ task: t, cpu: 0, order: 9 });
    expect(s.folio(f)).toMatchObject({ lru: 'inactive_anon', nrPages: 512 });
    expect(s.task(t)).toMatchObject({ anonPages: 512, swapEntries: 0, throttledMs: 2000 });
    expect(s.events('a')).toMatchObject({ high: 17, max: 0 });
    expect(s.read('a/memory.current')).toBe(`${512 * PAGE}\n`);
    expect(s.swapDevice().freePages).toBe(4096);
  });

  test('a one-page overage is left to the return to user space (64 is not > MEMCG_CHARGE_BATCH)', async () => {
    // memory.high 64K (16 pages): the first fault charges a batch of 64 → 64 over high; 64 is not
    // > 64, so nothing happens inside the charge; on the way out reclaim_high reclaims the new
    // page's memcg (its folio is on the LRU by now): with a swap device it can swap it.
    const s = await sys({ swap: '16M' });
    s.mkdir('a', { 'memory.high': 16 * PAGE });
    const t = s.spawn('a');
    const f = s.charge({ task: t, cpu: 0 });
    expect(s.events('a').high).toBeGreaterThan(0);
    expect(s.task(t).swapEntries + s.task(t).anonPages).toBe(1);
    expect(s.folioState(f)).toMatch(/charged|swapped/);
  });
});

describe('no reclaim bit at all (alloc_pages_nolock, gfpflags_allow_spinning false): the charge takes no batch (6.15+)', () => {
  test('a fresh memcg: exactly nr_pages are charged, the stock is not refilled', async () => {
    const s = await sys();
    s.mkdir('a');
    s.charge({ cgroup: 'a', cpu: 0, gfp: '0' });
    expect(s.counter('a').usage).toBe(1);
    expect(s.stock(0)).toEqual([]);
  });

  test('consume_stock still serves it', async () => {
    const s = await sys();
    s.mkdir('a');
    s.charge({ cgroup: 'a', cpu: 0 }); // 64 charged, 63 stocked
    s.charge({ cgroup: 'a', cpu: 0, gfp: '0' });
    expect(s.counter('a').usage).toBe(64);
    expect(s.stock(0)).toEqual([{ cgroup: 'a', nrPages: 62 }]);
  });

  test('v1, a full memcg: one failure (no batch attempt first), no event, ENOMEM', async () => {
    const s = await sys({ cgroupVersion: 1 });
    s.mkdir('a', { 'memory.limit_in_bytes': 100 * PAGE });
    for (let i = 0; i < 100; i++) s.charge({ cgroup: 'a', cpu: 0 });
    const before = Number(s.read('a/memory.failcnt').trim());
    expect(codeOf(() => s.charge({ cgroup: 'a', cpu: 0, gfp: '0' }))).toBe('ENOMEM');
    expect(Number(s.read('a/memory.failcnt').trim()) - before).toBe(1);
    expect(codeOf(() => s.charge({ cgroup: 'a', cpu: 0, gfp: 'GFP_NOWAIT' }))).toBe('ENOMEM');
    expect(Number(s.read('a/memory.failcnt').trim()) - before).toBe(1 + 2); // GFP_NOWAIT: 64, then 1
    expect(s.events('a').max).toBe(0);
  });
});

describe('PGFAULT: mm_account_fault counts every fault, failed ones included', () => {
  test('anon faults (1-page and THP) and swap-in faults count; page cache and a PTE young-bit touch do not', async () => {
    const s = await sys({ swap: '4M' });
    s.mkdir('a', { 'memory.max': 128 * PAGE });
    const t = s.spawn('a');
    const first = s.charge({ task: t, cpu: 0 });
    s.charge({ cgroup: 'a', cpu: 0, kind: 'file' }); // a read: page cache, no fault
    s.touch(first, { cpu: 0 }); // the accessed bit: no fault
    expect(stat(s, 'a').pgfault).toBe(1);
    s.charge({ cgroup: 'a', cpu: 0 }); // an anon charge without a task stands for a fault of a task on cpu 0
    expect(stat(s, 'a').pgfault).toBe(2);
    // 140 more faults into 128 pages push pages to swap; a swap-in is a major fault
    const ids = Array.from({ length: 140 }, () => s.charge({ task: t, cpu: 0 }));
    const swapped = [first, ...ids].find((id) => s.folioState(id) === 'swapped')!;
    const before = stat(s, 'a');
    s.touch(swapped, { cpu: 0 });
    const after = stat(s, 'a');
    expect([after.pgfault - before.pgfault, after.pgmajfault - before.pgmajfault]).toEqual([1, 1]);
  });

  test('a failed fault counts too, and so does each refault', async () => {
    const s = await sys();
    s.mkdir('a', { 'memory.max': 16 * PAGE });
    const t = s.spawn('a');
    for (let i = 0; i < 16; i++) s.charge({ task: t, cpu: 0 });
    expect(codeOf(() => s.charge({ task: t, cpu: 0 }))).toBe('EINTR'); // the OOM killer takes it
    expect(stat(s, 'a').pgfault).toBe(17);
    // A THP fault into the (now empty) 16-page memcg: a costly order, no OOM, ENOMEM; one fault.
    expect(codeOf(() => s.charge({ cgroup: 'a', cpu: 0, order: 9 }))).toBe('ENOMEM');
    expect(stat(s, 'a').pgfault).toBe(18);
  });
});
