// Spec §2: page_counter rules (mm/page_counter.c), observed through the System API.
// Stock off where exact usage matters, so every charged page is a folio page.
import { describe, expect, test } from 'vitest';
import type { System } from '../src/index.js';
import { codeOf, fill, sys } from './helpers/sys.js';
import { ERAS, KERNEL } from './helpers/eras.js';

const PAGE = 4096;

function chargePages(s: System, cgroup: string, pages: number): number[] {
  return Array.from({ length: pages }, () => s.charge({ cgroup, cpu: 0 }));
}

describe('page_counter_try_charge', () => {
  test('a failing level is rolled back on every level below it; failcnt only on the failing level', async () => {
    // v1: the memory counter is the one that tracks failcnt on 6.12+ (track_failcnt).
    const s = await sys({ stock: false, cgroupVersion: 1, swapAccount: false });
    s.mkdir('p', { 'memory.limit_in_bytes': 10 * PAGE });
    s.mkdir('p/c', { 'memory.limit_in_bytes': 1000 * PAGE });
    chargePages(s, 'p/c', 10);
    expect(codeOf(() => s.charge({ cgroup: 'p/c', cpu: 0 }))).toBe('ENOMEM');
    expect(s.counter('p/c').usage).toBe(10);
    expect(s.counter('p').usage).toBe(10);
    expect(s.counter('').usage).toBe(10);
    // stock off: batch = nr_pages, so one failure per pass: 1 + 1 + 16.
    expect(s.counter('p').failcnt).toBe(18);
    expect(s.counter('p/c').failcnt).toBe(0);
    expect(s.counter('').failcnt).toBe(0);
  });

  // page_counter_try_charge: track_failcnt (6.15+, 0e2759afcaf9) is set for the v1 memory counter only.
  test.each(ERAS)('v2 failcnt on %s: every failure up to 6.14, none from 6.15', async (profile) => {
    const want = KERNEL(profile).failcntEverywhere ? 18 : 0;
    {
      const s = await sys({ stock: false, profile });
      s.mkdir('p', { 'memory.max': 10 * PAGE });
      chargePages(s, 'p', 10);
      expect(codeOf(() => s.charge({ cgroup: 'p', cpu: 0 }))).toBe('ENOMEM');
      expect(s.counter('p').failcnt).toBe(want);
      expect(s.events('p').max).toBe(18);
    }
  });

  test('watermark and local watermark follow the peak of usage on every level', async () => {
    const s = await sys({ stock: false, lruAddBatch: false }); // the frees uncharge at once (no lru_add batch holds them)
    s.mkdir('a');
    s.mkdir('a/b');
    const f = chargePages(s, 'a/b', 30);
    s.uncharge(f.slice(0, 20));
    chargePages(s, 'a', 5);
    expect(s.counter('a/b')).toMatchObject({ usage: 10, watermark: 30, localWatermark: 30 });
    expect(s.counter('a')).toMatchObject({ usage: 15, watermark: 30, localWatermark: 30 });
    expect(s.counter('')).toMatchObject({ usage: 15, watermark: 30 });
  });
});

describe('limits (page_counter_set_max and the files that use it)', () => {
  test('v1 limit_in_bytes below usage: drain, reclaim nothing, EBUSY, old limit kept', async () => {
    const s = await sys({ cgroupVersion: 1, stock: false });
    s.mkdir('a', { 'memory.limit_in_bytes': 100 * PAGE });
    chargePages(s, 'a', 50);
    expect(codeOf(() => s.writeLimit('a', 'memory.limit_in_bytes', 40 * PAGE))).toBe('EBUSY');
    expect(s.counter('a').max).toBe(100);
    s.writeLimit('a', 'memory.limit_in_bytes', 50 * PAGE);
    expect(s.counter('a').max).toBe(50);
    s.writeLimit('a', 'memory.limit_in_bytes', '-1');
    expect(s.counter('a').max).toBe(2251799813685247);
  });

  test('v1 limit_in_bytes: the drain gives back stocked pages, so a limit down to the folios succeeds', async () => {
    const s = await sys({ cgroupVersion: 1 });
    s.mkdir('a');
    chargePages(s, 'a', 10); // 64 charged, 54 in the stock
    expect(s.counter('a').usage).toBe(64);
    s.writeLimit('a', 'memory.limit_in_bytes', 10 * PAGE);
    expect(s.counter('a')).toMatchObject({ usage: 10, max: 10 });
    expect(s.stock(0)).toEqual([]);
  });

  test('v2 memory.max below usage: set anyway, drained, 16 reclaims, one OOM event, usage stays', async () => {
    const s = await sys({ stock: true });
    s.mkdir('a');
    chargePages(s, 'a', 10);
    s.writeLimit('a', 'memory.max', 5 * PAGE);
    expect(s.counter('a')).toMatchObject({ usage: 10, max: 5 });
    expect(s.events('a')).toMatchObject({ oom: 1, max: 0 });
    expect(s.simStats().reclaimCalls).toBe(16);
  });

  test('v2 memory.high below usage: set, drained, reclaim retried, no event', async () => {
    const s = await sys();
    s.mkdir('a');
    chargePages(s, 'a', 10);
    s.writeLimit('a', 'memory.high', '20K');
    expect(s.counter('a')).toMatchObject({ usage: 10, high: 5 });
    expect(s.events('a')).toMatchObject({ oom: 0, high: 0 });
    expect(s.simStats().reclaimCalls).toBe(17); // nr_retries = 16, post-decrement: 17 calls
  });

  test('limits are not writable on the root; unknown files are ENOENT', async () => {
    const s = await sys();
    expect(codeOf(() => s.writeLimit('', 'memory.max', '1M'))).toBe('EINVAL');
    s.mkdir('a');
    expect(codeOf(() => s.writeLimit('a', 'memory.limit_in_bytes', '1M'))).toBe('ENOENT');
  });
});

describe('protection (propagate_protected_usage, effective_protection)', () => {
  test('children_min_usage follows min(usage, memory.min) of each child', async () => {
    const s = await sys({ stock: false });
    s.mkdir('a', { 'memory.min': 50 * PAGE });
    const f = chargePages(s, 'a', 30);
    expect(s.counter('').childrenMinUsage).toBe(30);
    chargePages(s, 'a', 30);
    expect(s.counter('').childrenMinUsage).toBe(50);
    s.writeLimit('a', 'memory.min', 10 * PAGE);
    expect(s.counter('').childrenMinUsage).toBe(10);
    s.uncharge(f);
    s.writeLimit('a', 'memory.min', 'max');
    expect(s.counter('').childrenMinUsage).toBe(30);
  });

  // Reclaim root = the root; A is a child of the root (emin = min); C, D, E share A's.
  async function tree(aMin: number, recursiveProtection: boolean) {
    const s = await sys({ stock: false, recursiveProtection });
    s.mkdir('A', { 'memory.min': aMin * PAGE, 'memory.low': aMin * PAGE });
    s.mkdir('A/C', { 'memory.min': 75 * PAGE, 'memory.low': 75 * PAGE });
    s.mkdir('A/D', { 'memory.min': 25 * PAGE, 'memory.low': 25 * PAGE });
    s.mkdir('A/E');
    s.mkdir('A/F', { 'memory.min': 500 * PAGE }); // no usage: skipped
    for (const c of ['A/C', 'A/D', 'A/E']) chargePages(s, c, 50);
    s.calculateProtection('');
    return s;
  }

  test('claims within the parent: each child gets min(usage, setting)', async () => {
    const s = await tree(100, false);
    expect(s.counter('A')).toMatchObject({ emin: 100, elow: 100 });
    expect(s.counter('A/C')).toMatchObject({ emin: 50, elow: 50 });
    expect(s.counter('A/D')).toMatchObject({ emin: 25, elow: 25 });
    expect(s.counter('A/E')).toMatchObject({ emin: 0, elow: 0 });
    expect(s.counter('A/F')).toMatchObject({ emin: 0, elow: 0 });
  });

  test('overcommitted claims are scaled: protected × parent_effective / siblings_protected', async () => {
    const s = await tree(60, false);
    // siblings protected = 50 + 25 + 0 = 75 > 60
    expect(s.counter('A/C').emin).toBe(40); // 50 × 60 / 75
    expect(s.counter('A/D').emin).toBe(20); // 25 × 60 / 75
    expect(s.counter('A/E').emin).toBe(0);
  });

  test('memory_recursiveprot: the unclaimed rest goes out by unprotected usage', async () => {
    const s = await tree(100, true);
    // unclaimed = 100 - 75 = 25, divided by (parent usage 150 - 75) in proportion to usage - protected
    expect(s.counter('A/C').emin).toBe(50); // fully protected already
    expect(s.counter('A/D').emin).toBe(25 + Math.floor((25 * 25) / 75)); // 33
    expect(s.counter('A/E').emin).toBe(Math.floor((25 * 50) / 75)); // 16
  });
});

describe('hierarchy', () => {
  test('rmdir with children is EBUSY; after rmdir the charges stay until uncharged', async () => {
    const s = await sys({ stock: false, lruAddBatch: false }); // the uncharge frees at once (no lru_add batch holds the folios)
    s.mkdir('a');
    s.mkdir('a/b');
    const f = chargePages(s, 'a/b', 3);
    expect(codeOf(() => s.rmdir('a'))).toBe('EBUSY');
    s.rmdir('a/b');
    expect(codeOf(() => s.charge({ cgroup: 'a/b', cpu: 0 }))).toBe('ENOENT');
    expect(s.counter('a').usage).toBe(3);
    s.uncharge(f);
    expect(s.counter('a').usage).toBe(0);
    s.rmdir('a');
    expect(codeOf(() => s.rmdir(''))).toBe('EBUSY'); // the root (a mount point)
  });

  test('mkdir rejects an existing path, a missing parent and bad settings without creating anything', async () => {
    const s = await sys();
    s.mkdir('a');
    expect(codeOf(() => s.mkdir('a'))).toBe('EEXIST');
    expect(codeOf(() => s.mkdir('x/y'))).toBe('ENOENT');
    expect(codeOf(() => s.mkdir('b', { 'memory.max': '12x' }))).toBe('EINVAL');
    expect(codeOf(() => s.mkdir('b', { 'memory.limit_in_bytes': '1M' }))).toBe('EINVAL');
    expect(s.list()).toEqual(['', 'a']);
  });

  test('fill stops at the limit of the nearest ancestor', async () => {
    const s = await sys();
    s.mkdir('a', { 'memory.max': '1M' });
    s.mkdir('a/b', { 'memory.max': '2M' });
    expect(fill(s, 'a/b').length).toBe(256);
  });
});
