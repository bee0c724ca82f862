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
  /** Notes on what was assumed (an uneven NUMA topology, no CONFIG_HZ, …). */
  notes: string[];
};

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

/** Read the machine (the release can be given, for a profile other than uname's). */
export function readMachine(root: { dir: string; h: Hierarchy }): MachineInfo {
  const notes: string[] = [];
  const swapKb = Number(/^SwapTotal:\s+(\d+) kB/m.exec(read('/proc/meminfo') ?? '')?.[1] ?? 0);
  const hz = configHz();
  if (hz === undefined) notes.push('CONFIG_HZ unknown (no /proc/config.gz): the emulator uses HZ 1000');
  const thp = '/sys/kernel/mm/transparent_hugepage';
  return {
    release: osRelease(),
    cgroupVersion: root.h.version,
    ...topology(notes),
    swapPages: Math.floor(swapKb / 4),
    memsw: root.h.version === 1 && existsSync(join(root.dir, 'memory.memsw.usage_in_bytes')),
    hz,
    thp: { enabled: choice(join(thp, 'enabled')), defrag: choice(join(thp, 'defrag')), useZeroPage: (read(join(thp, 'use_zero_page')) ?? '0').trim() === '1' },
    kmem: kmemFromCmdline(read('/proc/cmdline') ?? ''),
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
