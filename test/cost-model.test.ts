// Topology maps, the cost model's directory, page_counter races, `compare` and cost
// statistics in sweeps (the pcstock profile's own rules: pcstock.test.ts; sockets: sock.test.ts).
import { describe, expect, test } from 'vitest';
import { createSystem, System } from '../src/index.js';
import { compiled } from '../src/core/wasm.js';
import { runCli } from '../src/cli/commands.js';
import { runScenario } from '../src/scenario/runner.js';
import { runSweep } from '../src/sweep/run.js';
import { parseSweep, pointScenario } from '../src/sweep/sweep.js';
import { build, tmp } from './helpers/scenario.js';

describe('topology (x86-64 numbering: thread 0 of every core socket by socket, then the siblings)', () => {
  test('2s-72c: CPU 0 and 36 are SMT siblings, CPU 18 is socket 1 / node 1', async () => {
    const sys = await createSystem({ topology: '2s-72c' });
    expect(sys.cpus).toBe(72);
    expect(sys.nodes).toBe(2);
    expect(sys.cpuTopology(36)).toEqual(sys.cpuTopology(0));
    expect(sys.cpuTopology(18)).toEqual({ core: 18, llc: 1, node: 1, socket: 1 });
    expect(sys.cpuTopology(71)).toEqual({ core: 35, llc: 1, node: 1, socket: 1 });
  });
  test('NPS4: 4 nodes per socket, contiguous runs of 16 cores; LLC of 4 cores', async () => {
    const sys = await createSystem({ topology: '2s-256c-nps4', maxCgroups: 8, maxFolios: 64 });
    expect(sys.nodes).toBe(8);
    expect(sys.cpuTopology(17)).toEqual({ core: 17, llc: 4, node: 1, socket: 0 });
    expect(sys.cpuTopology(64 + 128)).toEqual({ core: 64, llc: 16, node: 4, socket: 1 });
  });
  test('the { nodes, cpusPerNode } shorthand keeps node-by-node numbering', async () => {
    const sys = await createSystem({ topology: { nodes: 2, cpusPerNode: 2 } });
    expect([0, 1, 2, 3].map((c) => sys.cpuTopology(c).node)).toEqual([0, 0, 1, 1]);
    expect(sys.folio(sys.charge({ cgroup: '', cpu: 3 }))!.node).toBe(1); // a folio's node is the charging CPU's
  });
  test('bad shapes are EINVAL', async () => {
    await expect(createSystem({ topology: { sockets: 1, coresPerSocket: 6, nodesPerSocket: 4 } })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(createSystem({ topology: 'nope' })).rejects.toMatchObject({ code: 'EINVAL' });
  });
});

describe('cost model', () => {
  test('off by default: no cost statistics', async () => {
    expect((await createSystem()).costStats()).toBeNull();
  });
  // page_counter.ts skips the memory.high walk and propagate_protected_usage while no counter
  // has such a limit; the model still costs the reads the kernel does there.
  test.each([[{}], [{ 'memory.high': '64M', 'memory.low': '1M' }]])('the cheap skips do not change the cost statistics (limits %j)', async (limits) => {
    const make = async (skips: boolean) => {
      const s = await createSystem({ topology: '2s-72c', costModel: true });
      if (!skips) s.fn('pc_skips_set')(0);
      s.mkdir('a', limits);
      s.mkdir('a/b');
      const ids: number[] = [];
      for (let i = 0; i < 300; i++) ids.push(s.charge({ cgroup: i % 3 ? 'a/b' : 'a', cpu: (i * 7) % 72 }));
      for (const id of ids.slice(0, 150)) s.uncharge(id, 5);
      return s.costStats({ hottest: 10 });
    };
    expect(await make(true)).toEqual(await make(false));
  });
  test('the model is in the -cost build only: a core without it refuses costModel, and the other way round', () => {
    expect(() => new System({ costModel: true }, compiled('release'))).toThrow(/option costModel needs the core built with the cost model/);
    expect(() => new System({}, compiled('release', 'cost'))).toThrow(/this core is the cost-model build/);
  });
  test('charges from two sockets bounce the usage line (stock off: every charge walks)', async () => {
    const sys = await createSystem({ topology: '2s-72c', costModel: true, stock: false });
    sys.mkdir('a');
    for (let i = 0; i < 10; i++) sys.charge({ cgroup: 'a', cpu: i % 2 === 0 ? 0 : 18 });
    const c = sys.costStats()!;
    // every charge after the first finds a's and the root's usage lines on the other socket
    expect(c.found.remote).toBeGreaterThanOrEqual(2 * 9);
    expect(c.hottest.map((h) => h.line)).toContain('page_counter[a].usage');
    expect(c.perOp.charge.ops).toBe(10);
    // one transfer a charge on a's usage line: from memory (node 0, CPU 0's) for the first, then
    // from the other socket for each of the 9 after it (page_counter_try_charge's atomic add)
    const usage = c.hottest.find((h) => h.line === 'page_counter[a].usage')!;
    expect(usage.transfers).toBe(10);
  });
  test('hottest: the lines by transfers, most first; a shorter list is the longer one\'s head', async () => {
    const sys = await createSystem({ topology: '2s-72c', costModel: true });
    sys.mkdir('a');
    sys.mkdir('a/b');
    const ids: number[] = [];
    for (let i = 0; i < 2000; i++) ids.push(sys.charge({ cgroup: i % 5 ? 'a/b' : 'a', cpu: (i * 11) % 72 }));
    for (const id of ids.slice(0, 1000)) sys.uncharge(id, (id * 3) % 72);
    const all = sys.costStats({ hottest: 1000 })!.hottest;
    expect(all.length).toBeGreaterThan(20);
    for (let i = 1; i < all.length; i++) expect(all[i - 1].transfers).toBeGreaterThanOrEqual(all[i].transfers);
    expect(all.every((h) => Number.isInteger(h.transfers) && h.transfers > 0 && h.waitCycles >= 0)).toBe(true);
    expect(sys.costStats({ hottest: 7 })!.hottest).toEqual(all.slice(0, 7));
    expect(sys.costStats({ hottest: 0 })!.hottest).toEqual([]);
  });
  // The folio lines' owners are kept in 16 bits: a CPU id above 255 must come back whole (cut to
  // a byte, CPU 300 would read as CPU 44, on the other socket here).
  test('one CPU alone, above CPU 255, finds every line here or in memory', async () => {
    const sys = await createSystem({ topology: { nodes: 2, cpusPerNode: 160 }, costModel: true, maxCgroups: 8, maxFolios: 64, lruAddBatch: false });
    const ids = [0, 1, 2, 3].map(() => sys.charge({ cgroup: '', cpu: 300 }));
    for (const id of ids) sys.uncharge(id, 300);
    const f = sys.costStats()!.found;
    expect(f.hit).toBeGreaterThan(0);
    expect([f.smt, f.llc, f.socket, f.remote]).toEqual([0, 0, 0, 0]);
  });
  test('same CPU: the usage line stays in its cache (hits)', async () => {
    const sys = await createSystem({ topology: '2s-72c', costModel: true, stock: false });
    sys.mkdir('a');
    for (let i = 0; i < 10; i++) sys.charge({ cgroup: 'a', cpu: 5 });
    expect(sys.costStats()!.found.remote).toBe(0);
  });
});

describe('page_counter races at atomic-op granularity (page_counter_try_charge comments)', () => {
  test('a bigger speculative charge falsely locks out a smaller one that fits alone', async () => {
    const sys = await createSystem({ costModel: true, topology: { nodes: 1, cpusPerNode: 2 }, cgroupVersion: 1 });
    sys.mkdir('x', { 'memory.limit_in_bytes': '4M' }); // 1024 pages
    expect(sys.raceCharges([{ cgroup: 'x', cpu: 0, pages: 1000 }])).toEqual([{ charged: true, failedAt: null }]);
    // started together (after CPU 0's first charge): both add first (1000 + 100 + 20 > 1024),
    // then both read max: both fail
    const r = sys.raceCharges([{ cgroup: 'x', cpu: 0, pages: 100, startNs: 10_000 }, { cgroup: 'x', cpu: 1, pages: 20, startNs: 10_000 }]);
    expect(r).toEqual([{ charged: false, failedAt: 'x' }, { charged: false, failedAt: 'x' }]);
    // alone, the smaller one fits
    expect(sys.raceCharges([{ cgroup: 'x', cpu: 1, pages: 20 }])).toEqual([{ charged: true, failedAt: null }]);
    expect(sys.counter('x').usage).toBe(1020);
    // the racy failcnt++: the two failures read the same value, one increment is lost
    expect(sys.counter('x').failcnt).toBe(1);
  });
  test('needs the cost model', async () => {
    const sys = await createSystem();
    sys.mkdir('x');
    expect(() => sys.raceCharges([{ cgroup: 'x', cpu: 0, pages: 1 }])).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});

describe('memcg-sim compare', () => {
  const io = () => {
    const out: string[] = [];
    return { out, io: { out: (s: string) => void out.push(s), err: (s: string) => void out.push(s) } };
  };
  test('columns per variant with the change against the first; --max-regression gates', async () => {
    const a = io();
    expect(await runCli(['compare', 'examples/pcstock-fault-loop-4.json', '--json'], a.io)).toBe(0);
    const res = JSON.parse(a.out[0]);
    expect(res.columns.map((c: { name: string }) => c.name)).toEqual(['7-slot', 'pcstock']);
    expect(res.columns[1].metrics.atomicsPerCharge).toBeGreaterThan(res.columns[0].metrics.atomicsPerCharge); // cmpxchg on the stock
    const worst = res.regression.worstPct;
    const b = io();
    expect(await runCli(['compare', 'examples/pcstock-fault-loop-4.json', '--max-regression', String(worst / 2)], b.io)).toBe(worst > 0 ? 1 : 0);
  });
});

// Sweeps report the cost model's statistics like any other value of the run summary
// (sweep/metrics.ts flattens it: cost.throughputOpsPerSec, cost.perOp.charge.cyclesPerOp …).
describe('cost statistics as sweep metrics', () => {
  test('a sweep over profiles reports them, equal to a direct run of each point', async () => {
    const sw = parseSweep({
      name: 'cost-grid',
      base: {
        system: { topology: '2s-72c', costModel: true },
        cgroups: { a: {}, b: {} },
        workload: [{ name: 'fill', steps: [{ thrash: { cgroups: ['a', 'b'], cpus: '0,18,36,54', charges: 400 } }] }],
      },
      axes: { profile: ['6.12', '6.18', 'pcstock'] },
      metrics: ['cost.throughputOpsPerSec', 'cost.perOp.charge.cyclesPerOp', 'cost.atomics', 'cost.found.remote'],
    });
    const out = tmp('cost.jsonl');
    const r = await runSweep(sw, { output: out, jobs: 1, build });
    for (const p of sw.points) {
      const res = await runScenario(pointScenario(sw, p), { build });
      const c = res.runs[0].cost!;
      expect(r.lines[p.index].metrics).toEqual({
        'cost.throughputOpsPerSec': c.throughputOpsPerSec, 'cost.perOp.charge.cyclesPerOp': c.perOp.charge.cyclesPerOp,
        'cost.atomics': c.atomics, 'cost.found.remote': c.found.remote,
      });
      expect(c.atomics).toBeGreaterThan(0);
    }
  });
});
