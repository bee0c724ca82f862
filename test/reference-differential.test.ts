// Differential test: the same random op sequence through the core's per-call API, through
// the op-buffer replay, and through the plain-TypeScript reference (test/reference) must
// give the same results and the same observable state; a mismatch names the first
// diverging op.
import { describe, expect, test } from 'vitest';
import { createSystem, parseLimit, type Op, type OpResult, type System } from '../src/index.js';
import { TREE as SMALL_TREE, makeTree, randomOps, runCalls, snapshot } from './helpers/ops.js';
import { EVENTS, RefSystem, gfpFromName, type Memcg } from './reference/ref-system.js';
import { KERNEL, type Era } from './helpers/eras.js';

const LIMITS: Record<string, string> = { a: '2M', 'a/b': '1M', e: '512K' };
// More memcgs than the 7 stock slots, so that refills evict.
const TREE = [...SMALL_TREE, 'g', 'h', 'i', 'i/j', 'k', 'l', 'm', 'm/n'];
const PATHS = ['', ...TREE];
const FOLIOS = 64;
const ERRNO: Record<number, string> = { [-12]: 'ENOMEM', [-22]: 'EINVAL', [-16]: 'EBUSY' };

type Config = { profile: Era; cgroupVersion: 1 | 2; stock?: boolean };

function reference(cfg: Config, seed: number): RefSystem {
  const ref = new RefSystem({
    cgroupVersion: cfg.cgroupVersion,
    stockSlots: cfg.stock === false ? 0 : (KERNEL(cfg.profile).stockSlots as 1 | 7),
    victim: KERNEL(cfg.profile).roundRobin ? 'round-robin' : 'random',
    atomicForceNoEvent: KERNEL(cfg.profile).atomicBypass,
    noSpinBatch: KERNEL(cfg.profile).noSpinBatch,
    failcntEverywhere: KERNEL(cfg.profile).failcntEverywhere,
    batch: KERNEL(cfg.profile).chargeBatch,
    swapAccount: true,
    nodes: 2,
    cpusPerNode: 2,
    seed: BigInt(seed),
  });
  const id = (p: string) => PATHS.indexOf(p);
  for (const p of TREE) ref.mkdir(id(p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : ''));
  for (const [p, v] of Object.entries(LIMITS)) {
    const pages = parseLimit(cfg.cgroupVersion, cfg.cgroupVersion === 2 ? 'memory.max' : 'memory.limit_in_bytes', v);
    if (cfg.cgroupVersion === 2) ref.setMax(id(p), pages);
    else ref.resizeMax(id(p), pages, false);
  }
  return ref;
}

/** Apply one op to the reference; one result per record, as replay() reports them. */
function refApply(ref: RefSystem, o: Op, version: 1 | 2): OpResult[] {
  const result = (v: number): OpResult => (v >= 0 ? { ok: true, value: v } : { ok: false, code: ERRNO[v] });
  if (o.op === 'charge') {
    return [result(ref.charge(PATHS.indexOf(o.cgroup), o.cpu, o.order ?? 0, o.kind === 'file' ? 1 : 0, gfpFromName(o.gfp ?? 'GFP_KERNEL')))];
  }
  if (o.op === 'uncharge') return [result(ref.uncharge([o.folio]))];
  if (o.op === 'uncharge-list') return o.folios.map((f) => result(ref.uncharge([f])));
  const m = PATHS.indexOf(o.cgroup);
  const pages = parseLimit(version, o.file, o.value);
  const cpu = o.cpu ?? 0;
  if (o.file === 'memory.limit_in_bytes') return [result(ref.resizeMax(m, pages, false, cpu))];
  const set = { 'memory.max': ref.setMax, 'memory.high': ref.setHigh, 'memory.low': ref.setLow, 'memory.min': ref.setMin }[o.file]!;
  return [result(set.call(ref, m, pages, cpu))];
}

/** The reference's state in the shape of helpers/ops.ts snapshot(). */
function refSnapshot(ref: RefSystem, version: 1 | 2) {
  const path = (m: Memcg) => PATHS[m.id];
  const counter = (c: Memcg['memory']) => ({
    usage: c.usage, max: c.max, min: c.min, low: c.low, high: c.high, watermark: c.watermark,
    localWatermark: c.localWatermark, failcnt: c.failcnt, emin: c.emin, elow: c.elow,
    childrenMinUsage: c.childrenMinUsage, childrenLowUsage: c.childrenLowUsage,
  });
  const events = (e: Memcg['events']) => Object.fromEntries(EVENTS.map((k) => [k, e[k]]));
  return {
    cgroups: ref.memcgs.map((m) => ({
      path: path(m),
      memory: counter(m.memory),
      swap: counter(m.swap),
      events: events(m.events),
      local: events(m.eventsLocal),
      vm: { pgpgin: m.pgpgin, pgpgout: m.pgpgout, nrPageEvents: m.nrPageEvents },
      nodes: m.stat.map((s) => ({ ...s })),
    })),
    stocks: ref.stocks.map((slots) => slots.filter((s) => s.memcg).map((s) => ({ cgroup: path(s.memcg!), nrPages: s.nr }))),
    folios: Array.from({ length: FOLIOS }, (_, id) => {
      const f = ref.folios[id];
      if (!f?.memcg) return null;
      return {
        id, cgroup: path(f.memcg), order: f.order, nrPages: 2 ** f.order, kind: f.kind === 0 ? 'anon' : 'file',
        node: f.node, memcgData: (f.memcg.id + 1) << 2,
      };
    }),
  };
}

/**
 * The charge-path part of a core snapshot. The reference has no reclaim: what reclaim
 * computes on its way (effective protection emin/elow, the memory.low event it raises when
 * it has to reclaim below memory.low, the memory.high event of reclaim_high) and the LRU
 * state of folios are left out; everything else must match.
 */
function charged(snap: ReturnType<typeof snapshot>) {
  const counter = <T extends { emin: number; elow: number }>(c: T) => ({ ...c, emin: 0, elow: 0 });
  return {
    ...snap,
    folios: snap.folios.map((f) => f && { id: f.id, cgroup: f.cgroup, order: f.order, nrPages: f.nrPages, kind: f.kind, node: f.node, memcgData: f.memcgData }),
    cgroups: snap.cgroups.map((c) => ({
      ...c, memory: counter(c.memory), swap: counter(c.swap), events: { ...c.events, low: 0, high: 0 }, local: { ...c.local, low: 0, high: 0 },
    })),
  };
}

async function system(cfg: Config, seed: number): Promise<System> {
  // the plain-TS reference has no lru_add batch (it models the counter/stock/charge core only)
  const s = await createSystem({ ...cfg, topology: { nodes: 2, cpusPerNode: 2 }, seed, opCapacity: 257, kmem: false, lruAddBatch: false });
  makeTree(s, LIMITS, TREE);
  return s;
}

describe.each<Config>([
  { profile: '5.15', cgroupVersion: 2 },
  { profile: 'multi', cgroupVersion: 2 },
  { profile: '6.18', cgroupVersion: 2 },
  { profile: '6.12', cgroupVersion: 1 },
  { profile: 'multi', cgroupVersion: 1 },
  { profile: 'multi', cgroupVersion: 2, stock: false },
])('core = reference ($profile, v$cgroupVersion, stock $stock)', (cfg) => {
  test.each([1, 2, 3])('seed %i, 3000 ops, state compared after every op', async (seed) => {
    // Anon only and no swap device: nothing is reclaimable, the reference's model of reclaim.
    const ops = randomOps(seed, 3000, 4, cfg.cgroupVersion, FOLIOS, TREE, ['anon']);
    const ref = reference(cfg, seed);
    const calls = await system(cfg, seed);
    expect(charged(snapshot(calls, FOLIOS))).toEqual(refSnapshot(ref, cfg.cgroupVersion));
    const refResults: OpResult[] = [];
    for (const [i, o] of ops.entries()) {
      // Yield to the event loop now and then: a long synchronous test starves vitest's worker RPC.
      if (i % 250 === 0) await new Promise((r) => setImmediate(r));
      const want = refApply(ref, o, cfg.cgroupVersion);
      refResults.push(...want);
      const got = runCalls(calls, [o]);
      const where = `first diverging op #${i}: ${JSON.stringify(o)}`;
      // Compared as JSON first (the same values, in the same key order, cost far less than a deep
      // toEqual); toEqual runs only on a difference, for its diff.
      const gotState = charged(snapshot(calls, FOLIOS)), wantState = refSnapshot(ref, cfg.cgroupVersion);
      if (JSON.stringify(got) !== JSON.stringify(want)) expect(got, where).toEqual(want);
      if (JSON.stringify(gotState) !== JSON.stringify(wantState)) expect(gotState, where).toEqual(wantState);
    }
    // The op-buffer replay of the whole sequence agrees with the reference too.
    const replayed = await system(cfg, seed);
    const res = replayed.replay(ops);
    const firstDiff = res.findIndex((r, i) => JSON.stringify(r) !== JSON.stringify(refResults[i]));
    expect(firstDiff, `replay: first diverging record #${firstDiff}`).toBe(-1);
    expect(charged(snapshot(replayed, FOLIOS))).toEqual(refSnapshot(ref, cfg.cgroupVersion));
    // The sequence reached the interesting branches.
    expect(refResults.filter((r) => !r.ok && r.code === 'ENOMEM').length).toBeGreaterThan(0);
    expect(ref.memcgs.some((m) => m.events.max > 0 && m.events.oom > 0)).toBe(true);
    if (cfg.stock !== false) expect(replayed.simStats().stockEvictions).toBeGreaterThan(0);
  });
});
