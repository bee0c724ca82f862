// The core's cheap skips keep semantics: with no high limit anywhere, try_charge_memcg does
// not walk the hierarchy for memory.high overage; with no min/low anywhere,
// propagate_protected_usage is not run. The same ops on a system with the skips and on one
// without them (pc_skips_set(false)) give the same results and every observable the same,
// through phases where the limits are unset, set, and set back to their defaults.
import { describe, expect, test } from 'vitest';
import { createSystem, type Op, type System, type SystemOptions } from '../src/index.js';
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
  };
}

describe('skips on = skips off', () => {
  test.each([
    [{ profile: 'multi', cgroupVersion: 2 }, 1],
    [{ profile: 'multi', cgroupVersion: 2 }, 2], // with recursiveProtection
    [{ profile: 'single', cgroupVersion: 2 }, 1],
    [{ profile: 'multi', cgroupVersion: 1 }, 1],
  ] as const)('%j, seed %i', async (cfg, seed) => {
    const opts: SystemOptions = { ...cfg, topology: { nodes: 2, cpusPerNode: 2 }, seed, swap: '2M', recursiveProtection: seed === 2 };
    const [on, off] = await Promise.all([createSystem(opts), createSystem(opts)]);
    off.fn('pc_skips_set')(0);
    const tasks: number[][] = [[], []];
    [on, off].forEach((s, i) => {
      makeTree(s, { a: '3M', e: '1M' });
      tasks[i] = [s.spawn('a/b'), s.spawn('e/f')];
    });
    const v2 = cfg.cgroupVersion === 2;
    const writes = (values: Record<string, string>): Op[] =>
      v2 ? Object.entries(values).flatMap(([k, v]) => TREE.slice(0, 4).map((p) => ({ op: 'write' as const, cgroup: p, file: k, value: v, cpu: 1 }))) : [];
    const phases: Op[][] = [
      traffic(seed, 800, cfg.cgroupVersion), // nothing set: both skips taken
      writes({ 'memory.high': '600K', 'memory.low': '256K', 'memory.min': '64K', 'memory.swap.high': '256K' }),
      traffic(seed + 10, 800, cfg.cgroupVersion), // limits set: no skip
      // Task charges: the overage is the task's; waits run the periodic flush.
      Array.from({ length: 200 }, (_, i) => ({ op: 'charge' as const, task: i % 2, cpu: i % 4 })),
      [{ op: 'wait', ms: 2500 }],
      writes({ 'memory.high': 'max', 'memory.low': '0', 'memory.min': '0', 'memory.swap.high': 'max' }),
      traffic(seed + 20, 800, cfg.cgroupVersion), // back to defaults: skips taken again
    ];
    for (const [i, ops] of phases.entries()) {
      const a = on.replay(ops);
      const b = off.replay(ops);
      expect(a, `phase ${i}`).toEqual(b);
      expect(observables(on, tasks[0]), `phase ${i}`).toEqual(observables(off, tasks[1]));
    }
    // The phases did what they are for: charges failed at the limits, v2 throttled or
    // raised high events while memory.high was set.
    expect(on.simStats().chargeFails).toBeGreaterThan(0);
    if (v2) expect(TREE.slice(0, 4).some((p) => on.events(p).high > 0)).toBe(true);
  });
});
