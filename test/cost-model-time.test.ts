// The cost model's time (assembly/cost_model.ts header, docs/cost-model.md "Time"): semantics in
// the trace's order, waiting only where a transfer would overlap another CPU's hold of the line. The expected waits are
// derived by hand from the costs given here (every transfer 100 cycles, a LOCKed op's own 20,
// 1 GHz so 1 ns = 1 cycle), not from the emulator's output.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { createSystem, System } from '../src/index.js';
import { runScenario } from '../src/scenario/runner.js';
import { parseScenario } from '../src/scenario/scenario.js';
import { build, observables } from './helpers/scenario.js';

// One LLC (one node of 3 CPUs): every transfer costs llcNs; memory costs the same.
const FLAT = { ghz: 1, hitCycles: 4, atomicCycles: 20, smtNs: 100, llcNs: 100, socketNs: 100, remoteNs: 100, memLocalNs: 100, memRemoteNs: 100 };
async function flatWith(cpus = 3, costs: Record<string, number> = FLAT): Promise<System> {
  const sys = await createSystem({ costModel: { costs }, topology: { nodes: 1, cpusPerNode: cpus }, cgroupVersion: 1, build });
  sys.mkdir('x');
  return sys;
}
// The wait of x's usage line: page_counter_try_charge's first access is
// atomic_long_add_return(&x->usage), a LOCKed op taking the line: 100 + 20 cycles.
const usageWait = (sys: System) => sys.costStats({ hottest: 50 })!.hottest.find((h) => h.line === 'page_counter[x].usage')!.waitCycles;
const cpuWait = (sys: System, cpu: number) => sys.costStats()!.cpus.find((c) => c.cpu === cpu)?.wait ?? 0;

// The core keeps a line's busy periods sorted when every transfer costs a cycle or more, and in
// slots (the rule before) when one costs less: the same waits either way. smtNs 0.5 (under a
// cycle at 1 GHz) is never paid here (one CPU per core) but selects the slots.
describe.each([
  ['sorted periods', FLAT],
  ['periods in slots (a transfer cost under a cycle)', { ...FLAT, smtNs: 0.5 }],
])('a CPU waits for a line only where its transfer would overlap another CPU\'s hold of it (%s)', (_rule, costs) => {
  const flat = (cpus = 3) => flatWith(cpus, costs);
  // CPU 0's charge (first in the trace) starts at 100 000: its add holds x.usage over [100 000, 100 120).
  test('(i) an access at a clock before the hold does not wait, though the trace ran the holder first', async () => {
    const sys = await flat();
    sys.raceCharges([{ cgroup: 'x', cpu: 0, pages: 1, startNs: 100_000 }]);
    sys.raceCharges([{ cgroup: 'x', cpu: 1, pages: 1, startNs: 50_000 }]);
    // the trace-order rule made CPU 1 wait ~50 000 cycles for CPU 0's later write
    expect(usageWait(sys)).toBe(0);
    expect(cpuWait(sys, 1)).toBe(0);
    expect(sys.counter('x').usage).toBe(2); // semantics as in the trace's order
  });
  test('(ii) inside the hold it waits exactly end − t', async () => {
    const sys = await flat();
    sys.raceCharges([{ cgroup: 'x', cpu: 0, pages: 1, startNs: 100_000 }]);
    sys.raceCharges([{ cgroup: 'x', cpu: 1, pages: 1, startNs: 100_050 }]);
    expect(usageWait(sys)).toBe(100_120 - 100_050);
  });
  test('an access whose transfer would run into the hold waits for its end', async () => {
    // CPU 1 at 99 950: [99 950, 100 070) overlaps [100 000, 100 120): the line serves one transfer at a time
    const sys = await flat();
    sys.raceCharges([{ cgroup: 'x', cpu: 0, pages: 1, startNs: 100_000 }]);
    sys.raceCharges([{ cgroup: 'x', cpu: 1, pages: 1, startNs: 99_950 }]);
    expect(usageWait(sys)).toBe(100_120 - 99_950);
  });
  test('a transfer that ends when the hold begins does not wait', async () => {
    const sys = await flat();
    sys.raceCharges([{ cgroup: 'x', cpu: 0, pages: 1, startNs: 100_000 }]);
    sys.raceCharges([{ cgroup: 'x', cpu: 1, pages: 1, startNs: 100_000 - 120 }]);
    expect(usageWait(sys)).toBe(0);
  });
  test('after the hold ends: no wait', async () => {
    const sys = await flat();
    sys.raceCharges([{ cgroup: 'x', cpu: 0, pages: 1, startNs: 100_000 }]);
    sys.raceCharges([{ cgroup: 'x', cpu: 1, pages: 1, startNs: 100_120 }]);
    expect(usageWait(sys)).toBe(0);
  });
  // CPU 2's charge at 200 000 holds x.usage over [200 000, 200 120) after CPU 0's: two holds.
  test.each([
    [100_050, 100_120 - 100_050, 'inside the earlier hold (not the last one written)'],
    [150_000, 0, 'in the gap between the holds'],
    [200_030, 200_120 - 200_030, 'inside the later hold'],
  ])('two holds: an access at %i waits %i (%s)', async (t, wait) => {
    const sys = await flat();
    sys.raceCharges([{ cgroup: 'x', cpu: 0, pages: 1, startNs: 100_000 }]);
    sys.raceCharges([{ cgroup: 'x', cpu: 2, pages: 1, startNs: 200_000 }]);
    sys.raceCharges([{ cgroup: 'x', cpu: 1, pages: 1, startNs: t }]);
    expect(usageWait(sys)).toBe(wait);
  });
  test('a wait that ends inside a second hold waits for that one too', async () => {
    // CPU 2 at 100 100: its add overlaps CPU 0's hold, waits to 100 120 and holds [100 120, 100 240);
    // CPU 1 at 100 010: waits to 100 120 (CPU 0's end), which is inside CPU 2's hold: to 100 240.
    const sys = await flat();
    sys.raceCharges([{ cgroup: 'x', cpu: 0, pages: 1, startNs: 100_000 }]);
    sys.raceCharges([{ cgroup: 'x', cpu: 2, pages: 1, startNs: 100_100 }]);
    expect(usageWait(sys)).toBe(20);
    sys.raceCharges([{ cgroup: 'x', cpu: 1, pages: 1, startNs: 100_010 }]);
    expect(usageWait(sys)).toBe(20 + (100_240 - 100_010));
  });
  test('a queue longer than the line keeps holds is one busy period: a later-traced access inside it waits for its end', async () => {
    // CPUs 0..5 all at 100 000: each queues behind the one before, [100 000 + 120 k, 100 120 + 120 k),
    // back to back up to 100 720 (6 holds, more than the 4 periods a line keeps)
    const sys = await flat(8);
    for (let cpu = 0; cpu < 6; cpu++) sys.raceCharges([{ cgroup: 'x', cpu, pages: 1, startNs: 100_000 }]);
    expect(usageWait(sys)).toBe(120 * (1 + 2 + 3 + 4 + 5));
    sys.raceCharges([{ cgroup: 'x', cpu: 6, pages: 1, startNs: 100_010 }]);
    expect(usageWait(sys)).toBe(120 * 15 + (100_720 - 100_010));
  });
  test('a line with more busy periods than 4 keeps them (a long history): an access inside the earliest still waits', async () => {
    // CPUs 0 and 2 in turn at 100 000, 200 000, … 600 000: six separate holds [k·100 000, k·100 000 + 120),
    // the line moving each time. CPU 1, whose clock is behind, at 100 050 is inside the first: 70.
    const sys = await flat();
    for (let k = 1; k <= 6; k++) sys.raceCharges([{ cgroup: 'x', cpu: k % 2 ? 0 : 2, pages: 1, startNs: k * 100_000 }]);
    expect(usageWait(sys)).toBe(0);
    sys.raceCharges([{ cgroup: 'x', cpu: 1, pages: 1, startNs: 100_050 }]);
    expect(usageWait(sys)).toBe(100_120 - 100_050);
  });
  test('(iii) the racing charges still race: the bigger speculative charge locks out the smaller one', async () => {
    const sys = await createSystem({ costModel: true, topology: { nodes: 1, cpusPerNode: 2 }, cgroupVersion: 1, build });
    sys.mkdir('x', { 'memory.limit_in_bytes': '4M' }); // 1024 pages
    sys.raceCharges([{ cgroup: 'x', cpu: 0, pages: 1000 }]);
    const r = sys.raceCharges([{ cgroup: 'x', cpu: 0, pages: 100, startNs: 10_000 }, { cgroup: 'x', cpu: 1, pages: 20, startNs: 10_000 }]);
    expect(r).toEqual([{ charged: false, failedAt: 'x' }, { charged: false, failedAt: 'x' }]);
    expect(sys.counter('x').failcnt).toBe(1); // the lost failcnt++
    // CPU 1's add came while CPU 0's add held the line (both at 10 000 ns): it waited
    expect(usageWait(sys)).toBeGreaterThan(0);
  });
});

// DESIGN rule: the cost model is timing only. A multi-CPU workload (12 CPUs charging and
// uncharging socket memory of 6 memcgs) gives the same kernel files, stocks, tasks and
// counters with the model on and off.
describe('kernel observables are the same with the cost model on and off', () => {
  test.each(['single', 'multi'])('multi-memcg-netperf-6, profile %s', async (variant) => {
    const json = JSON.parse(readFileSync(new URL('../examples/multi-memcg-netperf-6.json', import.meta.url), 'utf8'));
    json.workload[0].steps[0].sockets.packets = 4000;
    const off = structuredClone(json);
    delete off.system.costModel;
    const seen: Record<string, string>[] = [];
    for (const j of [json, off]) {
      const res = await runScenario(parseScenario(j), { build, variant, onFinish: (s) => void seen.push(observables(s)) });
      expect(res.runs[0].cost == null).toBe(j === off);
    }
    expect(seen[0]).toEqual(seen[1]);
  });
});
