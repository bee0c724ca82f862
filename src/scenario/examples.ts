// Built-in examples: scenarios that tell a story a user recognises. `memcg-sim examples NAME`
// prints one as JSON, to copy and change. The first four charge user memory only, as if booted
// with cgroup.memory=nokmem (kmem: false): their expected numbers were derived so.

import { MemcgError } from '../core/errors.js';
import { parseScenario, type Scenario } from './scenario.js';

export type Example = { name: string; summary: string; scenario: Record<string, unknown> };
/** The name of a built-in example (from the EXAMPLES table). */
export type ExampleName = (typeof EXAMPLES)[number]['name'];

const quickstart = {
  name: 'quickstart',
  description:
    '2600 one-page charges round-robin over 3 cgroups from 4 CPUs (profile multi), then every fifth ' +
    'folio freed. workload has memory.max 6M: its charges fail with ENOMEM once it is full.',
  system: { profile: 'multi', cgroupVersion: 2, topology: { nodes: 2, cpusPerNode: 2 }, seed: 1, kmem: false },
  cgroups: {
    workload: { 'memory.max': '6M' },
    'workload/web': { 'memory.high': '4M' },
    'workload/db': { 'memory.min': '2M' },
    batch: {},
  },
  workload: [
    { name: 'charge', steps: [{ thrash: { cgroups: ['workload/web', 'workload/db', 'batch'], cpus: '0-3', charges: 2600, tag: 'all' } }] },
    { name: 'free 1/5', steps: [{ free: { folios: 'all', every: 5 } }] },
  ],
  expect: [
    { read: 'workload/memory.events', key: 'oom', equals: 198 },
    { read: 'workload/memory.current', atMost: 6291456 },
  ],
};

const containerOom = {
  name: 'container-oom',
  description:
    'A container with memory.max 64M runs an app (CPUs 0-2) and a sidecar (CPU 3). The app faults 32M, the ' +
    'sidecar 8M, then the app leaks 64M more. At 64M the app\'s fault finds nothing to reclaim (anon memory, ' +
    'no swap): drain_all_stock and 16 reclaim retries (18 max events), then the memcg OOM killer picks the ' +
    'task with the highest badness (rss + swap entries, oom_score_adj 0): the app with 14336 pages, not the ' +
    'sidecar with 2048. Killed, the app keeps its pages while its charge goes on (16 more retries, 17 more max ' +
    'events), then its fault fails (task_is_dying) and it dies on the way out: its pages are freed, its ' +
    'faulting charge fails with EINTR and its later faults are not run (dead ops). The sidecar survives and ' +
    'grows by 8M.',
  // lruAddBatch: false as kmem: its expectations were derived with the killed app's pages all freed at its exit
  system: { profile: 'multi', cgroupVersion: 2, topology: { nodes: 1, cpusPerNode: 4 }, seed: 1, kmem: false, lruAddBatch: false },
  cgroups: { container: { 'memory.max': '64M' } },
  tasks: { app: { cgroup: 'container', cpus: '0-2' }, sidecar: { cgroup: 'container', cpus: '3' } },
  workload: [
    {
      name: 'start',
      steps: [
        { faults: { task: 'app', size: '32M' } }, { faults: { task: 'sidecar', size: '8M' } },
        { expect: { read: 'container/memory.events', key: 'max', equals: 0 } },
      ],
    },
    { name: 'leak', steps: [{ faults: { task: 'app', size: '64M' } }, { expect: { task: 'app', key: 'killed', equals: true } }] },
    { name: 'sidecar', steps: [{ faults: { task: 'sidecar', size: '8M' } }] },
  ],
  expect: [
    { read: 'container/memory.events', key: 'oom', equals: 1 },
    { read: 'container/memory.events', key: 'oom_kill', equals: 1 },
    // 18 max events before the kill and 17 after it (passed_oom), plus what drains took earlier
    { read: 'container/memory.events', key: 'max', atLeast: 35 },
    { read: 'container/memory.peak', equals: '67108864' },
    // Only the sidecar's 4096 pages are left (its 64 batches leave no stock on CPU 3).
    { read: 'container/memory.current', equals: '16777216' },
    { task: 'sidecar', key: 'anonPages', equals: 4096 },
  ],
  sample: { every: 4096, files: ['container/memory.current', 'container/memory.events'] },
};

const highThrottle = {
  name: 'high-throttle',
  description:
    'A service cgroup with memory.high 32M (no memory.max): a worker and a leaky task fill it to 32M, then ' +
    'the leaky task leaks 8M more at 16 pages/ms while the worker keeps faulting 128K at a time. Without ' +
    'swap, reclaim finds nothing; every 64-page stock refill that leaves the cgroup d pages over high makes ' +
    'the charging task sleep calculate_high_delay = ((d*128)^2 * HZ >> 34) jiffies (capped at 2 s), after 17 ' +
    'reclaim rounds with a high event each, once that is above HZ/100. Both tasks are throttled, the worker ' +
    'too. With a swap device reclaim_high swaps the coldest anon pages out and nobody sleeps.',
  system: { profile: 'multi', cgroupVersion: 2, topology: { nodes: 1, cpusPerNode: 2 }, seed: 1, kmem: false },
  variants: { 'no swap': {}, swap: { swap: '1G' } },
  cgroups: { svc: { 'memory.high': '32M' } },
  tasks: { leaky: { cgroup: 'svc', cpus: '0' }, worker: { cgroup: 'svc', cpus: '1' } },
  workload: [
    { name: 'fill', steps: [{ faults: { task: 'worker', size: '8M', rate: 16 } }, { faults: { task: 'leaky', size: '24M', rate: 16 } }] },
    { name: 'leak', repeat: 8, steps: [{ faults: { task: 'leaky', size: '1M', rate: 16 } }, { faults: { task: 'worker', size: '128K', rate: 16 } }] },
  ],
  expect: [
    // 36 refills over high (d = 64, 128, … 2304 pages): the first is below the HZ/100 threshold (1 event,
    // no sleep), the other 35 sleep (17 events each); leaky refills 32 times, the worker 4 times.
    { read: 'svc/memory.events', key: 'high', equals: 596, variant: 'no swap' },
    { task: 'leaky', key: 'throttledMs', equals: 37948, variant: 'no swap' },
    { task: 'worker', key: 'throttledMs', equals: 4862, variant: 'no swap' },
    { read: 'svc/memory.current', equals: '42991616', variant: 'no swap' },
    // With swap, reclaim_high brings usage back under high after each refill: no penalty; of the
    // 10496 anon pages, those beyond high's 8192 (2304 or more) are in swap.
    { task: 'leaky', key: 'throttledMs', equals: 0, variant: 'swap' },
    { task: 'worker', key: 'throttledMs', equals: 0, variant: 'swap' },
    { read: 'svc/memory.current', atMost: 33554432, variant: 'swap' },
    { read: 'svc/memory.swap.current', atLeast: 9437184, variant: 'swap' },
  ],
  sample: { everyMs: 1000, files: ['svc/memory.current', 'svc/memory.events'] },
};

const lowProtection = {
  name: 'low-protection',
  description:
    'A host cgroup with memory.max 64M holds a database (memory.low 32M) and a noisy neighbour. The ' +
    'database reads 24M of its files into the page cache and uses them; the neighbour then streams 128M ' +
    'through the page cache (a backup). Reclaim of host skips the database (below its memory.low) and ' +
    'takes only the neighbour\'s cache: the database keeps its 24M. Then the neighbour allocates 48M of ' +
    'anon memory: with no swap only page cache can go, its own first; when only the protected cache is ' +
    'left, reclaim retries with memcg_low_reclaim and breaches the protection (low events on the database).',
  system: { profile: 'multi', cgroupVersion: 2, topology: { nodes: 1, cpusPerNode: 4 }, seed: 1, kmem: false },
  cgroups: { host: { 'memory.max': '64M' }, 'host/db': { 'memory.low': '32M' }, 'host/noisy': {} },
  tasks: { db: { cgroup: 'host/db', cpus: '0-1' }, noisy: { cgroup: 'host/noisy', cpus: '2-3' } },
  workload: [
    { name: 'warm', steps: [{ stream: { task: 'db', size: '24M', tag: 'cache' } }, { access: { folios: 'cache' } }] },
    {
      name: 'backup',
      steps: [
        { stream: { task: 'noisy', size: '128M' } },
        { expect: { read: 'host/db/memory.current', equals: '25165824' } },
        { expect: { read: 'host/db/memory.events', key: 'low', equals: 0 } },
        { expect: { read: 'host/noisy/memory.current', atMost: 41943040 } },
      ],
    },
    { name: 'breach', steps: [{ faults: { task: 'noisy', size: '48M' } }] },
  ],
  expect: [
    { read: 'host/memory.events', key: 'oom', equals: 0 },
    { read: 'host/noisy/memory.current', equals: '50331648' },
    { read: 'host/db/memory.current', atMost: 16777216 },
    { read: 'host/db/memory.events', key: 'low', atLeast: 1 },
  ],
  sample: { every: 4096, files: ['host/db/memory.current', 'host/noisy/memory.current', 'host/db/memory.events'] },
};

const stockThrash = {
  name: 'stock-thrash',
  description:
    '16000 one-page charges round-robin over N memcgs (children of the root) for N = 4, 7, 8, 16, each N ' +
    'on its own CPU, with the three stock designs side by side. The single-memcg stock (up to 6.15, ' +
    'here 6.12) misses whenever the memcg changes; the 7-slot stock (6.16+) holds up to 7 memcgs, and ' +
    'beyond that its random victim (6.16 - 6.18.35) keeps some hits while the round-robin victim ' +
    '(6.18.36+, v7.1) always evicts the slot needed next.',
  system: { profile: 'multi', cgroupVersion: 2, topology: { nodes: 1, cpusPerNode: 4 }, seed: 7 },
  variants: { single: { profile: '6.12' }, multi: { profile: 'multi' }, 'multi-rr': { profile: '6.18' } },
  workload: [4, 7, 8, 16].map((n, cpu) => ({
    name: `${n} memcgs`,
    steps: [{ thrash: { cgroups: n, prefix: `n${n}-`, cpu, charges: 16000 } }],
  })),
  summary: { cgroups: [] },
  expect: [
    { sim: 'stockHits', variant: 'single', equals: 0 },
    { sim: 'stockEvictions', variant: 'single', equals: 63996 },
    { sim: 'stockEvictions', variant: 'multi-rr', equals: 31986 },
    { sim: 'stockEvictions', variant: 'multi', atMost: 31986 },
  ],
};

export const EXAMPLES = [
  { name: 'quickstart', summary: 'a small cgroup tree charged from 4 CPUs: usage, stock, max/oom events per cgroup', scenario: quickstart },
  { name: 'container-oom', summary: 'a container hits memory.max: the OOM killer kills its biggest task, the other survives (time series with --csv)', scenario: containerOom },
  { name: 'high-throttle', summary: 'memory.high throttles a leaky service (and its neighbour task): sleep time, high events; with swap, none', scenario: highThrottle },
  { name: 'low-protection', summary: 'memory.low keeps a database\'s page cache while a noisy neighbour streams; breached when only it is left', scenario: lowProtection },
  { name: 'stock-thrash', summary: 'more memcgs than stock slots on one CPU: single vs multi vs multi-rr side by side', scenario: stockThrash },
] as const satisfies readonly Example[];

/** A built-in example, by name, as a checked scenario (EINVAL for an unknown name). */
export function exampleScenario(name: ExampleName): Scenario {
  const e = (EXAMPLES as readonly Example[]).find((x) => x.name === name);
  if (!e) throw new MemcgError('EINVAL', `no example ${JSON.stringify(String(name))} (known: ${EXAMPLES.map((x) => x.name).join(', ')})`);
  return parseScenario(e.scenario, e.name, `example ${e.name}`);
}
