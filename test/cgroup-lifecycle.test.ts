// The life of a cgroup and its memcg (6.18): rmdir (cgroup_destroy_locked), offline
// (mem_cgroup_css_offline), the memcg id (mem_cgroup_alloc's xa_alloc, mem_cgroup_id_put_many,
// mem_cgroup_id_get_online) and the reuse of ids and of the emulator's table slots.
import { describe, expect, test } from 'vitest';
import { codeOf, sys as sysBase } from './helpers/sys.js';
import type { SystemOptions } from '../src/index.js';
// lruAddBatch pinned off: id and table-slot reuse: a removed memcg's folios freed at once, not held by an lru_add batch.
const sys = (o: SystemOptions = {}) => sysBase({ lruAddBatch: false, ...o });

const PAGE = 4096;

describe('rmdir of a cgroup with tasks (cgroup_destroy_locked: cgroup_is_populated → EBUSY)', () => {
  // Measured on the live 6.18.44 kernel (v1, below this process's memcg), 3 runs: a task
  // waiting in msim-b-rmdir; rmdir → "Device or resource busy"; the task then faults 256
  // pages: memory.usage_in_bytes 0 → 1048576 (runs 1 and 3; run 2 read 1310720, one more
  // 64-page batch for a kernel allocation the emulator does not charge); after the task
  // exited, rmdir succeeded.
  test.each([1, 2] as const)('cgroup v%i: EBUSY, the cgroup stays and its task keeps charging; after exit rmdir works', async (cgroupVersion) => {
    const s = await sys({ cgroupVersion });
    s.mkdir('msim-b-rmdir');
    const t = s.spawn('msim-b-rmdir');
    const usage = () => s.read(`msim-b-rmdir/${cgroupVersion === 1 ? 'memory.usage_in_bytes' : 'memory.current'}`);
    expect(usage()).toBe('0\n');
    expect(codeOf(() => s.rmdir('msim-b-rmdir'))).toBe('EBUSY');
    for (let i = 0; i < 256; i++) s.charge({ task: t, cpu: 0 });
    expect(usage()).toBe('1048576\n');
    expect(s.task(t)).toMatchObject({ alive: true, cgroup: 'msim-b-rmdir' });
    s.exitTask(t);
    s.rmdir('msim-b-rmdir');
    expect(s.list()).toEqual(['']);
  });

  test('a task moved out leaves the cgroup removable; a task moved in makes it busy', async () => {
    const s = await sys();
    s.mkdir('a');
    s.mkdir('b');
    const t = s.spawn('a');
    s.moveTask(t, 'b');
    s.rmdir('a');
    expect(codeOf(() => s.rmdir('b'))).toBe('EBUSY');
    expect(codeOf(() => s.rmdir(''))).toBe('EBUSY'); // the root
  });
});

describe('mem_cgroup_css_offline: memory.min and memory.low of a removed cgroup are reset to 0', () => {
  // p/a (256 page-cache pages, memory.min or memory.low 400 pages) is removed with its pages
  // still charged; the offline memcg protects nothing, so reclaim of p takes them.
  test.each(['memory.min', 'memory.low'] as const)('%s: protected usage leaves the parent; memory.reclaim of the parent frees the dead child', async (file) => {
    const s = await sys({ stock: false });
    s.mkdir('p');
    s.mkdir('p/a', { [file]: 400 * PAGE });
    const folios = Array.from({ length: 256 }, () => s.charge({ cgroup: 'p/a', cpu: 0, kind: 'file' }));
    const key = file === 'memory.min' ? 'childrenMinUsage' : 'childrenLowUsage';
    expect(s.counter('p')[key]).toBe(256); // propagate_protected_usage: min(usage, setting)
    s.rmdir('p/a');
    expect(s.counter('p')[key]).toBe(0); // page_counter_set_min/low(0) propagated
    expect(s.counter('p').usage).toBe(256);
    expect(s.folio(folios[0])).toMatchObject({ cgroup: 'p/a (removed)' });
    s.write('p/memory.reclaim', `${256 * PAGE}`);
    expect(s.counter('p').usage).toBe(0);
    expect(s.events('p').low).toBe(0); // never below its (zero) protection
    expect(s.folio(folios[0])).toBeNull();
  });
});

describe('memcg ids: the lowest free id (xa_alloc, XA_LIMIT(1, MEM_CGROUP_ID_MAX)), freed with the last id reference', () => {
  test('the root has id 1; a removed cgroup\'s id is the next one given', async () => {
    const s = await sys();
    expect(s.memcgKernelId('')).toBe(1);
    s.mkdir('a');
    s.mkdir('b');
    expect([s.memcgKernelId('a'), s.memcgKernelId('b')]).toEqual([2, 3]);
    s.rmdir('a');
    s.mkdir('c');
    expect(s.memcgKernelId('c')).toBe(2);
    s.mkdir('d');
    expect(s.memcgKernelId('d')).toBe(4);
  });

  test('an offline memcg with page cache gives its id back at rmdir; the memcg itself stays for its charges', async () => {
    const s = await sys();
    s.mkdir('x');
    const f = s.charge({ cgroup: 'x', cpu: 0, kind: 'file' });
    const old = s.memcgId('x');
    s.rmdir('x'); // mem_cgroup_id_put: the online reference was the only one
    s.mkdir('y');
    expect(s.memcgKernelId('y')).toBe(2); // x's id
    expect(s.memcgId('y')).not.toBe(old); // but a new memcg: x's still holds the folio
    expect(s.folio(f)).toMatchObject({ cgroup: 'x (removed)' });
    expect(s.pathOf(old)).toBe('x (removed)');
  });

  test('swap records keep an offline memcg\'s id (one reference per page) until they are freed', async () => {
    const s = await sys({ swap: '1M', stock: false });
    s.mkdir('p', { 'memory.max': 64 * PAGE });
    s.mkdir('p/a');
    s.mkdir('p/b');
    const t = s.spawn('p/a');
    for (let i = 0; i < 128; i++) s.charge({ task: t, cpu: 0 });
    expect(s.task(t).swapEntries).toBeGreaterThan(0);
    expect([s.memcgKernelId('p'), s.memcgKernelId('p/a'), s.memcgKernelId('p/b')]).toEqual([2, 3, 4]);
    s.moveTask(t, 'p/b'); // its pages and swap records stay with p/a
    s.rmdir('p/a');
    s.mkdir('p/c');
    expect(s.memcgKernelId('p/c')).toBe(5); // 3 is still held by a's swap records
    s.exitTask(t); // swap_free → __mem_cgroup_uncharge_swap → mem_cgroup_id_put_many
    s.mkdir('p/d');
    expect(s.memcgKernelId('p/d')).toBe(3);
  });

  test('MEM_CGROUP_ID_MAX: 65535 ids, the root\'s included; the next mkdir is EBUSY (6.11+ xa_alloc; idr_alloc said ENOSPC)', async () => {
    const s = await sys({ maxCgroups: 65540, stock: false, swap: '64K' });
    for (let i = 1; i < 65534; i++) s.mkdir(`c${i}`);
    s.mkdir('last', { 'memory.max': 4 * PAGE });
    expect(s.memcgKernelId('last')).toBe(65535);
    expect(codeOf(() => s.mkdir('over'))).toBe('EBUSY');
    expect(s.list()).not.toContain('over'); // nothing changed
    // A removed memcg whose pages are in swap keeps its id: still no id for a new cgroup.
    const t = s.spawn('last');
    for (let i = 0; i < 8; i++) s.charge({ task: t, cpu: 0 });
    s.moveTask(t, 'c1');
    s.rmdir('last');
    expect(codeOf(() => s.mkdir('over'))).toBe('EBUSY');
    s.exitTask(t);
    s.mkdir('over');
    expect(s.memcgKernelId('over')).toBe(65535);
  }, 60_000);
});

describe('the emulator\'s own table limits are ELIMIT, and slots are reused', () => {
  test('maxCgroups: live cgroups and removed memcgs still holding charges share the table', async () => {
    const s = await sys({ maxCgroups: 4 });
    s.mkdir('a');
    const f = s.charge({ cgroup: 'a', cpu: 0, kind: 'file' });
    s.rmdir('a'); // its memcg stays for the folio
    s.mkdir('b');
    s.mkdir('c');
    const e = (() => {
      try {
        s.mkdir('d');
      } catch (err) {
        return err as { code: string; message: string };
      }
    })();
    expect(e?.code).toBe('ELIMIT');
    expect(e?.message).toMatch(/maxCgroups/);
    s.uncharge(f); // the last reference: the removed memcg is freed
    s.mkdir('d');
    expect(s.list()).toEqual(['', 'b', 'c', 'd']);
  });

  test('20000 mkdir / charge / rmdir / uncharge cycles with room for 4 cgroups (LTP memcg_test_3 style)', async () => {
    const s = await sys({ maxCgroups: 4 });
    s.mkdir('keep');
    for (let i = 0; i < 20000; i++) {
      s.mkdir('cyc');
      const f = s.charge({ cgroup: 'cyc', cpu: 0 });
      s.rmdir('cyc');
      s.uncharge(f);
    }
    expect(s.list()).toEqual(['', 'keep']);
    expect(s.memcgKernelId('keep')).toBe(2);
    s.mkdir('cyc');
    expect(s.memcgKernelId('cyc')).toBe(3);
    expect(s.counter('').usage).toBe(0); // each rmdir drained its stock (mem_cgroup_css_offline)
  }, 30_000);

  test('an open file of a removed cgroup stays dead when its slots are reused (ENODEV)', async () => {
    const s = await sys();
    s.mkdir('a');
    const cur = s.open('a/memory.current');
    const ctl = s.open('a/cgroup.controllers');
    s.rmdir('a');
    s.mkdir('b'); // the same cgroup and memcg slots
    expect(codeOf(() => cur.read())).toBe('ENODEV');
    expect(codeOf(() => ctl.read())).toBe('ENODEV');
    expect(s.read('b/memory.current')).toBe('0\n');
    cur.close();
    ctl.close();
  });

  test('an open memory.peak of a freed memcg does not follow its slot to the next memcg', async () => {
    const s = await sys({ stock: false });
    s.mkdir('a');
    const peak = s.open('a/memory.peak');
    s.rmdir('a');
    s.mkdir('b');
    const f = s.charge({ cgroup: 'b', cpu: 0 });
    const bPeak = s.open('b/memory.peak');
    bPeak.write('reset');
    expect(bPeak.read()).toBe(`${PAGE}\n`);
    expect(codeOf(() => peak.read())).toBe('ENODEV');
    peak.close();
    bPeak.close();
    s.uncharge(f);
  });

  test('task ids are reused like PIDs (idr_alloc_cyclic): after the last one given, wrapping; maxTasks live tasks is ELIMIT', async () => {
    const s = await sys({ maxTasks: 4 });
    s.mkdir('a');
    const [t0, t1, t2] = [s.spawn('a'), s.spawn('a'), s.spawn('a')];
    expect([t0, t1, t2]).toEqual([0, 1, 2]);
    s.exitTask(t0);
    expect(s.spawn('a')).toBe(3); // not 0: the cursor is past it
    expect(s.spawn('a')).toBe(0); // wrapped
    expect(codeOf(() => s.spawn('a'))).toBe('ELIMIT');
    s.exitTask(t2);
    expect(s.spawn('a')).toBe(2);
    expect(s.task(2)).toMatchObject({ alive: true, killed: false, anonPages: 0, cgroup: 'a' });
    s.exitTask(t1);
    const given = new Set<number>();
    for (let i = 0; i < 20000; i++) {
      const t = s.spawn('a');
      given.add(t);
      s.exitTask(t);
    }
    expect([...given]).toEqual([1]); // the only free slot, every time
  });
});

describe('css_free of a memcg removed with charges (kmem)', () => {
  // mem_cgroup_css_free → __mem_cgroup_free runs when the last reference goes, not at rmdir:
  // the structures mem_cgroup_alloc charged to the parent stay charged until then.
  test('the parent keeps the child\'s structures until the child\'s last folio is uncharged', async () => {
    const s = await sys({ cgroupVersion: 1, kmem: true, topology: { nodes: 1, cpusPerNode: 2 } });
    s.mkdir('p');
    s.mkdir('p/c', {}, { cpu: 1 });
    const kmem0 = s.kmem('p').usage;
    expect(kmem0).toBeGreaterThan(0); // c's structures (objcg.test.ts derives the 3 pages)
    const f = s.charge({ cgroup: 'p/c', cpu: 0, kind: 'file' });
    s.rmdir('p/c', 1);
    expect(s.kmem('p').usage).toBe(kmem0); // c is offline, not freed: its folio holds it
    s.uncharge(f);
    for (const cpu of [0, 1]) s.drainAllStock('p', cpu);
    expect([s.kmem('p').usage, s.counter('p').usage]).toEqual([0, 0]);
  });
});
