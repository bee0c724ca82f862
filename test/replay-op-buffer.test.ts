// replayCodes / replayView / replay of Op objects encode straight into the core's op buffer when
// the records fit in it (at most opCapacity ops), else into the host's scratch (as an uncharge
// list that takes the records past the op buffer does midway): every path gives the results,
// state and errors of replayRecords(encode(ops)).
import { describe, expect, test } from 'vitest';
import { createSystem, type Op, type System, type SystemOptions } from '../src/index.js';
import { commonOps, makeTree, randomOps, snapshot } from './helpers/ops.js';
import { errorOf } from './helpers/sys.js';

const CAP = 64;
const OPTS: SystemOptions = { topology: { nodes: 2, cpusPerNode: 2 }, seed: 3, opCapacity: CAP };
const LIMITS = { a: '2M', 'a/b': '1M', e: '512K' };

async function systems(n: number): Promise<System[]> {
  const all = await Promise.all(Array.from({ length: n }, () => createSystem(OPTS)));
  for (const s of all) makeTree(s, LIMITS);
  return all;
}
/** Where the last encode left its records: the op buffer (direct) or scratch. */
const direct = (s: System) => (s as unknown as { direct: boolean }).direct;
/** Records an op list takes (an uncharge list one per folio). */
const records = (ops: Op[]) => ops.reduce((n, o) => n + (o.op === 'uncharge-list' ? o.folios.length : 1), 0);

// ops, the path they take: CAP common ops fit; CAP + 1 do not; CAP ops whose lists take more than CAP records spill
const cases: [string, Op[], boolean][] = [
  ['opCapacity ops (op buffer)', commonOps(1, CAP, 4, 2).filter((o) => o.op !== 'uncharge-list').slice(0, CAP), true],
  ['opCapacity + 1 ops (scratch)', [...commonOps(2, CAP, 4, 2), { op: 'charge', cgroup: 'a', cpu: 1 }], false],
  ['opCapacity ops, lists take them past it (moved to scratch midway)', [
    ...commonOps(3, CAP - 8, 4, 2),
    ...Array.from({ length: 8 }, (_, i): Op => ({ op: 'uncharge-list', folios: [i, i + 8, i + 16] })),
  ], false],
];

describe.each(cases)('%s', (_name, ops, inBuffer) => {
  test('replayCodes, replayView and replay give replayRecords(encode(ops))\'s results and state', async () => {
    expect(ops.length).toBeLessThanOrEqual(inBuffer ? CAP : CAP + 1);
    if (!inBuffer) expect(records(ops)).toBeGreaterThan(CAP);
    const [w, x, y, z, warm] = await systems(5);
    // a few ops first (state, and folio ids to uncharge), the same on every system
    const pre = randomOps(7, 200, 4, 2);
    for (const s of [w, x, y, z, warm]) s.replayRecords(warm.encode(pre));
    const want = w.replayRecords(warm.encode(ops));
    // before each: other records in scratch (encode() writes there), so that none of ops' is left in it
    warm.encode(pre);
    expect([...x.replayCodes(ops)]).toEqual([...want]);
    expect(direct(x)).toBe(inBuffer);
    warm.encode(pre);
    const v = y.replayView(ops);
    expect(direct(y)).toBe(inBuffer);
    expect([...v.codes]).toEqual([...want]);
    warm.encode(pre);
    const r = z.replay(ops);
    expect(direct(z)).toBe(inBuffer);
    expect(v.toArray()).toEqual(r);
    expect(r.length).toBe(records(ops));
    for (const s of [x, y, z]) {
      expect(snapshot(s)).toEqual(snapshot(w));
      expect(s.simStats()).toEqual(w.simStats());
    }
    // the ops charged and uncharged something
    expect(want.filter((c) => c > 0).length).toBeGreaterThan(5);
  });
});

test('a charge the full folio table refuses is ELIMIT from the op buffer as from scratch', async () => {
  const opts: SystemOptions = { topology: { nodes: 1, cpusPerNode: 2 }, maxFolios: 4, stock: false, opCapacity: 8 };
  const [x, y, u, v] = await Promise.all([createSystem(opts), createSystem(opts), createSystem(opts), createSystem(opts)]);
  for (const s of [x, y, u, v]) s.mkdir('a');
  const ops: Op[] = Array.from({ length: 6 }, (_, i): Op => ({ op: 'charge', cgroup: 'a', cpu: i & 1 }));
  const long: Op[] = [...ops, ...Array.from({ length: 3 }, (): Op => ({ op: 'uncharge', folio: 0 }))]; // 9 ops: scratch
  const r = x.replay(ops);
  expect(direct(x)).toBe(true);
  expect(r.map((o) => (o.ok ? 'ok' : o.code))).toEqual(['ok', 'ok', 'ok', 'ok', 'ELIMIT', 'ELIMIT']);
  expect(y.replayView(ops).toArray()).toEqual(r);
  expect(direct(y)).toBe(true);
  const rl = u.replay(long);
  expect(direct(u)).toBe(false);
  expect(rl.slice(0, 6)).toEqual(r);
  expect(v.replayView(long).toArray()).toEqual(rl);
});

describe.each([
  ['in the op buffer', 10],
  ['past it', CAP + 10],
])('a rejected op array (%s) leaves the state as it was', (_name, n) => {
  test.each([
    ['an unknown key', { op: 'charge', cgroup: 'a', cpu: 0, colour: 'red' }, 'EINVAL EINVAL: op # (charge): unknown key "colour"'],
    ['no such cgroup', { op: 'charge', cgroup: 'nope', cpu: 0 }, 'ENOENT ENOENT: no cgroup "nope"'],
    ['a CPU out of range', { op: 'uncharge', folio: 1, cpu: 4 }, 'EINVAL EINVAL: cpu must be an integer in 0..3, not 4'],
  ])('%s', async (_what, bad, message) => {
    const [x, y, w] = await systems(3);
    const ops: Op[] = [...commonOps(5, n, 4, 2).filter((o) => o.op !== 'uncharge-list'), bad as Op, { op: 'charge', cgroup: 'e', cpu: 1 }];
    const before = snapshot(x);
    const stats = x.simStats();
    const err = errorOf(() => x.replayCodes(ops));
    expect(err.startsWith(message.replace('#', String(ops.length - 2))), err).toBe(true);
    expect(err).toBe(errorOf(() => y.encode(ops))); // the scratch path's error, op index included
    expect(errorOf(() => x.replayView(ops))).toBe(err);
    expect(errorOf(() => x.replay(ops))).toBe(err);
    expect(snapshot(x)).toEqual(before);
    expect(x.simStats()).toEqual(stats);
    // and the records the rejected encode left in the op buffer are not replayed by the next call
    const good = commonOps(6, 40, 4, 2);
    expect([...x.replayCodes(good)]).toEqual([...w.replayCodes(good)]);
    expect(snapshot(x)).toEqual(snapshot(w));
  });
});
