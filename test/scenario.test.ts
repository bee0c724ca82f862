// Scenario files: validation (every mistake named by its JSON path, all at once), what the
// steps and generators charge and free, tasks as processes (OOM kills, moves, throttling),
// access, simulated time, expectations, sampling, variants.
import { describe, expect, test } from 'vitest';
import { EXAMPLES, exampleScenario } from '../src/scenario/examples.js';
import { prepareSystem, runScenario } from '../src/scenario/runner.js';
import { parseScenario } from '../src/scenario/scenario.js';
import { toCsv } from '../src/report/summary.js';
import { build, issuesOf, run } from './helpers/scenario.js';

// kmem: false — the expected values below were derived for nokmem.
const SYS = { profile: 'multi', topology: { nodes: 1, cpusPerNode: 4 }, seed: 1, kmem: false };
// the OOM, free-batch and skip counts below were derived with freed folios uncharged at once (no lru_add batch)
const NO_BATCH = { ...SYS, lruAddBatch: false };
/** A valid scenario with one cgroup "a", a task "t" on CPUs 0-1, and the given steps. */
const doc = (steps: unknown[], extra: Record<string, unknown> = {}) => ({
  system: SYS, cgroups: { a: { 'memory.max': '1M' } }, tasks: { t: { cgroup: 'a', cpus: '0-1' } }, workload: [{ steps }], ...extra,
});
const issues = (d: unknown) => issuesOf(() => parseScenario(d));

describe('validation: one case per kind of mistake, the JSON path in the message', () => {
  test.each<[string, unknown, string]>([
    ['not an object', [], ': expected an object, got an array'],
    ['unknown top-level key', { workloads: [] }, 'workloads: unknown key'],
    ['unknown system key', { system: { sed: 1 } }, 'system.sed: unknown key'],
    ['unknown profile', { system: { profile: '7.0' } }, 'system.profile: unknown profile "7.0"'],
    ['topology not an integer', { system: { topology: { nodes: 1.5 } } }, 'system.topology.nodes: expected an integer, got 1.5'],
    ['size with a bad suffix', { system: { ram: '1Q' } }, 'system.ram: invalid size "1Q"'],
    ['cgroups not an object', { cgroups: ['a'] }, 'cgroups: expected an object, got an array'],
    ['limit value memparse rejects', { cgroups: { a: { 'memory.max': '12x' } } }, 'cgroups.a["memory.max"]: invalid value for memory.max: "12x"'],
    ['setting not a string', { cgroups: { a: { 'memory.max': true } } }, 'cgroups.a["memory.max"]: a setting is a string or a number'],
    ['cgroup named like a file', { cgroups: { 'a/memory.x': {} } }, 'cgroups["a/memory.x"]: invalid cgroup name "memory.x"'],
    ['settings on the root', { cgroups: { '/': { 'memory.max': '1M' } } }, 'cgroups["/"]: the root cgroup takes no settings'],
    ['task in an undeclared cgroup', { tasks: { t: { cgroup: 'b' } } }, 'tasks.t.cgroup: no cgroup "b" in cgroups'],
    ['task without a cgroup', { tasks: { t: {} } }, 'tasks.t.cgroup: missing'],
    ['task CPU list out of range', { cgroups: { a: {} }, tasks: { t: { cgroup: 'a', cpus: '2-5' } } }, 'tasks.t.cpus: cpu 4 out of range 0..3'],
    ['task CPU list malformed', { cgroups: { a: {} }, tasks: { t: { cgroup: 'a', cpus: '0-' } } }, 'tasks.t.cpus: invalid CPU list "0-"'],
    ['workload not an array', { workload: {} }, 'workload: expected an array, got an object'],
    ['phase without steps', { workload: [{ name: 'x' }] }, 'workload[0].steps: missing'],
    ['phase repeat 0', { workload: [{ repeat: 0, steps: [] }] }, 'workload[0].repeat: 0 is below the minimum 1'],
    ['step with two keys', doc([{ charge: { cgroup: 'a' }, free: {} }]), 'workload[0].steps[0]: a step is an object with one key'],
    ['unknown step', doc([{ malloc: {} }]), 'workload[0].steps[0].malloc: unknown step'],
    ['unknown step key', doc([{ charge: { cgroup: 'a', cpus: [0] } }]), 'workload[0].steps[0].charge.cpus: unknown key'],
    ['CPU out of range', doc([{ charge: { cgroup: 'a', cpu: 9 } }]), 'workload[0].steps[0].charge.cpu: cpu 9 out of range 0..3'],
    ['CPU the task does not run on', doc([{ fault: { task: 't', cpu: 3 } }]), 'workload[0].steps[0].fault.cpu: task t does not run on cpu 3'],
    ['node out of range', doc([{ charge: { cgroup: 'a', node: 1 } }]), 'workload[0].steps[0].charge.node: node 1 out of range 0..0'],
    ['neither task nor cgroup', doc([{ charge: { count: 2 } }]), 'workload[0].steps[0].charge: needs one of: task, cgroup'],
    ['both task and cgroup', doc([{ charge: { task: 't', cgroup: 'a' } }]), 'workload[0].steps[0].charge: task and cgroup exclude each other'],
    ['unknown task', doc([{ charge: { task: 'db' } }]), 'workload[0].steps[0].charge.task: no task "db" in tasks'],
    ['undeclared cgroup', doc([{ charge: { cgroup: 'b' } }]), 'workload[0].steps[0].charge.cgroup: no cgroup "b" in cgroups'],
    ['order above HPAGE_PMD_ORDER', doc([{ charge: { cgroup: 'a', order: 10 } }]), 'workload[0].steps[0].charge.order: 10 is above the maximum 9'],
    ['folio kind', doc([{ charge: { cgroup: 'a', kind: 'slab' } }]), 'workload[0].steps[0].charge.kind: expected one of "anon", "file", got "slab"'],
    ['sockets server not declared', doc([{ sockets: { cgroups: ['a'], cpus: '0-1', packets: 1, server: 'srv' } }]), 'workload[0].steps[0].sockets.server: no cgroup "srv" in cgroups'],
    ['sockets arrival order', doc([{ sockets: { cgroups: ['a'], cpus: '0-1', packets: 1, arrival: 'fifo' } }]), 'workload[0].steps[0].sockets.arrival: expected one of "round-robin", "shuffle", got "fifo"'],
    ['unknown gfp flag', doc([{ charge: { cgroup: 'a', gfp: 'GFP_KERNEL|__GFP_X' } }]), 'workload[0].steps[0].charge.gfp: unknown gfp flag "__GFP_X"'],
    ['size not whole pages', doc([{ faults: { task: 't', size: 1000 } }]), 'workload[0].steps[0].faults.size: 1000 is not a whole number of 4096-byte pages'],
    ['pages not whole folios', doc([{ faults: { task: 't', pages: 102, order: 2 } }]), 'workload[0].steps[0].faults.pages: 102 pages is not a whole number of order-2 folios'],
    ['pages and size', doc([{ stream: { cgroup: 'a', pages: 1, size: '4K' } }]), 'workload[0].steps[0].stream: pages and size exclude each other'],
    ['required key missing', doc([{ thrash: { cgroups: 3, cpu: 0 } }]), 'workload[0].steps[0].thrash.charges: missing'],
    ['empty cgroup list', doc([{ thrash: { cgroups: [], cpu: 0, charges: 1 } }]), 'workload[0].steps[0].thrash.cgroups: the cgroup list is empty'],
    ['free of a tag nothing charges', doc([{ free: { folios: 'x' } }]), 'workload[0].steps[0].free.folios: no charge step or generator has tag "x"'],
    ['write to a file outside the tree', doc([{ write: { file: 'b/memory.max', value: 1 } }]), 'workload[0].steps[0].write.file: no cgroup "b" in cgroups'],
    ['write a bad limit', doc([{ write: { file: 'a/memory.high', value: '1Z' } }]), 'workload[0].steps[0].write.value: invalid value for memory.high: "1Z"'],
    ['read of a non-file', doc([{ read: 'a/current' }]), 'workload[0].steps[0].read: "a/current" does not name an interface file'],
    ['expectation without a check', doc([{ expect: { read: 'a/memory.current' } }]), 'workload[0].steps[0].expect: needs a check'],
    ['expectation with a bad regex', { expect: [{ read: 'memory.stat', matches: '(' }] }, 'expect[0].matches: Invalid regular expression'],
    ['expectation key without read', { expect: [{ sim: 'charges', key: 'x', equals: 1 }] }, 'expect[0].key: key picks a line of a file or a field of a task: use it with read or task'],
    ['task expectation without key', doc([], { expect: [{ task: 't', equals: 1 }] }), 'expect[0].key: missing: a task expectation reads one of alive, killed, anonPages,'],
    ['task expectation of an unknown field', doc([], { expect: [{ task: 't', key: 'rss', equals: 1 }] }), 'expect[0].key: a task has no "rss" (known: alive, killed,'],
    ['task expectation of an unknown task', doc([], { expect: [{ task: 'x', key: 'killed', equals: true }] }), 'expect[0].task: no task "x" in tasks'],
    ['oom_score_adj out of range', { cgroups: { a: {} }, tasks: { t: { cgroup: 'a', oom_score_adj: 1001 } } }, 'tasks.t.oom_score_adj: 1001 is above the maximum 1000'],
    ['swap-out is no step', doc([{ 'swap-out': { task: 't' } }]), 'workload[0].steps[0]["swap-out"]: no such step: the kernel swaps pages out only by reclaim; to swap out a cgroup\'s coldest anon pages, write its memory.reclaim'],
    ['swap-in is no step', doc([{ 'swap-in': { cgroup: 'a' } }]), 'workload[0].steps[0]["swap-in"]: no such step: a task swaps a page in by touching it; use access'],
    ['move of an unknown task', doc([{ move: { task: 'x', to: 'a' } }]), 'workload[0].steps[0].move.task: no task "x" in tasks'],
    ['move to an undeclared cgroup', doc([{ move: { task: 't', to: 'b' } }]), 'workload[0].steps[0].move.to: no cgroup "b" in cgroups'],
    ['wait without ms', doc([{ wait: {} }]), 'workload[0].steps[0].wait.ms: missing'],
    ['negative wait', doc([{ wait: { ms: -1 } }]), 'workload[0].steps[0].wait.ms: -1 is below the minimum 0'],
    ['wait finer than a microsecond', doc([{ wait: { ms: 0.0001 } }]), 'workload[0].steps[0].wait.ms: 0.0001 ms is not a whole number of microseconds'],
    ['fault rate of 0', doc([{ faults: { task: 't', pages: 4, rate: 0 } }]), 'workload[0].steps[0].faults.rate: 0 is not above 0'],
    ['access of a tag nothing charges', doc([{ access: { folios: 'y' } }]), 'workload[0].steps[0].access.folios: no charge step or generator has tag "y"'],
    ['access with a bad gfp', doc([{ access: { task: 't', gfp: 'GFP_X' } }]), 'workload[0].steps[0].access.gfp: unknown gfp flag "GFP_X"'],
    ['expectation for an unknown variant', { expect: [{ sim: 'charges', equals: 1, variant: 'x' }] }, 'expect[0].variant: no variant "x"'],
    ['variant changes the cgroup version', { variants: { v1: { cgroupVersion: 1 } } }, 'variants: variants cannot change cgroupVersion'],
    ['variant with an unknown key', { variants: { x: { profil: 'single' } } }, 'variants.x.profil: unknown key'],
    ['sample without every', { sample: { files: [] } }, 'sample: needs one of: every, everyMs'],
    ['sample every N ops and ms', { sample: { every: 1, everyMs: 1, files: [] } }, 'sample: every and everyMs exclude each other'],
    ['sample every 1.5 ops', { sample: { every: 1.5, files: [] } }, 'sample.every: expected an integer, got 1.5'],
    ['sample of an undeclared cgroup', { sample: { every: 1, files: ['b/memory.current'] } }, 'sample.files[0]: no cgroup "b" in cgroups'],
    ['CPU beyond a variant\'s machine', { ...doc([{ charge: { cgroup: 'a', cpu: 3 } }]), variants: { small: { topology: { nodes: 1, cpusPerNode: 2 } } } }, 'workload[0].steps[0].charge.cpu: cpu 3 out of range 0..1'],
  ])('%s', async (_, d, message) => {
    const got = await issues(d);
    expect(got.some((i) => i.startsWith(message)), `${message}\nnot in:\n${got.join('\n')}`).toBe(true);
  });

  test('every mistake of a document is reported at once', async () => {
    const got = await issues({
      system: { profile: 'x', seed: -1 },
      cgroups: { a: { 'memory.max': 'big' } },
      workload: [{ steps: [{ charge: { cgroup: 'b' } }, { faults: { cgroup: 'a', pages: 0 } }, { nope: 1 }] }],
      expect: [{ read: 'a/memory.current' }],
    });
    expect(got.map((i) => i.split(':')[0])).toEqual([
      'system.profile', 'system.seed', 'cgroups.a["memory.max"]', 'workload[0].steps[0].charge.cgroup',
      'workload[0].steps[1].faults.pages', 'workload[0].steps[2].nope', 'expect[0]',
    ]);
  });

  test('checks that need the system (files, kernel-refused settings, statistics) come before the workload, with paths', async () => {
    const d = {
      system: { cgroupVersion: 1, topology: { nodes: 1, cpusPerNode: 1 } },
      // memsw.limit below limit_in_bytes: the kernel's EINVAL (memcg1 mem_cgroup_resize_max)
      cgroups: { a: { 'memory.limit_in_bytes': '8M', 'memory.memsw.limit_in_bytes': '4M' }, b: {} },
      workload: [{ steps: [{ read: 'b/memory.current' }, { write: { file: 'b/memory.limit_in_bytes', value: '20T' } }] }],
      expect: [{ sim: 'stockHit', equals: 1 }],
    };
    const sc = parseScenario(d);
    expect(await issuesOf(() => prepareSystem(sc, sc.system, build))).toEqual([
      'cgroups.a["memory.memsw.limit_in_bytes"]: EINVAL: write memory.memsw.limit_in_bytes = "4M" for "a"',
    ]);
    const sc2 = parseScenario({ ...d, cgroups: { a: {}, b: {} } });
    const got = await issuesOf(() => prepareSystem(sc2, sc2.system, build));
    expect(got[0]).toMatch(/^expect\[0\]\.sim: no emulator statistic "stockHit" \(known: charges, /);
    expect(got.slice(1)).toEqual([
      'workload[0].steps[0].read: no file b/memory.current in cgroup v1',
      'workload[0].steps[1].write: EINVAL: op records carry limits below 2^32 pages; 20T is not',
    ]);
  });
});

describe('tasks are processes, access, simulated time', () => {
  test('RAM is accepted and noted as without effect; oom_score_adj is the task\'s', () => {
    const sc = parseScenario({ system: { ram: '8G', swap: '1G' }, cgroups: { a: {} }, tasks: { t: { cgroup: 'a', oom_score_adj: 500 } } });
    expect([sc.system.ramPages, sc.system.swapPages, sc.tasks.get('t')!.oomScoreAdj]).toEqual([2097152, 262144, 500]);
    expect(sc.notes).toEqual(['system.ram has no effect: the emulator has no global memory limit yet']);
  });

  // memory.max 8M = 2048 pages, no swap: totalpages = 2048, so oom_score_adj counts adj × 2 pages
  // (oom_badness). keep (-1000, unkillable) holds 1280 pages, side (+500) 256, main faults up to
  // the limit on its own CPU; every task's charges are whole stock batches, so no stock is left.
  const oom = {
    system: NO_BATCH, cgroups: { a: { 'memory.max': '8M' }, b: {} },
    tasks: { main: { cgroup: 'a', cpus: [0] }, side: { cgroup: 'a', cpus: [1], oom_score_adj: 500 }, keep: { cgroup: 'a', cpus: [2], oom_score_adj: -1000 } },
    workload: [
      { name: 'fill', steps: [{ faults: { task: 'keep', size: '5M' } }, { faults: { task: 'side', size: '1M' } }] },
      { name: 'grow', steps: [{ faults: { task: 'main', size: '4M' } }] },
      { name: 'dead', steps: [{ free: { task: 'main' } }, { faults: { task: 'main', size: '1M' } }, { move: { task: 'main', to: 'b' } }] },
    ],
    expect: [
      { read: 'a/memory.events', key: 'oom_kill', equals: 2 }, { task: 'keep', key: 'anonPages', equals: 1280 },
      { task: 'side', key: 'killed', equals: true }, { task: 'main', key: 'alive', equals: false },
    ],
  };

  test('the OOM killer picks the highest badness (oom_score_adj counts, -1000 never); a killed task\'s later steps are dead ops', async () => {
    const { res } = await run(oom);
    const [, grow, dead] = res.runs[0].phases;
    expect(res.runs[0].expectations.filter((e) => !e.ok)).toEqual([]);
    // main's 513th page finds a full cgroup: side (256 + 500 × 2048/1000 = 1256) beats main (512) and
    // is killed; main's charge then succeeds. At 768 pages main is the only killable task: its own
    // fault kills it (EINTR), its other 1024 - 769 faults are not run.
    expect([grow.charges, grow.failed, grow.dead]).toEqual([769, { EINTR: 1 }, 255]);
    // Its frees find the 768 pages the kill freed (lost) and 256 failed charges (skipped); its later
    // faults and move are dead ops.
    expect([dead.lost, dead.skipped, dead.uncharged, dead.dead]).toEqual([768, 256, 0, 257]);
    expect(res.runs[0].tasks.map((t) => [t.name, t.cgroup, t.killed, t.anonPages, t.dead])).toEqual([
      ['main', 'a', true, 0, 512], ['side', 'a', true, 0, 0], ['keep', 'a', false, 1280, 0],
    ]);
    expect(res.runs[0].cgroups[0]).toMatchObject({ path: 'a', usagePages: 1280, events: { oom: 2, oom_kill: 2 } });
  });

  test('a moved task charges its new cgroup; what it charged stays where it was (v2)', async () => {
    const { res } = await run({
      system: SYS, cgroups: { a: {}, b: {} }, tasks: { t: { cgroup: 'a', cpus: [0] } },
      workload: [{ steps: [{ fault: { task: 't', count: 64 } }, { move: { task: 't', to: 'b' } }, { fault: { task: 't', count: 64, tag: 'b' } }] }],
    });
    expect(res.runs[0].cgroups.map((g) => [g.path, g.usagePages])).toEqual([['a', 64], ['b', 64]]);
    expect(res.runs[0].tasks[0]).toMatchObject({ cgroup: 'b', anonPages: 128 });
  });

  test('wait and fault rates move the simulated clock; the periodic 2 s stats flush comes with it', async () => {
    const { res } = await run(doc([
      { faults: { task: 't', pages: 10 } },
      { expect: { read: 'a/memory.stat', key: 'anon', equals: 0 } }, // 10 updates: below the flush threshold
      { wait: { ms: 1999.5 } },
      { faults: { task: 't', pages: 100, rate: 20 } }, // 5 ms: the clock passes 2 s, flush_memcg_stats_dwork runs
      { expect: { read: 'a/memory.stat', key: 'anon', atLeast: 10 * 4096 } },
    ]));
    expect(res.runs[0].clockMs).toBe(2004.5);
    expect(res.runs[0].expectations.every((e) => e.ok)).toBe(true);
  });

  test('access: folio_mark_accessed activates page cache; a page in swap is swapped back in', async () => {
    const { res, systems } = await run({
      system: { ...SYS, swap: '4M' }, cgroups: { a: {} }, tasks: { t: { cgroup: 'a', cpus: [0] } },
      workload: [
        { name: 'cache', steps: [{ stream: { task: 't', pages: 64, tag: 'f' } }, { access: { folios: 'f' } }] },
        { name: 'out', steps: [{ fault: { task: 't', count: 256, tag: 'h' } }, { write: { file: 'a/memory.reclaim', value: '1M swappiness=max' } }] },
        { name: 'in', steps: [{ access: { folios: 'h' } }] },
      ],
      expect: [{ read: 'a/memory.swap.current', equals: 0 }],
    });
    const [cache, out, back] = res.runs[0].phases;
    expect([cache.touches, back.touches, back.touchFailed]).toEqual([64, 256, {}]);
    expect(systems[0].lruSizes('a')).toMatchObject({ active_file: 64 });
    expect(out.sim.reclaimCalls).toBeGreaterThan(0);
    expect(res.runs[0].tasks[0]).toMatchObject({ anonPages: 256, swapEntries: 0 });
    expect(res.runs[0].expectations.every((e) => e.ok)).toBe(true);
    systems[0].flushStats('a', { force: true });
    const pswpin = Number(/^pswpin (\d+)$/m.exec(systems[0].read('a/memory.stat'))![1]);
    expect(pswpin).toBeGreaterThan(0);
    // memcg1_charge_statistics: one PGPGIN per folio charged: 64 cache, 256 anon, one per swap-in.
    expect(systems[0].vmEvents('a').pgpgin).toBe(64 + 256 + pswpin);
  });

  test('sampling every N ms: a grid of simulated times; a task throttled across several gives one sample each, unchanged', async () => {
    const { res } = await run({
      system: SYS, cgroups: { a: { 'memory.high': '1M' } }, tasks: { t: { cgroup: 'a', cpus: [0] } },
      workload: [{ steps: [{ faults: { task: 't', size: '2M', rate: 64 } }] }],
      sample: { everyMs: 250, files: ['a/memory.current'] },
    });
    const r = res.runs[0];
    expect(r.tasks[0].throttledMs).toBeGreaterThan(2000);
    const grid = r.samples.slice(0, -1);
    expect(grid.map((x) => x.ms)).toEqual(grid.map((_, i) => 250 * i));
    expect(r.samples.at(-1)!.ms).toBe(r.clockMs);
    // A 2 s sleep (MEMCG_MAX_HIGH_DELAY_JIFFIES) spans 8 sample times: 8 samples, same ops and usage.
    const runs = grid.reduce((m, x) => m.set(x.ops, (m.get(x.ops) ?? 0) + 1), new Map<number, number>());
    expect(Math.max(...runs.values())).toBe(8);
  });
});

describe('steps and generators', () => {
  // try_charge_memcg charges a batch of 64 pages and stocks the rest (refill_stock); the
  // uncharge of a socket's pages refills the stock of the CPU it runs on (mem_cgroup_sk_uncharge).
  test('sockets with a server: each packet is charged to the receiving cgroup too, on the sending CPU, uncharged on the reader\'s', async () => {
    const { res, systems } = await run({
      system: SYS, cgroups: { a: {}, srv: {} },
      workload: [{ steps: [{ sockets: { cgroups: ['a'], cpus: '0', readers: '1', packets: 5, pages: 3, server: 'srv' } }] }],
    });
    const sys = systems[0];
    expect(res.runs[0].sim.charges).toBe(10); // 5 packets × (a's socket + srv's)
    for (const cg of ['a', 'srv']) expect(sys.counter(cg).usage).toBe(64); // one batch each, on CPU 0
    const byName = (cpu: number) => [...sys.stock(cpu)].sort((x, y) => x.cgroup.localeCompare(y.cgroup));
    expect(byName(0)).toEqual([{ cgroup: 'a', nrPages: 49 }, { cgroup: 'srv', nrPages: 49 }]); // 64 − 5 × 3
    expect(byName(1)).toEqual([{ cgroup: 'a', nrPages: 15 }, { cgroup: 'srv', nrPages: 15 }]); // the reader's refills
  });
  test('a task charges round-robin over its CPUs: two CPUs, two stocks of 63 (MEMCG_CHARGE_BATCH 64)', async () => {
    const { res, systems } = await run(doc([{ fault: { task: 't', count: 2 } }]));
    expect(res.runs[0].cgroups[0]).toMatchObject({ path: 'a', usagePages: 128, stockedPages: 126 });
    expect(systems[0].stock(0)).toEqual([{ cgroup: 'a', nrPages: 63 }]);
    expect(systems[0].stock(1)).toEqual([{ cgroup: 'a', nrPages: 63 }]);
  });

  test('free by tag, by task, by cgroup; count and every pick the oldest; a list is uncharged per batch of 31', async () => {
    const { res } = await run({
      system: { ...NO_BATCH, topology: { nodes: 1, cpusPerNode: 1 } },
      cgroups: { a: {}, b: {} }, tasks: { t: { cgroup: 'b' } },
      workload: [
        { name: 'charge', steps: [{ charge: { cgroup: 'a', count: 100, tag: 'x' } }, { fault: { task: 't', count: 40 } }, { charge: { cgroup: 'a', count: 10 } }] },
        { name: 'tag', steps: [{ free: { folios: 'x', every: 2, count: 20 } }] },
        { name: 'task', steps: [{ free: { task: 't' } }] },
        { name: 'cgroup', steps: [{ free: { cgroup: 'a', batch: false } }] },
      ],
    });
    const [, tag, task, cgroup] = res.runs[0].phases;
    expect([tag.uncharged, task.uncharged, cgroup.uncharged]).toEqual([20, 40, 90]);
    // uncharge_gather: one uncharge_batch per list of 31 (one memcg), one per folio without batching.
    expect([tag.sim.unchargeBatches, task.sim.unchargeBatches, cgroup.sim.unchargeBatches]).toEqual([1, 2, 90]);
    expect(res.runs[0].cgroups.map((g) => g.usagePages - g.stockedPages)).toEqual([0, 0]);
  });

  test('a free names failed charges too: the replay skips them', async () => {
    const { res } = await run(doc([{ charge: { cgroup: 'a', count: 300, tag: 'x' } }, { free: { folios: 'x' } }], { system: NO_BATCH }));
    const p = res.runs[0].phases[0];
    expect(p.failed).toEqual({ ENOMEM: 44 }); // memory.max 1M = 256 pages
    expect([p.uncharged, p.skipped]).toEqual([256, 44]);
    expect(res.runs[0].cgroups[0].usagePages).toBe(res.runs[0].cgroups[0].stockedPages);
  });

  test('grow-then-free, stream (page cache), thp (order 9) charge what they say', async () => {
    const { res, systems } = await run({
      system: SYS, cgroups: { a: {} }, tasks: { t: { cgroup: 'a', cpus: [0, 1, 2, 3] } },
      workload: [
        { name: 'grow', steps: [{ 'grow-then-free': { task: 't', size: '8M', repeat: 3 } }] },
        { name: 'stream', steps: [{ stream: { cgroup: 'a', size: '4M', cpu: 2 } }] },
        { name: 'thp', steps: [{ thp: { task: 't', count: 2 } }] },
      ],
    });
    const [grow, stream, thp] = res.runs[0].phases;
    expect([grow.charges, grow.uncharged, stream.charges, thp.charges]).toEqual([3 * 2048, 3 * 2048, 1024, 2]);
    expect(res.runs[0].cgroups[0].peakPages).toBeGreaterThanOrEqual(2048);
    const s = systems[0];
    expect(s.nodeStat('a', 0)).toEqual({ anon: 1024, file: 1024, anonThp: 1024, fileThp: 0 });
  });

  test('thrash rotates over K cgroups made for it (prefix), on one CPU', async () => {
    const { res, systems } = await run({ system: { ...SYS, profile: 'single' }, workload: [{ steps: [{ thrash: { cgroups: 3, prefix: 'k/m', cpu: 1, charges: 30 } }] }] });
    expect(systems[0].list()).toEqual(['', 'k', 'k/m0', 'k/m1', 'k/m2']);
    // refill_stock of the single-slot stock drains the previous memcg's 63 pages at every charge:
    // 10 folios each, and the last memcg keeps its stock.
    expect(res.runs[0].cgroups.map((g) => g.usagePages)).toEqual([93, 10, 10, 73]);
    expect(res.runs[0].sim.stockEvictions).toBe(29);
  });

  test('writes: limit files as op records, other files through the file API; refusals are warnings', async () => {
    const { res, systems } = await run({
      system: { cgroupVersion: 1, topology: { nodes: 1, cpusPerNode: 1 } },
      cgroups: { a: {} },
      workload: [{
        steps: [
          { charge: { cgroup: 'a', count: 100 } },
          { write: { file: 'a/memory.limit_in_bytes', value: '100K' } }, // below usage: EBUSY in v1
          { write: { file: 'a/memory.limit_in_bytes', value: '2M' } },
          { write: { file: 'a/memory.swappiness', value: '10' } },
          { write: { file: 'a/memory.swappiness', value: '201' } }, // above MAX_SWAPPINESS
          { read: 'a/memory.limit_in_bytes' },
        ],
      }],
    });
    const r = res.runs[0];
    expect(r.warnings).toEqual([
      { path: 'workload[0].steps[1].write', message: 'write "100K" to a/memory.limit_in_bytes: EBUSY' },
      { path: 'workload[0].steps[4].write', message: expect.stringMatching(/^write "201" to a\/memory.swappiness: EINVAL/) },
    ]);
    // 100 charges and 2 limit-write records; swappiness goes through the file, not a record.
    expect(r.reads).toEqual([{ path: 'workload[0].steps[5].read', ops: 102, file: 'a/memory.limit_in_bytes', content: '2097152\n' }]);
    expect(r.phases[0]).toMatchObject({ writes: 2, writeFailed: { EBUSY: 1 } });
    expect(systems[0].read('a/memory.swappiness')).toBe('10\n');
  });

  test('the same scenario gives the same result (seeded generators)', async () => {
    const d = doc([{ faults: { task: 't', pages: 5000 } }, { thrash: { cgroups: 9, cpus: 'all', charges: 3000, pick: 'random' } }]);
    const strip = (r: Awaited<ReturnType<typeof run>>['res']) => JSON.stringify({ ...r, runs: r.runs.map((x) => ({ ...x, elapsedMs: 0 })) });
    expect(strip((await run(d)).res)).toBe(strip((await run(d)).res));
    const other = await run({ ...d, system: { ...SYS, seed: 2 } });
    expect(other.res.runs[0].sim).not.toEqual((await run(d)).res.runs[0].sim);
  });
});

test('system.swap is the swap device: anon over memory.max goes to swap instead of failing', async () => {
  const d = (swap: string) => ({
    system: { topology: { nodes: 1, cpusPerNode: 1 }, swap }, cgroups: { a: { 'memory.max': '1M' } },
    workload: [{ steps: [{ charge: { cgroup: 'a', count: 512 } }] }],
  });
  const [none, some] = [(await run(d('0'))).res.runs[0], (await run(d('4M'))).res.runs[0]];
  expect(none.phases[0].failed).toEqual({ ENOMEM: 256 });
  expect(some.phases[0].failed).toEqual({});
  expect(some.cgroups[0].usagePages).toBeLessThanOrEqual(256);
});

describe('expectations', () => {
  const d = doc([
    { charge: { cgroup: 'a', count: 300 } },
    { expect: { read: 'a/memory.events', contains: 'oom 44' } },
    { expect: { read: 'a/memory.events', contains: 'oom_kill 1' } },
  ], {
    tasks: {}, // no process in a: the OOM killer finds no victim (an idle task would be killed)
    expect: [
      { read: 'a/memory.current', equals: '1048576' },
      { read: 'a/memory.current', equals: 1048576 },
      { read: 'a/memory.current', equals: '1048577' },
      { read: 'a/memory.events', key: 'max', atLeast: 44 * 16, atMost: 44 * 19 },
      { read: 'a/memory.events', key: 'oom', atMost: 43 },
      { read: 'a/memory.events', key: 'nope', equals: 0 },
      { read: 'a/memory.stat', matches: '^anon \\d+$' },
      { sim: 'chargeFails', equals: 44 },
      { sim: 'oomCalls', equals: 44, variant: 'single' },
    ],
    variants: { single: { profile: 'single' }, multi: { profile: 'multi' } },
  });

  test('each holds or fails, with what was read; a failure makes the result not ok', async () => {
    const { res } = await run(d);
    expect(res.ok).toBe(false);
    const [single, multi] = res.runs;
    expect(single.expectations.map((e) => [e.path, e.ok])).toEqual([
      ['workload[0].steps[1].expect', true], ['workload[0].steps[2].expect', false],
      ['expect[0]', true], ['expect[1]', true], ['expect[2]', false], ['expect[3]', true], ['expect[4]', false], ['expect[5]', false],
      ['expect[6]', true], ['expect[7]', true], ['expect[8]', true],
    ]);
    expect(multi.expectations).toHaveLength(10); // expect[8] is for variant single only
    expect(single.expectations[6]).toMatchObject({ check: 'a/memory.events oom <= 43', actual: '"44"' });
    expect(single.expectations[7]).toMatchObject({ check: 'a/memory.events nope = 0', actual: '"(no such key)"' });
  });

  test('all built-in examples run and their expectations hold', async () => {
    for (const e of EXAMPLES) {
      const res = await runScenario(exampleScenario(e.name), { build });
      expect(res.runs.flatMap((r) => r.expectations.filter((x) => !x.ok)), e.name).toEqual([]);
      expect(res.runs.every((r) => r.expectations.length > 0), e.name).toBe(true);
    }
  });
});

describe('sampling', () => {
  test('every N ops, from the start to the end, as a CSV time series', async () => {
    const { res } = await run(doc([{ charge: { cgroup: 'a', count: 250 } }], { sample: { every: 100, files: ['a/memory.current', 'a/memory.events'] } }));
    expect(res.runs[0].samples.map((s) => [s.phase, s.ops, s.values['a/memory.current'], s.values['a/memory.events:max']])).toEqual([
      ['(start)', 0, '0', '0'], ['workload[0]', 100, '524288', '0'], ['workload[0]', 200, '1048576', '0'], ['workload[0]', 250, '1048576', expect.any(String)],
    ]);
    const csv = toCsv(res).split('\n');
    expect(csv[0]).toBe('variant,phase,ops,ms,a/memory.current,a/memory.events:low,a/memory.events:high,a/memory.events:max,a/memory.events:oom,a/memory.events:oom_kill,a/memory.events:oom_group_kill');
    expect(csv[2]).toBe(',workload[0],100,0,524288,0,0,0,0,0,0'); // two stock batches of 64 pages
  });
});
