// Reclaim, swap, OOM and memory.high: conformance scenarios with exact counters, each derived
// by hand from the 6.18 rules written up in /work/notes/reclaim-oom.md (cited as §n), and a
// port of the accounting checks of tools/testing/selftests/cgroup/test_memcontrol.c.
//
// Every system has 1 node and 1 CPU, so the only per-CPU stock is CPU 0's and the reclaim
// iterator is deterministic (§11). Charges are sized in multiples of MEMCG_CHARGE_BATCH (64)
// where that leaves the stock empty when a limit is reached: each later charge then finds
// `usage + 64 > max`, retries with the single page and reclaims only for that page (§9).
//
// Recurring derivations:
// - SCAN_FILE (no swap, or no swap room: get_scan_count rule 1) on one inactive file list
//   of S clean page-cache folios: at priority p the memcg scans S_now >> p folios and
//   reclaims them all (a referenced unmapped file folio is RECLAIM_CLEAN, §5);
//   do_try_to_free_pages stops after the first priority that brings the total to
//   nr_to_reclaim = max(nr, 32) (§1), shrink_lruvec once its local count reaches it (§4).
// - A faulted anon folio has a young PTE: the first scan KEEPs it (sets PG_referenced,
//   clears young), the second one reclaims it (folio_check_references, §5).
// - A failing order-0 charge that can reclaim nothing: 1 + 1 (drain pass) + 16 retries =
//   18 MEMCG_MAX events, then mem_cgroup_oom (§9).
import { describe, expect, test } from 'vitest';
import type { System } from '../src/index.js';
import { codeOf, sys as sysBase } from './helpers/sys.js';
import type { SystemOptions } from '../src/index.js';
// lruAddBatch pinned off: reclaim scan orders, protection and OOM counts were derived with every folio on its LRU at once.
const sys = (o: SystemOptions = {}) => sysBase({ lruAddBatch: false, ...o });

const PAGE = 4096;
const MB = 1024 * 1024;
/** pages in n MiB */
const mb = (n: number) => (n * MB) / PAGE;

function kv(text: string): Record<string, number> {
  return Object.fromEntries(text.trimEnd().split('\n').map((l) => [l.split(' ')[0], Number(l.split(' ')[1])]));
}
/** memory.current (v2) in pages. */
const current = (s: System, cg: string) => Number(s.read(`${cg}/memory.current`)) / PAGE;
const swapCurrent = (s: System, cg: string) => Number(s.read(`${cg}/memory.swap.current`)) / PAGE;
const events = (s: System, cg: string, local = false) => kv(s.read(`${cg}/memory.events${local ? '.local' : ''}`));
const swapEvents = (s: System, cg: string) => kv(s.read(`${cg}/memory.swap.events`));
/** memory.stat after the periodic flusher ran (the vm event counters are in pages). */
function stat(s: System, cg: string): Record<string, number> {
  s.flushStats('', { force: true });
  return kv(s.read(`${cg}/memory.stat`));
}
type Req = Parameters<System['charge']>[0];
/** n charges; all must succeed. */
const charge = (s: System, req: Req, n: number) => Array.from({ length: n }, () => s.charge(req));
/** Up to n charges, stopping at the first error: the folio ids and the error ('ok' if none). */
function chargeUpTo(s: System, req: Req, n: number): { ids: number[]; code: string } {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const code = codeOf(() => ids.push(s.charge(req)));
    if (code !== 'ok') return { ids, code };
  }
  return { ids, code: 'ok' };
}
/** values_close() of the selftests' cgroup_util.h: |a - b| <= (a + b) / 100 * err, in C longs. */
const valuesClose = (a: number, b: number, err: number) => Math.abs(a - b) <= Math.trunc((a + b) / 100) * err;
/**
 * The selftest's O_TMPFILE is closed: its page cache is truncated and uncharged. ids may
 * repeat (a reclaimed folio's id is reused by a later folio of the same read).
 */
function dropPageCache(s: System, ids: number[], cg: string): void {
  const live = [...new Set(ids)].filter((id) => s.folio(id)?.kind === 'file' && s.folio(id)?.cgroup === cg);
  for (let i = 0; i < live.length; i += 4096) s.uncharge(live.slice(i, i + 4096)); // opCapacity per list
}

describe('protection: page cache goes first, memory.min is never reclaimed, memory.low only as a last resort', () => {
  // p (memory.max 384 pages) / a (memory.min 128, 128 pages of cache) and c (256 pages of cache).
  test('the charge over p.max reclaims 55 pages of c\'s cache and skips a, which is below min (mem_cgroup_below_min)', async () => {
    const s = await sys();
    s.mkdir('p', { 'memory.max': 384 * PAGE });
    s.mkdir('p/a', { 'memory.min': 128 * PAGE });
    s.mkdir('p/c');
    charge(s, { cgroup: 'p/a', cpu: 0, kind: 'file' }, 128);
    charge(s, { cgroup: 'p/c', cpu: 0, kind: 'file' }, 256);
    expect(current(s, 'p')).toBe(384);
    s.charge({ cgroup: 'p/c', cpu: 0, kind: 'file' });
    // Walk p, a, c (pre-order): a's emin = a.min = 128 >= usage 128 → skipped every time.
    // c: 256 >> p is 0 down to priority 9, then priorities 8..3 scan 1, 1, 3, 7, 15, 28 → 55 >= 32.
    expect([current(s, 'p/a'), current(s, 'p/c'), current(s, 'p')]).toEqual([128, 256 - 55 + 1, 384 - 55 + 1]);
    expect(events(s, 'p')).toMatchObject({ low: 0, max: 1, oom: 0 });
    expect(s.lruSizes('p/c')).toMatchObject({ inactive_file: 202, active_file: 0 });
    const [sa, sc, sp] = [stat(s, 'p/a'), stat(s, 'p/c'), stat(s, 'p')];
    expect([sa.pgscan_direct, sa.pgsteal_direct]).toEqual([0, 0]);
    expect([sc.pgscan_direct, sc.pgsteal_direct, sc.pgscan_proactive]).toEqual([55, 55, 0]);
    expect([sp.pgscan, sp.pgsteal, sp.file]).toEqual([55, 55, 330 * PAGE]); // memory.stat is hierarchical
  });

  test('memory.min holds even when nothing else is reclaimable: the charge OOMs instead (the task in c is killed)', async () => {
    const s = await sys();
    s.mkdir('p', { 'memory.max': 256 * PAGE });
    s.mkdir('p/a', { 'memory.min': 128 * PAGE });
    s.mkdir('p/c');
    charge(s, { cgroup: 'p/a', cpu: 0, kind: 'file' }, 128);
    const t = s.spawn('p/c');
    charge(s, { task: t, cpu: 0 }, 128); // anon, no swap device: not reclaimable
    // a is below min (no MEMCG_LOW, no memcg_low_skipped): every pass reclaims 0, 18 MAX
    // events, then mem_cgroup_oom(p): the only task is the faulting one → killed. It keeps its
    // memory while try_charge_memcg goes on (passed_oom, 16 fresh retries: 17 more MAX
    // events), then passed_oom && task_is_dying() → nomem; it dies as the fault returns: EINTR.
    expect(codeOf(() => s.charge({ task: t, cpu: 0 }))).toBe('EINTR');
    expect(current(s, 'p/a')).toBe(128);
    expect([current(s, 'p/c'), current(s, 'p')]).toEqual([0, 128]);
    expect(events(s, 'p')).toEqual({ low: 0, high: 0, max: 35, oom: 1, oom_kill: 1, oom_group_kill: 0 });
    expect(events(s, 'p/c', true)).toMatchObject({ max: 0, oom: 0, oom_kill: 1 }); // __oom_kill_process: on the victim's memcg
    expect(events(s, 'p/a')).toMatchObject({ low: 0, oom_kill: 0 });
    expect(s.task(t)).toMatchObject({ alive: false, killed: true, anonPages: 0 });
  });

  // p (memory.max 256) / a (memory.low 128, 128 pages of cache), c (64 pages of cache and a
  // task with 64 anon pages, no swap). The task keeps faulting anon pages.
  test('memory.low is honoured while c has cache, then breached with a MEMCG_LOW per visit of a (shrink_node_memcgs)', async () => {
    const s = await sys();
    s.mkdir('p', { 'memory.max': 256 * PAGE });
    s.mkdir('p/a', { 'memory.low': 128 * PAGE });
    s.mkdir('p/c');
    charge(s, { cgroup: 'p/a', cpu: 0, kind: 'file' }, 128);
    charge(s, { cgroup: 'p/c', cpu: 0, kind: 'file' }, 64);
    const t = s.spawn('p/c');
    charge(s, { task: t, cpu: 0 }, 64);
    expect(current(s, 'p')).toBe(256);

    // Fault 1: c's 64 pages of cache, priorities 6..1 scan 1, 1, 3, 7, 13, 19 → 44 (a below low: skipped).
    s.charge({ task: t, cpu: 0 });
    expect([current(s, 'p/a'), current(s, 'p/c'), current(s, 'p')]).toEqual([128, 64 - 44 + 1 + 64, 213]);
    charge(s, { task: t, cpu: 0 }, 43); // up to 256 again, no reclaim
    // Fault 45: c's last 20 pages of cache, priorities 4..0 scan 1, 2, 4, 6, 7 → 20 (> 0: no retry pass).
    s.charge({ task: t, cpu: 0 });
    expect([current(s, 'p/a'), current(s, 'p')]).toEqual([128, 256 - 20 + 1]);
    expect(s.lruSizes('p/c')).toMatchObject({ inactive_file: 0, active_file: 0 });
    expect(events(s, 'p')).toMatchObject({ low: 0, max: 2 });
    charge(s, { task: t, cpu: 0 }, 19);

    // Fault 65: only a's protected cache is left. Pass 1 (partial walk) and pass 2 (full
    // walk) reclaim 0 and set memcg_low_skipped; pass 3 (memcg_low_reclaim) reclaims a's
    // cache at priorities 7..2 (1, 1, 3, 7, 14, 25 → 51), raising MEMCG_LOW at each of the
    // 11 visits of a (priorities 12..2). apply_proportional_protection uses min (0) there.
    s.charge({ task: t, cpu: 0 });
    expect([current(s, 'p/a'), current(s, 'p/c'), current(s, 'p')]).toEqual([128 - 51, 129, 256 - 51 + 1]);
    expect(events(s, 'p/a', true)).toMatchObject({ low: 11 });
    expect(events(s, 'p')).toEqual({ low: 11, high: 0, max: 3, oom: 0, oom_kill: 0, oom_group_kill: 0 });
    expect(events(s, 'p/c')).toMatchObject({ low: 0 });
    expect(stat(s, 'p/a').pgsteal_direct).toBe(51);
    expect(stat(s, 'p/c').pgsteal_direct).toBe(64);
  });
});

describe('shrink_lruvec: the proportional nudge once nr_to_reclaim is met (§4)', () => {
  // x (memory.max 1344 pages, swap present): a task's 768 young anon pages, 576 pages of
  // cache of which 448 were read again (folio_mark_accessed → active). The task's next fault
  // reclaims 32 from x. inactive_file 128 < active 448 → DEACTIVATE_FILE, no cache trim, so
  // SCAN_FRACT at swappiness 60 with the costs of the young anon folios rotated so far:
  //   prio  anon_cost  (ap, fp)    nr (inactive_anon, inactive_file, active_file)
  //   7     0          (60, 140)   1, 0, 2           inactive_file then 130, active 446
  //   6     1          (80, 280)   2, 1, 4           reclaimed 1
  //   5     3          (85, 350)   4, 3, 10          reclaimed 3
  //   4     7          (88, 385)   8, 6, 21          reclaimed 6
  //   3     15         (89, 402)   17, 15, 41        reclaimed 15 (total 25 < 32)
  //   2     32         (89, 411)   34, 36, 75
  // At priority 2 the first round (32 / 32 / 32) reaches 32 with nr left = 2 anon, 4 + 43
  // file: anon stops, percentage = 2 * 100 / 35 = 5, so inactive_file gets 36 * 95 / 100 - 32
  // = 2 and active_file 75 * 95 / 100 - 32 = 39 more. One more round (2 and 32), then the
  // loop sees nr_anon == 0 and breaks: 64 of active_file's 75 are deactivated at priority 2.
  // Totals: reclaimed 1+3+6+15+34 = 59, inactive scanned 64 anon + 59 file = 123,
  // pgrefill 2+4+10+21+41+64 = 142; inactive_file 128 - 59 + 142 = 211, active_file 448 - 142 = 306.
  async function mixed() {
    const s = await sys({ swap: '64M' });
    s.mkdir('x', { 'memory.max': 1344 * PAGE });
    const t = s.spawn('x');
    charge(s, { task: t, cpu: 0 }, 768);
    const files = charge(s, { cgroup: 'x', cpu: 0, kind: 'file' }, 576);
    for (const id of files.slice(0, 448)) s.touch(id, { cpu: 0 });
    expect(s.lruSizes('x')).toMatchObject({ inactive_anon: 768, inactive_file: 128, active_file: 448 });
    s.charge({ task: t, cpu: 0 });
    return s;
  }

  test('what reclaim frees and scans on the inactive lists', async () => {
    const s = await mixed();
    expect(current(s, 'x')).toBe(1344 - 59 + 1);
    const st = stat(s, 'x');
    expect([st.pgsteal_direct, st.pgscan_direct, st.pswpout]).toEqual([59, 123, 0]);
    expect(s.lruSizes('x').inactive_anon).toBe(769);
  });

  // shrink_lruvec: after the nudge, cgroup reclaim (proportional_reclaim false) breaks at the
  // next goal check, after one more round (an earlier emulator kept scanning until the reduced
  // counts ran out: pgrefill 149, inactive_file 218, active_file 299).
  test('only one more round of the larger type after the nudge (pgrefill 142)', async () => {
    const s = await mixed();
    const st = stat(s, 'x');
    expect([st.pgrefill, st.pgdeactivate]).toEqual([142, 142]);
    expect(s.lruSizes('x')).toMatchObject({ inactive_file: 211, active_file: 306 });
  });
});

describe('memcg OOM: victim selection by oom_badness (select_bad_process)', () => {
  // x (memory.max 10240 pages, so totalpages / 1000 = 10), no swap device.
  test('oom_score_adj scales by totalpages/1000; -1000 is unkillable; the faulting task\'s charge succeeds after the kill', async () => {
    const s = await sys();
    s.mkdir('x', { 'memory.max': 10240 * PAGE });
    s.mkdir('x/a');
    s.mkdir('x/b');
    s.mkdir('x/c'); // x has memory in its subtree_control: its tasks live in leaves (no internal processes)
    const t1 = s.spawn('x/a');
    const t2 = s.spawn('x/b', { oomScoreAdj: 300 });
    const t3 = s.spawn('x/a', { oomScoreAdj: -1000 });
    const t4 = s.spawn('x/c');
    charge(s, { task: t1, cpu: 0, order: 9 }, 3); // 1536 pages
    charge(s, { task: t2, cpu: 0, order: 9 }, 2); // 1024
    charge(s, { task: t3, cpu: 0, order: 9 }, 8); // 4096
    charge(s, { task: t4, cpu: 0 }, 3584); // 56 batches: x is full, the stock empty
    expect(current(s, 'x')).toBe(10240);
    // badness: t1 1536; t2 1024 + 300 * (10240 / 1000) = 4024; t3 LONG_MIN (-1000); t4 3584.
    const f = s.charge({ task: t4, cpu: 0 });
    expect(s.folio(f)).toMatchObject({ cgroup: 'x/c', kind: 'anon' });
    expect(s.task(t2)).toMatchObject({ alive: false, killed: true, anonPages: 0 });
    for (const t of [t1, t3, t4]) expect(s.task(t)).toMatchObject({ alive: true, killed: false });
    expect(s.task(t4).anonPages).toBe(3585);
    expect(current(s, 'x')).toBe(10240 - 1024 + 1);
    // 18 MAX events before the OOM; t2 keeps its memory until it exits, at t4's next reclaim
    // pass (sched.ts): the first retry after the kill fails once more (19), then it fits.
    expect(events(s, 'x')).toEqual({ low: 0, high: 0, max: 19, oom: 1, oom_kill: 1, oom_group_kill: 0 });
    expect(events(s, 'x/b', true)).toMatchObject({ oom: 0, oom_kill: 1 });
    expect(events(s, 'x/a')).toMatchObject({ oom_kill: 0 });
  });

  test('equal badness: the later task in the scan is chosen ("points < chosen_points" skips only a smaller score)', async () => {
    const s = await sys();
    s.mkdir('x', { 'memory.max': 640 * PAGE });
    const t1 = s.spawn('x');
    const t2 = s.spawn('x');
    charge(s, { task: t1, cpu: 0 }, 320);
    charge(s, { task: t2, cpu: 0 }, 320);
    s.charge({ task: t1, cpu: 0 }); // 320 vs 320: t2 comes later
    expect([s.task(t1).alive, s.task(t2).alive]).toEqual([true, false]);
    expect([s.task(t1).anonPages, current(s, 'x')]).toEqual([321, 321]);
  });

  test('a migrated task goes to the tail of the task list: it now wins the tie, and as the faulting task its charge is EINTR', async () => {
    const s = await sys();
    s.mkdir('x', { 'memory.max': 640 * PAGE });
    s.mkdir('y');
    const t1 = s.spawn('x');
    const t2 = s.spawn('x');
    charge(s, { task: t1, cpu: 0 }, 320);
    charge(s, { task: t2, cpu: 0 }, 320);
    s.moveTask(t1, 'y'); // its pages stay charged to x (v2)
    s.moveTask(t1, 'x');
    expect(codeOf(() => s.charge({ task: t1, cpu: 0 }))).toBe('EINTR');
    expect([s.task(t1).alive, s.task(t2).alive]).toEqual([false, true]);
    expect(current(s, 'x')).toBe(320);
    // the victim is the faulting task: 18 + 17 MAX events (passed_oom, then task_is_dying)
    expect(events(s, 'x')).toMatchObject({ max: 35, oom: 1, oom_kill: 1 });
  });

  test('the faulting task with the highest badness is the victim: EINTR, its pages and the new one uncharged', async () => {
    const s = await sys();
    s.mkdir('x', { 'memory.max': 640 * PAGE });
    const t1 = s.spawn('x');
    const t2 = s.spawn('x');
    charge(s, { task: t1, cpu: 0 }, 256);
    charge(s, { task: t2, cpu: 0 }, 384);
    expect(codeOf(() => s.charge({ task: t2, cpu: 0 }))).toBe('EINTR');
    expect(s.task(t2)).toMatchObject({ alive: false, killed: true, anonPages: 0 });
    expect(s.task(t1)).toMatchObject({ alive: true, anonPages: 256 });
    expect(current(s, 'x')).toBe(256);
    // try_charge_memcg goes on after the kill (16 fresh retries) until task_is_dying: 18 + 17
    expect(events(s, 'x')).toEqual({ low: 0, high: 0, max: 35, oom: 1, oom_kill: 1, oom_group_kill: 0 });
  });
});

describe('swap-out under pressure and swap-in (swap charging §8)', () => {
  // x (limit 128 pages) holds a task's 128 young anon pages; the swap device has 1024 pages.
  // The 129th fault reclaims from x with may_swap (get_scan_count on x = the target):
  // - priorities 12..1: SCAN_FRACT, swappiness 60. calculate_pressure_balance from the
  //   costs: every scanned folio is young → KEEP (rotated), lru_note_cost adds it to
  //   anon_cost (no decay: cost <= 128/4). (ap, fp) = (60,140) (60,140) ... then
  //   priority 5: 4*60/200 = 1; 4: (80,280) 8*80/360 = 1; 3: (84,326) 16*84/410 = 3;
  //   2: (87,373) 32*87/460 = 6; 1: (88,396) 64*88/484 = 11 → 22 folios now referenced, not young.
  // - priority 0: SCAN_EQUAL, 128 in batches of 32: three batches of young folios (KEEP);
  //   the fourth holds the last 10 young ones and the 22 → those 22 are swapped out.
  // So 22 pages leave memory for swap: the 22 oldest (the ones charged first).
  const SWAPPED = 22;

  async function pressure(version: 1 | 2) {
    const s = await sys({ cgroupVersion: version, swap: '4M' });
    s.mkdir('x', { [version === 2 ? 'memory.max' : 'memory.limit_in_bytes']: 128 * PAGE });
    const t = s.spawn('x');
    const ids = charge(s, { task: t, cpu: 0 }, 128);
    const last = s.charge({ task: t, cpu: 0 });
    return { s, t, ids: [...ids, last] };
  }

  test('v2: memory.current drops by the pages swapped, memory.swap.current holds them; swap-in brings them back', async () => {
    const { s, t, ids } = await pressure(2);
    expect(ids.slice(0, SWAPPED).map((id) => s.folio(id))).toEqual(Array(SWAPPED).fill(null));
    expect(ids.slice(SWAPPED).every((id) => s.folio(id)?.lru === 'inactive_anon')).toBe(true);
    expect({ memory: current(s, 'x'), swap: swapCurrent(s, 'x') }).toEqual({ memory: 129 - SWAPPED, swap: SWAPPED });
    expect(s.counter('x', 'swap').usage).toBe(SWAPPED);
    expect(s.task(t)).toMatchObject({ anonPages: 129 - SWAPPED, swapEntries: SWAPPED });
    expect(s.swapDevice()).toEqual({ totalPages: 1024, freePages: 1024 - SWAPPED });
    expect(events(s, 'x')).toMatchObject({ max: 1, oom: 0 });
    expect(swapEvents(s, 'x')).toEqual({ high: 0, max: 0, fail: 0 });
    let st = stat(s, 'x');
    expect([st.pswpout, st.pswpin, st.pgsteal_direct, st.anon]).toEqual([SWAPPED, 0, SWAPPED, (129 - SWAPPED) * PAGE]);
    // pgscan: priorities 5..1 scanned 1+1+3+6+11 = 22, priority 0 scanned 128.
    expect(st.pgscan_direct).toBe(22 + 128);

    // Touch 10 swapped pages: do_swap_page charges the memcg recorded in swap_cgroup (x,
    // 1 page at a time: x is within 64 of its limit) and the entry is freed.
    for (const id of ids.slice(0, 10)) s.touch(id, { cpu: 0 });
    expect({ memory: current(s, 'x'), swap: swapCurrent(s, 'x') }).toEqual({ memory: 129 - SWAPPED + 10, swap: SWAPPED - 10 });
    expect(s.task(t)).toMatchObject({ anonPages: 129 - SWAPPED + 10, swapEntries: SWAPPED - 10 });
    expect(s.swapDevice().freePages).toBe(1024 - SWAPPED + 10);
    expect(s.folio(ids[0])).toMatchObject({ cgroup: 'x', lru: 'inactive_anon', young: true });
    st = stat(s, 'x');
    expect([st.pswpin, st.pgmajfault]).toEqual([10, 10]);

    // Freeing a page that is in swap frees its entry (the swap charge goes, memory unchanged).
    s.uncharge(ids[10]);
    expect({ memory: current(s, 'x'), swap: swapCurrent(s, 'x') }).toEqual({ memory: 117, swap: 11 });
    // The task exits: resident pages and swap entries are all freed.
    s.exitTask(t);
    expect({ memory: current(s, 'x'), swap: swapCurrent(s, 'x') }).toEqual({ memory: 0, swap: 0 });
    expect(s.swapDevice().freePages).toBe(1024);
  });

  test('v1: memcg1_swapout moves the page from memory to memsw only; memcg1_swapin leaves memsw unchanged', async () => {
    const { s, t, ids } = await pressure(1);
    const usage = (f: string) => Number(s.read(`x/${f}`)) / PAGE;
    expect({ memory: usage('memory.usage_in_bytes'), memsw: usage('memory.memsw.usage_in_bytes') })
      .toEqual({ memory: 129 - SWAPPED, memsw: 129 });
    expect([s.counter('x', 'memory').usage, s.counter('x', 'memsw').usage]).toEqual([129 - SWAPPED, 129]);
    expect(s.task(t)).toMatchObject({ anonPages: 129 - SWAPPED, swapEntries: SWAPPED });
    let st = stat(s, 'x'); // v1 memory.stat: "swap" is MEMCG_SWAP
    expect([st.swap, st.rss, st.total_swap]).toEqual([SWAPPED * PAGE, (129 - SWAPPED) * PAGE, SWAPPED * PAGE]);
    for (const id of ids.slice(0, 10)) s.touch(id, { cpu: 0 });
    expect({ memory: usage('memory.usage_in_bytes'), memsw: usage('memory.memsw.usage_in_bytes') })
      .toEqual({ memory: 129 - SWAPPED + 10, memsw: 129 });
    st = stat(s, 'x');
    expect(st.swap).toBe((SWAPPED - 10) * PAGE);
    s.exitTask(t);
    expect({ memory: usage('memory.usage_in_bytes'), memsw: usage('memory.memsw.usage_in_bytes') }).toEqual({ memory: 0, memsw: 0 });
  });

  test('swap-in charges the memcg recorded for the entry, not the task\'s new one; if that memcg is offline, the task\'s', async () => {
    const { s, t, ids } = await pressure(2);
    s.mkdir('y');
    s.moveTask(t, 'y');
    s.touch(ids[0], { cpu: 0 });
    expect([current(s, 'x'), current(s, 'y')]).toEqual([129 - SWAPPED + 1, 0]);
    expect(s.folio(ids[0])?.cgroup).toBe('x');
    // mem_cgroup_swapin_charge_folio: css_tryget_online fails on a removed memcg → the mm's memcg.
    s.rmdir('x');
    s.touch(ids[1], { cpu: 0 });
    expect(s.folio(ids[1])?.cgroup).toBe('y');
    expect(current(s, 'y')).toBe(64); // a fresh charge to y: batch 64, 63 left in the stock
    expect(s.swapDevice().freePages).toBe(1024 - SWAPPED + 2);
  });
});

describe('swap of a removed memcg (__mem_cgroup_try_charge_swap: mem_cgroup_id_get_online)', () => {
  // p / c: a task in c faults 64 anon pages, moves to q, and c is removed (its pages stay
  // charged to the offline c; with no swap entries its id reference drops to 0 at offline).
  // "256K swappiness=max" on p: SCAN_ANON; c is offline so an empty scan becomes
  // min(size, 32): priorities 12 and 11 rotate the 64 young folios (32 + 32), priority 10
  // swaps out 32; the second call (batch 32 / 4 → 32) swaps out the other 32.
  async function offlineSwap() {
    const s = await sys({ swap: '4M' });
    s.mkdir('p');
    s.mkdir('p/c');
    s.mkdir('q');
    const t = s.spawn('p/c');
    const ids = charge(s, { task: t, cpu: 0 }, 64);
    s.moveTask(t, 'q');
    s.rmdir('p/c');
    s.write('p/memory.reclaim', '256K swappiness=max');
    return { s, t, ids };
  }

  test('the offline memcg\'s anon is reclaimed into swap; p\'s counters hold it', async () => {
    const { s, t } = await offlineSwap();
    expect({ memory: current(s, 'p'), swap: swapCurrent(s, 'p') }).toEqual({ memory: 0, swap: 64 });
    expect(stat(s, 'p').pswpout).toBe(64);
    expect(s.task(t).swapEntries).toBe(64);
  });

  // __mem_cgroup_try_charge_swap charges the swap entry to mem_cgroup_id_get_online(c) = p
  // (c was removed and holds no swap entry, so its id is gone) and records p in swap_cgroup,
  // so the swap-in charges p (online), not the task's memcg q.
  test('the swap entry is recorded for the online parent, so a swap-in charges p, not the task\'s q', async () => {
    const { s, ids } = await offlineSwap();
    s.touch(ids[0], { cpu: 0 });
    expect(s.folio(ids[0])?.cgroup).toBe('p');
    expect([current(s, 'p'), current(s, 'q')]).toEqual([64, 0]); // a fresh charge to p: batch 64
  });
});

describe('memory.max written below usage (memory_max_write)', () => {
  test('drain, reclaim the page cache, 16 zero-progress reclaims, then MEMCG_OOM and a kill; no MEMCG_MAX', async () => {
    const s = await sys();
    s.mkdir('x');
    charge(s, { cgroup: 'x', cpu: 0, kind: 'file' }, 256);
    const t = s.spawn('x');
    charge(s, { task: t, cpu: 0 }, 128);
    s.write('x/memory.max', 64 * PAGE);
    // try_to_free_mem_cgroup_pages(x, 320) takes all 256 cached pages (never reaching 320:
    // every priority runs, priority 0 scans what is left); 128 anon pages stay > 64.
    // The kill only marks the victim: the loop's next iteration (nr_reclaims is used up)
    // raises MEMCG_OOM again, and its mem_cgroup_out_of_memory takes oom_lock, a scheduling
    // point where the victim exits (sched.ts); the margin is back, usage fits: 2 OOM events.
    expect(s.task(t)).toMatchObject({ alive: false, killed: true });
    expect(current(s, 'x')).toBe(0);
    expect(events(s, 'x')).toEqual({ low: 0, high: 0, max: 0, oom: 2, oom_kill: 1, oom_group_kill: 0 });
    expect(stat(s, 'x').pgsteal_direct).toBe(256);
    expect(s.read('x/memory.max')).toBe(`${64 * PAGE}\n`);
  });
});

describe('swap.max (v2)', () => {
  test('swap.max = 0: get_scan_count never scans anon (no swap room), so the charge OOMs instead of swapping', async () => {
    const s = await sys({ swap: '4M' });
    s.mkdir('x', { 'memory.max': 128 * PAGE, 'memory.swap.max': 0 });
    const t = s.spawn('x');
    charge(s, { task: t, cpu: 0 }, 128);
    expect(codeOf(() => s.charge({ task: t, cpu: 0 }))).toBe('EINTR');
    expect(swapCurrent(s, 'x')).toBe(0);
    expect(s.swapDevice().freePages).toBe(1024);
    expect(swapEvents(s, 'x')).toEqual({ high: 0, max: 0, fail: 0 });
    // the faulting task is the victim: 18 MAX events, the OOM, 17 more (passed_oom), nomem
    expect(events(s, 'x')).toEqual({ low: 0, high: 0, max: 35, oom: 1, oom_kill: 1, oom_group_kill: 0 });
    expect(stat(s, 'x').pgscan).toBe(0);
  });

  test('swap.max = 10 pages: 10 swap out, the other 12 the same pass picks fail with MEMCG_SWAP_MAX + MEMCG_SWAP_FAIL and are activated; then OOM', async () => {
    const s = await sys({ swap: '4M' });
    s.mkdir('x', { 'memory.max': 128 * PAGE, 'memory.swap.max': 10 * PAGE });
    const t = s.spawn('x');
    charge(s, { task: t, cpu: 0 }, 128);
    // The same scan as the swap-out table above (room 10 > 0 at every priority): at priority 0
    // the 22 referenced folios go to folio_alloc_swap; __mem_cgroup_try_charge_swap charges
    // 10, fails 12 (both events each on x), and the 12 take the activate_locked path.
    s.charge({ task: t, cpu: 0 });
    expect({ memory: current(s, 'x'), swap: swapCurrent(s, 'x') }).toEqual({ memory: 128 - 10 + 1, swap: 10 });
    expect(swapEvents(s, 'x')).toEqual({ high: 0, max: 12, fail: 12 });
    expect(s.lruSizes('x')).toMatchObject({ inactive_anon: 128 - 22 + 1, active_anon: 12 });
    const st = stat(s, 'x');
    expect([st.pswpout, st.pgactivate, st.pgsteal_direct]).toEqual([10, 12, 10]);
    expect(s.swapDevice().freePages).toBe(1024 - 10);

    // Fill up again (9 pages), then: swap room 0 → SCAN_FILE → nothing to reclaim → OOM.
    charge(s, { task: t, cpu: 0 }, 9);
    expect(codeOf(() => s.charge({ task: t, cpu: 0 }))).toBe('EINTR');
    expect(swapEvents(s, 'x')).toEqual({ high: 0, max: 12, fail: 12 });
    expect(events(s, 'x')).toEqual({ low: 0, high: 0, max: 1 + 35, oom: 1, oom_kill: 1, oom_group_kill: 0 });
    expect({ memory: current(s, 'x'), swap: swapCurrent(s, 'x') }).toEqual({ memory: 0, swap: 0 });
    expect(s.swapDevice().freePages).toBe(1024);
  });
});

describe('memory.oom.group (mem_cgroup_get_oom_group, oom_kill_memcg_member)', () => {
  test('the whole group dies except oom_score_adj -1000; the victim is counted twice in oom_kill', async () => {
    const s = await sys();
    s.mkdir('g', { 'memory.max': 640 * PAGE });
    s.write('g/memory.oom.group', '1');
    const safe = s.spawn('g', { oomScoreAdj: -1000 });
    const other = s.spawn('g');
    const f = s.spawn('g');
    charge(s, { task: safe, cpu: 0 }, 64);
    charge(s, { task: other, cpu: 0 }, 64);
    charge(s, { task: f, cpu: 0 }, 512);
    // victim f (512); __oom_kill_process(f) → oom_kill 1; group g → oom_group_kill 1; the
    // group scan skips safe (-1000), kills other (2) and visits f again, which still has its mm (3).
    // other exits at f's next reclaim pass (sched.ts): the retry after the kill fails once (19
    // MAX events), then fits; f, dying, never completes the fault: EINTR.
    expect(codeOf(() => s.charge({ task: f, cpu: 0 }))).toBe('EINTR');
    expect(events(s, 'g')).toEqual({ low: 0, high: 0, max: 19, oom: 1, oom_kill: 3, oom_group_kill: 1 });
    expect([s.task(safe).alive, s.task(other).alive, s.task(f).alive]).toEqual([true, false, false]);
    expect(current(s, 'g')).toBe(64);
  });

  test('without memory.oom.group only the victim dies', async () => {
    const s = await sys();
    s.mkdir('g', { 'memory.max': 640 * PAGE });
    const other = s.spawn('g');
    const f = s.spawn('g');
    charge(s, { task: other, cpu: 0 }, 128);
    charge(s, { task: f, cpu: 0 }, 512);
    expect(codeOf(() => s.charge({ task: f, cpu: 0 }))).toBe('EINTR');
    expect(events(s, 'g')).toMatchObject({ oom: 1, oom_kill: 1, oom_group_kill: 0 });
    expect(s.task(other).alive).toBe(true);
  });

  test('the highest oom.group memcg between the victim\'s and the OOM domain is killed; a group above the domain is not used', async () => {
    const s = await sys();
    s.mkdir('top');
    s.mkdir('top/d', { 'memory.max': 640 * PAGE });
    s.mkdir('top/d/v');
    s.mkdir('top/d/w');
    s.mkdir('top/o'); // tasks live in leaves: top and d enable memory for their children
    s.write('top/memory.oom.group', '1'); // above the OOM domain: ignored
    s.write('top/d/memory.oom.group', '1');
    const outside = s.spawn('top/o');
    const inD = s.spawn('top/d/w');
    const victim = s.spawn('top/d/v');
    charge(s, { task: outside, cpu: 0 }, 64);
    charge(s, { task: inD, cpu: 0 }, 128);
    const { code } = chargeUpTo(s, { task: victim, cpu: 0 }, 1000);
    expect(code).toBe('EINTR');
    expect([s.task(outside).alive, s.task(inD).alive, s.task(victim).alive]).toEqual([true, false, false]);
    expect(events(s, 'top/d', true)).toMatchObject({ oom: 1, oom_group_kill: 1, oom_kill: 0 });
    // the victim, then the group scan in pre-order (v: the victim again, w: inD)
    expect(events(s, 'top/d/v', true)).toMatchObject({ oom_kill: 2 });
    expect(events(s, 'top/d/w', true)).toMatchObject({ oom_kill: 1 });
    expect(events(s, 'top')).toMatchObject({ oom: 1, oom_kill: 3, oom_group_kill: 1 });
    expect(current(s, 'top/d')).toBe(0);
  });
});

describe('memory.high throttling (__mem_cgroup_handle_over_high, calculate_high_delay §7)', () => {
  // h: memory.high 1024 pages, no swap, a task's anon: reclaim_high can free nothing.
  // The first charge over high is a counter charge of the 64-page batch: usage 1088,
  // overage = (64 << 20) / 1024 = 65536, penalty = (65536² * HZ >> 20 >> 14) * 64 / 64.
  // Each round raises MEMCG_HIGH; 16 zero-progress retries, then the 17th round sleeps.
  test.each([
    { hz: 1000, first: 250, second: 1000 }, // 2^32 * 1000 >> 34 = 250; 2^34 * 1000 >> 34 = 1000
    { hz: 250, first: 62 * 4, second: 250 * 4 }, // 62 (62.5 truncated) and 250 jiffies of 4 ms
    { hz: 100, first: 25 * 10, second: 100 * 10 },
  ])('HZ=$hz: sleeps $first ms at 64 pages over, $second ms at 128 over, then the 2*HZ cap', async ({ hz, first, second }) => {
    const s = await sys({ hz });
    s.mkdir('h', { 'memory.high': 1024 * PAGE });
    const t = s.spawn('h');
    charge(s, { task: t, cpu: 0 }, 1024); // usage = high: not over
    expect([s.task(t).throttledMs, events(s, 'h').high]).toEqual([0, 0]);
    s.charge({ task: t, cpu: 0 });
    expect(current(s, 'h')).toBe(1088);
    expect(events(s, 'h').high).toBe(17);
    expect([s.task(t).throttledMs, s.now()]).toEqual([first, first]);
    // The next 63 come from the stock: consume_stock returns before any high check.
    charge(s, { task: t, cpu: 0 }, 63);
    expect([events(s, 'h').high, s.task(t).throttledMs]).toEqual([17, first]);
    // Counter charge to 1152: overage (128 << 20) / 1024 = 131072.
    s.charge({ task: t, cpu: 0 });
    expect(events(s, 'h').high).toBe(34);
    expect(s.task(t).throttledMs).toBe(first + second);
    // 1216: overage 196608, 196608² * HZ >> 34 = 2.25 * HZ → capped at MEMCG_MAX_HIGH_DELAY_JIFFIES = 2 s.
    charge(s, { task: t, cpu: 0 }, 64);
    expect(events(s, 'h').high).toBe(51);
    expect(s.task(t).throttledMs).toBe(first + second + 2000);
    expect(s.now()).toBe(first + second + 2000);
    expect(events(s, 'h')).toMatchObject({ max: 0, oom: 0 });
  });

  test('a penalty of at most HZ/100 is not worth a sleep: one reclaim_high round, one MEMCG_HIGH, no throttling', async () => {
    const s = await sys();
    s.mkdir('h', { 'memory.high': 8192 * PAGE });
    const t = s.spawn('h');
    charge(s, { task: t, cpu: 0 }, 8192 + 1);
    // overage (64 << 20) / 8192 = 8192: 8192² * 1000 >> 34 = 3 jiffies <= 10.
    expect(events(s, 'h').high).toBe(1);
    expect([s.task(t).throttledMs, s.now()]).toEqual([0, 0]);
  });

  test('a THP over high: the delay scales by nr_pages / 64 after the truncating shifts', async () => {
    const s = await sys();
    s.mkdir('h', { 'memory.high': 16384 * PAGE });
    const t = s.spawn('h');
    charge(s, { task: t, cpu: 0, order: 9 }, 32); // exactly high
    s.charge({ task: t, cpu: 0, order: 9 });
    // overage (512 << 20) / 16384 = 32768: 2^30 * 1000 >> 34 = 62, * 512 / 64 = 496 jiffies.
    expect(events(s, 'h').high).toBe(17);
    expect(s.task(t).throttledMs).toBe(496);
  });

  test('reclaimable page cache: reclaim_high brings usage back under high, so there is one round and no sleep', async () => {
    const s = await sys();
    s.mkdir('h', { 'memory.high': 1024 * PAGE });
    const t = s.spawn('h');
    charge(s, { task: t, cpu: 0, kind: 'file' }, 1024);
    s.charge({ task: t, cpu: 0, kind: 'file' });
    // try_to_free_mem_cgroup_pages(h, 64): 1025 cached pages (the 64-page batch holds 63 in
    // the stock); priorities 10..4 scan 1, 2, 3, 7, 15, 31, 60 → 119 >= 64. Usage 1088 - 119 <= high.
    expect(current(s, 'h')).toBe(1088 - 119);
    expect(events(s, 'h').high).toBe(1);
    expect(s.task(t).throttledMs).toBe(0);
  });
});

describe('memory.reclaim (user_proactive_reclaim §10)', () => {
  // 512 pages of cache, "512K" = 128 pages asked: batch = left / 4, nr_to_reclaim = max(batch, 32).
  // call 1 (32): 512 → priorities 9..4 scan 1, 1, 3, 7, 15, 30 → 57;
  // call 2 (71/4 = 17 → 32): 455 → priorities 8..4 scan 1, 3, 7, 13, 26 → 50 (107);
  // call 3 (21/4 = 5 → 32): 405 → priorities 8..4 scan 1, 3, 6, 12, 23 → 45 (152 >= 128).
  test.each([0, 512])('reclaims 152 pages of cache for a 128-page request; the target\'s own memory.min (%i pages) is ignored', async (min) => {
    const s = await sys();
    s.mkdir('r', { 'memory.min': min * PAGE });
    charge(s, { cgroup: 'r', cpu: 0, kind: 'file' }, 512);
    s.write('r/memory.reclaim', '512K');
    expect(current(s, 'r')).toBe(512 - 152);
    const st = stat(s, 'r');
    expect([st.pgscan_proactive, st.pgsteal_proactive, st.pgscan_direct, st.pgsteal_direct]).toEqual([152, 152, 0, 0]);
    expect(events(s, 'r')).toEqual({ low: 0, high: 0, max: 0, oom: 0, oom_kill: 0, oom_group_kill: 0 });
  });

  test('EAGAIN when nothing is reclaimable (anon without swap): 17 zero-progress calls', async () => {
    const s = await sys();
    s.mkdir('r');
    const t = s.spawn('r');
    charge(s, { task: t, cpu: 0 }, 128);
    expect(codeOf(() => s.write('r/memory.reclaim', '64K'))).toBe('EAGAIN');
    expect(current(s, 'r')).toBe(128);
    expect(stat(s, 'r').pgscan).toBe(0);
  });

  test('swappiness=0 scans file only (EAGAIN with only anon); swappiness=max swaps exactly the request', async () => {
    const s = await sys({ swap: '4M' });
    s.mkdir('r');
    const t = s.spawn('r');
    charge(s, { task: t, cpu: 0 }, 128);
    expect(codeOf(() => s.write('r/memory.reclaim', '512K swappiness=0'))).toBe('EAGAIN');
    expect(stat(s, 'r').pgscan).toBe(0);
    // SCAN_ANON, 128 asked. call 1 (32): priorities 7..1 scan 1+2+4+8+16+32+64 young folios
    // (KEEP); at priority 0 the first batch is the last young one and 31 referenced ones
    // (reclaimed), the second 32 more → 63. call 2 (65/4 → 32): 65 referenced → priorities
    // 6..1 scan 1, 2, 3, 7, 13, 19 → 45 (108). call 3 (20/4 → 32): 20 → 1, 2, 4, 6, 7 → 128.
    s.write('r/memory.reclaim', '512K swappiness=max');
    expect({ memory: current(s, 'r'), swap: swapCurrent(s, 'r') }).toEqual({ memory: 0, swap: 128 });
    const st = stat(s, 'r');
    expect([st.pswpout, st.pgsteal_proactive, st.pgscan_proactive]).toEqual([128, 128, 191 + 45 + 20]);
    expect(s.task(t)).toMatchObject({ anonPages: 0, swapEntries: 128 });
  });
});

// ── tools/testing/selftests/cgroup/test_memcontrol.c (6.18), ported ─────────────────────
// The selftests run real processes: alloc_anon touches a malloc'd buffer page by page and
// exits (freeing it), alloc_pagecache reads a fresh O_TMPFILE (unmapped page cache that is
// freed when the file is closed), *_noexit variants keep running. Here a process is a task:
// its anon pages are anon charges by the task (exitTask frees them), its page cache is
// 'file' charges by the task (uncharged when the selftest closes the file). "Killed by the
// OOM killer" is the allocating charge failing with EINTR. The selftests' checks and
// tolerances (values_close) are kept; sizes are the selftests' own (1 MiB = 256 pages).
describe('selftest test_memcontrol.c ports', () => {
  /** alloc_anon(size) by a new task in cg, then exit; 'ok' or the error that stopped it. */
  function allocAnon(s: System, cg: string, pages: number): string {
    const t = s.spawn(cg);
    const { code } = chargeUpTo(s, { task: t, cpu: 0 }, pages);
    if (s.task(t).alive) s.exitTask(t);
    return code;
  }
  /** A task reads `pages` of a new file: its page cache ids (some reclaimed on the way). */
  function allocPagecache(s: System, cg: string, pages: number): { ids: number[]; code: string } {
    const t = s.spawn(cg);
    return chargeUpTo(s, { task: t, cpu: 0, kind: 'file' }, pages);
  }

  // test_memcg_protection: A (max 200M, swap.max 0) / B (50M) / C (75M), D (25M), E (0),
  // F (500M) of memory.min or memory.low; C, D, E read 50M of page cache each; then A/G
  // allocates 148M of anon (the process exits), then 170M.
  test.each([
    ['min', true],
    ['low', false],
  ] as const)('test_memcg_%s (test_memcg_protection)', async (name, min) => {
    const attr = `memory.${name}`;
    const s = await sys({ swap: '1G' });
    s.mkdir('A', { 'memory.max': 200 * MB, 'memory.swap.max': 0 });
    s.mkdir('A/B');
    s.mkdir('A/G');
    const children = [0, 1, 2, 3].map((i) => `A/B/child_memcg${i}`);
    for (const c of children) s.mkdir(c);
    for (const c of children.slice(0, 3)) expect(allocPagecache(s, c, mb(50)).code).toBe('ok');
    s.write(`A/B/${attr}`, '50M');
    s.write(`${children[0]}/${attr}`, '75M');
    s.write(`${children[1]}/${attr}`, '25M');
    s.write(`${children[2]}/${attr}`, '0');
    s.write(`${children[3]}/${attr}`, '500M');
    expect(valuesClose(current(s, 'A/B') * PAGE, 150 * MB, 3)).toBe(true);

    expect(allocAnon(s, 'A/G', mb(148))).toBe('ok');
    expect(valuesClose(current(s, 'A/B') * PAGE, 50 * MB, 3)).toBe(true);
    const c = children.map((cg) => current(s, cg) * PAGE);
    expect(valuesClose(c[0], 29 * MB, 15)).toBe(true);
    expect(valuesClose(c[1], 21 * MB, 20)).toBe(true);
    expect(c[3]).toBe(0);

    // memory.min protects the cache even now (G is OOM-killed); memory.low gives way.
    const rc = allocAnon(s, 'A/G', mb(170));
    expect(rc).toBe(min ? 'EINTR' : 'ok');
    expect(valuesClose(current(s, 'A/B') * PAGE, (min ? 50 : 30) * MB, 3)).toBe(true);

    // reclaim_until(children[0], 10M): the target's own protection is ignored.
    expect(reclaimUntil(s, children[0], 10 * MB)).toBe(true);
    if (min) return;
    // memory.low: low events in C and D (no memory_recursiveprot), none in E and F, no OOM.
    children.forEach((cg, i) => {
      const e = events(s, cg);
      expect(e.oom).toBe(0);
      if (i <= 1) expect(e.low).toBeGreaterThan(0);
      else expect(e.low).toBe(0);
    });
  });

  /** reclaim_until: write memory.reclaim until usage is close to goal (3%); false on nonsense. */
  function reclaimUntil(s: System, cg: string, goal: number): boolean {
    let reclaimed = false;
    for (let retries = 5; retries > 0; retries--) {
      const cur = current(s, cg) * PAGE;
      if (cur < goal || valuesClose(cur, goal, 3)) break;
      else if (reclaimed) return false; // memory.reclaim returned 0 without reaching the goal
      const code = codeOf(() => s.write(`${cg}/memory.reclaim`, String(cur - goal)));
      if (code === 'ok') reclaimed = true;
      else if (code !== 'EAGAIN') return false;
    }
    return reclaimed;
  }

  test('test_memcg_high: memory.high 30M keeps page cache near 30M; anon over high is throttled, not failed', async () => {
    const s = await sys({ swap: '1G' });
    s.mkdir('memcg_test');
    expect(s.read('memcg_test/memory.high')).toBe('max\n');
    s.write('memcg_test/memory.swap.max', '0');
    s.write('memcg_test/memory.high', '30M');
    expect(allocAnon(s, 'memcg_test', mb(31))).toBe('ok');
    // alloc_pagecache_50M_check must fail: memory.current stays below 50M.
    const run = allocPagecache(s, 'memcg_test', mb(50));
    expect(run.code).toBe('ok');
    expect(current(s, 'memcg_test') * PAGE).toBeLessThan(50 * MB);
    dropPageCache(s, run.ids, 'memcg_test');
    // alloc_pagecache_max_30M
    const run2 = allocPagecache(s, 'memcg_test', mb(50));
    expect(run2.code).toBe('ok');
    expect(valuesClose(current(s, 'memcg_test') * PAGE, 30 * MB, 5)).toBe(true);
    dropPageCache(s, run2.ids, 'memcg_test');
    expect(events(s, 'memcg_test').high).toBeGreaterThan(0);
  });

  test('test_memcg_max: anon over memory.max 30M is OOM-killed; page cache stays at or under 30M', async () => {
    const s = await sys({ swap: '1G' });
    s.mkdir('memcg_test');
    expect(s.read('memcg_test/memory.max')).toBe('max\n');
    s.write('memcg_test/memory.swap.max', '0');
    s.write('memcg_test/memory.max', '30M');
    expect(allocAnon(s, 'memcg_test', mb(100))).toBe('EINTR');
    const run = allocPagecache(s, 'memcg_test', mb(50));
    expect(run.code).toBe('ok');
    const cur = current(s, 'memcg_test') * PAGE;
    expect(valuesClose(cur, 30 * MB, 5)).toBe(true);
    dropPageCache(s, run.ids, 'memcg_test');
    expect(cur).toBeLessThanOrEqual(30 * MB);
    expect(cur).toBeGreaterThan(0);
    expect(events(s, 'memcg_test').max).toBeGreaterThan(0);
  });

  test.each([
    { swap: undefined, expected: 50 },
    { swap: '1G', expected: 100 },
  ])('test_memcg_reclaim (swap $swap): memory.reclaim brings $expected M down to 30M', async ({ swap, expected }) => {
    const s = await sys({ swap });
    s.mkdir('memcg_test');
    expect(current(s, 'memcg_test')).toBe(0);
    expect(allocPagecache(s, 'memcg_test', mb(50)).code).toBe('ok');
    if (swap) {
      const t = s.spawn('memcg_test'); // alloc_anon_noexit(50M)
      charge(s, { task: t, cpu: 0 }, mb(50));
    }
    expect(valuesClose(current(s, 'memcg_test') * PAGE, expected * MB, 10)).toBe(true);
    expect(reclaimUntil(s, 'memcg_test', 30 * MB)).toBe(true);
  });

  test('test_memcg_swap_max_peak: memory.max 30M + swap.max 30M; 100M is OOM-killed once; 50M fits as 30M + 20M swap', async () => {
    const s = await sys({ swap: '1G' });
    s.mkdir('memcg_test');
    expect(swapCurrent(s, 'memcg_test')).toBe(0);
    const swapPeakFd = s.open('memcg_test/memory.swap.peak');
    const memPeakFd = s.open('memcg_test/memory.peak');
    const peak = (f: { read(): string }) => Number(f.read());
    expect([Number(s.read('memcg_test/memory.swap.peak')), peak(swapPeakFd)]).toEqual([0, 0]);
    swapPeakFd.write('foobarbaz');
    memPeakFd.write('foobarbaz');
    expect([peak(swapPeakFd), peak(memPeakFd)]).toEqual([0, 0]);
    s.write('memcg_test/memory.swap.max', '30M');
    s.write('memcg_test/memory.max', '30M');

    expect(allocAnon(s, 'memcg_test', mb(100))).toBe('EINTR');
    expect(events(s, 'memcg_test')).toMatchObject({ oom: 1, oom_kill: 1 });
    for (const p of [Number(s.read('memcg_test/memory.peak')), Number(s.read('memcg_test/memory.swap.peak')), peak(memPeakFd), peak(swapPeakFd)]) {
      expect(p).toBeGreaterThanOrEqual(29 * MB);
    }
    s.write('memcg_test/memory.swap.peak', 'foobarbaz');
    s.write('memcg_test/memory.peak', 'foobarbaz');
    swapPeakFd.write('foobarbaz');
    memPeakFd.write('foobarbaz');
    expect(peak(swapPeakFd)).toBeLessThanOrEqual(10 * MB);
    expect(peak(memPeakFd)).toBeLessThanOrEqual(1 * MB);
    expect(Number(s.read('memcg_test/memory.peak'))).toBeGreaterThanOrEqual(29 * MB);
    expect(Number(s.read('memcg_test/memory.swap.peak'))).toBeGreaterThanOrEqual(29 * MB);

    // alloc_anon_50M_check_swap, checked while the process still lives.
    const t = s.spawn('memcg_test');
    expect(chargeUpTo(s, { task: t, cpu: 0 }, mb(50)).code).toBe('ok');
    const mem = current(s, 'memcg_test') * PAGE;
    const swp = swapCurrent(s, 'memcg_test') * PAGE;
    expect(mem > 0 && valuesClose(mem, 30 * MB, 3)).toBe(true);
    expect(swp > 0 && valuesClose(mem + swp, 50 * MB, 3)).toBe(true);
    s.exitTask(t);
    expect(events(s, 'memcg_test').max).toBeGreaterThan(0);
    expect(Number(s.read('memcg_test/memory.peak'))).toBeGreaterThanOrEqual(29 * MB);
    expect(Number(s.read('memcg_test/memory.swap.peak'))).toBeGreaterThanOrEqual(29 * MB);
    expect(peak(memPeakFd)).toBeGreaterThanOrEqual(29 * MB);
    expect(peak(swapPeakFd)).toBeGreaterThanOrEqual(19 * MB);
    memPeakFd.close();
    swapPeakFd.close();
  });

  test('test_memcg_oom_events: memory.max 30M, swap.max 0, 100M of anon: the process is killed, oom 1, oom_kill 1', async () => {
    const s = await sys({ swap: '1G' });
    s.mkdir('memcg_test', { 'memory.max': 30 * MB, 'memory.swap.max': 0 });
    const t = s.spawn('memcg_test');
    expect(chargeUpTo(s, { task: t, cpu: 0 }, mb(100)).code).toBe('EINTR');
    expect(s.task(t).alive).toBe(false); // cgroup.procs is empty
    expect(events(s, 'memcg_test')).toMatchObject({ oom: 1, oom_kill: 1 });
  });

  // test_memcg_oom_group_leaf_events: parent and child made, then +memory in the parent's
  // subtree_control; child (50M, swap.max 0, oom.group 1) two 1M processes and the 100M
  // allocator; the 60M process meant for the parent cannot join it.
  test.each([false, true])('test_memcg_oom_group_leaf_events (memory_localevents %s)', async (localEvents) => {
    const s = await sys({ swap: '1G', localEvents, autoEnableMemory: false });
    s.mkdir('memcg_test_0');
    s.mkdir('memcg_test_0/memcg_test_1');
    s.write('memcg_test_0/cgroup.subtree_control', '+memory');
    s.write('memcg_test_0/memcg_test_1/memory.max', `${50 * MB}`);
    s.write('memcg_test_0/memcg_test_1/memory.swap.max', '0');
    s.write('memcg_test_0/memcg_test_1/memory.oom.group', '1');
    // cg_run_nowait(parent, 60M): parent has memory in its subtree_control, so the process
    // cannot be placed there (cgroup_migrate_vet_dst: EBUSY) and never runs.
    expect(codeOf(() => s.spawn('memcg_test_0'))).toBe('EBUSY');
    const small = [0, 1].map(() => s.spawn('memcg_test_0/memcg_test_1'));
    for (const t of small) charge(s, { task: t, cpu: 0 }, mb(1));
    const alloc = s.spawn('memcg_test_0/memcg_test_1');
    expect(chargeUpTo(s, { task: alloc, cpu: 0 }, mb(100)).code).toBe('EINTR');
    expect([...small, alloc].map((t) => s.task(t).alive)).toEqual([false, false, false]); // cg_test_proc_killed
    // victim (1), then the group scan: the two small ones and the victim again → 4.
    expect(events(s, 'memcg_test_0/memcg_test_1').oom_kill).toBe(4);
    expect(events(s, 'memcg_test_0').oom_kill).toBe(localEvents ? 0 : 4);
  });

  // test_memcg_oom_group_parent_events: parent (80M, swap.max 0, oom.group 1) runs the 60M
  // process; the child two 1M processes and the allocator. The test never enables memory in
  // the parent's subtree_control, so the child has no memcg: its processes charge the
  // parent's. The OOM domain is the parent, the 60M process is the victim (badness 15360 >
  // the allocator's 4608), the group is the parent.
  test('test_memcg_oom_group_parent_events: every process in parent and child is killed', async () => {
    const s = await sys({ swap: '1G', autoEnableMemory: false });
    s.mkdir('memcg_test_0', { 'memory.max': 80 * MB, 'memory.swap.max': 0 });
    s.mkdir('memcg_test_0/memcg_test_1');
    expect(s.read('memcg_test_0/memcg_test_1/cgroup.controllers')).toBe('');
    s.write('memcg_test_0/memory.oom.group', '1');
    const big = s.spawn('memcg_test_0');
    charge(s, { task: big, cpu: 0, order: 9 }, 30);
    const small = [0, 1].map(() => s.spawn('memcg_test_0/memcg_test_1'));
    for (const t of small) charge(s, { task: t, cpu: 0 }, mb(1));
    const alloc = s.spawn('memcg_test_0/memcg_test_1');
    expect(chargeUpTo(s, { task: alloc, cpu: 0 }, mb(100)).code).toBe('EINTR');
    expect([big, ...small, alloc].map((t) => s.task(t).alive)).toEqual([false, false, false, false]);
    // Every victim's memcg is the parent's: the victim, then the group scan (the victim again
    // and the three others) → 5.
    expect(events(s, 'memcg_test_0', true)).toMatchObject({ oom: 1, oom_kill: 5, oom_group_kill: 1 });
    expect(codeOf(() => s.read('memcg_test_0/memcg_test_1/memory.events'))).toBe('ENOENT');
    expect(current(s, 'memcg_test_0')).toBe(0);
  });

  test('test_memcg_oom_group_score_events: oom_kill == 3, the OOM_SCORE_ADJ_MIN process survives', async () => {
    const s = await sys({ swap: '1G' });
    s.mkdir('memcg_test_0', { 'memory.max': 50 * MB, 'memory.swap.max': 0 });
    s.write('memcg_test_0/memory.oom.group', '1');
    const safe = s.spawn('memcg_test_0');
    charge(s, { task: safe, cpu: 0 }, mb(1));
    s.setOomScoreAdj(safe, -1000);
    const other = s.spawn('memcg_test_0');
    charge(s, { task: other, cpu: 0 }, mb(1));
    const alloc = s.spawn('memcg_test_0');
    expect(chargeUpTo(s, { task: alloc, cpu: 0 }, mb(100)).code).toBe('EINTR');
    expect(events(s, 'memcg_test_0').oom_kill).toBe(3);
    expect([s.task(safe).alive, s.task(other).alive, s.task(alloc).alive]).toEqual([true, false, false]);
    expect(current(s, 'memcg_test_0')).toBe(mb(1));
  });

  // Ported in other files: test_memcg_subtree_control in cgroup-subtree-control.test.ts,
  // test_memcg_high_sync in ltp-kselftest-shmem-mlock.test.ts, test_memcg_current_peak and
  // test_memcg_sock in kselftest-ltp-v2-ports.test.ts.
});
