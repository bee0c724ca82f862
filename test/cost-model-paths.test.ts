// The cost model on the paths beyond the charge itself: the statistics flush, memory.high
// throttling, v1 tcpmem, the OOM victim walk and reclaim's folio work (docs/cost-model.md).
// Each expected figure is counted from the kernel function named beside it, not read from a run.
import { describe, expect, test } from 'vitest';
import { createSystem } from '../src/index.js';

const PAGE = 4096;
type Sys = Awaited<ReturnType<typeof createSystem>>;
const stats = (s: Sys) => s.costStats()!;

describe('statistics flush (css_rstat_flush, mem_cgroup_css_rstat_flush)', () => {
  // css_rstat_flush (6.18): for each possible CPU, __css_rstat_lock and the CPU's lock in
  // css_rstat_updated_list: 2 LOCKed ops per CPU, whichever CPUs updated. Each memcg updated on
  // a CPU is visited on that CPU's pass: its per-CPU statistics line moves to the flusher
  // (CPU 0), one transfer per CPU that updated it; its vmstats line is written once more.
  test.each([1, 4, 16])('charges of a from %i CPUs: the flush takes 2 × 72 locks and fetches one per-CPU line per CPU that updated a', async (k) => {
    const s = await createSystem({ topology: '2s-72c', costModel: true, stock: false });
    s.mkdir('a');
    s.flushStats('a', { force: true }); // the lock lines come to CPU 0 first
    for (let c = 1; c <= k; c++) s.charge({ cgroup: 'a', cpu: c });
    const before = stats(s);
    s.flushStats('a', { force: true });
    const after = stats(s);
    expect(after.atomics - before.atomics).toBe(2 * 72);
    // k per-CPU lines of a, and a's vmstats line (read by every charging CPU in
    // memcg_rstat_updated, written by the flusher)
    expect(after.transfers - before.transfers).toBe(k + 1);
    expect(after.perOp.other.ops - before.perOp.other.ops).toBe(1); // the flush runs as its own op on CPU 0
  });
  test('a flush with nothing updated still takes every CPU\'s locks, and touches no statistics line', async () => {
    const s = await createSystem({ topology: { nodes: 1, cpusPerNode: 8 }, costModel: true });
    s.mkdir('a');
    s.flushStats('a', { force: true });
    const before = stats(s);
    s.flushStats('a', { force: true });
    const after = stats(s);
    expect(after.atomics - before.atomics).toBe(2 * 8);
    expect(after.transfers - before.transfers).toBe(0);
    expect(after.hottest.some((h) => h.line.startsWith('rstat_cpu_lock['))).toBe(true);
  });
});

describe('memory.high throttling (mem_cgroup_handle_over_high: schedule_timeout_killable)', () => {
  // One THP fault over memory.high=1M: the task sleeps the 2 s cap (try-charge-memcg-6.18.test.ts
  // derives it from calculate_high_delay): 2 s at the default 2.8 GHz is 5.6e9 cycles on CPU 3,
  // idle (neither busy nor waiting), and the charge op lasts that much longer.
  test('the 2 s sleep is idle time on the faulting CPU\'s clock', async () => {
    const s = await createSystem({ costModel: true, topology: { nodes: 1, cpusPerNode: 4 } });
    s.mkdir('a', { 'memory.high': '1M' });
    const t = s.spawn('a');
    s.charge({ task: t, cpu: 3, order: 9 });
    expect(s.task(t).throttledMs).toBe(2000);
    const c = stats(s);
    const cpu3 = c.cpus.find((x) => x.cpu === 3)!;
    expect(cpu3.clock - cpu3.busy - cpu3.wait).toBeCloseTo(2 * 2.8e9, 0);
    expect(c.perOp.charge.cycles).toBeGreaterThan(2 * 2.8e9);
    expect(c.makespanCycles).toBeGreaterThan(2 * 2.8e9);
  });
});

describe('v1 tcpmem (memcg1_charge_skmem: page_counter_try_charge of memcg->tcpmem)', () => {
  // A socket charge of p/c on v1 walks the tcpmem counters of c, p and the root: per level an
  // atomic_long_add_return on usage; the uncharge an atomic_long_sub_return per level. The
  // memory counters are not touched (v1 charges socket memory to tcpmem only).
  test('3 levels: 3 LOCKed ops per charge and per uncharge, on the tcpmem usage lines', async () => {
    const s = await createSystem({ cgroupVersion: 1, costModel: true, topology: { nodes: 1, cpusPerNode: 2 } });
    s.mkdir('p');
    s.mkdir('p/c');
    s.write('p/c/memory.kmem.tcp.limit_in_bytes', String(1000 * PAGE));
    const before = stats(s);
    expect(s.skCharge({ cgroup: 'p/c', cpu: 0, pages: 1 })).toBe(true);
    const mid = stats(s);
    s.skUncharge({ cgroup: 'p/c', cpu: 1, pages: 1 });
    const after = stats(s);
    expect(mid.atomics - before.atomics).toBe(3);
    expect(after.atomics - mid.atomics).toBe(3);
    // the uncharge on CPU 1 takes the three usage lines from CPU 0
    expect(after.found.llc - mid.found.llc).toBeGreaterThanOrEqual(3);
    expect(after.hottest.map((h) => h.line)).toContain('page_counter[p/c].tcpmem.usage');
  });
});

describe('OOM victim selection (select_bad_process → mem_cgroup_scan_tasks → oom_evaluate_task)', () => {
  // A memcg OOM walks every task of the memcg (oom_evaluate_task, oom_badness read the task, its
  // mm and rss counters); nothing else touches a task's line, so each comes from memory. With
  // 8 tasks instead of 1 the walk reads 7 more such lines.
  const oom = async (n: number) => {
    // kmem off: the tasks' page tables would be charged too and reach memory.max before the 65th page
    const s = await createSystem({ costModel: true, kmem: false, topology: { nodes: 1, cpusPerNode: 2 } });
    s.mkdir('a', { 'memory.max': 64 * PAGE });
    const tasks = Array.from({ length: n }, () => s.spawn('a'));
    for (let i = 0; i < 64; i++) s.charge({ task: tasks[0], cpu: 0 }); // anon, no swap: nothing reclaimable
    const before = stats(s);
    try {
      s.charge({ task: tasks[n - 1], cpu: 0 });
    } catch {
      // the faulting task may be the victim (EINTR)
    }
    expect(s.events('a').oom_kill).toBe(1);
    return stats(s).found.memLocal - before.found.memLocal;
  };
  test('8 tasks: 7 more lines from memory than 1 task', async () => {
    expect((await oom(8)) - (await oom(1))).toBeGreaterThanOrEqual(7);
  });
});

describe('reclaim (isolate_lru_folios, shrink_folio_list)', () => {
  // Each scanned folio: folio_try_get and folio_test_clear_lru in isolate_lru_folios and
  // folio_trylock in shrink_folio_list, three LOCKed ops on the folio, on top of the LRU and
  // page_counter work the model already costed. pgscan (memory.stat) counts the pages scanned.
  test('file pages over memory.max: at least 3 more LOCKed ops per scanned page than the same charges without the limit', async () => {
    const run = async (limit: boolean) => {
      const s = await createSystem({ costModel: true, topology: { nodes: 1, cpusPerNode: 2 } });
      s.mkdir('a', limit ? { 'memory.max': 128 * PAGE } : {});
      for (let i = 0; i < 512; i++) s.charge({ cgroup: 'a', cpu: 0, kind: 'file' });
      s.flushStats('a', { force: true });
      const st = s.read('a/memory.stat');
      const pgscan = Number(/^pgscan (\d+)$/m.exec(st)?.[1] ?? 'NaN');
      return { c: stats(s), pgscan };
    };
    const free = await run(false);
    const limited = await run(true);
    expect(free.pgscan).toBe(0);
    expect(limited.pgscan).toBeGreaterThanOrEqual(512 - 128);
    expect(limited.c.atomics - free.c.atomics).toBeGreaterThanOrEqual(3 * limited.pgscan);
  });
});
