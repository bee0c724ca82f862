// cgroup v2's controller files and the no-internal-process rule (kernel/cgroup/cgroup.c, 6.18):
// cgroup_controllers_show prints the parent's subtree_control; cgroup_subtree_control_write
// (+memory needs it in cgroup.controllers: ENOENT; -memory is EBUSY only while a live child
// has memory in its own subtree_control); cgroup_vet_subtree_control_enable (no +memory where
// tasks live, the root excepted: EBUSY); cgroup_migrate_vet_dst (no task into a cgroup whose
// subtree_control has memory, the root excepted: EBUSY). Removing memory from a cgroup's
// subtree_control kills its children's memory css (they go offline, charges stay).
import { describe, expect, test } from 'vitest';
import { codeOf, sys } from './helpers/sys.js';
import { run } from './helpers/scenario.js';

const PAGE = 4096;

describe('selftest and LTP ports', () => {
  // tools/testing/selftests/cgroup/test_memcontrol.c test_memcg_subtree_control: cg_create
  // is a plain mkdir (the test's root has memory in its subtree_control).
  test('kselftest test_memcg_subtree_control', async () => {
    const s = await sys({ autoEnableMemory: false });
    s.mkdir('memcg_test_0');
    s.write('memcg_test_0/cgroup.subtree_control', '+memory');
    s.mkdir('memcg_test_0/memcg_test_1');
    expect(s.read('memcg_test_0/memcg_test_1/cgroup.controllers')).toContain('memory');
    s.mkdir('memcg_test_1');
    s.mkdir('memcg_test_1/memcg_test_1');
    expect(s.read('memcg_test_1/memcg_test_1/cgroup.controllers')).not.toContain('memory');
    for (const p of ['memcg_test_1/memcg_test_1', 'memcg_test_1', 'memcg_test_0/memcg_test_1', 'memcg_test_0']) s.rmdir(p);
    expect(s.list()).toEqual(['']);
  });

  // LTP testcases/kernel/controllers/memcg/memcontrol01.c: the LTP API adds the controllers to
  // subtree_control when a child is made (autoEnableMemory), then the test removes memory
  // from parent2 with child2 in it.
  test('LTP memcontrol01', async () => {
    const s = await sys();
    s.mkdir('memcg_test_0');
    s.mkdir('memcg_test_0/memcg_test_1');
    s.mkdir('memcg_test_2');
    s.mkdir('memcg_test_2/memcg_test_3');
    s.write('memcg_test_2/cgroup.subtree_control', '-memory');
    expect(s.read('memcg_test_0/memcg_test_1/cgroup.controllers')).toContain('memory');
    expect(s.read('memcg_test_2/memcg_test_3/cgroup.controllers')).not.toContain('memory');
    for (const p of ['memcg_test_2/memcg_test_3', 'memcg_test_2', 'memcg_test_0/memcg_test_1', 'memcg_test_0']) s.rmdir(p);
  });
});

describe('cgroup.controllers and cgroup.subtree_control', () => {
  test('controllers: the root lists memory, a child its parent\'s subtree_control; the memory files follow', async () => {
    const s = await sys({ autoEnableMemory: false });
    expect(s.read('cgroup.controllers')).toBe('memory\n');
    expect(s.read('cgroup.subtree_control')).toBe('memory\n');
    s.mkdir('a');
    s.mkdir('a/b');
    expect(s.read('a/cgroup.controllers')).toBe('memory\n');
    expect(s.read('a/b/cgroup.controllers')).toBe('');
    expect(s.ls('a/b')).toEqual(['cgroup.controllers', 'cgroup.events', 'cgroup.stat', 'cgroup.subtree_control']);
    expect(codeOf(() => s.read('a/b/memory.current'))).toBe('ENOENT');
    expect(codeOf(() => s.write('a/b/cgroup.subtree_control', '+memory'))).toBe('ENOENT'); // not in its controllers
    s.write('a/cgroup.subtree_control', '+memory'); // b gets its memcg now
    expect(s.read('a/b/cgroup.controllers')).toBe('memory\n');
    expect(s.read('a/b/memory.current')).toBe('0\n');
    expect(s.ls('a/b')).toContain('memory.max');
  });

  test('"+memory -memory" in one write: the last word wins; a second +memory does nothing', async () => {
    const s = await sys({ autoEnableMemory: false });
    s.mkdir('a');
    s.mkdir('a/b');
    s.write('a/cgroup.subtree_control', '+memory -memory');
    expect(s.read('a/cgroup.subtree_control')).toBe('');
    s.write('a/cgroup.subtree_control', '-memory +memory');
    const m = s.memcgId('a/b');
    s.write('a/cgroup.subtree_control', '+memory');
    expect(s.memcgId('a/b')).toBe(m);
  });

  test('-memory is EBUSY only while a live child has memory in its own subtree_control', async () => {
    const s = await sys();
    for (const p of ['a', 'a/b', 'a/b/c']) s.mkdir(p);
    expect(codeOf(() => s.write('a/cgroup.subtree_control', '-memory'))).toBe('EBUSY'); // b has it
    s.rmdir('a/b/c'); // b's own subtree_control still says memory
    expect(codeOf(() => s.write('a/cgroup.subtree_control', '-memory'))).toBe('EBUSY');
    s.write('a/b/cgroup.subtree_control', '-memory');
    s.write('a/cgroup.subtree_control', '-memory');
    expect(s.read('a/b/cgroup.controllers')).toBe('');
  });
});

describe('no internal processes (cgroup_migrate_vet_dst, cgroup_vet_subtree_control_enable)', () => {
  test('no task into a cgroup with memory in its subtree_control; the root takes them', async () => {
    const s = await sys();
    s.mkdir('a');
    s.mkdir('a/b');
    expect(codeOf(() => s.spawn('a'))).toBe('EBUSY');
    const t = s.spawn('a/b');
    expect(codeOf(() => s.moveTask(t, 'a'))).toBe('EBUSY');
    s.moveTask(t, ''); // the root is mixable
    expect(s.task(t).cgroup).toBe('');
    s.write('a/cgroup.subtree_control', '-memory'); // b keeps its cgroup, loses its memcg
    s.moveTask(t, 'a');
    expect(s.task(t).cgroup).toBe('a');
  });

  test('no +memory where tasks live (EBUSY, nothing changes); the root is exempt', async () => {
    const s = await sys({ autoEnableMemory: false });
    s.mkdir('a');
    s.mkdir('a/b');
    const t = s.spawn('a');
    expect(codeOf(() => s.write('a/cgroup.subtree_control', '+memory'))).toBe('EBUSY');
    expect(s.read('a/cgroup.subtree_control')).toBe('');
    expect(s.hasMemory('a/b')).toBe(false);
    s.spawn(''); // a task in the root
    s.write('cgroup.subtree_control', '+memory'); // already on: no-op, no error
    s.exitTask(t);
    s.write('a/cgroup.subtree_control', '+memory');
    expect(s.hasMemory('a/b')).toBe(true);
  });

  test('autoEnableMemory: mkdir below a cgroup with tasks is EBUSY and creates nothing', async () => {
    const s = await sys();
    s.mkdir('a');
    s.spawn('a');
    const e = (() => {
      try {
        s.mkdir('a/b');
      } catch (err) {
        return err as { code: string; message: string };
      }
    })();
    expect(e?.code).toBe('EBUSY');
    expect(e?.message).toMatch(/no internal processes/);
    expect(s.list()).toEqual(['', 'a']);
    s.mkdir('a/b', {}, { enableMemory: false }); // the kernel's plain mkdir: b without a memcg
    expect(s.hasMemory('a/b')).toBe(false);
  });

  // Measured on the live 6.18.44 kernel (v1): a task attached to msim-b-p, which has a child
  // msim-b-p/c: accepted (v1 has no such rule); rmdir msim-b-p: EBUSY.
  test('cgroup v1 has no such rule and no cgroup.subtree_control', async () => {
    const s = await sys({ cgroupVersion: 1 });
    s.mkdir('p');
    s.mkdir('p/c');
    const t = s.spawn('p');
    expect(s.task(t).cgroup).toBe('p');
    expect(codeOf(() => s.rmdir('p'))).toBe('EBUSY');
    expect(s.ls('p')).not.toContain('cgroup.subtree_control');
    expect(codeOf(() => s.read('p/cgroup.controllers'))).toBe('ENOENT');
  });
});

describe('-memory kills the children\'s memory css', () => {
  test('the old memcg goes offline holding its charges; tasks charge the parent\'s; +memory makes a new one', async () => {
    const s = await sys({ stock: false, lruAddBatch: false }); // the last uncharge frees at once (no lru_add batch holds the folios)
    s.mkdir('a');
    s.mkdir('a/b');
    s.write('a/b/memory.max', `${100 * PAGE}`);
    const t = s.spawn('a/b');
    const f = s.charge({ task: t, cpu: 0 });
    const cache = s.charge({ cgroup: 'a/b', cpu: 0, kind: 'file' });
    const peak = s.open('a/b/memory.peak');
    const oldId = s.memcgKernelId('a/b');
    s.write('a/cgroup.subtree_control', '-memory');
    expect(s.folio(f)).toMatchObject({ cgroup: 'a/b (removed)' });
    expect(s.counter('a').usage).toBe(2); // the dead memcg's charges are still a's too
    expect(codeOf(() => peak.read())).toBe('ENODEV');
    peak.close();
    const g = s.charge({ task: t, cpu: 0 }); // b has no memcg: a's is the effective one
    expect(s.folio(g)).toMatchObject({ cgroup: 'a' });
    expect(s.counter('a').usage).toBe(3);
    s.write('a/cgroup.subtree_control', '+memory');
    expect(s.read('a/b/memory.current')).toBe('0\n'); // a new memcg: fresh counters
    expect(s.read('a/b/memory.max')).toBe('max\n');
    // The dead memcg gave its id back at offline (no swap records held it): the lowest free.
    expect(s.memcgKernelId('a/b')).toBe(oldId);
    const h = s.charge({ task: t, cpu: 0 });
    expect(s.folio(h)).toMatchObject({ cgroup: 'a/b' });
    expect(s.counter('a/b').usage).toBe(1);
    s.uncharge([f, cache]); // the last references of the dead memcg
    expect(s.counter('a').usage).toBe(2);
  });
});

describe('scenarios: memory enabled for the user unless they say otherwise', () => {
  const doc = (auto: boolean | undefined, settings: Record<string, unknown>) => ({
    name: 'subtree',
    system: { topology: { nodes: 1, cpusPerNode: 1 }, kmem: false, ...(auto === undefined ? {} : { autoEnableMemory: auto }) },
    cgroups: { svc: settings, 'svc/web': {} },
    tasks: { web: { cgroup: 'svc/web', cpus: '0' } },
    workload: [{ name: 'run', steps: [{ faults: { task: 'web', size: '1M' } }] }],
  });

  test.each([
    { auto: undefined, settings: {}, webMemory: true },
    { auto: false, settings: {}, webMemory: false },
    { auto: false, settings: { 'cgroup.subtree_control': '+memory' }, webMemory: true },
  ])('autoEnableMemory $auto, svc settings $settings: svc/web has a memcg: $webMemory', async ({ auto, settings, webMemory }) => {
    const { systems } = await run(doc(auto, settings));
    const s = systems[0];
    expect(s.hasMemory('svc/web')).toBe(webMemory);
    expect(s.counter(webMemory ? 'svc/web' : 'svc').usage).toBe(256); // the faults charge web's effective memcg
  });
});
