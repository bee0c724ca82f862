// Scenarios that passed `validate` and then hurt the process (issue #12), each a reproducer:
// now refused with the JSON path and the limit, or — with allowLarge — run in bounded memory.
import { writeFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { loadScenario, parseScenario } from '../src/scenario/scenario.js';
import { LiveQueue } from '../src/scenario/workload.js';
import { BUDGET } from '../src/scenario/budget.js';
import { ALIASES, PROFILES } from '../src/core/profiles.js';
import { issuesOf, tmp } from './helpers/scenario.js';

const issues = (d: unknown, allowLarge = false) => issuesOf(() => parseScenario(d, 'scenario', 'scenario', { allowLarge }));
const steps = (s: unknown[], extra: Record<string, unknown> = {}) => ({ cgroups: { a: {} }, workload: [{ steps: s }], ...extra });

describe('over the budget: the costliest step and the limit', () => {
  test.each<[string, unknown, string]>([
    // V8 "invalid size", 3 GB RSS, killed by a signal
    ['stream of 1E', steps([{ stream: { cgroup: 'a', size: '1E' } }]), 'workload[0].steps[0].stream: the run replays up to 281.5 T records (281.5 T here): over the budget of 10.0 M records per run'],
    // RangeError "Set maximum size exceeded" (exit 3)
    ['17 M tagged charges, then a free', steps([{ charge: { cgroup: 'a', count: 17000000, tag: 't' } }, { free: { folios: 't' } }]), 'workload[0].steps[0].charge: the run replays up to 34.0 M records (17.0 M here)'],
    // ran for hours
    ['repeat 2^31', { cgroups: { a: {} }, workload: [{ repeat: 2147483648, steps: [{ charge: { cgroup: 'a' } }] }] }, 'workload[0].steps[0].charge: the run replays up to 2.1 G records'],
    ['count 1e15', steps([{ charge: { cgroup: 'a', count: 1e15 } }]), 'workload[0].steps[0].charge: the run replays up to 1.00e+15 records'],
    ['sample rows', steps([{ charge: { cgroup: 'a', count: 3000000 } }], { sample: { every: 1, files: ['a/memory.current'] } }), 'sample.every: the run writes up to 3.0 M sample rows, reads and expectation results (3.0 M here): over the budget of 1.0 M per run'],
  ])('%s', async (_, doc, message) => {
    const got = await issues(doc);
    expect(got, got.join('\n')).toHaveLength(1);
    expect(got[0].startsWith(message), got[0]).toBe(true);
    expect(got[0]).toMatch(/or run with --allow-large \(allowLarge\)$/);
  });

  test('sample.everyMs 1e-300 (unbounded memory): below the clock\'s 1 µs', async () => {
    expect(await issues(steps([], { sample: { everyMs: 1e-300, files: ['a/memory.current'] } }))).toEqual(['sample.everyMs: 1e-300 is below the minimum 0.001']);
  });

  test('two waits of 9e12 ms (negative simulated time in the CSV): over the i64-ns clock, even with allowLarge', async () => {
    const doc = steps([{ wait: { ms: 9e12 } }, { wait: { ms: 9e12 } }]);
    for (const large of [false, true]) {
      expect(await issues(doc, large)).toEqual(['workload[0].steps[0].wait: the run\'s waits and fault rates add up to 18.0 T ms of simulated time (9.0 T here): more than the clock\'s 9.2 T ms (i64 nanoseconds)']);
    }
  });

  test('the estimate is an upper bound of what a run replays (the examples, exactly where nothing depends on the state)', () => {
    const sc = parseScenario({ cgroups: { a: {} }, workload: [{ repeat: 3, steps: [{ charge: { cgroup: 'a', count: 10, tag: 't' } }, { free: { folios: 't' } }, { wait: { ms: 5000000 } }] }] });
    // 3 × (10 charges + at most 30 frees + 2 WAIT records of at most 2^32-1 µs)
    expect(sc.budget).toEqual({ records: 3 * (10 + 30 + 2), rows: 0, simulatedMs: 15000000, memoryBytes: 30 * 48 });
    expect(BUDGET.records).toBe(10_000_000);
  });

  test('allowLarge: the live handles of a group are held without a JS Set (2^24 entries at most)', () => {
    // Workload's LiveQueue, as 17 M tagged charges fill it (a Set threw "Set maximum size exceeded").
    const n = 17_000_000;
    const q = new LiveQueue();
    const live = new Float64Array(n);
    for (let h = 0; h < n; h++) {
      live[h] = h;
      q.push(h, h, live);
    }
    live[5] = -1; // freed
    const got = q.handles(live);
    expect([got.length, got[4], got[5], got[n - 2]]).toEqual([n - 1, 4, 6, n - 1]);
  }, 60_000);

  test('allowLarge: a run over the budget is parsed (the CLI\'s --allow-large)', () => {
    const sc = parseScenario(steps([{ charge: { cgroup: 'a', count: 10_500_000, tag: 't' } }]), 's', 's', { allowLarge: true });
    expect(sc.budget.records).toBe(10_500_000);
  });
});

describe('messages: no JS internals, a missing key once, long values cut, one cgroup spelt once, keys given once', () => {
  test.each<[string, unknown, string[]]>([
    // was "write.value: Cannot read properties of null (reading 'replace')"
    ['a null write value', steps([{ write: { file: 'a/memory.max', value: null } }]), ['workload[0].steps[0].write.value: a value is a string or a number']],
    // was "s.replace is not a function"
    ['an object write value', steps([{ write: { file: 'a/memory.max', value: {} } }]), ['workload[0].steps[0].write.value: a value is a string or a number']],
    ['a missing key, once', steps([{ wait: {} }]), ['workload[0].steps[0].wait.ms: missing']],
    ['a missing required key of a union', steps([{ thrash: { cpu: 0, charges: 1 } }]), ['workload[0].steps[0].thrash.cgroups: missing']],
    ['three spellings of a', { cgroups: { a: {}, '/a/': {}, '/sys/fs/cgroup/a': {} } }, [
      'cgroups["/a/"]: "/a/" is another spelling of cgroup "a", declared as "a": give each cgroup once',
      'cgroups["/sys/fs/cgroup/a"]: "/sys/fs/cgroup/a" is another spelling of cgroup "a", declared as "a": give each cgroup once',
    ]],
    ['an object where a profile goes', { system: { profile: {} } }, [`system.profile: unknown profile an object (known: ${[...PROFILES.map((p) => p.name), ...Object.keys(ALIASES)].join(', ')})`]],
  ])('%s', async (_, doc, want) => {
    expect(await issues(doc)).toEqual(want);
  });

  test('a 1 MB value gives a short line (it gave a 1 MB error line)', async () => {
    const got = await issues({ cgroups: { a: { 'memory.max': 'x'.repeat(1 << 20) } }, name: 'y', tasks: { ['t'.repeat(1 << 20)]: { cgroup: 'b'.repeat(1 << 20) } } });
    expect(got.length).toBe(2);
    for (const line of got) expect(line.length).toBeLessThan(200);
    expect(got[0]).toBe('cgroups.a["memory.max"]: write memory.max: 1048576 bytes, more than the 4096 a cgroup file takes in one write');
  });

  test('duplicate JSON keys (JSON.parse keeps the last silently) are errors with their paths', async () => {
    const f = tmp('dup.json');
    writeFileSync(f, '{"cgroups": {"a": {"memory.max": "1M", "memory.max": "2M"}}, "workload": [{"steps": [{"charge": {"cgroup": "a", "count": 1, "count": 2}}]}]}');
    expect(await issuesOf(() => loadScenario(f))).toEqual([
      'cgroups.a["memory.max"]: duplicate key "memory.max": JSON.parse keeps only the last value; give each key once',
      'workload[0].steps[0].charge.count: duplicate key "count": JSON.parse keeps only the last value; give each key once',
    ]);
  });
});
