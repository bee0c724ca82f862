// memory.high for a charge from softirq (try_charge_memcg, 5.15.215 / 6.1.166 / 6.6.57 /
// 6.12.63 / 6.18.19 alike): "Don't bother a random interrupted task" — outside a task
// (!in_task(); in_interrupt() in 5.15) a charge that leaves a memcg over memory.high schedules
// that memcg's high_work instead of noting the overage on current; high_work_func runs
// reclaim_high(memcg, MEMCG_CHARGE_BATCH, GFP_KERNEL): a MEMCG_HIGH event and
// try_to_free_mem_cgroup_pages of the batch for each level below the root over its high
// limit, and no sleep. Socket memory is charged from softirq with GFP_ATOMIC
// (gfp_memcg_charge), from a task with GFP_KERNEL.
import { describe, expect, test } from 'vitest';
import type { System } from '../src/index.js';
import { sys } from './helpers/sys.js';
import { ERAS, KERNEL } from './helpers/eras.js';

const PAGE = 4096;
const events = (s: System, path: string) => Object.fromEntries(s.read(`${path}/memory.events`).trim().split('\n').map((l) => l.split(' ')).map(([k, v]) => [k, Number(v)]));

/** a with 300 clean file pages charged on CPU 0 and memory.high at its usage: CPU 1's stock is empty. */
async function atHigh(profile: (typeof ERAS)[number]) {
  const s = await sys({ profile, cgroupVersion: 2, topology: { nodes: 1, cpusPerNode: 2 } });
  s.mkdir('a');
  const t = s.spawn('a');
  for (let i = 0; i < 300; i++) s.charge({ task: t, cpu: 0, kind: 'file' });
  const u0 = s.counter('a').usage;
  s.write('a/memory.high', String(u0 * PAGE)); // not over: memory_high_write reclaims nothing
  expect(s.counter('a').usage).toBe(u0);
  return { s, u0 };
}

describe.each(ERAS.filter((e) => e !== 'pcstock'))('high_work, profile %s', (profile) => {
  const B = KERNEL(profile).chargeBatch;

  test('a softirq socket charge over memory.high: the work reclaims at least a batch, counts high once, sleeps nothing', async () => {
    const { s, u0 } = await atHigh(profile);
    expect(s.skCharge({ cgroup: 'a', cpu: 1, pages: 1 })).toBe(true); // GFP_ATOMIC: a batch of B, over high
    expect(events(s, 'a').high).toBe(1);
    // try_to_free_mem_cgroup_pages(a, B): nr_to_reclaim = max(B, SWAP_CLUSTER_MAX) = B of clean file pages
    expect(s.counter('a').usage).toBeLessThanOrEqual(u0 + B - B);
    expect(s.read('a/memory.stat')).toMatch(/^sock 4096$/m);
  });

  test('the same charge from a task (GFP_KERNEL): the overage is noted for the return to user, no reclaim in the charge', async () => {
    const { s, u0 } = await atHigh(profile);
    expect(s.skCharge({ cgroup: 'a', cpu: 1, pages: 1, gfp: 'GFP_KERNEL' })).toBe(true);
    expect(events(s, 'a').high).toBe(0);
    expect(s.counter('a').usage).toBe(u0 + B);
  });
});
