// cgroup v1 interface files (mm/memcontrol-v1.c and mem_cgroup_legacy_files, Linux 6.18):
// what each file prints after a known sequence of operations, every write form it accepts,
// and every one it rejects (its errno, and nothing changed). Every expected value follows a
// kernel rule cited at the test; "measured" marks a fact observed on a real 6.18 kernel
// (cgroup v1 memory controller, 1 node, PAGE_SIZE 4096). One CPU unless a test says otherwise,
// so CPU 0's stock is the only one.
import { describe, expect, test } from 'vitest';
import type { System, SystemOptions } from '../src/index.js';
import { STOCK_DESIGNS, codeOf, fill, sys } from './helpers/sys.js';
import { KERNEL } from './helpers/eras.js';

const PAGE = 4096;
/** MEMCG_CHARGE_BATCH: a charge that misses the stock charges this many pages. */
const BATCH = 64;
/** PAGE_COUNTER_MAX × PAGE_SIZE = (LONG_MAX / 4096) × 4096: v1 prints this for "no limit". */
const UNLIMITED = '9223372036854771712';

const v1 = (opts: SystemOptions = {}) => sys({ cgroupVersion: 1, profile: 'multi', ...opts });
const path = (cg: string, file: string) => (cg === '' ? file : `${cg}/${file}`);
const bytes = (pages: number) => `${pages * PAGE}\n`;
/** Usage after n one-page charges on one CPU into a fresh memcg: whole batches (try_charge_memcg + refill_stock). */
const batched = (n: number) => Math.ceil(n / BATCH) * BATCH;

function charge(s: System, cgroup: string, n: number, opts: { kind?: 'anon' | 'file'; cpu?: number } = {}): number[] {
  return Array.from({ length: n }, () => s.charge({ cgroup, cpu: opts.cpu ?? 0, kind: opts.kind }));
}

// ── the kernel's texts ─────────────────────────────────────────────────────────────────────

/** memory.stat of a fresh child, byte for byte as `cat` printed it (measured: 721 bytes). */
const FRESH_STAT = `cache 0
rss 0
rss_huge 0
shmem 0
mapped_file 0
dirty 0
writeback 0
workingset_refault_anon 0
workingset_refault_file 0
swap 0
swapcached 0
pgpgin 0
pgpgout 0
pgfault 0
pgmajfault 0
inactive_anon 0
active_anon 0
inactive_file 0
active_file 0
unevictable 0
hierarchical_memory_limit 9223372036854771712
hierarchical_memsw_limit 9223372036854771712
total_cache 0
total_rss 0
total_rss_huge 0
total_shmem 0
total_mapped_file 0
total_dirty 0
total_writeback 0
total_workingset_refault_anon 0
total_workingset_refault_file 0
total_swap 0
total_swapcached 0
total_pgpgin 0
total_pgpgout 0
total_pgfault 0
total_pgmajfault 0
total_inactive_anon 0
total_active_anon 0
total_inactive_file 0
total_active_file 0
total_unevictable 0
`;

/** memory.numa_stat of a fresh child on one node (measured: 164 bytes). */
const FRESH_NUMA_STAT = `total=0 N0=0
file=0 N0=0
anon=0 N0=0
unevictable=0 N0=0
hierarchical_total=0 N0=0
hierarchical_file=0 N0=0
hierarchical_anon=0 N0=0
hierarchical_unevictable=0 N0=0
`;

// memcg1_stats[] (CONFIG_TRANSPARENT_HUGEPAGE, CONFIG_SWAP), memcg1_events[], then the LRUs.
const STAT_STATES = ['cache', 'rss', 'rss_huge', 'shmem', 'mapped_file', 'dirty', 'writeback',
  'workingset_refault_anon', 'workingset_refault_file', 'swap', 'swapcached'];
const STAT_EVENTS = ['pgpgin', 'pgpgout', 'pgfault', 'pgmajfault'];
const STAT_LRUS = ['inactive_anon', 'active_anon', 'inactive_file', 'active_file', 'unevictable'];

/** Page items in pages (cache = NR_FILE_PAGES, rss = NR_ANON_MAPPED, rss_huge = NR_ANON_THPS), events as counts. */
type Stat = { cache?: number; rss?: number; rss_huge?: number; pgpgin?: number; pgpgout?: number; pgfault?: number; inactive_anon?: number; inactive_file?: number };

/**
 * memcg1_stat_format: the local flushed values (state_local, events_local), the smallest
 * memory and memsw limit up to the root, then the hierarchical ones as total_*. Page items
 * print × PAGE_SIZE, events as counts. A new folio goes on the inactive list of its type
 * (folio_add_lru), so without reclaim inactive_anon = rss and inactive_file = cache.
 */
function v1Stat(local: Stat, total: Stat, limits: { memory?: string; memsw?: string } = {}): string {
  const lru = (st: Stat, k: string) =>
    k === 'inactive_anon' ? (st.inactive_anon ?? st.rss ?? 0) : k === 'inactive_file' ? (st.inactive_file ?? st.cache ?? 0) : 0;
  const part = (st: Stat, prefix: string) => [
    ...STAT_STATES.map((k) => `${prefix}${k} ${(st[k as keyof Stat] ?? 0) * PAGE}\n`),
    ...STAT_EVENTS.map((k) => `${prefix}${k} ${st[k as keyof Stat] ?? 0}\n`),
    ...STAT_LRUS.map((k) => `${prefix}${k} ${lru(st, k) * PAGE}\n`),
  ].join('');
  return part(local, '') +
    `hierarchical_memory_limit ${limits.memory ?? UNLIMITED}\n` +
    `hierarchical_memsw_limit ${limits.memsw ?? UNLIMITED}\n` +
    part(total, 'total_');
}

/** memcg_numa_stat_show with nothing on any LRU: name=<total> then N<n>=<pages> per node. */
function emptyNumaStat(nodes: number): string {
  const keys = ['total', 'file', 'anon', 'unevictable'];
  return [...keys, ...keys.map((k) => `hierarchical_${k}`)]
    .map((k) => `${k}=0${Array.from({ length: nodes }, (_, n) => ` N${n}=0`).join('')}\n`)
    .join('');
}

/** mem_cgroup_oom_control_read with no task asleep in an OOM wait (a charge without a task is no user fault: it never waits). */
const oomControl = (disable: 0 | 1, oomKill = 0) => `oom_kill_disable ${disable}\nunder_oom 0\noom_kill ${oomKill}\n`;

/** Everything a rejected write must leave alone: each readable file, the counters, the stock, the events. */
function snapshot(s: System, cg: string) {
  const files: Record<string, string> = {};
  for (const f of s.ls(cg).filter((x) => x.startsWith('memory.'))) {
    try {
      files[f] = s.read(path(cg, f));
    } catch (e) {
      files[f] = (e as { code: string }).code;
    }
  }
  return { files, memory: s.counter(cg, 'memory'), memsw: s.counter(cg, 'memsw'), stock: s.stock(0), events: s.events(cg) };
}

describe('sanity of the expected texts', () => {
  test('v1Stat of nothing is the measured fresh memory.stat; the numa_stat builder matches too', () => {
    expect(v1Stat({}, {})).toBe(FRESH_STAT);
    expect(FRESH_STAT.length).toBe(721);
    expect(emptyNumaStat(1)).toBe(FRESH_NUMA_STAT);
    expect(FRESH_NUMA_STAT.length).toBe(164);
    expect(oomControl(0).length).toBe(42);
  });
});

// ── the file set ───────────────────────────────────────────────────────────────────────────

/** `ls` of a fresh child memcg on 6.18 (measured; without the vendor file memory.shown_ram_in_bytes). */
const KERNEL_LS = [
  'cgroup.clone_children', 'cgroup.event_control', 'cgroup.procs', 'memory.failcnt', 'memory.force_empty',
  'memory.kmem.failcnt', 'memory.kmem.limit_in_bytes', 'memory.kmem.max_usage_in_bytes', 'memory.kmem.slabinfo',
  'memory.kmem.tcp.failcnt', 'memory.kmem.tcp.limit_in_bytes', 'memory.kmem.tcp.max_usage_in_bytes',
  'memory.kmem.tcp.usage_in_bytes', 'memory.kmem.usage_in_bytes', 'memory.limit_in_bytes', 'memory.max_usage_in_bytes',
  'memory.memsw.failcnt', 'memory.memsw.limit_in_bytes', 'memory.memsw.max_usage_in_bytes', 'memory.memsw.usage_in_bytes',
  'memory.move_charge_at_immigrate', 'memory.numa_stat', 'memory.oom_control', 'memory.pressure_level',
  'memory.soft_limit_in_bytes', 'memory.stat', 'memory.swappiness', 'memory.usage_in_bytes', 'memory.use_hierarchy',
  'notify_on_release', 'tasks',
];
/** What the emulator leaves out: the cgroup core files and event_control (README). */
const NOT_MODELLED = (f: string) => !f.startsWith('memory.');
const MODELLED = KERNEL_LS.filter((f) => !NOT_MODELLED(f));

describe('v1 file set', () => {
  test('a child lists the kernel memory.* files, in ls order', async () => {
    const s = await v1();
    s.mkdir('a');
    expect(s.ls('a')).toEqual(MODELLED);
  });

  test('the root has the same memory files (no v1 cftype is CFTYPE_NOT_ON_ROOT), plus its children', async () => {
    const s = await v1();
    s.mkdir('a');
    s.mkdir('b');
    expect(s.ls('')).toEqual([...MODELLED, 'a', 'b'].sort());
  });

  test('no v2 file exists in v1 (measured: no memory.max, memory.current, memory.events, memory.peak)', async () => {
    const s = await v1();
    s.mkdir('a');
    for (const f of ['memory.max', 'memory.current', 'memory.events', 'memory.peak', 'memory.swap.max', 'cgroup.subtree_control']) {
      expect(codeOf(() => s.read(`a/${f}`))).toBe('ENOENT');
    }
  });
});

// ── reads ──────────────────────────────────────────────────────────────────────────────────

describe('reads of a fresh memcg (measured on 6.18)', () => {
  test.each([
    ['memory.usage_in_bytes', '0\n'],
    ['memory.max_usage_in_bytes', '0\n'],
    ['memory.limit_in_bytes', `${UNLIMITED}\n`],
    ['memory.soft_limit_in_bytes', `${UNLIMITED}\n`],
    ['memory.failcnt', '0\n'],
    ['memory.stat', FRESH_STAT],
    ['memory.use_hierarchy', '1\n'],
    ['memory.swappiness', '60\n'],
    ['memory.move_charge_at_immigrate', '0\n'],
    ['memory.oom_control', oomControl(0)],
    ['memory.numa_stat', FRESH_NUMA_STAT],
    ['memory.memsw.usage_in_bytes', '0\n'],
    ['memory.memsw.max_usage_in_bytes', '0\n'],
    ['memory.memsw.limit_in_bytes', `${UNLIMITED}\n`],
    ['memory.memsw.failcnt', '0\n'],
  ])('%s', async (file, text) => {
    const s = await v1();
    s.mkdir('a');
    expect(s.read(`a/${file}`)).toBe(text);
  });

  test.each(['memory.pressure_level', 'memory.force_empty'])('reading %s is EINVAL (no seq_show/read_u64: cgroup_seqfile_show)', async (file) => {
    const s = await v1();
    s.mkdir('a');
    expect(codeOf(() => s.read(`a/${file}`))).toBe('EINVAL');
    expect(codeOf(() => s.read(file))).toBe('EINVAL');
  });

  test('memory.numa_stat prints one N<n>= column per node (memcg_numa_stat_show, for_each_node_state N_MEMORY)', async () => {
    const s = await v1({ topology: { nodes: 2, cpusPerNode: 1 } });
    s.mkdir('a');
    expect(s.read('a/memory.numa_stat')).toBe(emptyNumaStat(2));
    expect(s.read('a/memory.numa_stat').split('\n')[0]).toBe('total=0 N0=0 N1=0');
    expect(s.read('memory.numa_stat')).toBe(emptyNumaStat(2));
  });
});

describe('memory.usage_in_bytes, memory.max_usage_in_bytes: the page counter and its watermark', () => {
  test('one open file read after each charge moves only in steps of a whole batch (measured: +262144 every 64 faults)', async () => {
    const s = await v1();
    s.mkdir('a');
    const usage = s.open('a/memory.usage_in_bytes');
    const memsw = s.open('a/memory.memsw.usage_in_bytes');
    const seen = new Set<string>();
    for (let n = 1; n <= 130; n++) {
      s.charge({ cgroup: 'a', cpu: 0 });
      // try_charge_memcg: a stock miss charges MEMCG_CHARGE_BATCH to memsw and memory and stocks the rest.
      expect(usage.read()).toBe(bytes(batched(n)));
      expect(memsw.read()).toBe(bytes(batched(n)));
      seen.add(usage.read());
    }
    expect([...seen]).toEqual(['262144\n', '524288\n', '786432\n']);
    usage.close();
    memsw.close();
  });

  test('an uncharge goes straight to the counter, one page at a time; max_usage keeps the peak', async () => {
    const s = await v1();
    s.mkdir('a');
    const ids = charge(s, 'a', 130);
    s.uncharge(ids[0]);
    // uncharge_batch -> memcg_uncharge: page_counter_uncharge of memory and memsw, the stock untouched.
    expect(s.read('a/memory.usage_in_bytes')).toBe(bytes(192 - 1));
    expect(s.read('a/memory.memsw.usage_in_bytes')).toBe(bytes(192 - 1));
    expect(s.read('a/memory.max_usage_in_bytes')).toBe(bytes(192));
    expect(s.read('a/memory.memsw.max_usage_in_bytes')).toBe(bytes(192));
  });

  test('the root: usage is the global file + anon page count, max_usage the root counter\'s watermark', async () => {
    const s = await v1();
    s.mkdir('a');
    s.mkdir('b');
    charge(s, 'a', 10);
    charge(s, 'b', 5, { kind: 'file' });
    charge(s, '', 3); // try_charge: the root is not charged, but its folios count in the node stats
    // mem_cgroup_usage(root): global NR_FILE_PAGES + NR_ANON_MAPPED (+ swap in use for memsw: none).
    expect(s.read('memory.usage_in_bytes')).toBe(bytes(10 + 5 + 3));
    expect(s.read('memory.memsw.usage_in_bytes')).toBe(bytes(10 + 5 + 3));
    // RES_MAX_USAGE reads the counter: a's and b's batches went up to the root's counter.
    expect(s.read('memory.max_usage_in_bytes')).toBe(bytes(2 * BATCH));
    expect(s.read('memory.memsw.max_usage_in_bytes')).toBe(bytes(2 * BATCH));
    expect(s.read('memory.limit_in_bytes')).toBe(`${UNLIMITED}\n`);
    expect(s.read('memory.memsw.limit_in_bytes')).toBe(`${UNLIMITED}\n`);
    expect(s.read('memory.failcnt')).toBe('0\n');
    expect(s.read('a/memory.usage_in_bytes')).toBe(bytes(BATCH));
    expect(s.read('b/memory.usage_in_bytes')).toBe(bytes(BATCH));
  });
});

describe('memory.stat: flushed statistics (memcg1_stat_format after mem_cgroup_flush_stats)', () => {
  // Each one-page anon charge is a fault and makes 3 stat updates (NR_ANON_MAPPED +1, PGPGIN
  // +1, PGFAULT +1 (mm_account_fault)); a page cache charge makes 2 (no PGFAULT). The inactive
  // LRU size +1 (update_lru_size in lruvec_add_folio) comes only when the per-CPU lru_add batch
  // moves (folio_batch_move_lru): its 31 folios (6.16+ PAGEVEC_SIZE) at once when the 31st is
  // added. memcg_rstat_updated counts them per CPU and moves a CPU's count to the memcg-wide
  // count in batches of 64; a reader flushes only when that count exceeds 64 × online CPUs.
  test('31 charges: still all 0 (3 × 31 + 31 = 124 updates = one batch of 64 moved, 64 is not > 64)', async () => {
    const s = await v1();
    s.mkdir('a');
    charge(s, 'a', 31);
    expect(s.read('a/memory.stat')).toBe(FRESH_STAT);
    expect(s.read('memory.stat')).toBe(FRESH_STAT);
  });

  test('32 charges: 127 updates, still 1 batch; 33: 130, 2 batches = 128 > 64, the reader flushes and sees the exact values', async () => {
    const s = await v1();
    s.mkdir('a');
    charge(s, 'a', 32);
    expect(s.read('a/memory.stat')).toBe(FRESH_STAT);
    charge(s, 'a', 1);
    const a = { rss: 33, inactive_anon: 31, pgpgin: 33, pgfault: 33 }; // 2 wait in the lru_add batch
    expect(s.read('a/memory.stat')).toBe(v1Stat(a, a));
    // The root counted the same updates; nothing is charged to it, so its local part is 0.
    expect(s.read('memory.stat')).toBe(v1Stat({}, a));
  });

  test('the periodic flusher (forced, whole tree) shows a single charge', async () => {
    const s = await v1();
    s.mkdir('a');
    charge(s, 'a', 1);
    expect(s.read('a/memory.stat')).toBe(FRESH_STAT);
    s.flushStats('', { force: true }); // flush_memcg_stats_dwork: __mem_cgroup_flush_stats(root, true)
    const a = { rss: 1, inactive_anon: 0, pgpgin: 1, pgfault: 1 }; // the folio is still in the lru_add batch
    expect(s.read('a/memory.stat')).toBe(v1Stat(a, a));
  });

  test('anon and file folios: rss and cache; pgpgin counts both, pgfault only the anon faults', async () => {
    const s = await v1();
    s.mkdir('a');
    for (let i = 0; i < 32; i++) {
      s.charge({ cgroup: 'a', cpu: 0 });
      s.charge({ cgroup: 'a', cpu: 0, kind: 'file' });
    }
    // one lru_add batch for both kinds: the 31st and 62nd folios move it (31 anon, 31 file listed)
    const a = { cache: 32, rss: 32, inactive_anon: 31, inactive_file: 31, pgpgin: 64, pgfault: 32 };
    expect(s.read('a/memory.stat')).toBe(v1Stat(a, a));
  });

  test('uncharges: pgpgout per folio, visible only after the next flush', async () => {
    const s = await v1();
    s.mkdir('a');
    const ids = charge(s, 'a', 64);
    s.flushStats('', { force: true });
    // 62 are on the LRU (2 wait in the lru_add batch); the 10 freed are listed ones
    s.uncharge(ids.slice(0, 10)); // 10 NR_ANON_MAPPED -1, 10 LRU -1, one PGPGOUT +10: 30 < 64, no flush
    const before = { rss: 64, inactive_anon: 62, pgpgin: 64, pgfault: 64 };
    expect(s.read('a/memory.stat')).toBe(v1Stat(before, before));
    s.flushStats('', { force: true });
    const after = { rss: 54, inactive_anon: 52, pgpgin: 64, pgpgout: 10, pgfault: 64 };
    expect(s.read('a/memory.stat')).toBe(v1Stat(after, after));
  });

  test('one THP (order 9): 512-page updates cross the threshold at once; rss_huge is NR_ANON_THPS', async () => {
    const s = await v1();
    s.mkdir('a');
    const id = s.charge({ cgroup: 'a', cpu: 0, order: 9 });
    // try_charge_memcg: batch = max(64, 512), nothing left to stock.
    expect(s.read('a/memory.usage_in_bytes')).toBe(bytes(512));
    const thp = { rss: 512, rss_huge: 512, pgpgin: 1, pgfault: 1 }; // memcg1_charge_statistics: one PGPGIN per folio; one fault
    expect(s.read('a/memory.stat')).toBe(v1Stat(thp, thp));
    s.uncharge(id);
    const gone = { pgpgin: 1, pgpgout: 1, pgfault: 1 };
    expect(s.read('a/memory.stat')).toBe(v1Stat(gone, gone));
    expect(s.read('a/memory.usage_in_bytes')).toBe('0\n');
  });

  test('hierarchy: the parent\'s local part is its own folios, total_* its subtree', async () => {
    const s = await v1();
    s.mkdir('a');
    s.mkdir('a/b');
    charge(s, 'a/b', 64);
    const b = { rss: 64, inactive_anon: 62, pgpgin: 64, pgfault: 64 }; // 2 wait in the lru_add batch
    // Reading a flushes a's subtree (css_rstat_flush(a)); b's local part is flushed with it.
    expect(s.read('a/memory.stat')).toBe(v1Stat({}, b));
    expect(s.read('a/b/memory.stat')).toBe(v1Stat(b, b));
  });

  test('hierarchical_*_limit: the smallest limit on the way to the root (measured: child 32M under 16M reads 16777216)', async () => {
    const s = await v1();
    s.mkdir('p');
    s.write('p/memory.limit_in_bytes', '16M');
    s.write('p/memory.memsw.limit_in_bytes', '32M');
    s.mkdir('p/c');
    s.write('p/c/memory.limit_in_bytes', '32M'); // lower the limit first: memsw may not go below it
    s.write('p/c/memory.memsw.limit_in_bytes', '64M');
    expect(s.read('p/c/memory.limit_in_bytes')).toBe('33554432\n');
    expect(s.read('p/c/memory.stat')).toBe(v1Stat({}, {}, { memory: '16777216', memsw: '33554432' }));
    expect(s.read('p/memory.stat')).toBe(v1Stat({}, {}, { memory: '16777216', memsw: '33554432' }));
  });

  // memcg_vmstats_needs_flush: flush when the memcg-wide count > 64 × CPUs. Each CPU moves its
  // count there only in whole batches of 64, so up to 63 updates per CPU stay uncounted.
  // k anon charges on a CPU: 3k updates, plus 31 LRU updates per full lru_add batch of that
  // CPU (31 × floor(k / 31)); they move floor(updates / 64) batches.
  test.each([
    // cpus, charges, CPU of charge i, flushed?
    [1, 31, 'cpu 0', false], // 93 + 31 = 124 updates: 1 batch = 64, not > 64
    [1, 32, 'cpu 0', false], // 96 + 31 = 127: still 1 batch
    [1, 33, 'cpu 0', true], // 99 + 31 = 130: 2 batches = 128 > 64
    [2, 53, 'cpu 0', false], // 159 + 31 = 190: 2 batches = 128, not > 128
    [2, 54, 'cpu 0', true], // 162 + 31 = 193: 3 batches = 192 > 128
    [2, 64, 'round-robin', false], // 96 + 31 = 127 per CPU: 1 batch each = 128
    [2, 65, 'round-robin', true], // CPU 0 33 charges, 130 updates (2 batches) + CPU 1 127 (1) = 192
    [4, 128, 'round-robin', false], // 127 per CPU: 4 batches = 256, not > 256
    [4, 129, 'round-robin', true], // CPU 0 130 (2) + 3 × 127 (1 each) = 320 > 256
  ])('%i CPUs, %i charges on %s: flushed %s', async (cpus, n, where, flushed) => {
    const s = await v1({ topology: { nodes: 1, cpusPerNode: cpus } });
    s.mkdir('a');
    const perCpu = Array(cpus).fill(0);
    for (let i = 0; i < n; i++) {
      const cpu = where === 'cpu 0' ? 0 : i % cpus;
      s.charge({ cgroup: 'a', cpu });
      perCpu[cpu]++;
    }
    // Each CPU's stock charged its own batches.
    expect(s.read('a/memory.usage_in_bytes')).toBe(bytes(perCpu.reduce((t, k) => t + batched(k), 0)));
    // on the LRU: the folios of each CPU's full lru_add batches
    const a = { rss: n, inactive_anon: perCpu.reduce((t, k) => t + 31 * Math.floor(k / 31), 0), pgpgin: n, pgfault: n };
    expect(s.read('a/memory.stat')).toBe(flushed ? v1Stat(a, a) : FRESH_STAT);
  });

  test('the root\'s memory.stat: its own folios locally, the whole tree in total_*', async () => {
    const s = await v1();
    s.mkdir('a');
    s.mkdir('b');
    charge(s, 'a', 10);
    charge(s, 'b', 5, { kind: 'file' });
    charge(s, '', 3);
    // 13 anon × 3 + 5 file × 2 = 49 updates: no batch; the 18 folios all wait in CPU 0's lru_add batch
    expect(s.read('memory.stat')).toBe(FRESH_STAT);
    s.flushStats('', { force: true });
    const off = { inactive_anon: 0, inactive_file: 0 };
    expect(s.read('memory.stat')).toBe(v1Stat({ rss: 3, pgpgin: 3, pgfault: 3, ...off }, { rss: 13, cache: 5, pgpgin: 18, pgfault: 13, ...off }));
    expect(s.read('a/memory.stat')).toBe(v1Stat({ rss: 10, pgpgin: 10, pgfault: 10, ...off }, { rss: 10, pgpgin: 10, pgfault: 10, ...off }));
    expect(s.read('b/memory.stat')).toBe(v1Stat({ cache: 5, pgpgin: 5, ...off }, { cache: 5, pgpgin: 5, ...off }));
  });
});

// ── failcnt, max_usage and OOM ─────────────────────────────────────────────────────────────

describe('memory.failcnt (6.12+: only the v1 memory counter tracks failures)', () => {
  test('filling a 1M memcg: one failed charge is 19 failed attempts; memsw peaks one batch above the limit', async () => {
    const s = await v1();
    s.mkdir('a');
    s.write('a/memory.limit_in_bytes', '1M');
    const ids = fill(s, 'a');
    expect(ids.length).toBe(256);
    // try_charge_memcg: batch 64 fails, 1 page fails, once more after drain_all_stock, then 16 retries.
    expect(s.read('a/memory.failcnt')).toBe('19\n');
    expect(s.read('a/memory.memsw.failcnt')).toBe('0\n'); // memsw never has track_failcnt
    expect(s.read('a/memory.usage_in_bytes')).toBe(bytes(256));
    expect(s.read('a/memory.max_usage_in_bytes')).toBe(bytes(256));
    // memsw is charged first with the whole batch and rolled back when memory fails (measured: 8M + 64 pages).
    expect(s.read('a/memory.memsw.max_usage_in_bytes')).toBe(bytes(256 + BATCH));
    expect(s.read('a/memory.memsw.usage_in_bytes')).toBe(bytes(256));
    expect(s.read('memory.failcnt')).toBe('0\n');
    expect(s.read('memory.max_usage_in_bytes')).toBe(bytes(256));
    expect(s.read('memory.memsw.max_usage_in_bytes')).toBe(bytes(256 + BATCH));
    // v1 OOM with no killable task: MEMCG_OOM counted, nobody killed, the charge fails.
    expect(s.read('a/memory.oom_control')).toBe(oomControl(0));
    expect(s.events('a', { local: true })).toMatchObject({ max: 18, oom: 1, oom_kill: 0 });
    expect(codeOf(() => s.charge({ cgroup: 'a', cpu: 0 }))).toBe('ENOMEM');
    expect(s.read('a/memory.failcnt')).toBe('38\n');
  });

  test('near the limit every charge first fails its batch, then charges 1 page (measured: +1 page and failcnt +1 per fault)', async () => {
    const s = await v1();
    s.mkdir('a');
    s.write('a/memory.limit_in_bytes', '1000K'); // 250 pages
    for (let n = 1; n <= 250; n++) {
      s.charge({ cgroup: 'a', cpu: 0 });
      // Up to 192 pages the batches fit (192 + 64 > 250); after that each charge fails the batch once.
      const usage = n <= 192 ? batched(n) : n;
      expect([s.read('a/memory.usage_in_bytes'), s.read('a/memory.failcnt')]).toEqual([bytes(usage), `${Math.max(0, n - 192)}\n`]);
    }
    expect(s.read('a/memory.max_usage_in_bytes')).toBe(bytes(250));
    expect(s.read('a/memory.memsw.max_usage_in_bytes')).toBe(bytes(249 + BATCH)); // the last batch attempt
  });

  test('an ancestor\'s limit: the counter that failed counts (leaf track_failcnt), events stay local', async () => {
    const s = await v1();
    s.mkdir('a');
    s.mkdir('a/b');
    s.mkdir('a/b/c');
    s.write('a/b/memory.limit_in_bytes', '1M');
    expect(fill(s, 'a/b/c').length).toBe(256);
    // page_counter_try_charge: failcnt++ on the level over its max, if the charged counter tracks failcnt.
    expect(s.read('a/b/memory.failcnt')).toBe('19\n');
    expect(s.read('a/b/c/memory.failcnt')).toBe('0\n');
    expect(s.read('a/memory.failcnt')).toBe('0\n');
    // memcg_memory_event on v1: only mem_over_limit itself counts, no propagation to ancestors.
    expect(s.events('a/b')).toMatchObject({ max: 18, oom: 1, oom_kill: 0 });
    expect(s.events('a')).toMatchObject({ max: 0, oom: 0 });
    expect(s.events('a/b/c')).toMatchObject({ max: 0, oom: 0 });
    for (const cg of ['a', 'a/b', 'a/b/c']) expect(s.read(`${cg}/memory.oom_control`)).toBe(oomControl(0));
  });

  // A GFP_KERNEL|__GFP_NORETRY charge gives up after 3 attempts (batch, 1 page, after the drain).
  test.each(STOCK_DESIGNS.flatMap((profile) => [
    // memsw unlimited: the memory counter fails every attempt.
    { profile, over: 'memory', failcnt: 3, memswFailcnt: 0 },
    // memsw limit = limit: memsw is tried first and fails, memory is never tried (measured on 6.18: both 0).
    // Up to 6.14 every counter counted its failures (page_counter_try_charge).
    { profile, over: 'memsw', failcnt: 0, memswFailcnt: KERNEL(profile).failcntEverywhere ? 3 : 0 },
  ]))('profile $profile, $over over its limit: failcnt $failcnt, memsw.failcnt $memswFailcnt', async ({ profile, over, failcnt, memswFailcnt }) => {
    const s = await v1({ profile });
    s.mkdir('a');
    s.write('a/memory.limit_in_bytes', '1M');
    if (over === 'memsw') s.write('a/memory.memsw.limit_in_bytes', '1M');
    charge(s, 'a', 256); // four whole batches fit exactly
    expect(codeOf(() => s.charge({ cgroup: 'a', cpu: 0, gfp: 'GFP_KERNEL|__GFP_NORETRY' }))).toBe('ENOMEM');
    expect(s.read('a/memory.failcnt')).toBe(`${failcnt}\n`);
    expect(s.read('a/memory.memsw.failcnt')).toBe(`${memswFailcnt}\n`);
    s.write('a/memory.memsw.failcnt', '0');
    expect(s.read('a/memory.memsw.failcnt')).toBe('0\n');
  });
});

describe('reset files: any non-empty write resets, the content is ignored (mem_cgroup_reset)', () => {
  // State: a 1M memcg filled (256 pages, failcnt 19, memsw peak 320 pages), then 56 folios freed.
  async function used() {
    const s = await v1();
    s.mkdir('a');
    s.write('a/memory.limit_in_bytes', '1M');
    const ids = fill(s, 'a');
    s.uncharge(ids.slice(0, 56));
    return s;
  }
  const RESET = {
    'memory.failcnt': { before: '19\n', after: '0\n' },
    // page_counter_reset_watermark: watermark = current usage, not 0 (measured).
    'memory.max_usage_in_bytes': { before: bytes(256), after: bytes(200) },
    'memory.memsw.max_usage_in_bytes': { before: bytes(256 + BATCH), after: bytes(200) },
    'memory.memsw.failcnt': { before: '0\n', after: '0\n' },
  };
  const files = Object.keys(RESET) as (keyof typeof RESET)[];

  test.each(files.flatMap((file) => ['0', '1', '-1', 'garbage', '12345', '\n'].map((input) => ({ file, input }))))(
    '$file <- $input resets',
    async ({ file, input }) => {
      const s = await used();
      const others = Object.fromEntries(files.filter((f) => f !== file).map((f) => [f, s.read(`a/${f}`)]));
      expect(s.read(`a/${file}`)).toBe(RESET[file].before);
      s.write(`a/${file}`, input);
      expect(s.read(`a/${file}`)).toBe(RESET[file].after);
      expect(Object.fromEntries(files.filter((f) => f !== file).map((f) => [f, s.read(`a/${f}`)]))).toEqual(others);
      expect(s.read('a/memory.usage_in_bytes')).toBe(bytes(200));
    },
  );

  test.each(files)('%s <- "" (a zero-length write never reaches the handler) changes nothing', async (file) => {
    const s = await used();
    s.write(`a/${file}`, '');
    expect(s.read(`a/${file}`)).toBe(RESET[file].before);
  });

  test('the root\'s max_usage resets to its counter\'s usage (stock included), not to usage_in_bytes', async () => {
    const s = await v1();
    s.mkdir('a');
    charge(s, 'a', 10);
    s.write('memory.max_usage_in_bytes', '0');
    s.write('memory.failcnt', '0');
    expect(s.read('memory.max_usage_in_bytes')).toBe(bytes(BATCH));
    expect(s.read('memory.usage_in_bytes')).toBe(bytes(10)); // mem_cgroup_usage(root): global pages
    expect(s.read('memory.failcnt')).toBe('0\n');
  });
});

describe('memory.oom_control', () => {
  test('0/1 set oom_kill_disable; a charge that OOMs with it set fails, under_oom stays 0', async () => {
    const s = await v1();
    s.mkdir('a');
    s.write('a/memory.oom_control', '1');
    expect(s.read('a/memory.oom_control')).toBe(oomControl(1));
    s.write('a/memory.limit_in_bytes', '256K');
    expect(fill(s, 'a').length).toBe(64);
    // mem_cgroup_oom: MEMCG_OOM is counted, memcg1_oom_prepare refuses the killer; no victim, no wait here.
    expect(s.read('a/memory.oom_control')).toBe(oomControl(1));
    expect(s.events('a')).toMatchObject({ oom: 1, oom_kill: 0 });
    s.write('a/memory.oom_control', '0\n');
    expect(s.read('a/memory.oom_control')).toBe(oomControl(0));
  });

  test('a new child inherits oom_kill_disable; an existing child does not follow (measured)', async () => {
    const s = await v1();
    s.mkdir('p');
    s.mkdir('p/old');
    s.write('p/memory.oom_control', '1');
    s.mkdir('p/new');
    expect(s.read('p/new/memory.oom_control')).toBe(oomControl(1));
    expect(s.read('p/old/memory.oom_control')).toBe(oomControl(0));
    expect(s.read('memory.oom_control')).toBe(oomControl(0));
  });
});

describe('memory.swappiness', () => {
  test('a child inherits its parent\'s at creation; an existing child does not follow (measured)', async () => {
    const s = await v1();
    s.mkdir('p');
    s.mkdir('p/old');
    s.write('p/memory.swappiness', '30');
    s.mkdir('p/new');
    expect(s.read('p/new/memory.swappiness')).toBe('30\n'); // mem_cgroup_css_alloc: mem_cgroup_swappiness(parent)
    expect(s.read('p/old/memory.swappiness')).toBe('60\n');
    expect(s.read('memory.swappiness')).toBe('60\n');
  });

  test('the root\'s is vm_swappiness: writing it changes what the root reads, not its existing children', async () => {
    const s = await v1();
    s.mkdir('a');
    s.write('memory.swappiness', '30'); // mem_cgroup_swappiness_write on the root: WRITE_ONCE(vm_swappiness, val)
    expect(s.read('memory.swappiness')).toBe('30\n');
    expect(s.read('a/memory.swappiness')).toBe('60\n');
  });

  // mem_cgroup_css_alloc: WRITE_ONCE(memcg->swappiness, mem_cgroup_swappiness(parent)), and
  // mem_cgroup_swappiness(root) is vm_swappiness. The emulator copies the root memcg's own
  // swappiness slot (60 from creation), which a root write does not change.
  test('a child made after a root write inherits vm_swappiness', async () => {
    const s = await v1();
    s.write('memory.swappiness', '30');
    s.mkdir('b');
    expect(s.read('b/memory.swappiness')).toBe('30\n');
  });
});

describe('memory.force_empty (write only; the content is ignored)', () => {
  test.each(['0', 'garbage', '1\n'])('<- %j drains the stock; nothing here is reclaimable, so the folios stay', async (input) => {
    const s = await v1();
    s.mkdir('a');
    charge(s, 'a', 10);
    expect(s.read('a/memory.usage_in_bytes')).toBe(bytes(BATCH));
    s.write('a/memory.force_empty', input); // mem_cgroup_force_empty: drain_all_stock, then reclaim (0) 16 times
    expect(s.read('a/memory.usage_in_bytes')).toBe(bytes(10));
    expect(s.read('a/memory.memsw.usage_in_bytes')).toBe(bytes(10));
    expect(s.read('a/memory.max_usage_in_bytes')).toBe(bytes(BATCH));
  });
});

// ── accepted writes ────────────────────────────────────────────────────────────────────────

// mem_cgroup_write: strstrip, then page_counter_memparse(buf, "-1"): memparse base 0 with one
// optional K/M/G/T/P/E suffix, rounded down to pages, capped at PAGE_COUNTER_MAX.
const SIZE_FORMS: [string, string][] = [
  ['1M', '1048576'],
  ['1m', '1048576'],
  [' 4096 ', '4096'],
  ['4097', '4096'],
  ['4095', '0'],
  ['1k', '0'],
  ['1K', '0'],
  ['8192', '8192'],
  ['1M\n', '1048576'],
  ['1M\n\n', '1048576'],
  ['-1', UNLIMITED],
  ['-1\n', UNLIMITED],
  ['0x100000', '1048576'],
  ['0X100000', '1048576'],
  ['010', '0'], // octal 8 bytes, less than a page
  ['020000', '8192'], // octal
  ['\n', '0'], // empty after strstrip: 0 bytes
  ['0', '0'],
  ['1G', '1073741824'],
  ['18446744073709551615', UNLIMITED],
  ['9223372036854775807', UNLIMITED],
  ['9223372036854771712', UNLIMITED],
  ['8E', UNLIMITED], // 2^63 bytes = 2^51 pages > PAGE_COUNTER_MAX
];

describe('accepted writes', () => {
  test.each([...SIZE_FORMS, ['', '2097152']])('memory.limit_in_bytes <- %j reads %s (measured)', async (input, out) => {
    const s = await v1();
    s.mkdir('a');
    s.write('a/memory.limit_in_bytes', '2M');
    s.write('a/memory.limit_in_bytes', input);
    expect(s.read('a/memory.limit_in_bytes')).toBe(`${out}\n`);
  });

  test.each([...SIZE_FORMS, ['', '2097152']])('memory.memsw.limit_in_bytes <- %j reads %s (memory limit 0 below it)', async (input, out) => {
    const s = await v1();
    s.mkdir('a');
    s.write('a/memory.limit_in_bytes', '0');
    s.write('a/memory.memsw.limit_in_bytes', '2M');
    s.write('a/memory.memsw.limit_in_bytes', input);
    expect(s.read('a/memory.memsw.limit_in_bytes')).toBe(`${out}\n`);
  });

  test.each([...SIZE_FORMS, ['', '2097152']])('memory.soft_limit_in_bytes <- %j reads %s (same parser, not checked against the limit)', async (input, out) => {
    const s = await v1();
    s.mkdir('a');
    s.write('a/memory.limit_in_bytes', '1M');
    s.write('a/memory.soft_limit_in_bytes', '2M');
    s.write('a/memory.soft_limit_in_bytes', input);
    expect(s.read('a/memory.soft_limit_in_bytes')).toBe(`${out}\n`);
  });

  test('memory.soft_limit_in_bytes is writable on the root (RES_SOFT_LIMIT has no root check)', async () => {
    const s = await v1();
    s.write('memory.soft_limit_in_bytes', '1M');
    expect(s.read('memory.soft_limit_in_bytes')).toBe('1048576\n');
  });

  test('the memsw ordering, as measured: raise memsw first, lower the limit first', async () => {
    const s = await v1();
    s.mkdir('a');
    s.write('a/memory.limit_in_bytes', '0');
    const steps: [string, string, string, string][] = [
      // file, input, errno or 'ok', value read back
      ['memory.limit_in_bytes', '64M', 'ok', '67108864'],
      ['memory.memsw.limit_in_bytes', '32M', 'EINVAL', UNLIMITED], // memsw < limit
      ['memory.memsw.limit_in_bytes', '64M', 'ok', '67108864'], // equal is fine
      ['memory.memsw.limit_in_bytes', '128M', 'ok', '134217728'],
      ['memory.limit_in_bytes', '256M', 'EINVAL', '67108864'], // limit > memsw
      ['memory.limit_in_bytes', '128M', 'ok', '134217728'],
      ['memory.limit_in_bytes', '-1', 'EINVAL', '134217728'], // unlimited > memsw 128M
      ['memory.memsw.limit_in_bytes', '4097', 'EINVAL', '134217728'], // 4096 < limit
      ['memory.memsw.limit_in_bytes', 'garbage', 'EINVAL', '134217728'],
      ['memory.memsw.limit_in_bytes', '-1', 'ok', UNLIMITED],
      ['memory.limit_in_bytes', '-1', 'ok', UNLIMITED],
    ];
    for (const [file, input, code, out] of steps) {
      expect([file, input, codeOf(() => s.write(`a/${file}`, `${input}\n`))]).toEqual([file, input, code]);
      expect([file, input, s.read(`a/${file}`)]).toEqual([file, input, `${out}\n`]);
    }
  });

  test('a limit below usage drains the stock first, and succeeds if that is enough (mem_cgroup_resize_max)', async () => {
    const s = await v1();
    s.mkdir('a');
    charge(s, 'a', 100); // usage 128 pages: 100 in folios, 28 stocked
    s.write('a/memory.limit_in_bytes', '400K'); // 100 pages: page_counter_set_max fails, drain, retry succeeds
    expect(s.read('a/memory.limit_in_bytes')).toBe('409600\n');
    expect(s.read('a/memory.usage_in_bytes')).toBe(bytes(100));
    expect(s.read('a/memory.failcnt')).toBe('0\n');
  });

  test.each([
    ['memory.use_hierarchy', ['1', '1\n', '01', '0x1', '+1'], '1\n'],
    ['memory.move_charge_at_immigrate', ['0', '0\n', '00', '0x0', '+0'], '0\n'],
  ])('%s accepts %j and reads %j (write_u64: kstrtoull base 0, one trailing newline)', async (file, inputs, out) => {
    const s = await v1();
    s.mkdir('a');
    for (const input of inputs) {
      s.write(`a/${file}`, input);
      s.write(file, input); // the root too
      expect(s.read(`a/${file}`)).toBe(out);
    }
  });

  test.each([
    ['0', '0'], ['100', '100'], ['101', '101'], ['200', '200'], ['60', '60'], ['60\n', '60'], ['+60', '60'],
    ['0x10', '16'], ['010', '8'], ['', '30'],
  ])('memory.swappiness <- %j reads %s', async (input, out) => {
    const s = await v1();
    s.mkdir('a');
    s.write('a/memory.swappiness', '30');
    s.write('a/memory.swappiness', input);
    expect(s.read('a/memory.swappiness')).toBe(`${out}\n`);
  });

  test.each([
    ['1', 1], ['0', 0], ['1\n', 1], ['0x1', 1], ['01', 1], ['+1', 1], ['', 1],
  ] as const)('memory.oom_control <- %j: oom_kill_disable %i', async (input, disable) => {
    const s = await v1();
    s.mkdir('a');
    s.write('a/memory.oom_control', '1');
    s.write('a/memory.oom_control', input);
    expect(s.read('a/memory.oom_control')).toBe(oomControl(disable));
  });
});

// ── rejected writes: errno, and nothing changed ────────────────────────────────────────────

describe('rejected writes change nothing', () => {
  // A configured memcg with charges in folios and in the stock, next to the root.
  async function configured() {
    const s = await v1();
    s.mkdir('a');
    s.write('a/memory.limit_in_bytes', '2M');
    s.write('a/memory.memsw.limit_in_bytes', '4M');
    s.write('a/memory.soft_limit_in_bytes', '1M');
    s.write('a/memory.swappiness', '30');
    s.write('a/memory.oom_control', '1');
    charge(s, 'a', 100); // usage 128 pages, 28 of them stocked
    s.flushStats('', { force: true });
    return s;
  }

  const sizeGarbage = ['garbage', 'max', '1.5M', '1MB', '1 M', '-2', '+4096', '0x', '1Mx', '--1'];
  test.each([
    // page_counter_memparse: anything after the number and suffix; v1 has no "max" token, no sign.
    ...sizeGarbage.map((v) => ['a/memory.limit_in_bytes', v, 'EINVAL']),
    ...sizeGarbage.map((v) => ['a/memory.memsw.limit_in_bytes', v, 'EINVAL']),
    ...sizeGarbage.map((v) => ['a/memory.soft_limit_in_bytes', v, 'EINVAL']),
    // mem_cgroup_resize_max: memory.max <= memsw.max must hold (checked before any drain).
    ['a/memory.limit_in_bytes', '8M', 'EINVAL'],
    ['a/memory.limit_in_bytes', '-1', 'EINVAL'],
    ['a/memory.memsw.limit_in_bytes', '1M', 'EINVAL'],
    // mem_cgroup_hierarchy_write: only 1; write_u64 parses with kstrtoull first.
    ...['0', '2', '-1', 'garbage', '\n', ' 1', '1 '].map((v) => ['a/memory.use_hierarchy', v, 'EINVAL']),
    // mem_cgroup_swappiness_write: > MAX_SWAPPINESS (200) is EINVAL.
    ...['201', '-1', 'garbage', '\n', ' 60', '60 ', '60\n\n', '18446744073709551615'].map((v) => ['a/memory.swappiness', v, 'EINVAL']),
    ['a/memory.swappiness', '18446744073709551616', 'ERANGE'], // kstrtoull overflow
    // mem_cgroup_move_charge_write: charge moving is gone, only 0.
    ...['1', '3', '4', '-1', 'garbage'].map((v) => ['a/memory.move_charge_at_immigrate', v, 'EINVAL']),
    // mem_cgroup_oom_control_write: only 0 or 1, never on the root.
    ...['2', '-1', 'garbage', '\n'].map((v) => ['a/memory.oom_control', v, 'EINVAL']),
    ['a/memory.oom_control', '18446744073709551616', 'ERANGE'],
    ['memory.oom_control', '1', 'EINVAL'],
    ['memory.oom_control', '0', 'EINVAL'],
    // mem_cgroup_write RES_LIMIT: the root has no limits.
    ['memory.limit_in_bytes', '1M', 'EINVAL'],
    ['memory.limit_in_bytes', '-1', 'EINVAL'],
    ['memory.memsw.limit_in_bytes', '1M', 'EINVAL'],
    ['memory.use_hierarchy', '0', 'EINVAL'],
    ['memory.force_empty', '0', 'EINVAL'], // mem_cgroup_force_empty_write: not on the root
    // cgroup_file_write: a file without a write handler is EINVAL (measured for memory.stat, as root).
    ...['memory.stat', 'memory.usage_in_bytes', 'memory.memsw.usage_in_bytes', 'memory.numa_stat', 'memory.pressure_level']
      .flatMap((f) => [[`a/${f}`, '0', 'EINVAL'], [f, '0', 'EINVAL']]),
  ])('%s <- %j: %s', async (file, input, code) => {
    const s = await configured();
    const before = [snapshot(s, 'a'), snapshot(s, '')];
    expect(codeOf(() => s.write(file, input))).toBe(code);
    expect([snapshot(s, 'a'), snapshot(s, '')]).toEqual(before);
  });

  test('a limit below usage that cannot be reclaimed: EBUSY, old limit kept (measured: 4M under an 8M OOM)', async () => {
    const s = await configured();
    charge(s, 'a', 28); // 128 folios, the stock empty: the drain frees nothing
    const before = [snapshot(s, 'a'), snapshot(s, '')];
    expect(codeOf(() => s.write('a/memory.limit_in_bytes', '508K'))).toBe('EBUSY'); // 127 pages
    expect(codeOf(() => s.write('a/memory.limit_in_bytes', '0'))).toBe('EBUSY');
    expect([snapshot(s, 'a'), snapshot(s, '')]).toEqual(before);
    expect(s.read('a/memory.limit_in_bytes')).toBe('2097152\n');
  });

  test('after a forced charge over the limit even the current limit is EBUSY (page_counter_set_max: usage > max)', async () => {
    const s = await v1();
    s.mkdir('a');
    s.write('a/memory.limit_in_bytes', '1M');
    s.write('a/memory.memsw.limit_in_bytes', '1M');
    charge(s, 'a', 256);
    s.charge({ cgroup: 'a', cpu: 0, gfp: 'GFP_KERNEL|__GFP_NOFAIL' }); // force: page_counter_charge of memory and memsw
    expect(s.read('a/memory.usage_in_bytes')).toBe(bytes(257));
    expect(s.read('a/memory.memsw.usage_in_bytes')).toBe(bytes(257));
    const before = snapshot(s, 'a');
    expect(codeOf(() => s.write('a/memory.memsw.limit_in_bytes', '1M'))).toBe('EBUSY');
    expect(codeOf(() => s.write('a/memory.limit_in_bytes', '1M'))).toBe('EBUSY');
    expect(snapshot(s, 'a')).toEqual(before);
    s.write('a/memory.memsw.limit_in_bytes', '1028K'); // 257 pages: usage fits, and >= the memory limit
    expect(s.read('a/memory.memsw.limit_in_bytes')).toBe('1052672\n');
  });
});

// ── paths, open files, rmdir ───────────────────────────────────────────────────────────────

describe('paths, open files and rmdir', () => {
  test.each([
    ['nope/memory.stat'], ['a/nope/memory.usage_in_bytes'], ['a/memory.nope'], ['a/memory.max'],
  ])('%s: ENOENT for read, write and open', async (p) => {
    const s = await v1();
    s.mkdir('a');
    expect(codeOf(() => s.read(p))).toBe('ENOENT');
    expect(codeOf(() => s.write(p, '1M'))).toBe('ENOENT');
    expect(codeOf(() => s.open(p))).toBe('ENOENT');
  });

  test('the /sys/fs/cgroup/memory mount path names the same file', async () => {
    const s = await v1();
    s.mkdir('a');
    s.write('/sys/fs/cgroup/memory/a/memory.limit_in_bytes', '1M');
    expect(s.read('a/memory.limit_in_bytes')).toBe('1048576\n');
  });

  test('rmdir with a child: EBUSY, both stay (measured); a missing cgroup: ENOENT', async () => {
    const s = await v1();
    s.mkdir('a');
    s.mkdir('a/b');
    s.write('a/memory.limit_in_bytes', '1M');
    expect(codeOf(() => s.rmdir('a'))).toBe('EBUSY');
    expect(s.ls('a')).toEqual([...MODELLED, 'b'].sort());
    expect(s.read('a/memory.limit_in_bytes')).toBe('1048576\n');
    expect(codeOf(() => s.rmdir('nope'))).toBe('ENOENT');
    expect(codeOf(() => s.rmdir('a/nope'))).toBe('ENOENT');
  });

  test('rmdir of a memcg with leftover charges succeeds; its folios still count in the root\'s usage', async () => {
    const s = await v1();
    s.mkdir('a');
    charge(s, 'a', 10);
    s.rmdir('a'); // mem_cgroup_css_offline drains the stock; the folios keep their charge
    expect(s.ls('')).toEqual(MODELLED);
    expect(codeOf(() => s.read('a/memory.usage_in_bytes'))).toBe('ENOENT');
    expect(s.read('memory.usage_in_bytes')).toBe(bytes(10));
  });

  test('a closed file: EBADF', async () => {
    const s = await v1();
    s.mkdir('a');
    const f = s.open('a/memory.limit_in_bytes');
    f.close();
    expect(codeOf(() => f.read())).toBe('EBADF');
    expect(codeOf(() => f.write('1M'))).toBe('EBADF');
    expect(s.read('a/memory.limit_in_bytes')).toBe(`${UNLIMITED}\n`);
  });

  // kernfs_seq_start / kernfs_fop_write_iter: kernfs_get_active fails once the cgroup's
  // directory is removed, so an fd opened before rmdir reads and writes -ENODEV.
  test('an fd opened before rmdir: read and write give ENODEV', async () => {
    const s = await v1();
    s.mkdir('a');
    const f = s.open('a/memory.usage_in_bytes');
    const g = s.open('a/memory.max_usage_in_bytes');
    s.rmdir('a');
    expect(codeOf(() => f.read())).toBe('ENODEV');
    expect(codeOf(() => g.write('0'))).toBe('ENODEV');
  });
});
