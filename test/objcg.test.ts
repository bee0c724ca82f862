// Kernel memory through the objcg and the per-CPU object stock (mm/memcontrol.c 6.18,
// docs/kernel-memory.md §1): each expected value is derived by hand from the rules named in
// the test, with the object sizes of §2 (slab objects charge s->size + 8 bytes).
import { describe, expect, test } from 'vitest';
import type { System } from '../src/index.js';
import { createSystem } from '../src/index.js';
import { codeOf } from './helpers/sys.js';

const PAGE = 4096;
const UNLIMITED = '9223372036854771712';
const v1 = (o = {}) => createSystem({ cgroupVersion: 1, topology: { nodes: 1, cpusPerNode: 2 }, kmem: true, ...o });
const v2 = (o = {}) => createSystem({ cgroupVersion: 2, topology: { nodes: 1, cpusPerNode: 2 }, kmem: true, ...o });
function stat(s: System, cg: string): Record<string, number> {
  s.flushStats(cg, { force: true });
  return Object.fromEntries(s.read(`${cg}/memory.stat`).trimEnd().split('\n').map((l) => [l.split(' ')[0], Number(l.split(' ')[1])]));
}

describe('object stock: consume, refill, drain', () => {
  test('a miss charges whole pages and keeps the rest; slab statistics wait in the stock until a drain (obj_cgroup_charge_account, __account_obj_stock)', async () => {
    const s = await v2();
    s.mkdir('a');
    const t = s.spawn('a');
    // tmpfs create: dentry 200 B misses → 1 page (try_charge_memcg: batch 64), stock 3896; inode 760 B → 3136 left.
    s.createFile({ kind: 'tmpfs' }, { task: t, cpu: 0 });
    expect(s.objStock(0)).toEqual({ cgroup: 'a', bytes: 3136 });
    expect(s.counter('a').usage).toBe(64);
    let st = stat(s, 'a');
    expect(st.kernel).toBe(PAGE);
    expect([st.slab_reclaimable, st.slab_unreclaimable]).toEqual([0, 0]); // still in the stock
    // drain_all_stock: the page stock's 63 pages, and drain_obj_stock: 0 whole pages, 3136 B to
    // nr_charged_bytes, the slab bytes flushed (dentry reclaimable, inode not).
    s.drainAllStock('a', 0);
    expect(s.objStock(0)).toEqual({ cgroup: null, bytes: 0 });
    expect(s.objcgChargedBytes('a')).toBe(3136);
    expect(s.counter('a').usage).toBe(1);
    st = stat(s, 'a');
    expect([st.kernel, st.slab_reclaimable, st.slab_unreclaimable, st.slab]).toEqual([PAGE, 200, 760, 960]);
  });

  test('frees refill the stock from nr_charged_bytes; a stock of exactly one page is kept (> PAGE_SIZE trims), its drain uncharges directly', async () => {
    const s = await v2();
    s.mkdir('a');
    const t = s.spawn('a');
    const f = s.createFile({ kind: 'tmpfs' }, { task: t, cpu: 0 });
    s.drainAllStock('a', 0);
    // unlink on CPU 1: refill_obj_stock caches a's objcg starting from its 3136 B; +760 → 3896; +200 → 4096 (not > 4096).
    s.unlinkFile(f, 1);
    expect(s.objStock(1)).toEqual({ cgroup: 'a', bytes: 4096 });
    expect(s.objcgChargedBytes('a')).toBe(0);
    expect(stat(s, 'a').kernel).toBe(PAGE);
    s.drainAllStock('a', 1); // drain_obj_stock: 1 whole page, MEMCG_KMEM −1, memcg_uncharge
    expect(s.objStock(1)).toEqual({ cgroup: null, bytes: 0 });
    expect(s.counter('a').usage).toBe(0);
    expect(stat(s, 'a').kernel).toBe(0);
  });

  test('whole pages trimmed by frees go to the page stock (obj_cgroup_uncharge_pages → refill_stock)', async () => {
    // tmpfs file of 1000 pages written on CPU 1: 1000 folio pages + 3 kmem pages = 1003 charged
    // in batches of 64 → usage 1024, 21 pages in the page stock. unlink frees 11024 B of objects
    // (dentry, inode, 17 nodes) into a stock that held the rest of the 3 pages (12288 − 11024):
    // the stock ends at 12288 B − 2 trimmed pages = exactly 4096 (trim only above a page), the
    // 2 pages join the page stock (23), the folios are uncharged: usage 1 + 23.
    const s = await v1();
    s.mkdir('c');
    const t = s.spawn('c');
    const f = s.createFile({ kind: 'tmpfs' }, { task: t, cpu: 1 });
    s.writeFile(f, { task: t, cpu: 1, length: 1000 * PAGE });
    expect(s.counter('c').usage).toBe(1024);
    s.unlinkFile(f, 1);
    expect(s.objStock(1)).toEqual({ cgroup: 'c', bytes: 4096 });
    expect(s.kmem('c').usage).toBe(1);
    expect(s.stock(1)).toEqual([{ cgroup: 'c', nrPages: 23 }]);
    expect(s.counter('c').usage).toBe(24);
    s.drainAllStock('c', 1);
    expect([s.counter('c').usage, s.kmem('c').usage]).toEqual([0, 0]);
  });

  test('drain_all_stock drains only object stocks whose objcg is in the subtree (obj_stock_flush_required)', async () => {
    const s = await v2();
    s.mkdir('a');
    s.mkdir('b');
    const t = s.spawn('a');
    s.createFile({ kind: 'tmpfs' }, { task: t, cpu: 0 });
    s.drainAllStock('b', 0);
    expect(s.objStock(0).cgroup).toBe('a');
    s.drainAllStock('', 0); // the root's subtree holds every memcg
    expect(s.objStock(0).cgroup).toBe(null);
  });

  test('offline reparents the objcg: a stocked objcg of a removed child charges the parent (memcg_reparent_objcgs)', async () => {
    const s = await v1();
    s.mkdir('p');
    s.mkdir('p/c', {}, { cpu: 1 }); // c's structures: 10160 B = 3 pages of p's objcg, 2128 B left in CPU 1's stock
    const t = s.spawn('p/c');
    const f = s.createFile({ kind: 'tmpfs' }, { task: t, cpu: 0 }); // 1 page of c's objcg, 3136 B left on CPU 0
    expect(s.objStock(0)).toEqual({ cgroup: 'p/c', bytes: 3136 });
    expect([s.kmem('p').usage, s.kmem('p/c').usage]).toEqual([4, 1]);
    s.moveTask(t, 'p');
    // rmdir on CPU 1: offline reparents c's objcg to p (CPU 0's stock is not in c's subtree any
    // more, so drain_all_stock(c) keeps it); css_free returns c's structures through CPU 1's
    // stock: 2128 + 2112 → trim 1 page, + 1032 + 96 + 4864 → trim 1 page, + 2056 = 4096 kept.
    s.rmdir('p/c', 1);
    expect(s.objStock(0)).toEqual({ cgroup: 'p', bytes: 3136 });
    expect(s.objStock(1)).toEqual({ cgroup: 'p', bytes: 4096 });
    expect(s.kmem('p').usage).toBe(2);
    // unlink on CPU 0: 3136 + 760 + 200 = 4096 kept; the drains uncharge both pages from p.
    s.unlinkFile(f, 0);
    s.drainAllStock('p', 0);
    expect([s.counter('p').usage, s.kmem('p').usage]).toEqual([0, 0]);
  });
});

describe('page tables and anon_vma (v2 memory.stat kernel / pagetables)', () => {
  test('513 touched pages: 2 PTE pages + 1 slab page; exit frees the tables (to the page stock) and the anon_vma bytes (back to the stock)', async () => {
    const s = await v2();
    s.mkdir('a');
    const t = s.spawn('a');
    for (let i = 0; i < 513; i++) s.charge({ task: t, cpu: 0 });
    let st = stat(s, 'a');
    expect([st.anon, st.pagetables, st.kernel]).toEqual([513 * PAGE, 2 * PAGE, 3 * PAGE]);
    expect(s.counter('a').usage).toBe(576); // 516 pages in 64-page batches
    // chain 72 B missed (1 page, 4024 left), anon_vma 112 → 3912; freed: 3984, 4096 (kept).
    s.exitTask(t, 0);
    st = stat(s, 'a');
    expect([st.anon, st.pagetables, st.kernel]).toEqual([0, 0, PAGE]);
    expect(s.objStock(0)).toEqual({ cgroup: 'a', bytes: 4096 });
  });

  test('mkdir charges the parent (v2: no v1 events array): 3 pages, percpu 6976 B; slab bytes show after the drain', async () => {
    // 2056 (miss: 1 page, 2040 left) · percpu 1216 × 2 + 2432 = 4864 (miss: 2 pages, 5368) ·
    // 1032 (4336) · percpu 528 × 2 + 1056 = 2112 (2224). MEMCG_PERCPU_B counts the same
    // pcpu_obj_full_size bytes it charges (mm/percpu.c since 8c57c07741bf): 4864 + 2112.
    const s = await v2();
    s.mkdir('a');
    s.mkdir('a/b');
    let st = stat(s, 'a');
    expect([st.kernel, st.percpu, st.slab_unreclaimable]).toEqual([3 * PAGE, 4864 + 2112, 0]);
    expect(s.counter('a').usage).toBe(64);
    s.drainAllStock('a', 0);
    st = stat(s, 'a');
    expect([st.kernel, st.slab_unreclaimable]).toEqual([3 * PAGE, 2056 + 1032]);
    expect(s.objcgChargedBytes('a')).toBe(2224);
    expect(s.counter('a').usage).toBe(3);
    expect(stat(s, 'a/b').kernel).toBe(0);
  });

  test('the root is never charged: a child of the root costs nothing at mkdir (current_obj_cgroup stops at the root)', async () => {
    const s = await v2();
    s.mkdir('a');
    expect(s.counter('a').usage).toBe(0);
    expect(s.objStock(0).cgroup).toBe(null);
  });

  test('without kmem (kmem: false, like cgroup.memory=nokmem) a fault charges only its folio', async () => {
    const s = await createSystem({ cgroupVersion: 1, topology: { nodes: 1, cpusPerNode: 1 }, kmem: false });
    s.mkdir('a');
    s.mkdir('a/b');
    const t = s.spawn('a');
    s.charge({ task: t, cpu: 0 });
    expect(s.read('a/memory.kmem.usage_in_bytes')).toBe('0\n');
    expect(s.counter('a').usage).toBe(64);
    expect(s.stock(0)).toEqual([{ cgroup: 'a', nrPages: 63 }]);
  });

  // The default is the kernel's: memcg_online_kmem runs for every new memcg unless booted with
  // cgroup.memory=nokmem (5.15.215 mem_cgroup_css_alloc, 6.1.166 and 6.18.19 mem_cgroup_css_online;
  // v1 and v2 alike, no memory.kmem.limit_in_bytes needed). A task's first fault allocates its
  // PTE page with GFP_PGTABLE_USER (__GFP_ACCOUNT): one page, counted as pagetables.
  test.each([['5.15', 1], ['5.15', 2], ['6.1', 1], ['multi', 2], ['6.18', 1]] as const)(
    'by default (profile %s, v%i) kernel memory is charged: a first fault charges its PTE page',
    async (profile, cgroupVersion) => {
      const s = await createSystem({ profile, cgroupVersion, topology: { nodes: 1, cpusPerNode: 1 } });
      s.mkdir('a');
      const t = s.spawn('a');
      s.charge({ task: t, cpu: 0 });
      expect(s.taskPageTables(t)).toBe(1);
      if (cgroupVersion === 1) expect(Number(s.read('a/memory.kmem.usage_in_bytes'))).toBeGreaterThanOrEqual(PAGE);
      else {
        s.wait(2100);
        expect(stat(s, 'a').pagetables).toBe(PAGE);
      }
    },
  );

  test('a THP that cannot be charged falls back to a small page, which needs a PTE page (do_huge_pmd_anonymous_page → VM_FAULT_FALLBACK)', async () => {
    // memory.max 256 pages: the anon_vma is prepared first (1 page, the stock keeps 63), the
    // 512-page folio fails without OOM (costly order: 18 max events, the worked count; its
    // drain_all_stock returns the 63 pages), then the order-0 fault charges its PTE page with a
    // new batch of 64 and its folio from that stock: usage 1 + 64.
    const s = await v2();
    s.mkdir('a', { 'memory.max': '1M' });
    const t = s.spawn('a');
    expect(codeOf(() => s.charge({ task: t, cpu: 0, order: 9 }))).toBe('ENOMEM');
    s.charge({ task: t, cpu: 0 });
    expect(s.events('a')).toMatchObject({ max: 18, oom: 0 });
    const st = stat(s, 'a');
    expect([st.anon, st.anon_thp, st.pagetables, st.kernel]).toEqual([PAGE, 0, PAGE, 2 * PAGE]);
    expect(s.counter('a').usage).toBe(65);
  });

  test('a kernel charge is a charge: in a full memcg the anon_vma cannot be charged and the fault fails (VM_FAULT_OOM)', async () => {
    // memory.max 1 page: the PTE page takes it (batch 64 fails, then 1 page fits); the chain's
    // page cannot: 18 max events, OOM with no victim (oom_score_adj −1000), -ENOMEM. The page
    // table stays charged; no folio was.
    const s = await v2();
    s.mkdir('a', { 'memory.max': '4K' });
    const t = s.spawn('a', { oomScoreAdj: -1000 });
    expect(codeOf(() => s.charge({ task: t, cpu: 0 }))).toBe('ENOMEM');
    expect(s.counter('a').usage).toBe(1);
    expect(s.events('a')).toMatchObject({ max: 18, oom: 1, oom_kill: 0 });
    const st = stat(s, 'a');
    expect([st.anon, st.pagetables, st.kernel]).toEqual([0, PAGE, PAGE]);
  });
});

describe('v1 memory.kmem.* files (6.18; measured on the live kernel)', () => {
  test('limit_in_bytes: a size is accepted and ignored, garbage is EINVAL; tcp limit is set; slabinfo is empty; usage is read-only', async () => {
    const s = await v1();
    s.mkdir('c');
    for (const w of ['100M', '-1', '0']) {
      s.write('c/memory.kmem.limit_in_bytes', w);
      expect(s.read('c/memory.kmem.limit_in_bytes')).toBe(`${UNLIMITED}\n`);
    }
    expect(codeOf(() => s.write('c/memory.kmem.limit_in_bytes', 'abc'))).toBe('EINVAL');
    s.write('c/memory.kmem.tcp.limit_in_bytes', '100M');
    expect(s.read('c/memory.kmem.tcp.limit_in_bytes')).toBe('104857600\n');
    s.write('c/memory.kmem.tcp.limit_in_bytes', '-1');
    expect(s.read('c/memory.kmem.tcp.limit_in_bytes')).toBe(`${UNLIMITED}\n`);
    expect(codeOf(() => s.write('c/memory.kmem.tcp.limit_in_bytes', 'abc'))).toBe('EINVAL');
    expect(s.read('c/memory.kmem.slabinfo')).toBe('');
    expect(codeOf(() => s.write('c/memory.kmem.usage_in_bytes', '0'))).toBe('EINVAL');
    expect(s.read('c/memory.kmem.tcp.usage_in_bytes')).toBe('0\n');
  });

  test('max_usage and failcnt: any write resets; the kmem counter never fails (page_counter_charge)', async () => {
    const s = await v1();
    s.mkdir('c');
    const t = s.spawn('c');
    const f = s.createFile({ kind: 'tmpfs' }, { task: t, cpu: 1 });
    s.writeFile(f, { task: t, cpu: 1, length: 1000 * PAGE }); // kmem 3 (the live case)
    s.unlinkFile(f, 1); // kmem 1 (the trimmed pages left kmem)
    expect(s.read('c/memory.kmem.max_usage_in_bytes')).toBe(`${3 * PAGE}\n`);
    s.write('c/memory.kmem.max_usage_in_bytes', '5');
    expect(s.read('c/memory.kmem.max_usage_in_bytes')).toBe(`${PAGE}\n`);
    s.write('c/memory.kmem.failcnt', '5');
    expect(s.read('c/memory.kmem.failcnt')).toBe('0\n');
    // the root reads the hierarchical kmem counter
    expect(s.read('memory.kmem.usage_in_bytes')).toBe(`${PAGE}\n`);
  });
});
