// The core's cheap skips keep semantics: with no high limit anywhere, try_charge_memcg does
// not walk the hierarchy for memory.high overage; with no min/low anywhere,
// propagate_protected_usage is not run. The same ops on a system with the skips and on one
// without them (pc_skips_set(false)) give the same results and every observable the same,
// through phases where the limits are unset, set, and set back to their defaults.
import { describe, expect, test } from 'vitest';
import { createSystem, MemcgError, type Op, type System, type SystemOptions } from '../src/index.js';
import { makeTree, randomOps, snapshot } from './helpers/ops.js';

const TREE = ['a', 'a/b', 'a/c', 'a/b/d', 'e', 'e/f'];

/** Charges and uncharges only (the limit writes come from the phases below). */
const traffic = (seed: number, n: number, version: 1 | 2) => randomOps(seed, n, 4, version, 96).filter((o) => o.op !== 'write');

function observables(s: System, tasks: number[]) {
  return {
    snap: snapshot(s, 96),
    tasks: tasks.map((t) => s.task(t)),
    now: s.now(),
    stat: TREE.map((p) => s.read(`${p}/memory.stat`)),
    sim: s.simStats(),
    kmem: TREE.map((p) => [s.kmem(p), s.objcgChargedBytes(p)]),
    objStock: Array.from({ length: s.cpus }, (_, c) => s.objStock(c)),
    files: s.files.map((f) => s.fileInfo(f)),
  };
}

// File work through the page cache (filemap.ts: mem_cgroup_charge_memcg of the reader's or
// writer's memcg, readahead, shmem, a shared mapping); with kmem the inode, dentry, xarray
// nodes and page tables are charged as kernel memory (obj_cgroup_charge → try_charge_memcg).
// Each call's outcome (ok or errno) is part of what is compared.
function fileWork(s: System & { files: number[] }, tasks: number[], round: number): string[] {
  const out: string[] = [];
  const attempt = (f: () => unknown) => {
    try {
      const v = f();
      out.push(`ok ${typeof v === 'number' ? v : ''}`);
    } catch (e) {
      if (!(e instanceof MemcgError)) throw e;
      out.push(e.code);
    }
  };
  attempt(() => s.files.push(s.createFile({ kind: 'tmpfs' }, { cgroup: 'a/b', cpu: round % 4 })));
  attempt(() => s.writeFile(s.files[s.files.length - 1], { cgroup: 'a/b', cpu: 1, length: '384K' }));
  attempt(() => s.files.push(s.createFile({ size: '2M', readAheadKb: 256 }, { cgroup: 'a/c', cpu: 2 })));
  attempt(() => s.readFile(s.files[s.files.length - 1], { cgroup: 'a/c', cpu: 3 }));
  attempt(() => s.faultFile(s.files[s.files.length - 1], { task: tasks[0], cpu: 0, length: '256K' }));
  attempt(() => s.files.push(s.mmapShared({ task: tasks[1], cpu: 1, length: '128K' })));
  return out;
}

describe('skips on = skips off', () => {
  test.each([
    [{ profile: 'multi', cgroupVersion: 2 }, 1],
    [{ profile: 'multi', cgroupVersion: 2 }, 2], // with recursiveProtection
    [{ profile: 'single', cgroupVersion: 2 }, 1],
    [{ profile: 'multi', cgroupVersion: 1 }, 1],
    // Two more eras: 5.15 handles memory.high only on the way out (no F_HIGH_IN_CHARGE),
    // mainline sets MAY_SWAP again on every retry; with kernel memory and the page cache.
    [{ profile: '5.15', cgroupVersion: 2, kmem: true }, 1],
    [{ profile: 'mainline', cgroupVersion: 2, kmem: true }, 3],
    [{ profile: '6.18', cgroupVersion: 1, kmem: true }, 1],
  ] as const)('%j, seed %i', async (cfg, seed) => {
    const opts: SystemOptions = { ...cfg, topology: { nodes: 2, cpusPerNode: 2 }, seed, swap: '2M', recursiveProtection: seed === 2 };
    const [on, off] = (await Promise.all([createSystem(opts), createSystem(opts)])).map((s) => Object.assign(s, { files: [] as number[] }));
    off.fn('pc_skips_set')(0);
    const tasks: number[][] = [[], []];
    [on, off].forEach((s, i) => {
      makeTree(s, { a: '16M', e: '2M' }); // e fails charges at its max, a rarely reaches its own
      // Leaves (v2: no internal processes), unkillable (OOM_SCORE_ADJ_MIN) so that they live to charge.
      tasks[i] = [s.spawn('a/b/d', { oomScoreAdj: -1000 }), s.spawn('e/f', { oomScoreAdj: -1000 })];
    });
    const v2 = cfg.cgroupVersion === 2;
    const writes = (values: Record<string, string>): Op[] =>
      v2 ? Object.entries(values).flatMap(([k, v]) => TREE.slice(0, 4).map((p) => ({ op: 'write' as const, cgroup: p, file: k, value: v, cpu: 1 }))) : [];
    const phases: Op[][] = [
      traffic(seed, 800, cfg.cgroupVersion), // nothing set: both skips taken
      writes({ 'memory.high': '600K', 'memory.low': '256K', 'memory.min': '64K', 'memory.swap.high': '256K' }),
      traffic(seed + 10, 800, cfg.cgroupVersion), // limits set: no skip
      // Task charges: the overage is the task's; waits run the periodic flush.
      Array.from({ length: 200 }, (_, i) => ({ op: 'charge' as const, task: tasks[0][i % 2], cpu: i % 4 })),
      [{ op: 'wait', ms: 2500 }],
      writes({ 'memory.high': 'max', 'memory.low': '0', 'memory.min': '0', 'memory.swap.high': 'max' }),
      traffic(seed + 20, 800, cfg.cgroupVersion), // back to defaults: skips taken again
    ];
    const cached: number[] = [];
    for (const [i, ops] of phases.entries()) {
      const a = on.replay(ops);
      const b = off.replay(ops);
      expect(a, `phase ${i}`).toEqual(b);
      // File work after the unset, the set and the reset phases (0, 2, 6).
      if (i % 2 === 0 && i !== 4) {
        expect(fileWork(on, tasks[0], i), `files ${i}`).toEqual(fileWork(off, tasks[1], i));
        cached.push(on.files.reduce((n, f) => n + on.fileInfo(f).cachedPages, 0));
      }
      expect(observables(on, tasks[0]), `phase ${i}`).toEqual(observables(off, tasks[1]));
    }
    // The phases did what they are for: charges failed at the limits, v2 throttled or
    // raised high events while memory.high was set.
    expect(on.simStats().chargeFails).toBeGreaterThan(0);
    if (v2) expect(TREE.slice(0, 4).some((p) => on.events(p).high > 0)).toBe(true);
    // The file work charged page cache, and kernel memory where it is accounted.
    expect(cached[0], `page cache after each file phase: ${cached}`).toBeGreaterThan(0);
    if (opts.kmem) expect(TREE.some((p) => (v2 ? /^kernel [1-9]/m.test(on.read(`${p}/memory.stat`)) : on.kmem(p).usage > 0))).toBe(true);
  });
});
