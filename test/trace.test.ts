// Binary traces: the file layout (version 2 with its task table; version 1 still read),
// record → replay giving the direct run's observables (tasks, kills and the clock included),
// the bulk replayer agreeing with the per-call API, and corrupt or truncated files rejected
// with the offset and the reason before any state changes.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { EXAMPLES } from '../src/scenario/examples.js';
import { openTrace, replayTrace } from '../src/trace/replayer.js';
import { prepareSystem, recordTrace, runScenario, runTrace, systemOf } from '../src/scenario/runner.js';
import { parseScenario, type Scenario } from '../src/scenario/scenario.js';
import type { System } from '../src/api/system.js';
import { feedTrace, Handles, OP, OP_MOVE, OP_THP_FAULT, readTraceHeader, TraceError, validateTrace, type RecordSink, type TraceInfo } from '../src/trace/trace.js';
import { build, observables, tmp } from './helpers/scenario.js';

/** Run a scenario directly, and record + replay it on the same system: observables of each run. */
async function roundTrip(sc: Scenario): Promise<{ direct: Record<string, string>[]; replayed: Record<string, string>[] }> {
  const direct: Record<string, string>[] = [];
  const replayed: Record<string, string>[] = [];
  const a = await runScenario(sc, { build, onFinish: (s) => direct.push(observables(s)) });
  const file = tmp(`${sc.name}.bin`);
  await recordTrace(sc, file, build);
  const b = await runTrace(file, sc, { build, onFinish: (s) => replayed.push(observables(s)) });
  // Sampling counts records or reads the clock record by record, so the time series agree too;
  // so do the tasks (kills, throttling, ops skipped once killed).
  const series = (r: typeof a) => r.runs.map((x) => x.samples.map((s) => [s.ops, s.ms, s.values]));
  expect(series(b)).toEqual(series(a));
  expect(b.runs.map((r) => [r.ops, r.clockMs, r.tasks])).toEqual(a.runs.map((r) => [r.ops, r.clockMs, r.tasks]));
  return { direct, replayed };
}

const MIXED = {
  name: 'mixed',
  system: { profile: 'multi', topology: { nodes: 2, cpusPerNode: 2 }, seed: 3 },
  cgroups: { a: { 'memory.max': '6M' }, 'a/x': { 'memory.high': '2M' }, 'a/y': {}, b: { 'memory.low': '1M' } },
  tasks: { web: { cgroup: 'a/x', cpus: '0-1' }, db: { cgroup: 'a/y', cpus: [2, 3] } },
  workload: [
    { name: 'fill', steps: [{ faults: { task: 'web', size: '3M', tag: 'w' } }, { thp: { task: 'db', count: 2 } }, { stream: { cgroup: 'b', size: '2M', cpu: 3 } }] },
    { name: 'churn', repeat: 3, steps: [{ 'grow-then-free': { task: 'db', size: '512K', cpus: 'all' } }, { free: { folios: 'w', count: 100, every: 3 } }] },
    { name: 'limit', steps: [{ write: { file: 'a/memory.max', value: '4M' } }, { charge: { cgroup: 'a/y', count: 50, node: 1 } }, { free: { task: 'web', batch: false } }] },
    { name: 'thrash', steps: [{ thrash: { cgroups: 9, cpus: '0-3', charges: 2000, pick: 'random' } }, { free: { cgroup: 'b' } }] },
  ],
  sample: { every: 500, files: ['a/memory.current', 'a/memory.events'] },
};

/**
 * Tasks as processes: faults at a rate (waits), page cache and anon pages accessed (young bit,
 * mark_accessed, swap-in of pages reclaim swapped out), a task moved and moved back, memory.high
 * throttling, then an OOM kill of the biggest task, whose later faults, move, frees and touches
 * find it dead; sampled by simulated time.
 */
const TASKS = {
  name: 'tasks',
  system: { topology: { nodes: 1, cpusPerNode: 4 }, seed: 5, swap: '2M' },
  cgroups: { app: { 'memory.max': '4M', 'memory.high': '3M' }, 'app/a': {}, 'app/b': {}, c: {} },
  tasks: { big: { cgroup: 'app/a', cpus: '0-1' }, small: { cgroup: 'app/b', cpus: [2], oom_score_adj: 100 }, mover: { cgroup: 'c', cpus: [3] } },
  workload: [
    { name: 'fill', steps: [{ faults: { task: 'big', size: '1M', rate: 64, tag: 'heap' } }, { stream: { task: 'small', size: '1M', tag: 'cache' } }, { faults: { task: 'small', size: '512K' } }] },
    { name: 'use', repeat: 3, steps: [{ access: { folios: 'cache' } }, { access: { folios: 'heap', every: 4 } }, { wait: { ms: 5 } }] },
    { name: 'move', steps: [{ move: { task: 'mover', to: 'app/b' } }, { faults: { task: 'mover', size: '1M', tag: 'm' } }, { move: { task: 'mover', to: 'c' } }, { charge: { task: 'mover', count: 10, tag: 'm' } }] },
    { name: 'swap', steps: [{ faults: { task: 'small', size: '1M' } }, { access: { task: 'big' } }] },
    { name: 'oom', steps: [
      { faults: { task: 'big', size: '8M', rate: 100 } }, { free: { task: 'big' } }, { access: { folios: 'heap' } }, { faults: { task: 'big', size: '1M' } },
      { move: { task: 'big', to: 'c' } },
    ] },
    { name: 'after', steps: [{ free: { folios: 'm' } }, { free: { cgroup: 'c' } }, { write: { file: 'app/memory.max', value: '2M' } }] },
  ],
  sample: { everyMs: 50, files: ['app/memory.current', 'app/memory.events'] },
};

describe('record → replay gives the direct run\'s observables', () => {
  test.each([...EXAMPLES.map((e) => [e.name, e.scenario] as const), ['mixed', MIXED] as const, ['tasks', TASKS] as const])('%s', async (name, doc) => {
    const { direct, replayed } = await roundTrip(parseScenario(doc, name));
    expect(replayed).toEqual(direct);
  });

  test('tasks: the run has what it is meant to exercise', async () => {
    const res = await runScenario(parseScenario(TASKS), { build });
    const [run] = res.runs;
    const total = (k: 'touches' | 'dead' | 'lost') => run.phases.reduce((n, p) => n + p[k], 0);
    expect(total('touches')).toBeGreaterThan(0);
    expect(total('dead')).toBeGreaterThan(0);
    expect(total('lost')).toBeGreaterThan(0);
    expect(run.phases.find((p) => p.name === 'oom')!.failed).toEqual({ EINTR: 1 });
    expect(run.tasks.map((t) => [t.name, t.killed, t.cgroup])).toEqual([['big', true, 'app/a'], ['small', false, 'app/b'], ['mover', false, 'c']]);
    expect(run.tasks[0].throttledMs).toBeGreaterThan(0);
    // Waits are the workload's time: those of big's rate run after it is killed too.
    expect(run.clockMs).toBeCloseTo(run.tasks[0].throttledMs + 256 / 64 + 3 * 5 + 2048 / 100, 9);
    // The samples are 50 ms apart, from 0 to the end.
    expect(run.samples.slice(0, -1).map((s) => s.ms)).toEqual(Array.from({ length: run.samples.length - 1 }, (_, i) => 50 * i));
    expect(run.samples.at(-1)!.ms).toBe(run.clockMs);
  });

  test('cgroup v1 with limit writes refused (EBUSY) and failing charges', async () => {
    const sc = parseScenario({
      name: 'v1', system: { cgroupVersion: 1, topology: { nodes: 1, cpusPerNode: 2 } },
      cgroups: { a: { 'memory.limit_in_bytes': '1M' } },
      workload: [{ steps: [
        { charge: { cgroup: 'a', count: 300, tag: 'x' } }, { write: { file: 'a/memory.limit_in_bytes', value: '512K' } },
        { free: { folios: 'x', count: 200 } }, { write: { file: 'a/memory.limit_in_bytes', value: '512K' } }, { charge: { cgroup: 'a', count: 300, cpu: 1 } },
      ] }],
    });
    const { direct, replayed } = await roundTrip(sc);
    expect(replayed).toEqual(direct);
    expect(direct[0]['a/memory.failcnt']).not.toBe('0\n');
  });

  test('a trace of file writes other than limits cannot be recorded', async () => {
    const sc = parseScenario({ cgroups: { a: {} }, workload: [{ steps: [{ write: { file: 'a/memory.oom.group', value: 1 } }] }] });
    await expect(recordTrace(sc, tmp('x.bin'), build)).rejects.toThrow(/workload\[0\]\.steps\[0\]\.write: a write of memory.oom.group cannot be recorded/);
  });
});

/**
 * The per-call reference: decode records and run them through System.spawn / charge /
 * uncharge / touch / wait / moveTask / writeLimit one by one. A folio the kernel freed
 * (reclaimed page cache, an OOM victim's) is not uncharged or touched: a charge given its id
 * shows a handle naming it is gone, System.folio tells if it is still charged (or in swap).
 */
function perCall(sys: System, info: TraceInfo): RecordSink {
  const { paths } = info;
  const tasks = info.tasks.map((t) => sys.spawn(paths[t.cgroup], { oomScoreAdj: t.oomScoreAdj }));
  const folios: number[] = []; // handle → folio id, -1 = none (the charge failed or the kernel freed it)
  const owner = new Map<number, number>(); // folio id → handle
  const handles = new Handles();
  let list: number[] = [];
  const file = ['', '', '', '', 'memory.max', 'memory.high', 'memory.low', 'memory.min'];
  const held = (f: number) => f >= 0 && (sys.folio(f) !== null || (sys.fn('folio_get_flags')(f) & sys.k('PG_SWAPPED')) !== 0);
  const quiet = (f: () => void) => {
    try {
      f();
    } catch {
      // a failed touch, a refused write, a move of a killed task: as the replayer, go on
    }
  };
  return {
    op(code, a, kind, node, cpu, task, id, arg) {
      if (code === OP.WAIT) return sys.wait(arg / 1000);
      if (code === OP_MOVE) return quiet(() => sys.moveTask(tasks[task - 1], paths[id]));
      if (code === OP.TOUCH) return quiet(() => held(folios[id]) && sys.touch(folios[id], { cpu, gfp: 'GFP_KERNEL' }));
      if (code === OP.CHARGE) {
        const h = handles.alloc();
        expect(arg).toBe(sys.k('GFP_KERNEL'));
        const who = task ? { task: tasks[task - 1] } : { cgroup: paths[id] };
        try {
          const f = a & OP_THP_FAULT ? sys.thpFault(tasks[task - 1], cpu) // a thp step's fault (thp_fault.ts)
            : sys.charge({ ...who, cpu, order: a, kind: kind ? 'file' : 'anon', node: node ? node - 1 : undefined });
          const old = owner.get(f);
          if (old !== undefined && folios[old] === f) folios[old] = -1;
          owner.set(f, h);
          folios[h] = f;
        } catch {
          folios[h] = -1;
        }
        return;
      }
      if (code === OP.UNCHARGE || code === OP.UNCHARGE_LIST) {
        handles.release(id);
        const f = folios[id];
        if (held(f)) list.push(f);
        folios[id] = -1;
        if (code === OP.UNCHARGE ? list.length : a === 1 && list.length) sys.uncharge(code === OP.UNCHARGE ? list[0] : list, cpu);
        if (code === OP.UNCHARGE || a === 1) list = [];
        return;
      }
      quiet(() => sys.writeLimit(paths[id], file[code], arg === 0xffffffff ? 'max' : arg * 4096, cpu));
    },
  };
}

const RECLAIM = {
  name: 'reclaim',
  system: { topology: { nodes: 1, cpusPerNode: 2 }, swap: '1M' },
  cgroups: { c: { 'memory.max': '2M' }, d: {}, s: { 'memory.max': '512K' } },
  workload: [
    // Anon over memory.max goes to swap (1M): the uncharge of a folio in swap frees its entry.
    { name: 'swap', steps: [{ charge: { cgroup: 's', count: 200, tag: 'sw' } }, { free: { folios: 'sw', every: 3 } }, { free: { folios: 'sw', batch: false } }] },
    { name: 'cache over the limit', repeat: 3, steps: [
      { stream: { cgroup: 'c', size: '3M', tag: 'f' } }, { charge: { cgroup: 'c', count: 20, tag: 'a' } }, { free: { folios: 'f', every: 2 } },
      { stream: { cgroup: 'd', size: '1M', cpu: 1, tag: 'g' } },
    ] },
    { name: 'shrink', steps: [{ write: { file: 'd/memory.max', value: '512K' } }, { free: { folios: 'g' } }, { free: { folios: 'a', batch: false } }, { free: { cgroup: 'c' } }] },
    // The oldest cache (e) is reclaimed while b streams in; its folio ids go to b and to d's
    // charges, in the same chunk as the uncharges of e.
    { name: 'reuse', steps: [
      { stream: { cgroup: 'c', pages: 100, tag: 'e' } }, { stream: { cgroup: 'c', size: '2M', tag: 'b' } },
      { charge: { cgroup: 'd', count: 64 } }, { free: { folios: 'e' } }, { free: { folios: 'b' } },
    ] },
  ],
};

test('page cache the kernel reclaims is not uncharged again: uncharges of it count as lost', async () => {
  const { direct, replayed } = await roundTrip(parseScenario(RECLAIM));
  expect(replayed).toEqual(direct);
  const res = await runScenario(parseScenario(RECLAIM), { build });
  const [swap, cache, shrink] = res.runs[0].phases;
  expect([swap.uncharged, swap.lost, swap.failed]).toEqual([200, 0, {}]);
  expect(cache.lost).toBeGreaterThan(0);
  expect(shrink.lost).toBeGreaterThan(0);
  // Every charge but the 64 of d in the last phase is freed by the workload or by the kernel.
  expect(res.runs[0].phases.reduce((n, p) => n + p.uncharged + p.lost + p.skipped, 0)).toBe(res.runs[0].phases.reduce((n, p) => n + p.charges, 0) - 64);
});

test('the bulk replayer (chunks cut where an uncharge needs a charge of the same chunk) agrees with the per-call API', async () => {
  const sc = parseScenario({
    ...MIXED, sample: undefined, system: { ...MIXED.system, swap: '1M' },
    cgroups: { ...MIXED.cgroups, ...RECLAIM.cgroups, ...TASKS.cgroups },
    tasks: { ...MIXED.tasks, ...TASKS.tasks },
    workload: [...MIXED.workload, { name: 'small frees', repeat: 2000, steps: [{ 'grow-then-free': { task: 'web', pages: 3 } }] }, ...RECLAIM.workload, ...TASKS.workload],
  });
  const file = tmp('diff.bin');
  await recordTrace(sc, file, build);
  const bulk = await prepareSystem(sc, sc.system, build);
  replayTrace(bulk, file);
  const calls = await prepareSystem(sc, sc.system, build);
  const info = openTrace(calls, file);
  feedTrace(file, info, perCall(calls, info));
  expect(observables(bulk)).toEqual(observables(calls));
  expect(JSON.parse(observables(bulk)['task 2'])).toMatchObject({ killed: true }); // TASKS' big (after MIXED's web and db)
});

test('trace folio handles follow the core\'s folio_alloc rule (most recently freed first)', async () => {
  // the allocator's rule alone: with the lru_add batch a freed id returns only at its drain
  const sys = await systemOf({ topology: { nodes: 1, cpusPerNode: 1 }, lruAddBatch: false }, build);
  sys.mkdir('a');
  const h = new Handles();
  const live: number[] = [];
  let x = 12345;
  for (let i = 0; i < 2000; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    if (live.length && x % 3 === 0) {
      const id = live.splice(x % live.length, 1)[0];
      sys.uncharge(id);
      expect(h.release(id)).toBe(true);
    } else {
      const id = sys.charge({ cgroup: 'a', cpu: 0 });
      expect(h.alloc()).toBe(id);
      live.push(id);
    }
  }
});

test('a long trace streams through in chunks; record count and the header layout', async () => {
  const sc = parseScenario({ cgroups: { 'a/b': {} }, workload: [{ steps: [{ 'grow-then-free': { cgroup: 'a/b', pages: 100000, repeat: 2 } }] }] });
  const file = tmp('long.bin');
  const r = await recordTrace(sc, file, build);
  expect(r).toEqual({ records: 400000, bytes: 48 + 400000 * 16, cgroups: 3, tasks: 0 });
  const head = readFileSync(file).subarray(0, 48);
  expect(head.toString('latin1', 0, 8)).toBe('MEMCGTR\0');
  expect([head.readUInt16LE(8), head.readUInt16LE(10), head.readUInt32LE(12), Number(head.readBigUInt64LE(16)), head.readUInt32LE(24), head.readUInt32LE(28)])
    .toEqual([2, 16, 48, 400000, 3, 0]);
  expect(readTraceHeader(file).paths).toEqual(['', 'a', 'a/b']);
  const sys = await systemOf({}, build);
  const { counters } = replayTrace(sys, file);
  expect(counters).toMatchObject({ ops: 400000, charges: 200000, uncharged: 200000, skipped: 0 });
  // lru_add batch of 31 (6.16+), no drain on the unmap path: the first growth leaves
  // 100000 % 31 = 25 folios in it, held after their free; the second's 6th charge fills it
  // (the 25 are freed), and its last (100000 - 6) % 31 = 19 are held when it ends.
  expect(sys.counter('a/b').usage).toBe(sys.stockPages('a/b') + 19);
});

test('replayed on a smaller system (what-if), failed charges make their uncharges skipped', async () => {
  const doc = { cgroups: { a: { 'memory.max': '64M' } }, workload: [{ steps: [{ 'grow-then-free': { cgroup: 'a', size: '32M', repeat: 2 } }, { charge: { cgroup: 'a', count: 10 } }] }] };
  const file = tmp('whatif.bin');
  await recordTrace(parseScenario(doc), file, build);
  const small = parseScenario({ ...doc, cgroups: { a: { 'memory.max': '8M' } } });
  const res = await runTrace(file, small, { build });
  const p = res.runs[0].phases[0];
  // 8M = 2048 pages: each growth to 32M charges 2048 folios, 6144 charges fail.
  expect(p.failed).toEqual({ ENOMEM: 2 * 6144 });
  expect([p.uncharged, p.skipped]).toEqual([2 * 2048, 2 * 6144]);
  const [a] = res.runs[0].cgroups;
  // the lru_add batch (31, no drain on unmap from 6.16; reclaim scans no list without swap, so
  // no drain): 2048 % 31 = 2 held after the first free; the second growth's 29th charge fills
  // the batch, its last (2048 - 29) % 31 = 4 are held after the free; the 10 wait beside them.
  expect(a.usagePages - a.stockedPages).toBe(10 + 4);
});

type Edit = (b: Buffer) => Buffer;
const set = (off: number, v: number, size: 1 | 2 | 4 = 1): Edit => (b) => {
  if (size === 1) b.writeUInt8(v, off);
  else if (size === 2) b.writeUInt16LE(v, off);
  else b.writeUInt32LE(v, off);
  return b;
};

/** Record sc, edit the file, replay it: a TraceError at offset with the reason, and the system unchanged. */
async function rejected(sc: Scenario, edit: Edit, offset: number, reason: RegExp): Promise<void> {
  const good = tmp('good.bin');
  await recordTrace(sc, good, build);
  const bad = tmp('bad.bin');
  writeFileSync(bad, edit(Buffer.from(readFileSync(good))));
  const sys = await systemOf(sc.system, build);
  sys.mkdir('z', { 'memory.max': '1M' });
  for (let i = 0; i < 70; i++) sys.charge({ cgroup: 'z', cpu: i % 2 });
  sys.flushStats('', { force: true }); // reading observables flushes; start flushed
  const before = observables(sys);
  let err: unknown;
  try {
    replayTrace(sys, bad);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TraceError);
  const te = err as TraceError;
  expect(te.message).toMatch(reason);
  expect(te.offset).toBe(offset);
  expect(te.message).toContain(`offset ${offset}: `);
  expect(sys.list()).toEqual(['', 'z']);
  expect(observables(sys)).toEqual(before);
  expect(() => validateTrace(good, { cpus: 2, nodes: 1, gfpBits: -1 })).not.toThrow();
}

describe('a corrupt or truncated trace is rejected with the offset and the reason, state unchanged', () => {
  // Records: 0-2 CHARGE a/b, 3 SET_MAX a, 4-6 UNCHARGE_LIST (a = 0, 0, 1), 7 CHARGE a, 8 UNCHARGE.
  // Paths '', 'a', 'a/b' at offsets 32, 34, 37; no tasks; header_size 48; record i at 48 + 16 i.
  const base = parseScenario({
    system: { topology: { nodes: 1, cpusPerNode: 2 } },
    cgroups: { a: { 'memory.max': '1M' }, 'a/b': {} },
    workload: [{ steps: [
      { charge: { cgroup: 'a/b', count: 3, tag: 'x' } }, { write: { file: 'a/memory.max', value: '2M' } }, { free: { folios: 'x' } },
      { charge: { cgroup: 'a', tag: 'y' } }, { free: { folios: 'y', batch: false } },
    ] }],
  });
  const rec = (i: number, field = 0) => 48 + 16 * i + field;
  const cases: [string, Edit, number, RegExp][] = [
    ['bad magic', set(0, 0x58), 0, /bad magic/],
    ['unknown version', set(8, 3, 2), 8, /unsupported version 3 \(this build reads versions 1 and 2\)/],
    ['record size', set(10, 32, 2), 10, /record size 32, expected 16/],
    ['header size', set(12, 40, 4), 12, /header size 40 is not a multiple of 16/],
    ['truncated header', (b) => b.subarray(0, 20), 20, /truncated header: the file has 20 bytes/],
    ['truncated records', (b) => b.subarray(0, b.length - 5), rec(8), /truncated: record_count is 9, the file holds 8 whole records/],
    ['record count too large', set(16, 10, 4), rec(9), /truncated: record_count is 10/],
    ['trailing bytes', (b) => Buffer.concat([b, Buffer.alloc(3)]), rec(9), /3 bytes after the last of 9 records/],
    ['path entry past the header', set(37, 200, 2), 37, /path table: entry 2 \(200 bytes\) runs past header_size 48/],
    ['path not UTF-8', set(36, 0xff), 36, /path table: entry 1 is not UTF-8/],
    ['path not normalised', set(39, 0x2f), 39, /path table: "\/\/b" is not a normalised cgroup path/],
    ['path before its parent', set(36, 0x63), 39, /path table: "a\/b" comes before its parent "a"/],
    ['unknown op code', set(rec(0), 12), rec(0), /record 0: unknown op code 12/],
    ['cpu out of range', set(rec(0, 4), 5, 2), rec(0, 4), /record 0: cpu 5 out of range 0..1/],
    ['task field without a task table', set(rec(0, 6), 1, 2), rec(0, 6), /record 0: task 0 is outside the task table \(0 tasks\)/],
    ['folio order', set(rec(0, 1), 10), rec(0, 1), /record 0: folio order 10 out of range 0..9/],
    ['folio kind', set(rec(0, 2), 2), rec(0, 2), /record 0: folio kind 2 is neither anon/],
    ['node out of range', set(rec(0, 3), 3), rec(0, 3), /record 0: node 2 out of range 0..0/],
    ['cgroup index outside the path table', set(rec(0, 8), 7, 4), rec(0, 8), /record 0: cgroup index 7 is outside the path table \(3 paths\)/],
    ['unknown gfp bits', set(rec(0, 12), 0x80000000, 4), rec(0, 12), /record 0: gfp mask 0x80000000 has unknown bits/],
    ['limit write counter', set(rec(3, 1), 2), rec(3, 1), /record 3: counter 2 is neither memory/],
    ['uncharge of a handle never charged', set(rec(4, 8), 9, 4), rec(4, 8), /record 4: folio handle 9 is not charged/],
    ['uncharge of a handle already freed', set(rec(8, 8), 0, 4), rec(8, 8), /record 8: folio handle 0 is not charged/],
    ['another op inside an uncharge list', set(rec(6, 1), 0), rec(7), /record 7: charge inside the uncharge list begun at offset 112/],
    ['the trace ends inside an uncharge list', (b) => set(rec(8, 1), 0)(set(rec(8), OP.UNCHARGE_LIST)(b)), rec(8), /the trace ends inside the uncharge list begun here/],
  ];
  test.each(cases)('%s', (_, edit, offset, reason) => rejected(base, edit, offset, reason));
});

describe('a corrupt task table or task record is rejected with the offset and the reason', () => {
  // Paths '', 'a', 'a/b' at 32, 34, 37 (to 42); tasks t (a/b, oom_score_adj -5) at 42: cgroup 42,
  // adj 46, len 48, name 50; u (a) at 51: cgroup 51, adj 55, len 57, name 59; header_size 64.
  // Records: 0 CHARGE by t, 1 TOUCH, 2 WAIT, 3 MOVE u → a/b, 4 UNCHARGE.
  const withTasks = parseScenario({
    system: { topology: { nodes: 1, cpusPerNode: 2 } },
    cgroups: { a: {}, 'a/b': {} },
    tasks: { t: { cgroup: 'a/b', cpus: [1], oom_score_adj: -5 }, u: { cgroup: 'a' } },
    workload: [{ steps: [
      { charge: { task: 't', tag: 'x' } }, { access: { folios: 'x' } }, { wait: { ms: 1 } }, { move: { task: 'u', to: 'a/b' } }, { free: { folios: 'x', batch: false } },
    ] }],
  });
  const rec = (i: number, field = 0) => 64 + 16 * i + field;

  test('the layout', async () => {
    const f = tmp('tasks.bin');
    await recordTrace(withTasks, f, build);
    const h = readTraceHeader(f);
    expect([h.version, h.headerSize, h.records]).toEqual([2, 64, 5]);
    expect(h.tasks).toEqual([{ name: 't', cgroup: 2, oomScoreAdj: -5 }, { name: 'u', cgroup: 1, oomScoreAdj: 0 }]);
    const b = readFileSync(f);
    expect([b.readUInt32LE(28), b.readUInt32LE(42), b.readInt16LE(46), b.readUInt16LE(48), b.toString('utf8', 50, 51)]).toEqual([2, 2, -5, 1, 't']);
    expect(validateTrace(f, { cpus: 2, nodes: 1, gfpBits: -1 }).ops).toMatchObject({ charge: 1, touch: 1, wait: 1, move: 1, uncharge: 1 });
    expect([b[rec(0)], b.readUInt16LE(rec(0, 6)), b.readUInt32LE(rec(0, 8))]).toEqual([OP.CHARGE, 1, 0]); // task t + 1, no cgroup
    expect([b[rec(2)], b.readUInt32LE(rec(2, 12))]).toEqual([OP.WAIT, 1000]);
    expect([b[rec(3)], b.readUInt16LE(rec(3, 6)), b.readUInt32LE(rec(3, 8))]).toEqual([OP_MOVE, 2, 2]);
  });

  const cases: [string, Edit, number, RegExp][] = [
    ['task count above the u16 task field', set(28, 70000, 4), 28, /task count 70000 is above 65534/],
    ['task entry past the header', set(57, 200, 2), 51, /task table: entry 1 \(200 bytes\) runs past header_size 64/],
    ['task count past the header', set(28, 3, 4), 60, /task table: entry 2 of 3 runs past header_size 64/],
    ['task name not UTF-8', set(50, 0xff), 50, /task table: entry 0 is not UTF-8/],
    ['task without a name', set(48, 0, 2), 48, /task table: entry 0 has no name/],
    ['task name twice', set(59, 0x74), 59, /task table: "t" appears twice/],
    ['task cgroup outside the path table', set(42, 3, 4), 42, /task table: task "t": cgroup index 3 is outside the path table \(3 paths\)/],
    ['oom_score_adj out of range', set(55, 1001, 2), 55, /task table: task "u": oom_score_adj 1001 out of range -1000..1000/],
    ['record task outside the task table', set(rec(0, 6), 3, 2), rec(0, 6), /record 0: task 2 is outside the task table \(2 tasks\)/],
    ['a task\'s charge naming a cgroup', set(rec(0, 8), 1, 4), rec(0, 8), /record 0: a charge by task 0 names no cgroup \(id is 1, not 0\)/],
    ['touch of a handle never charged', set(rec(1, 8), 5, 4), rec(1, 8), /record 1: folio handle 5 is not charged/],
    ['touch with a task', set(rec(1, 6), 1, 2), rec(1, 6), /record 1: touch: the task field is 1, not 0/],
    ['uncharge with a task', set(rec(4, 6), 2, 2), rec(4, 6), /record 4: uncharge: the task field is 2, not 0/],
    ['wait on a cpu', set(rec(2, 4), 1, 2), rec(2, 4), /record 2: wait: cpu is 1, not 0/],
    ['move without a task', set(rec(3, 6), 0, 2), rec(3, 6), /record 3: a move names a task \(the task field is 0\)/],
    ['move to a cgroup outside the path table', set(rec(3, 8), 9, 4), rec(3, 8), /record 3: cgroup index 9 is outside the path table/],
    ['version 1: no task field', set(8, 1, 2), rec(0, 6), /record 0: the task field is not 0 \(version 1 traces have no tasks\)/],
    ['version 1: no touch', (b) => set(rec(0, 6), 0, 2)(set(8, 1, 2)(b)), rec(1), /record 1: unknown op code 8 \(touch is a version 2 op\)/],
  ];
  test.each(cases)('%s', (_, edit, offset, reason) => rejected(withTasks, edit, offset, reason));
});

test('version 1 traces still replay: a version 2 file without tasks, touches, waits or moves is one with version 1', async () => {
  const sc = parseScenario({ ...MIXED, tasks: {}, workload: MIXED.workload.map((ph) => ({ ...ph, steps: ph.steps.map((s) => JSON.parse(JSON.stringify(s).replace(/"task":"(web|db)"/, '"cgroup":"a/x"'))) })) });
  const v2 = tmp('v2.bin');
  await recordTrace(sc, v2, build);
  const v1 = tmp('v1.bin');
  const b = readFileSync(v2);
  b.writeUInt16LE(1, 8);
  writeFileSync(v1, b);
  expect(readTraceHeader(v1)).toMatchObject({ version: 1, tasks: [] });
  const [a, c] = [await systemOf(sc.system, build), await systemOf(sc.system, build)];
  const ra = replayTrace(a, v1);
  const rc = replayTrace(c, v2);
  expect(ra.counters).toEqual(rc.counters);
  expect(ra.counters.charges).toBeGreaterThan(0);
  expect(observables(a)).toEqual(observables(c));
});
