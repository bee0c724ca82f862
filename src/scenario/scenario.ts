// Scenario files: one JSON document describes a whole experiment (system, cgroup tree, tasks,
// workload, expectations, sampling, variants). parseScenario checks the WHOLE document and
// reports every problem with its JSON path before anything runs; what it returns is typed and
// resolved (cgroups as indices into the path table, CPU lists expanded, sizes in pages).

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { limitFile, parseLimit, type CgroupVersion } from '../cgroupfs/cgroupfs.js';
import { parseGfp } from '../core/gfp.js';
import { PROFILES, findProfile } from '../core/profiles.js';
import { System, type FolioKind, type SystemOptions } from '../api/system.js';
import { OOM_SCORE_ADJ_MAX, OOM_SCORE_ADJ_MIN } from '../trace/trace.js';
import { Checker, InputError, jsonPath, parseCpuList, type Obj } from './validate.js';

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
export type OpStep = ChargeStep | FaultsStep | GrowFreeStep | ThrashStep | FreeStep | AccessStep | MoveStep | WaitStep;
export type Step = OpStep | WriteStep | ReadStep | ExpectStep;

/** What a task expectation reads (System.task's fields). */
export const TASK_KEYS = ['alive', 'killed', 'anonPages', 'swapEntries', 'throttledMs', 'oomScoreAdj'] as const;
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
};

const MAX_ORDER = 9; // HPAGE_PMD_ORDER: a PMD-sized THP is the largest folio charged
const SYSTEM_KEYS = [
  'profile', 'cgroupVersion', 'topology', 'seed', 'ram', 'swap', 'swapAccount', 'stock', 'chargeBatch', 'remoteDrain',
  'oomVictimExit', 'recursiveProtection', 'localEvents', 'maxCgroups', 'maxFolios',
] as const;
const TARGET = ['task', 'cgroup'] as const;
const EXPECT_KEYS = ['read', 'key', 'sim', 'task', 'variant', 'contains', 'equals', 'matches', 'atLeast', 'atMost'] as const;
const PICK = ['folios', ...TARGET, 'count', 'every', 'cpu'] as const;
/** Step and generator names → their keys. */
const STEP_KEYS: Record<string, readonly string[]> = {
  charge: [...TARGET, 'cpu', 'order', 'kind', 'gfp', 'node', 'count', 'tag'],
  fault: [...TARGET, 'cpu', 'order', 'gfp', 'node', 'count', 'tag'],
  free: [...PICK, 'batch'],
  write: ['file', 'value', 'cpu'],
  read: [],
  expect: EXPECT_KEYS,
  faults: [...TARGET, 'pages', 'size', 'cpus', 'order', 'kind', 'gfp', 'node', 'tag', 'rate'],
  stream: [...TARGET, 'pages', 'size', 'cpu', 'order', 'tag'],
  thp: [...TARGET, 'count', 'size', 'cpus', 'gfp', 'tag'],
  'grow-then-free': [...TARGET, 'pages', 'size', 'cpus', 'order', 'gfp', 'repeat', 'tag'],
  thrash: ['cgroups', 'prefix', 'cpu', 'cpus', 'charges', 'order', 'gfp', 'pick', 'tag'],
  access: [...PICK, 'gfp'],
  move: ['task', 'to'],
  wait: ['ms'],
};
/** Steps that are not (the kernel has no such operation), and what to write instead. */
const NO_SUCH_STEP: Record<string, string> = {
  'swap-out': 'no such step: the kernel swaps pages out only by reclaim; to swap out a cgroup\'s coldest anon pages, ' +
    'write its memory.reclaim, e.g. { "write": { "file": "a/memory.reclaim", "value": "16M swappiness=max" } }',
  'swap-in': 'no such step: a task swaps a page in by touching it; use access',
};

/** Read and check a scenario file; InputError lists every problem. */
export function loadScenario(file: string): Scenario {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(file, [{ path: '(file)', message: (e as Error).message }]);
  }
  return parseScenario(json, basename(file).replace(/\.json$/, ''), file);
}

/** Check a scenario document whole; InputError lists every problem with its JSON path. */
export function parseScenario(json: unknown, defaultName = 'scenario', what = 'scenario'): Scenario {
  const c = new Checker();
  const top = c.object(json, '', [
    'name', 'description', 'system', 'cgroups', 'tasks', 'workload', 'expect', 'sample', 'variants', 'summary',
  ]);
  if (!top) throw new InputError(what, c.issues);
  const name = top.str('name') ?? defaultName;
  const description = top.str('description') ?? '';
  const p = new Parser(c);
  const system = p.system(top.obj('system', SYSTEM_KEYS), true);
  const variants = c.record(top.raw.variants, 'variants').map(([vname, v]): Variant => {
    const at = jsonPath('variants', vname);
    return { name: vname, path: at, system: { ...system, ...p.system(c.object(v, at, SYSTEM_KEYS), false) } };
  });
  // CPU and node numbers must exist on every variant's machine.
  const all = [system, ...variants.map((v) => v.system)];
  p.cpus = Math.min(...all.map((m) => m.topology!.nodes * m.topology!.cpusPerNode));
  p.nodes = Math.min(...all.map((m) => m.topology!.nodes));
  p.version = system.cgroupVersion!;
  if (variants.some((v) => v.system.cgroupVersion !== p.version)) {
    c.error('variants', 'variants cannot change cgroupVersion (the interface files differ)');
  }

  p.cgroupTable(c.record(top.raw.cgroups, 'cgroups'));
  p.taskTable(c.record(top.raw.tasks, 'tasks'));
  const phases = (top.has('workload') ? c.array(top.raw.workload, 'workload') ?? [] : []).map((ph, i) => p.phase(ph, jsonPath('workload', i)));
  const expect = (top.has('expect') ? c.array(top.raw.expect, 'expect') ?? [] : []).map((e, i) => p.expectation(e, jsonPath('expect', i)));
  let sample: Scenario['sample'];
  const so = top.obj('sample', ['every', 'everyMs', 'files']);
  if (so) {
    const which = so.oneOf(['every', 'everyMs']);
    const n = which && so.num(which, { above: 0 });
    const files = (c.array(so.need('files'), so.at('files')) ?? []).map((f, i) => p.file(f, jsonPath(so.at('files'), i)));
    if (which === 'every' && n !== undefined && !Number.isInteger(n)) c.error(so.at('every'), `expected an integer, got ${n}`);
    if (n !== undefined) {
      sample = { ...(which === 'every' ? { every: n } : { everyMs: n }), files: files.filter((f): f is string => f !== undefined), path: so.path };
    }
  }
  const so2 = top.obj('summary', ['cgroups']);
  let summaryCgroups: string[] | undefined;
  if (so2?.has('cgroups')) {
    summaryCgroups = (c.array(so2.raw.cgroups, so2.at('cgroups')) ?? []).flatMap((g, i) => {
      const at = jsonPath(so2.at('cgroups'), i);
      const idx = p.cgroupRef(g, at);
      return idx === undefined ? [] : [p.paths[idx]];
    });
  }
  for (const [tag, at] of p.freedTags) if (!p.tags.has(tag)) c.error(at, `no charge step or generator has tag "${tag}"`);
  for (const e of [...expect, ...p.inlineExpects]) {
    if (e.variant !== undefined && !variants.some((v) => v.name === e.variant)) c.error(jsonPath(e.path, 'variant'), `no variant "${e.variant}"`);
  }
  if (c.issues.length) throw new InputError(what, c.issues);
  return {
    name, description, system, cgroups: p.cgroups, paths: p.paths,
    tasks: p.tasks, phases, expect, sample, variants, summaryCgroups, notes: p.notes,
  };
}

/** The state of one parse: the cgroup and task tables, tags, notes. */
class Parser {
  cpus = 1;
  nodes = 1;
  version: CgroupVersion = 2;
  readonly paths: string[] = [''];
  readonly cgroups: CgroupSpec[] = [];
  readonly tasks = new Map<string, TaskSpec>();
  readonly tags = new Set<string>();
  readonly freedTags: [string, string][] = [];
  readonly inlineExpects: Expectation[] = [];
  readonly notes: string[] = [];
  private readonly index = new Map<string, number>([['', 0]]);
  private readonly c: Checker;

  constructor(c: Checker) {
    this.c = c;
  }

  /** The system object (base: every key defaulted; variant: only the keys given). */
  system(o: Obj | undefined, base: boolean): SystemSpec {
    const s: SystemSpec = {};
    const d = <T>(v: T) => (base ? v : undefined);
    if (!o) return base ? { profile: 'multi', cgroupVersion: 2, topology: { nodes: 1, cpusPerNode: 4 }, seed: 1 } : s;
    const profile = o.str('profile', d('multi'));
    if (profile !== undefined && !findProfile(profile)) {
      this.c.error(o.at('profile'), `unknown profile "${profile}" (known: ${PROFILES.map((x) => x.name).join(', ')}, or 5.17, 6.16, 6.18, mainline)`);
    }
    s.profile = profile as SystemSpec['profile'];
    const v = o.int('cgroupVersion', { min: 1, max: 2 }, d(2));
    if (v !== undefined) s.cgroupVersion = v as CgroupVersion;
    const t = o.obj('topology', ['nodes', 'cpusPerNode']);
    if (t) s.topology = { nodes: t.int('nodes', { min: 1, max: 64 }, 1) ?? 1, cpusPerNode: t.int('cpusPerNode', { min: 1, max: 1024 }, 1) ?? 1 };
    else if (base) s.topology = { nodes: 1, cpusPerNode: 4 };
    s.seed = o.int('seed', { min: 0 }, d(1));
    for (const k of ['swapAccount', 'stock', 'recursiveProtection', 'localEvents'] as const) s[k] = o.bool(k);
    s.chargeBatch = o.int('chargeBatch', { min: 1, max: 255 });
    s.maxCgroups = o.int('maxCgroups', { min: 2 });
    s.maxFolios = o.int('maxFolios', { min: 1 });
    s.remoteDrain = o.enum('remoteDrain', ['schedule', 'immediate', 'deferred'] as const);
    s.oomVictimExit = o.enum('oomVictimExit', ['schedule', 'kill', 'oom'] as const);
    s.ramPages = o.size('ram');
    s.swapPages = o.size('swap');
    if (o.has('ram')) this.notes.push(`${o.at('ram')} has no effect: the emulator has no global memory limit yet`);
    return Object.fromEntries(Object.entries(s).filter(([, x]) => x !== undefined)) as SystemSpec;
  }

  /** cgroups: "a/b": { "memory.max": "100M", … }, written through the files in key order. */
  cgroupTable(entries: [string, unknown][]): void {
    for (const [key, v] of entries) {
      const at = jsonPath('cgroups', key);
      const cgroup = this.cgroupName(key, at);
      const settings = this.c.record(v, at).flatMap(([file, value]) => {
        const fat = jsonPath(at, file);
        if (typeof value !== 'string' && typeof value !== 'number') return this.c.error(fat, 'a setting is a string or a number') ?? [];
        this.limitValue(file, value, fat);
        return [{ file, value: String(value), path: fat }];
      });
      if (cgroup === '') this.c.error(at, 'the root cgroup takes no settings');
      else if (cgroup !== undefined) this.addCgroup(cgroup, at, settings);
    }
  }

  /** Add a cgroup (and its missing parents) to the table; its index. */
  private addCgroup(cgroup: string, at: string, settings: CgroupSpec['settings'] = []): number {
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

  /** A cgroup path as written (a/b, /a/b/, /sys/fs/cgroup/a/b) → normalised; root is ''. */
  private cgroupName(v: unknown, at: string): string | undefined {
    const s = this.c.string(v, at);
    if (s === undefined) return undefined;
    const p = System.normalize(s);
    const bad = p.split('/').find((n) => n.startsWith('memory.') || n.startsWith('cgroup.') || n === '.' || n === '..');
    if (bad !== undefined) return this.c.error(at, `invalid cgroup name "${bad}"`);
    return p;
  }

  /** A reference to a declared cgroup (or the root): its index in the path table. */
  cgroupRef(v: unknown, at: string): number | undefined {
    const p = this.cgroupName(v, at);
    if (p === undefined) return undefined;
    const idx = this.index.get(p);
    return idx ?? this.c.error(at, `no cgroup "${p}" in cgroups`);
  }

  /** An interface file path: its cgroup must be declared. */
  file(v: unknown, at: string): string | undefined {
    const s = this.c.string(v, at);
    if (s === undefined) return undefined;
    const p = System.normalize(s);
    const slash = p.lastIndexOf('/');
    const name = p.slice(slash + 1);
    if (!name.startsWith('memory.') && !name.startsWith('cgroup.')) return this.c.error(at, `"${s}" does not name an interface file (like a/memory.current)`);
    if (this.cgroupRef(slash < 0 ? '' : p.slice(0, slash), at) === undefined) return undefined;
    return p;
  }

  /** A limit file's value is checked now (memparse); other files' values when written. */
  private limitValue(file: string, value: string | number, at: string): void {
    if (!limitFile(this.version, file)) return;
    try {
      parseLimit(this.version, file, value);
    } catch (e) {
      this.c.error(at, (e as Error).message.replace(/^EINVAL: /, ''));
    }
  }

  taskTable(entries: [string, unknown][]): void {
    for (const [name, v] of entries) {
      const at = jsonPath('tasks', name);
      const o = this.c.object(v, at, ['cgroup', 'cpus', 'oom_score_adj']);
      if (!o) continue;
      const cgroup = this.cgroupRef(o.need('cgroup'), o.at('cgroup'));
      const cpus = this.cpuList(o.has('cpus') ? o.raw.cpus : 'all', o.at('cpus'));
      const oomScoreAdj = o.int('oom_score_adj', { min: OOM_SCORE_ADJ_MIN, max: OOM_SCORE_ADJ_MAX }, 0) ?? 0;
      // A task with a bad CPU list still exists (on CPU 0), so steps naming it are checked.
      if (cgroup !== undefined) this.tasks.set(name, { name, cgroup, cpus: cpus ?? [0], oomScoreAdj, path: at });
    }
  }

  private cpuList(v: unknown, at: string): number[] | undefined {
    return this.c.parsed(v, at, (x) => parseCpuList(x, this.cpus));
  }
  private cpu(o: Obj, key: string): number | undefined {
    return this.below(o, key, this.cpus, 'cpu');
  }
  /** An integer key in 0..n-1: "cpu 9 out of range 0..3". */
  private below(o: Obj, key: string, n: number, what: string): number | undefined {
    const v = o.int(key, { min: 0 });
    return v === undefined || v < n ? v : this.c.error(o.at(key), `${what} ${v} out of range 0..${n - 1}`);
  }

  /** task or cgroup → the cgroup charged and the CPUs it runs on (a cgroup alone: CPU 0). */
  private target(o: Obj): Target | undefined {
    const which = o.oneOf(TARGET);
    if (which === 'task') {
      const t = this.tasks.get(this.taskRef(o.raw.task, o.at('task')) ?? '');
      return t && { cgroup: t.cgroup, task: t.name, cpus: t.cpus };
    }
    if (which === 'cgroup') {
      const cgroup = this.cgroupRef(o.raw.cgroup, o.at('cgroup'));
      return cgroup === undefined ? undefined : { cgroup, cpus: [0] };
    }
    return undefined;
  }

  private gfp(o: Obj): string {
    const spec = o.str('gfp', 'GFP_KERNEL') ?? 'GFP_KERNEL';
    try {
      parseGfp(spec, () => 0);
    } catch (e) {
      this.c.error(o.at('gfp'), (e as Error).message.replace(/^EINVAL: /, ''));
    }
    return spec;
  }
  private order(o: Obj, dflt = 0): number {
    return o.int('order', { min: 0, max: MAX_ORDER }, dflt) ?? dflt;
  }
  private node(o: Obj): number | undefined {
    return this.below(o, 'node', this.nodes, 'node');
  }
  private tag(o: Obj): string | undefined {
    const t = o.str('tag');
    if (t !== undefined) this.tags.add(t);
    return t;
  }
  /** pages or size → a number of folios of this order. */
  private folios(o: Obj, order: number, keys: readonly string[] = ['pages', 'size']): number | undefined {
    const which = o.oneOf(keys);
    if (which === undefined) return undefined;
    const pages = which === 'size' ? o.size('size') : o.int(which, { min: 1 });
    if (pages === undefined) return undefined;
    if (pages % 2 ** order !== 0) return this.c.error(o.at(which), `${pages} pages is not a whole number of order-${order} folios`);
    return pages / 2 ** order;
  }

  phase(v: unknown, at: string): Phase {
    const o = this.c.object(v, at, ['name', 'repeat', 'steps']);
    const steps = o ? (this.c.array(o.need('steps'), o.at('steps')) ?? []) : [];
    return {
      path: at, name: o?.str('name') ?? at, repeat: o?.int('repeat', { min: 1 }, 1) ?? 1,
      steps: steps.flatMap((s, i) => this.step(s, jsonPath(o!.at('steps'), i)) ?? []),
    };
  }

  /** One step: an object with one key, the step's name. */
  step(v: unknown, at: string): Step | undefined {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.keys(v).length !== 1) {
      return this.c.error(at, `a step is an object with one key, its name (${Object.keys(STEP_KEYS).join(', ')})`);
    }
    const [name, arg] = Object.entries(v)[0];
    const sat = jsonPath(at, name);
    const keys = STEP_KEYS[name];
    if (NO_SUCH_STEP[name]) return this.c.error(sat, NO_SUCH_STEP[name]);
    if (!keys) return this.c.error(sat, `unknown step (known: ${Object.keys(STEP_KEYS).join(', ')})`);
    if (name === 'read') {
      const file = this.file(arg, sat);
      return file === undefined ? undefined : { kind: 'read', file, path: sat };
    }
    const o = this.c.object(arg, sat, keys);
    if (!o) return undefined;
    switch (name) {
      case 'charge':
      case 'fault': {
        const target = this.target(o);
        const step: ChargeStep = {
          kind: 'charge', path: sat, target: target!, cpu: this.cpu(o, 'cpu'), order: this.order(o),
          folio: name === 'fault' ? 'anon' : o.enum('kind', ['anon', 'file'] as const, 'anon') ?? 'anon',
          gfp: this.gfp(o), node: this.node(o), count: o.int('count', { min: 1 }, 1) ?? 1, tag: this.tag(o),
        };
        if (target && step.cpu !== undefined && target.task && !target.cpus.includes(step.cpu)) {
          this.c.error(o.at('cpu'), `task ${target.task} does not run on cpu ${step.cpu} (its CPUs: ${target.cpus.join(',')})`);
        }
        return target && step;
      }
      case 'faults':
      case 'stream':
      case 'thp': {
        const target = this.target(o);
        const order = name === 'thp' ? MAX_ORDER : this.order(o);
        const folios = name !== 'thp' ? this.folios(o, order)
          : o.oneOf(['count', 'size']) === 'count' ? o.int('count', { min: 1 }) : this.folios(o, order, ['size']);
        const cpus = name === 'stream'
          ? (o.has('cpu') ? [this.cpu(o, 'cpu') ?? 0] : target ? [target.cpus[0]] : [0])
          : o.has('cpus') ? this.cpuList(o.raw.cpus, o.at('cpus')) : target?.cpus;
        const rest = {
          folio: name === 'stream' ? 'file' as const : o.enum('kind', ['anon', 'file'] as const, 'anon') ?? 'anon',
          gfp: name === 'stream' ? 'GFP_KERNEL' : this.gfp(o), node: this.node(o), tag: this.tag(o), rate: o.num('rate', { above: 0 }),
        };
        if (!target || !cpus || folios === undefined) return undefined;
        return { kind: 'faults', path: sat, target, cpus, folios, order, ...rest };
      }
      case 'grow-then-free': {
        const target = this.target(o);
        const order = this.order(o);
        const folios = this.folios(o, order);
        const cpus = o.has('cpus') ? this.cpuList(o.raw.cpus, o.at('cpus')) : target?.cpus;
        const rest = { gfp: this.gfp(o), repeat: o.int('repeat', { min: 1 }, 1) ?? 1, tag: this.tag(o) };
        if (!target || !cpus || folios === undefined) return undefined;
        return { kind: 'grow-then-free', path: sat, target, cpus, folios, order, ...rest };
      }
      case 'thrash':
        return this.thrash(o, sat);
      case 'free': {
        const pick = this.pick(o);
        const batch = o.bool('batch', true) ?? true;
        return pick && { kind: 'free', path: sat, ...pick, batch };
      }
      case 'access': {
        const pick = this.pick(o);
        const gfp = this.gfp(o);
        return pick && { kind: 'access', path: sat, ...pick, gfp };
      }
      case 'move': {
        const task = this.taskRef(o.need('task'), o.at('task'));
        const to = this.cgroupRef(o.need('to'), o.at('to'));
        return task !== undefined && to !== undefined ? { kind: 'move', path: sat, task, to } : undefined;
      }
      case 'wait': {
        o.need('ms');
        const ms = o.num('ms', { min: 0 });
        if (ms !== undefined && Math.round(ms * 1000) !== ms * 1000) return this.c.error(o.at('ms'), `${ms} ms is not a whole number of microseconds`);
        return ms === undefined ? undefined : { kind: 'wait', path: sat, ms };
      }
      case 'write': {
        const file = this.file(o.need('file'), o.at('file'));
        const value = o.need('value');
        if (value !== undefined && typeof value !== 'string' && typeof value !== 'number') this.c.error(o.at('value'), 'a value is a string or a number');
        const cpu = this.cpu(o, 'cpu') ?? 0;
        if (file === undefined || value === undefined) return undefined;
        const slash = file.lastIndexOf('/');
        const name = file.slice(slash + 1);
        this.limitValue(name, value as string | number, o.at('value'));
        return { kind: 'write', path: sat, file, cgroup: this.index.get(slash < 0 ? '' : file.slice(0, slash))!, name, value: String(value), cpu };
      }
      case 'expect': {
        const e = this.expectation(arg, sat);
        this.inlineExpects.push(e);
        return { kind: 'expect', path: sat, expect: e };
      }
    }
    return undefined;
  }

  /** thrash: charges rotating over K cgroups (created as prefix0…) or listed ones, on cpu(s). */
  private thrash(o: Obj, at: string): ThrashStep | undefined {
    const g = o.need('cgroups');
    let cgroups: number[] | undefined;
    if (typeof g === 'number') {
      const k = this.c.int(g, o.at('cgroups'), { min: 1, max: 4096 });
      const prefix = o.str('prefix', 'm') ?? 'm';
      const first = this.cgroupName(`${prefix}0`, o.at('prefix'));
      if (k !== undefined && first) cgroups = Array.from({ length: k }, (_, i) => this.addCgroup(System.normalize(`${prefix}${i}`), at));
    } else if (g !== undefined) {
      if (o.has('prefix')) this.c.error(o.at('prefix'), 'prefix names the cgroups made when cgroups is a number');
      const list = this.c.array(g, o.at('cgroups'));
      const ids = list?.map((x, i) => this.cgroupRef(x, jsonPath(o.at('cgroups'), i)));
      if (ids && ids.length === 0) this.c.error(o.at('cgroups'), 'the cgroup list is empty');
      else if (ids?.every((x) => x !== undefined)) cgroups = ids as number[];
    }
    const cpuKey = o.oneOf(['cpu', 'cpus']);
    const cpus = cpuKey === 'cpu' ? [this.cpu(o, 'cpu')] : cpuKey === 'cpus' ? this.cpuList(o.raw.cpus, o.at('cpus')) : undefined;
    o.need('charges');
    const charges = o.int('charges', { min: 1 });
    const rest = { order: this.order(o), gfp: this.gfp(o), pick: o.enum('pick', ['round-robin', 'random'] as const, 'round-robin')!, tag: this.tag(o) };
    if (!cgroups || !cpus || cpus.some((x) => x === undefined) || charges === undefined) return undefined;
    return { kind: 'thrash', path: at, cgroups, cpus: cpus as number[], charges, ...rest };
  }

  /** folios (a tag) | task | cgroup, count?, every?, cpu?: the live folios a free or an access takes. */
  private pick(o: Obj): Pick | undefined {
    const rest = { count: o.int('count', { min: 1 }), every: o.int('every', { min: 1 }, 1) ?? 1, cpu: this.cpu(o, 'cpu') };
    const which = o.oneOf(['folios', ...TARGET]);
    let group: Group | undefined;
    if (which === 'folios') {
      const tag = o.str('folios');
      if (tag !== undefined) {
        group = { tag };
        this.freedTags.push([tag, o.at('folios')]);
      }
    } else if (which === 'task') {
      const t = this.taskRef(o.raw.task, o.at('task'));
      if (t !== undefined) group = { task: t };
    } else if (which === 'cgroup') {
      const g = this.cgroupRef(o.raw.cgroup, o.at('cgroup'));
      if (g !== undefined) group = { cgroup: g };
    }
    return group && { group, ...rest };
  }

  /** A reference to a declared task. */
  private taskRef(v: unknown, at: string): string | undefined {
    const t = this.c.string(v, at);
    if (t === undefined) return undefined;
    return this.tasks.has(t) ? t : this.c.error(at, `no task "${t}" in tasks`);
  }

  expectation(v: unknown, at: string): Expectation {
    const o = this.c.object(v, at, EXPECT_KEYS);
    if (!o) return { path: at };
    const e: Expectation = { path: at, variant: o.str('variant') };
    const which = o.oneOf(['read', 'sim', 'task']);
    if (which === 'read') e.read = this.file(o.raw.read, o.at('read'));
    if (which === 'sim') e.sim = o.str('sim');
    if (which === 'task') e.task = this.taskRef(o.raw.task, o.at('task'));
    e.key = o.str('key');
    if (e.key !== undefined && which === 'sim') this.c.error(o.at('key'), 'key picks a line of a file or a field of a task: use it with read or task');
    if (which === 'task') {
      if (!o.has('key')) this.c.error(o.at('key'), `missing: a task expectation reads one of ${TASK_KEYS.join(', ')}`);
      else if (e.key !== undefined && !(TASK_KEYS as readonly string[]).includes(e.key)) this.c.error(o.at('key'), `a task has no "${e.key}" (known: ${TASK_KEYS.join(', ')})`);
    }
    e.contains = o.str('contains');
    if (o.has('equals')) {
      const eq = o.raw.equals;
      if (typeof eq === 'string' || typeof eq === 'number' || typeof eq === 'boolean') e.equals = eq;
      else this.c.error(o.at('equals'), 'equals is a string, a number or true/false');
    }
    e.matches = o.str('matches');
    if (e.matches !== undefined) {
      try {
        new RegExp(e.matches, 'm');
      } catch (err) {
        this.c.error(o.at('matches'), (err as Error).message);
      }
    }
    e.atLeast = o.num('atLeast');
    e.atMost = o.num('atMost');
    if (!['contains', 'equals', 'matches', 'atLeast', 'atMost'].some((k) => o.has(k))) {
      this.c.error(at, 'needs a check: contains, equals, matches, atLeast or atMost');
    }
    return e;
  }
}
