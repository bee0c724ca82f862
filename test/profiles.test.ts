// Kernel eras as profiles (assembly/profile.ts): names and aliases, and one test per switch
// over every era, each expecting what that era's own source does (test/helpers/eras.ts,
// docs/profiles.md). The stock, failcnt and GFP_ATOMIC switches are tested in
// stock.test.ts, page-counter.test.ts and try-charge-memcg.test.ts.
import { describe, expect, test } from 'vitest';
import { ALIASES, PROFILES, findProfile, type System } from '../src/index.js';
import { codeOf, sys } from './helpers/sys.js';
import { ERAS, KERNEL } from './helpers/eras.js';

const PAGE = 4096;
const stat = (s: System, path: string): Record<string, number> =>
  Object.fromEntries(s.read(`${path}/memory.stat`).trim().split('\n').map((l) => l.split(' ')).map(([k, v]) => [k, Number(v)]));
const anonOf = (s: System, path: string) => stat(s, path).anon / PAGE;

describe('profile names', () => {
  test('one row per era, in order', () => {
    expect(PROFILES.map((p) => p.name)).toEqual([...ERAS]);
  });
  test.each([
    ['5.17', '5.15'], ['single', '6.12'], ['6.16', 'multi'], ['6.17', 'multi'], ['multi-rr', '6.18'], ['7.1', 'mainline'],
  ])('alias %s is the %s row', async (alias, row) => {
    expect(ALIASES[alias]).toBe(row);
    expect(findProfile(alias)?.name).toBe(row);
    expect((await sys({ profile: alias })).profile).toBe(row);
  });
  test('the default is multi; an unknown name is EINVAL', async () => {
    expect((await sys()).profile).toBe('multi');
    expect(findProfile('2.6')).toBeUndefined();
    await expect(sys({ profile: '2.6' })).rejects.toMatchObject({ code: 'EINVAL' });
  });
});

// memcg_rstat_updated / mem_cgroup_flush_stats. One CPU: up to 6.6 a reader flushes the whole
// tree once the global count passes 1 batch per CPU (two CPU batches of more than 64
// updates); from 6.12 a reader flushes its own subtree once its own count exceeds 64.
describe.each(ERAS)('statistics flush threshold, profile %s', (profile) => {
  test('a reader with few updates of its own sees them only when the tree-wide count is due (<= 6.6)', async () => {
    const s = await sys({ profile });
    s.mkdir('a');
    s.mkdir('b');
    s.charge({ cgroup: 'a', cpu: 0 }); // a handful of updates in a
    for (let i = 0; i < 100; i++) s.charge({ cgroup: 'b', cpu: 0 }); // hundreds in b
    expect(anonOf(s, 'a')).toBe(KERNEL(profile).rstatPerMemcg ? 0 : 1);
    expect(anonOf(s, 'b')).toBe(100); // due either way: b's own count and the global one
    s.wait(2000); // flush_memcg_stats_dwork: everything visible, and the global count restarts
    expect(anonOf(s, 'a')).toBe(1);
    s.charge({ cgroup: 'a', cpu: 0 });
    expect(anonOf(s, 'a')).toBe(1); // one more page is not enough in any era
  });
});

// mem_cgroup_usage, v1 root: up to 6.1 the root memcg's own statistics after a
// threshold-gated flush; from 6.6 the global node counters (exact).
describe.each(ERAS)('v1 root memory.usage_in_bytes, profile %s', (profile) => {
  test('ten pages charged below the root', async () => {
    const s = await sys({ profile, cgroupVersion: 1 });
    s.mkdir('a');
    for (let i = 0; i < 10; i++) s.charge({ cgroup: 'a', cpu: 0 });
    expect(Number(s.read('memory.usage_in_bytes'))).toBe(KERNEL(profile).v1RootUsageGlobal ? 10 * PAGE : 0);
    s.wait(2000);
    expect(Number(s.read('memory.usage_in_bytes'))).toBe(10 * PAGE);
  });
});

// shrink_node_memcgs: a full walk visits both children at every priority, so two identical
// children are scanned alike; a partial walk (6.12+) stops once the goal is met and the
// first child in the walk is scanned more.
describe.each(ERAS)('reclaim walk, profile %s', (profile) => {
  test('one page charged into a full parent of two identical children', async () => {
    const s = await sys({ profile });
    s.mkdir('p', { 'memory.max': 300 * PAGE });
    s.mkdir('p/c1');
    s.mkdir('p/c2');
    for (const c of ['p/c1', 'p/c2']) for (let i = 0; i < 150; i++) s.charge({ cgroup: c, cpu: 0, kind: 'file' });
    s.mkdir('p/c3');
    s.charge({ cgroup: 'p/c3', cpu: 0, kind: 'file' }); // try_to_free_mem_cgroup_pages(p, 32 pages)
    s.flushStats('', { force: true });
    const [c1, c2] = [stat(s, 'p/c1').pgscan, stat(s, 'p/c2').pgscan];
    expect(c1).toBeGreaterThan(0);
    if (KERNEL(profile).partialWalk) expect(c1).toBeGreaterThan(c2);
    else expect(c1).toBe(c2);
  });
});

// mem_cgroup_below_low: up to 6.1 the reclaim target's own elow, left by an earlier reclaim
// rooted at its parent, protects it from its own limit, so its reclaim has to retry below
// memory.low and raises MEMCG_LOW; from 6.2 the target is never protected against itself.
describe.each(ERAS)('protection of the reclaim target, profile %s', (profile) => {
  test('a child with memory.low hits its own memory.max after its parent reclaimed', async () => {
    const s = await sys({ profile });
    s.mkdir('p', { 'memory.max': 150 * PAGE });
    s.mkdir('p/c', { 'memory.low': '1G', 'memory.max': 100 * PAGE });
    s.mkdir('p/d');
    for (let i = 0; i < 60; i++) s.charge({ cgroup: 'p/c', cpu: 0, kind: 'file' });
    for (let i = 0; i < 100; i++) s.charge({ cgroup: 'p/d', cpu: 0, kind: 'file' }); // p reclaims d, c is protected
    expect(s.events('p/c').low).toBe(0);
    for (let i = 0; i < 60; i++) s.charge({ cgroup: 'p/c', cpu: 0, kind: 'file' }); // c reclaims itself
    if (KERNEL(profile).targetSelfProtected) expect(s.events('p/c').low).toBeGreaterThan(0);
    else expect(s.events('p/c').low).toBe(0);
  });
});

// lru_note_cost: up to 6.1 the cost is the pages written out (so with nothing else noted and
// no decay, anon_cost = pswpout); from 6.2 each page written costs SWAP_CLUSTER_MAX and each
// page rotated costs 1, so anon_cost exceeds pswpout (if a decay halved it, it was above a
// quarter of the 16 000-page LRU, still far above pswpout).
describe.each(ERAS)('reclaim cost, profile %s', (profile) => {
  test('one charge into a full memcg of young anon pages, swap available', async () => {
    const s = await sys({ profile, swap: '64M' });
    s.mkdir('x', { 'memory.max': 16000 * PAGE });
    const t = s.spawn('x');
    for (let i = 0; i < 16001; i++) s.charge({ task: t, cpu: 0 });
    s.flushStats('', { force: true });
    const { pswpout } = stat(s, 'x');
    const cost = s.lruCost('x');
    expect(pswpout).toBeGreaterThan(0);
    expect(pswpout).toBeLessThan(16000 / 8);
    expect(cost.file).toBe(0);
    if (KERNEL(profile).lruCostRotation) expect(cost.anon).toBeGreaterThan(pswpout);
    else expect(cost.anon).toBe(pswpout);
  });
});

// oom_kill_process: with memory.oom.group the whole group is killed in every era; the
// MEMCG_OOM_GROUP_KILL event that counts it exists since 5.17.
describe.each(ERAS)('memory.oom.group kill, profile %s', (profile) => {
  test('both tasks of the group die; oom_group_kill counts 1 (5.17+)', async () => {
    const s = await sys({ profile });
    s.mkdir('g', { 'memory.max': 100 * PAGE });
    s.write('g/memory.oom.group', '1');
    const [a, b] = [s.spawn('g'), s.spawn('g')];
    for (let i = 0; i < 40; i++) s.charge({ task: a, cpu: 0 });
    expect(codeOf(() => { for (;;) s.charge({ task: b, cpu: 0 }); })).toBe('EINTR');
    expect([s.task(a).killed, s.task(b).killed]).toEqual([true, true]);
    expect(s.events('g').oom_kill).toBe(3); // oom_kill_memcg_member visits the victim again
    expect(s.events('g').oom_group_kill).toBe(KERNEL(profile).oomGroupKillEvent ? 1 : 0);
  });
});

// try_charge_memcg, v1: the batch of 64 fails on memsw (clearing MAY_SWAP), the retry with one
// page passes memsw and fails on memory. Up to 6.18 MAY_SWAP stays clear: reclaim may not swap
// the anon pages, finds nothing, and the OOM killer takes the faulting task. Mainline sets it
// again on the retry: reclaim swaps and the charge succeeds.
describe.each(ERAS)('MAY_SWAP after a memsw failure, profile %s', (profile) => {
  test('the 101st anon page of a task with limit 100 pages and memsw limit 130', async () => {
    const s = await sys({ profile, cgroupVersion: 1, swap: '4M' });
    s.mkdir('a', { 'memory.limit_in_bytes': 100 * PAGE, 'memory.memsw.limit_in_bytes': 130 * PAGE });
    const t = s.spawn('a');
    for (let i = 0; i < 100; i++) s.charge({ task: t, cpu: 0 });
    const got = codeOf(() => s.charge({ task: t, cpu: 0 }));
    if (KERNEL(profile).maySwapPerRetry) {
      expect(got).toBe('ok');
      expect(s.task(t).swapEntries).toBeGreaterThan(0);
    } else {
      expect(got).toBe('EINTR');
      expect(s.events('a').oom_kill).toBe(1);
    }
  });
});

// try_charge_memcg: from 6.1 (c9afe31ec443) an overage above MEMCG_CHARGE_BATCH is handled
// inside the charge, before commit_charge: reclaim finds an empty LRU (the THP is not on it
// yet), and the task is throttled the full 2 s (try-charge-memcg-6.18.test.ts derives the
// numbers). 5.15 handles it only on the way back to user space, after the THP is on the LRU:
// reclaim_high can swap the THP out by its own charge.
describe.each(ERAS)('memory.high for one THP fault over memory.high=1M, profile %s', (profile) => {
  test('inside the charge (6.1+) or on the way out (5.15)', async () => {
    const s = await sys({ profile, swap: '16M' });
    s.mkdir('a', { 'memory.high': '1M' });
    const t = s.spawn('a');
    s.charge({ task: t, cpu: 0, order: 9 });
    if (KERNEL(profile).highInCharge) {
      expect(s.task(t)).toMatchObject({ anonPages: 512, swapEntries: 0, throttledMs: 2000 });
      expect(s.events('a').high).toBe(17);
    } else {
      expect(s.task(t).swapEntries).toBeGreaterThan(0);
    }
  });
});

// try_charge_memcg: without either reclaim bit (alloc_pages_nolock) 6.15+ charges exactly
// nr_pages and leaves the stock alone; before, the batch of 64 was charged and 63 stocked
// (and again with pcstock, whose v4 4/5 drops the special case).
describe.each(ERAS)('a charge that may not spin (gfp 0), profile %s', (profile) => {
  test('into a fresh memcg', async () => {
    const s = await sys({ profile });
    s.mkdir('a');
    s.charge({ cgroup: 'a', cpu: 0, gfp: '0' });
    const { noSpinBatch: noBatch, chargeBatch: B } = KERNEL(profile);
    expect(s.counter('a').usage).toBe(noBatch ? 1 : B);
    if (KERNEL(profile).pcstock) expect(s.stockPages('a')).toBe(B - 1); // in a's page_counter stock
    else expect(s.stock(0)).toEqual(noBatch ? [] : [{ cgroup: 'a', nrPages: B - 1 }]);
  });
});

// memory_files / mem_cgroup_legacy_files of each era.
describe.each(ERAS)('interface files, profile %s', (profile) => {
  const k = KERNEL(profile);
  test('which memory.* files a v2 cgroup has', async () => {
    const s = await sys({ profile });
    s.mkdir('a');
    const ls = s.ls('a');
    expect(ls.includes('memory.peak')).toBe(k.peakAndReclaimFiles);
    expect(ls.includes('memory.reclaim')).toBe(k.peakAndReclaimFiles);
    expect(ls.includes('memory.swap.peak')).toBe(k.swapPeakFile);
    expect(ls.includes('memory.current')).toBe(true);
  });
  test('memory.events lines (__memory_events_show)', async () => {
    const s = await sys({ profile });
    s.mkdir('a');
    const keys = s.read('a/memory.events').trim().split('\n').map((l) => l.split(' ')[0]);
    expect(keys).toEqual([
      'low', 'high', 'max', 'oom', 'oom_kill',
      ...(k.oomGroupKillEvent ? ['oom_group_kill'] : []), ...(k.sockThrottled ? ['sock_throttled'] : []),
    ]);
  });
  test.runIf(k.peakAndReclaimFiles)('memory.peak writes (peak_write, 6.12+) and memory.reclaim arguments', async () => {
    const s = await sys({ profile, swap: '4M' });
    s.mkdir('a');
    const f = s.open('a/memory.peak');
    expect(codeOf(() => f.write('reset'))).toBe(k.peakWrite ? 'ok' : 'EINVAL');
    f.close();
    expect(codeOf(() => s.write('a/memory.reclaim', '4K'))).toBe('EAGAIN'); // nothing to reclaim, in every era
    expect(codeOf(() => s.write('a/memory.reclaim', '4K swappiness=10'))).toBe(k.reclaimSwappiness ? 'EAGAIN' : 'EINVAL');
    expect(codeOf(() => s.write('a/memory.reclaim', '4K swappiness=max'))).toBe(k.reclaimSwappinessMax ? 'EAGAIN' : 'EINVAL');
  });
});
