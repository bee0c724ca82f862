// The cgroupfs view: which interface files a cgroup of each version has, how each one
// prints (mm/memcontrol.c memory_*_show, mm/memcontrol-v1.c) and how a write is parsed.
// Only string ↔ number conversion lives here; every value and every rule is the core's,
// reached through the FsCore calls the System provides.

import { MemcgError, type Errno } from '../core/errors.js';
import { kstrtoint, kstrtoull, memparse, pageCounterMemparse, PAGE_COUNTER_MAX, PAGE_SIZE, strstrip } from './memparse.js';

export type CgroupVersion = 1 | 2;

/** A writable limit file: which core setting it is and the token that means "no limit". */
export type LimitFile = {
  limit: 'LIMIT_MAX' | 'LIMIT_HIGH' | 'LIMIT_LOW' | 'LIMIT_MIN';
  counter: 'PC_MEMORY' | 'PC_SWAP';
  maxToken: string;
};

const V2_LIMITS: Record<string, LimitFile> = {
  'memory.max': { limit: 'LIMIT_MAX', counter: 'PC_MEMORY', maxToken: 'max' },
  'memory.high': { limit: 'LIMIT_HIGH', counter: 'PC_MEMORY', maxToken: 'max' },
  'memory.low': { limit: 'LIMIT_LOW', counter: 'PC_MEMORY', maxToken: 'max' },
  'memory.min': { limit: 'LIMIT_MIN', counter: 'PC_MEMORY', maxToken: 'max' },
  'memory.swap.max': { limit: 'LIMIT_MAX', counter: 'PC_SWAP', maxToken: 'max' },
  'memory.swap.high': { limit: 'LIMIT_HIGH', counter: 'PC_SWAP', maxToken: 'max' },
};

const V1_LIMITS: Record<string, LimitFile> = {
  'memory.limit_in_bytes': { limit: 'LIMIT_MAX', counter: 'PC_MEMORY', maxToken: '-1' },
  'memory.memsw.limit_in_bytes': { limit: 'LIMIT_MAX', counter: 'PC_SWAP', maxToken: '-1' },
};

/** The limit file of this name in this version, or undefined. */
export function limitFile(version: CgroupVersion, name: string): LimitFile | undefined {
  return (version === 2 ? V2_LIMITS : V1_LIMITS)[name];
}

/** The file names a settings object may use in this version. */
export function limitFileNames(version: CgroupVersion): string[] {
  return Object.keys(version === 2 ? V2_LIMITS : V1_LIMITS);
}

/** A value as a user writes it ('100M', 'max', 4096, '-1') → pages; EINVAL with the input. */
export function parseLimit(version: CgroupVersion, file: string, value: string | number): number {
  const f = limitFile(version, file);
  if (!f) throw new MemcgError('ENOENT', `no file ${cut(file)} in cgroup v${version}`, { file: cut(file) });
  const raw = fileText(file, value);
  const nul = raw.indexOf('\0');
  const pages = pageCounterMemparse(nul < 0 ? raw : raw.slice(0, nul), f.maxToken);
  if (pages === null) throw new MemcgError('EINVAL', `invalid value for ${file}: ${JSON.stringify(cut(raw))}`, { file, input: cut(raw) });
  return pages;
}

// ── formatting ──────────────────────────────────────────────────────────────────────────

/** pages × PAGE_SIZE in decimal (exact beyond 2^53: an unlimited v1 limit is 9223372036854771712). */
export function bytes(pages: number): string {
  return (BigInt(pages) * BigInt(PAGE_SIZE)).toString();
}
/** seq_puts_memcg_tunable: "max" for PAGE_COUNTER_MAX, else bytes. */
function tunable(pages: number): string {
  return `${pages === PAGE_COUNTER_MAX ? 'max' : bytes(pages)}\n`;
}
const lines = (rows: [string, string | number][]) => rows.map(([k, v]) => `${k} ${v}\n`).join('');

// ── what the files need from the core (System implements it) ─────────────────────────────

export type StatItem =
  | 'NR_ANON_MAPPED' | 'NR_FILE_PAGES' | 'NR_ANON_THPS' | 'NR_FILE_THPS' | 'PGPGIN' | 'PGPGOUT' | 'NR_INACTIVE_ANON'
  | 'NR_ACTIVE_ANON' | 'NR_INACTIVE_FILE' | 'NR_ACTIVE_FILE' | 'NR_UNEVICTABLE' | 'PGSCAN_DIRECT' | 'PGSTEAL_DIRECT'
  | 'PGSCAN_PROACTIVE' | 'PGSTEAL_PROACTIVE' | 'PGREFILL' | 'PGACTIVATE' | 'PGDEACTIVATE' | 'PSWPIN' | 'PSWPOUT'
  | 'PGMAJFAULT' | 'MEMCG_SWAP' | 'PGFAULT' | 'NR_SLAB_RECLAIMABLE_B' | 'NR_SLAB_UNRECLAIMABLE_B' | 'NR_PAGETABLE' | 'NR_SHMEM'
  | 'NR_FILE_MAPPED' | 'MEMCG_KMEM' | 'MEMCG_PERCPU_B' | 'THP_SWPOUT' | 'THP_SWPOUT_FALLBACK' | 'MEMCG_SOCK'
  | 'MEMCG_THP_FAULT_ALLOC';
/** v1 kmem / tcpmem counter fields (objcg.ts). */
export type KmemField = 'KMEM_USAGE' | 'KMEM_WATERMARK' | 'KMEM_FAILCNT' | 'KMEM_MAX' | 'TCP_USAGE' | 'TCP_WATERMARK' | 'TCP_FAILCNT' | 'TCP_MAX';
export type Setting =
  | 'SETTING_SOFT_LIMIT' | 'SETTING_SWAPPINESS' | 'SETTING_OOM_KILL_DISABLE' | 'SETTING_USE_HIERARCHY'
  | 'SETTING_MOVE_CHARGE' | 'SETTING_OOM_GROUP';

/** Interface-file differences between kernel eras (assembly/profile.ts F_*). */
export type ProfileFeature =
  | 'F_FILE_PEAK_RECLAIM' | 'F_FILE_SWAP_PEAK' | 'F_PEAK_WRITE' | 'F_RECLAIM_SWAPPINESS' | 'F_RECLAIM_SWAPPINESS_MAX'
  | 'F_EVENTS_SOCK_THROTTLED' | 'F_OOM_GROUP_KILL_EVENT' | 'F_CGROUP_STAT_SUBSYS';
/** cgroup.stat / cgroup.events counters of a cgroup (assembly/cgroup_core.ts cgroup_stat). */
export type CgroupStatItem =
  | 'CGROUP_NR_DESCENDANTS' | 'CGROUP_NR_DYING_DESCENDANTS' | 'CGROUP_NR_SUBSYS_MEMORY' | 'CGROUP_NR_DYING_SUBSYS_MEMORY'
  | 'CGROUP_POPULATED';

export interface FsCore {
  readonly cgroupVersion: CgroupVersion;
  /** the profile's era has this interface-file feature */
  has(feature: ProfileFeature): boolean;
  readonly nodes: number;
  /** CPUs of the system (a write runs on one: 0 .. cpus - 1) */
  readonly cpus: number;
  readonly memswAccount: boolean;
  /**
   * The file's object is still the one it was opened on (kernfs_get_active): the memcg
   * (memory files) or the cgroup (cgroup.* files) of that generation. A file of a removed
   * cgroup, or of a memcg killed by "-memory", answers ENODEV.
   */
  alive(memory: boolean, id: number, gen: number): boolean;
  generation(memory: boolean, id: number): number;
  /** memory in the cgroup's cgroup.controllers / cgroup.subtree_control (v2) */
  controllersMemory(cg: number): boolean;
  subtreeMemory(cg: number): boolean;
  cgroupStat(cg: number, item: CgroupStatItem): number;
  /** cgroup_subtree_control_write of memory: 0 or -errno */
  subtreeWrite(cg: number, enable: boolean, cpu: number): number;
  counterField(id: number, swap: boolean, field: 'usage' | 'max' | 'min' | 'low' | 'high' | 'watermark' | 'failcnt'): number;
  event(id: number, event: string, local: boolean): number;
  /** mem_cgroup_flush_stats (threshold-gated), then the flushed value; node -1 = all nodes. */
  flushStats(id: number): void;
  statFlushed(id: number, node: number, item: StatItem, hierarchical: boolean): number;
  usageV1(id: number, swap: boolean): number;
  /** memory.oom_control under_oom: tasks asleep in a v1 OOM of this memcg or an ancestor. */
  underOom(id: number): number;
  hierarchicalLimit(id: number, swap: boolean): number;
  settingRead(id: number, which: Setting): number;
  /** 0 or -errno */
  settingWrite(id: number, which: Setting, value: number): number;
  writeLimit(id: number, file: string, text: string, cpu: number): void;
  counterReset(id: number, swap: boolean, failcnt: boolean): void;
  forceEmpty(id: number, cpu: number): number;
  proactiveReclaim(id: number, pages: number, swappiness: number, cpu: number): number;
  peakOpen(id: number, swap: boolean): number;
  peakRead(fd: number): number;
  peakWrite(fd: number): number;
  peakClose(fd: number): number;
  /** v1 memory.kmem.* / .kmem.tcp.*: pages (failcnt: a count) */
  kmemRead(id: number, field: KmemField): number;
  /** reset a watermark / failcnt, or set the tcp limit (pages) */
  /** 0, or -errno (EBUSY: a tcp limit below its usage) */
  kmemWrite(id: number, field: KmemField, pages: number): number;
}

/** kernfs ATOMIC_WRITE_LEN of cgroup files (cgroup_kf_ops.atomic_write_len = PAGE_SIZE). */
export const ATOMIC_WRITE_LEN = PAGE_SIZE;

/** UTF-8 bytes of s (what write(2) is given). */
function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) n += c >= 0x800 && (c < 0xd800 || c > 0xdfff) ? 2 : 1; // a surrogate pair: 4 bytes for 2 units
  }
  return n;
}

/** Long input cut for an error message. */
export function cut(s: string, max = 64): string {
  return s.length > max ? `${s.slice(0, max)}… (${s.length} characters)` : s;
}

/**
 * The text of a write: a string or a number as `echo` prints it; more than ATOMIC_WRITE_LEN
 * bytes is E2BIG (kernfs_fop_write_iter, before the handler runs).
 */
export function fileText(file: string, value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') throw new MemcgError('EINVAL', `write ${file}: a value is a string or a number, not ${value === null ? 'null' : typeof value}`, { file });
  if (value.length * 3 > ATOMIC_WRITE_LEN && utf8Length(value) > ATOMIC_WRITE_LEN) {
    throw new MemcgError('E2BIG', `write ${file}: ${utf8Length(value)} bytes, more than the ${ATOMIC_WRITE_LEN} a cgroup file takes in one write`, { file, input: cut(value) });
  }
  return value;
}

/**
 * One open file: its cgroup (cg), the cgroup's memcg (id; -1 for a cgroup without one, whose
 * only files are the cgroup.* ones), and for memory.peak its core file handle.
 */
export type FileCtx = { core: FsCore; id: number; cg: number; isRoot: boolean; cpu: number; peakFd: number; gen: number };

type FileDef = {
  name: string;
  /** present on the root cgroup (no CFTYPE_NOT_ON_ROOT) */
  onRoot: boolean;
  /** present only with v1 memsw accounting */
  memsw?: boolean;
  read?: (c: FileCtx) => string;
  /** called with the text of a non-empty write */
  write?: (c: FileCtx, text: string) => void;
  /** memory.peak and memory.swap.peak keep per-open-file state */
  peak?: 'memory' | 'swap';
  /** present only in the eras with this feature */
  since?: ProfileFeature;
  /** a file of the cgroup core (cgroup.*): present whether or not memory is enabled */
  cgroupFile?: boolean;
};

function einval(file: string, text: string, why: string): never {
  throw new MemcgError('EINVAL', `write ${file}: ${why}`, { file, input: text });
}
function check(ret: number, file: string, text: string, what: string): void {
  if (ret < 0) {
    const code = ({ 2: 'ENOENT', 11: 'EAGAIN', 16: 'EBUSY', 22: 'EINVAL' } as Record<number, Errno>)[-ret] ?? 'EINVAL';
    throw new MemcgError(code, `write ${file}: ${what}`, { file, input: text });
  }
}
/** write_u64 handlers: kstrtoull of the raw text. */
function u64(file: string, text: string): number {
  const v = kstrtoull(text);
  if (v === null) einval(file, text, 'not a number');
  if (v === 'ERANGE') throw new MemcgError('ERANGE', `write ${file}: out of range`, { file, input: text });
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

// ── memory.stat / memory.numa_stat keys (6.18, x86-64 with SWAP, ZSWAP, THP, NUMA_BALANCING) ─

/** memory_stats[] (memcg_stat_format), with the item the emulator models; unmodelled keys print 0. */
const V2_STAT_KEYS: { key: string; item?: StatItem; numa: boolean; unit?: 1 }[] = [
  { key: 'anon', item: 'NR_ANON_MAPPED', numa: true },
  { key: 'file', item: 'NR_FILE_PAGES', numa: true },
  { key: 'kernel', item: 'MEMCG_KMEM', numa: false },
  { key: 'kernel_stack', numa: true },
  { key: 'pagetables', item: 'NR_PAGETABLE', numa: true },
  { key: 'sec_pagetables', numa: true },
  { key: 'percpu', item: 'MEMCG_PERCPU_B', numa: false, unit: 1 },
  { key: 'sock', item: 'MEMCG_SOCK', numa: false },
  { key: 'vmalloc', numa: false },
  { key: 'shmem', item: 'NR_SHMEM', numa: true },
  { key: 'zswap', numa: false },
  { key: 'zswapped', numa: false },
  { key: 'file_mapped', item: 'NR_FILE_MAPPED', numa: true },
  { key: 'file_dirty', numa: true },
  { key: 'file_writeback', numa: true },
  { key: 'swapcached', numa: true },
  { key: 'anon_thp', item: 'NR_ANON_THPS', numa: true },
  { key: 'file_thp', item: 'NR_FILE_THPS', numa: true },
  { key: 'shmem_thp', numa: true },
  { key: 'inactive_anon', item: 'NR_INACTIVE_ANON', numa: true },
  { key: 'active_anon', item: 'NR_ACTIVE_ANON', numa: true },
  { key: 'inactive_file', item: 'NR_INACTIVE_FILE', numa: true },
  { key: 'active_file', item: 'NR_ACTIVE_FILE', numa: true },
  { key: 'unevictable', item: 'NR_UNEVICTABLE', numa: true },
  { key: 'slab_reclaimable', item: 'NR_SLAB_RECLAIMABLE_B', numa: true, unit: 1 },
  { key: 'slab_unreclaimable', item: 'NR_SLAB_UNRECLAIMABLE_B', numa: true, unit: 1 },
  // memcg_stat_format prints "slab" (the sum of the two above) here; hugetlb only with the
  // memory_hugetlb_accounting mount option (memory.numa_stat always lists it).
  { key: 'hugetlb', numa: true },
  ...['workingset_refault_anon', 'workingset_refault_file', 'workingset_activate_anon', 'workingset_activate_file',
    'workingset_restore_anon', 'workingset_restore_file', 'workingset_nodereclaim', 'pgdemote_kswapd', 'pgdemote_direct',
    'pgdemote_khugepaged', 'pgdemote_proactive', 'pgpromote_success'].map((key) => ({ key, numa: true })),
];
/** memcg_vm_event_stat[] as v2 prints it (PGPGIN/PGPGOUT skipped), after pgscan and pgsteal. */
const V2_EVENT_ITEMS: Record<string, StatItem> = {
  pswpin: 'PSWPIN', pswpout: 'PSWPOUT', pgscan_direct: 'PGSCAN_DIRECT', pgscan_proactive: 'PGSCAN_PROACTIVE',
  pgsteal_direct: 'PGSTEAL_DIRECT', pgsteal_proactive: 'PGSTEAL_PROACTIVE', pgfault: 'PGFAULT', pgmajfault: 'PGMAJFAULT', pgrefill: 'PGREFILL',
  pgactivate: 'PGACTIVATE', pgdeactivate: 'PGDEACTIVATE', thp_swpout: 'THP_SWPOUT', thp_swpout_fallback: 'THP_SWPOUT_FALLBACK',
  thp_fault_alloc: 'MEMCG_THP_FAULT_ALLOC',
};
const V2_EVENT_KEYS = [
  'pswpin', 'pswpout', 'pgscan_kswapd', 'pgscan_direct', 'pgscan_khugepaged', 'pgscan_proactive', 'pgsteal_kswapd',
  'pgsteal_direct', 'pgsteal_khugepaged', 'pgsteal_proactive', 'pgfault', 'pgmajfault', 'pgrefill', 'pgactivate',
  'pgdeactivate', 'pglazyfree', 'pglazyfreed', 'swpin_zero', 'swpout_zero', 'zswpin', 'zswpout', 'zswpwb',
  'thp_fault_alloc', 'thp_collapse_alloc', 'thp_swpout', 'thp_swpout_fallback', 'numa_pages_migrated',
  'numa_pte_updates', 'numa_hint_faults',
];
/** The memory.stat keys of cgroup v2 in the kernel's order. */
export const V2_STAT_ORDER: readonly string[] = [
  ...V2_STAT_KEYS.filter((k) => k.key !== 'hugetlb').flatMap((k) => (k.key === 'slab_unreclaimable' ? [k.key, 'slab'] : [k.key])),
  'pgscan', 'pgsteal', ...V2_EVENT_KEYS,
];

/** memcg1_stat_format: state items, events, LRU items (each local, then total_*). */
const V1_STATS: { key: string; item?: StatItem; pages: boolean }[] = [
  { key: 'cache', item: 'NR_FILE_PAGES', pages: true },
  { key: 'rss', item: 'NR_ANON_MAPPED', pages: true },
  { key: 'rss_huge', item: 'NR_ANON_THPS', pages: true },
  { key: 'shmem', item: 'NR_SHMEM', pages: true },
  { key: 'mapped_file', item: 'NR_FILE_MAPPED', pages: true },
  { key: 'dirty', pages: true },
  { key: 'writeback', pages: true },
  { key: 'workingset_refault_anon', pages: false },
  { key: 'workingset_refault_file', pages: false },
  { key: 'swap', item: 'MEMCG_SWAP', pages: true },
  { key: 'swapcached', pages: true },
];
const V1_EVENTS: { key: string; item?: StatItem }[] = [
  { key: 'pgpgin', item: 'PGPGIN' }, { key: 'pgpgout', item: 'PGPGOUT' }, { key: 'pgfault', item: 'PGFAULT' }, { key: 'pgmajfault', item: 'PGMAJFAULT' },
];
const V1_LRU: [string, StatItem][] = [
  ['inactive_anon', 'NR_INACTIVE_ANON'], ['active_anon', 'NR_ACTIVE_ANON'], ['inactive_file', 'NR_INACTIVE_FILE'],
  ['active_file', 'NR_ACTIVE_FILE'], ['unevictable', 'NR_UNEVICTABLE'],
];

function statValue(c: FileCtx, item: StatItem | undefined, hierarchical: boolean, node = -1): number {
  if (!item) return 0;
  if (node >= 0) return c.core.statFlushed(c.id, node, item, hierarchical);
  let sum = 0;
  for (let n = 0; n < c.core.nodes; n++) sum += c.core.statFlushed(c.id, n, item, hierarchical);
  return sum;
}

function v2Value(c: FileCtx, k: { item?: StatItem; unit?: 1 }, node = -1): string | number {
  if (!k.item) return 0;
  const v = statValue(c, k.item, true, node);
  return k.unit ? v : bytes(v);
}

function v2Stat(c: FileCtx): string {
  c.core.flushStats(c.id);
  const rows: [string, string | number][] = [];
  // memcg_page_state_output: pages × PAGE_SIZE, byte items as they are; slab = the sum of both.
  for (const k of V2_STAT_KEYS) {
    if (k.key === 'hugetlb') continue;
    rows.push([k.key, v2Value(c, k)]);
    if (k.key === 'slab_unreclaimable') {
      rows.push(['slab', statValue(c, 'NR_SLAB_RECLAIMABLE_B', true) + statValue(c, 'NR_SLAB_UNRECLAIMABLE_B', true)]);
    }
  }
  const ev = (k: string) => statValue(c, V2_EVENT_ITEMS[k], true);
  rows.push(
    ['pgscan', ev('pgscan_direct') + ev('pgscan_proactive')], // + kswapd, khugepaged: not modelled
    ['pgsteal', ev('pgsteal_direct') + ev('pgsteal_proactive')],
    ...V2_EVENT_KEYS.map((k): [string, number] => [k, ev(k)]),
  );
  return lines(rows);
}

function v2NumaStat(c: FileCtx): string {
  c.core.flushStats(c.id);
  return V2_STAT_KEYS.filter((k) => k.numa)
    .map((k) => `${k.key}${Array.from({ length: c.core.nodes }, (_, n) => ` N${n}=${v2Value(c, k, n)}`).join('')}\n`)
    .join('');
}

function v1Stat(c: FileCtx): string {
  c.core.flushStats(c.id);
  const part = (hier: boolean, prefix: string): [string, string | number][] => [
    ...V1_STATS.map((k): [string, string | number] => [prefix + k.key, k.item ? bytes(statValue(c, k.item, hier)) : 0]),
    ...V1_EVENTS.map((k): [string, number] => [prefix + k.key, statValue(c, k.item, hier)]),
    ...V1_LRU.map(([k, item]): [string, string] => [prefix + k, bytes(statValue(c, item, hier))]),
  ];
  return lines([
    ...part(false, ''),
    ['hierarchical_memory_limit', bytes(c.core.hierarchicalLimit(c.id, false))],
    ['hierarchical_memsw_limit', bytes(c.core.hierarchicalLimit(c.id, true))],
    ...part(true, 'total_'),
  ]);
}

/** memcg_numa_stat_show (v1): LRU pages per node, local then hierarchical. */
function v1NumaStat(c: FileCtx): string {
  c.core.flushStats(c.id);
  const sets: [string, StatItem[]][] = [
    ['total', V1_LRU.map(([, item]) => item)],
    ['file', ['NR_INACTIVE_FILE', 'NR_ACTIVE_FILE']],
    ['anon', ['NR_INACTIVE_ANON', 'NR_ACTIVE_ANON']],
    ['unevictable', ['NR_UNEVICTABLE']],
  ];
  const row = (name: string, items: StatItem[], hier: boolean) => {
    const node = (n: number) => items.reduce((t, item) => t + statValue(c, item, hier, n), 0);
    const nodes = Array.from({ length: c.core.nodes }, (_, n) => node(n));
    return `${name}=${nodes.reduce((a, b) => a + b, 0)}${nodes.map((v, n) => ` N${n}=${v}`).join('')}\n`;
  };
  return [...sets.map(([k, items]) => row(k, items, false)), ...sets.map(([k, items]) => row(`hierarchical_${k}`, items, true))].join('');
}

// __memory_events_show: oom_group_kill since 5.17, sock_throttled since 6.19 (0 here: no sockets).
function events(c: FileCtx, local: boolean): string {
  const rows: [string, number][] = ['low', 'high', 'max', 'oom', 'oom_kill'].map((e) => [e, c.core.event(c.id, e, local)]);
  if (c.core.has('F_OOM_GROUP_KILL_EVENT')) rows.push(['oom_group_kill', c.core.event(c.id, 'oom_group_kill', local)]);
  if (c.core.has('F_EVENTS_SOCK_THROTTLED')) rows.push(['sock_throttled', 0]);
  return lines(rows);
}

function limitWrite(name: string): FileDef['write'] {
  return (c, text) => c.core.writeLimit(c.id, name, text, c.cpu);
}
function settingFile(name: string, which: Setting, onRoot: boolean, parse: (file: string, text: string) => number): FileDef {
  return {
    name, onRoot,
    read: (c) => `${c.core.settingRead(c.id, which)}\n`,
    write: (c, text) => check(c.core.settingWrite(c.id, which, parse(name, text)), name, text, 'rejected'),
  };
}
const intParse = (file: string, text: string): number => {
  const v = kstrtoint(strstrip(text));
  if (v === null) einval(file, text, 'not a number');
  if (v === 'ERANGE') throw new MemcgError('ERANGE', `write ${file}: out of range`, { file, input: text });
  return v;
};

/** memory.reclaim: "<size> [swappiness=<0..200|max>]" (user_proactive_reclaim). */
function reclaimWrite(c: FileCtx, text: string): void {
  const file = 'memory.reclaim';
  const buf = strstrip(text);
  const { bytes: b, rest } = memparse(buf);
  if (rest === buf) einval(file, text, 'no size');
  let swappiness = -1;
  for (const tok of strstrip(rest).split(' ').filter((t) => t !== '')) {
    const m = /^swappiness=(.*)$/.exec(tok);
    if (!m) einval(file, text, `unknown argument "${tok}"`);
    // memory_reclaim: swappiness= since 6.12, its "max" (SWAPPINESS_ANON_ONLY) since 6.16.
    if (!c.core.has('F_RECLAIM_SWAPPINESS')) einval(file, text, `unknown argument "${tok}" (swappiness= is 6.12+)`);
    if (m[1] === 'max') {
      if (!c.core.has('F_RECLAIM_SWAPPINESS_MAX')) einval(file, text, 'swappiness=max is 6.16+');
      swappiness = 201; // SWAPPINESS_ANON_ONLY
    } else {
      const v = kstrtoint(m[1]);
      if (typeof v !== 'number' || v < 0 || v > 200) einval(file, text, 'swappiness must be 0..200 or max');
      swappiness = v;
    }
  }
  const pages = b / BigInt(PAGE_SIZE);
  check(c.core.proactiveReclaim(c.id, Number(pages > BigInt(PAGE_COUNTER_MAX) ? BigInt(PAGE_COUNTER_MAX) : pages), swappiness, c.cpu), file, text, 'could not reclaim the amount asked for');
}

/**
 * cgroup.subtree_control (cgroup_subtree_control_write): space-separated "+name" / "-name",
 * the last one of a controller wins; a name that is no controller, or no +/- prefix, is
 * EINVAL before anything is looked at. Only memory is emulated: +other is ENOENT here (the
 * kernel would enable it), -other does nothing.
 */
const KNOWN_CONTROLLERS = ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc', 'dmem'];
function subtreeControlWrite(c: FileCtx, text: string): void {
  const file = 'cgroup.subtree_control';
  let memory: boolean | undefined;
  for (const tok of strstrip(text).split(' ').filter((t) => t !== '')) {
    const name = tok.slice(1);
    if ((tok[0] !== '+' && tok[0] !== '-') || !KNOWN_CONTROLLERS.includes(name)) einval(file, text, `bad token "${cut(tok, 40)}"`);
    if (name === 'memory') memory = tok[0] === '+';
    else if (tok[0] === '+') throw new MemcgError('ENOENT', `write ${file}: controller ${name} is not available (only memory is emulated)`, { file, input: text });
  }
  if (memory === undefined) return;
  const ret = c.core.subtreeWrite(c.cg, memory, c.cpu);
  if (ret === -200) throw new MemcgError('ELIMIT', `write ${file}: the emulator's cgroup tables are full (maxCgroups)`, { file, input: text });
  check(ret, file, text, memory
    ? (ret === -2 ? 'memory is not in this cgroup\'s cgroup.controllers' : 'the cgroup has tasks (no internal processes), or no memcg id is left')
    : 'a child has memory in its own cgroup.subtree_control');
}

/**
 * cgroup_stat_show: nr_descendants, then (6.12+) nr_subsys_<ss> for each controller bound to
 * v2, nr_dying_descendants, then nr_dying_subsys_<ss>. Only memory is emulated, so only its
 * lines (a kernel lists every bound controller: cpu, io, pids, …).
 */
function cgroupStat(c: FileCtx): string {
  const n = (item: CgroupStatItem) => c.core.cgroupStat(c.cg, item);
  const subsys = c.core.has('F_CGROUP_STAT_SUBSYS');
  return lines([
    ['nr_descendants', n('CGROUP_NR_DESCENDANTS')],
    ...(subsys ? [['nr_subsys_memory', n('CGROUP_NR_SUBSYS_MEMORY')] as [string, number]] : []),
    ['nr_dying_descendants', n('CGROUP_NR_DYING_DESCENDANTS')],
    ...(subsys ? [['nr_dying_subsys_memory', n('CGROUP_NR_DYING_SUBSYS_MEMORY')] as [string, number]] : []),
  ]);
}

const counterFile = (swap: boolean, field: 'usage' | 'watermark') => (c: FileCtx) => `${bytes(c.core.counterField(c.id, swap, field))}\n`;
// memory.peak (5.19+) and memory.swap.peak (6.5+); peak_write (6.12+) resets a file's peak.
const peakFile = (name: string, kind: 'memory' | 'swap'): FileDef => ({
  name, onRoot: false, peak: kind, since: kind === 'memory' ? 'F_FILE_PEAK_RECLAIM' : 'F_FILE_SWAP_PEAK',
  read: (c) => `${bytes(c.core.peakRead(c.peakFd))}\n`,
  write: (c, text) => {
    if (!c.core.has('F_PEAK_WRITE')) einval(name, text, 'this kernel has no write handler for the peak files (6.12+)');
    void c.core.peakWrite(c.peakFd);
  },
});

/** cgroup v2 files, in cftype order (cgroup core files first). */
const V2_FILES: FileDef[] = [
  // cgroup_controllers_show: the parent's subtree_control (the root: what the hierarchy has).
  { name: 'cgroup.controllers', onRoot: true, cgroupFile: true, read: (c) => (c.core.controllersMemory(c.cg) ? 'memory\n' : '') },
  {
    name: 'cgroup.subtree_control', onRoot: true, cgroupFile: true,
    read: (c) => (c.core.subtreeMemory(c.cg) ? 'memory\n' : ''),
    write: subtreeControlWrite,
  },
  // cgroup_events_show: no freezer is emulated, so never frozen.
  { name: 'cgroup.events', onRoot: false, cgroupFile: true, read: (c) => lines([['populated', c.core.cgroupStat(c.cg, 'CGROUP_POPULATED')], ['frozen', 0]]) },
  { name: 'cgroup.stat', onRoot: true, cgroupFile: true, read: cgroupStat },
  { name: 'memory.current', onRoot: false, read: counterFile(false, 'usage') },
  peakFile('memory.peak', 'memory'),
  ...(['memory.min', 'memory.low', 'memory.high', 'memory.max'] as const).map((name): FileDef => ({
    name, onRoot: false,
    read: (c) => tunable(c.core.counterField(c.id, false, name.slice(7) as 'min' | 'low' | 'high' | 'max')),
    write: limitWrite(name),
  })),
  { name: 'memory.events', onRoot: false, read: (c) => events(c, false) },
  { name: 'memory.events.local', onRoot: false, read: (c) => events(c, true) },
  { name: 'memory.stat', onRoot: true, read: v2Stat },
  { name: 'memory.numa_stat', onRoot: true, read: v2NumaStat },
  settingFile('memory.oom.group', 'SETTING_OOM_GROUP', false, intParse),
  { name: 'memory.reclaim', onRoot: true, write: reclaimWrite, since: 'F_FILE_PEAK_RECLAIM' },
  { name: 'memory.swap.current', onRoot: false, read: counterFile(true, 'usage') },
  { name: 'memory.swap.high', onRoot: false, read: (c) => tunable(c.core.counterField(c.id, true, 'high')), write: limitWrite('memory.swap.high') },
  { name: 'memory.swap.max', onRoot: false, read: (c) => tunable(c.core.counterField(c.id, true, 'max')), write: limitWrite('memory.swap.max') },
  peakFile('memory.swap.peak', 'swap'),
  {
    name: 'memory.swap.events', onRoot: false,
    read: (c) => lines([['high', c.core.event(c.id, 'swap_high', false)], ['max', c.core.event(c.id, 'swap_max', false)], ['fail', c.core.event(c.id, 'swap_fail', false)]]),
  },
];

/** v1 counter files of memory (and memsw, with swap accounting). */
function v1CounterFiles(prefix: string, swap: boolean): FileDef[] {
  const reset = (failcnt: boolean) => (c: FileCtx) => c.core.counterReset(c.id, swap, failcnt); // content ignored
  const limitName = `${prefix}limit_in_bytes`;
  return [
    { name: `${prefix}usage_in_bytes`, onRoot: true, memsw: swap, read: (c) => `${bytes(c.core.usageV1(c.id, swap))}\n` },
    { name: `${prefix}max_usage_in_bytes`, onRoot: true, memsw: swap, read: counterFile(swap, 'watermark'), write: reset(false) },
    { name: limitName, onRoot: true, memsw: swap, read: (c) => `${bytes(c.core.counterField(c.id, swap, 'max'))}\n`, write: limitWrite(limitName) },
    { name: `${prefix}failcnt`, onRoot: true, memsw: swap, read: (c) => `${c.core.counterField(c.id, swap, 'failcnt')}\n`, write: reset(true) },
  ];
}

/**
 * The v1 kmem files (6.18 mem_cgroup_legacy_files): the kmem counter is charged with every
 * kernel page and never limited — its limit file accepts a size and ignores it (deprecated);
 * the tcp counter keeps a settable limit (the first write makes the memcg's sockets
 * accounted: memcg_update_tcp_max). max_usage / failcnt writes reset (any content).
 */
function kmemFiles(): FileDef[] {
  const size = (file: string, text: string): number => {
    const pages = pageCounterMemparse(text, '-1');
    if (pages === null) einval(file, text, 'not a size');
    // mem_cgroup_write: no limit can be set on the root
    return pages;
  };
  const rootCheck = (c: FileCtx, file: string, text: string) => {
    if (c.isRoot) einval(file, text, 'no limit on the root cgroup');
  };
  const val = (f: KmemField, asBytes = true) => (c: FileCtx) => `${asBytes ? bytes(c.core.kmemRead(c.id, f)) : c.core.kmemRead(c.id, f)}\n`;
  const reset = (f: KmemField) => (c: FileCtx) => void c.core.kmemWrite(c.id, f, 0);
  return [
    {
      name: 'memory.kmem.limit_in_bytes', onRoot: true, read: val('KMEM_MAX'),
      write: (c, text) => { size('memory.kmem.limit_in_bytes', text); rootCheck(c, 'memory.kmem.limit_in_bytes', text); },
    },
    { name: 'memory.kmem.usage_in_bytes', onRoot: true, read: val('KMEM_USAGE') },
    { name: 'memory.kmem.failcnt', onRoot: true, read: val('KMEM_FAILCNT', false), write: reset('KMEM_FAILCNT') },
    { name: 'memory.kmem.max_usage_in_bytes', onRoot: true, read: val('KMEM_WATERMARK'), write: reset('KMEM_WATERMARK') },
    { name: 'memory.kmem.slabinfo', onRoot: true, read: () => '' }, // mem_cgroup_slab_show: deprecated, prints nothing
    {
      name: 'memory.kmem.tcp.limit_in_bytes', onRoot: true, read: val('TCP_MAX'),
      write: (c, text) => {
        const pages = size('memory.kmem.tcp.limit_in_bytes', text);
        rootCheck(c, 'memory.kmem.tcp.limit_in_bytes', text);
        check(c.core.kmemWrite(c.id, 'TCP_MAX', pages), 'memory.kmem.tcp.limit_in_bytes', text, 'the tcp usage is above the new limit');
      },
    },
    { name: 'memory.kmem.tcp.usage_in_bytes', onRoot: true, read: val('TCP_USAGE') },
    { name: 'memory.kmem.tcp.failcnt', onRoot: true, read: val('TCP_FAILCNT', false), write: reset('TCP_FAILCNT') },
    { name: 'memory.kmem.tcp.max_usage_in_bytes', onRoot: true, read: val('TCP_WATERMARK'), write: reset('TCP_WATERMARK') },
  ];
}

/** cgroup v1 memory controller files (mem_cgroup_legacy_files, then memsw_files). */
const V1_FILES: FileDef[] = [
  ...v1CounterFiles('memory.', false).slice(0, 3),
  {
    name: 'memory.soft_limit_in_bytes', onRoot: true,
    read: (c) => `${bytes(c.core.settingRead(c.id, 'SETTING_SOFT_LIMIT'))}\n`,
    write: (c, text) => {
      const pages = pageCounterMemparse(text, '-1');
      if (pages === null) einval('memory.soft_limit_in_bytes', text, 'not a size');
      check(c.core.settingWrite(c.id, 'SETTING_SOFT_LIMIT', pages), 'memory.soft_limit_in_bytes', text, 'rejected');
    },
  },
  v1CounterFiles('memory.', false)[3],
  { name: 'memory.stat', onRoot: true, read: v1Stat },
  { name: 'memory.force_empty', onRoot: true, write: (c, text) => check(c.core.forceEmpty(c.id, c.cpu), 'memory.force_empty', text, 'not on the root') },
  settingFile('memory.use_hierarchy', 'SETTING_USE_HIERARCHY', true, u64),
  settingFile('memory.swappiness', 'SETTING_SWAPPINESS', true, u64),
  settingFile('memory.move_charge_at_immigrate', 'SETTING_MOVE_CHARGE', true, u64),
  {
    name: 'memory.oom_control', onRoot: true,
    // mem_cgroup_oom_control_read: under_oom as a bool (tasks asleep in an OOM of this memcg or above)
    read: (c) => lines([['oom_kill_disable', c.core.settingRead(c.id, 'SETTING_OOM_KILL_DISABLE')], ['under_oom', c.core.underOom(c.id) > 0 ? 1 : 0], ['oom_kill', c.core.event(c.id, 'oom_kill', false)]]),
    write: (c, text) => check(c.core.settingWrite(c.id, 'SETTING_OOM_KILL_DISABLE', u64('memory.oom_control', text)), 'memory.oom_control', text, 'rejected'),
  },
  { name: 'memory.pressure_level', onRoot: true }, // a read handler that returns -EINVAL
  { name: 'memory.numa_stat', onRoot: true, read: v1NumaStat },
  ...kmemFiles(),
  ...v1CounterFiles('memory.memsw.', true),
];

function catalog(core: FsCore): FileDef[] {
  const files = core.cgroupVersion === 2 ? V2_FILES : V1_FILES.filter((f) => !f.memsw || core.memswAccount);
  return files.filter((f) => !f.since || core.has(f.since));
}

/**
 * The files a cgroup has (root: only those without CFTYPE_NOT_ON_ROOT), in cftype order; the
 * memory controller's only where memory is enabled for the cgroup.
 */
export function fileNames(core: FsCore, isRoot: boolean, memory = true): string[] {
  return catalog(core).filter((f) => (!isRoot || f.onRoot) && (memory || f.cgroupFile)).map((f) => f.name);
}

/** An interface file opened for reading and writing, as open(2) on cgroupfs would give. */
export class OpenFile {
  private closed = false;
  constructor(
    readonly path: string,
    private readonly def: FileDef,
    private readonly ctx: FileCtx,
    private readonly guard: <T>(f: () => T) => T,
  ) {}

  /** The file's text, exactly as the kernel prints it. */
  read(): string {
    this.live();
    // cgroup_seqfile_show of a file without a show handler (memory.reclaim, v1
    // memory.force_empty: mode 0200) is EINVAL for root, as is memory.pressure_level's dummy.
    if (!this.def.read) throw new MemcgError('EINVAL', `read ${this.def.name}: the file ${this.def.write ? 'is write-only (mode 0200)' : 'has no read handler'}`, { file: this.def.name });
    return this.guard(() => this.def.read!(this.ctx));
  }

  /**
   * Write text as write(2) would (a trailing newline is fine): more than ATOMIC_WRITE_LEN
   * bytes is E2BIG, an empty write does nothing, and the handler sees the text up to the
   * first NUL (kernfs_fop_write_iter NUL-terminates the buffer; the handlers parse C strings).
   */
  write(text: string | number, opts: { cpu?: number } = {}): void {
    if (this.closed) throw new MemcgError('EBADF', `${this.path} is closed`);
    const cpu = this.writeCpu(opts);
    const s = fileText(this.def.name, text);
    this.live();
    if (s === '') return; // cgroup_file_write: a zero-length write returns 0 at once
    // Root passes the open(2) permission check (CAP_DAC_OVERRIDE; cgroup roots have no
    // KERNFS_ROOT_EXTRA_OPEN_PERM_CHECK): a file with no write handler fails in cgroup_file_write.
    if (!this.def.write) throw new MemcgError('EINVAL', `write ${this.def.name}: the file is read-only (mode 0444)`, { file: this.def.name, input: cut(s) });
    const nul = s.indexOf('\0');
    this.guard(() => this.def.write!({ ...this.ctx, cpu }, nul < 0 ? s : s.slice(0, nul)));
  }

  /** The CPU a write runs on: { cpu } with an exact integer in 0 .. cpus - 1, or the file's. */
  private writeCpu(opts: unknown): number {
    const what = `write ${this.def.name}`;
    if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) throw new MemcgError('EINVAL', `${what}: options must be an object`, { file: this.def.name });
    const o = opts as Record<string, unknown>;
    const bad = Object.keys(o).find((k) => k !== 'cpu');
    if (bad !== undefined) throw new MemcgError('EINVAL', `${what}: unknown option "${cut(bad, 40)}" (known: cpu)`, { file: this.def.name });
    if (o.cpu === undefined) return this.ctx.cpu;
    const n = this.ctx.core.cpus;
    if (typeof o.cpu !== 'number' || !Number.isInteger(o.cpu) || o.cpu < 0 || o.cpu >= n) {
      throw new MemcgError('EINVAL', `${what}: cpu must be an integer in 0..${n - 1}, not ${typeof o.cpu === 'string' ? JSON.stringify(cut(o.cpu, 40)) : typeof o.cpu === 'number' ? String(o.cpu) : typeof o.cpu}`, { file: this.def.name });
    }
    return o.cpu;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.def.peak) this.guard(() => this.ctx.core.peakClose(this.ctx.peakFd));
  }

  private live(): void {
    if (this.closed) throw new MemcgError('EBADF', `${this.path} is closed`);
    // kernfs_get_active fails once the cgroup directory (or the memory css) is gone.
    const memory = !this.def.cgroupFile;
    if (!this.guard(() => this.ctx.core.alive(memory, memory ? this.ctx.id : this.ctx.cg, this.ctx.gen))) {
      throw new MemcgError('ENODEV', `${this.path}: the ${memory ? 'cgroup or its memory controller' : 'cgroup'} was removed`);
    }
  }
}

/** Open an interface file of cgroup cg whose memcg is id (ENOENT if this cgroup has no such file). */
export function openFile(core: FsCore, cg: number, id: number, isRoot: boolean, path: string, name: string, guard: <T>(f: () => T) => T): OpenFile {
  const def = catalog(core).find((f) => f.name === name && (!isRoot || f.onRoot) && (id >= 0 || f.cgroupFile));
  if (!def) throw new MemcgError('ENOENT', `no file ${cut(path)}`, { file: name });
  const gen = guard(() => core.generation(!def.cgroupFile, def.cgroupFile ? cg : id));
  let peakFd = -1;
  if (def.peak) {
    peakFd = guard(() => core.peakOpen(id, def.peak === 'swap'));
    if (peakFd < 0) throw new MemcgError('ENOSPC', `too many open ${name} files`, { file: name });
  }
  return new OpenFile(path, def, { core, id, cg, isRoot, cpu: 0, peakFd, gen }, guard);
}
