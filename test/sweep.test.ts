// Sweeps: the points a sweep file makes, metrics equal to a direct run of each point, the
// same bytes whatever the number of workers, shards merged = the unsharded output byte for
// byte (in process, through GNU parallel), resume after an interruption (an abort, and Ctrl-C
// on the command line), and the shard index from batch engines' array-job variables.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { runCli, type Io } from '../src/cli/commands.js';
import { runScenario } from '../src/scenario/runner.js';
import { pointMetrics } from '../src/sweep/metrics.js';
import { readLines } from '../src/sweep/output.js';
import { runSweep } from '../src/sweep/run.js';
import { withoutLoaders, type PointTiming } from '../src/sweep/pool.js';
import { shardOf } from '../src/sweep/shard.js';
import { parseSweep, pointScenario, pointSeed } from '../src/sweep/sweep.js';
import type { System } from '../src/api/system.js';
import { build, issuesOf, tmp } from './helpers/scenario.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (f: string) => readFileSync(f, 'utf8');

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const io: Io = { out: (s) => void (out += `${s}\n`), err: (s) => void (err += `${s}\n`) };
  return { code: await runCli(args, io), out, err };
}

/** A small base: 300 one-page charges into a, with memory.max and the profile as axes. */
const BASE = {
  system: { topology: { nodes: 1, cpusPerNode: 2 } },
  cgroups: { a: { 'memory.max': '1M' } },
  workload: [{ name: 'fill', steps: [{ thrash: { cgroups: ['a'], cpus: '0-1', charges: 300 } }] }],
  expect: [{ read: 'a/memory.events', key: 'oom', equals: 0 }],
  sample: { every: 50, files: ['a/memory.current'] },
};
const SWEEP = {
  name: 'grid',
  base: BASE,
  axes: { 'cgroups.a.memory.max': ['512K', '1M', '2M'], profile: ['single', 'multi', 'multi-rr'] },
  metrics: ['cgroups.a.events.max', 'a/memory.events:oom', 'max(a/memory.current)', 'sim.stockHits', 'ok'],
};

function sweepFile(doc: unknown = SWEEP): string {
  const f = tmp('sweep.json');
  writeFileSync(f, JSON.stringify(doc));
  return f;
}

describe('points', () => {
  test('the product (first axis slowest), exclude, explicit points after, seeds', () => {
    const sw = parseSweep({ ...SWEEP, exclude: [{ profile: 'multi-rr', 'cgroups.a.memory.max': '2M' }], points: [{ 'cgroups.a.memory.max': '4M', seed: 5 }] });
    expect(sw.points.map((p) => p.coords)).toEqual([
      ...['512K', '1M', '2M'].flatMap((m) => ['single', 'multi', 'multi-rr'].map((profile) => ({ 'cgroups.a.memory.max': m, profile }))).slice(0, 8),
      { 'cgroups.a.memory.max': '4M', seed: 5 },
    ]);
    expect(sw.points.map((p) => p.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    // A point's seed: its own seed coordinate, else FNV-1a of the sweep seed (the base's system.seed, 1) and its coordinates.
    expect(sw.points[8].seed).toBe(5);
    expect(sw.points[0].seed).toBe(pointSeed(1, { profile: 'single', 'cgroups.a.memory.max': '512K' }));
    expect(new Set(sw.points.map((p) => p.seed)).size).toBe(9);
    expect(pointScenario(sw, sw.points[4]).system).toMatchObject({ profile: 'multi', seed: sw.points[4].seed });
  });

  test('a base with variants gets a variant axis', () => {
    const sw = parseSweep({ base: { example: 'stock-thrash' }, axes: { seed: [1, 2] } });
    expect(sw.axes.map((a) => a.key)).toEqual(['seed', 'variant']);
    expect(sw.points.map((p) => `${p.coords.seed} ${p.coords.variant}`)).toEqual(['1 single', '1 multi', '1 multi-rr', '2 single', '2 multi', '2 multi-rr']);
  });

  test('every mistake with its path, before anything runs', async () => {
    const bad = { ...SWEEP, axes: { 'cgroups.a.memory.max': ['1M', '64x'], 'workload.nope.repeat': [1] }, metrics: ['max(a/memory.stat)', 'zz(a/memory.current)'], extra: 1 };
    expect(await issuesOf(() => parseSweep(bad))).toEqual([
      'extra: unknown key (expected one of: $schema, name, description, base, axes, points, exclude, metrics, seed)',
    ]);
    const { extra: _, ...rest } = bad;
    expect(await issuesOf(() => parseSweep(rest))).toEqual([
      'point 0 {"cgroups.a.memory.max":"1M","workload.nope.repeat":1}: workload.nope.repeat: workload has no element named "nope" (named: "fill")',
    ]);
    // The same mistake at several points is reported once, at the first.
    const values = { ...SWEEP, axes: { 'cgroups.a.memory.max': ['1M', '64x'], 'workload.fill.repeat': [1, 0] } };
    expect(await issuesOf(() => parseSweep(values))).toEqual([
      'point 1 {"cgroups.a.memory.max":"1M","workload.fill.repeat":0}: workload[0].repeat: 0 is below the minimum 1',
      'point 2 {"cgroups.a.memory.max":"64x","workload.fill.repeat":1}: cgroups.a["memory.max"]: invalid value for memory.max: "64x"',
    ]);
    const metricsOnly = { ...SWEEP, metrics: ['max(a/memory.stat)', 'zz(a/memory.current)', 'b/memory.current'] };
    expect(await issuesOf(() => parseSweep(metricsOnly))).toEqual([
      'metrics[0]: max(a/memory.stat) needs a/memory.stat in the scenario\'s sample.files (sampled: a/memory.current)',
      'metrics[1]: unknown reducer zz() (known: first, last, min, max, mean, p50, p90, p95, p99)',
      'metrics[2]: no cgroup "b" in the scenario',
    ]);
    expect(await issuesOf(() => parseSweep({ base: { example: 'nope' } }))).toEqual([
      'base.example: no example "nope" (known: quickstart, container-oom, high-throttle, low-protection, stock-thrash)',
    ]);
  });
});

describe('running', () => {
  test('the metrics are those of a direct run of each point; 1 and 2 workers write the same bytes', async () => {
    const sw = parseSweep(SWEEP);
    const one = tmp('one.jsonl');
    const two = tmp('two.jsonl');
    const r1 = await runSweep(sw, { output: one, jobs: 1, build });
    const timings: PointTiming[] = [];
    await runSweep(sw, { output: two, jobs: 2, build, onTiming: (t) => timings.push(t) });
    expect(read(two)).toBe(read(one));
    // The timeline: one entry per point, each worker's modules loaded before its first point, in order.
    expect(timings.map((t) => t.point).sort((a, b) => a - b)).toEqual(sw.points.map((p) => p.index));
    expect(new Set(timings.map((t) => t.worker))).toEqual(new Set([0, 1]));
    expect(timings.filter((t) => t.ready !== undefined)).toHaveLength(2);
    for (const t of timings) {
      expect(t.spawned <= (t.ready ?? t.start) && t.start <= t.end && t.end <= t.received).toBe(true);
      // /proc/thread-self/schedstat (Linux): updated at ticks and switches, so a short point can read 0
      expect(t.cpuMs).toBeGreaterThanOrEqual(0);
    }
    // each worker's module loading spans many ticks
    for (const t of timings.filter((t) => t.ready !== undefined)) expect(t.readyCpuMs).toBeGreaterThan(0);
    expect(read(two.replace(/jsonl$/, 'csv'))).toBe(read(one.replace(/jsonl$/, 'csv')));
    expect(r1.lines).toHaveLength(9);
    for (const p of sw.points) {
      let sys: System | undefined;
      const res = await runScenario(pointScenario(sw, p), { build, keepSystems: true, onFinish: (s) => void (sys = s) });
      expect(r1.lines[p.index].metrics).toEqual(pointMetrics(res.runs[0], sw.metrics, (f) => sys!.read(f)));
      expect(r1.lines[p.index].metrics!.ok).toBe(res.ok);
    }
    // 300 pages into 512K (128 pages): the charge that fails OOMs (nothing to reclaim), as in try_charge_memcg.
    const oom = (max: string) => r1.lines.filter((l) => l.coords['cgroups.a.memory.max'] === max).map((l) => l.metrics!['a/memory.events:oom'] as number);
    expect(oom('512K').every((n) => n > 0)).toBe(true);
    expect(oom('2M')).toEqual([0, 0, 0]);
    const csv = read(one.replace(/jsonl$/, 'csv')).split('\n');
    expect(csv[0]).toBe('point,cgroups.a.memory.max,profile,seed,ok,error,cgroups.a.events.max,a/memory.events:oom,max(a/memory.current),sim.stockHits,ok');
    expect(csv).toHaveLength(11);
  });

  test('shards 0/3, 1/3, 2/3 merged = the unsharded output, byte for byte', async () => {
    const f = sweepFile();
    const all = tmp('all.jsonl');
    expect((await cli(['sweep', f, '-o', all, '--jobs', '2'])).code).toBe(0);
    const out = join(dirname(all), 'part.jsonl');
    for (const i of [2, 0, 1]) expect((await cli(['sweep', f, '-o', out, '--shard', `${i}/3`, '--jobs', '1'])).code).toBe(0);
    expect(readLines(join(dirname(all), 'part-1-of-3.jsonl')).map((l) => l.point)).toEqual([1, 4, 7]);
    const merged = join(dirname(all), 'merged.jsonl');
    const m = await cli(['sweep', 'merge', ...[0, 1, 2].map((i) => join(dirname(all), `part-${i}-of-3.jsonl`)), '-o', merged]);
    expect(m.out).toBe(`${merged}: 9 of 9 points from 3 files; ${merged.replace(/jsonl$/, 'csv')}\n`);
    expect(read(merged)).toBe(read(all));
    expect(read(merged.replace(/jsonl$/, 'csv'))).toBe(read(all.replace(/jsonl$/, 'csv')));
    // A shard missing: written, listed, exit 1.
    const part = await cli(['sweep', 'merge', join(dirname(all), 'part-0-of-3.jsonl'), '-o', tmp('p.jsonl')]);
    expect(part.code).toBe(1);
    expect(part.err).toBe('memcg-sim: 6 points missing: 1, 2, 4, 5, 7, 8 (a shard not run or not finished?)\n');
  });

  test('interrupted after some points, then --resume: the same bytes as one run', async () => {
    const sw = parseSweep(SWEEP);
    const full = tmp('full.jsonl');
    await runSweep(sw, { output: full, jobs: 2, build });
    const out = tmp('cut.jsonl');
    const ac = new AbortController();
    const r = await runSweep(sw, { output: out, jobs: 1, build, signal: ac.signal, onPoint: (done) => done === 3 && ac.abort() });
    expect(r.interrupted).toBe(true);
    expect(r.lines.length).toBeGreaterThanOrEqual(3);
    expect(r.lines.length).toBeLessThan(9);
    writeFileSync(out, `${read(out)}{"point":8,"of":9,"coo`); // a write cut short by a kill
    const again = await runSweep(sw, { output: out, jobs: 2, build, resume: true });
    expect(again.resumed).toBe(r.lines.length);
    expect(read(out)).toBe(read(full));
    // Another sweep's output is refused.
    const other = parseSweep({ ...SWEEP, axes: { ...SWEEP.axes, profile: ['multi', 'single', 'multi-rr'] } });
    expect(await issuesOf(() => runSweep(other, { output: out, resume: true, build }))).toContain(
      'line 1: point 0 is {"cgroups.a.memory.max":"512K","profile":"single"} there, {"cgroups.a.memory.max":"512K","profile":"multi"} in this sweep',
    );
  });

  test('on a terminal: a progress bar with the points done and the ETA, cleared at the end', async () => {
    let term = '';
    let out = '';
    const io: Io = { out: (x) => void (out += x), err: () => {}, tty: { write: (x: string) => (term += x) } };
    expect(await runCli(['sweep', sweepFile(), '-o', tmp('t.jsonl'), '--jobs', '2'], io)).toBe(0);
    const draws = term.split('\r').filter(Boolean);
    expect(draws.slice(0, -1).map((d) => /^grid \[[#-]{30}\] (\d)\/9 points, \d+s elapsed, ETA (\d+s|\d+m\d\ds)\x1b\[K$/.exec(d)?.[1])).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(draws.at(-1)).toBe('\x1b[K');
    expect(out).toMatch(/^grid: 9 points in [\d.]+ s with 2 workers → /);
  });

  // quickstart with 300 charges instead of 2600: 1.2M, under workload's memory.max 6M, so no
  // charge fails (try_charge_memcg) and no OOM at any seed.
  test('--set on a sweep whose base is an example: resolved in the example, a wrong path named', async () => {
    const f = sweepFile({ base: { example: 'quickstart' }, axes: { seed: [1, 2] }, metrics: ['sim.charges', 'sim.chargeFails', 'workload/memory.events:oom'] });
    const out = tmp('ex.jsonl');
    const r = await cli(['sweep', f, '-o', out, '--jobs', '2', '--set', 'workload.charge.steps[0].thrash.charges=300']);
    expect(r.code).toBe(0);
    expect(readLines(out).map((l) => [l.coords.seed, l.metrics])).toEqual([1, 2].map((seed) => [seed, { 'sim.charges': 300, 'sim.chargeFails': 0, 'workload/memory.events:oom': 0 }]));
    // The same through parseSweep, with a list index.
    const sw = parseSweep({ base: { example: 'quickstart' }, axes: { seed: [1, 2] } }, { sets: [['workload[0].steps[0].thrash.charges', 300]] });
    expect(pointScenario(sw, sw.points[1]).phases[0].steps[0]).toMatchObject({ kind: 'thrash', charges: 300 });
    const bad = await cli(['sweep', f, '-o', tmp('bad.jsonl'), '--set', 'workload.charges.steps[0].thrash.charges=300']);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe(`memcg-sim: ${f}: 1 error\n  --set workload.charges.steps[0].thrash.charges: workload has no element named "charges" (named: "charge", "free 1/5")\n`);
  });

  test('a point that cannot run is a line with its error (exit 1), the others run', async () => {
    const f = sweepFile({ base: BASE, axes: { 'cgroups.a.memory.max': ['1M', '2M'] }, metrics: ['sim.stokHits'] });
    const r = await cli(['sweep', f, '-o', tmp('e.jsonl'), '--jobs', '1']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^memcg-sim: point 0 \{"cgroups.a.memory.max":"1M"\}: metric sim.stokHits: the run has no such value \(some it has: sim.charges, /);
  });
});

describe('the command line', () => {
  const bin = [join(root, 'dist/src/cli/main.js')]; // built by test/helpers/global-setup.ts

  test('Ctrl-C: what is done is written, the message says --resume; resuming finishes it', async () => {
    const dir = dirname(tmp('x'));
    const f = join(dir, 's.json');
    writeFileSync(f, JSON.stringify({ base: { example: 'quickstart' }, axes: { seed: Array.from({ length: 12 }, (_, i) => i + 1) }, metrics: ['sim.stockHits'] }));
    const out = join(dir, 'q.jsonl');
    const child = spawn(process.execPath, [...bin, 'sweep', f, '-o', out, '--jobs', '1'], { cwd: root, env: { ...process.env, MEMCG_SIM_WASM: build } });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(out) && read(out).split('\n').length > 3) {
          clearInterval(poll);
          child.kill('SIGINT');
        }
      }, 20);
      child.on('exit', (c) => (clearInterval(poll), resolve(c)));
    });
    expect(code).toBe(130);
    const done = readLines(out).length;
    expect(done).toBeGreaterThanOrEqual(3);
    expect(err).toBe(`memcg-sim: interrupted: ${done} of 12 points done, written to ${out} and ${out.replace(/jsonl$/, 'csv')}; run the same command with --resume to run the other ${12 - done}\n`);
    const r = await cli(['sweep', f, '-o', out, '--resume', '--jobs', '2']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`, ${done} of them from the earlier run (--resume)`);
    const whole = join(dir, 'w.jsonl');
    await cli(['sweep', f, '-o', whole, '--jobs', '2']);
    expect(read(out)).toBe(read(whole));
  }, 60_000);

  const parallel = spawnSync('parallel', ['--version'], { encoding: 'utf8' }).status === 0;
  test.skipIf(!parallel)('GNU parallel runs the shards, merge gives the unsharded output (skipped without Debian\'s parallel)', async () => {
    const f = sweepFile();
    const dir = dirname(f);
    execFileSync('parallel', ['--will-cite', process.execPath, ...bin, 'sweep', f, '--shard', '{}/3', '-o', join(dir, 'out.jsonl'), '--jobs', '1', ':::', '0', '1', '2'], {
      cwd: root, env: { ...process.env, MEMCG_SIM_WASM: build }, stdio: 'pipe',
    });
    const m = await cli(['sweep', 'merge', ...[0, 1, 2].map((i) => join(dir, `out-${i}-of-3.jsonl`)), '-o', join(dir, 'all.jsonl')]);
    expect(m.code).toBe(0);
    const whole = join(dir, 'whole.jsonl');
    await cli(['sweep', f, '-o', whole]);
    expect(read(join(dir, 'all.jsonl'))).toBe(read(whole));
  }, 60_000);
});

test('a compiled worker starts without the module loaders of its parent (--import tsx), with its other options', () => {
  expect(withoutLoaders(['--import', 'tsx', '--max-old-space-size=512', '--import=x', '-r', 'y', '--loader', 'z', '--experimental-loader=w', '--require', 'v', '--expose-gc'])).toEqual(['--max-old-space-size=512', '--expose-gc']);
});

describe('shards from batch engines', () => {
  test.each<[string, string | undefined, string | undefined, Record<string, string>, unknown]>([
    ['--shard', '1/4', undefined, {}, { index: 1, count: 4, from: '--shard' }],
    ['Kubernetes Indexed Job with --shards', undefined, '8', { JOB_COMPLETION_INDEX: '3' }, { index: 3, count: 8, from: 'JOB_COMPLETION_INDEX' }],
    ['Kubernetes without the count', undefined, undefined, { JOB_COMPLETION_INDEX: '3' }, 'JOB_COMPLETION_INDEX is set: give the number of shards with --shards N (the job\'s completions)'],
    ['Slurm --array=1-16:2', undefined, undefined, { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_STEP: '2', SLURM_ARRAY_TASK_COUNT: '8' }, { index: 2, count: 8, from: 'SLURM_ARRAY_TASK_ID' }],
    ['AWS Batch', undefined, undefined, { AWS_BATCH_JOB_ARRAY_INDEX: '0', AWS_BATCH_JOB_ARRAY_SIZE: '10' }, { index: 0, count: 10, from: 'AWS_BATCH_JOB_ARRAY_INDEX' }],
    ['--shard wins over the environment', '0/1', undefined, { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_COUNT: '8' }, { index: 0, count: 1, from: '--shard' }],
    ['nothing: every point', undefined, undefined, {}, undefined],
    ['a bad --shard', '4/4', undefined, {}, '--shard 4/4: expected i/n with 0 ≤ i < n (like --shard 0/4)'],
    ['--shards alone', undefined, '4', {}, '--shards needs the shard index from a batch engine (JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID, AWS_BATCH_JOB_ARRAY_INDEX) or --shard i/n'],
  ])('%s', (_, shard, shards, env, want) => expect(shardOf(shard, shards, env)).toEqual(want));
});

describe('API inputs (#12): a typed EINVAL before any file is written', () => {
  test.each<[string, (sw: ReturnType<typeof parseSweep>, out: string) => Promise<unknown>, RegExp]>([
    ['runSweep without options', (sw) => runSweep(sw, undefined as never), /runSweep options must be an object, not undefined/],
    ['runSweep jobs 1.5', (sw, out) => runSweep(sw, { output: out, jobs: 1.5 }), /option jobs must be an integer in 1\.\.1024, not 1\.5/],
    ['runSweep an unknown option', (sw, out) => runSweep(sw, { output: out, job: 2 } as never), /runSweep options: unknown key "job"/],
    ['runSweep shard 3 of 3', (sw, out) => runSweep(sw, { output: out, shard: { index: 3, count: 3, from: '--shard' } }), /option shard\.index must be an integer in 0\.\.2, not 3/],
    ['runSweep a sweep that is not one', (_, out) => runSweep({} as never, { output: out }), /runSweep takes a sweep made by parseSweep or loadSweep/],
    ['runSweep signal "stop"', (sw, out) => runSweep(sw, { output: out, signal: 'stop' as never }), /option signal must be an AbortSignal, not "stop"/],
    ['runSweep onTiming 1', (sw, out) => runSweep(sw, { output: out, onTiming: 1 as never }), /option onTiming must be a function, not 1/],
  ])('%s', async (_, f, message) => {
    const out = tmp('api.jsonl');
    const sw = parseSweep(SWEEP);
    await expect(f(sw, out)).rejects.toThrow(message);
    expect(existsSync(out)).toBe(false);
  });

  test('parseSweep, pointScenario, applySets: bad arguments are typed errors', async () => {
    const { applySets, parseKey } = await import('../src/scenario/set.js');
    const sw = parseSweep(SWEEP);
    expect(() => parseSweep(SWEEP, { sets: 'seed=1' } as never)).toThrow(/settings are a list of \[key, value\] pairs, not "seed=1"/);
    expect(() => pointScenario(sw, { index: 1.5, coords: {}, seed: 1 })).toThrow(/point index must be an integer/);
    expect(() => applySets({}, [['seed']] as never)).toThrow(/setting 0 must be a \[key, value\] pair/);
    expect(parseKey(5 as never)).toBe('a key is a string, not 5');
  });
});
