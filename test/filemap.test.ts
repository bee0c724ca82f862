// Page cache of files, shmem, mlock and swapoff (docs/kernel-memory.md §2–§6): xarray node
// rules (lib/xarray.c xas_create / xas_expand / xas_shrink), shadow entries left by reclaim,
// truncate/unlink (truncate_inode_pages_range), shmem ownership and swap-backed reclaim,
// mlock's unevictable list and its EAGAIN, try_to_unuse. Expected values derived by hand.
import { describe, expect, test } from 'vitest';
import type { System } from '../src/index.js';
import { createSystem } from '../src/index.js';
import { codeOf } from './helpers/sys.js';
import { issuesOf, run } from './helpers/scenario.js';
import { parseScenario } from '../src/scenario/scenario.js';

const PAGE = 4096;
const one = (o = {}) => createSystem({ cgroupVersion: 2, topology: { nodes: 1, cpusPerNode: 1 }, kmem: false, ...o });
function stat(s: System, cg: string): Record<string, number> {
  s.flushStats(cg, { force: true });
  return Object.fromEntries(s.read(`${cg}/memory.stat`).trimEnd().split('\n').map((l) => [l.split(' ')[0], Number(l.split(' ')[1])]));
}

describe('xarray nodes of a file (radix_tree_node, 64 slots a node)', () => {
  test.each([
    [1, 0, 0], // a lone order-0 entry at index 0 lives in xa_head
    [2, 1, 1], // xas_expand: one leaf holds both
    [64, 1, 1],
    [65, 3, 2], // two leaves under a level-2 node
    [4096, 65, 2], // 64 leaves + 1
    [4097, 68, 3], // a 65th leaf, a second level-2 node, a level-3 root
  ])('%i order-0 pages written: %i nodes, height %i', async (n, nodes, height) => {
    const s = await one({ kmem: true, maxFileEntries: 1 << 14 });
    s.mkdir('a');
    const f = s.createFile({ kind: 'tmpfs' }, { cgroup: 'a', cpu: 0 });
    s.writeFile(f, { cgroup: 'a', cpu: 0, length: n * PAGE });
    expect(s.fileInfo(f)).toMatchObject({ folios: n, xaNodes: nodes, xaHeight: height });
  });

  test('truncate frees emptied nodes and xas_shrink lowers the tree; unlink frees the rest and the inode', async () => {
    const s = await one({ kmem: true });
    s.mkdir('a');
    const f = s.createFile({ kind: 'tmpfs' }, { cgroup: 'a', cpu: 0 });
    s.writeFile(f, { cgroup: 'a', cpu: 0, length: 65 * PAGE });
    s.truncateFile(f, 64 * PAGE); // the second leaf empties; the root then has one child in slot 0: shrink
    expect(s.fileInfo(f)).toMatchObject({ folios: 64, xaNodes: 1, xaHeight: 1 });
    s.truncateFile(f, 1); // page 0 stays (it holds byte 0); the leaf shrinks into xa_head
    expect(s.fileInfo(f)).toMatchObject({ folios: 1, xaNodes: 0, xaHeight: 0, size: 1 });
    expect(stat(s, 'a').shmem).toBe(PAGE);
    s.unlinkFile(f, 0);
    s.drainAllStock('a', 0);
    expect(s.counter('a').usage).toBe(0);
    const st = stat(s, 'a');
    expect([st.shmem, st.file, st.kernel, st.slab]).toEqual([0, 0, 0, 0]);
  });

  test('without large folio support (maxOrder 0) readahead makes order-0 folios: 2 MiB = 8 leaves + 1 level-2 node', async () => {
    // page_cache_sync_ra(0, req 512), max 512: get_init_ra_size → 512, async 256; order 0.
    const s = await one({ kmem: true });
    s.mkdir('a');
    const f = s.createFile({ size: '2M', maxOrder: 0, readAheadKb: 2048 });
    s.readFile(f, { cgroup: 'a', cpu: 0, chunk: '2M' });
    expect(s.fileFolioOrders(f)).toEqual(new Array(512).fill(0));
    expect(s.fileInfo(f)).toMatchObject({ folios: 512, xaNodes: 9, xaHeight: 2 });
  });

  test('an order-9 folio takes 8 slots of a level-2 node, no leaf: 32 MiB read 4K at a time has 5 nodes (live kmem 1 page)', async () => {
    // Folios of order < 6 need a leaf for their 64-page block; orders 6..9 sit in the two
    // level-2 nodes (indices 0..4095, 4096..8191) under a level-3 root. 5 × 592 B < 1 page,
    // the live kmem of this read.
    const s = await one({ kmem: true });
    s.mkdir('a');
    const f = s.createFile({ size: '32M', readAheadKb: 8192, ioKb: 4096 });
    s.readFile(f, { cgroup: 'a', cpu: 0, chunk: '4K' });
    const orders = s.fileFolioOrders(f);
    // leaves: one per 64-page block holding a folio of order < 6
    let index = 0;
    const leafBlocks = new Set<number>();
    for (const o of orders) {
      if (o < 6) leafBlocks.add(Math.floor(index / 64));
      index += 2 ** o;
    }
    expect(leafBlocks.size).toBe(2);
    expect(s.fileInfo(f)).toMatchObject({ xaNodes: leafBlocks.size + 2 + 1, xaHeight: 3 });
  });

  test('reclaim drops page cache but leaves shadow entries: the nodes stay and a re-read charges no new node', async () => {
    const s = await one({ kmem: true });
    s.mkdir('a');
    const f = s.createFile({ size: '256K' });
    s.readFile(f, { cgroup: 'a', cpu: 0 });
    const nodes = s.fileInfo(f).xaNodes;
    expect(nodes).toBe(1);
    s.write('a/memory.reclaim', '256K');
    // 128K reads of a 64-page file with ra 128K: 32 order-0 folios, then the async round's 8
    // order-2 folios — 40 shadow entries in one leaf.
    expect(s.fileInfo(f)).toMatchObject({ folios: 0, cachedPages: 0, xaNodes: 1, entries: 40 });
    const kernel = stat(s, 'a').kernel;
    s.readFile(f, { cgroup: 'a', cpu: 0 });
    expect(s.fileInfo(f)).toMatchObject({ folios: 40, cachedPages: 64, xaNodes: 1, entries: 40 });
    expect(stat(s, 'a').kernel).toBe(kernel);
  });
});

describe('shmem folios', () => {
  test('charged to the writer, on the anon LRU, staying with the memcg when the task moves or exits; truncate uncharges', async () => {
    const s = await one();
    s.mkdir('a');
    s.mkdir('b');
    const t = s.spawn('a');
    const f = s.createFile({ kind: 'tmpfs' }, { task: t, cpu: 0 });
    s.writeFile(f, { task: t, cpu: 0, length: 10 * PAGE });
    s.moveTask(t, 'b');
    s.writeFile(f, { task: t, cpu: 0, offset: 10 * PAGE, length: 5 * PAGE });
    s.exitTask(t, 0);
    let a = stat(s, 'a');
    const b = stat(s, 'b');
    // the 15 folios still wait in CPU 0's lru_add batch (31; exit_mmap does not drain, 6.16+)
    expect([a.shmem, a.file, a.inactive_anon, a.anon, a.inactive_file]).toEqual([10 * PAGE, 10 * PAGE, 0, 0, 0]);
    s.lruAddDrain(0); // folio_batch_move_lru: shmem goes to the anon lists
    expect(stat(s, 'a').inactive_anon).toBe(10 * PAGE);
    expect([b.shmem, b.file]).toEqual([5 * PAGE, 5 * PAGE]);
    s.truncateFile(f, 3 * PAGE);
    a = stat(s, 'a');
    expect([a.shmem, stat(s, 'b').shmem]).toEqual([3 * PAGE, 0]);
  });

  test('reclaim swaps shmem (never drops it), reading it back swaps it in; without swap it stays', async () => {
    const s = await one({ swap: '1M' });
    s.mkdir('a');
    const f = s.createFile({ kind: 'tmpfs' }, { cgroup: 'a', cpu: 0 });
    s.writeFile(f, { cgroup: 'a', cpu: 0, length: 32 * PAGE });
    s.write('a/memory.reclaim', '128K');
    let a = stat(s, 'a');
    expect(a.shmem).toBe(0);
    expect(s.read('a/memory.swap.current')).toBe(`${32 * PAGE}\n`);
    expect(s.fileInfo(f).cachedPages).toBe(32); // still the file's pages, in swap
    s.readFile(f, { cgroup: 'a', cpu: 0 });
    a = stat(s, 'a');
    expect([a.shmem, a.pswpin]).toEqual([32 * PAGE, 32]);
    expect(s.read('a/memory.swap.current')).toBe('0\n');

    const n = await one();
    n.mkdir('a');
    const g = n.createFile({ kind: 'tmpfs' }, { cgroup: 'a', cpu: 0 });
    n.writeFile(g, { cgroup: 'a', cpu: 0, length: 32 * PAGE });
    expect(codeOf(() => n.write('a/memory.reclaim', '128K'))).toBe('EAGAIN');
    expect(stat(n, 'a').shmem).toBe(32 * PAGE);
  });

  test('a shared anonymous mapping is freed with its last mapping (exit); a tmpfs file outlives its writer', async () => {
    const s = await one();
    s.mkdir('a');
    const t = s.spawn('a');
    s.mmapShared({ task: t, cpu: 0, length: 8 * PAGE });
    const u = s.spawn('a');
    const f = s.createFile({ kind: 'tmpfs' }, { task: u, cpu: 0 });
    s.writeFile(f, { task: u, cpu: 0, length: 4 * PAGE });
    let a = stat(s, 'a');
    expect([a.shmem, a.file_mapped]).toEqual([12 * PAGE, 8 * PAGE]);
    s.exitTask(t, 0);
    s.exitTask(u, 0);
    a = stat(s, 'a');
    expect([a.shmem, a.file_mapped]).toEqual([4 * PAGE, 0]);
  });
});

describe('mlock', () => {
  test('locked folios are on the unevictable list, reclaim does not take them, munlock makes them reclaimable again', async () => {
    const s = await one({ swap: '1M' });
    s.mkdir('a');
    const t = s.spawn('a');
    const ids = s.mlockPopulate(t, 16);
    expect(stat(s, 'a').unevictable).toBe(16 * PAGE);
    expect(codeOf(() => s.write('a/memory.reclaim', '64K'))).toBe('EAGAIN');
    expect(stat(s, 'a').anon).toBe(16 * PAGE);
    s.munlock(ids);
    const a = stat(s, 'a');
    expect([a.unevictable, a.inactive_anon]).toEqual([0, 16 * PAGE]);
    s.write('a/memory.reclaim', '64K'); // two passes: the first one clears the young bits
    expect(stat(s, 'a').anon).toBe(0);
  });

  test('a fault that cannot be charged makes mlock fail with EAGAIN; the pages locked before stay', async () => {
    // memory.max 10 pages, an unkillable task: page 11 fails its charge (18 max events, OOM
    // without a victim) → VM_FAULT_OOM → -ENOMEM → __mlock_posix_error_return: EAGAIN.
    const s = await one();
    s.mkdir('a', { 'memory.max': '40K' });
    const t = s.spawn('a', { oomScoreAdj: -1000 });
    let err: unknown;
    try {
      s.mlockPopulate(t, 20);
    } catch (e) {
      err = e;
    }
    expect((err as { code: string }).code).toBe('EAGAIN');
    expect((err as { folios: number[] }).folios.length).toBe(10);
    expect(stat(s, 'a').unevictable).toBe(10 * PAGE);
    expect(s.events('a')).toMatchObject({ max: 18, oom: 1 });
  });
});

describe('swapoff (try_to_unuse)', () => {
  test('every entry comes back charged to the memcg its record names, memory.swap.current drops to 0, the device is gone', async () => {
    const s = await one({ swap: '1M' });
    s.mkdir('a');
    s.mkdir('b');
    const t = s.spawn('a');
    for (let i = 0; i < 20; i++) s.charge({ task: t, cpu: 0 });
    s.write('a/memory.reclaim', '80K');
    s.moveTask(t, 'b'); // the records still name a
    expect(s.read('a/memory.swap.current')).toBe(`${20 * PAGE}\n`);
    s.swapoff(0);
    expect(s.read('a/memory.swap.current')).toBe('0\n');
    expect(stat(s, 'a').anon).toBe(20 * PAGE);
    expect(stat(s, 'b').anon).toBe(0);
    expect(s.swapDevice()).toEqual({ totalPages: 0, freePages: 0 });
    expect(codeOf(() => s.swapoff(0))).toBe('EINVAL');
  });

  test('a memcg that cannot take its pages back makes swapoff fail with ENOMEM; the device stays usable', async () => {
    const s = await one({ swap: '1M' });
    s.mkdir('a');
    const t = s.spawn('a', { oomScoreAdj: -1000 });
    for (let i = 0; i < 20; i++) s.charge({ task: t, cpu: 0 });
    s.write('a/memory.reclaim', '80K');
    s.write('a/memory.max', '40K'); // room for 10 of the 20 pages
    expect(codeOf(() => s.swapoff(0))).toBe('ENOMEM');
    expect(stat(s, 'a').anon).toBe(10 * PAGE);
    expect(s.read('a/memory.swap.current')).toBe(`${10 * PAGE}\n`);
    expect(s.swapDevice()).toEqual({ totalPages: 256, freePages: 246 });
  });
});

describe('scenario steps: create-file, read-file, write-file, truncate-file, unlink-file, mmap-shared, mlock, swapoff', () => {
  const doc = (steps: unknown[], system: Record<string, unknown> = {}) => ({
    name: 'files', system: { cgroupVersion: 1, topology: { nodes: 1, cpusPerNode: 2 }, kmem: true, ...system },
    cgroups: { c: {} }, tasks: { reader: { cgroup: 'c', cpus: '1' } }, workload: [{ name: 'p', steps }],
  });

  test('a 32M file read in 64K calls by a task on CPU 1 charges what the live kernel showed (usage 8256 pages, kmem 3)', async () => {
    const { res, systems } = await run(doc([
      { 'create-file': { name: 'data', size: '32M', readAheadKb: 8192, ioKb: 4096 } },
      { 'read-file': { file: 'data', task: 'reader', chunk: '64K' } },
    ]));
    expect(res.runs[0].warnings).toEqual([]);
    const s = systems[0];
    expect(Number(s.read('c/memory.usage_in_bytes')) / PAGE).toBe(8256);
    expect(Number(s.read('c/memory.kmem.usage_in_bytes')) / PAGE).toBe(3);
  });

  test('tmpfs write, mlock, truncate, unlink, swapoff run in order; a step that fails is a warning with its JSON path', async () => {
    const { res, systems } = await run(doc([
      { 'create-file': { name: 'shm', kind: 'tmpfs', task: 'reader' } },
      { 'write-file': { file: 'shm', task: 'reader', length: '400K' } },
      { mlock: { task: 'reader', pages: 10 } },
      { 'truncate-file': { file: 'shm', size: '200K' } },
      { swapoff: {} },
    ], { kmem: false }));
    const s = systems[0];
    s.flushStats('c', { force: true });
    expect(s.read('c/memory.stat')).toMatch(/^shmem 204800$/m);
    expect(s.read('c/memory.stat')).toMatch(/^unevictable 40960$/m);
    expect(res.runs[0].warnings).toEqual([{ path: 'workload[0].steps[4].swapoff', message: expect.stringContaining('swapoff') }]);
  });

  test('validation: a file no earlier step created, a file created twice, a missing length (JSON paths)', async () => {
    const issues = await issuesOf(() => parseScenario(doc([
      { 'read-file': { file: 'nope', task: 'reader' } },
      { 'create-file': { name: 'a' } },
      { 'create-file': { name: 'a' } },
      { 'write-file': { file: 'a', task: 'reader' } },
    ])));
    expect(issues).toEqual([
      'workload[0].steps[0]["read-file"].file: no file "nope" created by an earlier create-file or mmap-shared step',
      'workload[0].steps[2]["create-file"].name: file "a" is created twice',
      'workload[0].steps[3]["write-file"].length: missing',
    ]);
  });

  test('validation by the zod schema, in document order: every key checked, keys that do nothing refused, sizes bounded by the core\'s page index (#12)', async () => {
    const issues = await issuesOf(() => parseScenario(doc([
      { 'create-file': { name: 'd', size: '1M', task: 'reader' } },
      { 'create-file': { name: 't', kind: 'tmpfs', size: '1M' } },
      { 'create-file': { name: 'x', kind: 'ext4', readAheadKb: -1, maxOrder: 10 } },
      { 'read-file': { file: 'd', task: 'reader', chunk: 0, cpu: 0 } },
      { 'write-file': { file: 't', cgroup: 'c', length: '1E' } },
      { mlock: { task: 'reader', pages: 2, size: '8K' } },
      { 'mmap-shared': { name: '', task: 'reader', size: '4K', touch: false } },
      { swapoff: { cpu: 9 } },
      { 'unlink-file': { file: 'd', size: 0 } },
    ])));
    expect(issues).toEqual([
      'workload[0].steps[0]["create-file"].task: a disk file is on disk already: nothing is charged when it is opened (task and cgroup say who makes a tmpfs file)',
      'workload[0].steps[1]["create-file"].size: a tmpfs file starts empty: write to it (write-file) to give it pages',
      'workload[0].steps[2]["create-file"].kind: expected one of "disk", "tmpfs", got "ext4"',
      'workload[0].steps[2]["create-file"].readAheadKb: -1 is below the minimum 0',
      'workload[0].steps[2]["create-file"].maxOrder: 10 is above the maximum 9',
      'workload[0].steps[3]["read-file"].chunk: a read(2) of 0 bytes reads nothing: chunk is at least one page',
      'workload[0].steps[3]["read-file"].cpu: task reader does not run on cpu 0 (its CPUs: 1)',
      'workload[0].steps[4]["write-file"].length: 281474976710656 pages: past the emulator\'s largest file (68719476736 pages, 256 TiB)',
      'workload[0].steps[5].mlock: pages and size exclude each other',
      'workload[0].steps[6]["mmap-shared"].name: the string is empty',
      'workload[0].steps[6]["mmap-shared"].touch: unknown key (expected one of: name, task, cpu, size)',
      'workload[0].steps[7].swapoff.cpu: cpu 9 out of range 0..1',
      'workload[0].steps[8]["unlink-file"].size: unknown key (expected one of: file, cpu)',
    ]);
  });

  test('the budget counts the pages a file step goes through (and swapoff the swap device): a 1T read is refused', async () => {
    const sc = parseScenario({ ...doc([
      { 'create-file': { name: 'd', size: '32M' } }, { 'read-file': { file: 'd', task: 'reader' } },
      { 'create-file': { name: 's', kind: 'tmpfs', task: 'reader' } }, { 'write-file': { file: 's', task: 'reader', offset: '4K', length: '8K' } },
      { 'truncate-file': { file: 's', size: 0 } }, { mlock: { task: 'reader', size: '16K' } }, { swapoff: {} },
    ]), system: { cgroupVersion: 1, topology: { nodes: 1, cpusPerNode: 2 }, swap: '1M' } });
    // create 1 + read 8192 + create 1 + write 2 + truncate 3 (the pages up to 12K) + mlock 4 + swapoff 1 + 256 swap pages
    expect(sc.budget.records).toBe(1 + 8192 + 1 + 2 + 3 + 4 + 1 + 256);
    const big = await issuesOf(() => parseScenario(doc([{ 'create-file': { name: 'd', size: '1T' } }, { 'read-file': { file: 'd', task: 'reader' } }])));
    expect(big).toEqual([expect.stringMatching(/^workload\[0\]\.steps\[1\]\["read-file"\]: the run replays up to 268\.4 M records and file pages \(268\.4 M here\): over the budget of 10\.0 M records per run;/)]);
  });

  test('JSON Schema: the file steps are there (npm run schema)', async () => {
    const { STEP_NAMES } = await import('../src/scenario/schema.js');
    expect(STEP_NAMES).toEqual(expect.arrayContaining(['create-file', 'read-file', 'write-file', 'truncate-file', 'unlink-file', 'mmap-shared', 'mlock', 'swapoff']));
  });
});
