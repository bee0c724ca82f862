// cgroup v1 memory.oom_control oom_kill_disable: the faulting task waits (mm/memcontrol-v1.c
// memcg1_oom_prepare sets memcg_in_oom for a user fault; pagefault_out_of_memory →
// mem_cgroup_oom_synchronize sleeps with under_oom raised on the memcg's subtree;
// memcg1_oom_recover wakes it from uncharge_batch, a larger limit (mem_cgroup_resize_max) or
// oom_kill_disable 0; the task then faults again). A charge without a task is no user fault:
// it fails with ENOMEM and nothing waits.
import { describe, expect, test } from 'vitest';
import type { Op, System } from '../src/index.js';
import { codeOf, sys as sysBase } from './helpers/sys.js';
import type { SystemOptions } from '../src/index.js';
// lruAddBatch pinned off: the OOM-wait counts were derived with a waiting or killed task's pages freed at exit, not held by an lru_add batch.
const sys = (o: SystemOptions = {}) => sysBase({ lruAddBatch: false, ...o });

const PAGE = 4096;
const num = (s: System, f: string) => Number(s.read(f).trim());
const stat = (s: System, path: string, key: string) => {
  s.flushStats('', { force: true });
  const line = s.read(`${path}/memory.stat`).split('\n').find((l) => l.startsWith(`${key} `))!;
  return Number(line.split(' ')[1]);
};

async function waiting() {
  // a: limit 1M (256 pages), oom_kill_disable 1, a child b; one task on CPU 1 faults 300 pages.
  const s = await sys({ cgroupVersion: 1, profile: 'multi', topology: { nodes: 1, cpusPerNode: 2 } });
  s.mkdir('a', { 'memory.limit_in_bytes': '1M' });
  s.mkdir('a/b');
  s.write('a/memory.oom_control', '1');
  const t = s.spawn('a');
  const ids: number[] = [];
  for (let i = 0; i < 257; i++) ids.push(s.charge({ task: t, cpu: 1 }));
  return { s, t, ids };
}

describe('a task faulting into a full memcg with oom_kill_disable sleeps in the OOM wait', () => {
  test('the fault that OOMs waits: under_oom 1 on the memcg and its child, failcnt 19, no kill (measured)', async () => {
    // measured 6.18.44 (probe on CPU 1, 300 pages, limit 1M, oom_kill_disable 1, 3 runs): the
    // task stayed asleep (state D: TASK_KILLABLE) with failcnt 19, usage = max_usage = 256
    // pages, memory.oom_control "oom_kill_disable 1 / under_oom 1 / oom_kill 0", the child's
    // under_oom 1; it had touched 252 pages (4 pages of the memcg held the probe's kernel
    // memory, which the emulator does not charge) and pgfault counted 253: the failed fault too.
    const { s, t, ids } = await waiting();
    const last = ids[256];
    expect(s.task(t).oomWait).toEqual({ cgroup: 'a', folio: last });
    expect(s.folioState(last)).toBe('oom-wait');
    expect(s.folio(last)).toBeNull(); // not charged
    expect(num(s, 'a/memory.failcnt')).toBe(19);
    expect(num(s, 'a/memory.usage_in_bytes')).toBe(256 * PAGE);
    expect(num(s, 'a/memory.max_usage_in_bytes')).toBe(256 * PAGE);
    expect(s.read('a/memory.oom_control')).toBe('oom_kill_disable 1\nunder_oom 1\noom_kill 0\n');
    expect(s.read('a/b/memory.oom_control')).toBe('oom_kill_disable 0\nunder_oom 1\noom_kill 0\n'); // mark_under_oom: the subtree
    expect(s.read('memory.oom_control')).toMatch(/under_oom 0/); // not the parent
    expect(stat(s, 'a', 'pgfault')).toBe(257);
    expect(s.events('a')).toMatchObject({ max: 18, oom: 1, oom_kill: 0 });
    // asleep: it cannot fault again, nor touch its pages
    expect(codeOf(() => s.charge({ task: t, cpu: 1 }))).toBe('EAGAIN');
    expect(codeOf(() => s.touch(ids[0], { cpu: 1 }))).toBe('EAGAIN');
    expect(codeOf(() => s.uncharge(last))).toBe('EINVAL'); // nothing charged to free
  });

  test('raising the limit wakes it: the refault charges, failcnt stays 19, usage 320, pgfault 301 (measured)', async () => {
    // measured: after `echo 2M > memory.limit_in_bytes` the probe finished its 300 pages;
    // failcnt 19, usage = max_usage 320 pages (its 300 + 4 kernel + 16 stocked; here 300 +
    // 20 stocked: the refault charged a batch of 64), under_oom 0; pgfault 301 (two runs; one
    // run woke once more and counted 302).
    const { s, t, ids } = await waiting();
    s.write('a/memory.limit_in_bytes', '2M', { cpu: 0 });
    const last = ids[256];
    expect(s.task(t).oomWait).toBeNull();
    expect(s.folioState(last)).toBe('charged');
    expect(s.folio(last)).toMatchObject({ cgroup: 'a', kind: 'anon' });
    for (let i = 257; i < 300; i++) s.charge({ task: t, cpu: 1 });
    expect(num(s, 'a/memory.failcnt')).toBe(19);
    expect(num(s, 'a/memory.usage_in_bytes')).toBe(320 * PAGE);
    expect(num(s, 'a/memory.max_usage_in_bytes')).toBe(320 * PAGE);
    expect(s.read('a/memory.oom_control')).toBe('oom_kill_disable 1\nunder_oom 0\noom_kill 0\n');
    expect(stat(s, 'a', 'pgfault')).toBe(301);
    expect(s.task(t).anonPages).toBe(300);
  });

  test('freeing memory in the memcg wakes it (uncharge_batch → memcg1_oom_recover): the refault fits', async () => {
    const { s, t, ids } = await waiting();
    const other = s.charge({ cgroup: '', cpu: 0 }); // the root: unrelated, and the root is not charged
    s.uncharge(other);
    expect(s.task(t).oomWait).not.toBeNull();
    s.uncharge(ids[0], 1);
    expect(s.task(t).oomWait).toBeNull();
    expect(s.folioState(ids[256])).toBe('charged');
    expect(num(s, 'a/memory.usage_in_bytes')).toBe(256 * PAGE);
  });

  test('woken without room, it faults again and waits again: 19 more failures, a second oom event', async () => {
    const s = await sys({ cgroupVersion: 1, profile: 'multi', topology: { nodes: 1, cpusPerNode: 2 } });
    s.mkdir('a', { 'memory.limit_in_bytes': '1M' });
    s.write('a/memory.oom_control', '1');
    const t = s.spawn('a');
    const ids = Array.from({ length: 256 }, () => s.charge({ task: t, cpu: 1 }));
    const big = s.charge({ task: t, cpu: 1, order: 3 }); // 8 pages: not a costly order, so it OOMs
    expect(s.task(t).oomWait).toEqual({ cgroup: 'a', folio: big });
    expect(num(s, 'a/memory.failcnt')).toBe(19);
    s.write('a/memory.limit_in_bytes', '1M', { cpu: 0 }); // not larger: no wake
    s.write('a/memory.oom_control', '1'); // not 0: no wake
    expect(num(s, 'a/memory.failcnt')).toBe(19);
    s.uncharge(ids[0], 1); // one page back: the waiter wakes, its 8-page refault fails the same 19 ways
    expect(s.task(t).oomWait).toEqual({ cgroup: 'a', folio: big });
    expect(num(s, 'a/memory.failcnt')).toBe(38);
    expect(s.events('a')).toMatchObject({ oom: 2, oom_kill: 0 });
    expect(stat(s, 'a', 'pgfault')).toBe(256 + 2);
    expect(s.read('a/memory.oom_control')).toMatch(/under_oom 1/);
  });

  test('oom_kill_disable 0 wakes it; its refault OOMs and the killer takes it', async () => {
    const { s, t, ids } = await waiting();
    s.write('a/memory.oom_control', '0');
    expect(s.task(t)).toMatchObject({ alive: false, killed: true, oomWait: null });
    expect(s.folioState(ids[256])).toBe('free');
    expect(num(s, 'a/memory.usage_in_bytes')).toBe(0);
    expect(s.read('a/memory.oom_control')).toBe('oom_kill_disable 0\nunder_oom 0\noom_kill 1\n');
    expect(num(s, 'a/memory.failcnt')).toBe(19 + 36);
  });

  test('a waiting task that exits frees its memory and its waiting folio', async () => {
    const { s, t, ids } = await waiting();
    s.exitTask(t, 1);
    expect(s.folioState(ids[256])).toBe('free');
    expect(num(s, 'a/memory.usage_in_bytes')).toBe(0);
    expect(s.read('a/memory.oom_control')).toMatch(/under_oom 0/);
  });

  test('a charge without a task is no user fault: ENOMEM, nobody waits', async () => {
    const s = await sys({ cgroupVersion: 1 });
    s.mkdir('a', { 'memory.limit_in_bytes': '1M' });
    s.write('a/memory.oom_control', '1');
    for (let i = 0; i < 256; i++) s.charge({ cgroup: 'a', cpu: 0 });
    expect(codeOf(() => s.charge({ cgroup: 'a', cpu: 0 }))).toBe('ENOMEM');
    expect(s.read('a/memory.oom_control')).toBe('oom_kill_disable 1\nunder_oom 0\noom_kill 0\n');
  });

  test('replay and the single calls agree: the charge record returns the waiting folio, the write wakes it', async () => {
    const run = async (bulk: boolean) => {
      const s = await sys({ cgroupVersion: 1, topology: { nodes: 1, cpusPerNode: 2 } });
      s.mkdir('a', { 'memory.limit_in_bytes': '1M' });
      s.write('a/memory.oom_control', '1');
      const t = s.spawn('a');
      const ops: Op[] = [
        ...Array.from({ length: 258 }, () => ({ op: 'charge' as const, task: t, cpu: 1 })),
        { op: 'write', cgroup: 'a', file: 'memory.limit_in_bytes', value: '2M', cpu: 0 },
        { op: 'charge', task: t, cpu: 1 },
      ];
      const results = bulk ? s.replay(ops).map((r) => (r.ok ? r.value : r.code))
        : ops.map((o) => { try { return o.op === 'charge' ? s.charge(o) : (s.writeLimit(o.cgroup, o.file, o.value, o.cpu), 0); } catch (e) { return (e as { code: string }).code; } });
      return { results, failcnt: s.read('a/memory.failcnt'), usage: s.read('a/memory.usage_in_bytes'), folio: s.folioState(256) };
    };
    const calls = await run(false);
    expect(calls.results[256]).toBe(256); // the waiting fault's folio
    expect(calls.results[257]).toBe('EAGAIN'); // asleep
    expect(calls.folio).toBe('charged');
    expect(await run(true)).toEqual(calls);
  });
});
