// Socket memory: mem_cgroup_sk_charge / mem_cgroup_sk_uncharge (mm/memcontrol.c). v2 charges
// the memory counters (try_charge_memcg) and MEMCG_SOCK; v1 only the tcpmem counters
// (memcg1_charge_skmem / memcg1_uncharge_skmem, mm/memcontrol-v1.c), and a v1 socket has a
// memcg only once its cgroup's tcp limit was written (mem_cgroup_sk_alloc checks
// memcg1_tcpmem_active; memcg_update_tcp_max sets it).
import { describe, expect, test } from 'vitest';
import { createSystem } from '../src/index.js';
import { codeOf } from './helpers/sys.js';
import { ERAS, KERNEL } from './helpers/eras.js';

const PAGE = 4096;
const oneCpu = { nodes: 1, cpusPerNode: 1 };

describe('v2: the memory counters', () => {
  test('charged to the memcg and memory.stat sock; the uncharge refills the stock (6.18)', async () => {
    const sys = await createSystem({ topology: oneCpu });
    sys.mkdir('s');
    expect(sys.skCharge({ cgroup: 's', cpu: 0, pages: 3 })).toBe(true);
    expect(sys.counter('s').usage).toBe(64); // a batch, 61 in the stock
    sys.flushStats('', { force: true });
    expect(sys.read('s/memory.stat')).toMatch(/^sock 12288$/m);
    sys.skUncharge({ cgroup: 's', cpu: 0, pages: 3 });
    expect(sys.stockPages('s')).toBe(64);
  });
});

describe('v1: the tcpmem counters (memory.kmem.tcp.*)', () => {
  const tcp = (sys: Awaited<ReturnType<typeof createSystem>>, path: string) => ({
    usage: Number(sys.read(`${path}memory.kmem.tcp.usage_in_bytes`)) / PAGE,
    maxUsage: Number(sys.read(`${path}memory.kmem.tcp.max_usage_in_bytes`)) / PAGE,
    failcnt: Number(sys.read(`${path}memory.kmem.tcp.failcnt`)),
  });

  test('no tcp limit written: the socket has no memcg, nothing is charged', async () => {
    const sys = await createSystem({ cgroupVersion: 1, topology: oneCpu });
    sys.mkdir('c');
    expect(sys.skCharge({ cgroup: 'c', cpu: 0, pages: 3 })).toBe(true);
    expect(tcp(sys, 'c/').usage).toBe(0);
    expect(sys.counter('c').usage).toBe(0); // v1 never charges socket memory to memory
  });

  test.each(ERAS)('%s: hierarchical charge, the limit, failcnt, __GFP_NOFAIL, uncharge, watermark reset', async (profile) => {
    const sys = await createSystem({ profile, cgroupVersion: 1, topology: oneCpu });
    sys.mkdir('p');
    sys.mkdir('p/c');
    sys.write('p/c/memory.kmem.tcp.limit_in_bytes', String(10 * PAGE));
    expect(sys.skCharge({ cgroup: 'p/c', cpu: 0, pages: 3 })).toBe(true);
    expect(tcp(sys, 'p/c/').usage).toBe(3);
    expect(tcp(sys, 'p/').usage).toBe(3); // page_counter_try_charge walks up to the root's tcpmem
    expect(tcp(sys, '').usage).toBe(3);
    expect(sys.counter('p/c').usage).toBe(0);
    // 3 + 8 > 10: refused; failcnt only where tcpmem tracks it (up to 6.14; 6.15+
    // page_counter_init(&memcg->tcpmem, ..., false)).
    expect(sys.skCharge({ cgroup: 'p/c', cpu: 0, pages: 8 })).toBe(false);
    expect(tcp(sys, 'p/c/')).toEqual({ usage: 3, maxUsage: 3, failcnt: KERNEL(profile).failcntEverywhere ? 1 : 0 });
    expect(tcp(sys, 'p/').usage).toBe(3); // the levels already charged are cancelled
    // __GFP_NOFAIL: page_counter_charge over the limit.
    expect(sys.skCharge({ cgroup: 'p/c', cpu: 0, pages: 8, gfp: 'GFP_ATOMIC|__GFP_NOFAIL' })).toBe(true);
    expect(tcp(sys, 'p/c/').usage).toBe(11);
    // memcg_update_tcp_max → page_counter_set_max: EBUSY below the usage, nothing changed.
    expect(codeOf(() => sys.write('p/c/memory.kmem.tcp.limit_in_bytes', String(4 * PAGE)))).toBe('EBUSY');
    expect(Number(sys.read('p/c/memory.kmem.tcp.limit_in_bytes'))).toBe(10 * PAGE);
    sys.skUncharge({ cgroup: 'p/c', cpu: 0, pages: 11 });
    expect(tcp(sys, 'p/c/')).toMatchObject({ usage: 0, maxUsage: 11 });
    expect(tcp(sys, '').usage).toBe(0);
    sys.write('p/c/memory.kmem.tcp.max_usage_in_bytes', '0'); // mem_cgroup_reset: watermark = usage
    expect(tcp(sys, 'p/c/').maxUsage).toBe(0);
  });
});
