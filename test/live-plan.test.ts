// memcg-sim live without a kernel: what a live scenario may hold (refused with its JSON path
// otherwise), the plan both sides run, the values a file gives, the comparison's noise rules,
// the profile for a kernel release, and the native helper's build.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { buildPlan, fileIndex, filePagesFor, type Plan } from '../src/live/plan.js';
import { compare, matchKnown } from '../src/live/compare.js';
import { fileValues, monitoredOps, type EmulatorRun, type SideRun } from '../src/live/values.js';
import { damonNote, kmemFromCmdline, LiveSetupError, runningDamon, parseCpulist, profileForRelease, type MachineInfo } from '../src/live/machine.js';
import { findProfile } from '../src/core/profiles.js';
import { Helper, helperBinary } from '../src/live/helper.js';
import { InputError } from '../src/scenario/validate.js';

/** A machine like this project's: 6.18, cgroup v1 with memsw, 2 CPUs, no swap. */
const V1: MachineInfo = {
  release: '6.18.44-test', cgroupVersion: 1, nodes: 1, cpusPerNode: 2, cpuMap: [0, 1], swapPages: 0, memsw: true, hz: 250,
  thp: { enabled: 'madvise', defrag: 'madvise', useZeroPage: true }, notes: [],
};
const base = (workload: unknown[], extra: Record<string, unknown> = {}) => ({
  system: { cgroupVersion: 1 }, cgroups: { a: {}, b: {} }, tasks: { t: { cgroup: 'a', cpus: [0] } }, workload, ...extra,
});

async function issues(doc: unknown, m: MachineInfo = V1): Promise<{ path: string; message: string }[]> {
  const e = await buildPlan(doc, m).then(() => undefined, (x) => x);
  expect(e).toBeInstanceOf(InputError);
  return (e as InputError).issues;
}

describe('what a live scenario may hold', () => {
  test('a scenario of the other cgroup version is refused, naming both', async () => {
    const [i] = await issues({ ...base([]), system: { cgroupVersion: 2 } });
    expect(i.path).toBe('system.cgroupVersion');
    expect(i.message).toMatch(/scenario is cgroup v2, and this machine's memory controller is cgroup v1/);
    const [j] = await issues(base([]), { ...V1, cgroupVersion: 2 });
    expect(j.message).toMatch(/scenario is cgroup v1, and this machine's memory controller is cgroup v2/);
  });

  test('what a real process cannot do is refused with the step\'s path', async () => {
    const got = await issues(base([{ steps: [
      { charge: { cgroup: 'a', count: 3 } },
      { thrash: { cgroups: 8, cpu: 0, charges: 100 } },
      { fault: { task: 't', order: 2 } },
      { fault: { task: 't', gfp: 'GFP_NOWAIT' } },
      { stream: { task: 't', pages: 8, order: 1 } },
      { read: 'memory.stat' },
      { write: { file: 'memory.swappiness', value: '10' } },
    ] }]));
    expect(got.map((i) => i.path)).toEqual([
      'workload[0].steps[5].read', 'workload[0].steps[6].write',
      'workload[0].steps[0].charge.cgroup', 'workload[0].steps[1].thrash', 'workload[0].steps[2].fault.order',
      'workload[0].steps[3].fault.gfp', 'workload[0].steps[4].stream.order',
    ]);
    expect(got[3].message).toMatch(/thrash charges cgroups without tasks/);
  });

  test('the machine is the machine: no variants, swap, topology; CPUs checked against the real ones', async () => {
    expect((await issues(base([], { variants: { x: { profile: 'single' } } }))).map((i) => i.path)).toEqual(['variants']);
    expect((await issues({ ...base([]), system: { cgroupVersion: 1, swap: '1G', topology: { nodes: 1, cpusPerNode: 8 } } })).map((i) => i.path))
      .toEqual(['system.swap', 'system.topology']);
    const [c] = await issues({ ...base([]), tasks: { t: { cgroup: 'a', cpus: [3] } } });
    expect(c).toEqual({ path: 'tasks.t.cpus', message: 'cpu 3 out of range 0..1' });
  });

  test('live-only steps keep their paths; tmpfs and mlock run on both sides, as the helper does them', async () => {
    const plan = await buildPlan(base([{ steps: [{ fault: { task: 't', count: 2 } }, { shmem: { task: 't', pages: 3 } }, { checkpoint: 'mid' }, { mlock: { task: 't' } }, { fault: { task: 't', count: 1 } }, { munlock: { task: 't' } }, { fault: { task: 't', count: 1 } }, { 'shmem-free': { task: 't' } }, { rmdir: { cgroup: 'b' } }] }]), V1);
    expect(plan.kernelOnly).toEqual([]);
    expect(plan.ops.map((o) => o.t === 'op' ? o.k.map((k) => k.op).join('') : o.t)).toEqual(['t', 't', 's', 's', 's', 'checkpoint', 'm', 't', 'n', 't', 'p', 'rmdir', 'checkpoint']);
    const ops = plan.ops.flatMap((o) => (o.t === 'op' ? [o] : []));
    // the helper's tmpfs layout: page 63 of every 64 is an anchor (file_index)
    expect(ops.slice(2, 5).map((o) => o.emu)).toEqual([0, 1, 2].map((index) => ({ t: 'shmem', task: 0, index, cpu: 0 })));
    // mlock2(MLOCK_ONFAULT) of the anon region: the two resident pages now, the next fault at fault time; not after munlock
    expect(ops[5].emu).toEqual({ t: 'mlock', task: 0, cpu: 0, handles: [0, 1] });
    expect([ops[6].mlock, ops[8].mlock]).toEqual([2, undefined]);
    expect(ops[7].emu).toEqual({ t: 'munlock', task: 0, cpu: 0, handles: [0, 1, 2] });
    expect(ops[9].emu).toEqual({ t: 'shmem-free', task: 0, cpu: 0 });
    expect(ops[9].k).toEqual([{ worker: 0, op: 'p', cpu: 0, a: 0, b: 3 }]);
    expect(fileIndex(62)).toBe(62);
    expect(fileIndex(63)).toBe(64); // page 63 is the first anchor
    expect(filePagesFor(500)).toBe(512);
    const again = await buildPlan(base([{ steps: [{ shmem: { task: 't', pages: 1 } }, { 'shmem-free': { task: 't' } }, { shmem: { task: 't', pages: 1 } }] }]), V1);
    expect(again.kernelOnly.map((k) => k.path)).toEqual(['workload[0].steps[2].shmem']);
    expect((await issues(base([{ steps: [{ rmdir: { cgroup: 'nope' } }, { shmem: { task: 'x', pages: 1 } }] }]))).map((i) => i.path))
      .toEqual(['workload[0].steps[0].rmdir.cgroup', 'workload[0].steps[1].shmem.task']);
  });
});

describe('the plan', () => {
  test('each record has its kernel op: fresh pages, file pages, THP slots; CPUs through the machine\'s map', async () => {
    const plan = await buildPlan(base([{ name: 'p', steps: [
      { fault: { task: 't', count: 3, tag: 'x' } }, { thp: { task: 't', count: 1 } }, { stream: { task: 't', pages: 2 } }, { free: { folios: 'x' } },
    ] }], { tasks: { t: { cgroup: 'a', cpus: [1] } } }), { ...V1, cpuMap: [4, 7] });
    const ops = plan.ops.flatMap((o) => (o.t === 'op' ? [o.k.map((k) => `${k.op}${k.a}+${k.b}@${k.cpu}`).join(',')] : []));
    // the free of a 3-folio list is one madvise range at its last record; a tag's free runs on CPU 0 (scenario rule), real CPU 4
    expect(ops).toEqual(['t0+0@7', 't1+0@7', 't2+0@7', 'h0+0@7', 'r0+0@7', 'r1+0@7', '', '', 'f0+3@4']);
    expect(plan.workers).toMatchObject([{ task: 't', cpus: [7], anonPages: 3, thpSlots: 1, filePages: 2 }]);
    expect(plan.spec).toMatchObject({ profile: '6.18', cgroupVersion: 1, topology: { nodes: 1, cpusPerNode: 2 }, swapPages: 0, swapAccount: true, hz: 250 });
  });

  test('a freed list becomes ranges inside one 511-page chunk of the helper (a free never covers a whole PTE table)', async () => {
    const plan = await buildPlan(base([{ steps: [{ fault: { task: 't', count: 1100, tag: 'x' } }, { free: { folios: 'x' } }] }]), V1);
    const ranges = plan.ops.flatMap((o) => (o.t === 'op' ? o.k.filter((k) => k.op === 'f').map((k) => [k.a, k.b]) : []));
    expect(ranges.reduce((n, [, b]) => n + b, 0)).toBe(1100);
    for (const [a, b] of ranges) expect(Math.floor(a / 511)).toBe(Math.floor((a + b - 1) / 511));
  });

  test('checkpoints: after each phase (repeated names numbered), at each read step and checkpoint step', async () => {
    const plan = await buildPlan(base([{ name: 'x', steps: [{ read: 'a/memory.stat' }] }, { name: 'x', steps: [{ checkpoint: {} }] }]), V1);
    expect(plan.ops.filter((o) => o.t === 'checkpoint').map((o) => o.t === 'checkpoint' && [o.name, o.files])).toEqual([
      ['workload[0].steps[0].read', ['a/memory.stat']], ['x', undefined], ['workload[1].steps[0].checkpoint', undefined], ['x #2', undefined],
    ]);
  });
});

describe('values and comparison', () => {
  test('a file\'s text as values', () => {
    expect(fileValues('a/memory.usage_in_bytes', '262144\n')).toEqual([['a/memory.usage_in_bytes', '262144']]);
    expect(fileValues('a/memory.oom_control', 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n')).toEqual([
      ['a/memory.oom_control:oom_kill_disable', '0'], ['a/memory.oom_control:under_oom', '0'], ['a/memory.oom_control:oom_kill', '1'],
    ]);
    expect(fileValues('a/memory.numa_stat', 'total=5 N0=5\nfile=0 N0=0\n')).toEqual([
      ['a/memory.numa_stat:total', '5'], ['a/memory.numa_stat:total:N0', '5'], ['a/memory.numa_stat:file', '0'], ['a/memory.numa_stat:file:N0', '0'],
    ]);
    expect(fileValues('a/memory.numa_stat', 'anon N0=4096 N1=0\n')).toEqual([['a/memory.numa_stat:anon:N0', '4096'], ['a/memory.numa_stat:anon:N1', '0']]);
  });

  /** 4 faults on one CPU; the emulator's usage after each: one charge batch (MEMCG_CHARGE_BATCH: 64 from 6.1, 32 in 5.15), then stock hits. */
  async function fourFaults(batch = 64): Promise<{ plan: Plan; emu: EmulatorRun }> {
    const plan = await buildPlan(base([{ name: 'f', steps: [{ fault: { task: 't', count: 4 } }] }]), V1);
    expect(monitoredOps(plan)).toHaveLength(4);
    return { plan, emu: { checkpoints: [{ name: 'f', values: { 'a/memory.usage_in_bytes': String(batch * 4096) } }], writes: {}, usage: [batch, batch, batch, batch], chargeBatch: batch } };
  }
  const kernel = (usage: number[], between: [number, number][], value = '262144'): SideRun => ({
    checkpoints: [{ name: 'f', values: { 'a/memory.usage_in_bytes': value } }], writes: {}, usage, between,
  });

  test('the kernel\'s usage falling between two ops, then a new batch where the emulator\'s stock had pages: noise, not a divergence', async () => {
    const { plan, emu } = await fourFaults();
    const c = compare(plan, [kernel([64, 64, 64, 123], [[3, 59]], String(123 * 4096))], emu);
    expect(c.noise.map((n) => [n.op, n.what.slice(0, 40)])).toEqual([
      [3, 'a\'s usage fell by 5 pages between two op'], [3, 'the kernel charged 64 pages where the em'],
    ]);
    expect(c.ops.firstDivergence).toBeUndefined();
    expect(c.values[0]).toMatchObject({ status: 'differ', noise: true });
    expect(c.summary).toMatchObject({ differ: 1, noise: 1, unexplained: 0 });
  });

  test('a whole new batch is the emulator\'s charge batch: 32 pages is noise with a 5.15 emulator, a divergence with a 6.1+ one', async () => {
    const k = kernel([32, 32, 32, 64], [], String(64 * 4096));
    const { plan, emu } = await fourFaults(32);
    expect(compare(plan, [k], emu).noise.map((n) => n.what.slice(0, 40))).toEqual(['the kernel charged 32 pages where the em']);
    const six = await fourFaults(64);
    expect(compare(six.plan, [k], { ...six.emu, usage: [32, 32, 32, 32] }).ops.firstDivergence).toMatchObject({ op: 3, kernelDelta: 32, emulatorDelta: 0 });
  });

  test('any other change of a different size is the first divergence', async () => {
    const { plan, emu } = await fourFaults();
    const c = compare(plan, [kernel([64, 64, 65, 65], [])], emu);
    expect(c.ops.firstDivergence).toMatchObject({ op: 2, kernelDelta: 1, emulatorDelta: 0, cgroup: 'a' });
    expect(c.noise).toEqual([]);
  });

  test('values: agree, varies (a run gives the emulator\'s value), differ; known differences by glob', async () => {
    const { plan, emu } = await fourFaults();
    const runs = [kernel([64, 64, 64, 64], []), kernel([64, 64, 64, 64], [], '1')];
    expect(compare(plan, runs, emu).values[0]).toMatchObject({ status: 'varies', varies: true, kernel: ['262144', '1'] });
    const known = [{ scenario: 'sc*', key: '*/memory.usage_in_bytes', reason: 'r' }];
    const c = compare(plan, [kernel([64, 64, 64, 64], [], '1')], emu, known);
    expect(c.values[0]).toMatchObject({ status: 'differ', known: 'r' });
    expect(matchKnown(known, 'scenario', 'f', 'a/memory.usage_in_bytes')?.reason).toBe('r');
    expect(matchKnown(known, 'other', 'f', 'a/memory.usage_in_bytes')).toBeUndefined();
  });
});

describe('the machine and the helper', () => {
  test('the emulator profile for a kernel release', () => {
    // The row each release falls in (docs/profiles.md): 6.18.36+ has the round-robin stock
    // victim, earlier 6.18 and 6.16/6.17 the random one.
    const rows = ['6.18.44-fc-v973', '6.18.19', '6.17.2', '6.16', '6.12.8', '5.15.0', '7.1'].map((r) => findProfile(profileForRelease(r))?.name);
    expect(rows).toEqual(['6.18', 'multi', 'multi', 'multi', '6.12', '5.15', 'mainline']);
    expect(parseCpulist('0-2,5\n')).toEqual([0, 1, 2, 5]);
  });

  // mm/memcontrol.c cgroup_memory (the "cgroup.memory=" boot option, a comma list): only nokmem
  // turns kmem accounting off (this machine's /proc/cmdline has no cgroup.memory at all).
  test('kmem from the kernel command line', () => {
    expect(kmemFromCmdline('console=ttyS0 quiet reboot=k')).toBe(true);
    expect(kmemFromCmdline('quiet cgroup.memory=nokmem')).toBe(false);
    expect(kmemFromCmdline('cgroup.memory=nosocket,nokmem quiet')).toBe(false);
    expect(kmemFromCmdline('cgroup.memory=nosocket')).toBe(true);
  });

  // DAMON's sysfs admin tree (Documentation/admin-guide/mm/damon/usage.rst): kdamonds/<N>/state,
  // contexts/<C>/operations, contexts/<C>/schemes/<S>/action. The layout below is this
  // machine's on 6.18.44-fc-v1147 (read on 5 Dec 2026: one kdamond on, paddr, one pageout
  // scheme), plus a second kdamond that is off.
  test('a running DAMON monitor is found and named in the machine notes', () => {
    const admin = mkdtempSync(join(tmpdir(), 'damon-'));
    try {
      const put = (rel: string, text: string) => {
        mkdirSync(join(admin, rel, '..'), { recursive: true });
        writeFileSync(join(admin, rel), text + '\n');
      };
      expect(runningDamon(admin)).toEqual([]);
      put('kdamonds/nr_kdamonds', '2');
      put('kdamonds/0/state', 'on');
      put('kdamonds/0/contexts/0/operations', 'paddr');
      put('kdamonds/0/contexts/0/schemes/0/action', 'pageout');
      put('kdamonds/1/state', 'off');
      put('kdamonds/1/contexts/0/operations', 'vaddr');
      const ds = runningDamon(admin);
      expect(ds).toEqual([{ kdamond: 0, operations: ['paddr'], actions: ['pageout'] }]);
      expect(damonNote(ds)).toMatch(/^DAMON is running: kdamond 0 \(paddr; schemes: pageout\): it isolates and re-adds idle folios/);
      expect(damonNote([{ kdamond: 2, operations: ['vaddr'], actions: ['stat'] }])).toBe('DAMON is running: kdamond 2 (vaddr; schemes: stat); the emulator has no DAMON');
      expect(damonNote([])).toBeUndefined();
    } finally {
      rmSync(admin, { recursive: true, force: true });
    }
  });

  test('the emulator runs the machine\'s kernel: kmem as the machine says, the lru_add batch, the helper\'s prepared page tables; the scenario overrides', async () => {
    const doc = base([{ name: 'p', steps: [{ fault: { task: 't', count: 1 } }] }]);
    expect((await buildPlan(doc, V1)).spec).toMatchObject({ kmem: true, lruAddBatch: true, preparedMm: true, profile: '6.18' });
    expect((await buildPlan(doc, { ...V1, kmem: false })).spec.kmem).toBe(false);
    const own = { ...doc, system: { cgroupVersion: 1, kmem: false, lruAddBatch: false, preparedMm: false } };
    expect((await buildPlan(own, V1)).spec).toMatchObject({ kmem: false, lruAddBatch: false, preparedMm: false });
  });

  const saved = { CC: process.env.CC, MEMCG_SIM_CACHE: process.env.MEMCG_SIM_CACHE, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME, TMPDIR: process.env.TMPDIR };
  let dir = '';
  const isolate = () => {
    dir = mkdtempSync(join(tmpdir(), 'memcg-live-test-'));
    Object.assign(process.env, { MEMCG_SIM_CACHE: join(dir, 'a'), XDG_CACHE_HOME: join(dir, 'b'), TMPDIR: join(dir, 'c') });
  };
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('no compiler: the message names the helper\'s source and what is missing', () => {
    isolate();
    process.env.CC = join(dir, 'no-such-cc');
    expect(() => helperBinary()).toThrow(LiveSetupError);
    expect(() => helperBinary()).toThrow(/native helper \(native\/memcg-live-helper\.c\) with a C compiler, and ".*no-such-cc" was not found: install gcc or clang \(or set CC\)/);
  });

  test.skipIf(spawnSync(process.env.CC || 'cc', ['--version']).status !== 0)(
    'with a compiler the helper is built at first use into the cache directory, and starts', async () => {
      isolate();
      const bin = helperBinary();
      expect(bin.startsWith(join(dir, 'a'))).toBe(true);
      expect(helperBinary()).toBe(bin); // built once
      const h = await Helper.start(bin);
      await h.quit();
    });
});

describe('memcg-sim live on the command line (replays: no kernel)', () => {
  const M = join(import.meta.dirname, 'live', 'measurements', 'hierarchy.json');
  const AGREE = join(import.meta.dirname, 'live', 'measurements', 'rmdir-cache.json');
  const K = join(import.meta.dirname, 'live', 'known-differences.json');
  async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const { runCli } = await import('../src/cli/commands.js');
    let out = '';
    let err = '';
    const code = await runCli(['live', ...argv], { out: (s) => void (out += `${s}\n`), err: (s) => void (err += `${s}\n`) });
    return { code, out, err };
  }

  test('exit 1 when a value differs, 0 when the differences are known', async () => {
    expect((await cli('--replay', AGREE)).code).toBe(0);
    const plain = await cli('--replay', M);
    expect(plain.code).toBe(1);
    // the OOM-killed task's pages held by CPU 0's lru_add batch: 25, 22, 26 pages in the three
    // measured runs (other tenants of the CPU), where the model, alone on the CPU, holds 19
    expect(plain.out).toMatch(/\[a over\] +p\/a\/memory\.usage_in_bytes +102400 \(25 p\) \| 90112 \(22 p\) \| 106496 \(26 p\) +77824 \(19 p\)/);
    expect(plain.out).toMatch(/summary: 328 values compared \(3 checkpoints, 1 write result\): 324 agree, 4 differ \(0 known, 0 after noise, 4 unexplained\)/);
    const known = await cli('--replay', M, '--known', K);
    expect(known.code).toBe(0);
    expect(known.out).toContain('(2) the killed task\'s last pages wait in CPU 0\'s lru_add batch');
    const json = JSON.parse((await cli('--replay', M, '--json')).out);
    expect(json.comparison.summary).toMatchObject({ compared: 328, agree: 324, differ: 4 });
    expect(json.runs).toHaveLength(3);
  });

  test('bad usage is exit 2 with the reason', async () => {
    expect(await cli()).toMatchObject({ code: 2, err: expect.stringContaining('give a scenario file, or --replay MEASUREMENT.json') });
    expect(await cli('--replay', M, 'x.json')).toMatchObject({ code: 2, err: expect.stringContaining('give a scenario file or --replay, not both') });
    expect(await cli('--replay', M, '--stat', 'some')).toMatchObject({ code: 2, err: expect.stringContaining('--stat takes last, all or none') });
    expect(await cli('--replay', M, '--profile', 'nope')).toMatchObject({ code: 2, err: expect.stringContaining('unknown profile "nope"') });
    expect(await cli('--replay', K)).toMatchObject({ code: 2, err: expect.stringContaining('not a memcg-sim live measurement') });
  });
});
