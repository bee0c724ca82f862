// Spec §3 worked counts (nothing reclaimable, no killable task, batch 64). Each expected
// number follows the retry loop of try_charge_memcg in mm/memcontrol.c.
//
// failcnt is only counted where the kernel counts it: every counter up to 6.14 (eras 5.15 to
// 6.12), only the v1 memory counter from 6.15 (0e2759afcaf9: mem_cgroup_css_alloc sets
// track_failcnt = !memcg_on_dfl). So each case runs on v2 and on v1 without swap accounting,
// where the memory counter is the only one charged.
import { describe, expect, test } from 'vitest';
import { codeOf, fill, sys } from './helpers/sys.js';
import { ERAS, KERNEL, type Era } from './helpers/eras.js';

const PAGE = 4096;
const VERSIONS = [2, 1] as const;
const CASES = ERAS.flatMap((profile) => VERSIONS.map((version) => ({ profile, version })));

/** The failcnt a memory counter shows for n failed attempts on this era and version. */
export function failcnt(profile: Era, version: 1 | 2, n: number): number {
  return KERNEL(profile).failcntEverywhere || version === 1 ? n : 0;
}

async function fullMemcg(profile: Era, version: 1 | 2 = 2, pages = 100) {
  const s = await sys({ profile, cgroupVersion: version, swapAccount: false });
  s.mkdir('a', { [version === 2 ? 'memory.max' : 'memory.limit_in_bytes']: pages * PAGE });
  const folios = fill(s, 'a');
  return { s, folios };
}

describe.each(CASES)('try_charge_memcg on profile $profile, v$version', ({ profile, version }) => {
  const fc = (n: number) => failcnt(profile, version, n);
  test('filling a memcg charges exactly up to memory.max', async () => {
    const { s, folios } = await fullMemcg(profile, version);
    expect(folios.length).toBe(100);
    expect(s.counter('a').usage).toBe(100);
  });

  test('1-page GFP_KERNEL into a full memcg: failcnt +19, max +18, oom +1, ENOMEM', async () => {
    const { s } = await fullMemcg(profile, version);
    const c0 = s.counter('a');
    const e0 = s.events('a');
    expect(codeOf(() => s.charge({ cgroup: 'a', cpu: 0 }))).toBe('ENOMEM');
    const c1 = s.counter('a');
    const e1 = s.events('a');
    // pass 1 fails twice (batch 64, then 1), then one pass after the drain and 16 retries.
    expect(c1.failcnt - c0.failcnt).toBe(fc(19));
    expect(e1.max - e0.max).toBe(18);
    expect(e1.oom - e0.oom).toBe(1);
    expect(c1.usage).toBe(100);
  });

  test('GFP_NOWAIT into a full memcg: failcnt +2, no events, ENOMEM', async () => {
    const { s } = await fullMemcg(profile, version);
    const c0 = s.counter('a');
    const e0 = s.events('a');
    expect(codeOf(() => s.charge({ cgroup: 'a', cpu: 0, gfp: 'GFP_NOWAIT' }))).toBe('ENOMEM');
    expect(s.counter('a').failcnt - c0.failcnt).toBe(fc(2));
    expect(s.events('a')).toEqual(e0);
  });

  test('GFP_KERNEL|__GFP_NORETRY: gives up after the drain pass (failcnt +3, max +2)', async () => {
    const { s } = await fullMemcg(profile, version);
    const c0 = s.counter('a');
    const e0 = s.events('a');
    expect(codeOf(() => s.charge({ cgroup: 'a', cpu: 0, gfp: 'GFP_KERNEL|__GFP_NORETRY' }))).toBe('ENOMEM');
    expect(s.counter('a').failcnt - c0.failcnt).toBe(fc(3));
    expect(s.events('a').max - e0.max).toBe(2);
    expect(s.events('a').oom).toBe(e0.oom);
  });

  test('GFP_KERNEL|__GFP_RETRY_MAYFAIL: all retries, no OOM (failcnt +19, max +18, oom +0)', async () => {
    const { s } = await fullMemcg(profile, version);
    const c0 = s.counter('a');
    const e0 = s.events('a');
    expect(codeOf(() => s.charge({ cgroup: 'a', cpu: 0, gfp: 'GFP_KERNEL|__GFP_RETRY_MAYFAIL' }))).toBe('ENOMEM');
    expect(s.counter('a').failcnt - c0.failcnt).toBe(fc(19));
    expect(s.events('a').max - e0.max).toBe(18);
    expect(s.events('a').oom).toBe(e0.oom);
  });

  test('GFP_KERNEL|__GFP_NOFAIL: the whole loop, the OOM, then forced over the limit', async () => {
    const { s } = await fullMemcg(profile, version);
    const c0 = s.counter('a');
    const e0 = s.events('a');
    const folio = s.charge({ cgroup: 'a', cpu: 0, gfp: 'GFP_KERNEL|__GFP_NOFAIL' });
    expect(s.folio(folio)?.cgroup).toBe('a');
    expect(s.counter('a').usage).toBe(101);
    expect(s.counter('a').failcnt - c0.failcnt).toBe(fc(19));
    expect(s.events('a').max - e0.max).toBe(18); // raised already: force adds none
    expect(s.events('a').oom - e0.oom).toBe(1);
    expect(s.simStats().forced).toBe(1);
  });

  test('order-9 charge into a parent with room for less: failcnt 18 on the parent, no OOM, rollback', async () => {
    const s = await sys({ profile, cgroupVersion: version, swapAccount: false });
    s.mkdir('p', { [version === 2 ? 'memory.max' : 'memory.limit_in_bytes']: 600 * PAGE });
    s.mkdir('p/c');
    s.charge({ cgroup: 'p/c', cpu: 0, order: 9 });
    expect(codeOf(() => s.charge({ cgroup: 'p/c', cpu: 0, order: 9 }))).toBe('ENOMEM');
    // batch = nr_pages = 512: one failure per pass, 1 + 1 (drain) + 16 passes.
    expect(s.counter('p').failcnt).toBe(fc(18));
    expect(s.counter('p/c').failcnt).toBe(0);
    expect(s.events('p').max).toBe(18);
    expect(s.events('p').oom).toBe(0); // order 9 > PAGE_ALLOC_COSTLY_ORDER: no OOM
    expect(s.events('p/c').max).toBe(0); // events go to the memcg over its limit and up
    expect(s.counter('p/c').usage).toBe(512);
    expect(s.counter('p').usage).toBe(512);
    expect(s.counter('').usage).toBe(512);
  });
});

describe('GFP_ATOMIC into a full memcg (failcnt +2, forced to max + 1)', () => {
  // try_charge_memcg: 5.15 forces __GFP_ATOMIC right after the batch retry, before any
  // MEMCG_MAX event; 6.0+ goes to nomem (no direct reclaim), forces __GFP_HIGH and raises
  // MEMCG_MAX once ("do not miss MEMCG_MAX events for enforced allocations").
  test.each(CASES)('$profile, v$version', async ({ profile, version }) => {
    const maxEvents = KERNEL(profile).atomicBypass ? 0 : 1;
    const { s } = await fullMemcg(profile, version);
    const c0 = s.counter('a');
    const e0 = s.events('a');
    s.charge({ cgroup: 'a', cpu: 0, gfp: 'GFP_ATOMIC' });
    const c1 = s.counter('a');
    expect(c1.failcnt - c0.failcnt).toBe(failcnt(profile, version, 2));
    expect(s.events('a').max - e0.max).toBe(maxEvents);
    expect(c1.usage).toBe(101);
    expect(c1.watermark).toBe(101);
  });
});

// try_charge_memcg nomem: 5.15 forces only __GFP_NOFAIL; from 6.0 __GFP_HIGH too, with one MAX event.
describe.each(ERAS)('GFP_NOWAIT|__GFP_HIGH into a full memcg, profile %s', (profile) => {
  test('ENOMEM (5.15) or forced to max + 1', async () => {
    const { s } = await fullMemcg(profile, 2);
    const e0 = s.events('a').max;
    const got = codeOf(() => s.charge({ cgroup: 'a', cpu: 0, gfp: 'GFP_NOWAIT|__GFP_HIGH' }));
    const old = KERNEL(profile).atomicBypass;
    expect(got).toBe(old ? 'ENOMEM' : 'ok');
    expect(s.counter('a').usage).toBe(old ? 100 : 101);
    expect(s.events('a').max - e0).toBe(old ? 0 : 1);
  });
});

describe('memcg_memory_event propagation (v2 hierarchical events)', () => {
  test('a MAX event counts on the failing memcg and its ancestors below the root; .local only on it', async () => {
    const s = await sys();
    s.mkdir('a');
    s.mkdir('a/b', { 'memory.max': 10 * PAGE });
    fill(s, 'a/b');
    expect(s.events('a/b').max).toBe(18);
    expect(s.events('a/b', { local: true }).max).toBe(18);
    expect(s.events('a').max).toBe(18);
    expect(s.events('a', { local: true }).max).toBe(0);
    expect(s.events('').max).toBe(0); // the root is never counted
    expect(s.events('a').oom).toBe(1);
  });

  test('the memcg over its limit is the ancestor: events and failcnt land there, not on the child', async () => {
    const s = await sys({ profile: '6.12' }); // failcnt on every counter (<= 6.14)
    s.mkdir('a', { 'memory.max': 10 * PAGE });
    s.mkdir('a/b');
    fill(s, 'a/b');
    expect(s.counter('a/b').failcnt).toBe(0);
    expect(s.counter('a').failcnt).toBeGreaterThanOrEqual(19);
    expect(s.events('a/b').max).toBe(0);
    expect(s.events('a').max).toBe(18);
  });
});

describe('cgroup v1 with memsw accounting', () => {
  test('memsw.limit below limit_in_bytes is EINVAL (mem_cgroup_resize_max); the mkdir is undone', async () => {
    const s = await sys({ cgroupVersion: 1 });
    expect(codeOf(() => s.mkdir('a', { 'memory.limit_in_bytes': 200 * PAGE, 'memory.memsw.limit_in_bytes': 100 * PAGE }))).toBe('EINVAL');
    expect(codeOf(() => s.counter('a'))).toBe('ENOENT');
  });

  // 6.15+: the memsw counter never tracks failcnt (seen live on 6.18: memsw.failcnt 0 after an OOM kill).
  test.each(ERAS.map((profile) => [profile, KERNEL(profile).failcntEverywhere ? 19 : 0] as const))('memsw equal to memory: memsw is charged first, so it is the failing counter (%s: memsw.failcnt +%i)', async (profile, memswFails) => {
    const s = await sys({ profile, cgroupVersion: 1 });
    s.mkdir('a', { 'memory.limit_in_bytes': 100 * PAGE, 'memory.memsw.limit_in_bytes': 100 * PAGE });
    fill(s, 'a');
    expect(s.counter('a').usage).toBe(100);
    expect(s.counter('a', 'memsw').usage).toBe(100);
    expect(s.counter('a').failcnt).toBe(0);
    const f0 = s.counter('a', 'memsw').failcnt;
    const e0 = s.events('a').max;
    expect(codeOf(() => s.charge({ cgroup: 'a', cpu: 0 }))).toBe('ENOMEM');
    expect(s.counter('a', 'memsw').failcnt - f0).toBe(memswFails);
    expect(s.counter('a').failcnt).toBe(0);
    expect(s.events('a').max - e0).toBe(18); // the failures still raise MEMCG_MAX
  });

  test('without swap accounting the memsw counter does not exist', async () => {
    const s = await sys({ cgroupVersion: 1, swapAccount: false });
    s.mkdir('a');
    s.charge({ cgroup: 'a', cpu: 0 });
    expect(codeOf(() => s.counter('a', 'memsw'))).toBe('ok');
    expect(s.counter('a', 'memsw').usage).toBe(0);
    expect(codeOf(() => s.writeLimit('a', 'memory.memsw.limit_in_bytes', '1M'))).toBe('EINVAL');
  });
});
