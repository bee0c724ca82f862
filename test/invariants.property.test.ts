// Property tests (fast-check): long random op sequences, invariants checked after every op.
// 100 runs × 1000 ops = 10^5 ops per configuration.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createSystem, MemcgError, type System } from '../src/index.js';

const TREE = ['a', 'a/b', 'a/c', 'a/b/d', 'e'];
const ALL = ['', ...TREE];
const parentOf = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
const ancestry = (p: string) => {
  const out = [p];
  while (p !== '') out.push((p = parentOf(p)));
  return out;
};
const inSubtree = (x: string, root: string) => root === '' || x === root || x.startsWith(`${root}/`);

type Op =
  | { k: 'charge'; cg: number; cpu: number; order: number; gfp: number }
  | { k: 'uncharge'; pick: number }
  | { k: 'list'; picks: number[] }
  | { k: 'limit'; cg: number; pages: number };

const GFPS = ['GFP_KERNEL', 'GFP_NOWAIT', 'GFP_ATOMIC', 'GFP_KERNEL|__GFP_NOFAIL', 'GFP_KERNEL|__GFP_NORETRY'];
const FORCING = new Set([2, 3]);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ k: fc.constant('charge' as const), cg: fc.nat(TREE.length - 1), cpu: fc.nat(3), order: fc.constantFrom(0, 0, 0, 0, 1, 3, 4, 9), gfp: fc.nat(GFPS.length - 1) }) },
  { weight: 6, arbitrary: fc.record({ k: fc.constant('uncharge' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('list' as const), picks: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('limit' as const), cg: fc.nat(TREE.length - 1), pages: fc.integer({ min: 0, max: 1500 }) }) },
);

function check(s: System, folios: Map<number, { cg: string; pages: number }>, mayExceed: Set<string>, memsw: boolean): string | null {
  const own = new Map<string, number>(ALL.map((p) => [p, 0]));
  for (const f of folios.values()) own.set(f.cg, own.get(f.cg)! + f.pages);
  for (const p of ALL) {
    for (const kind of memsw ? (['memory', 'memsw'] as const) : (['memory'] as const)) {
      const c = s.counter(p, kind);
      if (c.usage < 0 || c.failcnt < 0 || c.watermark < c.usage) return `${p} ${kind}: negative or watermark below usage ${JSON.stringify(c)}`;
      if (p !== '' || kind === 'memory') {
        // usage = committed folio pages + stocked pages of the subtree (the root charges none of its own)
        let expected = 0;
        for (const x of TREE) if (inSubtree(x, p)) expected += own.get(x)! + s.stockPages(x);
        if (c.usage !== expected) return `${p} ${kind}: usage ${c.usage} != folios + stock ${expected}`;
      }
      const children = TREE.filter((x) => parentOf(x) === p).reduce((sum, x) => sum + s.counter(x, kind).usage, 0);
      if (c.usage < children) return `${p} ${kind}: usage ${c.usage} < children ${children}`;
      if (c.usage > c.max && !mayExceed.has(p)) return `${p} ${kind}: usage ${c.usage} over max ${c.max} without a forced charge`;
    }
  }
  return null;
}

describe.each([
  { profile: 'multi', cgroupVersion: 2 },
  { profile: 'single', cgroupVersion: 1 },
  { profile: 'multi-rr', cgroupVersion: 2 },
] as const)('invariants after every op ($profile, v$cgroupVersion)', (cfg) => {
  test('10^5 random ops', async () => {
    const memsw = cfg.cgroupVersion === 1;
    const limitFile = memsw ? 'memory.limit_in_bytes' : 'memory.max';
    let ops = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1000, maxLength: 1000 }), fc.nat(), async (list, seed) => {
        // Yield to the event loop once per run: a long synchronous test starves vitest's worker RPC.
        await new Promise((r) => setImmediate(r));
        const s = await createSystem({ kmem: false, ...cfg, topology: { nodes: 2, cpusPerNode: 2 }, seed });
        s.mkdir('a', { [limitFile]: 600 * 4096 });
        s.mkdir('a/b', { [limitFile]: 300 * 4096 });
        s.mkdir('a/c');
        s.mkdir('a/b/d');
        s.mkdir('e', { [limitFile]: 100 * 4096 });
        const folios = new Map<number, { cg: string; pages: number }>();
        // unmapped while in an lru_add batch: still charged until the batch drains (folios_put)
        const held = new Map<number, { cg: string; pages: number }>();
        const unmap = (id: number) => {
          if (s.folioState(id) === 'batch-held') held.set(id, folios.get(id)!);
          folios.delete(id);
        };
        const mayExceed = new Set<string>();
        const live = () => [...folios.keys()];
        for (const op of list) {
          ops++;
          const before = new Map(ALL.flatMap((p) => (memsw ? ['memory', 'memsw'] as const : ['memory'] as const).map((k) => [`${p}:${k}`, s.counter(p, k)])));
          let failcntMayGrow: string[] = [];
          let nr = 0;
          try {
            if (op.k === 'charge') {
              const cg = TREE[op.cg];
              nr = 2 ** op.order;
              failcntMayGrow = ancestry(cg);
              const id = s.charge({ cgroup: cg, cpu: op.cpu, order: op.order, gfp: GFPS[op.gfp] });
              held.delete(id); // a held folio the charge's reclaim drained, its id given out again
              folios.set(id, { cg, pages: nr });
              if (FORCING.has(op.gfp)) for (const x of ancestry(cg)) mayExceed.add(x);
            } else if (op.k === 'uncharge') {
              const ids = live();
              const id = ids.length ? ids[op.pick % ids.length] : 0;
              s.uncharge(id);
              if (folios.has(id)) unmap(id);
            } else if (op.k === 'list') {
              const ids = live();
              const pick = [...new Set(op.picks.map((i) => (ids.length ? ids[i % ids.length] : 0)))];
              s.uncharge(pick);
              for (const id of pick) if (folios.has(id)) unmap(id);
            } else {
              s.writeLimit(TREE[op.cg], limitFile, op.pages * 4096);
              if (!memsw) mayExceed.add(TREE[op.cg]); // v2 memory.max may be set below usage
            }
          } catch (e) {
            if (!(e instanceof MemcgError)) throw e;
            // Only these refusals are expected: a failed charge, v1 EBUSY, nothing to uncharge.
            if (!['ENOMEM', 'EBUSY', 'EINVAL'].includes(e.code)) throw e;
          }
          for (const id of held.keys()) if (s.folioState(id) !== 'batch-held') held.delete(id);
          const bad = check(s, new Map([...folios, ...held]), mayExceed, memsw);
          if (bad) throw new Error(`after ${JSON.stringify(op)}: ${bad}`);
          for (const [key, c0] of before) {
            const [p, kind] = key.split(':') as [string, 'memory' | 'memsw'];
            const c1 = s.counter(p, kind);
            if (c1.failcnt < c0.failcnt) throw new Error(`${key}: failcnt went down`);
            if (c1.watermark < c0.watermark) throw new Error(`${key}: watermark went down`);
            // failcnt grows only on a level of the charged path that had less room than the attempt
            if (c1.failcnt > c0.failcnt && (!failcntMayGrow.includes(p) || c0.max - c0.usage >= Math.max(64, nr))) {
              throw new Error(`after ${JSON.stringify(op)}: failcnt of ${key} grew with room ${c0.max - c0.usage}`);
            }
          }
          for (const p of ALL) if (s.counter(p).usage <= s.counter(p).max) mayExceed.delete(p);
        }
      }),
      { numRuns: 100, seed: 20261124 },
    );
    expect(ops).toBe(100_000);
  });
});
