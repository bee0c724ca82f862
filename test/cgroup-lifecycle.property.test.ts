// Property test (fast-check): random cgroup lifecycles — mkdir, rmdir, cgroup.subtree_control,
// spawn, move, exit, charges (anon by tasks, page cache, THPs), uncharges, memory.reclaim —
// on tiny tables (4 cgroup/memcg slots, 3 task slots), so that ids and slots are reused and the
// emulator's limits are hit. After every op: no trap, only the errno the kernel (or the
// emulator's ELIMIT) gives, hierarchical usage at least the children's; at the end, with
// every folio and task gone and the stocks drained, no memcg is left but the live cgroups'
// (nothing leaks) and the swap device is empty.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createSystem, MemcgError, type System } from '../src/index.js';

const PATHS = ['a', 'b', 'a/x', 'a/y', 'b/z'];
const parentOf = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
const OK_CODES = new Set(['EEXIST', 'ENOENT', 'EBUSY', 'ELIMIT', 'ENOMEM', 'EINTR', 'ESRCH', 'EINVAL', 'EAGAIN']);

type Op =
  | { k: 'mkdir' | 'rmdir' | 'spawn' | 'enable' | 'disable' | 'reclaim'; p: number }
  | { k: 'move'; t: number; p: number }
  | { k: 'exit'; t: number }
  | { k: 'fault'; t: number; order: number }
  | { k: 'cache'; p: number; order: number }
  | { k: 'free'; pick: number };

const P = fc.nat(PATHS.length); // PATHS.length: the root
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constantFrom('mkdir' as const, 'rmdir' as const), p: P }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constantFrom('spawn' as const, 'enable' as const, 'disable' as const, 'reclaim' as const), p: P }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('move' as const), t: fc.nat(2), p: P }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('exit' as const), t: fc.nat(2) }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant('fault' as const), t: fc.nat(2), order: fc.constantFrom(0, 0, 0, 9) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('cache' as const), p: P, order: fc.constantFrom(0, 0, 2) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('free' as const), pick: fc.nat() }) },
);

function checkTree(s: System): string | null {
  for (const p of s.list()) {
    if (!s.hasMemory(p)) continue;
    const c = s.counter(p);
    const kids = s.list().filter((x) => x !== '' && parentOf(x) === p && s.hasMemory(x));
    const sum = kids.reduce((n, x) => n + s.counter(x).usage, 0);
    if (c.usage < sum) return `${p}: usage ${c.usage} < children ${sum}`;
  }
  return null;
}

describe.each([1, 2] as const)('cgroup lifecycle invariants (cgroup v%i)', (cgroupVersion) => {
  test('random lifecycles on tiny tables', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 300, maxLength: 300 }), async (list) => {
        const s = await createSystem({
          // lruAddBatch off: the model's table-slot bookkeeping frees a removed memcg's folios at once
          cgroupVersion, topology: { nodes: 1, cpusPerNode: 2 }, maxCgroups: 4, maxTasks: 3, swap: '4M', kmem: false, lruAddBatch: false,
        });
        s.mkdir('limit', cgroupVersion === 2 ? { 'memory.max': '3M' } : { 'memory.limit_in_bytes': '3M' });
        const tasks: (number | null)[] = [null, null, null];
        const folios: number[] = [];
        const path = (i: number) => (i === PATHS.length ? '' : PATHS[i]);
        for (const op of list) {
          try {
            if (op.k === 'mkdir') s.mkdir(path(op.p));
            else if (op.k === 'rmdir') s.rmdir(path(op.p));
            else if (op.k === 'enable' || op.k === 'disable') {
              if (cgroupVersion === 2) s.write(`${path(op.p)}/cgroup.subtree_control`, op.k === 'enable' ? '+memory' : '-memory');
            } else if (op.k === 'reclaim') {
              if (cgroupVersion === 2) s.write(`${path(op.p)}/memory.reclaim`, '256K');
            } else if (op.k === 'spawn') {
              const slot = tasks.indexOf(null);
              const t = s.spawn(path(op.p));
              if (slot >= 0) tasks[slot] = t;
            } else if (op.k === 'move') {
              if (tasks[op.t] !== null) s.moveTask(tasks[op.t]!, path(op.p));
            } else if (op.k === 'exit') {
              if (tasks[op.t] !== null) {
                const t = tasks[op.t]!;
                tasks[op.t] = null;
                s.exitTask(t);
              }
            } else if (op.k === 'fault') {
              if (tasks[op.t] !== null) folios.push(s.charge({ task: tasks[op.t]!, cpu: op.t % 2, order: op.order }));
            } else if (op.k === 'cache') {
              folios.push(s.charge({ cgroup: path(op.p), cpu: 0, order: op.order, kind: 'file' }));
            } else if (folios.length) {
              const [id] = folios.splice(op.pick % folios.length, 1);
              s.uncharge(id);
            }
          } catch (e) {
            if (!(e instanceof MemcgError) || !OK_CODES.has(e.code)) throw e;
            if (e.code === 'EINTR' || e.code === 'ESRCH') {
              // the faulting task was killed (or had been): it is gone
              for (let i = 0; i < tasks.length; i++) if (tasks[i] !== null && !s.task(tasks[i]!).alive) tasks[i] = null;
            }
          }
          for (let i = 0; i < tasks.length; i++) if (tasks[i] !== null && !s.task(tasks[i]!).alive) tasks[i] = null;
          const bad = checkTree(s);
          if (bad) throw new Error(`after ${JSON.stringify(op)}: ${bad}`);
        }
        // Everything goes: folios (some were freed by reclaim or killed tasks: EINVAL), tasks, stocks.
        for (const id of folios) {
          try {
            s.uncharge(id);
          } catch (e) {
            if (!(e instanceof MemcgError) || e.code !== 'EINVAL') throw e;
          }
        }
        for (const t of tasks) if (t !== null) s.exitTask(t);
        for (const cpu of [0, 1]) s.drainAllStock('', cpu);
        const withMemory = s.list().filter((p) => s.hasMemory(p)).length;
        expect(s.fn('memcg_allocated')()).toBe(withMemory);
        for (const p of s.list()) if (s.hasMemory(p)) expect(s.counter(p).usage, p).toBe(0);
        expect(s.swapDevice().freePages).toBe(s.swapDevice().totalPages);
      }),
      { numRuns: 40, seed: 20261201 },
    );
  }, 60_000);
});
