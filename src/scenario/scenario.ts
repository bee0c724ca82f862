// Scenario files: one JSON document describes a whole experiment (system, cgroup tree, tasks,
// workload, expectations, sampling, variants). parseScenario checks the WHOLE document and
// reports every problem with its JSON path before anything runs; what it returns is typed and
// resolved (cgroups as indices into the path table, CPU lists expanded, sizes in pages).

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type * as z from 'zod';
import { limitFile, parseLimit, type CgroupVersion } from '../cgroupfs/cgroupfs.js';
import { System, type FolioKind, type SystemOptions } from '../api/system.js';
import { LIMITS } from '../api/options.js';
import { PAGE_SIZE } from '../cgroupfs/memparse.js';
import { CATCHING_SCHEMA, MAX_ORDER, NO_SUCH_STEP, SCENARIO_SCHEMA, STEP_NAMES, TASK_KEYS, type ScenarioDoc, type StepName } from './schema.js';
import { budgetIssues, type Budget } from './budget.js';
import { applySets } from './set.js';
import {
  cut, duplicateKeys, fromZod, InputError, inDocumentOrder, messageOf, parseCpuList, pathText, type PathKey, type RawIssue,
} from './validate.js';

export { TASK_KEYS } from './schema.js';
import { resolveTopology, type TopologyOption } from '../core/topology.js';
import { hostTopology } from '../core/host-topology.js';
import { MemcgError } from '../core/errors.js';

/** The system: createSystem's options, with the RAM size (not used yet) and the swap size in pages. */
export type SystemSpec = Omit<SystemOptions, 'seed' | 'build' | 'opCapacity'> & { seed?: number; ramPages?: number; swapPages?: number };

/**
 * Who a step charges: a task (the core charges the cgroup the task is in when it runs; cgroup
 * is where it starts) or a cgroup directly (index into Scenario.paths).
 */
export type Target = { cgroup: number; task?: string; cpus: number[] };

/** Where a free or an access finds its folios: the live folios of a tag, a task or a cgroup, oldest first. */
export type Group = { tag: string } | { task: string } | { cgroup: number };

type At = { path: string };
export type ChargeStep = At & {
  kind: 'charge'; target: Target; cpu?: number; order: number; folio: FolioKind; gfp: string; node?: number; count: number; tag?: string;
};
/** faults / stream / thp: `folios` charges of one order, each on a CPU drawn from cpus; `rate` in pages per simulated ms. */
export type FaultsStep = At & {
  kind: 'faults'; target: Target; cpus: number[]; folios: number; order: number; folio: FolioKind; gfp: string; node?: number; tag?: string; rate?: number;
  /** thp by a task: THP faults, each falling back to its 512 base pages when its charge fails (thp_fault.ts). */
  thpFault?: boolean;
};
export type GrowFreeStep = At & {
  kind: 'grow-then-free'; target: Target; cpus: number[]; folios: number; order: number; gfp: string; repeat: number; tag?: string;
};
export type ThrashStep = At & {
  kind: 'thrash'; cgroups: number[]; cpus: number[]; charges: number; order: number; gfp: string; pick: 'round-robin' | 'random'; tag?: string;
};
/** Which live folios of a group a free or an access takes: the oldest first, every `every`-th, at most `count`. */
export type Pick = { group: Group; count?: number; every: number; cpu?: number };
export type FreeStep = At & Pick & { kind: 'free'; batch: boolean };
/** Touches: the young bit of an anon page, folio_mark_accessed of page cache, the swap-in of a page in swap. */
export type AccessStep = At & Pick & { kind: 'access'; gfp: string };
export type MoveStep = At & { kind: 'move'; task: string; to: number };
export type WaitStep = At & { kind: 'wait'; ms: number };
export type WriteStep = At & { kind: 'write'; file: string; cgroup: number; name: string; value: string; cpu: number };
export type ReadStep = At & { kind: 'read'; file: string };
export type ExpectStep = At & { kind: 'expect'; expect: Expectation };
/** sockets: network packets, each charged (mem_cgroup_sk_charge) and then uncharged on its CPU. */
export type SocketsStep = At & {
  kind: 'sockets'; cgroups: number[]; cpus: number[]; packets: number; pages: number; gfp: string; pick: 'round-robin' | 'random' | 'per-cpu';
  /** A CPU serves the packets of `spread` cgroups (its own by index and the next ones); default all. */
  spread?: number;
  /** The CPUs the readers run on (cgroup i's packets are uncharged on readers[i mod n]); default the charging CPU. */
  readers?: number[];
  /**
   * The order the CPUs' packets come in: round-robin (CPU by CPU in list order each round) or
   * shuffle (each round every CPU once, in a fresh seeded random order).
   */
  arrival: 'round-robin' | 'shuffle';
  /**
   * The cgroup of the receiving sockets (netserver's): each packet is charged to it too, on the
   * sending CPU, and uncharged on the reader's CPU before the sender's charge is.
   */
  server?: number;
};
/** The file, mapping, mlock and swapoff steps: run through the System API, not as op records. */
export type FileOp = 'create-file' | 'read-file' | 'write-file' | 'truncate-file' | 'unlink-file' | 'mmap-shared' | 'mlock' | 'swapoff';
/**
 * A file, mapping, mlock or swapoff operation. Sizes are in bytes (whole pages; mlock's length
 * is in pages); file names a file made by an earlier create-file or mmap-shared step.
 * `pages` is what the step goes through (the budget's estimate: a read, write, fault or
 * truncate visits each page of its range).
 */
export type FileStep = At & {
  kind: 'file-op'; op: FileOp; file?: string; target?: Target; cpu: number; pages: number;
  args: { kind?: 'disk' | 'tmpfs'; size?: number; maxOrder?: number; readAheadKb?: number; ioKb?: number; offset?: number; length?: number; chunk?: number };
};
export type OpStep = ChargeStep | FaultsStep | GrowFreeStep | ThrashStep | FreeStep | AccessStep | MoveStep | WaitStep | SocketsStep;
export type Step = OpStep | WriteStep | ReadStep | ExpectStep | FileStep;
/** The step names of FileStep. */
export const FILE_OPS: readonly FileOp[] = ['create-file', 'read-file', 'write-file', 'truncate-file', 'unlink-file', 'mmap-shared', 'mlock', 'swapoff'];

export type TaskKey = (typeof TASK_KEYS)[number];
export type Expectation = At & {
  read?: string; key?: string; sim?: string; task?: string; variant?: string;
  contains?: string; equals?: string | number | boolean; matches?: string; atLeast?: number; atMost?: number;
};

export type Phase = At & { name: string; repeat: number; steps: Step[] };
export type CgroupSpec = At & { cgroup: string; settings: { file: string; value: string; path: string }[] };
/** A process the run spawns (in the order of the tasks object) in its first cgroup. */
export type TaskSpec = At & { name: string; cgroup: number; cpus: number[]; oomScoreAdj: number };
export type Variant = At & { name: string; system: SystemSpec };

export type Scenario = {
  name: string;
  description: string;
  system: SystemSpec;
  /** The cgroups to create, parents first (missing parents added); not the root. */
  cgroups: CgroupSpec[];
  /** The path table: the root '' first, then every cgroup; a Target's cgroup indexes it. */
  paths: string[];
  tasks: Map<string, TaskSpec>;
  phases: Phase[];
  expect: Expectation[];
  /** The files read every N records or every N ms of simulated time. */
  sample?: { every?: number; everyMs?: number; files: string[]; path: string };
  variants: Variant[];
  /** Cgroups the summary table shows (all when absent). */
  summaryCgroups?: string[];
  /** Settings accepted that have no effect. */
  notes: string[];
  /** What a run of it costs, estimated before it runs (budget.ts). */
  budget: Budget;
};


/**
 * Read a JSON document (a scenario, a sweep) and find its duplicate keys (JSON.parse keeps the
 * last one silently); InputError if it cannot be read or parsed.
 */
export function readJsonDoc(file: string): { json: unknown; duplicates: RawIssue[] } {
  try {
    const text = readFileSync(file, 'utf8');
    const json: unknown = JSON.parse(text);
    return { json, duplicates: duplicateKeys(text) };
  } catch (e) {
    throw new InputError(file, [{ path: '(file)', message: cut((e as Error).message, 200) }]);
  }
}

/** Read a JSON document; InputError if it cannot be read or parsed (readJsonDoc without the duplicates). */
export function readJsonFile(file: string): unknown {
  return readJsonDoc(file).json;
}

/** A scenario file's default name: its base name without .json. */
export function scenarioName(file: string): string {
  return basename(file).replace(/\.json$/, '');
}

/**
 * Read and check a scenario file; InputError lists every problem. `sets` (--set key=value) are
 * applied to the document first, so their values are checked like the file's.
 */
export function loadScenario(file: string, opts: ParseOptions & { sets?: [string, unknown][] } = {}): Scenario {
  const { sets, ...rest } = opts;
  const { json, duplicates } = readJsonDoc(file);
  return parseScenario(sets?.length ? applySets(json, sets) : json, scenarioName(file), file, { ...rest, duplicates });
}

export type ParseOptions = {
  /** Run beyond the budget (budget.ts): samples stream, memory stays bounded, it just takes long. */
  allowLarge?: boolean;
  /** Issues found in the text before parsing (duplicate keys). */
  duplicates?: RawIssue[];
};

/** A failed union of steps: the step its one key names, or what is wrong with the object. */
function stepUnion(v: unknown, path: PathKey[]): { index: number } | { at: PathKey[]; message: string } | undefined {
  const last = path[path.length - 1];
  const isObj = typeof v === 'object' && v !== null && !Array.isArray(v);
  // system.topology: a preset name, { nodes, cpusPerNode } or { sockets, … } (schema.ts order)
  if (last === 'topology' && path.length >= 2) {
    if (typeof v === 'string') return { index: 0 };
    if (isObj) return { index: 'nodes' in v || 'cpusPerNode' in v ? 1 : 2 };
    return undefined;
  }
  // system.costModel: true/false or its object
  if (last === 'costModel' && path.length >= 2) return typeof v === 'boolean' ? { index: 0 } : isObj ? { index: 1 } : undefined;
  if (path.length < 2 || path[path.length - 2] !== 'steps') return undefined;
  const known = STEP_NAMES.join(', ');
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.keys(v).length !== 1) {
    return { at: [], message: `a step is an object with one key, its name (${known})` };
  }
  const name = Object.keys(v)[0];
  const index = STEP_NAMES.indexOf(name as StepName);
  if (index >= 0) return { index };
  return { at: [name], message: NO_SUCH_STEP[name] ?? `unknown step (known: ${known})` };
}

/** Check a scenario document whole; InputError lists every problem with its JSON path. */
export function parseScenario(json: unknown, defaultName = 'scenario', what = 'scenario', opts: ParseOptions = {}): Scenario {
  const issues: RawIssue[] = [...(opts.duplicates ?? [])];
  const strict = SCENARIO_SCHEMA.safeParse(json, { error: messageOf, reportInput: true });
  if (!strict.success) issues.push(...fromZod(strict.error.issues, json, [], stepUnion));
  const loose = CATCHING_SCHEMA.safeParse(json, { error: messageOf });
  if (!loose.success) throw new InputError(what, inDocumentOrder(json, issues)); // not an object at all
  const doc = loose.data;
  const p = new Parser(issues);
  const system = p.system(doc.system, true, ['system']);
  const variants = Object.entries(doc.variants ?? {}).map(([name, v]): Variant => ({
    name, path: jsonPathOf(['variants', name]), system: { ...system, ...p.system(v, false, ['variants', name]) },
  }));
  // CPU and node numbers must exist on every variant's machine.
  const all = [system, ...variants.map((v) => v.system)];
  const shapes = all.map((m) => {
    try {
      return shapeOf(m.topology);
    } catch {
      return resolveTopology(undefined); // reported at its path already
    }
  });
  all.forEach((m, i) => {
    const n = shapes[i].sockets * shapes[i].coresPerSocket * shapes[i].threadsPerCore;
    if (m.costModel !== undefined && m.costModel !== false && n > 1024) {
      p.err([...(i === 0 ? ['system'] : ['variants', variants[i - 1].name]), 'costModel'], `the cost model takes at most 1024 CPUs, not ${n}`);
    }
  });
  p.cpus = Math.min(...shapes.map((t) => t.sockets * t.coresPerSocket * t.threadsPerCore));
  p.nodes = Math.min(...shapes.map((t) => t.sockets * t.nodesPerSocket));
  p.version = system.cgroupVersion!;
  if (variants.some((v) => v.system.cgroupVersion !== p.version)) p.err(['variants'], 'variants cannot change cgroupVersion (the interface files differ)');

  p.cgroupTable(doc.cgroups ?? {});
  p.taskTable(doc.tasks ?? {});
  const phases = (doc.workload ?? []).flatMap((ph, i) => (ph ? [p.phase(ph, ['workload', i])] : []));
  const expect = (doc.expect ?? []).flatMap((e, i) => (e ? [p.expectation(e, ['expect', i])] : []));
  let sample: Scenario['sample'];
  if (doc.sample) {
    const at: PathKey[] = ['sample'];
    const which = p.oneOf(doc.sample, ['every', 'everyMs'], at);
    const files = doc.sample.files.flatMap((f, i) => p.file(f, [...at, 'files', i]) ?? []);
    if (which) sample = { ...(which === 'every' ? { every: doc.sample.every } : { everyMs: doc.sample.everyMs }), files, path: 'sample' };
  }
  let summaryCgroups: string[] | undefined;
  if (doc.summary?.cgroups) {
    summaryCgroups = doc.summary.cgroups.flatMap((g, i) => {
      const idx = p.cgroupRef(g, ['summary', 'cgroups', i]);
      return idx === undefined ? [] : [p.paths[idx]];
    });
  }
  for (const [tag, at] of p.freedTags) if (!p.tags.has(tag)) p.err(at, `no charge step or generator has tag ${JSON.stringify(cut(tag))}`);
  for (const e of [...expect, ...p.inlineExpects]) {
    if (e.variant !== undefined && !variants.some((v) => v.name === e.variant)) p.err([...e.at, 'variant'], `no variant ${JSON.stringify(cut(e.variant))}`);
  }
  const sc: Scenario = {
    name: doc.name ?? defaultName, description: doc.description ?? '', system, cgroups: p.cgroups, paths: p.paths,
    tasks: p.tasks, phases, expect: expect.map(({ at: _, ...e }) => e), sample, variants, summaryCgroups, notes: p.notes,
    budget: { records: 0, rows: 0, simulatedMs: 0, memoryBytes: 0 },
  };
  if (issues.length === 0) {
    const b = budgetIssues(sc, opts.allowLarge === true);
    sc.budget = b.budget;
    issues.push(...b.issues);
  }
  if (issues.length) throw new InputError(what, inDocumentOrder(json, issues));
  return sc;
}

const jsonPathOf = pathText;

type Doc = NonNullable<ScenarioDoc>;
type SystemDoc = NonNullable<Doc['system']>;
type PhaseDoc = NonNullable<NonNullable<Doc['workload']>[number]>;
type StepDoc = NonNullable<PhaseDoc['steps'][number]>;
type ExpectDoc = NonNullable<NonNullable<Doc['expect']>[number]>;
type TaskDoc = NonNullable<NonNullable<Doc['tasks']>[string]>;
type StepArg<N extends StepName> = z.output<(typeof import('./schema.js'))['STEPS'][N]>;
type Located<T> = T & { at: PathKey[] };
/** The argument of any file step (each step's schema says which keys it has). */
type FileArg = Partial<StepArg<'create-file'> & StepArg<'read-file'> & StepArg<'mmap-shared'> & StepArg<'mlock'>>;

/** The state of one parse: the cgroup and task tables, tags, notes, and the issues found. */
class Parser {
  cpus = 1;
  nodes = 1;
  version: CgroupVersion = 2;
  readonly paths: string[] = [''];
  readonly cgroups: CgroupSpec[] = [];
  readonly tasks = new Map<string, TaskSpec>();
  readonly tags = new Set<string>();
  readonly freedTags: [string, PathKey[]][] = [];
  readonly inlineExpects: Located<Expectation>[] = [];
  readonly notes: string[] = [];
  private readonly index = new Map<string, number>([['', 0]]);
  /** Normalised cgroup → the cgroups key that declared it (two spellings of one cgroup are an error). */
  private readonly declared = new Map<string, string>();

  constructor(private readonly issues: RawIssue[]) {}

  err(path: PathKey[], message: string): undefined {
    this.issues.push({ path, message });
    return undefined;
  }

  /** Exactly one of keys is present in o: which one, or undefined with an issue at the object. */
  oneOf<K extends string>(o: Partial<Record<K, unknown>>, keys: readonly K[], at: PathKey[]): K | undefined {
    const present = keys.filter((k) => o[k] !== undefined);
    if (present.length === 1) return present[0];
    return this.err(at, present.length === 0 ? `needs one of: ${keys.join(', ')}` : `${present.join(' and ')} exclude each other`);
  }

  /** The system object (base: every key defaulted; variant: only the keys given). */
  system(o: SystemDoc | undefined, base: boolean, at: PathKey[]): SystemSpec {
    const dflt: SystemSpec = { profile: 'multi', cgroupVersion: 2, topology: { nodes: 1, cpusPerNode: 4 }, seed: 1 };
    if (!o) return base ? dflt : {};
    const s: SystemSpec = {
      ...(base ? dflt : {}),
      ...(o.profile !== undefined ? { profile: o.profile as SystemSpec['profile'] } : {}),
      ...(o.cgroupVersion !== undefined ? { cgroupVersion: o.cgroupVersion as CgroupVersion } : {}),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
    };
    if (o.topology !== undefined) {
      // the shorthand's missing numbers are 1
      const t = (typeof o.topology === 'object' && !('sockets' in o.topology) ? { nodes: 1, cpusPerNode: 1, ...o.topology } : o.topology) as TopologyOption;
      try {
        const r = shapeOf(t);
        const n = r.sockets * r.coresPerSocket * r.threadsPerCore;
        if (n > 8192) this.err([...at, 'topology'], `${n} CPUs, more than the emulator's 8192`);
        s.topology = t;
      } catch (e) {
        if (!(e instanceof MemcgError)) throw e;
        this.err([...at, 'topology'], e.message.replace(/^EINVAL: /, ''));
      }
    }
    for (const k of [
      'swapAccount', 'stock', 'recursiveProtection', 'localEvents', 'chargeBatch', 'maxCgroups', 'maxFolios', 'remoteDrain', 'oomVictimExit',
      'kmem', 'maxFileEntries', 'lruAddBatch', 'preparedMm', 'autoEnableMemory',
    ] as const) {
      if (o[k] !== undefined) (s as Record<string, unknown>)[k] = o[k];
    }
    if (o.costModel !== undefined) s.costModel = o.costModel as SystemSpec['costModel'];
    if (o.ram !== undefined) s.ramPages = o.ram;
    if (o.swap !== undefined) s.swapPages = o.swap;
    if (o.ram !== undefined) this.notes.push(`${jsonPathOf([...at, 'ram'])} has no effect: the emulator has no global memory limit yet`);
    return s;
  }

  /** cgroups: "a/b": { "memory.max": "100M", … }, written through the files in key order. */
  cgroupTable(table: Record<string, Record<string, string | number> | undefined>): void {
    for (const [key, v] of Object.entries(table)) {
      const at: PathKey[] = ['cgroups', key];
      const cgroup = this.cgroupName(key, at);
      const settings = Object.entries(v ?? {}).map(([file, value]) => {
        this.limitValue(file, value, [...at, file]);
        return { file, value: String(value), path: jsonPathOf([...at, file]) };
      });
      if (cgroup === undefined) continue;
      if (cgroup === '') {
        this.err(at, 'the root cgroup takes no settings');
        continue;
      }
      const first = this.declared.get(cgroup);
      if (first !== undefined) {
        this.err(at, `${JSON.stringify(cut(key))} is another spelling of cgroup "${cut(cgroup)}", declared as ${JSON.stringify(cut(first))}: give each cgroup once`);
        continue;
      }
      this.declared.set(cgroup, key);
      this.addCgroup(cgroup, jsonPathOf(at), settings);
    }
  }

  /** Add a cgroup (and its missing parents) to the table; its index. */
  addCgroup(cgroup: string, at: string, settings: CgroupSpec['settings'] = []): number {
    const known = this.index.get(cgroup);
    if (known !== undefined) {
      this.cgroups.find((g) => g.cgroup === cgroup)?.settings.push(...settings);
      return known;
    }
    const slash = cgroup.lastIndexOf('/');
    if (slash > 0) this.addCgroup(cgroup.slice(0, slash), at);
    this.index.set(cgroup, this.paths.length);
    this.paths.push(cgroup);
    this.cgroups.push({ cgroup, path: at, settings });
    return this.paths.length - 1;
  }

  /** A cgroup path as written (a/b, /a/b/, /sys/fs/cgroup/a/b) → normalised; root is ''. Names as System.mkdir takes them. */
  cgroupName(s: string, at: PathKey[]): string | undefined {
    const p = System.normalize(s);
    for (const n of p === '' ? [] : p.split('/')) {
      const bad = n.includes('\n') ? 'a newline' : n.includes('\0') ? 'a NUL byte' : n === '.' || n === '..' ? `"${n}"`
        : n.startsWith('memory.') || n.startsWith('cgroup.') ? 'the prefix of an interface file' : '';
      if (bad) return this.err(at, `invalid cgroup name ${JSON.stringify(cut(n))}: ${bad}`);
    }
    if (p.length > 4000) return this.err(at, `cgroup path of ${p.length} characters: mkdir(2) takes at most 4095 bytes`);
    return p;
  }

  /** A reference to a declared cgroup (or the root): its index in the path table. */
  cgroupRef(v: string, at: PathKey[]): number | undefined {
    const p = this.cgroupName(v, at);
    if (p === undefined) return undefined;
    return this.index.get(p) ?? this.err(at, `no cgroup "${cut(p)}" in cgroups`);
  }

  /** An interface file path: its cgroup must be declared. */
  file(s: string, at: PathKey[]): string | undefined {
    const p = System.normalize(s);
    const slash = p.lastIndexOf('/');
    const name = p.slice(slash + 1);
    if (!name.startsWith('memory.') && !name.startsWith('cgroup.')) return this.err(at, `${JSON.stringify(cut(s))} does not name an interface file (like a/memory.current)`);
    if (this.cgroupRef(slash < 0 ? '' : p.slice(0, slash), at) === undefined) return undefined;
    return p;
  }

  /** A limit file's value is checked now (memparse); other files' values when written. */
  private limitValue(file: string, value: string | number, at: PathKey[]): void {
    if (!limitFile(this.version, file)) return;
    try {
      parseLimit(this.version, file, value);
    } catch (e) {
      this.err(at, (e as Error).message.replace(/^[A-Z0-9]+: /, ''));
    }
  }

  taskTable(table: Record<string, TaskDoc | undefined>): void {
    for (const [name, t] of Object.entries(table)) {
      if (!t) continue;
      const at: PathKey[] = ['tasks', name];
      const cgroup = this.cgroupRef(t.cgroup, [...at, 'cgroup']);
      const cpus = this.cpuList(t.cpus ?? 'all', [...at, 'cpus']);
      // A task with a bad CPU list still exists (on CPU 0), so steps naming it are checked.
      if (cgroup !== undefined) this.tasks.set(name, { name, cgroup, cpus: cpus ?? [0], oomScoreAdj: t.oom_score_adj ?? 0, path: jsonPathOf(at) });
    }
  }

  private cpuList(v: string | number[], at: PathKey[]): number[] | undefined {
    const r = parseCpuList(v, this.cpus);
    return typeof r === 'string' ? this.err(at, r) : r;
  }
  /** An integer in 0..n-1 (a CPU or a node of the smallest machine). */
  private below(v: number | undefined, n: number, what: string, at: PathKey[]): number | undefined {
    return v === undefined || v < n ? v : this.err(at, `${what} ${v} out of range 0..${n - 1}`);
  }

  /** task or cgroup → the cgroup charged and the CPUs it runs on (a cgroup alone: CPU 0). */
  private target(o: { task?: string; cgroup?: string }, at: PathKey[]): Target | undefined {
    const which = this.oneOf(o, ['task', 'cgroup'], at);
    if (which === 'task') {
      const t = this.tasks.get(this.taskRef(o.task!, [...at, 'task']) ?? '');
      return t && { cgroup: t.cgroup, task: t.name, cpus: t.cpus };
    }
    if (which === 'cgroup') {
      const cgroup = this.cgroupRef(o.cgroup!, [...at, 'cgroup']);
      return cgroup === undefined ? undefined : { cgroup, cpus: [0] };
    }
    return undefined;
  }

  private tag(t: string | undefined): string | undefined {
    if (t !== undefined) this.tags.add(t);
    return t;
  }
  /** pages or size → a number of folios of this order. */
  private folios(o: { pages?: number; size?: number; count?: number }, order: number, at: PathKey[], keys: ('pages' | 'size' | 'count')[] = ['pages', 'size']): number | undefined {
    const which = this.oneOf(o, keys, at);
    if (which === undefined) return undefined;
    if (which === 'count') return o.count;
    const pages = o[which]!;
    if (pages % 2 ** order !== 0) return this.err([...at, which], `${pages} pages is not a whole number of order-${order} folios`);
    return pages / 2 ** order;
  }

  phase(ph: PhaseDoc, at: PathKey[]): Phase {
    return {
      path: jsonPathOf(at), name: ph.name ?? jsonPathOf(at), repeat: ph.repeat ?? 1,
      steps: ph.steps.flatMap((s, i) => (s ? this.step(s, [...at, 'steps', i]) ?? [] : [])),
    };
  }

  /** One step: an object with one key, its name (the schema checked its argument's shape). */
  step(v: StepDoc, at: PathKey[]): Step | undefined {
    const name = Object.keys(v)[0] as StepName;
    const arg = (v as Record<string, unknown>)[name];
    const sat = [...at, name];
    const path = jsonPathOf(sat);
    switch (name) {
      case 'read': {
        const file = this.file(arg as string, sat);
        return file === undefined ? undefined : { kind: 'read', file, path };
      }
      case 'charge':
      case 'fault': {
        const o = arg as StepArg<'charge'>;
        const target = this.target(o, sat);
        const step: ChargeStep = {
          kind: 'charge', path, target: target!, cpu: this.below(o.cpu, this.cpus, 'cpu', [...sat, 'cpu']), order: o.order ?? 0,
          folio: o.kind ?? 'anon', gfp: o.gfp ?? 'GFP_KERNEL', node: this.below(o.node, this.nodes, 'node', [...sat, 'node']),
          count: o.count ?? 1, tag: this.tag(o.tag),
        };
        if (target && step.cpu !== undefined && target.task && !target.cpus.includes(step.cpu)) {
          this.err([...sat, 'cpu'], `task ${target.task} does not run on cpu ${step.cpu} (its CPUs: ${target.cpus.join(',')})`);
        }
        return target && step;
      }
      case 'faults':
      case 'stream':
      case 'thp': {
        const o = arg as StepArg<'faults'> & StepArg<'stream'> & StepArg<'thp'>;
        const target = this.target(o, sat);
        const order = name === 'thp' ? MAX_ORDER : o.order ?? 0;
        const folios = this.folios(o, order, sat, name === 'thp' ? ['count', 'size'] : ['pages', 'size']);
        const cpus = name === 'stream'
          ? (o.cpu !== undefined ? [this.below(o.cpu, this.cpus, 'cpu', [...sat, 'cpu']) ?? 0] : target ? [target.cpus[0]] : [0])
          : o.cpus !== undefined ? this.cpuList(o.cpus, [...sat, 'cpus']) : target?.cpus;
        const rest = {
          folio: name === 'stream' ? 'file' as const : o.kind ?? 'anon', gfp: name === 'stream' ? 'GFP_KERNEL' : o.gfp ?? 'GFP_KERNEL',
          node: this.below(o.node, this.nodes, 'node', [...sat, 'node']), tag: this.tag(o.tag), rate: o.rate,
        };
        if (!target || !cpus || folios === undefined) return undefined;
        const thpFault = name === 'thp' && rest.folio === 'anon' && target.task !== undefined;
        return { kind: 'faults', path, target, cpus, folios, order, ...rest, ...(thpFault ? { thpFault } : {}) };
      }
      case 'grow-then-free': {
        const o = arg as StepArg<'grow-then-free'>;
        const target = this.target(o, sat);
        const order = o.order ?? 0;
        const folios = this.folios(o, order, sat);
        const cpus = o.cpus !== undefined ? this.cpuList(o.cpus, [...sat, 'cpus']) : target?.cpus;
        const rest = { gfp: o.gfp ?? 'GFP_KERNEL', repeat: o.repeat ?? 1, tag: this.tag(o.tag) };
        if (!target || !cpus || folios === undefined) return undefined;
        return { kind: 'grow-then-free', path, target, cpus, folios, order, ...rest };
      }
      case 'thrash':
        return this.thrash(arg as StepArg<'thrash'>, sat);
      case 'sockets':
        return this.sockets(arg as StepArg<'sockets'>, sat);
      case 'free': {
        const o = arg as StepArg<'free'>;
        const pick = this.pick(o, sat);
        return pick && { kind: 'free', path, ...pick, batch: o.batch ?? true };
      }
      case 'access': {
        const o = arg as StepArg<'access'>;
        const pick = this.pick(o, sat);
        return pick && { kind: 'access', path, ...pick, gfp: o.gfp ?? 'GFP_KERNEL' };
      }
      case 'move': {
        const o = arg as StepArg<'move'>;
        const task = this.taskRef(o.task, [...sat, 'task']);
        const to = this.cgroupRef(o.to, [...sat, 'to']);
        return task !== undefined && to !== undefined ? { kind: 'move', path, task, to } : undefined;
      }
      case 'wait': {
        const { ms } = arg as StepArg<'wait'>;
        if (Math.round(ms * 1000) !== ms * 1000) return this.err([...sat, 'ms'], `${ms} ms is not a whole number of microseconds`);
        return { kind: 'wait', path, ms };
      }
      case 'write': {
        const o = arg as StepArg<'write'>;
        const file = this.file(o.file, [...sat, 'file']);
        const cpu = this.below(o.cpu, this.cpus, 'cpu', [...sat, 'cpu']) ?? 0;
        if (file === undefined) return undefined;
        const slash = file.lastIndexOf('/');
        const fname = file.slice(slash + 1);
        this.limitValue(fname, o.value, [...sat, 'value']);
        return { kind: 'write', path, file, cgroup: this.index.get(slash < 0 ? '' : file.slice(0, slash))!, name: fname, value: String(o.value), cpu };
      }
      case 'create-file': case 'read-file': case 'write-file': case 'truncate-file': case 'unlink-file':
      case 'mmap-shared': case 'mlock': case 'swapoff':
        return this.fileStep(name, arg as FileArg, sat);
      case 'expect': {
        const e = this.expectation(arg as ExpectDoc, sat);
        this.inlineExpects.push(e);
        const { at: _, ...expect } = e;
        return { kind: 'expect', path, expect };
      }
    }
    return undefined;
  }

  /** File name → the most pages it can hold (its size, the writes and faults so far): what a truncate or unlink goes through. */
  private readonly files = new Map<string, number>();

  /** The file, mapping, mlock and swapoff steps (FileStep). */
  private fileStep(op: FileOp, o: FileArg, at: PathKey[]): FileStep | undefined {
    const path = jsonPathOf(at);
    const bytes = (p: number | undefined) => (p === undefined ? undefined : p * PAGE_SIZE);
    const args: FileStep['args'] = {};
    let file: string | undefined;
    let target: Target | undefined;
    let ok = true;
    const bad = (key: string, message: string) => {
      ok = false;
      this.err([...at, key], message);
    };
    if (op === 'create-file' || op === 'mmap-shared') {
      file = o.name!;
      if (this.files.has(file)) bad('name', `file ${JSON.stringify(cut(file))} is created twice`);
      else this.files.set(file, 0);
    } else if (op !== 'mlock' && op !== 'swapoff') {
      file = o.file!;
      if (!this.files.has(file)) bad('file', `no file ${JSON.stringify(cut(file))} created by an earlier create-file or mmap-shared step`);
    }
    // A file's extent in pages (what truncate and unlink visit) only grows here.
    const extent = (pages: number) => {
      if (file !== undefined && this.files.has(file)) this.files.set(file, Math.max(this.files.get(file)!, pages));
    };
    const within = (key: string, pages: number) => {
      if (pages > LIMITS.filePages) bad(key, `${pages} pages: past the emulator's largest file (${LIMITS.filePages} pages, 256 TiB)`);
    };
    let pages = 0;
    switch (op) {
      case 'create-file': {
        args.kind = o.kind ?? 'disk';
        if (args.kind === 'disk') {
          if (o.task !== undefined || o.cgroup !== undefined) bad(o.task !== undefined ? 'task' : 'cgroup', 'a disk file is on disk already: nothing is charged when it is opened (task and cgroup say who makes a tmpfs file)');
          args.size = bytes(o.size ?? 0);
          within('size', o.size ?? 0);
          extent(o.size ?? 0);
        } else {
          if (o.size !== undefined) bad('size', 'a tmpfs file starts empty: write to it (write-file) to give it pages');
          target = o.task !== undefined || o.cgroup !== undefined ? this.target(o, at) : { cgroup: 0, cpus: [0] };
        }
        args.maxOrder = o.maxOrder;
        args.readAheadKb = o.readAheadKb;
        args.ioKb = o.ioKb;
        pages = 1;
        break;
      }
      case 'read-file':
      case 'write-file': {
        target = this.target(o, at);
        args.offset = bytes(o.offset);
        args.length = bytes(o.length);
        if (op === 'read-file') {
          if (o.chunk === 0) bad('chunk', 'a read(2) of 0 bytes reads nothing: chunk is at least one page');
          args.chunk = bytes(o.chunk);
          // At most the pages of the range, or of the file as far as it may reach.
          pages = o.length ?? (file !== undefined ? this.files.get(file) ?? 0 : 0);
        } else {
          within('length', (o.offset ?? 0) + o.length!);
          extent((o.offset ?? 0) + o.length!);
          pages = o.length!;
        }
        break;
      }
      case 'truncate-file':
        args.size = bytes(o.size);
        within('size', o.size!);
        pages = file !== undefined ? this.files.get(file) ?? 0 : 0;
        break;
      case 'unlink-file':
        pages = file !== undefined ? this.files.get(file) ?? 0 : 0;
        break;
      case 'mmap-shared':
        target = this.target(o, at);
        args.length = bytes(o.size);
        within('size', o.size!);
        extent(o.size!);
        pages = o.size!;
        break;
      case 'mlock': {
        target = this.target(o, at);
        const which = this.oneOf(o, ['pages', 'size'], at);
        args.length = which === 'pages' ? o.pages : which === 'size' ? o.size : undefined;
        if (which === 'size' && o.size === 0) bad('size', 'mlock of no pages: give a size of at least one page');
        pages = args.length ?? 0;
        break;
      }
      case 'swapoff':
        pages = 1; // and every page in swap, counted with the system's swap size (budget.ts)
        break;
    }
    const cpu = this.below(o.cpu, this.cpus, 'cpu', [...at, 'cpu']) ?? target?.cpus[0] ?? 0;
    if (target?.task && o.cpu !== undefined && !target.cpus.includes(cpu)) {
      bad('cpu', `task ${target.task} does not run on cpu ${cpu} (its CPUs: ${target.cpus.join(',')})`);
    }
    const needsTarget = op === 'read-file' || op === 'write-file' || op === 'mmap-shared' || op === 'mlock' || (op === 'create-file' && args.kind === 'tmpfs');
    if (!ok || (needsTarget && !target) || (op === 'mlock' && args.length === undefined)) return undefined;
    return { kind: 'file-op', path, op, file, target, cpu, pages, args };
  }

  /**
   * sockets: packets of K cgroups' sockets (created as prefix0… or listed), each charged on a
   * CPU of cpus (each CPU once a round, in the arrival order) and uncharged on its cgroup's
   * reader CPU; pick says whose packet a CPU processes: random, round-robin, or per-cpu (the
   * CPU's own cgroup).
   */
  private sockets(o: StepArg<'sockets'>, at: PathKey[]): SocketsStep | undefined {
    const cgroups = this.cgroupSet(o, at);
    const cpus = this.cpuList(o.cpus, [...at, 'cpus']);
    const readers = o.readers === undefined ? undefined : this.cpuList(o.readers, [...at, 'readers']);
    const server = o.server === undefined ? undefined : this.cgroupRef(o.server, [...at, 'server']);
    if (!cgroups || !cpus || cpus.some((x) => x === undefined) || readers?.some((x) => x === undefined)) return undefined;
    if (o.server !== undefined && server === undefined) return undefined;
    return {
      kind: 'sockets', path: jsonPathOf(at), cgroups, cpus: cpus as number[], packets: o.packets, pages: o.pages ?? 1, gfp: o.gfp ?? 'GFP_ATOMIC',
      pick: o.pick ?? 'random', spread: o.spread, readers: readers as number[] | undefined, arrival: o.arrival ?? 'shuffle', server,
    };
  }

  /** cgroups of thrash and sockets: a number K (made as prefix0 … prefixK-1) or a list of cgroup paths. */
  private cgroupSet(o: { cgroups: number | string[]; prefix?: string }, at: PathKey[]): number[] | undefined {
    if (typeof o.cgroups === 'number') {
      const prefix = o.prefix ?? 'm';
      const k = o.cgroups;
      if (this.cgroupName(`${prefix}0`, [...at, 'prefix'])) return Array.from({ length: k }, (_, i) => this.addCgroup(System.normalize(`${prefix}${i}`), jsonPathOf(at)));
      return undefined;
    }
    if (o.prefix !== undefined) this.err([...at, 'prefix'], 'prefix names the cgroups made when cgroups is a number');
    const ids = o.cgroups.map((x, i) => this.cgroupRef(x, [...at, 'cgroups', i]));
    if (ids.length === 0) this.err([...at, 'cgroups'], 'the cgroup list is empty');
    else if (ids.every((x) => x !== undefined)) return ids as number[];
    return undefined;
  }

  /** thrash: charges rotating over K cgroups (created as prefix0…) or listed ones, on cpu(s). */
  private thrash(o: StepArg<'thrash'>, at: PathKey[]): ThrashStep | undefined {
    const cgroups = this.cgroupSet(o, at);
    const cpuKey = this.oneOf(o, ['cpu', 'cpus'], at);
    const cpus = cpuKey === 'cpu' ? [this.below(o.cpu, this.cpus, 'cpu', [...at, 'cpu'])] : cpuKey === 'cpus' ? this.cpuList(o.cpus!, [...at, 'cpus']) : undefined;
    const rest = { order: o.order ?? 0, gfp: o.gfp ?? 'GFP_KERNEL', pick: o.pick ?? 'round-robin', tag: this.tag(o.tag) };
    if (!cgroups || !cpus || cpus.some((x) => x === undefined)) return undefined;
    return { kind: 'thrash', path: jsonPathOf(at), cgroups, cpus: cpus as number[], charges: o.charges, ...rest };
  }

  /** folios (a tag) | task | cgroup, count?, every?, cpu?: the live folios a free or an access takes. */
  private pick(o: StepArg<'free'>, at: PathKey[]): Pick | undefined {
    const rest = { count: o.count, every: o.every ?? 1, cpu: this.below(o.cpu, this.cpus, 'cpu', [...at, 'cpu']) };
    const which = this.oneOf(o, ['folios', 'task', 'cgroup'], at);
    let group: Group | undefined;
    if (which === 'folios') {
      group = { tag: o.folios! };
      this.freedTags.push([o.folios!, [...at, 'folios']]);
    } else if (which === 'task') {
      const t = this.taskRef(o.task!, [...at, 'task']);
      if (t !== undefined) group = { task: t };
    } else if (which === 'cgroup') {
      const g = this.cgroupRef(o.cgroup!, [...at, 'cgroup']);
      if (g !== undefined) group = { cgroup: g };
    }
    return group && { group, ...rest };
  }

  /** A reference to a declared task. */
  private taskRef(t: string, at: PathKey[]): string | undefined {
    return this.tasks.has(t) ? t : this.err(at, `no task ${JSON.stringify(cut(t))} in tasks`);
  }

  expectation(o: ExpectDoc, at: PathKey[]): Located<Expectation> {
    const e: Located<Expectation> = { at, path: jsonPathOf(at), variant: o.variant };
    const which = this.oneOf(o, ['read', 'sim', 'task'], at);
    if (which === 'read') e.read = this.file(o.read!, [...at, 'read']);
    if (which === 'sim') e.sim = o.sim;
    if (which === 'task') e.task = this.taskRef(o.task!, [...at, 'task']);
    e.key = o.key;
    if (e.key !== undefined && which === 'sim') this.err([...at, 'key'], 'key picks a line of a file or a field of a task: use it with read or task');
    if (which === 'task') {
      if (o.key === undefined) this.err([...at, 'key'], `missing: a task expectation reads one of ${TASK_KEYS.join(', ')}`);
      else if (!(TASK_KEYS as readonly string[]).includes(o.key)) this.err([...at, 'key'], `a task has no ${JSON.stringify(cut(o.key))} (known: ${TASK_KEYS.join(', ')})`);
    }
    e.contains = o.contains;
    e.equals = o.equals;
    e.matches = o.matches;
    e.atLeast = o.atLeast;
    e.atMost = o.atMost;
    if ((['contains', 'equals', 'matches', 'atLeast', 'atMost'] as const).every((k) => o[k] === undefined)) {
      this.err(at, 'needs a check: contains, equals, matches, atLeast or atMost');
    }
    return e;
  }
}

/** A topology option's shape: 'host' is this machine's (read from /sys). */
function shapeOf(t: TopologyOption | undefined) {
  return t === 'host' ? hostTopology() : resolveTopology(t);
}
