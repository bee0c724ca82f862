// Ops.charge / Ops.uncharge (src/api/ops.ts): frozen ops whose keys and types are checked when
// made, which a bulk replay encodes without enumerating their keys. They must be the literal
// ops in every way a caller sees: the same records, results, errors (with the op's index) and
// state; a rejected array changes nothing; an object that is not one (a copy, a forgery) is
// checked as any literal op is.
import { describe, expect, test } from 'vitest';
import { ChargeOp, createSystem, MemcgError, Ops, UnchargeOp, type Op, type System } from '../src/index.js';
import { makeTree, snapshot } from './helpers/ops.js';
import { SplitMix64 } from './helpers/prng.js';

const any = (x: unknown) => x as never;
const LIMITS = { a: '2M', 'a/b': '1M', e: '512K' };
const PATHS = ['a', 'a/b', 'a/c', 'a/b/d', 'e', 'e/f', '/a/b', 'e/f/'];

async function tree(): Promise<System> {
  const s = await createSystem({ profile: 'multi', topology: { nodes: 2, cpusPerNode: 2 }, seed: 3, opCapacity: 257 });
  makeTree(s, LIMITS);
  return s;
}
function rejected(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof MemcgError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('not rejected');
}

/** n charges and uncharges as literals and as Ops, the same values (orders up to 9, some folios never charged). */
function both(seed: number, n: number): { literal: Op[]; checked: Op[] } {
  const r = new SplitMix64(seed);
  const literal: Op[] = [];
  const checked: Op[] = [];
  for (let i = 0; i < n; i++) {
    if (r.below(10) < 7) {
      const cgroup = PATHS[r.below(PATHS.length)], cpu = r.below(4), order = [0, 0, 0, 1, 3, 9][r.below(6)];
      literal.push({ op: 'charge', cgroup, cpu, order });
      checked.push(Ops.charge(cgroup, cpu, order));
    } else {
      const folio = r.below(300), cpu = r.below(4);
      literal.push({ op: 'uncharge', folio, cpu });
      checked.push(Ops.uncharge(folio, cpu));
    }
  }
  return { literal, checked };
}

describe('Ops: the literal ops, replayed faster', () => {
  test.each([1, 2, 3])('seed %i: the same records, codes, results and state as the literal ops', async (seed) => {
    const { literal, checked } = both(seed, 3000);
    const [x, y, z, w] = await Promise.all([tree(), tree(), tree(), tree()]);
    expect([...x.encode(checked)]).toEqual([...x.encode(literal)]);
    const codes = x.replayCodes(literal);
    expect([...y.replayCodes(checked)]).toEqual([...codes]);
    expect(z.replay(checked)).toEqual(w.replay(literal));
    expect(snapshot(y, 300)).toEqual(snapshot(x, 300));
    expect(snapshot(z, 300)).toEqual(snapshot(x, 300));
    // the stream did charge, fail and uncharge
    expect(codes.some((c) => c > 0) && codes.some((c) => c === 0) && codes.some((c) => c < 0)).toBe(true);
  });

  test.each([4, 5])('seed %i: literal and checked ops mixed in one array (runs of 1 to 40 of each, forgeries and other ops between): the literal stream\'s records, codes and state', async (seed) => {
    const { literal, checked } = both(seed, 3000);
    const r = new SplitMix64(seed * 7);
    const mixed: Op[] = [];
    const plain: Op[] = [];
    for (let i = 0; i < literal.length; ) {
      const run = 1 + r.below(40), fromChecked = r.below(2) === 1;
      for (const o of (fromChecked ? checked : literal).slice(i, i + run)) mixed.push(o);
      for (const o of literal.slice(i, i + run)) plain.push(o);
      i += run;
      const between = r.below(4);
      if (between === 0) {
        // a forgery that is a valid op: encoded as the literal it looks like
        const f = Object.assign(Object.create(ChargeOp.prototype), { op: 'charge', cgroup: 'a/c', cpu: 1, order: 0 });
        mixed.push(f);
        plain.push({ op: 'charge', cgroup: 'a/c', cpu: 1, order: 0 });
      } else if (between === 1) {
        mixed.push({ op: 'uncharge-list', folios: [1, 2, 3], cpu: 0 });
        plain.push({ op: 'uncharge-list', folios: [1, 2, 3], cpu: 0 });
      }
    }
    const [x, y] = await Promise.all([tree(), tree()]);
    expect([...x.encode(mixed)]).toEqual([...x.encode(plain)]);
    expect([...y.replayCodes(mixed)]).toEqual([...x.replayCodes(plain)]);
    expect(snapshot(y, 300)).toEqual(snapshot(x, 300));
  });

  test('defaults: order 0, CPU 0; an Op like the literal one (JSON, keys, frozen)', () => {
    const c = Ops.charge('a', 1);
    expect(JSON.stringify(c)).toBe(JSON.stringify({ op: 'charge', cgroup: 'a', cpu: 1, order: 0 }));
    expect(JSON.stringify(Ops.uncharge(5))).toBe(JSON.stringify({ op: 'uncharge', folio: 5, cpu: 0 }));
    expect(Object.keys(c)).toEqual(['op', 'cgroup', 'cpu', 'order']);
    expect(Object.isFrozen(c)).toBe(true);
    expect(() => {
      (c as unknown as Record<string, unknown>).task = 1;
    }).toThrow(TypeError);
    expect(ChargeOp.is(c) && !UnchargeOp.is(c) && UnchargeOp.is(Ops.uncharge(0))).toBe(true);
  });

  test.each<[string, () => unknown, RegExp]>([
    ['a cgroup that is not a string', () => Ops.charge(any(3), 0), /Ops\.charge: cgroup must be a string, not 3/],
    ['a negative CPU', () => Ops.charge('a', -1), /Ops\.charge: cpu must be an integer in 0\.\.4294967295, not -1/],
    ['a fractional order', () => Ops.charge('a', 0, 1.5), /Ops\.charge: order must be an integer in 0\.\.4294967295, not 1\.5/],
    ['a folio id over the largest', () => Ops.uncharge(2 ** 31), /Ops\.uncharge: folio must be an integer in 0\.\.2147483647, not 2147483648/],
    ['a CPU that is a string', () => Ops.uncharge(0, any('1')), /Ops\.uncharge: cpu must be an integer in 0\.\.4294967295, not "1"/],
  ])('made from a bad value: EINVAL (%s)', (_, f, message) => {
    expect(rejected(f)).toEqual({ code: 'EINVAL', message: expect.stringMatching(message) });
  });

  test.each<[string, Op[]]>([
    ['a CPU the system does not have', [Ops.charge('a', 0), Ops.uncharge(0, 0), Ops.charge('a', 4)]],
    ['an uncharge from a CPU the system does not have', [Ops.charge('a', 0), Ops.uncharge(0, 7)]],
    ['an order above the largest folio', [Ops.charge('a', 1), Ops.charge('a/b', 0, 10)]],
    ['a cgroup that does not exist', [Ops.charge('a', 1), Ops.charge('nope', 0)]],
  ])('what depends on the system is checked at the replay, as for the literal op (%s); nothing changes', async (_, ops) => {
    const s = await tree();
    s.replayCodes([Ops.charge('e/f', 2), Ops.charge('a/b', 3, 2)]);
    const before = snapshot(s);
    const literal = JSON.parse(JSON.stringify(ops)) as Op[];
    const want = rejected(() => s.replayCodes(literal));
    for (const f of [() => s.replayCodes(ops), () => s.replayView(ops), () => s.replay(ops)]) expect(rejected(f)).toEqual(want);
    expect(want.message).toMatch(/op \d|cpu|order|no cgroup/);
    expect(snapshot(s)).toEqual(before);
  });

  test('a copy or a forgery of a checked op has no brand: its keys and values are checked as a literal\'s', async () => {
    const s = await tree();
    const before = snapshot(s);
    const copy = { ...Ops.charge('a', 0), bogus: 1 };
    expect(rejected(() => s.replayCodes(any([copy]))).message).toMatch(/op 0 \(charge\): unknown key "bogus"/);
    const forged = Object.assign(Object.create(ChargeOp.prototype), { op: 'charge', cgroup: 'a', cpu: 0, order: 0, gfp: 'nope' });
    expect(ChargeOp.is(forged)).toBe(false);
    expect(rejected(() => s.replayCodes([forged])).code).toBe('EINVAL');
    const mutant = Object.assign(Object.create(UnchargeOp.prototype), { op: 'uncharge', folio: -1 });
    expect(rejected(() => s.replayCodes([mutant])).message).toMatch(/op 0 \(uncharge\)/);
    expect(snapshot(s)).toEqual(before);
  });

  test('single calls take them too', async () => {
    const [x, y] = await Promise.all([tree(), tree()]);
    expect(x.charge(Ops.charge('a/b', 1, 2) as never)).toBe(y.charge({ cgroup: 'a/b', cpu: 1, order: 2 }));
    expect(snapshot(x)).toEqual(snapshot(y));
  });
});
