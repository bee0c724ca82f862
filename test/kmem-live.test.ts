// The live kernel as the oracle: what a real process charges to a fresh cgroup v1 memcg on
// this machine's 6.18.44 kernel (2 possible CPUs, 1 node, ext4, read_ahead_kb 8192,
// max_sectors_kb 4096), measured with tools/live/probe.c + drive.sh (docs/kernel-memory.md §9):
// the probe maps and touches its memory first, is moved into a fresh child memcg, does one
// action pinned to CPU 1 and stops itself; memory.usage_in_bytes and memory.kmem.usage_in_bytes
// are read at once, memory.stat after the 2 s flush. Each number was the same in 3 runs.
// The emulator runs the same action with `kmem: true` and must show the same pages.
import { describe, expect, test } from 'vitest';
import type { System } from '../src/index.js';
import { createSystem } from '../src/index.js';

const PAGE = 4096;
const machine = async (): Promise<System> => {
  // lruAddBatch off: every measured page was on its LRU 2.5 s later (the batch moved by then)
  const s = await createSystem({ cgroupVersion: 1, topology: { nodes: 1, cpusPerNode: 2 }, kmem: true, lruAddBatch: false });
  s.mkdir('c');
  return s;
};
const pages = (s: System, file: string, cg = 'c') => Number(s.read(`${cg}/${file}`)) / PAGE;
function stat(s: System, key: string): number {
  s.flushStats('c', { force: true }); // the periodic 2 s flush the live reads waited for
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(s.read('c/memory.stat'));
  return Number(m![1]) / (key.startsWith('pg') ? 1 : PAGE);
}
/** "64x0 64x2" run-length form of a folio order list */
const runs = (orders: number[]) => {
  const r: [number, number][] = [];
  for (const o of orders) if (r.length && r[r.length - 1][1] === o) r[r.length - 1][0]++; else r.push([1, o]);
  return r.map(([n, o]) => `${n}x${o}`).join(' ');
};

describe('touch N anon pages (do_anonymous_page: PTE page, anon_vma + chain, folio)', () => {
  // Live: usage 64 steps from the page stock; kmem = PTE pages (one per 2 MiB) + 1 page of
  // slab (anon_vma 112 B + anon_vma_chain 72 B through the object stock).
  test.each([
    [1, 64, 2], [63, 128, 2], [64, 128, 2], [65, 128, 2], [128, 192, 2], [512, 576, 2], [1000, 1024, 3], [4000, 4032, 9],
  ])('%i pages: usage %i, kmem %i (measured)', async (n, usage, kmem) => {
    const s = await machine();
    const t = s.spawn('c');
    for (let i = 0; i < n; i++) s.charge({ task: t, cpu: 1 });
    expect(pages(s, 'memory.usage_in_bytes')).toBe(usage);
    expect(pages(s, 'memory.kmem.usage_in_bytes')).toBe(kmem);
    expect(stat(s, 'rss')).toBe(n);
    expect(s.taskPageTables(t)).toBe(Math.ceil(n / 512));
  });
});

test('a THP fault: 512 pages + the deposited PTE page + the anon_vma slab page (measured: usage 576, kmem 2, rss_huge 512, pgpgin 1)', async () => {
  const s = await machine();
  const t = s.spawn('c');
  s.charge({ task: t, cpu: 1, order: 9 });
  expect(pages(s, 'memory.usage_in_bytes')).toBe(576);
  expect(pages(s, 'memory.kmem.usage_in_bytes')).toBe(2);
  expect(stat(s, 'rss_huge')).toBe(512);
  expect(stat(s, 'pgpgin')).toBe(1);
});

test('mkdir of children: the new memcgs\' structures charged to the parent (measured kmem 3 5 8 10 13 15 18 20, usage 64)', async () => {
  // mem_cgroup_css_alloc under set_active_memcg(parent): 2056 + 4864 + 96 + 1032 + 2112 bytes
  // per child through the parent's object stock (docs/kernel-memory.md §2).
  const s = await machine();
  const seen: string[] = [];
  for (let k = 1; k <= 8; k++) {
    s.mkdir(`c/k${k}`, {}, { cpu: 1 });
    seen.push(`${pages(s, 'memory.kmem.usage_in_bytes')}/${pages(s, 'memory.usage_in_bytes')}`);
  }
  expect(seen).toEqual(['3/64', '5/64', '8/64', '10/64', '13/64', '15/64', '18/64', '20/64']);
  // Live: after the 8 rmdirs the parent's kmem went back to 0 (css_free of each child).
  for (let k = 1; k <= 8; k++) s.rmdir(`c/k${k}`, 1);
  s.drainAllStock('c', 1);
  expect(pages(s, 'memory.kmem.usage_in_bytes')).toBe(0);
  expect(pages(s, 'memory.usage_in_bytes')).toBe(0);
});

describe('read a cold file sequentially (page_cache_sync_ra / async_ra ramp; xarray nodes 592 B each)', () => {
  // Live: dd bs=CHUNK of a cold 32 MiB ext4 file read back through /proc/kpageflags for the
  // orders; the probe's read(2) loop in the memcg for usage, kmem and pgpgin.
  test.each([
    ['4M', '1M', 1088, 3, 640, '512x0 128x2'],
    ['8M', '1M', 2112, 5, 800, '512x0 256x2 32x4'],
    ['16M', '1M', 4160, 9, 904, '512x0 256x2 128x4 8x6'],
    ['32M', '1M', 8256, 9, 937, '512x0 256x2 128x4 32x6 8x8 1x9'],
    ['32M', '4K', 8256, 1, 36, '4x0 5x2 1x3 4x4 1x5 4x6 1x7 2x8 14x9'],
    ['32M', '64K', 8256, 3, 194, '64x0 64x2 32x4 17x6 1x7 8x8 8x9'],
    ['32M', '128K', 8256, 3, 257, '128x0 64x2 32x4 16x6 1x7 8x8 8x9'],
    ['32M', '256K', 8256, 5, 493, '256x0 128x2 64x4 32x6 9x8 4x9'],
    ['32M', '2M', 8256, 12, 1700, '1024x0 512x2 128x4 32x6 4x8'],
  ])('%s in %s reads: usage %i, kmem %i, pgpgin %i (measured)', async (size, chunk, usage, kmem, pgpgin, orders) => {
    const s = await machine();
    const t = s.spawn('c');
    const f = s.createFile({ size, readAheadKb: 8192, ioKb: 4096 });
    s.readFile(f, { task: t, cpu: 1, chunk });
    expect(runs(s.fileFolioOrders(f))).toBe(orders);
    expect(pages(s, 'memory.usage_in_bytes')).toBe(usage);
    expect(pages(s, 'memory.kmem.usage_in_bytes')).toBe(kmem);
    expect(stat(s, 'pgpgin')).toBe(pgpgin);
    expect(stat(s, 'cache')).toBe(Number.parseInt(size, 10) * 256);
    // Live: all of it on inactive_file (each batch's first folio is only marked referenced).
    expect(stat(s, 'inactive_file')).toBe(Number.parseInt(size, 10) * 256);
  });
});

describe('shmem', () => {
  test.each([[100, 128, 1], [1000, 1024, 3]])('tmpfs file created and written by the task, %i pages: usage %i, kmem %i; shmem = cache = inactive_anon (measured)', async (n, usage, kmem) => {
    // kmem: dentry (200 B) + shmem inode (760 B) + xarray nodes, all through the object stock.
    const s = await machine();
    const t = s.spawn('c');
    const f = s.createFile({ kind: 'tmpfs' }, { task: t, cpu: 1 });
    s.writeFile(f, { task: t, cpu: 1, length: n * PAGE });
    expect(pages(s, 'memory.usage_in_bytes')).toBe(usage);
    expect(pages(s, 'memory.kmem.usage_in_bytes')).toBe(kmem);
    for (const k of ['shmem', 'cache', 'inactive_anon']) expect(stat(s, k)).toBe(n);
    expect(stat(s, 'rss')).toBe(0);
  });

  test.each([[100, 128, 2], [1000, 1024, 5]])('MAP_SHARED|MAP_ANONYMOUS mapped before the move, %i pages touched inside: usage %i, kmem %i (measured)', async (n, usage, kmem) => {
    // The probe mmapped in the parent (the shmem inode went there); in the memcg: PTE pages and
    // xarray nodes. shmem = cache = mapped_file = n.
    const s = await machine();
    const t = s.spawn('');
    const f = s.mmapShared({ task: t, cpu: 1, length: n * PAGE, touch: false });
    s.moveTask(t, 'c');
    s.faultFile(f, { task: t, cpu: 1, length: n * PAGE });
    expect(pages(s, 'memory.usage_in_bytes')).toBe(usage);
    expect(pages(s, 'memory.kmem.usage_in_bytes')).toBe(kmem);
    for (const k of ['shmem', 'cache', 'mapped_file']) expect(stat(s, k)).toBe(n);
  });
});

test.each([[100, 128, 2], [1000, 1024, 3]])('mlock of %i fresh anon pages: usage %i, kmem %i, all unevictable (measured)', async (n, usage, kmem) => {
  const s = await machine();
  const t = s.spawn('c');
  s.mlockPopulate(t, n, { cpu: 1 });
  expect(pages(s, 'memory.usage_in_bytes')).toBe(usage);
  expect(pages(s, 'memory.kmem.usage_in_bytes')).toBe(kmem);
  expect(stat(s, 'unevictable')).toBe(n);
  expect(stat(s, 'inactive_anon')).toBe(0);
});

test('mmap of a cold 4 MiB file, every page read: usage 1088, kmem 5 (2 PTE pages + 17 nodes), mapped_file 1024, pgpgin 1024 (measured)', async () => {
  const s = await machine();
  const t = s.spawn('c');
  const f = s.createFile({ size: '4M', readAheadKb: 8192 });
  s.faultFile(f, { task: t, cpu: 1, length: '4M' });
  expect(pages(s, 'memory.usage_in_bytes')).toBe(1088);
  expect(pages(s, 'memory.kmem.usage_in_bytes')).toBe(5);
  expect(stat(s, 'mapped_file')).toBe(1024);
  expect(stat(s, 'pgpgin')).toBe(1024);
});
