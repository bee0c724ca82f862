// cgroup v2 interface files: exact text after known operations, accepted and rejected writes
// (errno, nothing changed), and the lazy statistics flushing readers see. Expected values
// follow the show/write functions of mm/memcontrol.c (6.18) named in each case.
import { describe, expect, test } from 'vitest';
import { createSystem, type System } from '../src/index.js';
import { codeOf, fill } from './helpers/sys.js';

const PAGE = 4096;
const one = (topology = { nodes: 1, cpusPerNode: 1 }) => createSystem({ topology });
const charge = (s: System, cgroup: string, n: number, cpu = 0) => Array.from({ length: n }, () => s.charge({ cgroup, cpu }));

// memory_stats[] then pgscan, pgsteal and memcg_vm_event_stat[] without pgpgin/pgpgout
// (memcg_stat_format, 6.18, x86-64 with SWAP, ZSWAP, THP, NUMA_BALANCING; no
// memory_hugetlb_accounting mount option, so no hugetlb line).
const STAT_KEYS = `anon file kernel kernel_stack pagetables sec_pagetables percpu sock vmalloc shmem zswap
zswapped file_mapped file_dirty file_writeback swapcached anon_thp file_thp shmem_thp
inactive_anon active_anon inactive_file active_file unevictable slab_reclaimable
slab_unreclaimable slab workingset_refault_anon workingset_refault_file
workingset_activate_anon workingset_activate_file workingset_restore_anon
workingset_restore_file workingset_nodereclaim pgdemote_kswapd pgdemote_direct
pgdemote_khugepaged pgdemote_proactive pgpromote_success pgscan pgsteal pswpin pswpout
pgscan_kswapd pgscan_direct pgscan_khugepaged pgscan_proactive pgsteal_kswapd pgsteal_direct
pgsteal_khugepaged pgsteal_proactive pgfault pgmajfault pgrefill pgactivate pgdeactivate
pglazyfree pglazyfreed swpin_zero swpout_zero zswpin zswpout zswpwb thp_fault_alloc
thp_collapse_alloc thp_swpout thp_swpout_fallback numa_pages_migrated numa_pte_updates
numa_hint_faults`.split(/\s+/);
// memory_numa_stat_show: the memory_stats[] node items (no memcg-only items, no slab), hugetlb included.
const NUMA_KEYS = `anon file kernel_stack pagetables sec_pagetables shmem file_mapped file_dirty
file_writeback swapcached anon_thp file_thp shmem_thp inactive_anon active_anon inactive_file
active_file unevictable slab_reclaimable slab_unreclaimable hugetlb workingset_refault_anon
workingset_refault_file workingset_activate_anon workingset_activate_file workingset_restore_anon
workingset_restore_file workingset_nodereclaim pgdemote_kswapd pgdemote_direct pgdemote_khugepaged
pgdemote_proactive pgpromote_success`.split(/\s+/);

function stat(s: System, path: string): Record<string, number> {
  return Object.fromEntries(s.read(path).trimEnd().split('\n').map((l) => [l.split(' ')[0], Number(l.split(' ')[1])]));
}

describe('files a v2 cgroup has', () => {
  test('a child: cgroup core files and the memory files (memory_files[], swap_files[]); ls sorts like ls(1)', async () => {
    const s = await one();
    s.mkdir('a');
    expect(s.ls('a')).toEqual([
      'cgroup.controllers', 'cgroup.events', 'cgroup.stat', 'cgroup.subtree_control', 'memory.current', 'memory.events', 'memory.events.local',
      'memory.high', 'memory.low', 'memory.max', 'memory.min', 'memory.numa_stat', 'memory.oom.group', 'memory.peak',
      'memory.reclaim', 'memory.stat', 'memory.swap.current', 'memory.swap.events', 'memory.swap.high', 'memory.swap.max',
      'memory.swap.peak',
    ]);
  });
  test('the root has no CFTYPE_NOT_ON_ROOT file: only stat, numa_stat, reclaim (cgroup.stat, not cgroup.events); ls shows child directories', async () => {
    const s = await one();
    s.mkdir('a');
    expect(s.ls('')).toEqual(['a', 'cgroup.controllers', 'cgroup.stat', 'cgroup.subtree_control', 'memory.numa_stat', 'memory.reclaim', 'memory.stat']);
    expect(codeOf(() => s.read('memory.current'))).toBe('ENOENT');
    expect(codeOf(() => s.write('memory.max', '1M'))).toBe('ENOENT');
  });
  test('ENOENT for a missing cgroup or file, and for a v1 file name; /sys/fs/cgroup/ prefix accepted', async () => {
    const s = await one();
    s.mkdir('a');
    expect(codeOf(() => s.read('b/memory.current'))).toBe('ENOENT');
    expect(codeOf(() => s.read('a/memory.nope'))).toBe('ENOENT');
    expect(codeOf(() => s.read('a/memory.limit_in_bytes'))).toBe('ENOENT');
    expect(codeOf(() => s.ls('b'))).toBe('ENOENT');
    expect(s.read('/sys/fs/cgroup/a/memory.max')).toBe('max\n');
  });
});

describe('reads after known operations', () => {
  test('a fresh cgroup: tunables print "max" for PAGE_COUNTER_MAX and bytes otherwise (seq_puts_memcg_tunable)', async () => {
    const s = await one();
    s.mkdir('a');
    const read = (f: string) => s.read(`a/${f}`);
    expect(['memory.current', 'memory.min', 'memory.low', 'memory.high', 'memory.max', 'memory.peak'].map(read))
      .toEqual(['0\n', '0\n', '0\n', 'max\n', 'max\n', '0\n']);
    expect(['memory.swap.current', 'memory.swap.high', 'memory.swap.max', 'memory.swap.peak', 'memory.oom.group'].map(read))
      .toEqual(['0\n', 'max\n', 'max\n', '0\n', '0\n']);
    expect(read('memory.events')).toBe('low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n');
    expect(read('memory.events.local')).toBe('low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n');
    expect(read('memory.swap.events')).toBe('high 0\nmax 0\nfail 0\n');
    expect(read('memory.stat')).toBe(STAT_KEYS.map((k) => `${k} 0\n`).join(''));
    expect(read('memory.numa_stat')).toBe(NUMA_KEYS.map((k) => `${k} N0=0\n`).join(''));
    expect(read('cgroup.controllers')).toBe('memory\n');
    expect(read('cgroup.subtree_control')).toBe(''); // no controller enabled: an empty file
  });

  test('memory.current reads the counter: one page charged shows the 64-page batch; memory.peak the watermark', async () => {
    const s = await one();
    s.mkdir('a');
    charge(s, 'a', 1);
    expect(s.read('a/memory.current')).toBe(`${64 * PAGE}\n`);
    charge(s, 'a', 64); // 63 from the stock, then a new batch of 64
    expect(s.read('a/memory.current')).toBe(`${128 * PAGE}\n`);
    expect(s.read('a/memory.peak')).toBe(`${128 * PAGE}\n`);
  });

  test('memory.events counts on the memcg over its limit and its ancestors; .local only on it (__memory_events_show)', async () => {
    const s = await one();
    s.mkdir('a');
    s.mkdir('a/b', { 'memory.max': 10 * PAGE });
    fill(s, 'a/b');
    // The failing 1-page charge: 1 + 1 (drain pass) + 16 retries reach reclaim: 18 max events, then one OOM.
    expect(s.read('a/b/memory.events')).toBe('low 0\nhigh 0\nmax 18\noom 1\noom_kill 0\noom_group_kill 0\n');
    expect(s.read('a/b/memory.events.local')).toBe('low 0\nhigh 0\nmax 18\noom 1\noom_kill 0\noom_group_kill 0\n');
    expect(s.read('a/memory.events')).toBe('low 0\nhigh 0\nmax 18\noom 1\noom_kill 0\noom_group_kill 0\n');
    expect(s.read('a/memory.events.local')).toBe('low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n');
  });

  test('the memory_localevents mount option: memory.events counts like .local', async () => {
    const s = await createSystem({ topology: { nodes: 1, cpusPerNode: 1 }, localEvents: true });
    s.mkdir('a');
    s.mkdir('a/b', { 'memory.max': 10 * PAGE });
    fill(s, 'a/b');
    expect(stat(s, 'a/b/memory.events').max).toBe(18);
    expect(stat(s, 'a/memory.events').max).toBe(0);
  });

  test('memory.numa_stat: per node, the node of the charging CPU', async () => {
    const s = await one({ nodes: 2, cpusPerNode: 1 });
    s.mkdir('a');
    const f = s.charge({ cgroup: 'a', cpu: 1, order: 9 }); // a THP on node 1
    s.charge({ cgroup: 'a', cpu: 0, kind: 'file' });
    s.flushStats('', { force: true }); // the periodic flusher
    const numa = s.read('a/memory.numa_stat').split('\n');
    expect(numa[0]).toBe(`anon N0=0 N1=${512 * PAGE}`);
    expect(numa[1]).toBe(`file N0=${PAGE} N1=0`);
    expect(numa[NUMA_KEYS.indexOf('anon_thp')]).toBe(`anon_thp N0=0 N1=${512 * PAGE}`);
    const st = stat(s, 'a/memory.stat');
    expect([st.anon, st.file, st.anon_thp, st.file_thp]).toEqual([512 * PAGE, PAGE, 512 * PAGE, 0]);
    expect(stat(s, 'memory.stat').anon).toBe(512 * PAGE); // the root's stat is hierarchical
    s.uncharge(f);
    s.flushStats('', { force: true });
    expect(stat(s, 'a/memory.stat').anon).toBe(0);
  });
});

describe('lazy statistics (memcg_rstat_updated, mem_cgroup_flush_stats)', () => {
  // One CPU: a reader flushes when more than MEMCG_CHARGE_BATCH × 1 = 64 updates are pending.
  // A 1-page anon charge is a fault and makes 3 updates (NR_ANON_MAPPED +1, PGPGIN +1, PGFAULT
  // +1 from mm_account_fault); NR_INACTIVE_ANON +1 (update_lru_size) comes for 31 folios at
  // once when the 31st fills the lru_add batch (folio_batch_move_lru). Counted per CPU and
  // moved to the memcg-wide count 64 at a time: 31 charges → 124 updates → 64 moved (not
  // above 64), 32 → 127 → 64, 33 → 130 → 128.
  test('31 and 32 charges: memory.stat still shows nothing while memory.current is exact; the 33rd makes it flush', async () => {
    const s = await one();
    s.mkdir('a');
    charge(s, 'a', 31);
    expect(s.read('a/memory.current')).toBe(`${64 * PAGE}\n`);
    expect(stat(s, 'a/memory.stat').anon).toBe(0);
    charge(s, 'a', 1);
    expect(stat(s, 'a/memory.stat').anon).toBe(0);
    charge(s, 'a', 1);
    const st = stat(s, 'a/memory.stat');
    // folio_add_lru: inactive; the 32nd and 33rd wait in the batch
    expect([st.anon, st.inactive_anon, st.active_anon]).toEqual([33 * PAGE, 31 * PAGE, 0]);
    expect(st.pgfault).toBe(33);
    expect(s.nodeStat('a', 0).anon).toBe(33); // the emulator's exact view
  });

  test('a flush covers the reader\'s subtree only; the root reader flushes everything', async () => {
    const s = await one();
    s.mkdir('a');
    s.mkdir('b');
    charge(s, 'a', 64); // a and the root: 256 updates each, 4 batches moved
    charge(s, 'b', 10); // b: 40 per-CPU updates; the root is already due and stops counting
    expect(stat(s, 'a/memory.stat').anon).toBe(64 * PAGE);
    expect(stat(s, 'b/memory.stat').anon).toBe(0);
    expect(stat(s, 'memory.stat').anon).toBe(74 * PAGE);
    expect(stat(s, 'b/memory.stat').anon).toBe(10 * PAGE);
  });

  test('more CPUs raise the threshold: with 4 CPUs, 79 charges on one CPU stay invisible', async () => {
    const s = await one({ nodes: 1, cpusPerNode: 4 });
    s.mkdir('a');
    charge(s, 'a', 79);
    expect(stat(s, 'a/memory.stat').anon).toBe(0); // 316 updates: 4 batches = 256, threshold 256
    expect(s.flushStats('a')).toBe(false);
    expect(s.flushStats('a', { force: true })).toBe(true);
    expect(stat(s, 'a/memory.stat').anon).toBe(79 * PAGE);
  });

  test('uncharges count as updates too, and are flushed the same way', async () => {
    const s = await one();
    s.mkdir('a');
    const ids = charge(s, 'a', 64);
    expect(stat(s, 'a/memory.stat').anon).toBe(64 * PAGE); // flushed
    s.uncharge(ids.slice(0, 10));
    // 10 anon and 10 LRU page updates + 1 PGPGOUT event of 10: 30 pending, below the threshold.
    expect(stat(s, 'a/memory.stat').anon).toBe(64 * PAGE);
    s.flushStats('', { force: true });
    expect(stat(s, 'a/memory.stat').anon).toBe(54 * PAGE);
  });
});

describe('limit writes (memory_{min,low,high,max}_write: strstrip + page_counter_memparse(buf, "max"))', () => {
  test.each([
    ['1M', `${1 << 20}\n`],
    ['1m', `${1 << 20}\n`],
    [' 4096 \n', '4096\n'],
    ['4097', '4096\n'], // rounded down to pages
    ['4095', '0\n'],
    ['0x100000', `${1 << 20}\n`],
    ['010', '0\n'], // octal 8 bytes
    ['max', 'max\n'],
    ['max\n', 'max\n'],
    ['\n', '0\n'], // strips to "", which memparse reads as 0
    [1048576, `${1 << 20}\n`],
    ['8E', 'max\n'], // 2^63 bytes = 2^51 pages, clamped to PAGE_COUNTER_MAX = 2^51 - 1
    ['16E', '0\n'], // memparse works in 64 bits: 16 << 60 wraps to 0
  ])('memory.max = %j reads %j', async (value, want) => {
    const s = await one();
    s.mkdir('a');
    s.write('a/memory.max', value);
    expect(s.read('a/memory.max')).toBe(want);
  });

  test.each(['memory.max', 'memory.high', 'memory.low', 'memory.min', 'memory.swap.max', 'memory.swap.high'])(
    '%s: garbage, -1, 1.5M, 1 M, "max x", 1MB are EINVAL and change nothing',
    async (file) => {
      const s = await one();
      s.mkdir('a');
      s.write(`a/${file}`, '2M');
      for (const bad of ['garbage', '-1', '1.5M', '1 M', 'max x', '1MB', '+4096']) {
        expect(codeOf(() => s.write(`a/${file}`, bad)), bad).toBe('EINVAL');
        expect(s.read(`a/${file}`)).toBe(`${2 << 20}\n`);
      }
    },
  );

  test('a zero-length write never reaches the handler', async () => {
    const s = await one();
    s.mkdir('a');
    s.write('a/memory.max', '1M');
    s.write('a/memory.max', '');
    expect(s.read('a/memory.max')).toBe(`${1 << 20}\n`);
  });

  test('memory.max below usage: drain, 16 reclaim passes that free nothing, one OOM, no victim; the write succeeds', async () => {
    const s = await one();
    s.mkdir('a');
    charge(s, 'a', 10);
    expect(s.read('a/memory.current')).toBe(`${64 * PAGE}\n`);
    s.write('a/memory.max', '4K');
    expect(s.read('a/memory.max')).toBe(`${PAGE}\n`);
    expect(s.read('a/memory.current')).toBe(`${10 * PAGE}\n`); // the stock was drained
    expect(s.read('a/memory.events')).toBe('low 0\nhigh 0\nmax 0\noom 1\noom_kill 0\noom_group_kill 0\n');
    expect(codeOf(() => s.charge({ cgroup: 'a', cpu: 0 }))).toBe('ENOMEM');
  });

  test('memory.high below usage: drain and reclaim, no OOM, no event', async () => {
    const s = await one();
    s.mkdir('a');
    charge(s, 'a', 10);
    s.write('a/memory.high', '8K');
    expect(s.read('a/memory.high')).toBe(`${2 * PAGE}\n`);
    expect(s.read('a/memory.current')).toBe(`${10 * PAGE}\n`);
    expect(stat(s, 'a/memory.events')).toEqual({ low: 0, high: 0, max: 0, oom: 0, oom_kill: 0, oom_group_kill: 0 });
  });

  test('memory.min and memory.low take "max"; the protection counts in the parent (propagate_protected_usage)', async () => {
    const s = await one();
    s.mkdir('a');
    s.mkdir('a/b');
    s.write('a/b/memory.min', 'max');
    s.write('a/b/memory.low', '100K');
    expect(s.read('a/b/memory.min')).toBe('max\n');
    expect(s.read('a/b/memory.low')).toBe(`${25 * PAGE}\n`);
    charge(s, 'a/b', 1);
    expect(s.counter('a').childrenMinUsage).toBe(64);
    expect(s.counter('a').childrenLowUsage).toBe(25);
  });
});

describe('memory.peak (per open file)', () => {
  test('a file that never wrote reads the watermark; a write resets its own peak to the current usage', async () => {
    const s = await one();
    s.mkdir('a');
    const ids = charge(s, 'a', 64);
    s.uncharge(ids);
    // 64 = 2 × 31 + 2: the last 2 still wait in the lru_add batch, which keeps them charged
    // (6.16+: no lru_add_drain on the unmap path)
    expect(s.read('a/memory.current')).toBe(`${2 * PAGE}\n`);
    const f = s.open('a/memory.peak');
    expect(f.read()).toBe(`${64 * PAGE}\n`);
    f.write('reset'); // the content is not parsed
    expect(f.read()).toBe(`${2 * PAGE}\n`);
    expect(s.read('a/memory.peak')).toBe(`${64 * PAGE}\n`); // another file still sees the global peak
    charge(s, 'a', 1); // the stock is empty (uncharges do not refill it): a batch of 64
    expect(f.read()).toBe(`${66 * PAGE}\n`);
    f.close();
    expect(codeOf(() => f.read())).toBe('EBADF');
  });

  test('a later write by another file raises earlier writers to the usage at that time (peak_write)', async () => {
    const s = await one();
    s.mkdir('a');
    const g = s.open('a/memory.peak');
    g.write('x'); // g = 0
    const ids = charge(s, 'a', 1); // usage 64
    const f = s.open('a/memory.peak');
    f.write('x'); // local_watermark = 64; g = max(0, 64)
    s.uncharge(ids); // the folio waits in the lru_add batch: held, still charged
    // memory_max_write drains the stock (usage 1); reclaim finds empty lists (no lru_add_drain)
    s.write('a/memory.max', '0');
    expect(f.read()).toBe(`${64 * PAGE}\n`);
    expect(g.read()).toBe(`${64 * PAGE}\n`);
    f.write('x'); // usage 1 page now: f = 1, local_watermark = 1, g keeps 64
    expect(f.read()).toBe(`${PAGE}\n`);
    expect(g.read()).toBe(`${64 * PAGE}\n`);
    f.close();
    g.close();
  });
});

describe('other v2 files', () => {
  test.each([
    ['1', '1\n'],
    [' 1\n', '1\n'],
    ['0', '0\n'],
    ['0x1', '1\n'],
  ])('memory.oom.group = %j reads %j', async (value, want) => {
    const s = await one();
    s.mkdir('a');
    s.write('a/memory.oom.group', value);
    expect(s.read('a/memory.oom.group')).toBe(want);
  });

  test.each(['2', '-1', 'x', '1 1'])('memory.oom.group = %j is EINVAL and changes nothing', async (value) => {
    const s = await one();
    s.mkdir('a');
    s.write('a/memory.oom.group', '1');
    expect(codeOf(() => s.write('a/memory.oom.group', value))).toBe('EINVAL');
    expect(s.read('a/memory.oom.group')).toBe('1\n');
  });

  test('memory.reclaim: nothing reclaimable is EAGAIN; a size below a page succeeds; bad arguments are EINVAL', async () => {
    const s = await one();
    s.mkdir('a');
    charge(s, 'a', 10);
    expect(codeOf(() => s.write('a/memory.reclaim', '1M'))).toBe('EAGAIN');
    expect(codeOf(() => s.write('a/memory.reclaim', '1M swappiness=10'))).toBe('EAGAIN');
    expect(codeOf(() => s.write('a/memory.reclaim', '1M swappiness=max'))).toBe('EAGAIN');
    expect(codeOf(() => s.write('a/memory.reclaim', '100'))).toBe('ok');
    expect(codeOf(() => s.write('memory.reclaim', '0'))).toBe('ok'); // on the root too
    for (const bad of ['swappiness=10', '1M swappiness=201', '1M swappiness=-1', '1M foo', '1Gx', 'x']) {
      expect(codeOf(() => s.write('a/memory.reclaim', bad)), bad).toBe('EINVAL');
    }
    expect(s.read('a/memory.current')).toBe(`${64 * PAGE}\n`);
    expect(codeOf(() => s.read('a/memory.reclaim'))).toBe('EINVAL'); // write-only
  });

  test('read-only files refuse writes with EINVAL (cgroup_file_write without a handler)', async () => {
    const s = await one();
    s.mkdir('a');
    for (const f of ['memory.current', 'memory.stat', 'memory.events', 'memory.numa_stat', 'memory.swap.current', 'cgroup.controllers']) {
      expect(codeOf(() => s.write(`a/${f}`, '0')), f).toBe('EINVAL');
    }
  });

  // cgroup_subtree_control_write; the lifecycle rules are in cgroup-subtree-control.test.ts.
  test('cgroup.subtree_control: mkdir enables memory for the user (autoEnableMemory); -memory is EBUSY only while a child has it on; other controllers', async () => {
    const s = await one();
    expect(s.read('cgroup.subtree_control')).toBe('memory\n');
    s.mkdir('a');
    expect(s.read('a/cgroup.subtree_control')).toBe('');
    s.write('a/cgroup.subtree_control', '+memory');
    expect(s.read('a/cgroup.subtree_control')).toBe('memory\n');
    s.write('a/cgroup.subtree_control', '-memory'); // no children yet
    expect(s.read('a/cgroup.subtree_control')).toBe('');
    s.mkdir('a/b');
    expect(s.read('a/cgroup.subtree_control')).toBe('memory\n');
    s.write('a/b/cgroup.subtree_control', '+memory');
    expect(codeOf(() => s.write('a/cgroup.subtree_control', '-memory'))).toBe('EBUSY'); // b has it in its own
    expect(codeOf(() => s.write('a/cgroup.subtree_control', '+cpu'))).toBe('ENOENT'); // not in cgroup.controllers
    expect(codeOf(() => s.write('a/cgroup.subtree_control', 'memory'))).toBe('EINVAL'); // no +/- prefix
    expect(codeOf(() => s.write('a/cgroup.subtree_control', '+bogus'))).toBe('EINVAL');
    expect(codeOf(() => s.write('a/cgroup.subtree_control', '-cpu'))).toBe('ok'); // disabling what is off: no-op
    expect(s.read('a/cgroup.subtree_control')).toBe('memory\n');
    s.write('a/b/cgroup.subtree_control', '-memory');
    s.write('a/cgroup.subtree_control', '-memory'); // b has memory off in its own: allowed, b loses its memcg
    expect(s.read('a/b/cgroup.controllers')).toBe('');
    expect(codeOf(() => s.read('a/b/memory.current'))).toBe('ENOENT');
  });
});
