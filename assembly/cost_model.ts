// A cache-coherence cost model of the charge path (emulator's own, off by default).
//
// What the kernel touches is placed on cache lines as the structures lay it out; every
// access is a read, a write or a LOCKed atomic by the CPU the operation runs on. A directory
// per line keeps a MESI-like state: an owner (the CPU holding it Modified/Exclusive) or a set
// of sharers. An access costs by the distance to where the line is:
//   hit | SMT sibling | same LLC | other LLC, same socket | other socket | memory local | remote
// plus the atomic's own cost for a LOCKed op. Each CPU has a clock advanced by its accesses.
// Semantics follow the trace's order (the directory's owner and sharers, every kernel value);
// time does not: a CPU whose clock ran ahead does not hold up one whose clock is behind.
// Contention is waiting for a hold: a write or LOCKed op that takes a line from elsewhere
// (a miss) holds it from the start of its transfer until it completes, [start, end) on its
// CPU's clock. A miss's own transfer [t, t + cost) must not overlap another hold: it starts
// at the end of a hold it would overlap (and again, while the new start would overlap
// another), so a line serves one transfer at a time whatever order the trace gave them in.
// Each line keeps NR_HOLDS busy periods: holds back to back (a queue) join into one period.
// A line that needs more (CPUs' clocks drift apart, so one behind accesses where the line was
// busy long ago) borrows a long history (LONG_N periods) from a pool of NR_LONG, the most
// transferred lines keeping them; only then does a full history drop its earliest period.
// An access that fits in a gap between periods, or before them, does not wait. Hits hold
// nothing (a few cycles on the CPU's own copy), reads take no hold (readers share), and
// owner-only lines (folio, swap_cgroup) never wait. Deterministic: the same trace gives the
// same clocks.
//
// Lines and their layouts:
//   page_counter (include/linux/page_counter.h), 3 lines per counter:
//     (the profile's era chooses, unless the host sets CFG_PC_LAYOUT)
//     PC_LAYOUT_2022 (6.1+, "mm: page_counter: rearrange struct page_counter fields", and
//       6.11+ fields): [usage failcnt] [emin min_usage children_min_usage elow low_usage
//       children_low_usage watermark local_watermark] [min low high max parent]
//     PC_LAYOUT_PRE_2022 (<= 6.0): [usage min low high max emin min_usage children_min_usage]
//       [elow low_usage children_low_usage watermark failcnt parent]
//   obj_stock_pcp (objcg.ts) and the lru_add folio_batch (lru_add.ts): one line per CPU;
//   obj_cgroup (its nr_charged_bytes): one line per objcg;
//   memcg_stock_pcp: one line per CPU ("Fit all caches memcgs in a single cacheline",
//     f735eebe55f8); page_counter_stock (pcstock profile): a 4-byte atomic per CPU per
//     counter, 16 to a line (alloc_percpu packs them);
//   memcg per-CPU statistics (memcg_vmstats_percpu and its stats_updates): one line per memcg
//     per CPU; memcg->vmstats->stats_updates: one shared line per memcg;
//   lruvec (lru_lock and the list heads): one line per memcg per node;
//   folio (memcg_data, flags, lru links) and swap_cgroup records (2 bytes, 32 to a line):
//     owner-only lines, every access a write.

import { table_alloc, cfg_get, CFG_COST_BASE, CFG_PC_LAYOUT, CFG_PROT_XCHG_ALWAYS } from "./layout";
import { cpu_core, cpu_llc, cpu_socket, cpu_to_node, nr_cpus, nr_nodes } from "./topology";
import {
  PCF_USAGE, PCF_FAILCNT, PCF_EMIN, PCF_MIN_USAGE, PCF_CHILDREN_MIN_USAGE, PCF_ELOW, PCF_LOW_USAGE,
  PCF_CHILDREN_LOW_USAGE, PCF_WATERMARK, PCF_LOCAL_WATERMARK, PCF_MAX,
} from "./page_counter";
import { era, F_PC_LAYOUT_2022, F_PROT_XCHG_CHANGED } from "./profile";

// The cost model is compiled in only in the -cost builds (asc --use COST_MODEL=1, the host
// loads build/*-cost.wasm for costModel: true): elsewhere every `if (cost_on)` folds away, so
// a system without the cost model runs the same code as before the model existed.
export const cost_on: bool = isDefined(COST_MODEL);
/** propagate_protected_usage (<= 6.0): xchg min_usage/low_usage whenever min/low is set. */
export let prot_xchg_always: bool = false;

export const ACC_READ: i32 = 0;
export const ACC_WRITE: i32 = 1;
export const ACC_ATOMIC: i32 = 2; // LOCK-prefixed read-modify-write (atomic_long_add_return, xchg, cmpxchg)

// Distance classes (also the COST_* indices).
export const D_HIT: i32 = 0;
export const D_SMT: i32 = 1;
export const D_LLC: i32 = 2;
export const D_SOCKET: i32 = 3;
export const D_REMOTE: i32 = 4;
export const D_MEM_LOCAL: i32 = 5;
export const D_MEM_REMOTE: i32 = 6;
export const NR_DIST: i32 = 7;
export const COST_ATOMIC: i32 = 7; // the LOCKed op's own cycles
export const COST_WORK: i32 = 8; // cycles of other work per operation (the rest of a fault, a packet)
export const COST_NS: i32 = 9; // cycles per ns (the clock rate), for a sleep given in ns
export const NR_COSTS: i32 = 10;

export const PC_LAYOUT_2022: i32 = 0;
export const PC_LAYOUT_PRE_2022: i32 = 1;

// Line classes.
export const LC_PC: i32 = 0; // 3 per page_counter: slot 0, 1, 2 of its layout
export const LC_MEMCG_STOCK: i32 = 1;
export const LC_OBJ_STOCK: i32 = 2; // obj_stock_pcp: cached objcg, nr_bytes, slab statistics
export const LC_LRU_BATCH: i32 = 3; // cpu_fbatches.lru_add (folio_batch)
export const LC_PCSTOCK: i32 = 4;
export const LC_STATS_PCPU: i32 = 5;
export const LC_STATS_UPDATES: i32 = 6;
export const LC_LRUVEC: i32 = 7;
export const LC_OBJCG: i32 = 8; // struct obj_cgroup: refcnt, nr_charged_bytes
export const LC_TCPMEM: i32 = 9; // 3 per memcg: memcg->tcpmem (v1), the page_counter layout's slots
export const LC_RSTAT_LOCK: i32 = 10; // 1 line: the rstat lock the statistics flush takes
export const LC_RSTAT_CPU: i32 = 11; // per CPU: the per-CPU rstat lock (the flusher takes every CPU's)
export const LC_TASK: i32 = 12; // per task: what the OOM victim selection reads (task_struct, mm counters)
export const NR_LC: i32 = 13;
export const LC_FOLIO: i32 = 13; // owner-only classes (ids into their own tables)
export const LC_SWAP_CGROUP: i32 = 14;

// Operation kinds whose cycles are summed apart.
export const OPK_CHARGE: i32 = 0;
export const OPK_UNCHARGE: i32 = 1;
export const OPK_SK_CHARGE: i32 = 2;
export const OPK_SK_UNCHARGE: i32 = 3;
export const OPK_TOUCH: i32 = 4;
export const OPK_FILE: i32 = 5; // file reads/writes/faults/truncates (filemap.ts), their kmem included
export const OPK_OTHER: i32 = 6; // mkdir/rmdir (the memcg's structures), mlock, swapoff
export const NR_OPK: i32 = 7;

const costs = new StaticArray<f64>(NR_COSTS);
let layout: i32 = PC_LAYOUT_2022;
let words: i32 = 1; // u64 words of a sharer bitmap
let nLines: i32 = 0;
const base = new StaticArray<i32>(NR_LC + 1);
const base64 = new StaticArray<u64>(NR_LC + 1); // the same, summed in 64 bits for the sizing pass
// The bases the access sites use, as globals (one load each).
let bMemcgStock: i32 = 0;
let bObjStock: i32 = 0;
let bLruBatch: i32 = 0;
let bPcstock: i32 = 0;
let bStatsPcpu: i32 = 0;
let bStatsUpd: i32 = 0;
let bLruvec: i32 = 0;
let bObjcg: i32 = 0;
let bTcpmem: i32 = 0;
// The directory: one record per line, `stride` bytes, a power of two (16 up to 64 CPUs, so
// that the lines an operation touches stay in the host's L1): +0 owner (i32, -1 = no exclusive
// owner), +8 sharers (u64 × words). A line's statistics are apart (lineStats), written only on
// a miss.
let dir: usize = 0;
let stride: usize = 16;
let strideShift: usize = 4;
const R_OWNER: usize = 0;
const R_SHARERS: usize = 8;
// Per line: +0 transfers (f64), +8 waiting cycles (f64).
let lineStats: usize = 0;
const R_XFERS: usize = 0;
const R_WAIT: usize = 8;
// The busy periods of each line, apart from the directory (only a miss reads them):
// NR_HOLDS (start, end) pairs of f64 cycles per line, 64 bytes; [0, 0) is none. When every
// transfer costs a cycle or more (sortedHolds), they are kept sorted and right-aligned: the
// empty ones first, the latest in the last slot (see hold_wait_sorted).
const NR_HOLDS: i32 = 4;
const HOLD_BYTES: usize = <usize>NR_HOLDS << 4;
let holds: usize = 0;
// 1 sorted, 0 slots, -1 not known yet: set at a system's first transfer from its costs (which
// cost_init fixed), so that the build without the model compiles none of it.
@lazy let sortedHolds: i32 = -1;
// Long histories for the most transferred lines: NR_LONG rings of LONG_N periods, sorted by
// start (the periods of a line never overlap), each lent to one line (longOf: ring + 1, 0 =
// none). A line whose 4 periods overflow takes a free ring, or the ring of the line with the
// fewest transfers if it has more; a full ring drops its earliest half. A ring's LONG_N
// periods sit in LONG_CAP slots at [head, head + n): an insert or a removal moves the shorter
// side, dropping the earliest only moves head (the CPU whose clock runs ahead adds at the end,
// the ones behind near the front). Bounded: 256 KB.
const NR_LONG: i32 = 32;
const LONG_N: i32 = 256;
const LONG_CAP: i32 = LONG_N * 2;
let longOf: usize = 0; // i32[lines]
let longRing: usize = 0; // (start, end) f64 pairs, LONG_CAP slots per ring
let longLen: usize = 0; // i32[NR_LONG]: periods in use
let longHead: usize = 0; // i32[NR_LONG]: the slot of the earliest
let longHint: usize = 0; // i32[NR_LONG × cpus]: the slot where each CPU's last search ended
let longLine: usize = 0; // i32[NR_LONG]: the line holding the ring, -1 none
let longUsed: i32 = 0; // rings lent
// The folio owners: u16 per folio, 0xffff = none (a CPU id is below 65535: the cpus × cpus
// distance table bounds it), packed in the first half of a table of 4 bytes a folio whose
// every byte cost_init sets to 0xff (so that the host's caches hold twice as many).
let folioOwner: usize = 0;
let swapOwner: usize = 0; // i32[swap lines]
let nFolios: i32 = 0;
let nSwapLines: i32 = 0;
let nCounters: i32 = 0;
let nMemcgs: i32 = 0;
let nTasks: i32 = 0;
// u8[memcgs × cpus]: memcg m has statistics updates on cpu not yet flushed (css_rstat_updated
// put it on that CPU's updated list); the flush visits only those.
let rstatUpd: usize = 0;
let distTab: usize = 0; // u8[cpus × cpus]: dist() precomputed
let clk: usize = 0; // f64[cpus]
let idle: usize = 0; // f64[cpus]: clock moved forward without work (cost_clock_set)
let waited: usize = 0; // f64[cpus]

// Totals (COSTS_* ids for cost_stat_get).
export const CS_ATOMICS: i32 = 0;
export const CS_ACCESSES: i32 = 1;
export const CS_XFER_BASE: i32 = 2; // + distance class: accesses that found the line there
export const CS_OPK_CYCLES: i32 = 9; // + OPK_*
export const CS_OPK_OPS: i32 = CS_OPK_CYCLES + NR_OPK; // + OPK_*
export const NR_CS: i32 = CS_OPK_OPS + NR_OPK;
const stats = new StaticArray<f64>(NR_CS);

let cur: i32 = 0;
// cur's bit in a sharer bitmap and the byte offset of its word (the read hit's test).
let curBit: u64 = 1;
let curWord: usize = 0;
// The current CPU's clock and the hit / atomic counts live in globals (the hot path): clk[cur]
// is stale while curClk runs ahead; flush_clock writes it back whenever cur changes or a
// clock is read. busy = clock − waited − idle (idle: a race's staggered start).
let curClk: f64 = 0;
let hits: i64 = 0;
let atomics: i64 = 0;
let hitCost: f64 = 0;
let atomicCost: f64 = 0;
let depth: i32 = 0;
let opKind: i32 = 0;
let opStart: f64 = 0;

/** Allocate the directory (system_init, only when the cost model is on). */
export function cost_init(on: bool, maxCgroups: i32, maxFolios: i32, swapPages: i32, maxTasks: i32): bool {
  if (on != cost_on) return false; // the host loads the build that matches
  if (!on) return true;

  for (let i = 0; i < NR_COSTS; i++) unchecked((costs[i] = cfg_get(CFG_COST_BASE + i)));
  hitCost = unchecked(costs[D_HIT]);
  atomicCost = unchecked(costs[COST_ATOMIC]);
  // The era's layouts unless the host chose one (-1: the profile's).
  const l = cfg_get(CFG_PC_LAYOUT);
  layout = l < 0 ? (era(F_PC_LAYOUT_2022) ? PC_LAYOUT_2022 : PC_LAYOUT_PRE_2022) : <i32>l;
  const x = cfg_get(CFG_PROT_XCHG_ALWAYS);
  prot_xchg_always = x < 0 ? !era(F_PROT_XCHG_CHANGED) : x != 0;
  words = (nr_cpus + 63) >> 6;
  nMemcgs = maxCgroups;
  nCounters = maxCgroups * 2;
  const per = (nCounters + 15) >> 4;
  // class bases in one id space; the per-CPU classes (MEMCG_STOCK .. STATS_PCPU) are
  // multiples of nr_cpus long, so a line's CPU is its offset from base[LC_MEMCG_STOCK] mod nr_cpus.
  // Sized in 64 bits: a machine whose directory does not fit is refused by the sizing pass.
  const cpus = <u64>nr_cpus;
  const m = <u64>maxCgroups;
  const b = base64;
  unchecked((b[LC_PC] = 0));
  unchecked((b[LC_MEMCG_STOCK] = <u64>nCounters * 3));
  unchecked((b[LC_OBJ_STOCK] = b[LC_MEMCG_STOCK] + cpus));
  unchecked((b[LC_LRU_BATCH] = b[LC_OBJ_STOCK] + cpus));
  unchecked((b[LC_PCSTOCK] = b[LC_LRU_BATCH] + cpus));
  unchecked((b[LC_STATS_PCPU] = b[LC_PCSTOCK] + cpus * <u64>per));
  unchecked((b[LC_STATS_UPDATES] = b[LC_STATS_PCPU] + m * cpus));
  unchecked((b[LC_LRUVEC] = b[LC_STATS_UPDATES] + m));
  unchecked((b[LC_OBJCG] = b[LC_LRUVEC] + m * <u64>nr_nodes));
  unchecked((b[LC_TCPMEM] = b[LC_OBJCG] + m));
  unchecked((b[LC_RSTAT_LOCK] = b[LC_TCPMEM] + m * 3));
  unchecked((b[LC_RSTAT_CPU] = b[LC_RSTAT_LOCK] + 1));
  unchecked((b[LC_TASK] = b[LC_RSTAT_CPU] + cpus));
  nTasks = max(maxTasks, 0);
  unchecked((b[NR_LC] = b[LC_TASK] + <u64>nTasks));
  const lines = unchecked(b[NR_LC]);
  for (let k = 0; k <= NR_LC; k++) unchecked((base[k] = <i32>min<u64>(b[k], <u64>i32.MAX_VALUE)));
  bMemcgStock = unchecked(base[LC_MEMCG_STOCK]);
  bObjStock = unchecked(base[LC_OBJ_STOCK]);
  bLruBatch = unchecked(base[LC_LRU_BATCH]);
  bPcstock = unchecked(base[LC_PCSTOCK]);
  bStatsPcpu = unchecked(base[LC_STATS_PCPU]);
  bStatsUpd = unchecked(base[LC_STATS_UPDATES]);
  bLruvec = unchecked(base[LC_LRUVEC]);
  bObjcg = unchecked(base[LC_OBJCG]);
  bTcpmem = unchecked(base[LC_TCPMEM]);
  nLines = <i32>min<u64>(lines, <u64>i32.MAX_VALUE);
  strideShift = 4;
  while ((<usize>1 << strideShift) < R_SHARERS + (<usize>words << 3)) strideShift++;
  stride = <usize>1 << strideShift;
  dir = table_alloc("cost: line directory", lines, <i32>stride);
  lineStats = table_alloc("cost: line statistics", lines, 16);
  holds = table_alloc("cost: line holds", lines, <i32>HOLD_BYTES);
  longOf = table_alloc("cost: line long histories", lines, 4);
  longRing = table_alloc("cost: long history periods", NR_LONG * LONG_CAP, 16);
  longLen = table_alloc("cost: long history lengths", NR_LONG, 4);
  longHead = table_alloc("cost: long history heads", NR_LONG, 4);
  longHint = table_alloc("cost: long history search hints", NR_LONG * nr_cpus, 4);
  longLine = table_alloc("cost: long history lines", NR_LONG, 4);
  nFolios = maxFolios;
  folioOwner = table_alloc("cost: folio owners", maxFolios, 4);
  nSwapLines = (max(swapPages, 1) + 31) >> 5;
  swapOwner = table_alloc("cost: swap_cgroup owners", nSwapLines, 4);
  distTab = table_alloc("cost: cpu distances", cpus * cpus, 1);
  rstatUpd = table_alloc("cost: rstat updated", m * cpus, 1);
  clk = table_alloc("cost: cpu clocks", nr_cpus, 8);
  idle = table_alloc("cost: cpu idle", nr_cpus, 8);
  waited = table_alloc("cost: cpu waits", nr_cpus, 8);
  if (dir == 0 || lineStats == 0 || holds == 0 || longOf == 0 || longRing == 0 || longLen == 0 || longHead == 0 || longHint == 0 || longLine == 0 || folioOwner == 0 || swapOwner == 0 ||
    distTab == 0 || rstatUpd == 0 || clk == 0 || idle == 0 || waited == 0) return false;
  for (let a = 0; a < nr_cpus; a++) for (let c = 0; c < nr_cpus; c++) store<u8>(distTab + <usize>a * <usize>nr_cpus + <usize>c, <u8>topo_dist(a, c));
  for (let i = 0; i < nLines; i++) store<i32>(rec(i) + R_OWNER, -1);
  for (let i = 0; i < NR_LONG; i++) store<i32>(longLine + (<usize>i << 2), -1);
  longUsed = 0;
  for (let i = 0; i < maxFolios; i++) store<i32>(folioOwner + (<usize>i << 2), -1);
  for (let i = 0; i < nSwapLines; i++) store<i32>(swapOwner + (<usize>i << 2), -1);
  return true;
}

// ── the directory ──────────────────────────────────────────────────────────────────────

@inline function dist(a: i32, b: i32): i32 {
  return <i32>load<u8>(distTab + <usize>a * <usize>nr_cpus + <usize>b);
}
function topo_dist(a: i32, b: i32): i32 {
  if (a == b) return D_HIT;
  if (cpu_core(a) == cpu_core(b)) return D_SMT;
  if (cpu_llc(a) == cpu_llc(b)) return D_LLC;
  return cpu_socket(a) == cpu_socket(b) ? D_SOCKET : D_REMOTE;
}
@inline function rec(line: i32): usize {
  return dir + (<usize>line << strideShift);
}
@inline function lst(line: i32): usize {
  return lineStats + (<usize>line << 4);
}
@inline function sh(line: i32, w: i32): usize {
  return rec(line) + R_SHARERS + (<usize>w << 3);
}
@inline function is_sharer(line: i32, c: i32): bool {
  return (load<u64>(sh(line, c >> 6)) & (<u64>1 << <u64>(c & 63))) != 0;
}

// The home node of a line: per-CPU data on its CPU's node, the rest on node 0 (memcg
// structures are allocated when the cgroup is made, from whatever node; the model picks 0).
function home(line: i32): i32 {
  const b = unchecked(base[LC_MEMCG_STOCK]);
  if (line >= b && line < unchecked(base[LC_STATS_UPDATES])) return cpu_to_node((line - b) % nr_cpus);
  const l = unchecked(base[LC_LRUVEC]);
  if (line >= l && line < unchecked(base[LC_OBJCG])) return (line - l) % nr_nodes;
  const r = unchecked(base[LC_RSTAT_CPU]);
  if (line >= r && line < unchecked(base[LC_TASK])) return cpu_to_node(line - r);
  return 0;
}

// Where c finds the line, and (for a write) the farthest copy it must invalidate.
function locate(line: i32, c: i32, write: bool): i32 {
  const own = load<i32>(rec(line) + R_OWNER);
  if (own == c) return D_HIT;
  if (!write && is_sharer(line, c)) return D_HIT;
  if (own >= 0) return dist(c, own);
  let near = -1;
  let far = -1;
  for (let w = 0; w < words; w++) {
    let bits = load<u64>(sh(line, w));
    while (bits != 0) {
      const s = (w << 6) + <i32>ctz(bits);
      bits &= bits - 1;
      if (s == c) continue;
      const d = dist(c, s);
      if (near < 0 || d < near) near = d;
      if (d > far) far = d;
    }
  }
  if (near < 0) {
    if (is_sharer(line, c)) return D_HIT; // the only copy is c's own: an upgrade in place
    return home(line) == cpu_to_node(c) ? D_MEM_LOCAL : D_MEM_REMOTE;
  }
  return write ? max(far, near) : near;
}

@inline function flush_clock(): void {
  store<f64>(clk + (<usize>cur << 3), curClk);
}
@inline function switch_cpu(cpu: i32): void {
  store<f64>(clk + (<usize>cur << 3), curClk);
  cur = cpu;
  curBit = <u64>1 << <u64>(cpu & 63);
  curWord = <usize>(cpu >> 6) << 3;
  curClk = load<f64>(clk + (<usize>cpu << 3));
}

function account(c: i32, d: i32, kind: i32, waitCycles: f64, line: i32): f64 {
  let cost = unchecked(costs[d]);
  if (kind == ACC_ATOMIC) {
    cost += atomicCost;
    atomics += 1;
  }
  if (d == D_HIT) hits += 1;
  else unchecked((stats[CS_XFER_BASE + d] += 1)); // CS_ACCESSES is their sum
  if (waitCycles > 0) {
    const wo = waited + (<usize>c << 3);
    store<f64>(wo, load<f64>(wo) + waitCycles);
  }
  if (line >= 0) {
    if (d != D_HIT) {
      const xo = lst(line) + R_XFERS;
      store<f64>(xo, load<f64>(xo) + 1);
    }
    if (waitCycles > 0) {
      const lw = lst(line) + R_WAIT;
      store<f64>(lw, load<f64>(lw) + waitCycles);
    }
  }
  return cost;
}

/** One access by the current CPU to a directory line. */
// The owner of a line (Modified/Exclusive) also has its sharer bit, the only bit then set, so a
// read hits exactly when cur's bit is set: one load and a test. A write hits when cur owns it.
@inline export function cost_access(line: i32, kind: i32): void {
  // The miss is called through a function reference (call_indirect; made here, so the off build
  // has none): binaryen inlines no function with a direct call beyond one caller (cost-model.md).
  const accessMiss: (line: i32, kind: i32) => void = cost_access_miss;
  const r = rec(line);
  if (kind == ACC_READ) {
    if ((load<u64>(r + R_SHARERS + curWord) & curBit) != 0) {
      curClk += hitCost; // here (owned or shared), for a read
      hits += 1;
    } else accessMiss(line, kind);
  } else if (load<i32>(r + R_OWNER) == cur) {
    // Modified/Exclusive here: no transfer, no wait
    curClk += kind == ACC_ATOMIC ? hitCost + atomicCost : hitCost;
    hits += 1;
    if (kind == ACC_ATOMIC) atomics += 1;
  } else accessMiss(line, kind);
}

function cost_access_miss(line: i32, kind: i32): void {
  const own = load<i32>(rec(line) + R_OWNER);
  const c = cur;
  const oo = rec(line) + R_OWNER;
  const write = kind != ACC_READ;
  const d = locate(line, c, write);
  let t = curClk;
  let w: f64 = 0;
  const h = holds + <usize>line * HOLD_BYTES;
  const lr = load<i32>(longOf + (<usize>line << 2)) - 1;
  if (d != D_HIT) {
    if (sortedHolds < 0) sortedHolds = holds_sortable() ? 1 : 0;
    const cost = unchecked(costs[d]) + (kind == ACC_ATOMIC ? atomicCost : 0);
    t = lr >= 0 ? long_wait(lr, t, cost) : sortedHolds > 0 ? hold_wait_sorted(h, t, cost) : hold_wait(h, t, cost);
    w = t - curClk;
  }
  const start = t;
  t += account(c, d, kind, w, line);
  if (write && d != D_HIT) {
    if (lr >= 0) long_add(lr, start, t, longAt);
    else if (sortedHolds > 0) hold_add_sorted(line, h, start, t);
    else hold_add(line, h, start, t);
  }
  if (write) {
    for (let i = 0; i < words; i++) store<u64>(sh(line, i), 0);
    const p = sh(line, c >> 6);
    store<u64>(p, <u64>1 << <u64>(c & 63)); // the owner's own bit
    store<i32>(oo, c);
  } else if (d != D_HIT) {
    if (own >= 0) {
      const p = sh(line, own >> 6);
      store<u64>(p, load<u64>(p) | (<u64>1 << <u64>(own & 63)));
      store<i32>(oo, -1);
    }
    const p = sh(line, c >> 6);
    store<u64>(p, load<u64>(p) | (<u64>1 << <u64>(c & 63)));
  }
  curClk = t;
}

// When a transfer of `cost` cycles wanted at t may begin: after the end of any hold that
// [t, t + cost) overlaps, repeated while the new start overlaps another (at most NR_HOLDS
// rounds: each hold moves t once, past its end).
function hold_wait(h: usize, t: f64, cost: f64): f64 {
  for (let round = 0; round < NR_HOLDS; round++) {
    let moved = false;
    for (let i = 0; i < NR_HOLDS; i++) {
      const o = h + (<usize>i << 4);
      const e = load<f64>(o, 8);
      if (t < e && t + cost > load<f64>(o)) {
        t = e;
        moved = true;
      }
    }
    if (!moved) break;
  }
  return t;
}
// Record the hold [s, e). One that begins where a busy period ends (it queued behind it) or
// ends where one begins joins that period, so a queue of transfers stays one period however
// long it grows; otherwise it takes the place of the period that ended first.
function hold_add(line: i32, h: usize, s: f64, e: f64): void {
  let before = -1; // the period ending at s
  let after = -1; // the period beginning at e
  let j = 0;
  let first = load<f64>(h, 8);
  for (let i = 0; i < NR_HOLDS; i++) {
    const o = h + (<usize>i << 4);
    const ps = load<f64>(o);
    const pe = load<f64>(o, 8);
    if (pe > ps) {
      if (pe == s) before = i;
      else if (ps == e) after = i;
    }
    if (pe < first) {
      first = pe;
      j = i;
    }
  }
  if (before >= 0 && after >= 0) {
    // it fills the gap between two periods: one period, the other slot freed
    const ob = h + (<usize>before << 4);
    const oa = h + (<usize>after << 4);
    store<f64>(ob, load<f64>(oa, 8), 8);
    store<f64>(oa, 0);
    store<f64>(oa, 0, 8);
  } else if (before >= 0) store<f64>(h + (<usize>before << 4), e, 8);
  else if (after >= 0) store<f64>(h + (<usize>after << 4), s);
  else {
    const o = h + (<usize>j << 4);
    // a full ring takes a free long history, or, once none is free, tries to take one from
    // another line at every 64th transfer of this one (that scan is not free)
    if (load<f64>(o, 8) > load<f64>(o) && (longUsed < NR_LONG || (<i64>load<f64>(lst(line) + R_XFERS) & 63) == 0) && long_take(line, h)) {
      long_add(load<i32>(longOf + (<usize>line << 2)) - 1, s, e, -1); // the 4 periods moved there
      return;
    }
    store<f64>(o, s);
    store<f64>(o, e, 8);
  }
}

// The same rules on sorted periods. Every hold is then a period of positive length (a
// transfer costs a cycle or more, and a clock below 2^53 cycles grows by it), so the periods
// never overlap and have distinct ends, and hold_wait's and hold_add's results depend only on
// the set of periods, not on their slots (only a zero-length hold, which ties with a period
// ending where it sits, would make the slot order count): kept sorted and right-aligned, the
// empty ones ([0, 0), ending at 0, before every period since clocks start at 0) first, the
// ends ascend and the last is the line's latest. A transfer after the latest (two thirds of
// the misses on the bench mix) then reads one end; a hold that ends the history (most of the
// rest) replaces the earliest by moving the others down a slot.
function holds_sortable(): bool {
  for (let d = D_SMT; d < NR_DIST; d++) if (!(unchecked(costs[d]) >= 1)) return false;
  return true;
}
function hold_wait_sorted(h: usize, t: f64, cost: f64): f64 {
  if (t >= load<f64>(h, 56)) return t; // after every period
  // the first period ending after t (the last one does), then each one the transfer would
  // overlap moves its start to that period's end (long_wait's rule)
  let i = <i32>(load<f64>(h, 8) <= t) + <i32>(load<f64>(h, 24) <= t) + <i32>(load<f64>(h, 40) <= t);
  for (; i < NR_HOLDS; i++) {
    const o = h + (<usize>i << 4);
    if (t + cost <= load<f64>(o)) break;
    t = load<f64>(o, 8);
  }
  return t;
}
function hold_add_sorted(line: i32, h: usize, s: f64, e: f64): void {
  // p: the slots (the empty ones included) ending at or before s; the hold goes right after them
  const p = <i32>(load<f64>(h, 8) <= s) + <i32>(load<f64>(h, 24) <= s) + <i32>(load<f64>(h, 40) <= s) + <i32>(load<f64>(h, 56) <= s);
  if (p > 0) {
    const ob = h + (<usize>(p - 1) << 4);
    if (load<f64>(ob, 8) == s && s > load<f64>(ob)) {
      // it queued behind the period ending at s
      if (p < NR_HOLDS && load<f64>(ob, 16) == e) {
        // and fills the gap to the next one: one period (in slot p), the earlier ones move up
        store<f64>(ob, load<f64>(ob), 16);
        for (let k = p - 1; k > 0; k--) {
          const o = h + (<usize>k << 4);
          store<f64>(o, load<f64>(o - 16));
          store<f64>(o, load<f64>(o - 16, 8), 8);
        }
        store<f64>(h, 0);
        store<f64>(h, 0, 8);
      } else store<f64>(ob, e, 8);
      return;
    }
  }
  if (p < NR_HOLDS) {
    const oa = h + (<usize>p << 4);
    if (load<f64>(oa) == e) {
      store<f64>(oa, s); // the next period begins where it ends
      return;
    }
  }
  // a new period in the place of the earliest (slot 0: an empty one, or with all four in use
  // the one that ended first); as hold_add, a full line first tries to take a long history
  if (load<f64>(h, 8) > load<f64>(h) && (longUsed < NR_LONG || (<i64>load<f64>(lst(line) + R_XFERS) & 63) == 0) && long_take(line, h)) {
    long_add(load<i32>(longOf + (<usize>line << 2)) - 1, s, e, -1);
    return;
  }
  let q = p - 1; // its slot: the ones before it move down a slot over slot 0
  if (q < 0) q = 0;
  for (let k = 0; k < q; k++) {
    const o = h + (<usize>k << 4);
    store<f64>(o, load<f64>(o, 16));
    store<f64>(o, load<f64>(o, 24), 8);
  }
  const o = h + (<usize>q << 4);
  store<f64>(o, s);
  store<f64>(o, e, 8);
}

// ── long histories (see longOf) ──
// Lend line a ring when its 4 periods overflow: a free one, else the one whose line has the
// fewest transfers, if line has more. Its periods move there (sorted); false if none lent.
function long_take(line: i32, h: usize): bool {
  let r = -1;
  let fewest = load<f64>(lst(line) + R_XFERS);
  for (let i = 0; i < NR_LONG; i++) {
    const l = load<i32>(longLine + (<usize>i << 2));
    if (l < 0) {
      r = i;
      break;
    }
    const x = load<f64>(lst(l) + R_XFERS);
    if (x < fewest) {
      fewest = x;
      r = i;
    }
  }
  if (r < 0) return false;
  const prev = load<i32>(longLine + (<usize>r << 2));
  if (prev < 0) longUsed++;
  if (prev >= 0) store<i32>(longOf + (<usize>prev << 2), 0); // that line starts again with 4 empty periods
  if (prev >= 0) memory.fill(holds + <usize>prev * HOLD_BYTES, 0, HOLD_BYTES);
  store<i32>(longLine + (<usize>r << 2), line);
  store<i32>(longLen + (<usize>r << 2), 0);
  store<i32>(longHead + (<usize>r << 2), LONG_N >> 1);
  store<i32>(longOf + (<usize>line << 2), r + 1);
  for (let i = 0; i < NR_HOLDS; i++) {
    const o = h + (<usize>i << 4);
    const ps = load<f64>(o);
    const pe = load<f64>(o, 8);
    if (pe > ps) long_add(r, ps, pe, -1);
  }
  return true;
}
@inline function long_slots(r: i32): usize {
  return longRing + ((<usize>r * <usize>LONG_CAP) << 4);
}
@inline function long_at(r: i32, i: i32): usize {
  return long_slots(r) + (<usize>(load<i32>(longHead + (<usize>r << 2)) + i) << 4);
}
// Open a slot at position p of ring r (n periods, n < LONG_N): the shorter side moves by one
// (the whole ring is centred first when that side has no free slot). Returns its address.
function long_open(r: i32, n: i32, p: i32): usize {
  const hp = longHead + (<usize>r << 2);
  const b = long_slots(r);
  let head = load<i32>(hp);
  const front = p < n - p;
  if (front ? head == 0 : head + n == LONG_CAP) {
    const c = (LONG_CAP - n) >> 1;
    memory.copy(b + (<usize>c << 4), b + (<usize>head << 4), <usize>n << 4);
    head = c;
  }
  // (no memory.copy of nothing: an append at either end moves no period, and a call is not free)
  if (front) {
    if (p > 0) memory.copy(b + (<usize>(head - 1) << 4), b + (<usize>head << 4), <usize>p << 4);
    head--;
  } else if (p < n) memory.copy(b + (<usize>(head + p + 1) << 4), b + (<usize>(head + p) << 4), <usize>(n - p) << 4);
  store<i32>(hp, head);
  return b + (<usize>(head + p) << 4);
}
// Remove the period at position p of ring r (n periods): the shorter side moves by one.
function long_remove(r: i32, n: i32, p: i32): void {
  const hp = longHead + (<usize>r << 2);
  const b = long_slots(r);
  const head = load<i32>(hp);
  if (p < n - 1 - p) {
    if (p > 0) memory.copy(b + (<usize>(head + 1) << 4), b + (<usize>head << 4), <usize>p << 4);
    store<i32>(hp, head + 1);
  } else if (n - p - 1 > 0) memory.copy(b + (<usize>(head + p) << 4), b + (<usize>(head + p + 1) << 4), <usize>(n - p - 1) << 4);
}
// The first period of ring r (n in use) that ends after t (the ends are sorted: the periods
// never overlap). Branch-free halving: the comparison only picks the next half.
function long_find(r: i32, n: i32, t: f64): i32 {
  return long_lb(long_at(r, 0), 0, n, t);
}
// The first of [lo, hi) in the periods at b that ends after t, given that those before lo end
// at or before t and the one at hi (if any) after it.
@inline function long_lb(b: usize, lo: i32, hi: i32, t: f64): i32 {
  let len = hi - lo;
  while (len > 0) {
    const half = len >> 1;
    const m = lo + half;
    const before = load<f64>(b + (<usize>m << 4), 8) <= t;
    lo = select<i32>(m + 1, lo, before);
    len = select<i32>(len - half - 1, half, before);
  }
  return lo;
}
// long_find from where the current CPU's last search in ring r ended: each CPU's clock only
// grows, so its next answer is at or near there. Galloping from the hint, then halving: the
// same answer as long_find (the first period ending after t is unique), found in fewer steps.
function long_find_near(r: i32, n: i32, t: f64): i32 {
  const head = load<i32>(longHead + (<usize>r << 2));
  const b = long_slots(r) + (<usize>head << 4);
  const hp = longHint + ((<usize>r * <usize>nr_cpus + <usize>cur) << 2);
  let i = load<i32>(hp) - head;
  if (i < 0) i = 0;
  if (i > n) i = n;
  let lo = 0;
  let hi = n;
  if (i > 0 && load<f64>(b + (<usize>(i - 1) << 4), 8) > t) {
    // before i: gallop down
    hi = i - 1;
    for (let step = 1; ; step <<= 1) {
      const j = hi - step;
      if (j < 0) break;
      if (load<f64>(b + (<usize>j << 4), 8) <= t) {
        lo = j + 1;
        break;
      }
      hi = j;
    }
  } else if (i < n && load<f64>(b + (<usize>i << 4), 8) <= t) {
    // after i: gallop up
    lo = i + 1;
    for (let step = 1; ; step <<= 1) {
      const j = lo + step - 1;
      if (j >= n) break;
      if (load<f64>(b + (<usize>j << 4), 8) > t) {
        hi = j;
        break;
      }
      lo = j + 1;
    }
  } else {
    lo = i;
    hi = i;
  }
  const a = long_lb(b, lo, hi, t);
  store<i32>(hp, head + a);
  return a;
}
// hold_wait on a long history: from the first period ending after t, each one the transfer
// would overlap moves its start to that period's end.
// The index it stops at is where long_add puts a hold starting at the returned time (the
// periods before it end at or before that time, the one there begins after its end).
let longAt: i32 = 0;
function long_wait(r: i32, t: f64, cost: f64): f64 {
  const n = load<i32>(longLen + (<usize>r << 2));
  if (n == 0 || t >= load<f64>(long_at(r, n - 1), 8)) {
    longAt = n; // after every period (the search hints only speed searches up)
    return t;
  }
  let i = long_find_near(r, n, t);
  for (; i < n; i++) {
    const o = long_at(r, i);
    if (t + cost <= load<f64>(o)) break;
    t = load<f64>(o, 8);
  }
  longAt = i;
  return t;
}
// hold_add on a long history: join a period it touches, else insert in order (a full ring
// drops its earliest half, one move for LONG_N / 2 inserts; a period earlier than all kept
// ones is dropped instead). at: the first period ending after s when known (long_wait's), else -1.
function long_add(r: i32, s: f64, e: f64, at: i32): void {
  const lp = longLen + (<usize>r << 2);
  let n = load<i32>(lp);
  let p = at; // periods before p end at or before s
  if (p < 0 || (p > 0 && load<f64>(long_at(r, p - 1), 8) > s) || (p < n && load<f64>(long_at(r, p), 8) <= s)) p = long_find(r, n, s);
  if (p > 0 && load<f64>(long_at(r, p - 1), 8) == s) {
    const ob = long_at(r, p - 1);
    if (p < n && load<f64>(long_at(r, p)) == e) {
      store<f64>(ob, load<f64>(long_at(r, p), 8), 8);
      long_remove(r, n, p);
      store<i32>(lp, n - 1);
    } else store<f64>(ob, e, 8);
    return;
  }
  if (p < n && load<f64>(long_at(r, p)) == e) {
    store<f64>(long_at(r, p), s);
    return;
  }
  if (n == LONG_N) {
    if (p == 0) return;
    const k = min(p, LONG_N >> 1);
    const hp = longHead + (<usize>r << 2);
    store<i32>(hp, load<i32>(hp) + k);
    n -= k;
    p -= k;
  }
  const o = long_open(r, n, p);
  store<f64>(o, s);
  store<f64>(o, e, 8);
  store<i32>(lp, n + 1);
}

// An owner-only line (folio, swap_cgroup): every access takes it exclusively. Inline, no call
// and no branch between hit and miss: the owner's distance (dist(c, c) is D_HIT), or memory's
// for a line no CPU has taken yet (the folio's node, read at nodeAt only then: the record of an
// LRU neighbour is cold in the host's cache); its cycles; a count per distance class, hits too
// (stats' D_HIT slot, which cost_stat_get adds to hits). The same sums as before (these lines
// never wait).
@inline function owned_access(table: usize, i: i32, kind: i32, nodeAt: usize, narrow: bool): void {
  const p = table + (<usize>i << (narrow ? 1 : 2));
  let own: i32;
  if (narrow) {
    const v = <i32>load<u16>(p);
    own = select<i32>(-1, v, v == 0xffff);
  } else own = load<i32>(p);
  const c = cur;
  let d = dist(c, select<i32>(own, 0, own >= 0));
  if (own < 0) d = (nodeAt != 0 ? <i32>(load<u32>(nodeAt) >>> 16) : 0) == cpu_to_node(c) ? D_MEM_LOCAL : D_MEM_REMOTE;
  curClk += kind == ACC_ATOMIC ? unchecked(costs[d]) + atomicCost : unchecked(costs[d]);
  if (kind == ACC_ATOMIC) atomics += 1;
  unchecked((stats[CS_XFER_BASE + d] += 1)); // a hit here too: cost_stat_get adds hits
  if (narrow) store<u16>(p, <u16>c);
  else store<i32>(p, c);
}

// ── the charge path's lines ────────────────────────────────────────────────────────────

/** The line slot (0..2) of a page_counter field in a layout. */
@inline function pc_slot_of(l: i32, f: i32): i32 {
  if (l == PC_LAYOUT_2022) {
    if (f == PCF_USAGE || f == PCF_FAILCNT) return 0;
    if (f == PCF_EMIN || f == PCF_MIN_USAGE || f == PCF_CHILDREN_MIN_USAGE || f == PCF_ELOW || f == PCF_LOW_USAGE ||
      f == PCF_CHILDREN_LOW_USAGE || f == PCF_WATERMARK || f == PCF_LOCAL_WATERMARK) return 1;
    return 2; // min low high max parent
  }
  if (f == PCF_ELOW || f == PCF_LOW_USAGE || f == PCF_CHILDREN_LOW_USAGE || f == PCF_WATERMARK ||
    f == PCF_LOCAL_WATERMARK || f == PCF_FAILCNT) return 1;
  return 0; // usage min low high max emin min_usage children_min_usage (parent: see cost_pc_parent)
}
// Both layouts' slots fold to constants at the access sites (f is one there): a select, no load.
@inline function pc_slot(f: i32): i32 {
  return layout == PC_LAYOUT_2022 ? pc_slot_of(PC_LAYOUT_2022, f) : pc_slot_of(PC_LAYOUT_PRE_2022, f);
}
/** The line of field f of counter c. */
export function pc_line(c: i32, f: i32): i32 {
  return c * 3 + pc_slot(f);
}
/** An access to field f of page_counter c. */
@inline export function cost_pc(c: i32, f: i32, kind: i32): void {
  cost_access(c * 3 + pc_slot(f), kind);
}
/** Reading c->parent (the read-mostly line since 2022; with elow … failcnt before). */
@inline export function cost_pc_parent(c: i32): void {
  cost_access(c * 3 + (layout == PC_LAYOUT_2022 ? 2 : 1), ACC_READ);
}
/** This CPU's memcg_stock_pcp line. */
@inline export function cost_memcg_stock(cpu: i32, kind: i32): void {
  cost_access(bMemcgStock + cpu, kind);
}
/** This CPU's obj_stock_pcp line (consume/refill_obj_stock: local_trylock, plain stores). */
@inline export function cost_obj_stock(cpu: i32, kind: i32): void {
  cost_access(bObjStock + cpu, kind);
}
/** This CPU's lru_add folio_batch (folio_batch_add: a plain per-CPU store). */
@inline export function cost_lru_batch(cpu: i32): void {
  cost_access(bLruBatch + cpu, ACC_WRITE);
}
/** The obj_cgroup of memcg slot o: nr_charged_bytes (atomic_xchg / atomic_add). */
@inline export function cost_objcg(o: i32, kind: i32): void {
  if (o >= 0 && o < nMemcgs) cost_access(bObjcg + o, kind);
}
/** cpu's page_counter_stock of counter c (16 counters' stocks to a line). */
@inline export function cost_pcstock(cpu: i32, c: i32, kind: i32): void {
  cost_access(bPcstock + cpu + nr_cpus * (c >> 4), kind);
}
// An access that must hit: the current CPU touched the line earlier in the same sequence and
// no other CPU ran since (every access leaves the line here). The same accounting as the hit
// path of cost_access, without the directory lookup.
@inline function read_hit(): void {
  curClk += hitCost;
  hits += 1;
}
@inline function write_hit(line: i32): void {
  curClk += hitCost; // a hit holds nothing (see the header)
  hits += 1;
}
/**
 * propagate_protected_usage's reads when no counter has min/low (the skip): c->parent, and
 * unless c is the root min, min_usage, low and low_usage: each line looked up once (a
 * second read of a line, no other CPU between, must hit), the slots of the two layouts
 * written out (2022: parent, min, low on the read-mostly line, min_usage and low_usage on the
 * protection line; before: min, min_usage, low on the first line, parent and low_usage on
 * the second).
 */
export function cost_pc_unprotected(c: i32, hasParent: bool): void {
  if (layout == PC_LAYOUT_2022) {
    cost_access(c * 3 + 2, ACC_READ); // parent
    if (!hasParent) return;
    read_hit(); // min
    cost_access(c * 3 + 1, ACC_READ); // min_usage
    read_hit(); // low
    read_hit(); // low_usage
  } else {
    cost_access(c * 3 + 1, ACC_READ); // parent
    if (!hasParent) return;
    cost_access(c * 3, ACC_READ); // min
    read_hit(); // min_usage
    read_hit(); // low
    read_hit(); // low_usage
  }
}
/** c->parent read again at the end of a page_counter_try_charge level: its line was read there (max, or the watermark before 2022). */
@inline export function cost_pc_parent_hit(): void {
  read_hit();
}
/** The first level of memcg_rstat_updated from mod_memcg_state: this CPU's statistics line was just written. */
@inline export function cost_rstat_level_hot(m: i32, cpu: i32, flushDue: bool): void {
  cost_access(bStatsUpd + m, ACC_READ);
  if (!flushDue) write_hit(bStatsPcpu + m * nr_cpus + cpu);
}
/** One level of memcg_rstat_updated: read vmstats->stats_updates, then (unless a flush is due) this CPU's count. */
@inline export function cost_rstat_level(m: i32, cpu: i32, flushDue: bool): void {
  cost_access(bStatsUpd + m, ACC_READ);
  if (!flushDue) cost_access(bStatsPcpu + m * nr_cpus + cpu, ACC_WRITE);
}
/** One level of page_counter_try_charge: atomic_long_add_return on usage, then read max. */
@inline export function cost_pc_try_level(c: i32): void {
  cost_access(c * 3 + pc_slot(PCF_USAGE), ACC_ATOMIC);
  cost_access(c * 3 + pc_slot(PCF_MAX), ACC_READ);
}
/** memcg m's per-CPU statistics on cpu (and css_rstat_updated: m is on cpu's updated list). */
@inline export function cost_stats_pcpu(m: i32, cpu: i32): void {
  cost_access(bStatsPcpu + m * nr_cpus + cpu, ACC_WRITE);
  store<u8>(rstatUpd + <usize>m * <usize>nr_cpus + <usize>cpu, 1);
}
/** memcg m's shared vmstats->stats_updates. */
@inline export function cost_stats_updates(m: i32, kind: i32): void {
  cost_access(bStatsUpd + m, kind);
}
/** A field of memcg m's v1 tcpmem page_counter (laid out as struct page_counter). */
@inline export function cost_tcpmem(m: i32, f: i32, kind: i32): void {
  if (m >= 0 && m < nMemcgs) cost_access(bTcpmem + m * 3 + pc_slot(f), kind);
}
/** c->parent of memcg m's tcpmem counter (the read-mostly line since 2022; see cost_pc_parent). */
@inline export function cost_tcpmem_parent(m: i32): void {
  if (m >= 0 && m < nMemcgs) cost_access(bTcpmem + m * 3 + (layout == PC_LAYOUT_2022 ? 2 : 1), ACC_READ);
}
/** The rstat lock (the flusher's spin_lock_irq, and its unlock). */
export function cost_rstat_lock(kind: i32): void {
  cost_access(unchecked(base[LC_RSTAT_LOCK]), kind);
}
/** cpu's per-CPU rstat lock, taken and released by the flushing CPU. */
export function cost_rstat_cpu_lock(cpu: i32): void {
  const l = unchecked(base[LC_RSTAT_CPU]) + cpu;
  cost_access(l, ACC_ATOMIC); // raw_spin_lock_irqsave
  cost_access(l, ACC_WRITE); // raw_spin_unlock_irqrestore
}
/**
 * The flush of memcg m on cpu (mem_cgroup_css_rstat_flush): if m is on cpu's updated list,
 * the flushing CPU reads m's per-CPU statistics of cpu and writes their prev copies (the
 * line moves to the flusher); false when m had nothing pending on cpu.
 */
export function cost_rstat_flush_cpu(m: i32, cpu: i32): bool {
  const p = rstatUpd + <usize>m * <usize>nr_cpus + <usize>cpu;
  if (load<u8>(p) == 0) return false;
  store<u8>(p, 0);
  cost_access(bStatsPcpu + m * nr_cpus + cpu, ACC_WRITE);
  return true;
}
/** The lines of task t that the OOM victim selection reads (oom_evaluate_task, oom_badness). */
export function cost_task(t: i32): void {
  if (t >= 0 && t < nTasks) cost_access(unchecked(base[LC_TASK]) + t, ACC_READ);
}
/** A sleep of ns on the current CPU (schedule_timeout of memory.high throttling): its clock moves on, idle. */
export function cost_sleep_ns(ns: i64): void {
  if (ns <= 0) return;
  const t = <f64>ns * unchecked(costs[COST_NS]);
  curClk += t;
  const io = idle + (<usize>cur << 3);
  store<f64>(io, load<f64>(io) + t);
}

/** lruvec of m on node: lru_lock (a LOCKed op) and the list heads on its line. */
@inline export function cost_lruvec(m: i32, node: i32): void {
  cost_access(bLruvec + m * nr_nodes + node, ACC_ATOMIC);
}
/** The folio's struct (memcg_data, flags, LRU links); nodeAt: folio_nid_at(id), read only if needed. */
@inline export function cost_folio(id: i32, nodeAt: usize): void {
  if (id >= 0 && id < nFolios) owned_access(folioOwner, id, ACC_WRITE, nodeAt, true);
}
/** A LOCKed op on the folio's struct (folio_try_get, folio_test_clear_lru, folio_trylock). */
export function cost_folio_atomic(id: i32, nodeAt: usize): void {
  if (id >= 0 && id < nFolios) owned_access(folioOwner, id, ACC_ATOMIC, nodeAt, true);
}
/** A swap_cgroup record of entry e (swap_cgroup_record / lookup, atomic since 6.15). */
export function cost_swap_cgroup(e: i32, kind: i32): void {
  const l = e >> 5;
  if (l >= 0 && l < nSwapLines) owned_access(swapOwner, l, kind, 0, false); // node 0
}

// ── operations and CPUs ────────────────────────────────────────────────────────────────

/** An operation of kind k starts on cpu (nested calls count in the outer one). */
export function cost_op_begin(cpu: i32, k: i32): void {
  if (depth++ > 0) return;
  switch_cpu(cpu);
  opKind = k;
  opStart = curClk;
  curClk += unchecked(costs[COST_WORK]);
}
export function cost_op_end(): void {
  if (--depth > 0) return;
  depth = 0;
  unchecked((stats[CS_OPK_CYCLES + opKind] += curClk - opStart));
  unchecked((stats[CS_OPK_OPS + opKind] += 1));
}
/** An operation outside the charge entry points (file ops, mkdir): begun only with the model on. */
export function cost_other_begin(cpu: i32, k: i32): bool {
  if (!cost_on || cpu < 0 || cpu >= nr_cpus) return false;
  cost_op_begin(cpu, k);
  return true;
}
export function cost_other_end(begun: bool): void {
  if (begun) cost_op_end();
}
/** Work queued on another CPU runs there (a drain worker): its accesses are that CPU's. */
export function cost_enter_cpu(cpu: i32): i32 {
  const prev = cur;
  switch_cpu(cpu);
  return prev;
}
export function cost_leave_cpu(prev: i32): void {
  switch_cpu(prev);
}
/** Start cpu's clock no earlier than t cycles (a race's staggered start): idle time. */
export function cost_clock_set(cpu: i32, t: f64): void {
  flush_clock();
  const co = clk + (<usize>cpu << 3);
  const old = load<f64>(co);
  if (t > old) {
    const io = idle + (<usize>cpu << 3);
    store<f64>(io, load<f64>(io) + (t - old));
  }
  store<f64>(co, t);
  if (cpu == cur) curClk = t;
}
export function cost_clock(cpu: i32): f64 {
  return cpu == cur ? curClk : load<f64>(clk + (<usize>cpu << 3));
}

// ── reading (the host's costStats) ─────────────────────────────────────────────────────
export function cost_stat_get(i: i32): f64 {
  if (!cost_on || i < 0 || i >= NR_CS) return 0;
  if (i == CS_ATOMICS) return <f64>atomics;
  // the owner-only lines' hits are in stats' D_HIT slot: every count is an integer below 2^53
  if (i == CS_XFER_BASE + D_HIT) return <f64>hits + unchecked(stats[CS_XFER_BASE + D_HIT]);
  if (i == CS_ACCESSES) {
    let n: f64 = <f64>hits;
    for (let d = 0; d < NR_DIST; d++) n += unchecked(stats[CS_XFER_BASE + d]);
    return n;
  }
  return unchecked(stats[i]);
}
/** cpu's clock, busy or waiting cycles (which 0, 1, 2). */
export function cost_cpu_get(cpu: i32, which: i32): f64 {
  if (!cost_on || cpu < 0 || cpu >= nr_cpus) return 0;
  flush_clock();
  const o = <usize>cpu << 3;
  const c = load<f64>(clk + o);
  const w = load<f64>(waited + o);
  return which == 0 ? c : which == 1 ? c - w - load<f64>(idle + o) : w;
}
export function cost_lines(): i32 {
  return cost_on ? nLines : 0;
}
/** The lines' statistics for the host to read: per line (cost_lines of them) transfers and waiting cycles, two f64; 0 when off. */
export function cost_line_stats(): usize {
  return cost_on ? lineStats : 0;
}
/** The class of line l (LC_*) and its index within the class, for naming it. */
export function cost_line_class(l: i32): i32 {
  for (let k = NR_LC - 1; k >= 0; k--) if (l >= unchecked(base[k])) return k;
  return -1;
}
export function cost_line_index(l: i32): i32 {
  const k = cost_line_class(l);
  return k < 0 ? -1 : l - unchecked(base[k]);
}
/** The layout the page_counter lines follow (PC_LAYOUT_*). */
export function cost_layout(): i32 {
  return layout;
}
