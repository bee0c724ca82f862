// The pcstock row: mainline with Joshua Hahn's per-page_counter stock, v4 of "mm/memcontrol,
// page_counter: move stock from mem_cgroup to page_counter" (23 Jun 2026,
// <20260623180124.868655-1-joshua.hahnjy@gmail.com>). Each expectation follows the patches:
// 1/5 (struct page_counter_stock: one atomic per CPU per counter), 3/5
// (page_counter_try_charge_stock: stock, else greedy batch, else exact), 4/5 (try_charge_memcg
// without consume_stock/refill_stock, the synchronous drain_all_stock, uncharges that go
// straight to the counters). The switches it shares with mainline run over every era in
// profiles.test.ts, try-charge-memcg.test.ts and stock.test.ts.
import { describe, expect, test } from 'vitest';
import { createSystem } from '../src/index.js';

const PAGE = 4096;
const oneCpu = { nodes: 1, cpusPerNode: 1 };

describe('pcstock profile (v4)', () => {
  test('is mainline with the stock in the page_counter', async () => {
    const sys = await createSystem({ profile: 'pcstock', kmem: false });
    expect(sys.profile).toBe('pcstock');
    sys.mkdir('a');
    sys.charge({ cgroup: 'a', cpu: 0 });
    expect(sys.stock(0)).toEqual([]); // no memcg stock slots at all (4/5)
    expect(sys.stockPages('a')).toBe(63); // the greedy batch's surplus, in a's counter stock (3/5)
  });

  // 1/5: a stock per CPU per counter, so no memcg evicts another (the 7-slot limit is gone).
  test('a stock per memcg per CPU: no eviction with more than 7 memcgs on a CPU', async () => {
    const sys = await createSystem({ profile: 'pcstock', topology: oneCpu, kmem: false });
    for (let m = 0; m < 10; m++) sys.mkdir(`m${m}`);
    for (let r = 0; r < 3; r++) for (let m = 0; m < 10; m++) sys.charge({ cgroup: `m${m}`, cpu: 0 });
    const s = sys.simStats();
    expect(s.stockEvictions).toBe(0);
    expect(s.stockHits).toBe(20); // only the first charge of each memcg walks the counters
    expect(sys.stockPages('m0')).toBe(61); // 64 - 3
    expect(s.stockedMax).toBe(10 * 63); // the stale charge: nr_cgroups × batch - 1 here
  });

  // 4/5 drain_all_stock: every memcg of the subtree, every CPU, atomic_xchg from the caller.
  test('drain_all_stock takes every CPU\'s stock of the subtree synchronously', async () => {
    const sys = await createSystem({ profile: 'pcstock', topology: { nodes: 1, cpusPerNode: 2 }, kmem: false });
    sys.mkdir('a');
    sys.mkdir('a/b');
    sys.charge({ cgroup: 'a/b', cpu: 1 });
    sys.drainAllStock('a', 0);
    expect(sys.stockPages('a/b')).toBe(0);
    expect(sys.counter('a/b').usage).toBe(1);
    expect(sys.counter('a').usage).toBe(1);
  });

  // 4/5 mem_cgroup_sk_uncharge: page_counter_uncharge instead of refill_stock.
  test('a socket uncharge goes straight to the counters', async () => {
    const sys = await createSystem({ profile: 'pcstock', topology: oneCpu, kmem: false });
    sys.mkdir('s');
    sys.skCharge({ cgroup: 's', cpu: 0, pages: 3 });
    sys.skUncharge({ cgroup: 's', cpu: 0, pages: 3 });
    expect(sys.counter('s').usage).toBe(61);
    expect(sys.stockPages('s')).toBe(61);
  });

  // 4/5: "the memsw and memory page_counters have independent stock". memory.limit 100
  // pages, memsw 128: at the 65th page both stocks are empty; memsw's greedy batch fits (128),
  // memory's does not (128 > 100) and it charges exactly; memsw keeps its surplus. 6.18 (and
  // mainline): the failed memory batch uncharges memsw's batch too and retries both counters
  // with one page.
  test.each([['mainline', 65], ['pcstock', 128]])('v1 %s: memsw usage after 65 one-page charges', async (profile, memsw) => {
    const sys = await createSystem({ profile, cgroupVersion: 1, topology: oneCpu, kmem: false });
    sys.mkdir('a', { 'memory.limit_in_bytes': 100 * PAGE, 'memory.memsw.limit_in_bytes': 128 * PAGE });
    for (let i = 0; i < 65; i++) sys.charge({ cgroup: 'a', cpu: 0 });
    expect(sys.counter('a').usage).toBe(65);
    expect(sys.counter('a', 'memsw').usage).toBe(memsw);
  });
});
