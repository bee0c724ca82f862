// replayView(): replay()'s results read from their codes (ReplayView): the same results, checks,
// errors and state as replay(), the codes those of replayCodes().
import { describe, expect, test } from 'vitest';
import { createSystem, ReplayView, type Op, type SystemOptions } from '../src/index.js';
import { commonOps, makeTree, randomOps, snapshot } from './helpers/ops.js';
import { errorOf } from './helpers/sys.js';

const LIMITS = { a: '2M', 'a/b': '1M', e: '512K' };

describe.each([
  { profile: 'multi', cgroupVersion: 2 },
  { profile: 'multi-rr', cgroupVersion: 1 },
] as const)('replayView = replay ($profile, v$cgroupVersion)', (cfg) => {
  test.each([1, 2])('seed %i', async (seed) => {
    const opts: SystemOptions = { ...cfg, topology: { nodes: 2, cpusPerNode: 2 }, seed, opCapacity: 257 };
    const [x, y, z] = await Promise.all([createSystem(opts), createSystem(opts), createSystem(opts)]);
    for (const s of [x, y, z]) makeTree(s, LIMITS);
    const ops = [...randomOps(seed, 1000, 4, cfg.cgroupVersion), ...commonOps(seed, 2000, 4, cfg.cgroupVersion)];
    const r = x.replay(ops);
    const v = y.replayView(ops);
    const codes = z.replayCodes(ops);
    expect(v).toBeInstanceOf(ReplayView);
    expect(v.length).toBe(r.length);
    expect([...v.codes]).toEqual([...codes]);
    expect(v.toArray()).toEqual(r);
    expect([...v]).toEqual(r);
    expect(JSON.stringify(v)).toBe(JSON.stringify(r));
    const firstDiff = r.findIndex((res, i) => {
      const at = v.at(i)!;
      // 0 and each errno: the same shared frozen object as replay()'s
      const same = res.ok && res.value > 0 ? at !== res && JSON.stringify(at) === JSON.stringify(res) : at === res;
      return !same || v.ok(i) !== res.ok || v.value(i) !== (res.ok ? res.value : undefined) || v.code(i) !== (res.ok ? undefined : res.code);
    });
    expect(firstDiff, `first diverging result #${firstDiff}`).toBe(-1);
    expect(v.at(-1)).toEqual(r[r.length - 1]);
    expect(v.at(-r.length)).toEqual(r[0]);
    expect(v.at(r.length)).toBeUndefined();
    expect(v.at(-r.length - 1)).toBeUndefined();
    expect([v.ok(r.length), v.value(r.length), v.code(r.length)]).toEqual([false, undefined, undefined]);
    // the list exercised successes (folio ids and 0) and failures
    expect(r.filter((res) => res.ok && res.value > 0).length).toBeGreaterThan(500);
    expect(r.filter((res) => res.ok && res.value === 0).length).toBeGreaterThan(100);
    expect(r.filter((res) => !res.ok).length).toBeGreaterThan(0);
    expect(snapshot(y)).toEqual(snapshot(x));
    expect(snapshot(z)).toEqual(snapshot(x));
    expect(y.simStats()).toEqual(x.simStats());
  });
});

test("a charge the full folio table refuses is ELIMIT in the view as in replay(); the codes keep -ENOSPC", async () => {
  const opts: SystemOptions = { topology: { nodes: 1, cpusPerNode: 2 }, maxFolios: 4, stock: false };
  const [x, y] = await Promise.all([createSystem(opts), createSystem(opts)]);
  for (const s of [x, y]) s.mkdir('a');
  const ops: Op[] = [
    ...Array.from({ length: 6 }, (_, i): Op => ({ op: 'charge', cgroup: 'a', cpu: i & 1 })),
    { op: 'uncharge', folio: 1 },
    { op: 'uncharge', folio: 1 }, // no longer charged
  ];
  const r = x.replay(ops);
  const v = y.replayView(ops);
  expect(r.map((res) => (res.ok ? res.value : res.code))).toEqual([expect.any(Number), expect.any(Number), expect.any(Number), expect.any(Number), 'ELIMIT', 'ELIMIT', 0, expect.any(String)]);
  expect(v.codes[4]).toBe(-28);
  expect(v.codes[5]).toBe(-28);
  expect([v.code(4), v.code(5)]).toEqual(['ELIMIT', 'ELIMIT']);
  expect(v.code(7)).toBe((r[7] as { code: string }).code);
  expect(v.code(7)).not.toBe('ELIMIT');
  expect(v.toArray()).toEqual(r);
  expect(v.at(4)).toBe(r[4]); // the shared frozen ELIMIT result
});

test('a refused op: replayView gives replay()\'s error and replays nothing', async () => {
  const opts: SystemOptions = { topology: { nodes: 2, cpusPerNode: 2 }, seed: 5 };
  const [x, y] = await Promise.all([createSystem(opts), createSystem(opts)]);
  for (const s of [x, y]) makeTree(s, LIMITS);
  const before = snapshot(y);
  const run = commonOps(7, 200, 4, 2);
  for (const bad of [{ op: 'charge', cgroup: 'a', cpu: 4 }, { op: 'charge', cgroup: 'nope', cpu: 0 }, { op: 'uncharge', folio: 0, extra: true }, null]) {
    const ops = [...run.slice(0, 57), bad, ...run.slice(57)] as never[];
    const e = errorOf(() => x.replay(ops));
    expect(errorOf(() => y.replayView(ops))).toBe(e);
  }
  expect(errorOf(() => y.replayView('ops' as never))).toBe(errorOf(() => x.replay('ops' as never)));
  expect(snapshot(y)).toEqual(before);
});
