// Random op sequences and whole-system snapshots, for differential and property tests.
import { MemcgError, type Op, type OpResult, type System } from '../../src/index.js';
import { SplitMix64 } from './prng.js';

export const TREE = ['a', 'a/b', 'a/c', 'a/b/d', 'e', 'e/f'];
// '0': no reclaim bit at all (alloc_pages_nolock), the charge takes no batch
const GFPS = ['GFP_KERNEL', 'GFP_KERNEL', 'GFP_KERNEL', 'GFP_NOWAIT', 'GFP_ATOMIC', 'GFP_KERNEL|__GFP_NOFAIL', '0'];
const ORDERS = [0, 0, 0, 0, 0, 0, 1, 2, 3, 9];

/** n random ops over tree on cpus CPUs; folio ids are drawn from [0, folioRange). */
export function randomOps(
  seed: number, n: number, cpus: number, version: 1 | 2, folioRange = 64, tree = TREE, kinds: readonly ('anon' | 'file')[] = ['anon', 'file'],
): Op[] {
  const r = new SplitMix64(seed);
  const pick = <T>(xs: readonly T[]): T => xs[r.below(xs.length)];
  const ops: Op[] = [];
  for (let i = 0; i < n; i++) {
    const x = r.below(100);
    if (x < 60) {
      ops.push({ op: 'charge', cgroup: pick(tree), cpu: r.below(cpus), order: pick(ORDERS), kind: kinds[(1 - r.below(2)) % kinds.length], gfp: pick(GFPS) });
    } else if (x < 85) {
      ops.push({ op: 'uncharge', folio: r.below(folioRange) });
    } else if (x < 93) {
      ops.push({ op: 'uncharge-list', folios: Array.from({ length: 1 + r.below(5) }, () => r.below(folioRange)) });
    } else {
      const file = version === 2 ? pick(['memory.max', 'memory.max', 'memory.high', 'memory.low', 'memory.min']) : 'memory.limit_in_bytes';
      const value = r.below(8) === 0 ? (version === 2 ? 'max' : '-1') : String(r.below(400) * 4096);
      ops.push({ op: 'write', cgroup: pick(tree), file, value, cpu: r.below(cpus) });
    }
  }
  return ops;
}

/**
 * n random ops of the shapes replay() encodes on its common path (a charge of a cgroup with
 * an optional order, an uncharge with an optional CPU), edge values included (-0, the largest
 * folio id, the same path written differently), mixed with randomOps' other ops (1 in 5).
 */
export function commonOps(seed: number, n: number, cpus: number, version: 1 | 2, folioRange = 64, tree = TREE): Op[] {
  const r = new SplitMix64(seed);
  const others = randomOps(seed + 1000, n, cpus, version, folioRange, tree);
  const spell = (p: string) => [p, `/${p}/`, `${p}/`][r.below(3)];
  const ops: Op[] = [];
  for (let i = 0; i < n; i++) {
    const x = r.below(100);
    if (x < 50) {
      const op: { op: 'charge'; cgroup: string; cpu: number; order?: number } = { op: 'charge', cgroup: spell(tree[r.below(tree.length)]), cpu: r.below(8) === 0 ? -0 : r.below(cpus) };
      if (r.below(2)) op.order = ORDERS[r.below(ORDERS.length)];
      ops.push(op);
    } else if (x < 80) {
      const folio = r.below(16) === 0 ? 0x7fffffff : r.below(folioRange);
      ops.push(r.below(2) ? { op: 'uncharge', folio } : { op: 'uncharge', folio, cpu: r.below(cpus) });
    } else ops.push(others[i]);
  }
  return ops;
}

/**
 * The same op (every own key, non-enumerable ones too) where replay() cannot take its common
 * path: it inherits an enumerable key, which the op checks ignore.
 */
export const general = <T extends object>(o: T): T => Object.defineProperties(Object.create({ inherited: 1 }), Object.getOwnPropertyDescriptors(o));

/** Run ops one call at a time, collecting results as replay() reports them. */
export function runCalls(s: System, ops: Op[]): OpResult[] {
  const out: OpResult[] = [];
  const attempt = (f: () => number) => {
    try {
      out.push({ ok: true, value: f() });
    } catch (e) {
      if (!(e instanceof MemcgError)) throw e;
      out.push({ ok: false, code: e.code });
    }
  };
  for (const o of ops) {
    if (o.op === 'charge') {
      const { op: _, ...req } = o;
      attempt(() => s.charge(req));
    }
    else if (o.op === 'uncharge') attempt(() => (s.uncharge(o.folio), 0));
    else if (o.op === 'uncharge-list') {
      // replay reports one result per record: the list is gathered record by record.
      for (const f of o.folios) attempt(() => (s.uncharge(f), 0));
    } else attempt(() => (s.writeLimit(o.cgroup, o.file, o.value, o.cpu), 0));
  }
  return out;
}

/** Everything observable about a system, as plain data. */
export function snapshot(s: System, folioRange = 64) {
  // a v2 cgroup without memory in its parent's subtree_control has no memcg: its cgroup.* files only
  const cgroups = s.list().map((p) => (!s.hasMemory(p) ? { path: p, noMemory: s.ls(p) } : {
    path: p,
    memory: s.counter(p),
    swap: s.counter(p, s.cgroupVersion === 2 ? 'swap' : 'memsw'),
    events: s.events(p),
    local: s.events(p, { local: true }),
    vm: s.vmEvents(p),
    nodes: Array.from({ length: s.nodes }, (_, n) => s.nodeStat(p, n)),
  }));
  const stocks = Array.from({ length: s.cpus }, (_, c) => s.stock(c));
  const folios = Array.from({ length: folioRange }, (_, i) => s.folio(i));
  return { cgroups, stocks, folios };
}

export function makeTree(s: System, limits: Record<string, string> = {}, tree = TREE): void {
  for (const p of tree) s.mkdir(p, limits[p] ? { [s.cgroupVersion === 2 ? 'memory.max' : 'memory.limit_in_bytes']: limits[p] } : {});
}
