// The machine memcg-sim live runs on: the kernel release, where the memory controller is
// mounted (cgroup v1 or v2), the root below which the cases' cgroups go, the CPU and NUMA
// topology, the swap device, and the knobs that decide what a workload does (THP, CONFIG_HZ).
// Everything is read from /proc and /sys; nothing here writes.

import { accessSync, constants, existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { release as osRelease } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { PROFILES, findProfile } from '../core/profiles.js';

/** What a live run cannot start without (not root, no memory controller, no compiler, …): exit status 2. */
export class LiveSetupError extends Error {
  readonly code = 'ELIVE';
  constructor(message: string) {
    super(message);
    this.name = 'LiveSetupError';
  }
}

export type MachineInfo = {
  /** uname -r */
  release: string;
  cgroupVersion: 1 | 2;
  nodes: number;
  cpusPerNode: number;
  /** The real CPU number of emulator CPU i (node-major order). */
  cpuMap: number[];
  swapPages: number;
  /** v1: the memory.memsw.* files exist (swap accounting on). */
  memsw: boolean;
  /** CONFIG_HZ from /proc/config.gz, when the kernel exposes its configuration. */
  hz?: number;
  thp: { enabled: string; defrag: string; useZeroPage: boolean };
  /**
   * Kernel memory accounting: off only when the kernel was booted with cgroup.memory=nokmem
   * (/proc/cmdline; mem_cgroup_kmem_disabled). Measurements saved before this field existed
   * came from this project's 6.18.44 machine, which charges kmem: absent is read as true.
   */
  kmem?: boolean;
  /** The DAMON monitors running here (absent when none is on): they move folios between LRU lists on their own. */
  damon?: Damon[];
  /** Notes on what was assumed (an uneven NUMA topology, no CONFIG_HZ, …). */
  notes: string[];
};

/** A running DAMON monitor (kdamond): what it monitors and what its schemes do. */
export type Damon = { kdamond: number; operations: string[]; actions: string[] };

/** A memory cgroup hierarchy: its mount point and version. */
export type Hierarchy = { version: 1 | 2; mount: string };

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The selected value of a sysfs choice file ("always [madvise] never" → "madvise"). */
function choice(path: string): string {
  return /\[([^\]]+)\]/.exec(read(path) ?? '')?.[1] ?? 'unknown';
}

/** A cpulist ("0-3,8") → CPU numbers. */
export function parseCpulist(s: string): number[] {
  const out: number[] = [];
  for (const part of s.trim().split(',')) {
    if (part === '') continue;
    const [lo, hi] = part.split('-').map(Number);
    for (let c = lo; c <= (hi ?? lo); c++) out.push(c);
  }
  return out;
}

/** The memory cgroup hierarchies mounted here (from /proc/self/mountinfo). */
export function memoryHierarchies(mountinfo = read('/proc/self/mountinfo') ?? ''): Hierarchy[] {
  const out: Hierarchy[] = [];
  for (const line of mountinfo.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!post) continue;
    const mount = pre.split(' ')[4]?.replace(/\\040/g, ' ');
    const [fstype, , superOpts = ''] = post.split(' ');
    if (fstype === 'cgroup' && superOpts.split(',').includes('memory')) out.push({ version: 1, mount });
    if (fstype === 'cgroup2' && (read(join(mount, 'cgroup.controllers')) ?? '').split(/\s+/).includes('memory')) out.push({ version: 2, mount });
  }
  return out;
}

/** The memcg this process is in (the default root): its directory, and the hierarchy. */
export function ownMemcg(hs: Hierarchy[], procCgroup = read('/proc/self/cgroup') ?? ''): { dir: string; h: Hierarchy } {
  const lines = procCgroup.split('\n').filter(Boolean).map((l) => {
    const [, , ctrls, path] = /^(\d+):([^:]*):(.*)$/.exec(l) ?? [];
    return { ctrls: ctrls?.split(',') ?? [], path: path ?? '' };
  });
  const v1 = hs.find((h) => h.version === 1);
  const mine1 = lines.find((l) => l.ctrls.includes('memory'));
  if (v1 && mine1) return { dir: join(v1.mount, mine1.path), h: v1 };
  const v2 = hs.find((h) => h.version === 2);
  const mine2 = lines.find((l) => l.ctrls.length === 1 && l.ctrls[0] === '');
  if (v2 && mine2) return { dir: join(v2.mount, mine2.path), h: v2 };
  throw new LiveSetupError('this process is in no memory cgroup (no memory controller in /proc/self/cgroup): give --cgroup-root');
}

/**
 * The root the cases' cgroups go below: the one given, or this process's memcg. It must be a
 * directory of a mounted memory hierarchy that this user may create cgroups in.
 */
export function cgroupRoot(given?: string): { dir: string; h: Hierarchy } {
  const hs = memoryHierarchies();
  if (hs.length === 0) {
    throw new LiveSetupError('no memory controller is mounted (no cgroup v1 hierarchy with "memory", no cgroup2 hierarchy with memory in cgroup.controllers)');
  }
  let dir: string;
  let h: Hierarchy | undefined;
  if (given === undefined) ({ dir, h } = ownMemcg(hs));
  else {
    try {
      dir = realpathSync(resolve(given));
    } catch {
      throw new LiveSetupError(`--cgroup-root ${given}: no such directory`);
    }
    h = hs.filter((x) => dir === x.mount || dir.startsWith(x.mount + sep)).sort((a, b) => b.mount.length - a.mount.length)[0];
    if (!h) throw new LiveSetupError(`--cgroup-root ${given} is not in a memory cgroup hierarchy (mounted: ${hs.map((x) => `${x.mount} (v${x.version})`).join(', ')})`);
  }
  if (!existsSync(dir)) throw new LiveSetupError(`the cgroup root ${dir} does not exist`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    const uid = process.getuid?.();
    throw new LiveSetupError(`cannot create cgroups below ${dir}${uid !== 0 ? ` (not root: uid ${uid}; memcg-sim live must run as root or own the cgroup)` : ''}`);
  }
  if (h.version === 2) {
    const sub = (read(join(dir, 'cgroup.subtree_control')) ?? '').split(/\s+/);
    if (!sub.includes('memory')) {
      throw new LiveSetupError(`${join(dir, 'cgroup.subtree_control')} does not enable memory for its children, and memcg-sim live never writes the root it is given: ` +
        `enable it (echo +memory > ${join(dir, 'cgroup.subtree_control')}) or give --cgroup-root a cgroup whose children have the memory controller`);
    }
  }
  return { dir, h };
}

/** The NUMA topology as the emulator takes it (nodes × CPUs per node) and the CPU map. */
function topology(notes: string[]): Pick<MachineInfo, 'nodes' | 'cpusPerNode' | 'cpuMap'> {
  const online = parseCpulist(read('/sys/devices/system/cpu/online') ?? '0');
  const nodeDir = '/sys/devices/system/node';
  const nodes = existsSync(nodeDir)
    ? readdirSync(nodeDir).filter((n) => /^node\d+$/.test(n)).sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)))
      .map((n) => parseCpulist(read(join(nodeDir, n, 'cpulist')) ?? '').filter((c) => online.includes(c)))
      .filter((cpus) => cpus.length > 0)
    : [];
  if (nodes.length > 1 && nodes.every((c) => c.length === nodes[0].length)) {
    return { nodes: nodes.length, cpusPerNode: nodes[0].length, cpuMap: nodes.flat() };
  }
  if (nodes.length > 1) notes.push(`the NUMA nodes have different CPU counts (${nodes.map((c) => c.length).join(', ')}): the emulator runs 1 node × ${online.length} CPUs`);
  return { nodes: 1, cpusPerNode: online.length, cpuMap: online };
}

/** CONFIG_HZ from /proc/config.gz (memory.high penalties are in jiffies). */
function configHz(): number | undefined {
  try {
    const m = /^CONFIG_HZ=(\d+)$/m.exec(gunzipSync(readFileSync('/proc/config.gz')).toString('utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** cgroup.memory=nokmem on the kernel command line (cgroup_memory, a comma list: nokmem, nosocket, nobpf). */
export function kmemFromCmdline(cmdline: string): boolean {
  return !cmdline.split(/\s+/).some((w) => w.startsWith('cgroup.memory=') && w.slice('cgroup.memory='.length).split(',').includes('nokmem'));
}

/**
 * The kdamonds that are on, from DAMON's sysfs admin interface (read only: memcg-sim never
 * changes a monitor it did not start). A paddr monitor with a pageout (or lru_prio/lru_deprio)
 * scheme isolates idle folios and puts them back, and shrink_folio_list activates a shmem folio
 * it cannot swap out: the LRU keys of idle folios then move with no access from the workload.
 */
export function runningDamon(admin = '/sys/kernel/mm/damon/admin'): Damon[] {
  const dirs = (d: string) => {
    try {
      return readdirSync(d).filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(a) - Number(b));
    } catch {
      return [];
    }
  };
  const kd = join(admin, 'kdamonds');
  return dirs(kd).filter((k) => (read(join(kd, k, 'state')) ?? '').trim() === 'on').map((k) => {
    const ctxs = dirs(join(kd, k, 'contexts')).map((c) => join(kd, k, 'contexts', c));
    return {
      kdamond: Number(k),
      operations: ctxs.map((c) => (read(join(c, 'operations')) ?? '?').trim()),
      actions: ctxs.flatMap((c) => dirs(join(c, 'schemes')).map((x) => (read(join(c, 'schemes', x, 'action')) ?? '?').trim())),
    };
  });
}

/** The warning a running DAMON monitor gives a live run. */
export function damonNote(ds: Damon[]): string | undefined {
  if (ds.length === 0) return undefined;
  const what = ds.map((d) => `kdamond ${d.kdamond} (${d.operations.join(',') || 'no context'}${d.actions.length ? `; schemes: ${d.actions.join(', ')}` : ''})`).join(', ');
  const moves = ds.some((d) => d.actions.some((a) => /^(pageout|lru_prio|lru_deprio|migrate_hot|migrate_cold)$/.test(a)));
  return `DAMON is running: ${what}${moves ? ': it isolates and re-adds idle folios on its own (a shmem folio it cannot page out is activated), so active/inactive LRU keys of idle memory can change between checkpoints with no workload op' : ''}; the emulator has no DAMON`;
}

/** Read the machine (the release can be given, for a profile other than uname's). */
export function readMachine(root: { dir: string; h: Hierarchy }): MachineInfo {
  const notes: string[] = [];
  const swapKb = Number(/^SwapTotal:\s+(\d+) kB/m.exec(read('/proc/meminfo') ?? '')?.[1] ?? 0);
  const hz = configHz();
  if (hz === undefined) notes.push('CONFIG_HZ unknown (no /proc/config.gz): the emulator uses HZ 1000');
  const thp = '/sys/kernel/mm/transparent_hugepage';
  const damon = runningDamon();
  const dn = damonNote(damon);
  if (dn) notes.push(dn);
  return {
    release: osRelease(),
    cgroupVersion: root.h.version,
    ...topology(notes),
    swapPages: Math.floor(swapKb / 4),
    memsw: root.h.version === 1 && existsSync(join(root.dir, 'memory.memsw.usage_in_bytes')),
    hz,
    thp: { enabled: choice(join(thp, 'enabled')), defrag: choice(join(thp, 'defrag')), useZeroPage: (read(join(thp, 'use_zero_page')) ?? '0').trim() === '1' },
    kmem: kmemFromCmdline(read('/proc/cmdline') ?? ''),
    ...(damon.length ? { damon } : {}),
    notes,
  };
}

/**
 * The emulator profile for a kernel release: the profile or alias its major.minor names, else
 * the newest versioned alias not above it (--profile overrides).
 */
export function profileForRelease(release: string): string {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  if (!m) return 'multi';
  // 6.18.0 – 6.18.35 still pick the stock victim at random: the round-robin victim came with
  // 6.18.36 (89bd8215e25a, the backport of c0cafe24d3f6).
  if (m[1] === '6' && m[2] === '18' && Number(m[3] ?? 0) < 36) return 'multi';
  if (findProfile(`${m[1]}.${m[2]}`)) return `${m[1]}.${m[2]}`;
  const num = (s: string) => Number(s.split('.')[0]) * 1000 + Number(s.split('.')[1]);
  const known = [...new Set(['5.17', '6.16', '6.18', ...PROFILES.map((p) => p.name)])].filter((n) => /^\d+\.\d+$/.test(n) && findProfile(n));
  const v = num(`${m[1]}.${m[2]}`);
  const below = known.filter((n) => num(n) <= v).sort((a, b) => num(a) - num(b)).at(-1);
  return below ?? known.sort((a, b) => num(a) - num(b))[0] ?? 'multi';
}

/** The directory holding this package (for native/). */
export function packageDir(from: string): string {
  let d = from;
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(d, 'native', 'memcg-live-helper.c'))) return d;
    d = dirname(d);
  }
  throw new LiveSetupError(`native/memcg-live-helper.c not found above ${from} (an incomplete installation?)`);
}
