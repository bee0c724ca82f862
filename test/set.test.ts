// --set KEY=VALUE: keys as JSON paths with shorthands, values typed as on a command line, the
// set value checked like one written in the file, and its effect on a run.
import { describe, expect, test } from 'vitest';
import { runCli, type Io } from '../src/cli/commands.js';
import { applySets, parseKey, parseSetArgs, parseValue, setIn } from '../src/scenario/set.js';
import { InputError } from '../src/scenario/validate.js';
import type { RunResult } from '../src/report/summary.js';

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const io: Io = { out: (s) => void (out += `${s}\n`), err: (s) => void (err += `${s}\n`) };
  return { code: await runCli(args, io), out, err };
}

describe('keys', () => {
  test.each<[string, (string | number)[]]>([
    ['system.seed', ['system', 'seed']],
    ['seed', ['system', 'seed']],
    ['topology.cpusPerNode', ['system', 'topology', 'cpusPerNode']],
    ['cgroups.db.memory.max', ['cgroups', 'db', 'memory.max']],
    ['cgroups.svc/web.memory.swap.max', ['cgroups', 'svc/web', 'memory.swap.max']],
    ['cgroups.system.slice/a.service.memory.high', ['cgroups', 'system.slice/a.service', 'memory.high']],
    ['cgroups["a.b"]["memory.max"]', ['cgroups', 'a.b', 'memory.max']],
    ['workload[1].steps[0].faults.rate', ['workload', 1, 'steps', 0, 'faults', 'rate']],
    ['workload.leak.steps[0].faults.size', ['workload', 'leak', 'steps', 0, 'faults', 'size']],
  ])('%s', (key, segs) => expect(parseKey(key)).toEqual(segs));

  test('values: JSON when it parses, else the text; a profile stays a name', () => {
    expect([parseValue('3'), parseValue('true'), parseValue('[1,2]'), parseValue('256M'), parseValue('"3"')]).toEqual([3, true, [1, 2], '256M', '3']);
    expect(parseSetArgs(['profile=6.18', 'seed=7', 'cgroups.a.memory.max=1G'])).toEqual([['profile', '6.18'], ['seed', 7], ['cgroups.a.memory.max', '1G']]);
  });

  test('set into a copy; phases by name; errors name the key', () => {
    const doc = { workload: [{ name: 'warm', steps: [{ faults: { cgroup: 'a', size: '1M' } }] }] };
    const r = setIn(doc, 'workload.warm.steps[0].faults.size', '2M') as { doc: typeof doc };
    expect(r.doc.workload[0].steps[0].faults.size).toBe('2M');
    expect(doc.workload[0].steps[0].faults.size).toBe('1M');
    expect(setIn(doc, 'workload.cold.steps[0]', 1)).toEqual({ error: 'workload has no element named "cold" (named: "warm")' });
    expect(setIn(doc, 'workload[3].name', 'x')).toEqual({ error: 'workload has 1 elements, no [3]' });
    expect(setIn(doc, 'workload[0].name.x', 1)).toEqual({ error: 'workload.0.name is "warm", which has no "x"' });
    expect(() => applySets(doc, [['a..b', 1], ['=', 2]])).toThrow(InputError);
  });
});

describe('run --set', () => {
  // container-oom: the app faults 32M + 64M and the sidecar 8M + 8M: 112M in all, so with
  // memory.max 128M nothing reaches the limit (no max event, no OOM kill); at 64M the app is killed.
  test('memory.max of the container raised to 128M: no OOM', async () => {
    const r = await cli(['run', '--example', 'container-oom', '--json', '--set', 'cgroups.container.memory.max=128M']);
    const res = JSON.parse(r.out) as RunResult;
    const [g] = res.runs[0].cgroups;
    expect(g.maxPages).toBe(32768);
    expect(g.events).toMatchObject({ max: 0, oom: 0, oom_kill: 0 });
    expect(res.runs[0].tasks.map((t) => t.killed)).toEqual([false, false]);
    expect(g.usagePages).toBeGreaterThanOrEqual(28672); // 112M charged (plus what the stocks hold)
  });

  test('seed and profile', async () => {
    const res = JSON.parse((await cli(['run', '--example', 'quickstart', '--json', '--set', 'seed=9', '--set', 'profile=5.17'])).out) as RunResult;
    expect(res.runs[0].system).toMatchObject({ seed: 9, profile: '5.15' }); // the alias 5.17 names the 5.15 row
  });

  // quickstart: 2600 one-page charges into workload (memory.max 6M), every fifth folio freed. With
  // 300 charges (1.2M, under memory.max: try_charge_memcg never fails) and every third freed: 100.
  test('list paths into an example: its charges and its free step', async () => {
    const r = await cli(['run', '--example', 'quickstart', '--json', '--set', 'workload.charge.steps[0].thrash.charges=300', '--set', 'workload[1].steps[0].free.every=3']);
    const [run] = (JSON.parse(r.out) as RunResult).runs;
    expect(run.phases.map((p) => [p.name, p.charges, p.uncharged])).toEqual([['charge', 300, 0], ['free 1/5', 0, 100]]);
    expect(run.cgroups.find((g) => g.path === 'workload')!.events).toMatchObject({ max: 0, oom: 0 });
    const bad = await cli(['run', '--example', 'quickstart', '--set', 'workload.charge.steps[1].thrash.charges=1']);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe('memcg-sim: --set: 1 error\n  workload.charge.steps[1].thrash.charges: workload.charge.steps has 1 elements, no [1]\n');
  });

  test('a bad value is checked like the file: exit 2 with its path', async () => {
    const r = await cli(['run', '--example', 'container-oom', '--set', 'cgroups.container.memory.max=64x']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cgroups\.container\["memory\.max"\]: invalid value for memory\.max: "64x"/);
    const k = await cli(['run', '--example', 'container-oom', '--set', 'workload.nope.repeat=2']);
    expect(k.code).toBe(2);
    expect(k.err).toMatch(/--set: 1 error\n {2}workload\.nope\.repeat: workload has no element named "nope"/);
    expect((await cli(['run', '--example', 'quickstart', '--set', 'novalue'])).err).toMatch(/novalue: expected key=value/);
  });
});
