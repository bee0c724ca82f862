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

test.each([1, 2])('replayCodes: the same ops give replay()\'s results as codes and the same state (seed %i)', async (seed) => {
  const opts: SystemOptions = { profile: 'multi', topology: { nodes: 2, cpusPerNode: 2 }, seed, opCapacity: 257 };
  const [x, y] = await Promise.all([createSystem(opts), createSystem(opts)]);
  makeTree(x, LIMITS);
  makeTree(y, LIMITS);
  const ops = randomOps(seed, 3000, 4, 2);
  const objects = x.replay(ops);
  const codes = y.replayCodes(ops);
  expect(codes).toBeInstanceOf(Int32Array);
  expect(codes.length).toBe(objects.length);
  // OpResult ↔ code: a value as is, an errno as -errno (ELIMIT: a charge's -ENOSPC)
  const ERRNO: Record<string, number> = { ENOENT: 2, EAGAIN: 11, ENOMEM: 12, EBUSY: 16, EEXIST: 17, EINVAL: 22, ENOSPC: 28, ELIMIT: 28, EINTR: 4, ESRCH: 3 };
  const asCode = (r: (typeof objects)[number]) => (r.ok ? r.value : -ERRNO[r.code]);
  const firstDiff = objects.findIndex((r, i) => asCode(r) !== codes[i]);
  expect(firstDiff).toBe(-1);
  expect(objects.filter((r) => !r.ok).length).toBeGreaterThan(0);
  expect(snapshot(y)).toEqual(snapshot(x));
});

test('replayCodes refuses a bad op as replay() does, with nothing replayed', async () => {
  const s = await createSystem();
  s.mkdir('a');
  const bad = [{ op: 'charge', cgroup: 'a', cpu: 0 }, { op: 'charge', cgroup: 'a', cpu: 99 }] as const;
  expect(() => s.replayCodes([...bad])).toThrow(/cpu/);
  let replayErr = '';
  try { s.replay([...bad]); } catch (e) { replayErr = (e as Error).message; }
  let codesErr = '';
  try { s.replayCodes([...bad]); } catch (e) { codesErr = (e as Error).message; }
  expect(codesErr).toBe(replayErr);
  expect(s.counter('a').usage).toBe(0);
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

test('replay results of 0 and of an errno are frozen and shared across systems; a mutation throws', async () => {
  const [x, y] = await Promise.all([createSystem(), createSystem()]);
  // Nothing is charged: a wait gives 0 (OpResult), an uncharge of folio 7 fails.
  const r = x.replay([{ op: 'wait', ms: 1 }, { op: 'uncharge', folio: 7 }, { op: 'wait', ms: 2 }, { op: 'uncharge', folio: 7 }]);
  expect(r[0]).toEqual({ ok: true, value: 0 });
  expect(r[1].ok).toBe(false);
  expect(r[2]).toBe(r[0]);
  expect(r[3]).toBe(r[1]);
  const again = y.replay([{ op: 'uncharge', folio: 7 }, { op: 'wait', ms: 3 }]);
  expect(again[0]).toBe(r[1]);
  expect(again[1]).toBe(r[0]);
  expect(again).not.toBe(r); // the array is the caller's
  for (const v of r) expect(Object.isFrozen(v)).toBe(true);
  // ES modules are strict code: writing a frozen object's property throws.
  expect(() => { (r[0] as { value: number }).value = 5; }).toThrow(TypeError);
  expect(() => { (r[1] as { code: string }).code = 'EPERM'; }).toThrow(TypeError);
  expect(r[0]).toEqual({ ok: true, value: 0 });
});
