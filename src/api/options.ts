// createSystem's options, checked whole before a core is made: an unknown key or value is
// refused by name, and a value out of the range the emulator's tables take says which
// option and the range (assembly/system.ts system_init refuses the same with a bare -EINVAL).

import { MemcgError } from '../core/errors.js';
import { findProfile, PROFILE_NAMES } from '../core/profiles.js';
import { pageCounterMemparse } from '../cgroupfs/memparse.js';
import { bool, int, obj, keys, oneOf, show } from './check.js';
import { TOPOLOGY_PRESETS } from '../core/topology.js';
import { COST_TABLES, INTEL_2S } from '../core/costs.js';

/** The option keys createSystem takes. */
export const OPTION_KEYS = [
  'profile', 'cgroupVersion', 'topology', 'seed', 'swapAccount', 'stock', 'chargeBatch', 'remoteDrain', 'oomVictimExit',
  'recursiveProtection', 'localEvents', 'autoEnableMemory', 'maxCgroups', 'maxFolios', 'maxTasks', 'swap', 'hz', 'kmem', 'lruAddBatch', 'preparedMm', 'maxFileEntries',
  'opCapacity', 'prefault', 'build', 'costModel',
] as const;

/** The emulator's table limits (system_init): what each sizing option may be. */
export const LIMITS = {
  nodes: 64,
  cpus: 8192,
  /** CPUs with the cost model (its directory's sharer bitmaps, assembly/system.ts). */
  costCpus: 1024,
  threadsPerCore: 8,
  maxCgroups: 1 << 24,
  maxFolios: 1 << 28,
  maxTasks: 65534,
  chargeBatch: 127, // the 7-slot stock keeps u8 page counts (<= 127 with a refill)
  opCapacity: 1 << 24,
  maxFileEntries: 1 << 26, // filemap_init: a table of 2 × that many i64 keys and values
  /** Pages a file can have (assembly/filemap.ts FILE_PAGES_MAX: the index its xarray keys hold). */
  filePages: 2 ** 36,
  /** readAheadKb and ioKb: pages in the core's i32 fields. */
  kib: 0x7fffffff,
  swapPages: 1 << 28, // 1T
} as const;

const U64_MAX = (1n << 64n) - 1n;

/** The seed as the core's u64. */
export function seedOf(v: unknown): bigint {
  if (v === undefined) return 1n;
  if (typeof v === 'bigint' && v >= 0n && v <= U64_MAX) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  throw new MemcgError('EINVAL', `option seed must be an integer in 0..2^64-1 (a number up to 2^53 or a bigint), not ${show(v)}`);
}

/** The swap option (bytes, or a size like '1G') in pages. */
export function swapPagesOf(swap: unknown): number {
  if (swap === undefined) return 0;
  if (typeof swap !== 'string' && !(typeof swap === 'number' && Number.isSafeInteger(swap) && swap >= 0)) {
    throw new MemcgError('EINVAL', `option swap must be a size in bytes or a string like "1G", not ${show(swap)}`);
  }
  const pages = pageCounterMemparse(String(swap), '');
  if (pages === null) throw new MemcgError('EINVAL', `option swap: ${show(swap)} is not a size (bytes, or a number with K/M/G/T)`);
  if (pages > LIMITS.swapPages) throw new MemcgError('EINVAL', `option swap: ${show(swap)} is larger than the emulator's swap device limit of 1T (${LIMITS.swapPages} pages)`);
  return pages;
}

/** Check every option (types, known keys and values, ranges); throws a MemcgError naming the option. */
export function checkOptions(options: unknown): void {
  const o = obj('createSystem options', options, true);
  keys('createSystem options', o, OPTION_KEYS);
  const opt = (k: string) => `option ${k}`;
  if (o.profile !== undefined && (typeof o.profile !== 'string' || !findProfile(o.profile))) {
    throw new MemcgError('EINVAL', `option profile: unknown profile ${show(o.profile)} (known: ${PROFILE_NAMES.join(', ')})`);
  }
  if (o.cgroupVersion !== undefined) oneOf(opt('cgroupVersion'), o.cgroupVersion, [1, 2]);
  const cpus = o.topology === undefined ? 4 : checkTopology(o.topology);
  if (o.costModel !== undefined) {
    checkCostModel(o.costModel);
    if (o.costModel !== false && cpus > LIMITS.costCpus) {
      throw new MemcgError('EINVAL', `option costModel: ${cpus} CPUs, more than the cost model's ${LIMITS.costCpus}`);
    }
  }
  seedOf(o.seed);
  for (const k of ['swapAccount', 'stock', 'recursiveProtection', 'localEvents', 'autoEnableMemory', 'kmem', 'lruAddBatch', 'preparedMm', 'prefault'] as const) if (o[k] !== undefined) bool(opt(k), o[k]);
  if (o.chargeBatch !== undefined) int(opt('chargeBatch'), o.chargeBatch, 1, LIMITS.chargeBatch);
  if (o.remoteDrain !== undefined) oneOf(opt('remoteDrain'), o.remoteDrain, ['schedule', 'immediate', 'deferred']);
  if (o.oomVictimExit !== undefined) oneOf(opt('oomVictimExit'), o.oomVictimExit, ['schedule', 'kill', 'oom']);
  // maxCgroups counts the root: 1 is a system with only the root cgroup.
  if (o.maxCgroups !== undefined) int(opt('maxCgroups'), o.maxCgroups, 1, LIMITS.maxCgroups);
  if (o.maxFolios !== undefined) int(opt('maxFolios'), o.maxFolios, 1, LIMITS.maxFolios);
  if (o.maxTasks !== undefined) int(opt('maxTasks'), o.maxTasks, 1, LIMITS.maxTasks);
  swapPagesOf(o.swap);
  if (o.hz !== undefined) oneOf(opt('hz'), o.hz, [100, 250, 300, 1000]);
  if (o.maxFileEntries !== undefined) int(opt('maxFileEntries'), o.maxFileEntries, 1, LIMITS.maxFileEntries);
  if (o.opCapacity !== undefined) int(opt('opCapacity'), o.opCapacity, 1, LIMITS.opCapacity);
  if (o.build !== undefined) oneOf(opt('build'), o.build, ['release', 'debug']);
}

/** The topology option (a preset, 'host', the sockets form or the { nodes, cpusPerNode } shorthand); its CPUs ('host': 0, read later). */
function checkTopology(v: unknown): number {
  const what = 'option topology';
  if (typeof v === 'string') {
    oneOf(what, v, ['host', ...Object.keys(TOPOLOGY_PRESETS)]);
    if (v === 'host') return 0;
    const t = TOPOLOGY_PRESETS[v].topology;
    return t.sockets * t.coresPerSocket * t.threadsPerCore;
  }
  const t = obj(what, v);
  if ('nodes' in t || 'cpusPerNode' in t) {
    keys(what, t, ['nodes', 'cpusPerNode']);
    const nodes = int(`${what}.nodes`, t.nodes, 1, LIMITS.nodes);
    const per = int(`${what}.cpusPerNode`, t.cpusPerNode, 1, LIMITS.cpus);
    if (nodes * per > LIMITS.cpus) throw new MemcgError('EINVAL', `${what}: ${nodes} × ${per} = ${nodes * per} CPUs, more than the emulator's ${LIMITS.cpus}`);
    return nodes * per;
  }
  keys(what, t, ['sockets', 'coresPerSocket', 'threadsPerCore', 'nodesPerSocket', 'coresPerLlc']);
  const sockets = int(`${what}.sockets`, t.sockets, 1, LIMITS.nodes);
  const cores = int(`${what}.coresPerSocket`, t.coresPerSocket, 1, LIMITS.cpus);
  const threads = t.threadsPerCore === undefined ? 1 : int(`${what}.threadsPerCore`, t.threadsPerCore, 1, LIMITS.threadsPerCore);
  const nps = t.nodesPerSocket === undefined ? 1 : int(`${what}.nodesPerSocket`, t.nodesPerSocket, 1, LIMITS.nodes);
  const perLlc = t.coresPerLlc === undefined ? cores / nps : int(`${what}.coresPerLlc`, t.coresPerLlc, 1, LIMITS.cpus);
  if (cores % nps !== 0) throw new MemcgError('EINVAL', `${what}: nodesPerSocket ${nps} does not divide coresPerSocket ${cores}`);
  if (!Number.isInteger(perLlc) || cores % perLlc !== 0) throw new MemcgError('EINVAL', `${what}: coresPerLlc ${perLlc} does not divide coresPerSocket ${cores}`);
  if (sockets * nps > LIMITS.nodes) throw new MemcgError('EINVAL', `${what}: ${sockets * nps} NUMA nodes, more than the emulator's ${LIMITS.nodes}`);
  const n = sockets * cores * threads;
  if (n > LIMITS.cpus) throw new MemcgError('EINVAL', `${what}: ${sockets} × ${cores} × ${threads} = ${n} CPUs, more than the emulator's ${LIMITS.cpus}`);
  return n;
}

/** costModel: true/false, or { table, costs, layout, protectionXchg } (src/core/costs.ts). */
function checkCostModel(v: unknown): void {
  const what = 'option costModel';
  if (typeof v === 'boolean') return;
  const c = obj(what, v);
  keys(what, c, ['table', 'costs', 'layout', 'protectionXchg']);
  if (c.table !== undefined) oneOf(`${what}.table`, c.table, Object.keys(COST_TABLES));
  if (c.costs !== undefined) {
    const costs = obj(`${what}.costs`, c.costs);
    keys(`${what}.costs`, costs, Object.keys(INTEL_2S));
    for (const [k, x] of Object.entries(costs)) {
      if (typeof x !== 'number' || !Number.isFinite(x) || x < 0 || (k === 'ghz' && x === 0)) {
        throw new MemcgError('EINVAL', `${what}.costs.${k} must be a number >= 0${k === 'ghz' ? ' (and not 0)' : ''}, not ${show(x)}`);
      }
    }
  }
  if (c.layout !== undefined) oneOf(`${what}.layout`, c.layout, ['2022', 'pre-2022']);
  if (c.protectionXchg !== undefined) oneOf(`${what}.protectionXchg`, c.protectionXchg, ['changed', 'always']);
}
