// DESIGN rule 3: the op-buffer replay and the per-call API run the same core functions, so
// the same ops give the same results and the same observable state.
import { describe, expect, test } from 'vitest';
import { createSystem, type SystemOptions } from '../src/index.js';
import { makeTree, randomOps, runCalls, snapshot } from './helpers/ops.js';

const LIMITS = { a: '2M', 'a/b': '1M', e: '512K' };

describe.each([
  { profile: 'single', cgroupVersion: 2 },
  { profile: 'multi', cgroupVersion: 2 },
  { profile: 'multi-rr', cgroupVersion: 1 },
  { profile: 'multi', cgroupVersion: 1 },
] as const)('replay = calls ($profile, v$cgroupVersion)', (cfg) => {
  test.each([1, 2, 3])('seed %i, 3000 ops', async (seed) => {
    const opts: SystemOptions = { ...cfg, topology: { nodes: 2, cpusPerNode: 2 }, seed, opCapacity: 257 };
    const viaCalls = await createSystem(opts);
    const viaReplay = await createSystem(opts);
    makeTree(viaCalls, LIMITS);
    makeTree(viaReplay, LIMITS);
    const ops = randomOps(seed, 3000, 4, cfg.cgroupVersion);
    const a = runCalls(viaCalls, ops);
    const b = viaReplay.replay(ops);
    const firstDiff = a.findIndex((r, i) => JSON.stringify(r) !== JSON.stringify(b[i]));
    expect(firstDiff, `first diverging op #${firstDiff}: ${JSON.stringify(ops[firstDiff])}`).toBe(-1);
    expect(b.length).toBe(a.length);
    expect(snapshot(viaReplay)).toEqual(snapshot(viaCalls));
    // The call path uncharges a list folio by folio (an invalid folio refuses a whole
    // list call), so only the number of uncharge batches may differ.
    expect({ ...viaReplay.simStats(), unchargeBatches: 0 }).toEqual({ ...viaCalls.simStats(), unchargeBatches: 0 });
    // The sequence exercised what it is meant to: successes and failures of each kind.
    expect(b.filter((r) => r.ok).length).toBeGreaterThan(1000);
    expect(b.filter((r) => !r.ok && r.code === 'ENOMEM').length).toBeGreaterThan(0);
    expect(b.filter((r) => !r.ok && r.code === 'EINVAL').length).toBeGreaterThan(0);
  });
});

test('a valid uncharge list is gathered the same way by both paths', async () => {
  const [x, y] = await Promise.all([createSystem({ stock: false }), createSystem({ stock: false })]);
  for (const s of [x, y]) {
    s.mkdir('a');
    s.mkdir('b');
    for (const g of ['a', 'a', 'b', 'b', 'a']) s.charge({ cgroup: g, cpu: 0 });
    s.lruAddDrain(0); // on the LRU: the list's own uncharge gathers them (not a batch's folios_put)
  }
  x.uncharge([0, 1, 2, 3, 4]);
  const r = y.replay([{ op: 'uncharge-list', folios: [0, 1, 2, 3, 4] }]);
  expect(r.every((v) => v.ok)).toBe(true);
  expect(x.simStats().unchargeBatches).toBe(3);
  expect(y.simStats().unchargeBatches).toBe(3);
  expect(snapshot(y, 8)).toEqual(snapshot(x, 8));
});
