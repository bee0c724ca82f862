// MEMCG_CHARGE_BATCH per era (assembly/profile.ts CHARGE_BATCH): 32U in 5.15 (read in
// unifreq/linux-5.15.y, 5.15.215, include/linux/memcontrol.h), 64U from 6.1 (unifreq/linux-6.1.y,
// 6.1.166; 1813e51eece0 "memcg: increase MEMCG_CHARGE_BATCH to 64"). Every use the kernel
// bases on it follows the era: try_charge_memcg's batch and consume_stock/refill_stock,
// calculate_high_delay's nominal charge, and memcg_rstat_updated's flush threshold.
import { describe, expect, test } from 'vitest';
import type { System } from '../src/index.js';
import { sys } from './helpers/sys.js';
import { ERAS, KERNEL } from './helpers/eras.js';

const PAGE = 4096;
const usage = (s: System, path: string) => s.counter(path).usage;
const anon = (s: System, path: string) => Number(/^anon (\d+)$/m.exec(s.read(`${path}/memory.stat`))![1]) / PAGE;

describe.each(ERAS)('MEMCG_CHARGE_BATCH, profile %s', (profile) => {
  const B = KERNEL(profile).chargeBatch;

  test('the chargeBatch option defaults to the era\'s constant', async () => {
    const s = await sys({ profile, kmem: false });
    s.mkdir('a');
    // try_charge_memcg: batch = max(MEMCG_CHARGE_BATCH, nr_pages); refill_stock keeps batch - 1.
    s.charge({ cgroup: 'a', cpu: 0 });
    expect([usage(s, 'a'), s.stockPages('a')]).toEqual([B, B - 1]);
    expect(s.chargeBatch).toBe(B); // what live compare takes as "a whole new batch"
    expect((await sys({ profile, chargeBatch: 5 })).chargeBatch).toBe(5);
  });

  test('pages charged one by one move usage in steps of the batch (70 pages)', async () => {
    const s = await sys({ profile, kmem: false });
    s.mkdir('a');
    for (let i = 0; i < 70; i++) s.charge({ cgroup: 'a', cpu: 0 });
    // consume_stock serves B - 1 charges after each miss: usage = ceil(70 / B) * B.
    expect(usage(s, 'a')).toBe(Math.ceil(70 / B) * B);
    expect(usage(s, 'a') - s.stockPages('a')).toBe(70);
  });

  test('memory.high: a THP over high sleeps penalty * 512 / MEMCG_CHARGE_BATCH jiffies', async () => {
    const s = await sys({ profile, kmem: false });
    s.mkdir('h', { 'memory.high': 16384 * PAGE });
    const t = s.spawn('h');
    for (let i = 0; i < 32; i++) s.charge({ task: t, cpu: 0, order: 9 }); // exactly high
    expect(s.task(t).throttledMs).toBe(0);
    s.charge({ task: t, cpu: 0, order: 9 });
    // calculate_high_delay (5.15.215 and 6.1.166 alike): overage (512 << 20) / 16384 = 32768;
    // 32768² * 1000 >> 20 >> 14 = 62 jiffies, * 512 / MEMCG_CHARGE_BATCH (HZ 1000: ms).
    expect(s.task(t).throttledMs).toBe(Math.floor((62 * 512) / B));
  });
});

// memcg_rstat_updated / mem_cgroup_flush_stats up to 6.6 (5.15.215, 6.1.166, 6.6.57): a CPU's
// update count past MEMCG_CHARGE_BATCH adds x / MEMCG_CHARGE_BATCH to stats_flush_threshold
// and restarts; a reader flushes once the threshold exceeds the online CPUs (1 here). With
// updates of 1 each, every B + 1 of them add 1: the flush comes at 2 (B + 1) updates. A
// 1-page anon fault makes 3: PGFAULT (handle_mm_fault → count_memcg_event_mm), PGPGIN
// (mem_cgroup_charge_statistics), NR_ANON_MAPPED (the anon rmap); the LRU list's size
// (update_lru_size) comes 15 at once when the 15th folio fills the per-CPU lru_add batch
// (PAGEVEC_SIZE 15 in these eras). n faults make 3n + 15 floor(n / 15): 5.15 (B 32) is due at
// the 16th fault in b (n 17: 51 + 15 = 66 >= 66), 6.1 and 6.6 (B 64) at the 33rd (n 34:
// 102 + 30 = 132 >= 130; n 33 makes 129).
describe.each(['5.15', '6.1', '6.6'] as const)('the global flush threshold follows the batch, profile %s', (profile) => {
  test('a reader sees a\'s page once enough updates elsewhere make the tree-wide flush due', async () => {
    const B = KERNEL(profile).chargeBatch;
    const s = await sys({ profile, kmem: false });
    s.mkdir('a');
    s.mkdir('b');
    s.charge({ cgroup: 'a', cpu: 0 });
    let k = 0;
    while (anon(s, 'a') === 0) {
      s.charge({ cgroup: 'b', cpu: 0 });
      k++;
    }
    expect(k).toBe(B === 32 ? 16 : 33);
  });
});
