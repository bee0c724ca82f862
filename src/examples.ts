// Built-in examples: scenarios that tell a story a user recognises. `memcg-sim examples NAME`
// prints one as JSON, to copy and change.

import { parseScenario, type Scenario } from './scenario.js';

export type Example = { name: string; summary: string; scenario: Record<string, unknown> };

const quickstart = {
  name: 'quickstart',
  description:
    '2600 one-page charges round-robin over 3 cgroups from 4 CPUs (profile multi), then every fifth ' +
    'folio freed. workload has memory.max 6M: its charges fail with ENOMEM once it is full.',
  system: { profile: 'multi', cgroupVersion: 2, topology: { nodes: 2, cpusPerNode: 2 }, seed: 1 },
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
    'A container with memory.max 64M runs an app that faults 32M, then leaks 64M more from 4 CPUs. ' +
    'Once usage reaches the limit every further fault fails: drain_all_stock and 16 reclaim retries ' +
    'find nothing to reclaim (anon memory, no swap), the OOM killer finds no victim (scenario tasks are ' +
    'not processes yet), the charge fails with ENOMEM. memory.events counts one oom per failed charge; ' +
    'usage stays exactly at the limit.',
  system: { profile: 'multi', cgroupVersion: 2, topology: { nodes: 1, cpusPerNode: 4 }, seed: 1 },
  cgroups: { container: { 'memory.max': '64M' } },
  tasks: { app: { cgroup: 'container', cpus: '0-3' } },
  workload: [
    {
      name: 'start',
      steps: [{ faults: { task: 'app', size: '32M' } }, { expect: { read: 'container/memory.events', key: 'max', equals: 0 } }],
    },
    { name: 'leak', steps: [{ faults: { task: 'app', size: '64M' } }] },
  ],
  expect: [
    { read: 'container/memory.current', equals: '67108864' },
    { read: 'container/memory.peak', equals: '67108864' },
    { read: 'container/memory.events', key: 'oom', equals: 8192 },
    { read: 'container/memory.events', key: 'oom_kill', equals: 0 },
  ],
  sample: { every: 4096, files: ['container/memory.current', 'container/memory.events'] },
};

const stockThrash = {
  name: 'stock-thrash',
  description:
    '16000 one-page charges round-robin over N memcgs (children of the root) for N = 4, 7, 8, 16, each N ' +
    'on its own CPU, with the three stock designs side by side. The single-memcg stock (<= 6.15) misses ' +
    'whenever the memcg changes; the 7-slot stock (6.16+) holds up to 7 memcgs, and beyond that its ' +
    'random victim keeps some hits while the round-robin victim (after 6.18) always evicts the slot ' +
    'needed next.',
  system: { profile: 'multi', cgroupVersion: 2, topology: { nodes: 1, cpusPerNode: 4 }, seed: 7 },
  variants: { single: { profile: 'single' }, multi: { profile: 'multi' }, 'multi-rr': { profile: 'multi-rr' } },
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

export const EXAMPLES: Example[] = [
  { name: 'quickstart', summary: 'a small cgroup tree charged from 4 CPUs: usage, stock, max/oom events per cgroup', scenario: quickstart },
  { name: 'container-oom', summary: 'a container hits memory.max: charges fail with ENOMEM, one oom event each (time series with --csv)', scenario: containerOom },
  { name: 'stock-thrash', summary: 'more memcgs than stock slots on one CPU: single vs multi vs multi-rr side by side', scenario: stockThrash },
];

/** A built-in example as a checked scenario. */
export function exampleScenario(e: Example): Scenario {
  return parseScenario(e.scenario, e.name, `example ${e.name}`);
}
