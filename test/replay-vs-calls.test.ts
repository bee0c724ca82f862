// DESIGN rule 3: the op-buffer replay and the per-call API run the same core functions, so
// the same ops give the same results and the same observable state.
import { describe, expect, test } from 'vitest';
import { createSystem, type Op, type SystemOptions } from '../src/index.js';
import { commonOps, general, makeTree, randomOps, runCalls, snapshot } from './helpers/ops.js';
import { codeOf, errorOf } from './helpers/sys.js';

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

// replay() and replayCodes() encode runs of common ops (a cgroup charge, an uncharge) in one
// loop and every other op through the op checks; general() keeps an op off that loop.
test.each([1, 2, 3])('replay, replayCodes and the general encoding: the same records, codes and state (seed %i)', async (seed) => {
  const opts: SystemOptions = { profile: 'multi', topology: { nodes: 2, cpusPerNode: 2 }, seed, opCapacity: 257 };
  const [x, y, z] = await Promise.all([createSystem(opts), createSystem(opts), createSystem(opts)]);
  for (const s of [x, y, z]) makeTree(s, LIMITS);
  const ops = [...randomOps(seed, 1000, 4, 2), ...commonOps(seed, 3000, 4, 2)];
  expect([...x.encode(ops)]).toEqual([...x.encode(ops.map(general))]);
  const objects = x.replay(ops);
  const codes = y.replayCodes(ops);
  const slow = z.replayCodes(ops.map(general));
  expect(codes).toBeInstanceOf(Int32Array);
  expect(codes.length).toBe(objects.length);
  // OpResult ↔ code: a value as is, an errno as -errno (ELIMIT: a charge's -ENOSPC)
  const ERRNO: Record<string, number> = { ENOENT: 2, EAGAIN: 11, ENOMEM: 12, EBUSY: 16, EEXIST: 17, EINVAL: 22, ENOSPC: 28, ELIMIT: 28, EINTR: 4, ESRCH: 3 };
  const asCode = (r: (typeof objects)[number]) => (r.ok ? r.value : -ERRNO[r.code]);
  const firstDiff = objects.findIndex((r, i) => asCode(r) !== codes[i]);
  expect(firstDiff).toBe(-1);
  expect([...slow]).toEqual([...codes]);
  expect(objects.filter((r) => !r.ok).length).toBeGreaterThan(0);
  expect(snapshot(y)).toEqual(snapshot(x));
  expect(snapshot(z)).toEqual(snapshot(x));
});

describe('a refused op: replay, replayCodes and the general encoding give the same error, nothing replayed', () => {
  // Every way an op can be refused, the common shapes first; each goes into a run of common
  // ops at a random place, alone or before a later op whose check fails (that check wins).
  const BAD: [string, unknown][] = [
    ['cpu out of range', { op: 'charge', cgroup: 'a', cpu: 4 }],
    ['cpu 2**32 (would wrap to 0)', { op: 'charge', cgroup: 'a', cpu: 2 ** 32 }],
    ['cpu 1.5', { op: 'charge', cgroup: 'a', cpu: 1.5 }],
    ['cpu "0"', { op: 'charge', cgroup: 'a', cpu: '0' }],
    ['cpu -1', { op: 'charge', cgroup: 'a', cpu: -1 }],
    ['order 10', { op: 'charge', cgroup: 'a', cpu: 0, order: 10 }],
    ['order 0.5', { op: 'charge', cgroup: 'a', cpu: 0, order: 0.5 }],
    ['order null (charge() refuses it too)', { op: 'charge', cgroup: 'a', cpu: 0, order: null }],
    ['no such cgroup', { op: 'charge', cgroup: 'nope', cpu: 0 }],
    ['cgroup 5', { op: 'charge', cgroup: 5, cpu: 0 }],
    ['cgroup and task', { op: 'charge', cgroup: 'a', task: 0, cpu: 0 }],
    ['a charge with an unknown key', { op: 'charge', cgroup: 'a', cpu: 0, bogus: 1 }],
    ['a non-enumerable task', Object.defineProperty({ op: 'charge', cgroup: 'a', cpu: 0 }, 'task', { value: 0, enumerable: false })],
    ['folio 2**31', { op: 'uncharge', folio: 2 ** 31 }],
    ['folio 2**32 (would wrap to 0)', { op: 'uncharge', folio: 2 ** 32 }],
    ['folio -1', { op: 'uncharge', folio: -1 }],
    ['folio NaN', { op: 'uncharge', folio: NaN }],
    ['an uncharge on cpu 4', { op: 'uncharge', folio: 0, cpu: 4 }],
    ['an uncharge with an unknown key', { op: 'uncharge', folio: 0, extra: true }],
    ['an unknown op', { op: 'bogus' }],
    ['null', null],
    ['an array', []],
    ['a wait of -1 ms', { op: 'wait', ms: -1 }],
    ['a write of an unknown file', { op: 'write', cgroup: 'a', file: 'memory.nope', value: 1 }],
    ['a write to no such cgroup', { op: 'write', cgroup: 'nope', file: 'memory.max', value: 1 }],
    ['an uncharge list with a bad folio', { op: 'uncharge-list', folios: [0, 1.5] }],
  ];
  test('order null: replay refuses it with the code charge() gives (EINVAL), nothing charged', async () => {
    const s = await createSystem({ topology: { nodes: 2, cpusPerNode: 2 }, seed: 5 });
    makeTree(s, LIMITS);
    const before = snapshot(s);
    expect(codeOf(() => s.charge({ cgroup: 'a', cpu: 0, order: null } as never))).toBe('EINVAL');
    expect(codeOf(() => s.replay([{ op: 'charge', cgroup: 'a', cpu: 0, order: null }] as never[]))).toBe('EINVAL');
    expect(snapshot(s)).toEqual(before);
  });
  const LATER_CHECK = { op: 'uncharge', folio: 0, cpu: 0, later: 1 };
  test.each(BAD)('%s', async (_, bad) => {
    const opts: SystemOptions = { topology: { nodes: 2, cpusPerNode: 2 }, seed: 5 };
    const [x, y, z] = await Promise.all([createSystem(opts), createSystem(opts), createSystem(opts)]);
    for (const s of [x, y, z]) makeTree(s, LIMITS);
    const before = snapshot(x);
    const run = commonOps(7, 400, 4, 2).filter((o) => o.op === 'charge' || o.op === 'uncharge').slice(0, 300);
    const generalOf = (o: unknown) => (typeof o === 'object' && o !== null && !Array.isArray(o) ? general(o) : o);
    for (const at of [0, 57, 199]) {
      let own = '';
      for (const later of [false, true]) {
        const ops = [...run.slice(0, at), bad, ...run.slice(at), ...(later ? [LATER_CHECK] : [])] as never[];
        const e = errorOf(() => x.replay(ops));
        expect(errorOf(() => y.replayCodes(ops))).toBe(e);
        // the general path: every op checked, then encoded
        expect(errorOf(() => z.replayCodes(ops.map(generalOf) as never[]))).toBe(e);
        if (!later) own = e;
        // A failed check names its op and wins over any later op; an error found encoding
        // it (a CPU out of range, no such cgroup) names none, and a later failed check wins.
        else if (own.includes(`: op ${at} `)) expect(e).toBe(own);
        else {
          expect(own).not.toMatch(/: op \d+ /);
          expect(e).toMatch(new RegExp(`: op ${ops.length - 1} \\(uncharge\\): unknown key "later"`));
        }
      }
    }
    for (const s of [x, y, z]) expect(snapshot(s)).toEqual(before);
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

test('a path looked up before a tree change: after rmdir it is ENOENT on every path, and a cgroup made with its id is charged by its own path', async () => {
  // lruAddBatch off: the folios uncharged below are freed at once, not held in a batch
  const s = await createSystem({ stock: false, lruAddBatch: false, topology: { nodes: 1, cpusPerNode: 2 } });
  s.mkdir('a');
  const a = s.id('a');
  // the path through each lookup: charge(), replay(), replayCodes(); the root ('') too
  const folios = [s.charge({ cgroup: 'a', cpu: 0 })];
  const r = s.replay([{ op: 'charge', cgroup: 'a', cpu: 1 }, { op: 'charge', cgroup: '', cpu: 0 }]);
  expect(r.every((x) => x.ok)).toBe(true);
  folios.push((r[0] as { value: number }).value);
  const codes = [...s.replayCodes([{ op: 'charge', cgroup: 'a', cpu: 0 }])];
  expect(codes.every((v) => v > 0)).toBe(true);
  // a's folios freed: its memcg, and so the cgroup, is released at rmdir (a charged one would
  // keep it dying, holding its slot: cgroup-stat.test.ts)
  s.uncharge([...folios, ...codes]);
  s.rmdir('a');
  s.mkdir('b');
  expect(s.id('b')).toBe(a); // the removed cgroup's id, reused
  expect(codeOf(() => s.charge({ cgroup: 'a', cpu: 0 }))).toBe('ENOENT');
  expect(codeOf(() => s.replay([{ op: 'charge', cgroup: 'a', cpu: 0 }]))).toBe('ENOENT');
  expect(codeOf(() => s.replayCodes([{ op: 'charge', cgroup: 'a', cpu: 0 }]))).toBe('ENOENT');
  expect(s.read('b/memory.current')).toBe('0\n');
  s.charge({ cgroup: 'b', cpu: 0 });
  s.replay([{ op: 'charge', cgroup: 'b', cpu: 1 }]);
  expect(s.read('b/memory.current')).toBe(`${2 * 4096}\n`);
  expect(s.id('')).toBe(0);
});

test('common ops after an uncharge list that took more records than the ops reserved: every record written (the first replay of a process too)', async () => {
  // The records buffer is kept across calls and grown to one record per op; a list takes one
  // per folio, so the common ops after it must find room themselves (a store past the end of
  // the buffer is lost). An op list longer than any earlier in this file: the buffer has no
  // room beyond the one record per op.
  const opts: SystemOptions = { topology: { nodes: 1, cpusPerNode: 2 }, stock: false };
  const [x, y, z] = await Promise.all([createSystem(opts), createSystem(opts), createSystem(opts)]);
  for (const s of [x, y, z]) s.mkdir('a');
  const N = 1 << 15;
  const ops: Op[] = [
    { op: 'uncharge-list', folios: Array.from({ length: N / 2 }, (_, i) => i) },
    ...Array.from({ length: N }, (_, i): Op => (i % 4 === 3 ? { op: 'uncharge', folio: i - 1 } : { op: 'charge', cgroup: 'a', cpu: i & 1 })),
    { op: 'wait', ms: 1 },
  ];
  const records = x.encode(ops); // the first encode of a list this long
  expect(records.length).toBe((N / 2 + N + 1) * 16);
  const slow = x.encode(ops.map(general)); // every op through checkOp and encodeOp
  const firstDiff = records.findIndex((b, i) => b !== slow[i]);
  expect(firstDiff, `first differing record #${firstDiff >> 4}`).toBe(-1);
  const codes = new Set(Array.from({ length: N }, (_, i) => records[(N / 2 + i) * 16]));
  expect(codes.size).toBe(2); // charges and uncharges, no empty record
  expect(codes.has(0)).toBe(false);
  const r = y.replay(ops);
  const viaChecks = z.replay(ops.map(general));
  expect(r.length).toBe(N / 2 + N + 1);
  expect(JSON.stringify(r) === JSON.stringify(viaChecks)).toBe(true);
  expect(snapshot(y)).toEqual(snapshot(z));
  expect(r.slice(N / 2).filter((v) => v.ok && v.value > 0).length).toBeGreaterThan(N / 2); // the charges after the list were replayed
});
