// drain_all_stock drains the caller's CPU at once and only queues the drain on the others
// (schedule_work_on): when does the queued work run? Measured on the live 6.18.44 kernel
// (cgroup v1, no swap, 2 CPUs): a probe task A on CPU 1 faults 10 anon pages into a fresh
// memcg, so CPU 1's stock keeps 54 pages of it (usage 64 pages); then
//   (a) from CPU 0, `echo 163840 > memory.limit_in_bytes` (40 pages, below the 64 in use);
//   (b) with limit 100 pages, a task B on CPU 0 faults 37 pages: its 37th needs CPU 1's stock.
// Each case 3 times. The default remote-drain rule (sched.ts): the queued work runs at the
// caller's next scheduling point — its next reclaim pass — or when its operation returns.
import { describe, expect, test } from 'vitest';
import type { SystemOptions } from '../src/index.js';
import { codeOf, sys } from './helpers/sys.js';

const PAGE = 4096;

async function stockedOnCpu1(opts: SystemOptions, limitPages?: number) {
  const s = await sys({ cgroupVersion: 1, profile: 'multi', topology: { nodes: 1, cpusPerNode: 2 }, ...opts });
  s.mkdir('a', limitPages ? { 'memory.limit_in_bytes': limitPages * PAGE } : {});
  const t = s.spawn('a');
  for (let i = 0; i < 10; i++) s.charge({ task: t, cpu: 1 });
  expect(s.stock(1)).toEqual([{ cgroup: 'a', nrPages: 54 }]);
  return s;
}

describe('(a) v1 limit_in_bytes below usage, written from the CPU without the stock', () => {
  test('default: EBUSY, and usage reads the drained value right after (measured)', async () => {
    // measured: the write failed (EBUSY), the limit stayed unlimited, usage_in_bytes right after
    // read 40960 (10 pages) twice and 45056 once. mem_cgroup_resize_max: set_max fails, drain
    // (CPU 1 queued), set_max fails again, reclaim finds nothing → EBUSY; the work ran meanwhile.
    const s = await stockedOnCpu1({});
    expect(codeOf(() => s.write('a/memory.limit_in_bytes', String(40 * PAGE), { cpu: 0 }))).toBe('EBUSY');
    expect(s.read('a/memory.usage_in_bytes')).toBe(`${10 * PAGE}\n`);
    expect(s.read('a/memory.limit_in_bytes')).toBe('9223372036854771712\n');
    expect(s.stock(1)).toEqual([]);
  });

  test("'immediate': the drain lands before the retry, so the write succeeds (what the kernel does not do)", async () => {
    const s = await stockedOnCpu1({ remoteDrain: 'immediate' });
    s.write('a/memory.limit_in_bytes', String(40 * PAGE), { cpu: 0 });
    expect(s.read('a/memory.limit_in_bytes')).toBe(`${40 * PAGE}\n`);
  });

  test("'deferred': EBUSY, but the stock stays until CPU 1 charges again", async () => {
    const s = await stockedOnCpu1({ remoteDrain: 'deferred' });
    expect(codeOf(() => s.write('a/memory.limit_in_bytes', String(40 * PAGE), { cpu: 0 }))).toBe('EBUSY');
    expect(s.read('a/memory.usage_in_bytes')).toBe(`${64 * PAGE}\n`);
  });
});

describe('(b) a charge that needs the other CPU\'s stocked pages', () => {
  // B's first charge: batch 64 fails (64 + 64 > 100), 1 page fits; so do its next 35 (36
  // failures). Its 37th: 64 fails, 1 fails, MAX, reclaim (nothing), margin 0, drain_all_stock
  // queues CPU 1's drain, retry fails, then:
  function runB(s: Awaited<ReturnType<typeof stockedOnCpu1>>) {
    const b = s.spawn('a');
    const codes = Array.from({ length: 37 }, () => codeOf(() => s.charge({ task: b, cpu: 0 })));
    return { codes, failcnt: Number(s.read('a/memory.failcnt').trim()), usage: Number(s.read('a/memory.usage_in_bytes').trim()) / PAGE };
  }

  test('default: the drain lands during the next reclaim pass and the retry fits: failcnt 39, no OOM (measured 39, 40, 42)', async () => {
    // measured: failcnt 42, 39, 40; usage 47 pages, max_usage 100 pages, oom_kill 0 — the queued
    // work landed within the first few retries (the kworker's wakeup latency), never an OOM.
    const s = await stockedOnCpu1({}, 100);
    const r = runB(s);
    expect(r.codes.every((c) => c === 'ok')).toBe(true);
    expect(r.failcnt).toBe(36 + 2 + 1);
    expect(r.usage).toBe(47);
    expect(Number(s.read('a/memory.max_usage_in_bytes').trim())).toBe(100 * PAGE);
    expect(s.events('a')).toMatchObject({ oom: 0, oom_kill: 0 });
  });

  test("'immediate': the retry after the drain fits (failcnt 38)", async () => {
    const r = runB(await stockedOnCpu1({ remoteDrain: 'immediate' }, 100));
    expect([r.failcnt, r.usage]).toEqual([38, 47]);
  });

  test("'deferred': CPU 1 never runs, so all 16 retries fail and the OOM killer kills A (what the kernel does not do)", async () => {
    const s = await stockedOnCpu1({ remoteDrain: 'deferred' }, 100);
    const r = runB(s);
    expect(r.codes.filter((c) => c !== 'ok')).toEqual(['EINTR']); // B (36 pages) outweighs A (10): B dies
    expect(s.events('a')).toMatchObject({ oom: 1, oom_kill: 1 });
  });
});

test('a bad remoteDrain is refused', async () => {
  await expect(sys({ remoteDrain: 'later' as 'deferred' })).rejects.toMatchObject({ code: 'EINVAL' });
});
