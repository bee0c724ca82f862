// The scenario document's structure, defined once with zod: it checks every file (with the
// messages of validate.ts) and is the source of the published JSON Schema
// (schema/scenario.schema.json, `npm run schema`), so an editor completes and checks scenario
// files that say "$schema". What depends on the rest of the document — cgroups declared,
// CPUs on the machine, tags charged, limit values per cgroup version — is checked after it,
// in scenario.ts.

import * as z from 'zod';
import { GFP_NAMES, parseGfp } from '../core/gfp.js';
import { PROFILE_NAMES } from '../core/profiles.js';
import { LIMITS } from '../api/options.js';
import { TOPOLOGY_PRESETS } from '../core/topology.js';
import { COST_TABLES, INTEL_2S } from '../core/costs.js';
import { OOM_SCORE_ADJ_MAX, OOM_SCORE_ADJ_MIN } from '../trace/trace.js';
import { cut, describe, parseSize } from './validate.js';

/** HPAGE_PMD_ORDER: a PMD-sized THP is the largest folio charged. */
export const MAX_ORDER = 9;
/** What a task expectation reads (System.task's fields). */
export const TASK_KEYS = ['alive', 'killed', 'anonPages', 'swapEntries', 'throttledMs', 'oomScoreAdj'] as const;
/** Steps that are not (the kernel has no such operation), and what to write instead. */
export const NO_SUCH_STEP: Record<string, string> = {
  'swap-out': 'no such step: the kernel swaps pages out only by reclaim; to swap out a cgroup\'s coldest anon pages, ' +
    'write its memory.reclaim, e.g. { "write": { "file": "a/memory.reclaim", "value": "16M swappiness=max" } }',
  'swap-in': 'no such step: a task swaps a page in by touching it; use access',
};

/** A union's own message for a value of none of its types (a missing one stays "missing"). */
const unionError = (message: string | ((input: unknown) => string)) => (iss: { input?: unknown }) =>
  iss.input === undefined ? undefined : typeof message === 'string' ? message : message(iss.input);

const int = (min?: number, max?: number) => {
  let s = z.int();
  if (min !== undefined) s = s.min(min);
  if (max !== undefined) s = s.max(max);
  return s;
};
const GFP_PATTERN = `^\\s*(${GFP_NAMES.join('|')})\\s*(\\|\\s*(${GFP_NAMES.join('|')})\\s*)*$`;

/** A byte size: bytes, or a string like "64M"; whole pages. Parsed to pages. */
const size = z
  .union([z.int().min(0), z.string().meta({ pattern: '^\\s*(0[xX][0-9a-fA-F]+|[0-9]+)[kKmMgGtTpPeE]?\\s*$' })], {
    error: unionError((v) => (typeof v === 'string' ? `invalid size ${JSON.stringify(cut(v))} (bytes, or a number with K/M/G/T/P/E suffix)` : 'a size is a non-negative integer of bytes or a string like "64M"')),
  })
  .transform((v, ctx) => {
    const pages = parseSize(v);
    if (typeof pages === 'string') {
      ctx.issues.push({ code: 'custom', message: pages, input: v });
      return z.NEVER;
    }
    return pages;
  })
  .meta({ description: 'bytes, or a number with a K/M/G/T/P/E suffix ("64M"); whole 4096-byte pages' });

const cpuList = z
  .union([z.literal('all'), z.array(z.int()), z.string()], { error: unionError('a CPU list is an array of CPU numbers, a string like "0-3" or "all"') })
  .meta({ description: 'CPU numbers: [0, 2], the cpuset list format "0-3,6", or "all"' });

const gfp = z
  .string()
  .check((ctx) => {
    try {
      parseGfp(ctx.value, () => 0);
    } catch (e) {
      ctx.issues.push({ code: 'custom', message: (e as Error).message.replace(/^EINVAL: /, ''), input: ctx.value });
    }
  })
  .meta({ description: 'gfp flags by the kernel\'s names joined by |, e.g. "GFP_KERNEL|__GFP_NOFAIL"', pattern: GFP_PATTERN });

const order = int(0, MAX_ORDER).meta({ description: `folio order: 2^order pages (0..${MAX_ORDER}, HPAGE_PMD_ORDER)` });
const cpu = int(0).meta({ description: 'a CPU number' });
const node = int(0).meta({ description: 'a NUMA node number' });
const kind = z.enum(['anon', 'file']);
const fileName = z.string().min(1).meta({ description: 'names the file for the later file steps' });
const fileOf = z.string().meta({ description: 'a file made by an earlier create-file or mmap-shared step' });
const kib = int(0, LIMITS.kib).meta({ description: 'KiB' });
const count = int(1);
const tag = z.string().meta({ description: 'names the folios charged, for a later free or access' });
const cgroupRef = z.string().meta({ description: 'a cgroup path ("a/b"; "" or "/" is the root)' });
const taskRef = z.string().meta({ description: 'a task of the tasks table' });
const fileRef = z.string().meta({ description: 'an interface file, like "a/memory.current"' });
const pages = int(1);

const target = { task: taskRef.optional(), cgroup: cgroupRef.optional() };
const pick = { folios: tag.optional(), ...target, count: count.optional(), every: int(1).optional(), cpu: cpu.optional() };

const expectation = z
  .strictObject({
    read: fileRef.optional(), key: z.string().optional(), sim: z.string().optional(), task: taskRef.optional(), variant: z.string().optional(),
    contains: z.string().optional(), equals: z.union([z.string(), z.number(), z.boolean()], { error: unionError('equals is a string, a number or true/false') }).optional(),
    matches: z.string().check((ctx) => {
      try {
        new RegExp(ctx.value, 'm');
      } catch (e) {
        ctx.issues.push({ code: 'custom', message: (e as Error).message, input: ctx.value });
      }
    }).optional(),
    atLeast: z.number().optional(), atMost: z.number().optional(),
  })
  .meta({ description: 'one of read, sim or task, and at least one check: contains, equals, matches, atLeast, atMost' });

/** The steps: each an object with one key, its name. */
export const STEPS = {
  charge: z.strictObject({ ...target, cpu: cpu.optional(), order: order.optional(), kind: kind.optional(), gfp: gfp.optional(), node: node.optional(), count: count.optional(), tag: tag.optional() }),
  fault: z.strictObject({ ...target, cpu: cpu.optional(), order: order.optional(), gfp: gfp.optional(), node: node.optional(), count: count.optional(), tag: tag.optional() }),
  free: z.strictObject({ ...pick, batch: z.boolean().optional() }),
  write: z.strictObject({ file: fileRef, value: z.union([z.string(), z.number()], { error: unionError('a value is a string or a number') }), cpu: cpu.optional() }),
  read: fileRef,
  expect: expectation,
  faults: z.strictObject({
    ...target, pages: pages.optional(), size: size.optional(), cpus: cpuList.optional(), order: order.optional(), kind: kind.optional(),
    gfp: gfp.optional(), node: node.optional(), tag: tag.optional(), rate: z.number().gt(0).meta({ description: 'pages per simulated ms' }).optional(),
  }),
  stream: z.strictObject({ ...target, pages: pages.optional(), size: size.optional(), cpu: cpu.optional(), order: order.optional(), tag: tag.optional() }),
  thp: z.strictObject({ ...target, count: count.optional(), size: size.optional(), cpus: cpuList.optional(), gfp: gfp.optional(), tag: tag.optional() }),
  'grow-then-free': z.strictObject({
    ...target, pages: pages.optional(), size: size.optional(), cpus: cpuList.optional(), order: order.optional(), gfp: gfp.optional(),
    repeat: int(1).optional(), tag: tag.optional(),
  }),
  thrash: z.strictObject({
    cgroups: z.union([int(1, 4096), z.array(cgroupRef)], { error: unionError('cgroups is a number of cgroups (1..4096) or a list of cgroup paths') }),
    prefix: z.string().optional(), cpu: cpu.optional(), cpus: cpuList.optional(), charges: count, order: order.optional(), gfp: gfp.optional(),
    pick: z.enum(['round-robin', 'random']).optional(), tag: tag.optional(),
  }),
  sockets: z.strictObject({
    cgroups: z.union([int(1, 4096), z.array(cgroupRef)], { error: unionError('cgroups is a number of cgroups (1..4096) or a list of cgroup paths') }),
    prefix: z.string().optional(), cpus: cpuList.meta({ description: 'the CPUs processing the packets (softirq): each one packet a round, in the arrival order' }),
    readers: cpuList.meta({ description: 'the CPUs the reader tasks run on: cgroup i\'s packets are uncharged on readers[i mod n] (default: the CPU that charged)' }).optional(),
    packets: count, pages: int(1, 255).meta({ description: 'pages per packet (default 1)' }).optional(),
    gfp: gfp.meta({ description: 'default GFP_ATOMIC (gfp_memcg_charge() in softirq)' }).optional(),
    pick: z.enum(['round-robin', 'random', 'per-cpu']).meta({ description: 'whose packet a CPU processes next (default random)' }).optional(),
    spread: int(1).meta({ description: 'a CPU serves `spread` cgroups: its own by index and the next ones (default all)' }).optional(),
    server: cgroupRef.meta({
      description: 'the cgroup of the receiving sockets (netserver\'s, over loopback): each packet is charged to it too on the sending CPU (the receive runs in softirq there), and uncharged on the reader\'s CPU (recvmsg) before the sender\'s charge is (the ACK frees the sent skb)',
    }).optional(),
    arrival: z.enum(['round-robin', 'shuffle']).meta({
      description: 'the order the CPUs\' packets come in each round: shuffle (default), a fresh seeded random order every round, as concurrent clients reach the shared lines; round-robin, the CPUs in list order',
    }).optional(),
  }).meta({ description: 'socket memory: per packet mem_cgroup_sk_charge on a CPU, then mem_cgroup_sk_uncharge when its reader consumes it' }),
  access: z.strictObject({ ...pick, gfp: gfp.optional() }),
  move: z.strictObject({ task: taskRef, to: cgroupRef }),
  wait: z.strictObject({ ms: z.number().min(0).meta({ description: 'simulated milliseconds, whole microseconds' }) }),
  // The file, mapping, mlock and swapoff steps (run through the API, not op records).
  'create-file': z.strictObject({
    name: fileName, kind: z.enum(['disk', 'tmpfs']).meta({ description: 'disk (default): a file already on disk; tmpfs: shmem, made by the task or cgroup' }).optional(),
    size: size.meta({ description: 'i_size of a disk file (a tmpfs file starts empty)' }).optional(),
    maxOrder: order.meta({ description: 'mapping_max_folio_order of the filesystem (0..9, default 9)' }).optional(),
    readAheadKb: kib.meta({ description: 'read_ahead_kb of the device (default 128)' }).optional(),
    ioKb: kib.meta({ description: 'the optimal I/O size of the device in KiB (default 0)' }).optional(),
    ...target, cpu: cpu.optional(),
  }),
  'read-file': z.strictObject({
    file: fileOf, ...target, cpu: cpu.optional(), offset: size.optional(), length: size.meta({ description: 'bytes to read (default: to the end)' }).optional(),
    chunk: size.meta({ description: 'bytes per read(2) (default 128K)' }).optional(),
  }),
  'write-file': z.strictObject({ file: fileOf, ...target, cpu: cpu.optional(), offset: size.optional(), length: size }),
  'truncate-file': z.strictObject({ file: fileOf, size, cpu: cpu.optional() }),
  'unlink-file': z.strictObject({ file: fileOf, cpu: cpu.optional() }),
  'mmap-shared': z.strictObject({ name: fileName, task: taskRef, cpu: cpu.optional(), size }),
  mlock: z.strictObject({ task: taskRef, cpu: cpu.optional(), pages: pages.optional(), size: size.optional() }),
  swapoff: z.strictObject({ cpu: cpu.optional() }),
} as const;
export type StepName = keyof typeof STEPS;
export const STEP_NAMES = Object.keys(STEPS) as StepName[];

const system = z.strictObject({
  profile: z.enum(PROFILE_NAMES as [string, ...string[]], { error: (iss) => `unknown profile ${describe(iss.input)} (known: ${PROFILE_NAMES.join(', ')})` }).optional(),
  cgroupVersion: int(1, 2).optional(),
  topology: z.union([
    z.enum(['host', ...Object.keys(TOPOLOGY_PRESETS)] as [string, ...string[]]).meta({ description: 'a preset (docs/cost-model.md), or host: this machine\'s /sys' }),
    z.strictObject({ nodes: int(1, LIMITS.nodes).optional(), cpusPerNode: int(1, LIMITS.cpus).optional() }),
    z.strictObject({
      sockets: int(1, LIMITS.nodes), coresPerSocket: int(1, LIMITS.cpus), threadsPerCore: int(1, LIMITS.threadsPerCore).optional(),
      nodesPerSocket: int(1, LIMITS.nodes).optional(), coresPerLlc: int(1, LIMITS.cpus).optional(),
    }),
  ], { error: unionError(`topology is a preset (host, ${Object.keys(TOPOLOGY_PRESETS).join(', ')}), { nodes, cpusPerNode } or { sockets, coresPerSocket, threadsPerCore?, nodesPerSocket?, coresPerLlc? }`) }).optional(),
  costModel: z.union([
    z.boolean(),
    z.strictObject({
      table: z.enum(Object.keys(COST_TABLES) as [string, ...string[]]).optional(),
      costs: z.strictObject(Object.fromEntries(Object.keys(INTEL_2S).map((k) => [k, z.number().min(0).optional()]))).optional(),
      layout: z.enum(['2022', 'pre-2022']).optional(),
      protectionXchg: z.enum(['changed', 'always']).optional(),
    }),
  ], { error: unionError('costModel is true/false or { table, costs, layout, protectionXchg }') })
    .meta({ description: 'the cache-coherence cost model (docs/cost-model.md; default false)' }).optional(),
  seed: int(0).optional(),
  ram: size.optional(),
  swap: size.optional(),
  swapAccount: z.boolean().optional(),
  stock: z.boolean().optional(),
  chargeBatch: int(1, LIMITS.chargeBatch).optional(),
  remoteDrain: z.enum(['schedule', 'immediate', 'deferred']).optional(),
  oomVictimExit: z.enum(['schedule', 'kill', 'oom']).optional(),
  recursiveProtection: z.boolean().optional(),
  localEvents: z.boolean().optional(),
  autoEnableMemory: z.boolean().meta({ description: 'v2: mkdir first enables memory in the parent\'s cgroup.subtree_control (default true)' }).optional(),
  maxCgroups: int(2, LIMITS.maxCgroups).optional(),
  maxFolios: int(1, LIMITS.maxFolios).optional(),
  kmem: z.boolean().meta({ description: 'kernel memory accounting (default true, as the kernel; false: as booted with cgroup.memory=nokmem)' }).optional(),
  maxFileEntries: int(1, LIMITS.maxFileEntries).meta({ description: 'page-cache entries and xarray nodes the emulator tracks (default 16384)' }).optional(),
  lruAddBatch: z.boolean().meta({ description: 'the per-CPU lru_add folio_batch (default true, as every kernel)' }).optional(),
  preparedMm: z.boolean().meta({ description: 'with kmem: tasks\' page tables and anon_vma exist before their faults, as memcg-sim live\'s helper makes them (default false)' }).optional(),
});
/** The keys of a scenario's system object (and of a variant). */
export const SYSTEM_KEYS = Object.keys(system.shape) as (keyof typeof system.shape)[];

/**
 * The scenario document. With catching, each element (a phase, a step, a task, an
 * expectation…) that fails is undefined instead of failing the whole: what is left is
 * checked further, so one run reports every mistake.
 */
export function scenarioSchema(catching: boolean) {
  const c = <T extends z.ZodType>(s: T) => (catching ? s.optional().catch(undefined) : s);
  const step = c(z.union(STEP_NAMES.map((n) => z.strictObject({ [n]: STEPS[n] }))));
  return z.strictObject({
    $schema: z.string().meta({ description: 'the JSON Schema of this file (ignored when run)' }).optional(),
    name: c(z.string()).optional(),
    description: c(z.string()).optional(),
    system: c(system).optional(),
    cgroups: c(z.record(z.string(), c(z.record(z.string(), z.union([z.string(), z.number()], { error: unionError('a setting is a string or a number') }))))).optional()
      .meta({ description: '"a/b": { "memory.max": "100M", … }: created parents first, each setting written through its file' }),
    tasks: c(z.record(z.string(), c(z.strictObject({ cgroup: cgroupRef, cpus: cpuList.optional(), oom_score_adj: int(OOM_SCORE_ADJ_MIN, OOM_SCORE_ADJ_MAX).optional() })))).optional(),
    workload: c(z.array(c(z.strictObject({ name: z.string().optional(), repeat: int(1).optional(), steps: z.array(step) })))).optional(),
    expect: c(z.array(c(expectation))).optional(),
    sample: c(z.strictObject({
      every: int(1).meta({ description: 'a row every N records' }).optional(),
      everyMs: z.number().min(0.001).meta({ description: 'a row every N simulated ms (at least 1 µs)' }).optional(),
      files: z.array(fileRef),
    })).optional(),
    variants: c(z.record(z.string(), c(system))).optional(),
    summary: c(z.strictObject({ cgroups: z.array(cgroupRef).optional() })).optional(),
  });
}

export const SCENARIO_SCHEMA = scenarioSchema(false);
export const CATCHING_SCHEMA = scenarioSchema(true);
export type ScenarioDoc = z.output<typeof CATCHING_SCHEMA>;

/** The published JSON Schema (draft 2020-12) of scenario files. */
export function scenarioJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(SCENARIO_SCHEMA, { io: 'input', unrepresentable: 'any' }),
    title: 'memcg-sim scenario',
  };
}
