// The public System: a handle on one core instance. It converts names and strings to the
// core's integers and back; every counter it reports is read from the core (DESIGN rule 1).

import { ChargeOp, PATH_SLOTS, UnchargeOp, pathSlot } from './ops.js';
import {
  fileNames, limitFile, limitFileNames, openFile, parseLimit, type CgroupVersion, type FsCore, type OpenFile, type Setting, type StatItem,
} from '../cgroupfs/cgroupfs.js';
import { DisposedError, InternalError, MemcgError, errnoName } from '../core/errors.js';
import { parseGfp, type Gfp } from '../core/gfp.js';
import { findProfile, type ProfileAlias, type ProfileName } from '../core/profiles.js';
import { bool, cgroupPath, int, isInt, keys, obj, oneOf, show, str } from './check.js';
import { checkOptions, seedOf, swapPagesOf } from './options.js';
import { CoreAbort, instantiate, liftString, release, type Core } from '../core/instance.js';
import { memparse } from '../cgroupfs/memparse.js';

/** Which compiled core a Node system loads from the package (src/core/wasm.ts). */
export type WasmBuild = 'release' | 'debug';
import { resolveTopology, type ResolvedTopology, type TopologyOption } from '../core/topology.js';
import { costCycles, resolveCostModel, type CostModelOption, type ResolvedCostModel } from '../core/costs.js';

export type SystemOptions = {
  /**
   * Kernel era (src/core/profiles.ts): '5.15', '6.1', '6.6', '6.12', 'multi' (6.16–6.18.35, the
   * default), '6.18' (6.18.36+), 'mainline'; aliases 'single' (6.12), 'multi-rr' (6.18), '5.17'.
   */
  profile?: ProfileAlias;
  cgroupVersion?: CgroupVersion;
  /**
   * The machine: a preset ('2s-72c', '1s-40c', '2s-224c', '2s-256c', '2s-256c-nps4'), 'host'
   * (this machine's sysfs), { sockets, coresPerSocket, threadsPerCore?, nodesPerSocket?,
   * coresPerLlc? }, or the shorthand { nodes, cpusPerNode }. Default 1 node × 4 CPUs.
   */
  topology?: TopologyOption;
  /** The cache-coherence cost model (off by default): true, or its table, costs and layout switches. */
  costModel?: CostModelOption;
  seed?: number | bigint;
  /** v1 only: charge memory.memsw alongside memory (do_memsw_account). Default true. */
  swapAccount?: boolean;
  /** Emulator option: no per-CPU stock at all (every charge walks the hierarchy). */
  stock?: boolean;
  /** MEMCG_CHARGE_BATCH: default the profile's (32 for '5.15', 64 from '6.1' on). */
  chargeBatch?: number;
  /**
   * When drain work that drain_all_stock queued on another CPU runs: 'schedule' (default) at
   * the caller's next scheduling point (its next reclaim pass or OOM pass) or when its
   * operation returns; 'immediate' before drain_all_stock returns; 'deferred' when that CPU
   * next charges.
   */
  remoteDrain?: 'schedule' | 'immediate' | 'deferred';
  /**
   * When the memory of an OOM victim other than the charging task goes: 'schedule' (default)
   * at the charger's next scheduling point (its next reclaim pass or OOM pass) or when its
   * operation returns; 'kill' inside the kill (the charger's own too: the seed's model); 'oom'
   * when the charger's next OOM pass finds it still alive (after 16 more retries). The
   * charging task itself, when chosen, always dies when its operation returns.
   */
  oomVictimExit?: 'schedule' | 'kill' | 'oom';
  /** memory_recursiveprot mount option (v2). */
  recursiveProtection?: boolean;
  /** memory_localevents mount option (v2): memory.events counts like memory.events.local. */
  localEvents?: boolean;
  /**
   * v2: mkdir first writes "+memory" to the parent's cgroup.subtree_control when it is not
   * there, so that every cgroup made gets a memcg (what LTP's tst_cg_group_mk does). Default
   * true; false is the kernel's plain mkdir (a child has memory only once its parent's
   * cgroup.subtree_control says so). mkdir's own `enableMemory` option overrides it per call.
   */
  autoEnableMemory?: boolean;
  maxCgroups?: number;
  maxFolios?: number;
  maxTasks?: number;
  /** Size of the swap device (bytes, or a size like '1G'; default 0: no swap, anon cannot be reclaimed). */
  swap?: string | number;
  /** CONFIG_HZ (100, 250, 300, 1000; default 1000): the unit of memory.high penalties. */
  hz?: number;
  /**
   * Kernel memory accounting (docs/kernel-memory.md): page tables and anon_vma of faults,
   * xarray nodes of page cache, a new memcg's structures, through the objcg byte stock.
   * Default true, as every era's kernel (5.15 on, v1 and v2: memcg_online_kmem) unless booted
   * with cgroup.memory=nokmem, which false is.
   */
  kmem?: boolean;
  /**
   * The per-CPU lru_add folio_batch (PAGEVEC_SIZE: 15 folios up to '6.6', 31 from '6.12'): new folios reach their LRU list when the batch
   * fills, at once when large, or at a drain (before reclaim). Default true; false: on the list at once,
   * and no per-CPU mlock batch either (5.18+: a locked fault's folio on the unevictable list at once,
   * an unmapped locked folio freed at once).
   */
  lruAddBatch?: boolean;
  /**
   * With kmem: every task's page tables and anon_vma exist before its first fault (made while
   * it ran in another cgroup, as memcg-sim live's helper does), so faults charge no PTE page,
   * no deposited THP table and no anon_vma. Default false.
   */
  preparedMm?: boolean;
  /** Page-cache entries plus xarray nodes the emulator can track for files (default 16384). */
  maxFileEntries?: number;
  /** Op records per replay chunk. */
  opCapacity?: number;
  /**
   * First touch of the tables at createSystem, so that the page faults of fresh memory fall
   * there and not into the first operations: true = always, false = never; by default when
   * the tables take at most 16 MiB (a default system, sized for 1 Mi folios, takes 37 MB and
   * a run rarely touches most of it).
   */
  prefault?: boolean;
  build?: WasmBuild;
};

export type CounterKind = 'memory' | 'swap' | 'memsw';
export type Counter = {
  usage: number; max: number; min: number; low: number; high: number; watermark: number;
  localWatermark: number; failcnt: number; emin: number; elow: number;
  /** Protected usage of the children (propagate_protected_usage). */
  childrenMinUsage: number; childrenLowUsage: number;
};
export type MemoryEvents = {
  low: number; high: number; max: number; oom: number; oom_kill: number; oom_group_kill: number;
};
export type SwapEvents = { high: number; max: number; fail: number };
export type { Gfp } from '../core/gfp.js';
export type FolioKind = 'anon' | 'file' | 'shmem';
/** A charge by a task (its memcg is charged, an anon folio is its page) or straight to a cgroup. */
export type ChargeRequest = { cgroup?: string; task?: number; cpu: number; order?: number; kind?: FolioKind; gfp?: Gfp; node?: number };
export type LruName = 'inactive_anon' | 'active_anon' | 'inactive_file' | 'active_file' | 'unevictable';
export type FolioInfo = {
  id: number; cgroup: string; order: number; nrPages: number; kind: FolioKind; node: number; memcgData: number;
  /** the LRU list it is on, and its PG_referenced / PTE young bits */
  lru: LruName | null; referenced: boolean; young: boolean;
  /**
   * Reclaim split this large folio to swap its pages (shrink_folio_list): 'head' is the id
   * charged (now its first page, still the handle of the whole range: uncharge and touch act
   * on every page), 'tail' a later page (not a handle); null if never split.
   */
  split: 'head' | 'tail' | null;
};
export type TaskInfo = {
  id: number; cgroup: string | null; alive: boolean; killed: boolean; oomScoreAdj: number;
  /**
   * The v1 OOM wait (oom_kill_disable): the cgroup whose OOM the task sleeps for
   * (memcg_in_oom) and the folio its fault waits to charge; null when it is not waiting.
   */
  oomWait: { cgroup: string; folio: number } | null;
  /** MM_ANONPAGES and MM_SWAPENTS, in pages */
  anonPages: number; swapEntries: number;
  /** time spent sleeping in mem_cgroup_handle_over_high (memory.high throttling) */
  throttledMs: number;
};
export type StockEntry = { cgroup: string; nrPages: number };

/** One op for replay(): the same operations as the single calls. */
export type Op =
  | ({ op: 'charge' } & ChargeRequest)
  | { op: 'uncharge'; folio: number; cpu?: number }
  | { op: 'uncharge-list'; folios: number[]; cpu?: number }
  | { op: 'write'; cgroup: string; file: string; value: string | number; cpu?: number }
  | { op: 'touch'; folio: number; cpu: number; gfp?: Gfp }
  | { op: 'sk-charge'; cgroup: string; cpu: number; pages: number; gfp?: Gfp }
  | { op: 'sk-uncharge'; cgroup: string; cpu: number; pages: number }
  | { op: 'wait'; ms: number };

/**
 * What one replayed op did: a folio id for a charge, 0 otherwise, or the errno.
 * Results are read-only and may be shared: a value of 0 and each errno are one frozen object
 * (replay() allocates nothing for them), a folio id is a fresh object. Compare them by
 * content, do not mutate them.
 */
export type OpResult = Readonly<{ ok: true; value: number }> | Readonly<{ ok: false; code: string }>;

export type SimStats = {
  charges: number; chargeFails: number; stockHits: number; stockMisses: number; stockRefills: number;
  stockDrains: number; stockEvictions: number; drainAll: number; drainRemote: number; counterLevels: number;
  forced: number; reclaimCalls: number; oomCalls: number; unchargeBatches: number;
  /** large folios reclaim could not split because the folio table had no ids left (activated whole) */
  splitNoIds: number;
  /** Pages in the CPUs' stocks now, and the most there ever were (the stale charge). */
  stockedPages: number; stockedMax: number;
  /** mem_cgroup_sk_charge calls that charged. */
  skCharges: number;
};

/** Where a cache line was found, by distance (cost model). */
export type Distances = { hit: number; smt: number; llc: number; socket: number; remote: number; memLocal: number; memRemote: number };
export type OpKindCost = { ops: number; cycles: number; cyclesPerOp: number };
/** The cost model's view of a run (modelled, not measured; null counters when it is off). */
export type CostStats = {
  /** Modelled cycles of all operations (each from its start to its end on its CPU). */
  cycles: number;
  perOp: Record<'charge' | 'uncharge' | 'skCharge' | 'skUncharge' | 'touch' | 'file' | 'other', OpKindCost>;
  /** The latest CPU clock: the modelled length of the run. */
  makespanCycles: number;
  /** Operations per modelled second over the makespan. */
  throughputOpsPerSec: number;
  atomics: number;
  accesses: number;
  /** Accesses by where they found the line (hit = already here). */
  found: Distances;
  /** Line transfers (accesses that were not hits). */
  transfers: number;
  cpus: { cpu: number; clock: number; busy: number; wait: number }[];
  /** The lines most transferred, by name. */
  hottest: { line: string; transfers: number; waitCycles: number }[];
  ghz: number;
};
export type RaceCharge = { cgroup: string; cpu: number; pages: number; startNs?: number };

const SIM_KEYS: [keyof SimStats, string][] = [
  ['charges', 'SIM_CHARGES'], ['chargeFails', 'SIM_CHARGE_FAILS'], ['stockHits', 'SIM_STOCK_HITS'],
  ['stockMisses', 'SIM_STOCK_MISSES'], ['stockRefills', 'SIM_STOCK_REFILLS'], ['stockDrains', 'SIM_STOCK_DRAINS'],
  ['stockEvictions', 'SIM_STOCK_EVICTIONS'], ['drainAll', 'SIM_DRAIN_ALL'], ['drainRemote', 'SIM_DRAIN_REMOTE'],
  ['counterLevels', 'SIM_COUNTER_LEVELS'], ['forced', 'SIM_FORCED'], ['reclaimCalls', 'SIM_RECLAIM_CALLS'],
  ['oomCalls', 'SIM_OOM_CALLS'], ['unchargeBatches', 'SIM_UNCHARGE_BATCHES'], ['splitNoIds', 'SIM_SPLIT_NO_IDS'], ['stockedPages', 'SIM_STOCKED_PAGES'],
  ['stockedMax', 'SIM_STOCKED_MAX'], ['skCharges', 'SIM_SK_CHARGES'],
];
const COUNTER_FIELDS: [keyof Counter, string][] = [
  ['usage', 'PCF_USAGE'], ['max', 'PCF_MAX'], ['min', 'PCF_MIN'], ['low', 'PCF_LOW'], ['high', 'PCF_HIGH'],
  ['watermark', 'PCF_WATERMARK'], ['localWatermark', 'PCF_LOCAL_WATERMARK'], ['failcnt', 'PCF_FAILCNT'],
  ['emin', 'PCF_EMIN'], ['elow', 'PCF_ELOW'], ['childrenMinUsage', 'PCF_CHILDREN_MIN_USAGE'],
  ['childrenLowUsage', 'PCF_CHILDREN_LOW_USAGE'],
];
const EVENT_KEYS: [keyof MemoryEvents, string][] = [
  ['low', 'MEMCG_LOW'], ['high', 'MEMCG_HIGH'], ['max', 'MEMCG_MAX'], ['oom', 'MEMCG_OOM'],
  ['oom_kill', 'MEMCG_OOM_KILL'], ['oom_group_kill', 'MEMCG_OOM_GROUP_KILL'],
];

type Fn = (...args: number[]) => number;

const LRU_NAMES: LruName[] = ['inactive_anon', 'active_anon', 'inactive_file', 'active_file', 'unevictable'];

/** Folio, task and memcg ids are i32 in the core: a larger integer would wrap. */
const ID_MAX = 0x7fffffff;
/** The keys of a file operation's context (FileContext). */
const FILE_CTX_KEYS = ['task', 'cgroup', 'cpu', 'gfp'] as const;
const CHARGE_KEYS = ['cgroup', 'task', 'cpu', 'order', 'kind', 'gfp', 'node'] as const;
const OP_NAMES = ['charge', 'uncharge', 'uncharge-list', 'write', 'touch', 'wait', 'sk-charge', 'sk-uncharge'] as const;
const CHARGE_OP_KEYS = ['op', ...CHARGE_KEYS] as const;
/** The keys of each replay op. */
const OP_KEYS: Record<(typeof OP_NAMES)[number], readonly string[]> = {
  charge: CHARGE_OP_KEYS, uncharge: ['op', 'folio', 'cpu'], 'uncharge-list': ['op', 'folios', 'cpu'],
  write: ['op', 'cgroup', 'file', 'value', 'cpu'], touch: ['op', 'folio', 'cpu', 'gfp'], wait: ['op', 'ms'],
  'sk-charge': ['op', 'cgroup', 'cpu', 'pages', 'gfp'], 'sk-uncharge': ['op', 'cgroup', 'cpu', 'pages'],
};
/** The simulated clock is i64 nanoseconds: one wait of at most 2^63 ns (about 292 years). */
const WAIT_MAX_MS = 9.2e12;

const REMOTE_DRAIN = { schedule: 'REMOTE_DRAIN_SCHEDULE', immediate: 'REMOTE_DRAIN_IMMEDIATE', deferred: 'REMOTE_DRAIN_DEFERRED' };
const VICTIM_EXIT = { schedule: 'VICTIM_EXIT_SCHEDULE', kill: 'VICTIM_EXIT_KILL', oom: 'VICTIM_EXIT_OOM' };

/** The core constant of an option's value (the first key is the default). */
function choice(option: string, value: string | undefined, names: Record<string, string>): string {
  const keys = Object.keys(names);
  const v = value ?? keys[0];
  if (!Object.hasOwn(names, v)) throw new MemcgError('EINVAL', `${option} must be one of ${keys.join(', ')}, not "${String(value)}"`);
  return names[v];
}

/** A value given by the caller, or the default when it is left out (null is a value, refused by its check). */
const given = <T>(v: T | undefined, d: T): T => (v === undefined ? d : v);

/** A size in bytes: an integer, or a string as memparse reads it ('64K', '32M'); 0..max. */
function sizeBytes(v: unknown, what: string, max: number): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string') {
    const t = v.trim();
    const { bytes, rest } = memparse(t);
    if (t === '' || rest !== '') throw new MemcgError('EINVAL', `${what} ${show(v)} is not a size (bytes, or a number with K/M/G/T/P/E)`);
    n = Number(bytes);
  } else throw new MemcgError('EINVAL', `${what} must be a number of bytes or a string like "32M", not ${show(v)}`);
  if (!Number.isSafeInteger(n) || n < 0 || n > max) {
    throw new MemcgError('EINVAL', `${what} must be 0..${max} bytes (the emulator's files: 2^${Math.log2(max)} bytes), not ${show(v)}`);
  }
  return n;
}

/** Who a file operation runs as: a task (its memcg is charged) or a cgroup, on a CPU. */
export type FileContext = { task?: number; cgroup?: string; cpu: number; gfp?: Gfp };
export type FileOptions = {
  /** 'disk' (a regular file on ext4/xfs, already on disk), 'tmpfs' (shmem, created by the context). */
  kind?: 'disk' | 'tmpfs';
  /** i_size for a disk file (bytes or '32M'); a tmpfs file starts empty. */
  size?: string | number;
  /** mapping_max_folio_order of the filesystem (ext4/xfs on x86-64: 9; 0 = no large folios). */
  maxOrder?: number;
  /** read_ahead_kb of the device (default 128; the live machine's vda: 8192). */
  readAheadKb?: number;
  /** the device's optimal I/O size in KiB (bdi->io_pages × 4; default 0). */
  ioKb?: number;
};
export type FileInfo = { size: number; cachedPages: number; folios: number; xaNodes: number; xaHeight: number; entries: number };

// The records of the last encode that did not go into a core's op buffer (every system's:
// encoding is synchronous), kept and grown, so that a replay of Op objects writes no fresh pages.
let scratch = new Uint8Array(0);
let scratchView = new DataView(scratch.buffer);
let scratchU32 = new Uint32Array(scratch.buffer);
/** Whether a Uint32Array stores little-endian words, as the core's records are. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

// replay()'s results of 0 and of each errno: one frozen object each, shared by every system.
// A folio id's result is a fresh object: sharing one per id (a table of them) measured slower
// than allocating (a cache miss per op on the bench mix), and so did freezing each.
const OK_ZERO: OpResult = Object.freeze({ ok: true, value: 0 });
const failShared = new Map<string, OpResult>();
function failResult(code: string): OpResult {
  let r = failShared.get(code);
  if (r === undefined) failShared.set(code, (r = Object.freeze({ ok: false, code })));
  return r;
}

/** replay() sizes its result array at once up to this many results (V8's fast arrays reach 2^25). */
const RESULTS_PREALLOC_MAX = 1 << 24;

/** One result of replay() from its code (elimit: a charge's -ENOSPC, the emulator's full folio table). */
function resultOf(v: number, elimit: boolean): OpResult {
  return v > 0 ? { ok: true, value: v } : v === 0 ? OK_ZERO : failResult(elimit ? 'ELIMIT' : errnoName(v));
}

/**
 * replay()'s results of records done .. done + n - 1 from their codes at codes[at ..], in one
 * tight loop (records: the op records, for a charge's ENOSPC, which is the emulator's full
 * folio table: 'ELIMIT', as charge() says).
 */
function opResults(out: OpResult[], done: number, codes: Int32Array, at: number, n: number, records: Uint8Array, charge: number): void {
  for (let i = 0; i < n; i++) {
    const v = codes[at + i];
    out[done + i] = resultOf(v, v === -28 && records[(done + i) << 4] === charge);
  }
}

/**
 * replay()'s results as a view on their codes (System.replayView): the same results in op order,
 * an object made only for a result read by at() or the iterator (each equal to replay()'s, the
 * same shared object for 0 and each errno); ok(), value() and code() read the codes alone.
 * A replay of Op objects costs about what replayCodes costs this way, not replay()'s object per op.
 */
export class ReplayView implements Iterable<OpResult> {
  /** The results as replayCodes gives them: a charge's folio id, 0, or -errno, in op order. */
  readonly codes: Int32Array;
  // 1 at each result whose -ENOSPC is ELIMIT (a charge's); null when no result is -ENOSPC.
  private readonly elimit: Uint8Array | null;
  /** @internal System.replayView makes one. */
  constructor(codes: Int32Array, elimit: Uint8Array | null) {
    this.codes = codes;
    this.elimit = elimit;
  }
  /** The number of results (an uncharge-list gives one per folio). */
  get length(): number {
    return this.codes.length;
  }
  /** Whether result i is a success (i: 0 .. length - 1; false past the end). */
  ok(i: number): boolean {
    return this.codes[i] >= 0;
  }
  /** Result i's value (a charge's folio id, or 0); undefined for a failure or past the end. */
  value(i: number): number | undefined {
    const v = this.codes[i];
    return v >= 0 ? v : undefined;
  }
  /** Result i's errno ('ELIMIT' for a charge the emulator's folio table refused); undefined for a success or past the end. */
  code(i: number): string | undefined {
    const v = this.codes[i];
    return v < 0 ? (this.elimit !== null && this.elimit[i] === 1 ? 'ELIMIT' : errnoName(v)) : undefined;
  }
  /** Result i as replay() gives it (a negative i counts from the end, as Array.prototype.at); undefined past the end. */
  at(i: number): OpResult | undefined {
    const j = Math.trunc(i) < 0 ? this.codes.length + Math.trunc(i) : Math.trunc(i);
    if (!(j >= 0 && j < this.codes.length)) return undefined;
    return resultOf(this.codes[j], this.elimit !== null && this.elimit[j] === 1);
  }
  /** The results as replay() gives them (an array equal to its, element by element). */
  toArray(): OpResult[] {
    const n = this.codes.length;
    const out: OpResult[] = n <= RESULTS_PREALLOC_MAX ? new Array<OpResult>(n) : [];
    for (let i = 0; i < n; i++) out[i] = resultOf(this.codes[i], this.elimit !== null && this.elimit[i] === 1);
    return out;
  }
  /** JSON.stringify of a view is that of replay()'s array. */
  toJSON(): OpResult[] {
    return this.toArray();
  }
  *[Symbol.iterator](): Iterator<OpResult> {
    for (let i = 0; i < this.codes.length; i++) yield resultOf(this.codes[i], this.elimit !== null && this.elimit[i] === 1);
  }
}

/** Tables up to this size are touched at createSystem by default (SystemOptions.prefault). */
const PREFAULT_DEFAULT = 16 * 1024 * 1024;

/** The option behind each config key (for a refusal). */
const CFG_OPTION: Record<string, string> = {
  CFG_CGROUP_VERSION: 'cgroupVersion', CFG_PROFILE: 'profile', CFG_NODES: 'topology.nodes', CFG_CPUS_PER_NODE: 'topology.cpusPerNode',
  CFG_MAX_CGROUPS: 'maxCgroups', CFG_MAX_FOLIOS: 'maxFolios', CFG_OP_CAPACITY: 'opCapacity', CFG_SEED_LO: 'seed', CFG_SEED_HI: 'seed',
  CFG_BATCH: 'chargeBatch', CFG_MAX_TASKS: 'maxTasks', CFG_SWAP_PAGES: 'swap', CFG_HZ: 'hz', CFG_PREFAULT: 'prefault',
  CFG_MAX_FILE_ENTRIES: 'maxFileEntries', CFG_KMEM: 'kmem', CFG_LRU_ADD_BATCH: 'lruAddBatch', CFG_MM_PREPARED: 'preparedMm',
  CFG_SOCKETS: 'topology.sockets', CFG_CORES_PER_SOCKET: 'topology.coresPerSocket', CFG_THREADS_PER_CORE: 'topology.threadsPerCore',
  CFG_NODES_PER_SOCKET: 'topology.nodesPerSocket', CFG_CORES_PER_LLC: 'topology.coresPerLlc', CFG_COST_MODEL: 'costModel',
};


export class System {
  readonly profile: ProfileName;
  /** @internal the core's row export for the profile */
  readonly profileCoreId: string;
  readonly cgroupVersion: CgroupVersion;
  /** v1 with memsw accounting (do_memsw_account): the memory.memsw.* files exist. */
  readonly memswAccount: boolean;
  readonly nodes: number;
  readonly cpus: number;
  readonly topology: ResolvedTopology;
  readonly costModel: ResolvedCostModel;
  /** The emulator's folio table size (charged folios at once). */
  readonly maxFolios: number;
  /** The charge batch in effect (MEMCG_CHARGE_BATCH of the profile's era, or the chargeBatch option): the core's own setting. */
  get chargeBatch(): number {
    return this.fn('cfg_get')(this.k('CFG_BATCH'));
  }
  private core: Core;
  private readonly module: WebAssembly.Module;
  private disposed = false;
  private poisoned: InternalError | null = null;
  /** v2: mkdir enables memory in the parent's subtree_control (SystemOptions.autoEnableMemory). */
  readonly autoEnableMemory: boolean;
  private readonly ids = new Map<string, number>(); // live cgroup path → cgroup id
  private readonly paths: string[] = []; // cgroup id → path (the latest cgroup in that slot)
  private readonly memcgNames: string[] = []; // memcg id → its cgroup's path, '… (removed)' once offline
  private buffer: ArrayBuffer | null = null;
  private u8!: Uint8Array;
  private dv!: DataView;
  private i32!: Int32Array;
  private u32!: Uint32Array;
  private readonly opCapacity: number;
  private readonly konst = new Map<string, number>();
  // id() of the paths looked up since the tree last changed. A Map, not a dictionary object:
  // a dictionary lookup internalises the caller's string, which turns it into a ThinString, and
  // every later charCodeAt of it (pathSlot, once per replayed charge) goes through that indirection.
  private readonly idCache = new Map<string, number>();
  // In front of it, the last path seen in each slot of pathSlot() and its id: a hit is a hash of three
  // characters and one string compare (=== of the same string object returns at its pointer test).
  // An empty slot holds '' and 0, the root's path and id: only strings (with undefined among them
  // === was the generic StrictEqual call), and a hit on '' is the truth.
  private readonly slotPath: string[] = new Array<string>(PATH_SLOTS).fill('');
  private readonly slotId = new Int32Array(PATH_SLOTS);
  // Bound hot exports.
  private readonly fCharge: Fn;
  private readonly fUncharge: Fn;
  private readonly fReplay: Fn;
  /** The op and result buffers (fixed at system_init). */
  private readonly opBase: number;
  private readonly resBase: number;
  /** @internal */
  readonly fCounter: Fn;
  // Op codes of the records encode writes (core constants), in fields of the System: a
  // per-system object of them has a fresh hidden class once the last one was collected,
  // which left encodeRun's property loads without feedback (a deopt per fresh system).
  private readonly opCharge: number;
  private readonly opUncharge: number;
  private readonly opList: number;
  private readonly opTouch: number;
  private readonly opWait: number;
  private readonly orderMax: number;
  private readonly gfpKernel: number;

  /** A system on a compiled core module (createSystem in src/api/create.ts or src/browser.ts makes one). */
  constructor(options: SystemOptions, module: WebAssembly.Module) {
    checkOptions(options);
    const profile = findProfile(options.profile ?? 'multi')!;
    const version = options.cgroupVersion ?? 2;
    const topo = resolveTopology(options.topology);
    const cost = resolveCostModel(options.costModel);
    const seed = seedOf(options.seed);
    this.profile = profile.name;
    this.profileCoreId = profile.coreId;
    this.cgroupVersion = version;
    this.memswAccount = version === 1 && options.swapAccount !== false;
    this.autoEnableMemory = options.autoEnableMemory !== false;
    this.topology = topo;
    this.costModel = cost;
    this.nodes = topo.sockets * topo.nodesPerSocket;
    this.cpus = topo.sockets * topo.coresPerSocket * topo.threadsPerCore;
    this.module = module;
    this.core = instantiate(module);
    this.opCharge = this.k('OP_CHARGE');
    this.opUncharge = this.k('OP_UNCHARGE');
    this.opList = this.k('OP_UNCHARGE_LIST');
    this.opTouch = this.k('OP_TOUCH');
    this.opWait = this.k('OP_WAIT');
    this.orderMax = this.k('HPAGE_PMD_ORDER');
    this.gfpKernel = this.k('GFP_KERNEL');
    if (this.k('COST_MODEL_BUILT') !== (cost.on ? 1 : 0)) {
      throw new MemcgError('EINVAL', cost.on
        ? 'option costModel needs the core built with the cost model (build/release-cost.wasm, or debug-cost.wasm)'
        : 'this core is the cost-model build (build/*-cost.wasm): it needs option costModel');
    }
    this.opCapacity = options.opCapacity ?? 4096;
    this.maxFolios = options.maxFolios ?? 1 << 20;
    const cfg: [string, number][] = [
      ['CFG_CGROUP_VERSION', version],
      ['CFG_PROFILE', this.k(profile.coreId)],
      ['CFG_SOCKETS', topo.sockets],
      ['CFG_CORES_PER_SOCKET', topo.coresPerSocket],
      ['CFG_THREADS_PER_CORE', topo.threadsPerCore],
      ['CFG_NODES_PER_SOCKET', topo.nodesPerSocket],
      ['CFG_CORES_PER_LLC', topo.coresPerLlc],
      ['CFG_COST_MODEL', cost.on ? 1 : 0],
      ['CFG_PC_LAYOUT', cost.layout === 'era' ? -1 : this.k(cost.layout === '2022' ? 'PC_LAYOUT_2022' : 'PC_LAYOUT_PRE_2022')],
      ['CFG_PROT_XCHG_ALWAYS', cost.protectionXchg === 'era' ? -1 : cost.protectionXchg === 'always' ? 1 : 0],
      ['CFG_MAX_CGROUPS', options.maxCgroups ?? 1024],
      ['CFG_MAX_FOLIOS', options.maxFolios ?? 1 << 20],
      ['CFG_OP_CAPACITY', this.opCapacity],
      ['CFG_SEED_LO', Number(seed & 0xffffffffn)],
      ['CFG_SEED_HI', Number(seed >> 32n)],
      ['CFG_SWAP_ACCOUNT', options.swapAccount === false ? 0 : 1],
      ['CFG_STOCK_OFF', options.stock === false ? 1 : 0],
      ['CFG_BATCH', options.chargeBatch ?? this.fn('profile_charge_batch')(this.k(profile.coreId))],
      ['CFG_REMOTE_DRAIN', this.k(choice('remoteDrain', options.remoteDrain, REMOTE_DRAIN))],
      ['CFG_OOM_VICTIM_EXIT', this.k(choice('oomVictimExit', options.oomVictimExit, VICTIM_EXIT))],
      ['CFG_RECURSIVE_PROT', options.recursiveProtection ? 1 : 0],
      ['CFG_LOCAL_EVENTS', options.localEvents ? 1 : 0],
      ['CFG_MAX_TASKS', options.maxTasks ?? 4096],
      ['CFG_SWAP_PAGES', swapPagesOf(options.swap)],
      ['CFG_HZ', options.hz ?? 1000],
      ['CFG_KMEM', options.kmem === false ? 0 : 1], // memcg_online_kmem: on unless cgroup.memory=nokmem (every era)
      ['CFG_MAX_FILE_ENTRIES', options.maxFileEntries ?? 1 << 14],
      ['CFG_LRU_ADD_BATCH', options.lruAddBatch === false ? 0 : 1], // folio_add_lru: every era batches (lru_add_fn via the per-CPU cpu_fbatches.lru_add)
      ['CFG_PREFAULT', options.prefault === true ? Number.MAX_SAFE_INTEGER : options.prefault === false ? 0 : PREFAULT_DEFAULT],
      ['CFG_MM_PREPARED', options.preparedMm ? 1 : 0],
    ];
    for (const [key, value] of cfg) this.fn('cfg_set')(this.k(key), value);
    costCycles(cost.costs).forEach((v, i) => this.fn('cfg_set')(this.k('CFG_COST_BASE') + i, v));
    let ret: number;
    try {
      ret = this.fn('system_init')();
    } catch (e) {
      if (!(e instanceof WebAssembly.RuntimeError || e instanceof CoreAbort)) throw e;
      throw new InternalError(`system_init trapped: ${e.message}`);
    }
    if (ret < 0) this.refused(ret, cfg);
    this.ids.set('', 0);
    this.paths[0] = '';
    this.memcgNames[0] = '';
    this.fCharge = this.fn('memcg_charge');
    this.fUncharge = this.fn('memcg_uncharge');
    this.fReplay = this.fn('replay_ops');
    this.opBase = this.fn('op_buffer')();
    this.resBase = this.fn('result_buffer')();
    this.fCounter = this.fn('counter_get');
  }

  // ── core access ────────────────────────────────────────────────────────────────────────
  /**
   * Done with the system: its core's memory goes back to a small pool (a few, of at most
   * 128 MiB each), which the next createSystem of this process takes, zeroed, instead of a new
   * one, so that a run of many systems does not pay a full GC per system. Idempotent; any
   * later call of the system's methods throws DisposedError.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // A poisoned system's memory is not reused: an abort may have left anything anywhere.
    if (!this.poisoned) release(this.module, this.core.memory, this.fn('memory_scrub'));
    const gone = (): never => {
      throw new DisposedError();
    };
    this.core = new Proxy({} as Core, { get: gone });
    this.buffer = null;
    const self = this as unknown as Record<string, unknown>;
    for (const f of ['fCharge', 'fUncharge', 'fReplay', 'fCounter']) self[f] = gone;
    // Every method and accessor of the system, from now on.
    for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(System.prototype))) {
      if (name === 'constructor' || name === 'dispose') continue;
      Object.defineProperty(this, name, d.get || d.set ? { get: gone, set: gone } : { value: gone });
    }
  }
  /** @internal */
  fn(name: string): Fn {
    const f = this.core[name];
    if (typeof f !== 'function') throw new InternalError(`core export ${name} missing`);
    return f as Fn;
  }
  /** A core constant (exported global). */
  k(name: string): number {
    let v = this.konst.get(name);
    if (v === undefined) {
      const g = this.core[name];
      if (!(g instanceof WebAssembly.Global)) throw new InternalError(`core constant ${name} missing`);
      v = g.value as number;
      this.konst.set(name, v); // constants never change: read each once
    }
    return v;
  }
  /** Run a core call; an abort poisons the system and surfaces as InternalError. */
  private guard<T>(f: () => T): T {
    if (this.poisoned) this.unusable();
    try {
      return f();
    } catch (e) {
      throw this.trapped(e);
    }
  }
  /** The refusal of any core call once an abort poisoned the system. */
  private unusable(): never {
    throw new InternalError(`system poisoned by an earlier core abort: ${this.poisoned!.message}`);
  }
  /** What a core call's exception becomes: an abort poisons the system (InternalError); anything else stays as thrown. */
  private trapped(e: unknown): unknown {
    if (e instanceof CoreAbort || e instanceof WebAssembly.RuntimeError) {
      this.poisoned = new InternalError(`core aborted: ${e.message}`, e instanceof CoreAbort ? e.where : undefined);
      return this.poisoned;
    }
    return e;
  }
  private views(): void {
    if (this.buffer === this.core.memory.buffer) return;
    this.buffer = this.core.memory.buffer;
    this.u8 = new Uint8Array(this.buffer);
    this.dv = new DataView(this.buffer);
    this.i32 = new Int32Array(this.buffer);
    this.u32 = new Uint32Array(this.buffer);
  }
  /** Why system_init refused the configuration: the value, or the table that does not fit. */
  private refused(ret: number, cfg: [string, number][]): never {
    const key = this.fn('cfg_refused')();
    if (ret === -22 && key >= 0) {
      const [name, value] = cfg.find(([k]) => this.k(k) === key) ?? ['?', NaN];
      throw new MemcgError('EINVAL', `system configuration rejected: ${CFG_OPTION[name] ?? name} = ${value} is out of range`);
    }
    const why = this.fn('layout_failure')();
    if (why === this.k('LAYOUT_OK')) throw new MemcgError(errnoName(ret), 'system configuration rejected');
    const table = liftString(this.core.memory, this.fn('layout_failed_table')());
    const entries = this.fn('layout_failed_entries')();
    const each = this.fn('layout_failed_entry_bytes')();
    const total = this.fn('layout_table_bytes')();
    const fit = Math.min(this.fn('folio_max_fit')(), this.k('MAX_FOLIOS'));
    const need = `the ${table} table needs ${entries * each} bytes (${entries} × ${each} B)`;
    const where = why === this.k('LAYOUT_TOO_BIG')
      ? `the tables need ${total} bytes in all and a wasm32 memory holds at most 4 GiB (${2 ** 32} bytes)`
      : `memory.grow was refused at ${this.fn('layout_failed_start')()} bytes (the host has no more memory for this instance)`;
    throw new MemcgError('ENOMEM', `system configuration does not fit: ${need}; ${where}; with these other settings at most ${fit} folios fit (maxFolios)`);
  }
  private fail(ret: number, message: string, details: { file?: string; input?: string } = {}): never {
    throw new MemcgError(errnoName(ret), message, details);
  }

  // ── cgroups ────────────────────────────────────────────────────────────────────────────
  /** Normalise 'a/b', '/a/b/', '/sys/fs/cgroup/a/b' → 'a/b'; '' is the root. */
  static normalize(path: string): string {
    return path.replace(/^\/sys\/fs\/cgroup(\/memory)?(?=\/|$)/, '').split('/').filter((s) => s !== '').join('/');
  }
  /** The cgroup id of a path (ENOENT if there is no such cgroup). Ids of removed cgroups are reused. */
  id(path: string): number {
    if (typeof path !== 'string') str('a cgroup path', path);
    const h = pathSlot(path);
    if (this.slotPath[h] === path) return this.slotId[h];
    let id: number | undefined = this.idCache.get(path);
    if (id === undefined) {
      id = this.ids.get(path) ?? this.ids.get(System.normalize(path)); // normalized paths hit at once
      if (id === undefined) throw new MemcgError('ENOENT', `no cgroup ${show(path)}`);
      this.idCache.set(path, id);
    }
    this.slotPath[h] = path;
    this.slotId[h] = id;
    return id;
  }
  /** The tree changed (mkdir, rmdir): id()'s caches start again. */
  private treeChanged(): void {
    this.idCache.clear();
    this.slotPath.fill('');
    this.slotId.fill(0);
  }
  /**
   * The memcg id of a cgroup (its memory css): ENOENT if there is no such cgroup or memory is
   * not enabled for it (v2: not in its cgroup.controllers).
   */
  memcgId(path: string): number {
    const cg = this.id(path);
    const m = this.guard(() => this.fn('cgroup_memcg_of')(cg));
    if (m < 0) throw new MemcgError('ENOENT', `cgroup ${show(path)} has no memory controller (memory is not in the parent's cgroup.subtree_control)`);
    return m;
  }
  /**
   * mem_cgroup_id of a cgroup's memcg: the kernel's 16-bit memcg id (what swap records keep;
   * no cgroupfs file shows it). Ids are the lowest free (xa_alloc), freed once the memcg is
   * offline and no swap record names it.
   */
  memcgKernelId(path: string): number {
    const m = this.memcgId(path);
    return this.guard(() => this.fn('memcg_kernel_id')(m));
  }
  /** Whether memory is enabled for a cgroup (it has a memcg and the memory.* files). */
  hasMemory(path: string): boolean {
    const cg = this.id(path);
    return this.guard(() => this.fn('cgroup_memcg_of')(cg)) >= 0;
  }
  /** The path of a memcg id ('' for the root; '(removed)' suffix for an offline one). */
  pathOf(id: number): string {
    return this.memcgNames[id] ?? `#${id}`;
  }
  /** Every live cgroup path, parents before children ('' = the root). */
  list(): string[] {
    return [...this.ids.keys()];
  }
  /** The live children of a cgroup path, in creation order. */
  private children(p: string): string[] {
    return this.list().filter((x) => x !== '' && x.slice(0, Math.max(0, x.lastIndexOf('/'))) === p);
  }
  private memcgOfCgroup(cg: number): number {
    return this.fn('cgroup_memcg_of')(cg);
  }
  /** Run a core call that can make or kill the memcgs of cgroups cgs; name them afterwards. */
  private renaming<T>(cgs: number[], f: () => T): T {
    const before = cgs.map((cg) => this.memcgOfCgroup(cg));
    const ret = f();
    cgs.forEach((cg, i) => {
      const now = this.memcgOfCgroup(cg);
      const old = before[i];
      if (old >= 0 && old !== now) this.memcgNames[old] = `${this.paths[cg]} (removed)`;
      if (now >= 0 && now !== old) this.memcgNames[now] = this.paths[cg];
    });
    return ret;
  }
  /** @internal cgroup_subtree_control_write of memory for cgroup cg: 0 or -errno. */
  subtreeControlWrite(cg: number, enable: boolean, cpu: number): number {
    const kids = this.children(this.paths[cg]).map((c) => this.ids.get(c)!);
    return this.guard(() => this.renaming(kids, () => this.fn('cgroup_subtree_control_write')(cg, enable ? 1 : 0, cpu)));
  }

  /**
   * mkdir a cgroup with settings keyed by interface file; all or nothing. The mkdir runs on
   * `cpu` (default 0): with kmem, the new memcg's structures are charged to the parent there.
   * In v2, with `enableMemory` (default: the system's autoEnableMemory) "+memory" is first
   * written to the parent's cgroup.subtree_control if it is not there.
   */
  mkdir(path: string, settings: Record<string, string | number> = {}, opts: { cpu?: number; enableMemory?: boolean } = {}): void {
    const p = System.normalize(str('a cgroup path', path));
    cgroupPath(path, p, this.cgroupVersion === 2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/memory');
    obj('mkdir settings', settings);
    keys('mkdir options', obj('mkdir options', opts), ['cpu', 'enableMemory']);
    const cpu = given(opts.cpu, 0);
    if (opts.enableMemory !== undefined) bool('mkdir option enableMemory', opts.enableMemory);
    this.checkCpu(cpu);
    if (p === '' || this.ids.has(p)) throw new MemcgError('EEXIST', `cgroup ${show(path)} exists`);
    const slash = p.lastIndexOf('/');
    const parentPath = slash < 0 ? '' : p.slice(0, slash);
    const parent = this.id(parentPath);
    // Validate every setting before anything changes.
    const writes = Object.entries(settings).map(([file, value]) => {
      if (!limitFile(this.cgroupVersion, file)) {
        throw new MemcgError('EINVAL', `unsupported setting ${file} for cgroup v${this.cgroupVersion} (supported: ${limitFileNames(this.cgroupVersion).join(', ')})`, { file });
      }
      return { file, value, pages: parseLimit(this.cgroupVersion, file, value) };
    });
    const enable = this.cgroupVersion === 2 && (opts.enableMemory ?? this.autoEnableMemory)
      && this.guard(() => this.fn('cgroup_subtree_get')(parent)) === 0;
    if (enable) {
      const ret = this.subtreeControlWrite(parent, true, cpu);
      if (ret < 0) {
        this.fail(ret, `mkdir ${show(path)}: cannot enable memory in ${show(`${parentPath}/cgroup.subtree_control`)}` +
          (ret === -16 ? ' (it has tasks: no internal processes; spawn them in a leaf or pass { enableMemory: false })' : ''));
      }
    }
    const id = this.guard(() => this.fn('cgroup_mkdir')(parent, cpu));
    if (id < 0) {
      if (enable) this.subtreeControlWrite(parent, false, cpu);
      this.fail(id, `mkdir ${show(path)}` + (id === -200
        ? ': the emulator\'s tables are full (maxCgroups: live cgroups, and removed memcgs still holding charges)'
        : id === -16 ? ': every memcg id (MEM_CGROUP_ID_MAX) is in use' : ''));
    }
    this.ids.set(p, id);
    this.treeChanged();
    this.paths[id] = p;
    const m = this.memcgOfCgroup(id);
    if (m >= 0) this.memcgNames[m] = p;
    try {
      if (writes.length && m < 0) throw new MemcgError('ENOENT', `mkdir ${show(path)}: settings need memory enabled for the cgroup`);
      for (const w of writes) this.writeLimitPages(m, w.file, w.pages, 0, String(w.value));
    } catch (e) {
      this.rmdir(p, cpu);
      if (enable) this.subtreeControlWrite(parent, false, cpu);
      throw e;
    }
  }

  /**
   * rmdir (cgroup_destroy_locked): EBUSY for the root, a cgroup with tasks or with children;
   * charges stay with the (now offline) memcg until uncharged.
   */
  rmdir(path: string, cpu = 0): void {
    const id = this.id(path);
    const p = System.normalize(path);
    this.checkCpu(cpu);
    const ret = this.guard(() => this.renaming([id], () => this.fn('cgroup_rmdir')(id, cpu)));
    if (ret < 0) this.fail(ret, `rmdir ${show(path)}${ret === -16 ? ' (the root, or a cgroup with tasks or children)' : ''}`);
    this.ids.delete(p);
    this.treeChanged();
  }

  /** Write a limit file ('memory.max', 'memory.limit_in_bytes', …) as a user would. */
  writeLimit(path: string, file: string, value: string | number, cpu = 0): void {
    const id = this.memcgId(path);
    str('a file name', file);
    this.checkCpu(cpu);
    this.writeLimitPages(id, file, parseLimit(this.cgroupVersion, file, value), cpu, String(value));
  }

  /** @internal */
  writeLimitPages(id: number, file: string, pages: number, cpu: number, input: string): void {
    const f = limitFile(this.cgroupVersion, file)!;
    const ret = this.guard(() => this.fn('memcg_write_limit')(this.k(f.limit), id, this.k(f.counter), pages, cpu));
    if (ret < 0) this.fail(ret, `write ${file} = "${input}" for "${this.pathOf(id)}"`, { file, input });
  }

  // ── charging ───────────────────────────────────────────────────────────────────────────
  private gfpMask(gfp: Gfp | undefined): number {
    if (gfp === undefined) return this.gfpKernel;
    let mask = this.gfpCache.get(gfp);
    if (mask === undefined) {
      mask = parseGfp(gfp, (n) => this.k(n));
      this.gfpCache.set(gfp, mask);
    }
    return mask;
  }
  private readonly gfpCache = new Map<string, number>();
  private kindCode(kind: FolioKind | undefined): number {
    if (kind === undefined || kind === 'anon') return 0;
    if (kind === 'file') return 1;
    if (kind === 'shmem') return 2;
    throw new MemcgError('EINVAL', `folio kind must be 'anon', 'file' or 'shmem', not ${show(kind)}`);
  }
  private checkCpu(cpu: unknown): asserts cpu is number {
    int('cpu', cpu, 0, this.cpus - 1);
  }
  private checkNode(node: unknown): asserts node is number {
    int('node', node, 0, this.nodes - 1);
  }
  private checkFolio(folio: unknown): asserts folio is number {
    int('a folio id', folio, 0, ID_MAX);
  }
  private checkOrder(order: unknown): asserts order is number {
    int('order', order, 0, this.orderMax);
  }

  /**
   * mem_cgroup_charge of a new folio (1 << order pages) by a task (a fault: its memcg is
   * charged) or to a cgroup; returns the folio id. ENOMEM when the charge fails, EINTR when
   * the OOM killer chose the faulting task itself (it dies as the call returns), EAGAIN when
   * the task sleeps in the v1 OOM wait. A task's fault that goes to that wait (v1,
   * oom_kill_disable) returns its folio id: folioState(id) is 'oom-wait' and task().oomWait
   * names it until the task is woken and the charge completes (or fails) inside the core.
   */
  charge(req: ChargeRequest): number {
    // A replay Op ({ op: 'charge', … }) is a charge request too.
    const r = obj('a charge request', req);
    // Only known keys: a for-in of their names, and keys() (which names a bad one) for any other key, op included.
    let other = false;
    for (const k in r) if (k !== 'cgroup' && k !== 'cpu' && k !== 'order' && k !== 'task' && k !== 'kind' && k !== 'gfp' && k !== 'node') other = true;
    if (other) keys('charge', r, r.op === 'charge' ? CHARGE_OP_KEYS : CHARGE_KEYS);
    if (req.cgroup !== undefined && req.task !== undefined) throw new MemcgError('EINVAL', 'charge takes a cgroup or a task, not both');
    if (req.cgroup !== undefined) str('charge cgroup', req.cgroup);
    if (req.order !== undefined) this.checkOrder(req.order);
    if (req.node !== undefined) this.checkNode(req.node);
    const task = req.task ?? -1;
    if (req.task !== undefined) this.checkTask(req.task);
    else if (req.cgroup === undefined) throw new MemcgError('EINVAL', 'charge needs a cgroup or a task');
    const id = req.task !== undefined ? 0 : this.id(req.cgroup!);
    this.checkCpu(req.cpu);
    const order = req.order ?? 0;
    const gfp = this.gfpMask(req.gfp);
    const kind = this.kindCode(req.kind);
    const node = req.node ?? -1;
    // guard() inline: no closure per call
    if (this.poisoned) this.unusable();
    let ret: number;
    try {
      ret = this.fCharge(id, req.cpu, order, kind, gfp, node, task);
    } catch (e) {
      throw this.trapped(e);
    }
    // mem_cgroup_charge never returns ENOSPC: the core's folio table is full.
    if (ret === -28) throw new MemcgError('ELIMIT', `the emulator's folio table is full (maxFolios ${this.maxFolios}): an emulator limit, not a kernel error; create the system with a larger maxFolios`);
    if (ret < 0) this.fail(ret, `charge of ${2 ** order} page(s) to ${req.task !== undefined ? `task ${req.task}` : `"${req.cgroup}"`} failed`);
    return ret;
  }

  /**
   * A task's write fault to a fresh 2 MiB range of THP-enabled anon memory
   * (do_huge_pmd_anonymous_page): a PMD folio, or, when its charge fails, the range's 512 base
   * pages faulted one by one (each may reclaim and OOM); returns the folio id (the THP, or the
   * first base page: freeing or touching it acts on the whole range). Errors as charge's.
   */
  thpFault(task: number, cpu: number, gfp?: Gfp): number {
    this.checkTask(task);
    this.checkCpu(cpu);
    const ret = this.guard(() => this.fn('thp_fault')(task, cpu, this.gfpMask(gfp), -1));
    if (ret < 0) this.fail(ret, `THP fault of task ${task} failed`);
    return ret;
  }

  // ── files, page cache, mlock, swapoff ──────────────────────────────────────────────────
  /** Who a file operation runs as (checked): a task or a cgroup, on a CPU, with a gfp mask. */
  private fileCtx(what: string, ctx: unknown, extra: readonly string[]): { task: number; m: number; gfp: number; cpu: number } {
    const c = obj(what, ctx);
    keys(what, c, [...FILE_CTX_KEYS, ...extra]);
    this.checkCpu(c.cpu);
    const gfp = this.gfpMask(c.gfp as Gfp | undefined);
    if (c.task !== undefined && c.cgroup !== undefined) throw new MemcgError('EINVAL', `${what}: a task or a cgroup, not both`);
    if (c.task !== undefined) {
      this.checkTask(c.task);
      return { task: c.task, m: 0, gfp, cpu: c.cpu };
    }
    if (c.cgroup === undefined) throw new MemcgError('EINVAL', `${what}: a file operation needs a task or a cgroup`);
    // a task running in the cgroup: its effective memcg (the nearest with memory enabled)
    const cg = this.id(str('a cgroup path', c.cgroup));
    return { task: -1, m: this.guard(() => this.fn('cgroup_effective_memcg')(cg)), gfp, cpu: c.cpu };
  }
  /**
   * A byte size or offset of a file operation: at most FILE_PAGES_MAX pages (assembly/filemap.ts),
   * the page index the emulator's page cache holds (the kernel's MAX_LFS_FILESIZE is larger).
   */
  private bytes(v: unknown, what: string): number {
    return sizeBytes(v, what, this.k('FILE_PAGES_MAX') * 4096);
  }
  /** EBADF unless f is a file id handed out by createFile or mmapShared (and, for an operation, not unlinked). */
  private checkFile(f: unknown, live = true): asserts f is number {
    const id = int('a file id', f, 0, ID_MAX, 'EBADF');
    const state = this.guard(() => this.fn('memcg_file_info')(id, this.k('FI_LIVE')));
    if (state < 0) throw new MemcgError('EBADF', `no file ${id}`);
    if (live && state === 0) throw new MemcgError('EBADF', `file ${id} is unlinked`);
  }
  /** A file operation's result: ENOSPC is a table of the emulator full (the kernel's tmpfs has no size limit here). */
  private fileFail(ret: number, message: string): never {
    if (ret === -28) {
      throw new MemcgError('ELIMIT', `${message}: the emulator's page-cache table (maxFileEntries), folio table (maxFolios ${this.maxFolios}) or file table (${this.k('MAX_FILES')} files) is full: an emulator limit, not a kernel error`);
    }
    this.fail(ret, message);
  }

  /**
   * A file: a disk file of `size` (no memory until it is read), or a tmpfs file created by
   * the context (with kmem, its inode and dentry are charged). Returns the file id.
   */
  createFile(opts: FileOptions = {}, ctx: FileContext = { cgroup: '', cpu: 0 }): number {
    const o = obj('createFile options', opts, true);
    keys('createFile options', o, ['kind', 'size', 'maxOrder', 'readAheadKb', 'ioKb']);
    const kind = oneOf('file kind', given(o.kind, 'disk'), ['disk', 'tmpfs'] as const);
    if (kind === 'tmpfs' && o.size !== undefined) throw new MemcgError('EINVAL', 'size is a disk file\'s: a tmpfs file starts empty (write to it, or truncate it later)');
    const size = kind === 'disk' ? this.bytes(given(o.size, 0), 'file size') : 0;
    const maxOrder = int('maxOrder', given(o.maxOrder, 9), 0, this.k('HPAGE_PMD_ORDER'));
    // read_ahead_kb and the optimal I/O size are pages in the core (ra_pages, io_pages: i32)
    const ra = int('readAheadKb', given(o.readAheadKb, 128), 0, ID_MAX);
    const io = int('ioKb', given(o.ioKb, 0), 0, ID_MAX);
    const c = this.fileCtx('createFile context', ctx, []);
    const f = this.guard(() => this.fn('memcg_file_create')(this.k(kind === 'disk' ? 'FILE_DISK' : 'FILE_TMPFS'), size, maxOrder, ra >>> 2, io >>> 2, c.task, c.m, c.cpu, c.gfp));
    if (f < 0) this.fileFail(f, `create ${kind} file`);
    return f;
  }
  /**
   * read(2) of a file from `offset` for `length` bytes (default: to the end) in calls of
   * `chunk` bytes (default 128K, like cat): misses run the kernel's readahead, whose window and
   * folio orders ramp as page_cache_sync_ra / page_cache_async_ra do.
   */
  readFile(f: number, ctx: FileContext & { offset?: string | number; length?: string | number; chunk?: string | number }): void {
    this.checkFile(f);
    const c = this.fileCtx('readFile context', ctx, ['offset', 'length', 'chunk']);
    const offset = this.bytes(given(ctx.offset, 0), 'offset');
    const length = ctx.length === undefined ? undefined : this.bytes(ctx.length, 'length');
    const chunk = this.bytes(given(ctx.chunk, 128 * 1024), 'chunk');
    if (chunk < 1) throw new MemcgError('EINVAL', 'chunk must be at least 1 byte');
    const size = this.fileInfo(f).size;
    const end = length === undefined ? size : Math.min(size, offset + length);
    for (let pos = offset; pos < end; pos += chunk) {
      const ret = this.guard(() => this.fn('memcg_file_read')(f, pos, Math.min(chunk, end - pos), c.task, c.m, c.cpu, c.gfp));
      if (ret < 0) this.fileFail(ret, `read of file ${f} at ${pos}`);
    }
  }
  /** write(2) of `length` bytes at `offset` (default 0): new pages are charged to the writer. */
  writeFile(f: number, ctx: FileContext & { offset?: string | number; length: string | number }): void {
    this.checkFile(f);
    const c = this.fileCtx('writeFile context', ctx, ['offset', 'length']);
    const offset = this.bytes(given(ctx.offset, 0), 'offset');
    if (ctx.length === undefined) throw new MemcgError('EINVAL', 'writeFile needs a length');
    const length = this.bytes(ctx.length, 'length');
    if (offset + length > this.k('FILE_PAGES_MAX') * 4096) throw new MemcgError('EINVAL', `a write to ${offset + length} bytes: past the emulator's largest file`);
    const ret = this.guard(() => this.fn('memcg_file_write')(f, offset, length, c.task, c.m, c.cpu, c.gfp));
    if (ret < 0) this.fileFail(ret, `write of file ${f}`);
  }
  /** Faults of a task on its shared mapping of the file: pages [offset, offset + length). */
  faultFile(f: number, ctx: { task: number; cpu: number; gfp?: Gfp; offset?: string | number; length: string | number }): void {
    this.checkFile(f);
    const { first, n, c } = this.faultRange('faultFile context', ctx);
    // Checked before the first fault, so a refusal changes nothing.
    const mapper = this.guard(() => this.fn('memcg_file_info')(f, this.k('FI_MAP_TASK')));
    if (mapper >= 0 && mapper !== c.task) {
      throw new MemcgError('ELIMIT', `file ${f} is mapped by task ${mapper}: the emulator models one mapping per file, not a second one by task ${c.task}`);
    }
    const size = this.fileInfo(f).size;
    // filemap_fault: a page past i_size of a disk file is SIGBUS
    if (this.guard(() => this.fn('memcg_file_info')(f, this.k('FI_KIND'))) === this.k('FILE_DISK') && n > 0 && first + n > Math.ceil(size / 4096)) {
      throw new MemcgError('EINVAL', `a fault of page ${first + n - 1} of file ${f} (${size} bytes) is past its end: SIGBUS`);
    }
    this.faultPages(f, first, n, c);
  }
  /** The checked context and page range of a fault of a task's mapping. */
  private faultRange(what: string, ctx: unknown, extra: readonly string[] = []): { first: number; n: number; c: { task: number; cpu: number; gfp: number } } {
    const r = obj(what, ctx);
    if (r.task === undefined) throw new MemcgError('EINVAL', `${what}: a fault is a task's (task)`);
    if (r.cgroup !== undefined) throw new MemcgError('EINVAL', `${what}: a fault is a task's, not a cgroup's`);
    const c = this.fileCtx(what, ctx, ['offset', 'length', ...extra]);
    const offset = this.bytes(given(r.offset, 0), 'offset');
    if (r.length === undefined) throw new MemcgError('EINVAL', `${what}: needs a length`);
    const length = this.bytes(r.length, 'length');
    if (offset + length > this.k('FILE_PAGES_MAX') * 4096) throw new MemcgError('EINVAL', `a mapping to ${offset + length} bytes: past the emulator's largest file`);
    return { first: Math.floor(offset / 4096), n: Math.ceil(length / 4096), c };
  }
  private faultPages(f: number, first: number, n: number, c: { task: number; cpu: number; gfp: number }): void {
    for (let i = first; i < first + n; i++) {
      const ret = this.guard(() => this.fn('memcg_file_fault')(f, i, c.task, c.cpu, c.gfp));
      if (ret < 0) this.fileFail(ret, `fault of file ${f} page ${i}`);
    }
  }
  /** mmap(MAP_SHARED | MAP_ANONYMOUS) of `length` by a task, touched: a shmem file freed with the mapping. */
  mmapShared(ctx: { task: number; cpu: number; gfp?: Gfp; length: string | number; touch?: boolean }): number {
    // Everything is checked before the mapping is made (a refusal leaves no file behind).
    const { n, c } = this.faultRange('mmapShared context', ctx, ['touch']);
    const touch = ctx.touch === undefined ? true : bool('touch', ctx.touch);
    const f = this.guard(() => this.fn('memcg_file_create')(this.k('FILE_SHARED_ANON'), 0, 0, 0, 0, c.task, 0, c.cpu, c.gfp));
    if (f < 0) this.fileFail(f, 'mmap of a shared anonymous mapping');
    if (touch) this.faultPages(f, 0, n, c);
    return f;
  }
  /** truncate(2) to `size` bytes: the folios past it are uncharged, their xarray nodes freed. */
  truncateFile(f: number, size: string | number, cpu = 0): void {
    this.checkFile(f);
    const bytes = this.bytes(size, 'size');
    this.checkCpu(cpu);
    const ret = this.guard(() => this.fn('memcg_file_truncate')(f, bytes, cpu));
    if (ret < 0) this.fileFail(ret, `truncate file ${f}`);
  }
  /** unlink(2): the page cache, then (tmpfs) the inode and dentry go. */
  unlinkFile(f: number, cpu = 0): void {
    this.checkFile(f);
    this.checkCpu(cpu);
    const ret = this.guard(() => this.fn('memcg_file_unlink')(f, cpu));
    if (ret < 0) this.fileFail(ret, `unlink file ${f}`);
  }
  fileInfo(f: number): FileInfo {
    this.checkFile(f, false);
    const q = (k: string) => this.guard(() => this.fn('memcg_file_info')(f, this.k(k)));
    return { size: q('FI_SIZE'), cachedPages: q('FI_CACHED'), folios: q('FI_FOLIOS'), xaNodes: q('FI_NODES'), xaHeight: q('FI_HEIGHT'), entries: q('FI_ENTRIES') };
  }
  /** The order of each cached folio of the file, in index order. */
  fileFolioOrders(f: number): number[] {
    this.checkFile(f);
    const n = this.guard(() => this.fn('memcg_file_folio_orders')(f));
    if (n < 0) this.fail(n, `file ${f}`);
    this.views();
    const base = this.fn('id_buffer')() >> 2;
    return Array.from(this.i32.subarray(base, base + n));
  }
  /** The folio caching page `index` of a file, or null. */
  fileFolio(f: number, index: number): number | null {
    this.checkFile(f);
    int('a page index', index, 0, this.k('FILE_PAGES_MAX') - 1);
    const id = this.guard(() => this.fn('memcg_file_folio')(f, index));
    return id < 0 ? null : id;
  }
  /** Folio ids of an mlock/munlock call, each a charged resident folio (all checked before any is changed). */
  private residentFolios(what: string, folios: unknown): number[] {
    const ids = Array.isArray(folios) ? folios : [folios];
    ids.forEach((f, i) => int(Array.isArray(folios) ? `folio ${i} of the list` : 'a folio id', f, 0, ID_MAX));
    for (const id of ids as number[]) {
      const state = this.folioState(id);
      if (state !== 'charged') throw new MemcgError('EINVAL', `${what} of folio ${id}: it is ${state === 'free' ? 'not charged' : state === 'swapped' ? 'in swap' : state === 'batch-held' ? 'unmapped (an lru_add or mlock batch still holds it)' : 'not charged yet (its fault waits for the OOM killer)'}`);
    }
    return ids as number[];
  }
  /**
   * mlock of resident folios (mlock(2)'s mlock_pte_range): they move to the unevictable LRU; from
   * 5.18 after an lru_add_drain of the CPU (mlock_vma_pages_range), which empties its lru_add and
   * mlock batches.
   */
  mlock(folios: number | number[], cpu = 0): void {
    this.checkCpu(cpu);
    for (const id of this.residentFolios('mlock', folios)) {
      const ret = this.guard(() => this.fn('memcg_mlock')(id, cpu));
      if (ret < 0) this.fail(ret, `mlock of folio ${id}`);
    }
  }
  /**
   * mlock_new_folio of a folio just faulted in a locked region (VM_LOCKED, as after
   * mlock2(MLOCK_ONFAULT)): from 5.18 it waits in the CPU's mlock batch (on no list) until the
   * batch is full or drained; in 5.15 it goes to the unevictable list at once, as mlock does.
   */
  mlockNew(folio: number, cpu = 0): void {
    this.checkCpu(cpu);
    const [id] = this.residentFolios('mlock', folio);
    const ret = this.guard(() => this.fn('memcg_mlock_new')(id, cpu));
    if (ret < 0) this.fail(ret, `mlock of new folio ${id}`);
  }
  /** Entries (folios to lock or munlock) waiting in a CPU's mlock batch (5.18+, with lruAddBatch). */
  mlockPending(cpu: number): number {
    this.checkCpu(cpu);
    return this.guard(() => this.fn('memcg_mlock_pending')(cpu));
  }
  /** munlock: back to the evictable (inactive) LRU (5.18+: after an lru_add_drain of the CPU). */
  munlock(folios: number | number[], cpu = 0): void {
    this.checkCpu(cpu);
    for (const id of this.residentFolios('munlock', folios)) {
      const ret = this.guard(() => this.fn('memcg_munlock')(id, cpu));
      if (ret < 0) this.fail(ret, `munlock of folio ${id}`);
    }
  }
  /**
   * mlock of `pages` new pages of a task's anonymous memory: they are faulted (charged) and
   * locked; the folio ids. EAGAIN (as mlock(2) returns) when a page cannot be charged — the
   * pages locked before it stay (their ids are on the error as `folios`).
   */
  mlockPopulate(task: number, pages: number, opts: { cpu?: number; gfp?: Gfp } = {}): number[] {
    this.checkTask(task);
    int('pages', pages, 0, ID_MAX);
    keys('mlockPopulate options', obj('mlockPopulate options', opts), ['cpu', 'gfp']);
    const cpu = given(opts.cpu, 0);
    this.checkCpu(cpu);
    const gfp = this.gfpMask(opts.gfp);
    const out: number[] = [];
    for (let done = 0; done < pages; ) {
      const n = Math.min(pages - done, this.opCapacity);
      const ret = this.guard(() => this.fn('memcg_mlock_populate')(task, n, cpu, gfp));
      const got = ret < 0 ? this.guard(() => this.fn('memcg_mlock_populated')()) : n;
      this.views();
      const base = this.fn('id_buffer')() >> 2;
      out.push(...this.i32.subarray(base, base + got));
      if (ret < 0) {
        const err = ret === -28
          ? new MemcgError('ELIMIT', `mlock of ${pages} pages by task ${task}: ${out.length} locked, then the emulator's folio table (maxFolios ${this.maxFolios}) was full`)
          : new MemcgError(errnoName(ret), `mlock of ${pages} pages by task ${task}: ${out.length} locked`);
        (err as MemcgError & { folios: number[] }).folios = out;
        throw err;
      }
      done += n;
    }
    return out;
  }
  /** swapoff: every page in swap is read back and charged to the memcg its swap record names. */
  swapoff(cpu = 0): void {
    this.checkCpu(cpu);
    const ret = this.guard(() => this.fn('memcg_swapoff')(cpu));
    if (ret < 0) this.fileFail(ret, 'swapoff');
  }
  /** v1 kmem counter of a cgroup (pages), and the tcp counter's. */
  kmem(path: string): { usage: number; maxUsage: number; tcpUsage: number; tcpMax: number } {
    const id = this.memcgId(path);
    const r = (k: string) => this.guard(() => this.fn('memcg_kmem_read')(id, this.k(k)));
    return { usage: r('KMEM_USAGE'), maxUsage: r('KMEM_WATERMARK'), tcpUsage: r('TCP_USAGE'), tcpMax: r('TCP_MAX') };
  }
  /** A CPU's object stock: the cgroup its cached objcg charges now (null: none) and its pre-charged bytes. */
  objStock(cpu: number): { cgroup: string | null; bytes: number } {
    this.checkCpu(cpu);
    const o = this.guard(() => this.fn('obj_stock_get')(cpu, 0));
    return { cgroup: o < 0 ? null : this.pathOf(o), bytes: this.guard(() => this.fn('obj_stock_get')(cpu, 1)) };
  }
  /** obj_cgroup->nr_charged_bytes of the objcg made for a cgroup (the drained sub-page remainder). */
  objcgChargedBytes(path: string): number {
    const id = this.memcgId(path);
    return this.guard(() => this.fn('memcg_objcg_bytes')(id));
  }
  /** Folios waiting in a CPU's lru_add batch (with lruAddBatch). */
  lruAddPending(cpu: number): number {
    this.checkCpu(cpu);
    return this.guard(() => this.fn('memcg_lru_add_pending')(cpu));
  }
  /** lru_add_drain on a CPU (as MADV_COLD or a reclaim scan there does), or lru_add_drain_all. */
  lruAddDrain(cpu?: number): void {
    if (cpu !== undefined) this.checkCpu(cpu);
    this.guard(() => this.fn('memcg_lru_add_drain')(cpu ?? -1));
  }
  /** The global THP fault events of /proc/vmstat (thp_fault_alloc, thp_fault_fallback, thp_fault_fallback_charge). */
  thpFaultEvents(): { alloc: number; fallback: number; fallbackCharge: number } {
    const e = (k: string) => Number(this.guard(() => this.fn('thp_fault_event')(this.k(k))));
    return { alloc: e('THP_FAULT_ALLOC'), fallback: e('THP_FAULT_FALLBACK'), fallbackCharge: e('THP_FAULT_FALLBACK_CHARGE') };
  }
  /** Page-table pages a task holds (with kmem). */
  taskPageTables(task: number): number {
    this.checkTask(task);
    return this.guard(() => this.fn('task_pgtable_pages')(task));
  }

  // ── tasks, access, time ─────────────────────────────────────────────────────────────────
  /** ESRCH unless t is a task id handed out by spawn (alive or not). */
  private checkTask(t: unknown): asserts t is number {
    const id = int('a task id', t, 0, ID_MAX, 'ESRCH');
    if (this.guard(() => this.fn('memcg_task_get')(id, this.k('TASK_KILLED'))) === -1) {
      throw new MemcgError('ESRCH', `no task ${show(t)}`);
    }
  }

  /** A new task (process) in a cgroup; its id. */
  spawn(cgroup: string, opts: { oomScoreAdj?: number } = {}): number {
    // v2: not into a cgroup whose subtree_control enables memory (EBUSY, no internal processes).
    const m = this.id(cgroup);
    keys('spawn options', obj('spawn options', opts), ['oomScoreAdj']);
    if (opts.oomScoreAdj !== undefined) int('oomScoreAdj', opts.oomScoreAdj, -1000, 1000);
    const t = this.guard(() => this.fn('memcg_task_create')(m, opts.oomScoreAdj ?? 0));
    if (t < 0) this.fail(t, t === -200 ? `spawn in ${show(cgroup)}: the emulator's task table is full (maxTasks live tasks)` : `spawn in ${show(cgroup)}`);
    return t;
  }
  /** Move a task to another cgroup: it charges there from now on; its memory stays where it was charged. */
  moveTask(task: number, cgroup: string): void {
    this.checkTask(task);
    const m = this.id(cgroup);
    const ret = this.guard(() => this.fn('memcg_task_move')(task, m));
    if (ret < 0) this.fail(ret, `move task ${task} to ${show(cgroup)}`);
  }
  /** The task exits: its anon pages and swap entries are freed. */
  exitTask(task: number, cpu = 0): void {
    this.checkTask(task);
    this.checkCpu(cpu);
    const ret = this.guard(() => this.fn('memcg_task_exit')(task, cpu));
    if (ret < 0) this.fail(ret, `exit of task ${task}`);
  }
  setOomScoreAdj(task: number, adj: number): void {
    this.checkTask(task);
    int('oomScoreAdj', adj, -1000, 1000);
    const ret = this.guard(() => this.fn('memcg_task_set_adj')(task, adj));
    if (ret < 0) this.fail(ret, `oom_score_adj ${adj} for task ${task}`);
  }
  task(task: number): TaskInfo {
    const get = (f: string) => this.fn('memcg_task_get')(task, this.k(f));
    this.checkTask(task);
    return this.guard(() => {
      const adj = get('TASK_SCORE_ADJ');
      const cg = get('TASK_CGROUP');
      const w = get('TASK_OOM_WAIT');
      return {
        id: task, cgroup: cg >= 0 ? this.paths[cg] : null, alive: cg >= 0, killed: get('TASK_KILLED') === 1, oomScoreAdj: adj,
        oomWait: w >= 0 ? { cgroup: this.pathOf(w), folio: get('TASK_OOM_FOLIO') } : null,
        anonPages: get('TASK_ANON'), swapEntries: get('TASK_SWAPENTS'), throttledMs: get('TASK_THROTTLED_NS') / 1e6,
      };
    });
  }

  /**
   * A task touches a folio: the accessed bit of an anon folio, folio_mark_accessed of a page
   * cache folio, or a swap-in fault for a page in swap (which charges, so it can fail with ENOMEM).
   */
  touch(folio: number, opts: { cpu?: number; gfp?: Gfp } = {}): void {
    this.checkFolio(folio);
    keys('touch options', obj('touch options', opts), ['cpu', 'gfp']);
    const cpu = opts.cpu ?? 0;
    this.checkCpu(cpu);
    const ret = this.guard(() => this.fn('folio_touch')(folio, cpu, this.gfpMask(opts.gfp)));
    if (ret < 0) this.fail(ret, `touch of folio ${folio}`);
  }
  /** Let simulated time pass; the periodic statistics flush runs every 2 s. */
  wait(ms: number): void {
    if (typeof ms !== 'number' || !(ms >= 0 && ms <= WAIT_MAX_MS)) {
      throw new MemcgError('EINVAL', `wait takes 0..${WAIT_MAX_MS} ms (the clock is i64 nanoseconds), not ${show(ms)}`);
    }
    this.guard(() => this.fn('clock_wait')(Math.round(ms * 1e6)));
  }
  /** Simulated time in ms since the system started. */
  now(): number {
    return this.guard(() => this.fn('clock_now_ns')()) / 1e6;
  }
  /** The swap device: size and free space in pages. */
  swapDevice(): { totalPages: number; freePages: number } {
    return this.guard(() => ({ totalPages: this.fn('swap_total_pages')(), freePages: this.fn('swap_free_pages')() }));
  }
  /** Exact LRU list sizes of a cgroup on a node (its own lists), in pages. */
  lruSizes(path: string, node = 0): Record<LruName, number> {
    const id = this.memcgId(path);
    this.checkNode(node);
    return this.guard(() => Object.fromEntries(LRU_NAMES.map((name, i) => [name, this.fn('memcg_lru_size')(id, node, i)])) as Record<LruName, number>);
  }

  /** The reclaim cost balance of a cgroup's lruvec on a node (lruvec->anon_cost, file_cost; lru_note_cost). */
  lruCost(path: string, node = 0): { anon: number; file: number } {
    const id = this.memcgId(path);
    this.checkNode(node);
    return this.guard(() => ({ anon: this.fn('memcg_lru_cost')(id, node, 0), file: this.fn('memcg_lru_cost')(id, node, 1) }));
  }

  /** Uncharge (free) one folio or a list from cpu, the list batched per memcg like uncharge_gather. */
  uncharge(folios: number | number[], cpu = 0): void {
    this.checkCpu(cpu);
    if (!Array.isArray(folios)) {
      this.checkFolio(folios);
      if (this.poisoned) this.unusable();
      let ret: number;
      try {
        ret = this.fUncharge(folios, cpu);
      } catch (e) {
        throw this.trapped(e);
      }
      if (ret < 0) this.fail(ret, `folio ${folios} is not charged`);
      return;
    }
    folios.forEach((f, i) => int(`folio ${i} of the list`, f, 0, ID_MAX));
    if (folios.length > this.opCapacity) {
      throw new MemcgError('EINVAL', `uncharge list of ${folios.length} folios is longer than opCapacity ${this.opCapacity}`);
    }
    this.guard(() => {
      this.views();
      const base = this.fn('id_buffer')() >>> 2;
      this.i32.set(folios, base);
      const ret = this.fn('memcg_uncharge_list')(folios.length, cpu);
      if (ret < 0) this.fail(ret, `uncharge list: a folio is not charged or listed twice`);
    });
  }

  /** drain_all_stock(cgroup) as run from cpu. */
  drainAllStock(path: string, cpu = 0): void {
    const id = this.memcgId(path);
    this.checkCpu(cpu);
    this.guard(() => this.fn('memcg_drain_all_stock')(id, cpu));
  }

  /** Compute emin/elow below a reclaim root (mem_cgroup_calculate_protection). */
  calculateProtection(root = ''): void {
    const id = this.memcgId(root);
    this.guard(() => this.fn('memcg_calculate_protection')(id));
  }

  // ── reading ────────────────────────────────────────────────────────────────────────────
  /** A page counter of a cgroup, in pages. 'swap' is v2's, 'memsw' v1's. */
  counter(path: string, kind: CounterKind = 'memory'): Counter {
    const id = this.memcgId(path);
    oneOf('counter kind', kind, ['memory', 'swap', 'memsw']);
    if (kind !== 'memory' && kind !== (this.cgroupVersion === 2 ? 'swap' : 'memsw')) {
      throw new MemcgError('ENOENT', `no ${kind} counter in cgroup v${this.cgroupVersion}`);
    }
    return this.guard(() => {
      const c = kind === 'memory' ? this.fn('memcg_memory_counter')(id) : this.fn('memcg_swap_counter')(id);
      const out = {} as Counter;
      for (const [key, field] of COUNTER_FIELDS) out[key] = this.fCounter(c, this.k(field));
      return out;
    });
  }

  /** memory.events (hierarchical) or memory.events.local of a cgroup. */
  events(path: string, opts: { local?: boolean } = {}): MemoryEvents {
    const id = this.memcgId(path);
    keys('events options', obj('events options', opts), ['local']);
    if (opts.local !== undefined) bool('local', opts.local);
    return this.guard(() => {
      const out = {} as MemoryEvents;
      for (const [key, ev] of EVENT_KEYS) out[key] = this.fn('memcg_event_get')(id, this.k(ev), opts.local ? 1 : 0);
      return out;
    });
  }

  /** The cached entries of a CPU's stock, in slot order. */
  stock(cpu: number): StockEntry[] {
    this.checkCpu(cpu);
    return this.guard(() => {
      const out: StockEntry[] = [];
      const slots = this.k('stock_nslots_value');
      for (let i = 0; i < slots; i++) {
        const m = this.fn('stock_slot_memcg')(cpu, i);
        if (m >= 0) out.push({ cgroup: this.pathOf(m), nrPages: this.fn('stock_slot_pages')(cpu, i) });
      }
      return out;
    });
  }

  /**
   * What a folio id is now: 'charged', 'swapped' (the task's page is in swap), 'oom-wait'
   * (a fault of a task asleep in the v1 OOM wait: allocated, not charged), 'batch-held'
   * (unmapped while in an lru_add batch, whose reference keeps it charged until the drain;
   * no longer a handle) or 'free'.
   */
  folioState(id: number): 'charged' | 'swapped' | 'oom-wait' | 'batch-held' | 'free' {
    this.checkFolio(id);
    return this.guard(() => {
      if (this.fn('folio_get_memcg')(id) >= 0) return this.fn('folio_get_batch_held')(id) === 1 ? 'batch-held' : 'charged';
      const flags = this.fn('folio_get_flags')(id);
      if (flags >= 0 && (flags & this.k('PG_SWAPPED')) !== 0) return 'swapped';
      return this.fn('folio_get_oom_waiter')(id) >= 0 ? 'oom-wait' : 'free';
    });
  }

  /** A charged folio, or null if the id is not charged (or only an lru_add batch holds it: folioState 'batch-held'). */
  folio(id: number): FolioInfo | null {
    this.checkFolio(id);
    return this.guard(() => {
      const m = this.fn('folio_get_memcg')(id);
      if (m < 0 || this.fn('folio_get_batch_held')(id) === 1) return null;
      const order = this.fn('folio_get_order')(id);
      const kind: FolioKind = (['anon', 'file', 'shmem'] as const)[this.fn('folio_get_kind')(id)];
      const flags = this.fn('folio_get_flags')(id);
      const has = (f: string) => (flags & this.k(f)) !== 0;
      const lru: LruName | null = !has('PG_LRU') ? null : has('PG_UNEVICTABLE') ? 'unevictable'
        : `${has('PG_ACTIVE') ? 'active' : 'inactive'}_${kind === 'file' ? 'file' : 'anon'}`; // shmem is on the anon lists
      return {
        id, cgroup: this.pathOf(m), order, nrPages: 2 ** order, kind,
        node: this.fn('folio_get_node')(id),
        memcgData: this.fn('folio_get_memcg_data')(id) >>> 0,
        lru, referenced: has('PG_REFERENCED'), young: has('PG_YOUNG'),
        split: ([null, 'head', 'tail'] as const)[this.fn('folio_get_split')(id)] ?? null,
      };
    });
  }

  /** Per-node page statistics of a cgroup (its own folios), in pages. */
  nodeStat(path: string, node: number): { anon: number; file: number; anonThp: number; fileThp: number } {
    const id = this.memcgId(path);
    this.checkNode(node);
    return this.guard(() => ({
      anon: this.fn('memcg_stat_get')(id, node, this.k('NR_ANON_MAPPED')),
      file: this.fn('memcg_stat_get')(id, node, this.k('NR_FILE_PAGES')),
      anonThp: this.fn('memcg_stat_get')(id, node, this.k('NR_ANON_THPS')),
      fileThp: this.fn('memcg_stat_get')(id, node, this.k('NR_FILE_THPS')),
    }));
  }

  /** pgpgin / pgpgout (folios) and nr_page_events (pages) of a cgroup, exact (unflushed included). */
  vmEvents(path: string): { pgpgin: number; pgpgout: number; nrPageEvents: number } {
    const id = this.memcgId(path);
    const sum = (item: string) => {
      let n = 0;
      for (let node = 0; node < this.nodes; node++) n += this.fn('memcg_stat_get')(id, node, this.k(item));
      return n;
    };
    return this.guard(() => ({ pgpgin: sum('PGPGIN'), pgpgout: sum('PGPGOUT'), nrPageEvents: this.fn('memcg_page_events_get')(id) }));
  }

  /**
   * Flush the statistics of a subtree: by default only if enough updates are pending (what
   * a memory.stat reader does), with force the periodic flusher's flush (every 2 s in the
   * kernel). Returns whether a flush ran.
   */
  flushStats(path = '', opts: { force?: boolean } = {}): boolean {
    const id = this.memcgId(path);
    keys('flushStats options', obj('flushStats options', opts), ['force']);
    if (opts.force !== undefined) bool('force', opts.force);
    return this.guard(() => this.fn('memcg_flush_stats')(id, opts.force ? 1 : 0) === 1);
  }

  // ── interface files ────────────────────────────────────────────────────────────────────
  /** Split 'a/b/memory.max' (or '/sys/fs/cgroup/a/b/memory.max') into cgroup and file. */
  private splitFile(path: string): { cgroup: string; name: string; id: number } {
    const p = System.normalize(str('a file path', path));
    const slash = p.lastIndexOf('/');
    const cgroup = slash < 0 ? '' : p.slice(0, slash);
    const name = p.slice(slash + 1);
    const id = this.ids.get(cgroup);
    if (id === undefined || name === '') throw new MemcgError('ENOENT', `no file ${show(path)}`);
    return { cgroup, name, id };
  }

  /** Open an interface file (needed for memory.peak's per-file local peak); close it after. */
  open(path: string): OpenFile {
    const { name, id } = this.splitFile(path);
    return openFile(this.fs, id, this.guard(() => this.memcgOfCgroup(id)), id === 0, path, name, (f) => this.guard(f));
  }

  /** Read an interface file: the exact text the kernel prints. */
  read(path: string): string {
    const f = this.open(path);
    try {
      return f.read();
    } finally {
      f.close();
    }
  }

  /** Write an interface file as `echo value > file` would (errors as the kernel's errno). */
  write(path: string, value: string | number, opts: { cpu?: number } = {}): void {
    keys('write options', obj('write options', opts), ['cpu']);
    if (opts.cpu !== undefined) this.checkCpu(opts.cpu);
    const f = this.open(path);
    try {
      f.write(value, opts);
    } finally {
      f.close();
    }
  }

  /** `ls` of a cgroup directory: its interface files and child cgroups, sorted like ls. */
  ls(dir = ''): string[] {
    const id = this.id(dir);
    const p = System.normalize(dir);
    const children = this.children(p).map((x) => x.slice(x.lastIndexOf('/') + 1));
    return [...fileNames(this.fs, id === 0, this.hasMemory(p)), ...children].sort();
  }

  /** What the interface files need from the core (cgroupfs.ts formats, the core decides). */
  private readonly fs: FsCore = ((sys: System): FsCore => {
    const pc = (id: number, swap: boolean) => (swap ? sys.fn('memcg_swap_counter')(id) : sys.fn('memcg_memory_counter')(id));
    const field = { usage: 'PCF_USAGE', max: 'PCF_MAX', min: 'PCF_MIN', low: 'PCF_LOW', high: 'PCF_HIGH', watermark: 'PCF_WATERMARK', failcnt: 'PCF_FAILCNT' };
    const ev: Record<string, string> = {
      low: 'MEMCG_LOW', high: 'MEMCG_HIGH', max: 'MEMCG_MAX', oom: 'MEMCG_OOM', oom_kill: 'MEMCG_OOM_KILL',
      oom_group_kill: 'MEMCG_OOM_GROUP_KILL', swap_high: 'MEMCG_SWAP_HIGH', swap_max: 'MEMCG_SWAP_MAX', swap_fail: 'MEMCG_SWAP_FAIL',
    };
    return {
      get cgroupVersion() { return sys.cgroupVersion; },
      get nodes() { return sys.nodes; },
      get cpus() { return sys.cpus; },
      get memswAccount() { return sys.memswAccount; },
      has: (f) => sys.fn('profile_feature')(sys.k(sys.profileCoreId), sys.k(f)) === 1,
      alive: (memory, id, gen) => memory
        ? sys.fn('memcg_is_online')(id) === 1 && sys.fn('memcg_generation')(id) === gen
        : sys.fn('cgroup_is_alive')(id) === 1 && sys.fn('cgroup_generation')(id) === gen,
      generation: (memory, id) => sys.fn(memory ? 'memcg_generation' : 'cgroup_generation')(id),
      controllersMemory: (cg) => sys.fn('cgroup_controllers_get')(cg) === 1,
      subtreeMemory: (cg) => sys.fn('cgroup_subtree_get')(cg) === 1,
      cgroupStat: (cg, item) => sys.fn('cgroup_stat_get')(cg, sys.k(item)),
      subtreeWrite: (cg, enable, cpu) => sys.subtreeControlWrite(cg, enable, cpu),
      counterField: (id, swap, f) => sys.fCounter(pc(id, swap), sys.k(field[f])),
      event: (id, name, local) => sys.fn('memcg_event_get')(id, sys.k(ev[name]), local ? 1 : 0),
      flushStats: (id) => void sys.fn('memcg_flush_stats')(id, 0),
      statFlushed: (id, node, item: StatItem, hier) => sys.fn('memcg_stat_flushed')(id, node, sys.k(item), hier ? 1 : 0),
      usageV1: (id, swap) => sys.fn('memcg_usage_v1')(id, swap ? 1 : 0),
      underOom: (id) => sys.fn('memcg_under_oom_get')(id),
      hierarchicalLimit: (id, swap) => sys.fn('memcg_hierarchical_limit')(id, swap ? 1 : 0),
      settingRead: (id, which: Setting) => sys.fn('memcg_setting_read')(sys.k(which), id),
      settingWrite: (id, which: Setting, v) => sys.fn('memcg_setting_write')(sys.k(which), id, v),
      writeLimit: (id, file, text, cpu) => sys.writeLimitPages(id, file, parseLimit(sys.cgroupVersion, file, text), cpu, text),
      counterReset: (id, swap, failcnt) => void sys.fn('memcg_counter_reset')(pc(id, swap), failcnt ? 1 : 0),
      forceEmpty: (id, cpu) => sys.fn('memcg_force_empty')(id, cpu),
      proactiveReclaim: (id, pages, swappiness, cpu) => sys.fn('memcg_proactive_reclaim')(id, pages, swappiness, cpu),
      peakOpen: (id, swap) => sys.fn('peak_open')(pc(id, swap)),
      peakRead: (fd) => sys.fn('memcg_peak_read')(fd),
      peakWrite: (fd) => sys.fn('peak_write')(fd),
      peakClose: (fd) => sys.fn('peak_close')(fd),
      kmemRead: (id, f) => sys.fn('memcg_kmem_read')(id, sys.k(f)),
      kmemWrite: (id, f, pages) => sys.fn('memcg_kmem_write')(id, sys.k(f), pages),
    };
  })(this);

  /** Pages held for a cgroup in all CPUs' stocks (charged, but in no folio). */
  stockPages(path: string): number {
    const id = this.memcgId(path);
    return this.guard(() => this.fn('memcg_stock_pages')(id));
  }

  /** The emulator's own counters (not kernel observables). */
  simStats(): SimStats {
    return this.guard(() => {
      const out = {} as SimStats;
      for (const [key, name] of SIM_KEYS) out[key] = this.fn('sim_stat_get')(this.k(name));
      return out;
    });
  }

  // ── topology, socket memory, the cost model ───────────────────────────────────────────
  /** Where a CPU is: its core, LLC, NUMA node and socket (x86-64 numbering). */
  cpuTopology(cpu: number): { core: number; llc: number; node: number; socket: number } {
    this.checkCpu(cpu);
    const get = (f: string) => this.fn('topology_get')(cpu, this.k(f));
    return this.guard(() => ({ core: get('TOPO_CORE'), llc: get('TOPO_LLC'), node: get('TOPO_NODE'), socket: get('TOPO_SOCKET') }));
  }

  private skPages(pages: number): void {
    if (!Number.isInteger(pages) || pages < 1 || pages > 255) throw new MemcgError('EINVAL', `a socket charge is 1..255 pages, not ${show(pages)}`);
  }
  /**
   * mem_cgroup_sk_charge: network buffer pages charged to a cgroup's socket on cpu; gfp
   * default GFP_ATOMIC (gfp_memcg_charge() in softirq). False when the charge was refused.
   * v2: the memory counters and memory.stat sock; v1: memory.kmem.tcp.* only, and only once
   * the cgroup's memory.kmem.tcp.limit_in_bytes was written (before, its sockets have no memcg).
   */
  skCharge(req: { cgroup: string; cpu: number; pages: number; gfp?: Gfp }): boolean {
    keys('skCharge request', obj('skCharge request', req), ['cgroup', 'cpu', 'pages', 'gfp']);
    this.skPages(req.pages);
    this.checkCpu(req.cpu);
    const id = this.id(req.cgroup);
    const gfp = req.gfp === undefined ? this.k('GFP_ATOMIC') : this.gfpMask(req.gfp);
    const ret = this.guard(() => this.fn('memcg_sk_charge')(id, req.pages, gfp, req.cpu));
    if (ret < 0) this.fail(ret, `socket charge to "${req.cgroup}"`);
    return ret === 1;
  }
  /** mem_cgroup_sk_uncharge: the pages go back (v2: to this CPU's stock, or the counters with pcstock; v1: tcpmem). */
  skUncharge(req: { cgroup: string; cpu: number; pages: number }): void {
    keys('skUncharge request', obj('skUncharge request', req), ['cgroup', 'cpu', 'pages']);
    this.skPages(req.pages);
    this.checkCpu(req.cpu);
    const id = this.id(req.cgroup);
    const ret = this.guard(() => this.fn('memcg_sk_uncharge')(id, req.pages, req.cpu));
    if (ret < 0) this.fail(ret, `socket uncharge from "${req.cgroup}"`);
  }

  /**
   * Concurrent page_counter_try_charge of the memory counters, one per CPU, interleaved at
   * atomic-op granularity by the cost model's clocks (assembly/page_counter_race.ts). Each
   * result names the cgroup whose limit failed the charge, or null when it was charged. The
   * pages stay charged to the counters (in no folio): a model of the race, not of a fault.
   */
  raceCharges(charges: RaceCharge[]): { charged: boolean; failedAt: string | null }[] {
    if (!this.costModel.on) throw new MemcgError('EINVAL', 'raceCharges needs the cost model (costModel: true): its clocks order the steps');
    if (!Array.isArray(charges) || charges.length < 1 || charges.length > 64) throw new MemcgError('EINVAL', `raceCharges takes a list of 1 to 64 charges, not ${show(charges)}`);
    const q = charges.map((c, i) => {
      keys(`race charge ${i}`, obj(`race charge ${i}`, c), ['cgroup', 'cpu', 'pages', 'startNs']);
      this.checkCpu(c.cpu);
      if (!Number.isInteger(c.pages) || c.pages < 1) throw new MemcgError('EINVAL', `race charge ${i}: pages must be an integer of at least 1, not ${show(c.pages)}`);
      const start = Math.round((c.startNs ?? 0) * this.costModel.costs.ghz);
      if (!(start >= 0 && start < 2 ** 31)) throw new MemcgError('EINVAL', `race charge ${i}: startNs must be a number of ns from 0, not ${show(c.startNs)}`);
      return [c.cpu, this.id(c.cgroup), c.pages, start];
    });
    return this.guard(() => {
      this.views();
      const base = this.fn('id_buffer')() >>> 2;
      q.forEach((r, i) => this.i32.set(r, base + i * 4));
      const ret = this.fn('memcg_race_charges')(q.length);
      if (ret < 0) this.fail(ret, 'raceCharges: a cgroup is the root or offline, or two charges share a CPU');
      this.views();
      return q.map((_, i) => {
        const m = this.i32[base + i * 4 + 1];
        return { charged: m < 0, failedAt: m < 0 ? null : this.pathOf(m) };
      });
    });
  }

  /** A directory line's name: page_counter[a/b].usage, memcg_stock[cpu 3], lruvec[a, node 0] … */
  private lineName(l: number): string {
    const cls = this.fn('cost_line_class')(l);
    const i = this.fn('cost_line_index')(l);
    const path = (m: number) => this.pathOf(m) || '/';
    if (cls === this.k('LC_PC')) {
      const counter = Math.floor(i / 3);
      const m = counter >> 1;
      const kind = (counter & 1) === 0 ? '' : this.cgroupVersion === 2 ? '.swap' : '.memsw';
      const names = this.fn('cost_layout')() === this.k('PC_LAYOUT_2022') ? ['usage', 'watermark+protection', 'read-mostly'] : ['usage+limits', 'protection+parent', '-'];
      return `page_counter[${path(m)}]${kind}.${names[i % 3]}`;
    }
    if (cls === this.k('LC_MEMCG_STOCK')) return `memcg_stock[cpu ${i}]`;
    if (cls === this.k('LC_OBJ_STOCK')) return `obj_stock[cpu ${i}]`;
    if (cls === this.k('LC_LRU_BATCH')) return `lru_add_batch[cpu ${i}]`;
    if (cls === this.k('LC_OBJCG')) return `obj_cgroup[${path(i)}]`;
    if (cls === this.k('LC_PCSTOCK')) return `page_counter_stock[cpu ${i % this.cpus}, counters ${16 * Math.floor(i / this.cpus)}+]`;
    if (cls === this.k('LC_STATS_PCPU')) return `vmstats_percpu[${path(Math.floor(i / this.cpus))}, cpu ${i % this.cpus}]`;
    if (cls === this.k('LC_STATS_UPDATES')) return `vmstats[${path(i)}].stats_updates`;
    if (cls === this.k('LC_LRUVEC')) return `lruvec[${path(Math.floor(i / this.nodes))}, node ${i % this.nodes}]`;
    if (cls === this.k('LC_TCPMEM')) {
      const names = this.fn('cost_layout')() === this.k('PC_LAYOUT_2022') ? ['usage', 'watermark+protection', 'read-mostly'] : ['usage+limits', 'protection+parent', '-'];
      return `page_counter[${path(Math.floor(i / 3))}].tcpmem.${names[i % 3]}`;
    }
    if (cls === this.k('LC_RSTAT_LOCK')) return 'rstat_lock';
    if (cls === this.k('LC_RSTAT_CPU')) return `rstat_cpu_lock[cpu ${i}]`;
    if (cls === this.k('LC_TASK')) return `task[${i}]`;
    return `line ${l}`;
  }

  /** The cost model's counters (modelled cycles, atomics, line transfers); null when it is off. */
  costStats(opts: { hottest?: number } = {}): CostStats | null {
    const o = obj('costStats options', opts, true);
    keys('costStats options', o, ['hottest']);
    if (o.hottest !== undefined) int('costStats hottest', o.hottest, 0, 1000);
    if (!this.costModel.on) return null;
    return this.guard(() => {
      const st = (name: string, off = 0) => this.fn('cost_stat_get')(this.k(name) + off);
      const kinds = ['charge', 'uncharge', 'skCharge', 'skUncharge', 'touch', 'file', 'other'] as const;
      const perOp = {} as CostStats['perOp'];
      let cycles = 0;
      let ops = 0;
      kinds.forEach((k, i) => {
        const n = st('CS_OPK_OPS', i);
        const c = st('CS_OPK_CYCLES', i);
        perOp[k] = { ops: n, cycles: c, cyclesPerOp: n ? c / n : 0 };
        cycles += c;
        ops += n;
      });
      const d = (i: number) => st('CS_XFER_BASE', i);
      const found: Distances = { hit: d(0), smt: d(1), llc: d(2), socket: d(3), remote: d(4), memLocal: d(5), memRemote: d(6) };
      const cpus = Array.from({ length: this.cpus }, (_, cpu) => ({
        cpu, clock: this.fn('cost_cpu_get')(cpu, 0), busy: this.fn('cost_cpu_get')(cpu, 1), wait: this.fn('cost_cpu_get')(cpu, 2),
      }));
      const makespan = Math.max(0, ...cpus.map((c) => c.clock));
      const n = this.fn('cost_lines')();
      const hot: { l: number; x: number; w: number }[] = [];
      const want = opts.hottest ?? 5;
      // the core's per-line table (transfers, waiting cycles), read in place: no call per line
      const line = new Float64Array(this.core.memory.buffer, this.fn('cost_line_stats')(), 2 * n);
      for (let l = 0; l < n; l++) {
        const x = line[2 * l];
        if (x === 0) continue;
        hot.push({ l, x, w: line[2 * l + 1] });
        if (hot.length > 4 * want + 64) {
          hot.sort((a, b) => b.x - a.x || a.l - b.l);
          hot.length = want;
        }
      }
      hot.sort((a, b) => b.x - a.x || a.l - b.l);
      const ghz = this.costModel.costs.ghz;
      return {
        cycles, perOp, makespanCycles: makespan,
        throughputOpsPerSec: makespan > 0 ? ops / (makespan / (ghz * 1e9)) : 0,
        atomics: st('CS_ATOMICS'), accesses: st('CS_ACCESSES'), found,
        transfers: found.smt + found.llc + found.socket + found.remote + found.memLocal + found.memRemote,
        cpus: cpus.filter((c) => c.clock > 0),
        hottest: hot.slice(0, want).map((h) => ({ line: this.lineName(h.l), transfers: h.x, waitCycles: h.w })),
        ghz,
      };
    });
  }

  // ── bulk ───────────────────────────────────────────────────────────────────────────────
  /** Encode ops as core op records (struct op in assembly/replay.ts); every op is checked first. */
  encode(ops: Op[]): Uint8Array {
    const n = this.encodeInto(ops, false);
    return scratch.slice(0, n * 16);
  }

  /**
   * Encode ops; the number of records. With toCore and at most opCapacity ops, the records go
   * straight into the core's op buffer (this.direct while they stay there), so that their replay
   * copies nothing; otherwise, or once an uncharge list takes them past it, into scratch.
   * Throws before the core sees any record (the op buffer is read only by replay_ops). The errors
   * are those of checking every op (checkOp) before encoding any: a check that fails wins over
   * an error found while encoding an earlier op.
   */
  private encodeInto(ops: Op[], toCore: boolean): number {
    if (!Array.isArray(ops)) throw new MemcgError('EINVAL', `replay takes an array of ops, not ${show(ops)}`);
    if (toCore && ops.length <= this.opCapacity) {
      this.views();
      this.direct = true;
      this.tU32 = this.u32;
      this.tDV = this.dv;
      this.tBase = this.opBase;
      this.tEnd = this.opBase + this.opCapacity * 16;
    } else this.toScratch();
    this.o16 = this.tBase;
    this.reserve(ops.length);
    let i = 0;
    let checking = false;
    this.runAt = -1;
    try {
      // Runs of common ops in one tight loop; each other op through its checks, one at a time.
      for (i = this.encodeRun(ops, 0); i < ops.length; i = this.encodeRun(ops, i + 1)) {
        const o = ops[i];
        checking = true;
        this.checkOp(o, i);
        checking = false;
        this.encodeOp(o);
      }
    } catch (e) {
      // An error encoding op i: as when every op was checked before any was encoded, a later
      // op whose check fails is reported instead.
      if (this.runAt >= 0) i = this.runAt; // encodeRun's op whose cgroup does not exist
      if (!checking) for (let j = i + 1; j < ops.length; j++) this.checkOp(ops[j], j);
      throw e;
    }
    return (this.o16 - this.tBase) >>> 4;
  }

  // The op encodeRun is at while it calls id() (which throws ENOENT for no such cgroup); -1 otherwise.
  private runAt = -1;
  /**
   * Encodes ops from `from` on while each is a common op — a charge of a cgroup ({ op, cgroup,
   * cpu, order? }) or an uncharge ({ op, folio, cpu? }) that checkOp and encodeOp would accept,
   * with the same record — in tight loops with their constants in locals; the index of the first
   * op that is not common (ops.length at the end). Ops made by Ops.charge / Ops.uncharge and
   * literal objects each have a loop of their own (each stays monomorphic: one loop for both,
   * with a brand test per op, measured 8–12 % slower for literals). Records go straight into the
   * target as u32 words on a little-endian host (wasm memory is little-endian); on another host
   * every op goes through checkOp and encodeOp.
   */
  private encodeRun(ops: Op[], from: number): number {
    if (!LITTLE_ENDIAN) return from;
    for (let i = from; ; ) {
      const next = this.encodeLiterals(ops, this.encodeChecked(ops, i));
      if (next === i) return i;
      i = next;
    }
  }
  /** id() of op i's cgroup (a slot miss of an encode loop at word w): ENOENT names op i. */
  private runId(cgroup: string, i: number, w: number): number {
    this.runAt = i;
    this.o16 = w << 2;
    const id = this.id(cgroup);
    this.runAt = -1;
    return id;
  }
  /** encodeRun's loop for ops made by Ops.charge / Ops.uncharge: only what depends on the system is checked. */
  private encodeChecked(ops: Op[], from: number): number {
    const CHARGE = this.opCharge, UNCHARGE = this.opUncharge, GFP = this.gfpKernel, ORDER_MAX = this.orderMax;
    const cpus = this.cpus;
    const slotPath = this.slotPath;
    const slotId = this.slotId;
    this.reserve(ops.length - from); // as encodeLiterals
    const words = this.tU32;
    let w = this.o16 >>> 2;
    let i = from;
    for (; i < ops.length; i++) {
      const o: unknown = ops[i];
      // instanceof first (a prototype test, cheap), then the brand, which a prototype cannot forge
      if (o instanceof ChargeOp) {
        const h = ChargeOp.slot(o);
        if (h < 0) break;
        const cpu = o.cpu, order = o.order, cgroup = o.cgroup;
        if (cpu >= cpus || order > ORDER_MAX) break;
        const id = slotPath[h] === cgroup ? slotId[h] : this.runId(cgroup, i, w);
        words[w] = CHARGE | (order << 8);
        words[w + 1] = cpu;
        words[w + 2] = id;
        words[w + 3] = GFP;
      } else if (o instanceof UnchargeOp && UnchargeOp.is(o)) {
        const cpu = o.cpu;
        if (cpu >= cpus) break;
        words[w] = UNCHARGE;
        words[w + 1] = cpu;
        words[w + 2] = o.folio;
        words[w + 3] = 0;
      } else break;
      w += 4;
      this.o16 = w << 2; // per op, as encodeLiterals
    }
    return i;
  }
  /** encodeRun's loop for literal objects. */
  private encodeLiterals(ops: Op[], from: number): number {
    const CHARGE = this.opCharge, UNCHARGE = this.opUncharge, GFP = this.gfpKernel, ORDER_MAX = this.orderMax;
    const cpus = this.cpus;
    const FOLIO_MAX = ID_MAX; // a module-scope const is a context load with a hole check at each use
    const slotPath = this.slotPath;
    const slotId = this.slotId;
    // Room for one record per op left: encodeInto reserved one per op, but an uncharge list
    // before `from` may have taken more (one per folio), and a store past the end of words is lost.
    this.reserve(ops.length - from);
    const words = this.tU32;
    let w = this.o16 >>> 2;
    let i = from;
    for (; i < ops.length; i++) {
      const o = ops[i] as unknown as Record<string, unknown>;
      if (typeof o !== 'object' || o === null) break;
      const op = o.op;
      if (op === 'charge') {
        const cgroup = o.cgroup, cpu = o.cpu, order = o.order;
        // isInt(x, 0, max) for a number: x >>> 0 is x exactly for an integer in 0..2^32-1 (and -0).
        if (typeof cgroup !== 'string' || typeof cpu !== 'number' || cpu >>> 0 !== cpu || cpu >= cpus) break;
        if (order !== undefined && (typeof order !== 'number' || order >>> 0 !== order || order > ORDER_MAX)) break;
        let other = false;
        for (const k in o) if (k !== 'op' && k !== 'cgroup' && k !== 'cpu' && k !== 'order') other = true;
        if (other || o.task !== undefined || o.kind !== undefined || o.node !== undefined || o.gfp !== undefined || Array.isArray(o)) break;
        // id() inline for a slot hit; else id() itself (it fills the slot)
        const h = pathSlot(cgroup);
        const id = slotPath[h] === cgroup ? slotId[h] : this.runId(cgroup, i, w);
        words[w] = CHARGE | ((order === undefined ? 0 : order) << 8);
        words[w + 1] = cpu;
        words[w + 2] = id;
        words[w + 3] = GFP;
      } else if (op === 'uncharge') {
        const folio = o.folio, cpu = o.cpu;
        if (typeof folio !== 'number' || folio >>> 0 !== folio || folio > FOLIO_MAX) break;
        if (cpu !== undefined && (typeof cpu !== 'number' || cpu >>> 0 !== cpu || cpu >= cpus)) break;
        let other = false;
        for (const k in o) if (k !== 'op' && k !== 'folio' && k !== 'cpu') other = true;
        if (other || Array.isArray(o)) break;
        words[w] = UNCHARGE;
        words[w + 1] = cpu === undefined ? 0 : cpu;
        words[w + 2] = folio;
        words[w + 3] = 0;
      } else break;
      w += 4;
      // Stored per op, not after the loop: code after a loop that V8 compiled on stack
      // replacement has no type feedback yet, and its first run deoptimized the loop.
      this.o16 = w << 2;
    }
    return i;
  }

  // The target of the encoding under way: the core's op buffer (direct) or scratch, as u32
  // words and a DataView, its records' first byte and the end of its room; the byte offset of
  // the next record in it.
  private direct = false;
  private tU32: Uint32Array = scratchU32;
  private tDV: DataView = scratchView;
  private tBase = 0;
  private tEnd = 0;
  private o16 = 0;
  private toScratch(): void {
    this.direct = false;
    this.tU32 = scratchU32;
    this.tDV = scratchView;
    this.tBase = 0;
    this.tEnd = scratch.length;
  }
  /** Room for n more records in the target: scratch is kept when it grows; the op buffer's records move to scratch. */
  private reserve(n: number): void {
    if (this.o16 + n * 16 <= this.tEnd) return;
    const bytes = this.o16 - this.tBase; // the records so far
    if (scratch.length < bytes + n * 16) {
      const grown = new Uint8Array(Math.max(bytes + n * 16, scratch.length * 2));
      if (!this.direct) grown.set(scratch.subarray(0, bytes));
      scratch = grown;
      scratchView = new DataView(scratch.buffer);
      scratchU32 = new Uint32Array(scratch.buffer);
    }
    if (this.direct) scratch.set(this.u8.subarray(this.tBase, this.o16));
    this.toScratch();
    this.o16 = bytes;
  }
  // struct op as four little-endian u32 words: code | a << 8 | kind << 16 | node << 24,
  // cpu | task << 16, id, arg.
  private put(code: number, a: number, kind: number, node: number, cpu: number, task: number, id: number, arg: number): void {
    if (this.o16 + 16 > this.tEnd) this.reserve(1); // an uncharge list is one record per folio
    const o16 = this.o16;
    const dv = this.tDV;
    dv.setUint32(o16, code | (a << 8) | (kind << 16) | (node << 24), true);
    dv.setUint32(o16 + 4, cpu | (task << 16), true);
    dv.setUint32(o16 + 8, id >>> 0, true);
    dv.setUint32(o16 + 12, arg >>> 0, true);
    this.o16 = o16 + 16;
  }

  /** Encode one op that passed checkOp (its values are checked here: cpu, order, ids …). */
  private encodeOp(o: Op): void {
    if (o.op === 'charge') {
      const cpu = o.cpu;
      this.checkCpu(cpu);
      const order = o.order === undefined ? 0 : o.order; // null is refused, as charge() refuses it
      this.checkOrder(order);
      const task = o.task;
      if (task === undefined && o.cgroup === undefined) throw new MemcgError('EINVAL', 'charge needs a cgroup or a task');
      if (task !== undefined && (!Number.isInteger(task) || task < 0 || task > 65534)) throw new MemcgError('ESRCH', `no task ${task}`);
      this.put(this.opCharge, order, this.kindCode(o.kind), o.node === undefined ? 0 : o.node + 1, cpu, task === undefined ? 0 : task + 1,
        task !== undefined ? 0 : this.id(o.cgroup!), this.gfpMask(o.gfp));
    } else if (o.op === 'uncharge') {
      const cpu = o.cpu ?? 0;
      this.checkCpu(cpu);
      this.put(this.opUncharge, 0, 0, 0, cpu, 0, o.folio, 0);
    } else if (o.op === 'touch') {
      this.checkCpu(o.cpu);
      this.put(this.opTouch, 0, 0, 0, o.cpu, 0, o.folio, this.gfpMask(o.gfp));
    } else if (o.op === 'sk-charge' || o.op === 'sk-uncharge') {
      this.checkCpu(o.cpu);
      this.skPages(o.pages);
      const gfp = o.op === 'sk-charge' ? (o.gfp === undefined ? this.k('GFP_ATOMIC') : this.gfpMask(o.gfp)) : 0;
      this.put(this.k(o.op === 'sk-charge' ? 'OP_SK_CHARGE' : 'OP_SK_UNCHARGE'), o.pages, 0, 0, o.cpu, 0, this.id(o.cgroup), gfp);
    } else if (o.op === 'wait') {
      if (!(o.ms >= 0) || o.ms * 1000 > 0xffffffff) throw new MemcgError('EINVAL', `wait of ${o.ms} ms (0 .. 4294967 ms per record)`);
      this.put(this.opWait, 0, 0, 0, 0, 0, 0, Math.round(o.ms * 1000));
    } else if (o.op === 'uncharge-list') {
      const cpu = o.cpu ?? 0;
      this.checkCpu(cpu);
      const last = o.folios.length - 1;
      for (let j = 0; j <= last; j++) this.put(this.opList, j === last ? 1 : 0, 0, 0, cpu, 0, o.folios[j], 0);
    } else {
      const f = limitFile(this.cgroupVersion, o.file);
      if (!f) throw new MemcgError('ENOENT', `no file ${show(o.file)} in cgroup v${this.cgroupVersion}`, { file: o.file.slice(0, 64) });
      const pages = parseLimit(this.cgroupVersion, o.file, o.value);
      if (pages >= 0xffffffff && pages !== 2251799813685247) {
        throw new MemcgError('EINVAL', `op records carry limits below 2^32 pages; ${o.value} is not`, { file: o.file });
      }
      const cpu = o.cpu ?? 0;
      this.checkCpu(cpu);
      const SET: Record<string, string> = { LIMIT_MAX: 'OP_SET_MAX', LIMIT_HIGH: 'OP_SET_HIGH', LIMIT_LOW: 'OP_SET_LOW', LIMIT_MIN: 'OP_SET_MIN' };
      this.put(this.k(SET[f.limit]), this.k(f.counter), 0, 0, cpu, 0, this.id(o.cgroup), pages === 2251799813685247 ? 0xffffffff : pages);
    }
  }

  /** One op of replay(): an object with a known op and only its own keys, each of its type. */
  private checkOp(o: unknown, i: number): void {
    try {
      this.checkOpNamed(o, 'op', false);
    } catch (e) {
      // The same checks again, naming the op by its index (no message string is built per op).
      if (e instanceof MemcgError) this.checkOpNamed(o, `op ${i}`, true);
      throw e;
    }
  }
  private checkOpNamed(o: unknown, what: string, named: boolean): void {
    const r = obj(what, o);
    const op = oneOf(named ? `${what} op` : 'op', r.op, OP_NAMES);
    keys(named ? `${what} (${op})` : op, r, OP_KEYS[op]);
    try {
      if (op === 'uncharge' || op === 'touch') this.checkFolio(r.folio);
      if (op === 'uncharge-list') {
        if (!Array.isArray(r.folios)) throw new MemcgError('EINVAL', `folios must be an array of folio ids, not ${show(r.folios)}`);
        for (let j = 0; j < r.folios.length; j++) if (!isInt(r.folios[j], 0, ID_MAX)) int(`folio ${j} of the list`, r.folios[j], 0, ID_MAX);
      }
      if (op === 'charge') {
        if (r.cgroup !== undefined) str('cgroup', r.cgroup);
        if (r.cgroup !== undefined && r.task !== undefined) throw new MemcgError('EINVAL', 'a charge takes a cgroup or a task, not both');
        if (r.node !== undefined) this.checkNode(r.node);
      }
      if (op === 'write') {
        str('cgroup', r.cgroup);
        str('file', r.file);
        if (typeof r.value !== 'string' && typeof r.value !== 'number') throw new MemcgError('EINVAL', `value must be a string or a number, not ${show(r.value)}`);
      }
      if (op === 'sk-charge' || op === 'sk-uncharge') str('cgroup', r.cgroup);
      if (op === 'wait' && (typeof r.ms !== 'number' || !(r.ms >= 0))) throw new MemcgError('EINVAL', `ms must be a number of at least 0, not ${show(r.ms)}`);
    } catch (e) {
      if (e instanceof MemcgError) throw new MemcgError(e.code, `${what} (${op}): ${e.message.replace(/^[A-Z0-9]+: /, '')}`, { file: e.file, input: e.input });
      throw e;
    }
  }

  /** Replay encoded op records in chunks; returns one raw result per record (id or -errno). */
  replayRecords(records: Uint8Array): Int32Array {
    return this.replayFrom(records, records.length >>> 4);
  }
  /**
   * @internal replayRecords (the Replayer's chunk), the results of at most opCapacity records a
   * view of the core's result buffer, valid until the next call into the core: no array per chunk.
   */
  replayChunkView(records: Uint8Array): Int32Array {
    const n = records.length >>> 4;
    if (n > this.opCapacity) return this.replayRecords(records);
    const at = this.guard(() => this.replayChunk(records, 0, n));
    return this.i32.subarray(at, at + n);
  }
  /** replayRecords of count records, or (records null) of the count that encodeInto left in the op buffer. */
  private replayFrom(records: Uint8Array | null, count: number): Int32Array {
    const results = new Int32Array(count);
    // the records into the op buffer a chunk at a time, each replayed and its results copied out
    this.guard(() => {
      for (let done = 0; done < count; done += this.opCapacity) {
        const n = Math.min(this.opCapacity, count - done);
        const at = this.replayChunk(records, done, n);
        results.set(this.i32.subarray(at, at + n), done);
      }
    });
    return results;
  }
  /**
   * Records done .. done + n - 1 (n at most opCapacity) replayed by the core; the i32 index of
   * their results (views fresh). records null: they are in the op buffer already (encodeInto's direct).
   */
  private replayChunk(records: Uint8Array | null, done: number, n: number): number {
    this.views();
    if (records !== null) this.u8.set(records.subarray(done << 4, (done + n) << 4), this.opBase);
    this.fReplay(n);
    this.views();
    return this.resBase >>> 2;
  }

  /**
   * replay() without a result object per op: the same ops, checks and errors, the results as
   * replayRecords gives them (an Int32Array in op order: a charge's folio id, 0, or -errno;
   * a charge's -ENOSPC is the emulator's full folio table, replay()'s 'ELIMIT').
   */
  replayCodes(ops: Op[]): Int32Array {
    return this.replayEncoded(this.encodeInto(ops, true));
  }
  /** replayRecords of the count records encodeInto wrote (in the op buffer: one chunk, nothing copied in). */
  private replayEncoded(count: number): Int32Array {
    return this.replayFrom(this.direct ? null : scratch, count); // scratch read after encodeInto: it may grow it
  }

  /**
   * replay()'s results without an object per op, read as replay() gives them (ReplayView): the
   * same ops, checks and errors as replay(); the view's codes are replayCodes'.
   */
  replayView(ops: Op[]): ReplayView {
    const count = this.encodeInto(ops, true);
    const codes = this.replayEncoded(count);
    // ELIMIT: a charge's -ENOSPC (the records are still where encodeInto wrote them); most replays have no -ENOSPC at all
    const records = this.direct ? this.u8 : scratch, base = this.direct ? this.opBase : 0;
    let elimit: Uint8Array | null = null;
    for (let i = codes.indexOf(-28); i >= 0; i = codes.indexOf(-28, i + 1)) {
      if (records[base + (i << 4)] === this.opCharge) (elimit ??= new Uint8Array(count))[i] = 1;
    }
    return new ReplayView(codes, elimit);
  }

  /**
   * Replay ops through the core in bulk; results in op order (an uncharge-list gives one per
   * folio), read-only and shared (OpResult). replayCodes' chunks, each chunk's results made
   * objects straight from the core's result buffer (no codes array in between).
   */
  replay(ops: Op[]): OpResult[] {
    const count = this.encodeInto(ops, true);
    const records = this.direct ? null : scratch;
    const out: OpResult[] = count <= RESULTS_PREALLOC_MAX ? new Array<OpResult>(count) : [];
    const charge = this.opCharge;
    if (this.poisoned) this.unusable();
    for (let done = 0; done < count; done += this.opCapacity) {
      const n = Math.min(this.opCapacity, count - done);
      let at: number;
      try {
        at = this.replayChunk(records, done, n);
      } catch (e) {
        throw this.trapped(e);
      }
      opResults(out, done, this.i32, at, n, records ?? this.u8.subarray(this.opBase), charge);
    }
    return out;
  }
}
